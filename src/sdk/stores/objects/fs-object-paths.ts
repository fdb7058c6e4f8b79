/**
 * How the filesystem ObjectStore maps keys to directories: one directory per key segment, each name encoded
 * so that it is the same on case-insensitive and normalizing filesystems, never `.`/`..`, never hidden,
 * and never longer than a filename may be. Files of one key live inside its directory under names that start
 * with `.`, which no encoded segment does, so `a/b` and `a/b/c` can coexist as on S3.
 */

import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rmdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SomaError } from '../../errors.js';
import { removeFile, writeFileAtomic } from './fs-object-files.js';

/** File inside a hashed segment's directory that holds the segment's real text. */
export const NAME_FILE = '.name';

const LONGEST_NAME = 200;

/**
 * One key segment as a directory name: bytes `a-z 0-9 - _ .` stay (a leading `.` does not), every other byte
 * is `%XX` with uppercase hex, so `Alice` (`%41lice`) and `alice` never share a directory even where the
 * filesystem folds case. A name that would exceed 200 bytes becomes `~` + SHA-256 of the segment, with the
 * segment kept in {@link NAME_FILE}.
 */
export function encodeName(segment: string): string {
  let name = '';
  const bytes = Buffer.from(segment, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const plain =
      (byte >= 0x61 && byte <= 0x7a) ||
      (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x2d ||
      byte === 0x5f ||
      (byte === 0x2e && i > 0);
    name += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return name.length > LONGEST_NAME ? `~${createHash('sha256').update(segment).digest('hex')}` : name;
}

/** The key segment of a directory name, or undefined for the store's own files. */
export async function decodeName(parent: string, name: string): Promise<string | undefined> {
  if (name.startsWith('.')) return undefined;
  if (name.startsWith('~')) {
    return readFile(join(parent, name, NAME_FILE), 'utf8').catch(() => undefined);
  }
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined; // not a name this store wrote
  }
}

function escapeError(root: string, path: string): SomaError {
  return new SomaError(
    'OBJECT_STORE_UNSAFE_PATH',
    `object path ${path} resolves outside the store root ${root}`,
    {
      hint: 'A symbolic link inside the object store points elsewhere: remove it; the store never follows one out.',
      details: { root },
    },
  );
}

/** Throws unless `path` (already resolved) is `root` or inside it. */
export function assertInside(root: string, path: string): void {
  if (path !== root && !path.startsWith(root + sep)) throw escapeError(root, path);
}

/** The directory of `key` under `objectsDir`, without touching the disk. */
export function keyDirPath(objectsDir: string, key: string): string {
  const path = resolve(objectsDir, ...key.split('/').map(encodeName));
  assertInside(objectsDir, path);
  return path;
}

/**
 * Creates the directory of `key` one level at a time from the store's real root (and the name files of
 * hashed segments) and returns it. Every level is checked with lstat before going deeper, so a symbolic link
 * planted inside the store is refused before anything is created where it points.
 */
export async function makeKeyDir(realObjectsDir: string, key: string): Promise<string> {
  let dir = realObjectsDir;
  for (const segment of key.split('/')) {
    const name = encodeName(segment);
    dir = join(dir, name);
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const stats = await lstat(dir);
    if (stats.isSymbolicLink()) throw escapeError(realObjectsDir, dir);
    if (!stats.isDirectory()) {
      throw new SomaError('OBJECT_STORE_CORRUPT', `${dir} in the object store is not a directory`, {
        hint: 'Something other than the object store wrote into its directory: move that file away.',
      });
    }
    if (name.startsWith('~')) {
      const existing = await readFile(join(dir, NAME_FILE), 'utf8').catch(() => undefined);
      if (existing !== segment) await writeFileAtomic(join(dir, NAME_FILE), segment);
    }
  }
  return dir;
}

/** The real directory of `key` when it exists (inside the store), else undefined. */
export async function findKeyDir(
  objectsDir: string,
  realObjectsDir: string,
  key: string,
): Promise<string | undefined> {
  try {
    const real = await realpath(keyDirPath(objectsDir, key));
    assertInside(realObjectsDir, real);
    return real;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return undefined;
    }
    throw error;
  }
}

/** A key directory found by {@link keyDirsUnder}. */
export interface KeyDir {
  readonly key: string;
  readonly dir: string;
  /** Names of the files in the directory (records, data…), read during the walk. */
  readonly files: readonly string[];
}

async function walk(dir: string, key: string, out: KeyDir[], realRoot: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  if (files.some((name) => name.startsWith('.v-'))) out.push({ key, dir, files });
  for (const entry of entries) {
    if (entry.isSymbolicLink()) throw escapeError(realRoot, join(dir, entry.name));
    if (!entry.isDirectory()) continue;
    const segment = await decodeName(dir, entry.name);
    if (segment !== undefined) await walk(join(dir, entry.name), `${key}/${segment}`, out, realRoot);
  }
}

/**
 * Every key directory whose key starts with the literal `prefix`: only the directories the prefix can reach
 * are read, so a subject's prefix never walks another subject's data. Unsorted.
 */
export async function keyDirsUnder(
  objectsDir: string,
  realObjectsDir: string,
  prefix: string,
): Promise<KeyDir[]> {
  const segments = prefix.split('/');
  const partial = segments.pop() ?? '';
  const base = segments.join('/');
  const start = base === '' ? realObjectsDir : await findKeyDir(objectsDir, realObjectsDir, base);
  if (start === undefined) return [];
  const out: KeyDir[] = [];
  const entries = await readdir(start, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  for (const entry of entries) {
    if (entry.isSymbolicLink()) throw escapeError(realObjectsDir, join(start, entry.name));
    if (!entry.isDirectory()) continue;
    const segment = await decodeName(start, entry.name);
    if (segment === undefined || !segment.startsWith(partial)) continue;
    await walk(join(start, entry.name), base === '' ? segment : `${base}/${segment}`, out, realObjectsDir);
  }
  return out;
}

/**
 * Removes a key directory left without version records (with any unreferenced file in it), then each parent
 * left empty, up to the objects root, so an erased person leaves no directory named after them. Callers hold
 * the key's lock.
 */
export async function pruneKeyDir(objectsDir: string, dir: string): Promise<void> {
  let current = dir;
  while (current !== objectsDir && current.startsWith(objectsDir + sep)) {
    const names = await readdir(current).catch(() => [] as string[]);
    if (names.some((name) => name.startsWith('.v-'))) return;
    if (names.some((name) => !name.startsWith('.'))) return; // another key lives below
    const name = names.includes(NAME_FILE) ? await readFile(join(current, NAME_FILE), 'utf8') : undefined;
    for (const file of names) await removeFile(join(current, file));
    try {
      await rmdir(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
      // A concurrent put created a child meanwhile: it still needs this directory's name.
      if (name !== undefined && code !== 'ENOENT') await writeFileAtomic(join(current, NAME_FILE), name);
      return;
    }
    current = dirname(current);
  }
}
