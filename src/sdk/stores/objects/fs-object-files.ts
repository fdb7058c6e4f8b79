import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SourceFailure } from './object-body.js';
import { sourceChunks } from './object-body.js';
import type { ObjectBody } from './object-store.js';

/** A unique name for a temporary file: starts with `.tmp-`, which no key segment encodes to. */
export function tempName(): string {
  return `.tmp-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** Flushes a directory's entries (a rename is only durable once its directory is). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a file; a missing file is not an error. */
export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Replaces `path` atomically: the data goes to a temporary file in the same directory, is flushed, then
 * renamed over `path`, and the directory is flushed. A reader sees the old or the new content, never a part.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempName());
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await removeFile(temp);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await removeFile(temp);
    throw error;
  }
  await fsyncDir(dir);
}

/** A body written to a staging file, flushed, with its size and MD5 (S3's ETag of a single-part upload). */
export interface StagedBody {
  readonly path: string;
  readonly size: number;
  readonly etag: string;
}

/**
 * Streams `body` into a new file in `stagingDir` (same filesystem as the store, so it can be renamed into
 * place) without holding it in memory. The file is removed again when the body fails; a failure of the body
 * itself is thrown as a {@link SourceFailure}.
 */
export async function stageBody(stagingDir: string, body: ObjectBody): Promise<StagedBody> {
  const path = join(stagingDir, tempName());
  const handle = await open(path, 'wx', 0o600);
  const md5 = createHash('md5');
  let size = 0;
  try {
    for await (const chunk of sourceChunks(body)) {
      md5.update(chunk);
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
        written += bytesWritten;
      }
      size += chunk.length;
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await removeFile(path);
    throw error;
  }
  await handle.close();
  return { path, size, etag: md5.digest('hex') };
}
