import { constants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { KeyLocks, translateFsError } from './fs-object-errors.js';
import { removeFile, stageBody } from './fs-object-files.js';
import {
  type Layout,
  openLayout,
  readLifecycle,
  readVersioning,
  writeLifecycle,
  writeVersioning,
} from './fs-object-layout.js';
import { findKeyDir, type KeyDir, keyDirsUnder, makeKeyDir, pruneKeyDir } from './fs-object-paths.js';
import {
  NULL_VERSION,
  newDataName,
  newVersionId,
  nextSeq,
  readRecord,
  readRecords,
  removeRecord,
  type VersionRecord,
  writeRecord,
} from './fs-object-records.js';
import { readAll } from './object-body.js';
import { checkObjectKey, checkObjectPrefix } from './object-keys.js';
import { checkLifecycleRules, checkPageOptions, checkPutOptions, checkVersionId } from './object-options.js';
import { type CursorPosition, compareKeys, decodeCursor, encodeCursor } from './object-paging.js';
import type {
  DeletedVersions,
  GetObjectResult,
  LifecycleRule,
  ObjectBody,
  ObjectHead,
  ObjectInfo,
  ObjectStore,
  ObjectSummary,
  ObjectUsage,
  ObjectVersion,
  Page,
  PageOptions,
  PutObjectOptions,
  PutObjectResult,
  ReadObjectOptions,
  VersioningState,
} from './object-store.js';

function info(record: VersionRecord): ObjectInfo {
  return {
    key: record.key,
    size: record.size,
    etag: record.etag,
    lastModified: new Date(record.lastModified),
    contentType: record.contentType,
    metadata: record.metadata,
    ...(record.versionId === NULL_VERSION ? {} : { versionId: record.versionId }),
  };
}

/** The key of a listing cursor (a cursor without one is not this store's). */
function cursorKey(cursor: string): CursorPosition & { k: string } {
  const position = decodeCursor(cursor);
  if (position.k === undefined) {
    throw new InvalidInputError('page cursor is invalid', {
      hint: 'Pass the cursor of the previous page unchanged.',
    });
  }
  return position as CursorPosition & { k: string };
}

class FsObjectStore implements ObjectStore {
  readonly engine = 'filesystem' as const;
  private readonly locks = new KeyLocks();
  private ready: Promise<Layout> | undefined;

  constructor(readonly address: string) {}

  private async run<T>(what: string, work: (paths: Layout) => Promise<T>): Promise<T> {
    try {
      return await work(await this.open());
    } catch (error) {
      throw translateFsError(this.address, error, what);
    }
  }

  private open(): Promise<Layout> {
    this.ready ??= openLayout(this.address);
    this.ready.catch(() => {
      this.ready = undefined; // a later call retries (the directory may have been created meanwhile)
    });
    return this.ready;
  }

  async ensureBucket(): Promise<void> {
    await this.run('create the root directory', async () => undefined);
  }

  private notFound(key: string, versionId?: string): NotFoundError {
    const what = versionId ? `version ${versionId} of ${key}` : key;
    return new NotFoundError(`object ${what}: not found in ${this.address}`);
  }

  async put(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<PutObjectResult> {
    const Key = checkObjectKey(key);
    const checked = checkPutOptions(options);
    return this.run(`put ${Key}`, async ({ objects, staging }) => {
      const staged = await stageBody(staging, body);
      try {
        return await this.locks.run(Key, async () => {
          const state = await this.readVersioning();
          const data = newDataName();
          let dir = '';
          // A concurrent delete may prune the fresh directory before the rename lands in it: recreate and retry.
          for (let attempt = 1; ; attempt++) {
            dir = await makeKeyDir(objects, Key);
            try {
              await rename(staged.path, join(dir, data));
              break;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
            }
          }
          const seq = nextSeq();
          const versionId = state === 'enabled' ? newVersionId(seq) : NULL_VERSION;
          const replaced = versionId === NULL_VERSION ? await readRecord(dir, NULL_VERSION) : undefined;
          const { size, etag } = staged;
          await writeRecord(dir, {
            key: Key,
            versionId,
            seq,
            deleteMarker: false,
            size,
            etag,
            ...checked,
            lastModified: new Date(Math.floor(seq / 1000)).toISOString(),
            data,
          });
          if (replaced?.data) await removeFile(join(dir, replaced.data));
          return { key: Key, etag, size, ...(versionId === NULL_VERSION ? {} : { versionId }) };
        });
      } finally {
        await removeFile(staged.path);
      }
    });
  }

  /** The current record of `key` (or the version asked for) and its directory; NotFoundError otherwise. */
  private async record(objects: string, key: string, versionId: string | undefined) {
    const dir = await findKeyDir(objects, objects, key);
    if (dir !== undefined) {
      const record = versionId ? await readRecord(dir, versionId) : (await readRecords(dir))[0];
      if (record && !record.deleteMarker) return { dir, record };
    }
    throw this.notFound(key, versionId);
  }

  async get(key: string, options: ReadObjectOptions = {}): Promise<GetObjectResult> {
    const Key = checkObjectKey(key);
    const versionId = options.versionId === undefined ? undefined : checkVersionId(options.versionId);
    return this.run(`get ${Key}`, async ({ objects }) => {
      // The current data file can be replaced between reading the record and opening it: read again.
      for (let attempt = 1; ; attempt++) {
        const { dir, record } = await this.record(objects, Key, versionId);
        try {
          const handle = await open(join(dir, record.data ?? ''), constants.O_RDONLY | constants.O_NOFOLLOW);
          return { ...info(record), body: handle.createReadStream() };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
        }
      }
    });
  }

  async getBytes(key: string, options?: ReadObjectOptions): Promise<Buffer> {
    const { body } = await this.get(key, options);
    return this.run(`read ${key}`, () => readAll(body));
  }

  async head(key: string, options: ReadObjectOptions = {}): Promise<ObjectHead> {
    const Key = checkObjectKey(key);
    const versionId = options.versionId === undefined ? undefined : checkVersionId(options.versionId);
    return this.run(`head ${Key}`, async ({ objects }) => {
      const { record } = await this.record(objects, Key, versionId);
      return { ...info(record), tags: record.tags };
    });
  }

  /** Deletes the current object of `key` under its lock; true when there was one. */
  private deleteCurrent(objects: string, key: string): Promise<boolean> {
    return this.locks.run(key, async () => {
      const dir = await findKeyDir(objects, objects, key);
      if (dir === undefined) return false;
      const records = await readRecords(dir);
      const current = records[0];
      if (!current || current.deleteMarker) return false;
      const state = await this.readVersioning();
      if (state !== 'enabled' && records.length === 1 && current.versionId === NULL_VERSION) {
        await removeRecord(dir, current);
        await pruneKeyDir(objects, dir);
        return true;
      }
      const seq = nextSeq();
      const versionId = state === 'enabled' ? newVersionId(seq) : NULL_VERSION;
      const replaced = records.find((record) => record.versionId === NULL_VERSION);
      await writeRecord(dir, {
        key,
        versionId,
        seq,
        deleteMarker: true,
        size: 0,
        etag: '',
        contentType: '',
        metadata: {},
        tags: {},
        lastModified: new Date(Math.floor(seq / 1000)).toISOString(),
      });
      if (versionId === NULL_VERSION && replaced?.data) await removeFile(join(dir, replaced.data));
      return true;
    });
  }

  async delete(key: string): Promise<void> {
    const Key = checkObjectKey(key);
    await this.run(`delete ${Key}`, async ({ objects }) => {
      await this.deleteCurrent(objects, Key);
    });
  }

  private async sortedKeyDirs(objects: string, prefix: string): Promise<KeyDir[]> {
    const dirs = await keyDirsUnder(objects, objects, prefix);
    return dirs.sort((a, b) => compareKeys(a.key, b.key));
  }

  async list(prefix: string, options?: PageOptions): Promise<Page<ObjectSummary>> {
    const Prefix = checkObjectPrefix(prefix);
    const { cursor, limit } = checkPageOptions(options);
    const after = cursor === undefined ? undefined : cursorKey(cursor).k;
    return this.run(`list ${Prefix}`, async ({ objects }) => {
      const items: ObjectSummary[] = [];
      for (const { key, dir, files } of await this.sortedKeyDirs(objects, Prefix)) {
        if (after !== undefined && compareKeys(key, after) <= 0) continue;
        const current = (await readRecords(dir, files))[0];
        if (!current || current.deleteMarker) continue;
        // One entry beyond the page tells whether a cursor is needed.
        if (items.length === limit) return { items, cursor: encodeCursor({ k: items[limit - 1]?.key }) };
        const { size, etag, lastModified } = info(current);
        items.push({ key, size, etag, lastModified });
      }
      return { items };
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const Prefix = checkObjectPrefix(prefix, { folder: true });
    return this.run(`delete under ${Prefix}`, async ({ objects }) => {
      let count = 0;
      for (const { key } of await this.sortedKeyDirs(objects, Prefix)) {
        if (await this.deleteCurrent(objects, key)) count += 1;
      }
      return count;
    });
  }

  async listVersions(prefix: string, options?: PageOptions): Promise<Page<ObjectVersion>> {
    const Prefix = checkObjectPrefix(prefix);
    const { cursor, limit } = checkPageOptions(options);
    const after = cursor === undefined ? undefined : cursorKey(cursor);
    return this.run(`list versions under ${Prefix}`, async ({ objects }) => {
      const items: ObjectVersion[] = [];
      const last: VersionRecord[] = [];
      for (const { key, dir, files } of await this.sortedKeyDirs(objects, Prefix)) {
        if (after !== undefined && compareKeys(key, after.k) < 0) continue;
        const records = await readRecords(dir, files);
        for (const [index, record] of records.entries()) {
          if (after !== undefined && key === after.k) {
            const s = after.s ?? Number.POSITIVE_INFINITY;
            if (record.seq > s || (record.seq === s && record.versionId >= (after.v ?? ''))) continue;
          }
          if (items.length === limit) {
            const end = last[0] as VersionRecord;
            return { items, cursor: encodeCursor({ k: end.key, s: end.seq, v: end.versionId }) };
          }
          items.push({
            key,
            versionId: record.versionId,
            isLatest: index === 0,
            deleteMarker: record.deleteMarker,
            size: record.size,
            ...(record.deleteMarker ? {} : { etag: record.etag }),
            lastModified: new Date(record.lastModified),
          });
          last[0] = record;
        }
      }
      return { items };
    });
  }

  async deleteVersion(key: string, versionId: string): Promise<void> {
    const Key = checkObjectKey(key);
    const id = checkVersionId(versionId);
    await this.run(`delete version ${id} of ${Key}`, async ({ objects }) => {
      await this.locks.run(Key, async () => {
        const dir = await findKeyDir(objects, objects, Key);
        const record = dir === undefined ? undefined : await readRecord(dir, id);
        if (dir === undefined || record === undefined) return;
        await removeRecord(dir, record);
        await pruneKeyDir(objects, dir);
      });
    });
  }

  async deleteAllVersions(prefix: string): Promise<DeletedVersions> {
    const Prefix = checkObjectPrefix(prefix, { folder: true });
    return this.run(`delete versions under ${Prefix}`, async ({ objects }) => {
      let versions = 0;
      let deleteMarkers = 0;
      for (const { key, dir } of await this.sortedKeyDirs(objects, Prefix)) {
        await this.locks.run(key, async () => {
          for (const record of await readRecords(dir)) {
            await removeRecord(dir, record);
            if (record.deleteMarker) deleteMarkers += 1;
            else versions += 1;
          }
          await pruneKeyDir(objects, dir);
        });
      }
      return { versions, deleteMarkers };
    });
  }

  private async readVersioning(): Promise<VersioningState> {
    return readVersioning(await this.open());
  }

  async getLifecycle(): Promise<LifecycleRule[]> {
    return this.run('get lifecycle', (layout) => readLifecycle(layout));
  }

  async putLifecycle(rules: readonly LifecycleRule[]): Promise<void> {
    const checked = checkLifecycleRules(rules);
    await this.run('put lifecycle', (layout) => writeLifecycle(layout, checked));
  }

  async getVersioning(): Promise<VersioningState> {
    return this.run('get versioning', () => this.readVersioning());
  }

  async setVersioning(enabled: boolean): Promise<void> {
    await this.run('set versioning', (layout) => writeVersioning(layout, enabled ? 'enabled' : 'suspended'));
  }

  async usage(prefix = ''): Promise<ObjectUsage> {
    const Prefix = checkObjectPrefix(prefix);
    return this.run(`usage of ${Prefix}`, async ({ objects }) => {
      let count = 0;
      let bytes = 0;
      for (const { dir, files } of await keyDirsUnder(objects, objects, Prefix)) {
        const current = (await readRecords(dir, files))[0];
        if (!current || current.deleteMarker) continue;
        count += 1;
        bytes += current.size;
      }
      return { objects: count, bytes };
    });
  }

  async close(): Promise<void> {
    // Nothing is held open between calls; read streams close themselves when consumed or destroyed.
  }
}

/**
 * The embedded ObjectStore: objects as files under `root` (`root/objects/…`), written atomically (temp file,
 * fsync, rename), metadata and tags in a JSON record per version, version history with delete markers
 * when versioning is enabled, and lifecycle rules stored in `root/config/lifecycle.json` (enforced by the
 * product's retention job: there is no daemon applying them). No key can name a path outside `root`.
 */
export function createFsObjectStore(root: string): ObjectStore {
  return new FsObjectStore(resolve(root));
}
