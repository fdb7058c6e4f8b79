/**
 * Version records of the filesystem ObjectStore: one JSON file per version or delete marker,
 * `.v-{versionId}.json`, beside the data file it names. The newest record is the current object; an
 * unversioned object is the single record of version `null`, as on S3.
 */

import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SomaError } from '../../errors.js';
import { removeFile, writeFileAtomic } from './fs-object-files.js';

/** The version id of an object written while versioning was not enabled (S3's name for it). */
export const NULL_VERSION = 'null';

/** One version or delete marker of a key. */
export interface VersionRecord {
  readonly key: string;
  readonly versionId: string;
  /** Write order: microseconds since the epoch, strictly increasing within a process. */
  readonly seq: number;
  readonly deleteMarker: boolean;
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly tags: Record<string, string>;
  /** ISO timestamp. */
  readonly lastModified: string;
  /** Name of the data file in the key's directory; absent for delete markers. */
  readonly data?: string;
}

const RECORD = /^\.v-(null|[0-9a-z]{12,40})\.json$/;
const VERSION_ID = /^(null|[0-9a-z]{12,40})$/;

let lastSeq = 0;

/** The next write sequence number: wall-clock microseconds, bumped so two writes never share one. */
export function nextSeq(): number {
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

/** A new version id that sorts by `seq` (fixed-width base 36) with a random tail. */
export function newVersionId(seq: number): string {
  return `${seq.toString(36).padStart(12, '0')}${randomBytes(4).toString('hex')}`;
}

/** A new data file name. */
export function newDataName(): string {
  return `.d-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
}

/** True when `versionId` could have been written by this store (anything else names no version). */
export function isVersionId(versionId: string): boolean {
  return VERSION_ID.test(versionId);
}

/** The file name of a version record. */
export function recordName(versionId: string): string {
  return `.v-${versionId}.json`;
}

/** True for the file name of a version record. */
export function isRecordName(name: string): boolean {
  return RECORD.test(name);
}

/** Newest first: higher `seq`, then higher version id. */
export function newestFirst(a: VersionRecord, b: VersionRecord): number {
  return b.seq - a.seq || (a.versionId < b.versionId ? 1 : a.versionId > b.versionId ? -1 : 0);
}

/** One record, or undefined when it does not exist (or was removed meanwhile). */
export async function readRecord(dir: string, versionId: string): Promise<VersionRecord | undefined> {
  if (!isVersionId(versionId)) return undefined;
  let text: string;
  try {
    text = await readFile(join(dir, recordName(versionId)), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as VersionRecord;
  } catch (error) {
    throw new SomaError(
      'OBJECT_STORE_CORRUPT',
      `version record ${join(dir, recordName(versionId))} is not JSON`,
      {
        cause: error,
        hint: 'The file was changed outside the object store: restore it from a backup or remove the key.',
      },
    );
  }
}

/** Every record of a key directory, newest first; `files` saves a directory read when already known. */
export async function readRecords(dir: string, files?: readonly string[]): Promise<VersionRecord[]> {
  const names =
    files ??
    (await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [] as string[];
      throw error;
    }));
  const records: VersionRecord[] = [];
  for (const name of names) {
    const match = RECORD.exec(name);
    if (!match) continue;
    const record = await readRecord(dir, match[1] as string);
    if (record) records.push(record);
  }
  return records.sort(newestFirst);
}

/** Writes a record atomically (replacing one with the same version id). */
export async function writeRecord(dir: string, record: VersionRecord): Promise<void> {
  await writeFileAtomic(join(dir, recordName(record.versionId)), JSON.stringify(record));
}

/** Removes a record, then its data file: a crash in between leaves an unreferenced file, never a dangling record. */
export async function removeRecord(dir: string, record: VersionRecord): Promise<void> {
  await removeFile(join(dir, recordName(record.versionId)));
  if (record.data) await removeFile(join(dir, record.data));
}
