import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SomaError } from '../errors.js';
import { DataDirError, ensureDataDirectory } from './data-dir.js';

/** Who holds an embedded data directory. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** What the owner does with it, e.g. `serve` or `db migrate`. */
  readonly purpose: string;
  /** Where a running server can be reached instead (e.g. its PGlite socket), if it offers one. */
  readonly endpoint?: string;
}

/** A held lock; release it when done (also released when the process exits). */
export interface DataDirLock {
  readonly path: string;
  /** Records where this process serves the data to others (e.g. its PGlite socket), or clears it. */
  setEndpoint(endpoint: string | undefined): void;
  release(): void;
}

/** The data directory is owned by another live process. Not retriable while that process runs. */
export class DataDirLockedError extends SomaError {
  override readonly userError = true;
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      'DATA_DIR_LOCKED',
      `${dataDir} is in use by process ${owner.pid} (${owner.purpose}, since ${owner.since})`,
      {
        hint: owner.endpoint
          ? `That process serves the data at ${owner.endpoint}; stop it first or work through it.`
          : 'Stop that process first, or use another --data-dir.',
        details: { ...owner },
      },
    );
  }
}

const LOCK_FILE = 'somaagent.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of `dataDir`, or undefined when it is free (a lock left by a dead process is stale). */
export function dataDirOwner(dataDir: string): LockOwner | undefined {
  let owner: LockOwner;
  try {
    owner = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
  if (owner.host === hostname() && !alive(owner.pid)) return undefined;
  return owner;
}

/**
 * Takes the embedded data directory for this process, so that PGlite is never opened by two processes at
 * once (which would corrupt it). Creation is atomic (`O_EXCL`); a lock whose process is gone is taken over.
 * Throws {@link DataDirLockedError} naming the owner when another live process holds it.
 */
export function lockDataDir(dataDir: string, purpose: string, endpoint?: string): DataDirLock {
  ensureDataDirectory(dataDir);
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    purpose,
    endpoint,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      const release = () => {
        process.removeListener('exit', release);
        if (dataDirOwner(dataDir)?.pid === process.pid) rmSync(path, { force: true });
      };
      process.on('exit', release);
      const setEndpoint = (endpoint: string | undefined) => {
        if (dataDirOwner(dataDir)?.pid !== process.pid) return;
        writeFileSync(path, JSON.stringify({ ...me, endpoint }));
      };
      return { path, release, setEndpoint };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (statSync(path).isDirectory()) {
        throw new DataDirError(
          path,
          `lock file ${path} is a directory, so the data directory cannot be locked`,
          `Nothing of somaagent creates it: remove it (rm -r ${path}) once no other process uses it, or pass another --data-dir.`,
          error,
        );
      }
      const owner = dataDirOwner(dataDir);
      if (owner) throw new DataDirLockedError(dataDir, owner);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(dataDir, dataDirOwner(dataDir) ?? me);
}
