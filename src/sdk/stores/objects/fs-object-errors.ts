import { isSomaError, SomaError, UnavailableError } from '../../errors.js';
import { SourceFailure } from './object-body.js';

const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);
const TRANSIENT = new Set(['EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'ESTALE']);

/**
 * Translates a filesystem error of the object store rooted at `root` into a {@link SomaError}: permission
 * and read-only → non-retriable UnavailableError; disk full and transient I/O errors → retriable
 * UnavailableError; anything else → `OBJECT_STORE_FAILED`. A failure of the caller's body passes through.
 */
export function translateFsError(root: string, error: unknown, what: string): unknown {
  if (error instanceof SourceFailure) return error.error;
  if (isSomaError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = (error as Error | undefined)?.message ?? String(error);
  if (DENIED.has(code)) {
    return new UnavailableError('filesystem', root, `object store ${root} refused ${what}: ${code}`, {
      cause: error,
      retriable: false,
      hint: `Give the process read and write access to ${root} (or choose another dataDir).`,
    });
  }
  if (FULL.has(code)) {
    return new UnavailableError('filesystem', root, `object store ${root} is full (${what}): ${code}`, {
      cause: error,
      hint: `Free disk space on the volume of ${root} (or raise its quota), then retry.`,
    });
  }
  if (TRANSIENT.has(code)) {
    return new UnavailableError('filesystem', root, `object store ${root} failed ${what}: ${code}`, {
      cause: error,
      hint: 'Retry; check the disk and the open-file limit if it persists.',
    });
  }
  return new SomaError('OBJECT_STORE_FAILED', `object store ${root} failed ${what}: ${message}`, {
    cause: error,
    hint: `Check that ${root} is a directory owned by this process.`,
    details: { code },
  });
}

/**
 * Serializes the writes to one key within this process. One process owns an embedded data directory at a
 * time (ARCHITECTURE.md), so this is all the locking the filesystem store needs.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
