import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SomaError } from '../errors.js';

const ELSEWHERE = 'pass --data-dir (or SOMA_DATA_DIR, or dataDir in the config file) another directory';

/** The embedded data directory (or a directory inside it) cannot be used: a file is in the way, or no write access. */
export class DataDirError extends SomaError {
  override readonly userError = true;
  constructor(
    readonly path: string,
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super('DATA_DIR_INVALID', message, { hint, cause, details: { path } });
  }
}

/** The nearest ancestor of `path` (or `path` itself) that exists, with whether it is a directory. */
export function nearestExisting(path: string): { path: string; directory: boolean } | undefined {
  for (let at = path; ; at = dirname(at)) {
    try {
      return { path: at, directory: statSync(at).isDirectory() };
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/**
 * Creates the directory `path` of the embedded data (`what` names it in messages, e.g. "data directory") if
 * missing and checks that this process can write it. Throws {@link DataDirError} naming the path and what is
 * wrong (a file in the way, no permission) instead of a bare EEXIST/ENOTDIR/EACCES.
 */
export function ensureDataDirectory(path: string, what = 'data directory'): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const existing = nearestExisting(path);
    if (existing && !existing.directory) {
      throw new DataDirError(
        path,
        existing.path === path
          ? `${what} ${path} is a file, not a directory`
          : `${what} ${path} cannot be created: ${existing.path} is a file, not a directory`,
        `Move ${existing.path} out of the way, or ${ELSEWHERE}.`,
        error,
      );
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new DataDirError(
        path,
        `${what} ${path} cannot be created: no permission to write ${existing?.path ?? dirname(path)}`,
        `Create it with the right owner, or ${ELSEWHERE}.`,
        error,
      );
    }
    throw new DataDirError(
      path,
      `${what} ${path} cannot be created: ${(error as Error).message}`,
      `Check the path, or ${ELSEWHERE}.`,
      error,
    );
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new DataDirError(
      path,
      `${what} ${path} is not writable by this user`,
      `Give this user write access to it, or ${ELSEWHERE}.`,
      error,
    );
  }
}
