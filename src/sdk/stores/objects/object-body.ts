import { Readable } from 'node:stream';
import { InvalidInputError } from '../../errors.js';
import type { ObjectBody } from './object-store.js';

/** True when `body` is a stream rather than bytes or text. */
export function isStreamBody(body: ObjectBody): body is Readable {
  return body instanceof Readable || (typeof body === 'object' && body !== null && 'pipe' in body);
}

/** Bytes of a non-stream body; InvalidInputError for anything that is not a body. */
export function bodyBytes(body: Exclude<ObjectBody, Readable>): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new InvalidInputError('object body must be a Buffer, Uint8Array, string or Readable stream', {
    hint: 'Convert the body to bytes or pass a readable stream.',
  });
}

/** The body as a sequence of byte chunks, whatever its form. */
export async function* bodyChunks(body: ObjectBody): AsyncGenerator<Buffer> {
  if (!isStreamBody(body)) {
    yield bodyBytes(body);
    return;
  }
  for await (const chunk of body as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else {
      throw new InvalidInputError('object body stream must yield bytes or text', {
        hint: 'Pass a byte stream (not an object-mode stream).',
      });
    }
  }
}

/**
 * Wraps a failure of the caller's body (its stream erred), so adapters pass it through unchanged instead of
 * reporting it as an engine failure.
 */
export class SourceFailure {
  constructor(readonly error: unknown) {}
}

/** {@link bodyChunks}, with every failure of the body itself wrapped in a {@link SourceFailure}. */
export async function* sourceChunks(body: ObjectBody): AsyncGenerator<Buffer> {
  const chunks = bodyChunks(body);
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw new SourceFailure(error);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Regroups chunks into parts of exactly `size` bytes (the last one may be shorter, never empty). */
export async function* fixedParts(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (let chunk of chunks) {
    while (pendingBytes + chunk.length >= size) {
      const take = size - pendingBytes;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending, size);
      chunk = chunk.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Reads a whole stream into memory. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bodyChunks(stream)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
