/**
 * The directories of the filesystem ObjectStore under its root: `objects/` (one directory per key
 * segment), `staging/` (bodies being written) and `config/` (versioning and lifecycle, as JSON).
 */

import { mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeFile, writeFileAtomic } from './fs-object-files.js';
import type { LifecycleRule, VersioningState } from './object-store.js';

/** Real (symlink-free) paths of the store's directories. */
export interface Layout {
  readonly objects: string;
  readonly staging: string;
  readonly config: string;
}

const STALE_STAGING_MS = 86_400_000;

/** Creates the directories when missing and removes bodies staged by a process that died mid-put. */
export async function openLayout(root: string): Promise<Layout> {
  const paths = ['objects', 'staging', 'config'].map((name) => join(root, name));
  for (const path of paths) await mkdir(path, { recursive: true });
  const [objects, staging, config] = (await Promise.all(paths.map((path) => realpath(path)))) as [
    string,
    string,
    string,
  ];
  const now = Date.now();
  for (const name of await readdir(staging)) {
    const file = join(staging, name);
    const age = await stat(file).then(
      (s) => now - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_STAGING_MS) await removeFile(file);
  }
  return { objects, staging, config };
}

async function readJson<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
}

/** The versioning state; `disabled` until it is first set. */
export async function readVersioning(layout: Layout): Promise<VersioningState> {
  const { state } = await readJson<{ state?: VersioningState }>(join(layout.config, 'versioning.json'), {});
  return state === 'enabled' || state === 'suspended' ? state : 'disabled';
}

export async function writeVersioning(layout: Layout, state: VersioningState): Promise<void> {
  await writeFileAtomic(join(layout.config, 'versioning.json'), JSON.stringify({ state }));
}

/** The stored lifecycle rules; `[]` when none. */
export async function readLifecycle(layout: Layout): Promise<LifecycleRule[]> {
  const { rules } = await readJson<{ rules?: LifecycleRule[] }>(join(layout.config, 'lifecycle.json'), {});
  return rules ?? [];
}

export async function writeLifecycle(layout: Layout, rules: readonly LifecycleRule[]): Promise<void> {
  await writeFileAtomic(join(layout.config, 'lifecycle.json'), JSON.stringify({ rules }, null, 2));
}
