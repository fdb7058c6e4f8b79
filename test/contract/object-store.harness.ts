import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import type { ObjectStore } from '../../src/sdk/stores/objects/object-store.js';

/**
 * Behaviour a real engine is known to get wrong. The adapter stays written for real S3; the contract test
 * that exercises the behaviour then runs as "expected to fail" with the reason in its title, so the gap is
 * visible in every run and the test turns red the day the engine is fixed.
 */
export type ObjectStoreGap =
  /** A key whose latest version is a delete marker must not be listed (nor counted by usage). */
  | 'listHidesDeleteMarkedKeys'
  /** listVersions pages hold at most `limit` entries and their cursors skip no version. */
  | 'versionPaging'
  /** A version removed for good can no longer be read by its id. */
  | 'deletedVersionsUnreadable'
  /** Tags with spaces, `/`, `@`, `+`, `=`, `:` come back exactly as written. */
  | 'tagCharacters';

/** How the contract gets stores of one adapter. */
export interface ObjectStoreHarness {
  /** A fresh, empty store (bucket or directory created), used by one test. */
  make(): Promise<ObjectStore>;
  /** Removes everything the store holds and closes it. */
  destroy(store: ObjectStore): Promise<void>;
  /**
   * A store whose engine is down and the address its errors must name; or why the adapter has no engine
   * that can be down (the test is then declared skipped with that reason).
   */
  readonly unreachable:
    | { make(): ObjectStore; readonly address: string }
    | { readonly notApplicable: string };
  /** Known gaps of this engine, with the reason shown in the test title. */
  readonly gaps?: Partial<Record<ObjectStoreGap, string>>;
}

/** The store of the running test. */
export type StoreOf = () => ObjectStore;

/** Declares a test that exercises `gap`: normal, or expected to fail with the reason when the engine has it. */
export function itUnlessGap(
  harness: ObjectStoreHarness,
  gap: ObjectStoreGap,
  title: string,
  body: () => Promise<void>,
): void {
  const reason = harness.gaps?.[gap];
  if (reason === undefined) it(title, body);
  else it.fails(`${title} — KNOWN ENGINE GAP, expected to fail: ${reason}`, body);
}

/** Asserts that `work` rejects with an error of `type` (by class name, so module copies do not matter). */
export async function rejects(work: Promise<unknown>, type: string, code?: string): Promise<Error> {
  try {
    await work;
  } catch (error) {
    expect((error as Error).name, String((error as Error).message)).toBe(type);
    if (code !== undefined) expect((error as { code?: string }).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected a ${type}, but the call succeeded`);
}

/** Deterministic pseudo-random bytes (xorshift), so large bodies cost no entropy and can be regenerated. */
export function pseudoRandom(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A byte stream of `total` bytes in 64 KiB chunks; fails with `failAfter` bytes sent when given. */
export function byteStream(total: number, options: { seed?: number; failAfter?: number } = {}): Readable {
  const chunk = pseudoRandom(64 * 1024, options.seed ?? 7);
  async function* generate() {
    let sent = 0;
    while (sent < total) {
      if (options.failAfter !== undefined && sent >= options.failAfter) throw new Error('body source failed');
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      yield Buffer.from(piece);
    }
  }
  return Readable.from(generate(), { objectMode: false });
}

/** SHA-256 of what `byteStream(total, options)` yields. */
export function byteStreamHash(total: number, seed = 7): string {
  const chunk = pseudoRandom(64 * 1024, seed);
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += chunk.length)
    hash.update(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  return hash.digest('hex');
}

/** SHA-256 and length of a stream. */
export async function streamHash(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Every key under `prefix`, following cursors. */
export async function allKeys(store: ObjectStore, prefix: string, limit?: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
    keys.push(...page.items.map((item) => item.key));
    cursor = page.cursor;
  } while (cursor);
  return keys;
}
