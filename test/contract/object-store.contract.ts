import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore, PutObjectOptions } from '../../src/sdk/stores/objects/object-store.js';
import { subjectKey, systemKey } from '../../src/sdk/stores/objects/object-store.js';
import {
  allKeys,
  byteStream,
  byteStreamHash,
  itUnlessGap,
  type ObjectStoreHarness,
  pseudoRandom,
  rejects,
  streamHash,
} from './object-store.harness.js';
import { safetyContract } from './object-store.safety.contract.js';
import { versionsContract } from './object-store.versions.contract.js';

const MiB = 1024 * 1024;

/**
 * The ObjectStore contract, run unchanged against the filesystem adapter (test/contract/object-store.test.ts)
 * and S3 (test/integration/object-store-s3.test.ts). Each test gets a fresh, empty store.
 */
export function objectStoreContract(adapterName: string, harness: ObjectStoreHarness): void {
  describe(`ObjectStore contract: ${adapterName}`, () => {
    let current: ObjectStore | undefined;
    const store = (): ObjectStore => {
      if (!current) throw new Error('store not opened');
      return current;
    };
    beforeEach(async () => {
      current = await harness.make();
    });
    afterEach(async () => {
      if (current) await harness.destroy(current);
      current = undefined;
    });

    it('put, get, head and delete round-trip an object', async () => {
      const key = subjectKey('t1', 'alice', 'notes/today.txt');
      const put = await store().put(key, 'hello, world', { contentType: 'text/plain' });
      expect(put).toMatchObject({ key, size: 12 });
      expect(put.etag).toMatch(/\S/);
      const got = await store().get(key);
      expect(got).toMatchObject({ key, size: 12, etag: put.etag, contentType: 'text/plain' });
      expect((await streamHash(got.body)).size).toBe(12);
      expect((await store().getBytes(key)).toString('utf8')).toBe('hello, world');
      const head = await store().head(key);
      expect(head).toMatchObject({
        key,
        size: 12,
        etag: put.etag,
        contentType: 'text/plain',
        metadata: {},
        tags: {},
      });
      expect(head.lastModified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
      await store().delete(key);
      await rejects(store().head(key), 'NotFoundError');
      await rejects(store().get(key), 'NotFoundError');
      await rejects(store().getBytes(key), 'NotFoundError');
      await store().delete(key); // idempotent
      expect(await allKeys(store(), '')).toEqual([]);
    });

    it('overwrites atomically: the second put replaces content, type and metadata', async () => {
      const key = systemKey('backups', 'b1');
      await store().put(key, 'first', {
        contentType: 'text/plain',
        metadata: { run: '1' },
        tags: { a: 'b' },
      });
      const second = await store().put(key, Buffer.from('second!'));
      expect(await store().getBytes(key)).toEqual(Buffer.from('second!'));
      const head = await store().head(key);
      expect(head).toMatchObject({ size: 7, etag: second.etag, contentType: 'application/octet-stream' });
      expect(head.metadata).toEqual({});
      expect(head.tags).toEqual({});
      expect(await allKeys(store(), 'system/')).toEqual([key]);
    });

    it('round-trips binary bodies exactly: every byte value, Uint8Array views and the empty body', async () => {
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const random = pseudoRandom(64 * 1024, 3);
      const backing = new Uint8Array(Buffer.concat([Buffer.from('xx'), every, Buffer.from('yy')]));
      const view = backing.subarray(2, 258);
      await store().put('bin/every', every);
      await store().put('bin/random', random);
      await store().put('bin/view', view);
      await store().put('bin/empty', Buffer.alloc(0));
      expect(await store().getBytes('bin/every')).toEqual(every);
      expect(await store().getBytes('bin/random')).toEqual(random);
      expect(await store().getBytes('bin/view')).toEqual(every);
      expect(await store().getBytes('bin/empty')).toEqual(Buffer.alloc(0));
      expect((await store().head('bin/empty')).size).toBe(0);
      await store().put('bin/text', 'ünïcödé ✓');
      expect((await store().getBytes('bin/text')).toString('utf8')).toBe('ünïcödé ✓');
    });

    it('streams a body of more than 5 MiB in and out without changing a byte', async () => {
      const total = 5 * MiB + 123_457;
      const key = systemKey('backups', 'large.bin');
      const put = await store().put(key, byteStream(total), {
        metadata: { kind: 'backup' },
        tags: { size: 'large' },
      });
      expect(put.size).toBe(total);
      const got = await store().get(key);
      expect(got.size).toBe(total);
      expect(await streamHash(got.body)).toEqual({ sha256: byteStreamHash(total), size: total });
      const head = await store().head(key);
      expect(head).toMatchObject({
        size: total,
        etag: put.etag,
        metadata: { kind: 'backup' },
        tags: { size: 'large' },
      });
    });

    it('a body stream that fails fails the put with its own error and stores nothing', async () => {
      for (const failAfter of [256 * 1024, 6 * MiB]) {
        const key = systemKey('broken', String(failAfter));
        const error = await rejects(store().put(key, byteStream(8 * MiB, { failAfter })), 'Error');
        expect(error.message).toBe('body source failed');
        await rejects(store().head(key), 'NotFoundError');
      }
      expect(await allKeys(store(), '')).toEqual([]);
      expect(await store().usage()).toEqual({ objects: 0, bytes: 0 });
    });

    it('stores metadata and tags with the object', async () => {
      const key = subjectKey('t1', 'alice', 'artifact.json');
      const metadata = { origin: 'tool-run', 'run-id': 'r-42', note_2: 'spaces ok, (punctuation) too!' };
      const tags = { retention: '1y', kind: 'artifact', Owner_Team: 'data-eng.2' };
      await store().put(key, '{}', { contentType: 'application/json', metadata, tags });
      const head = await store().head(key);
      expect(head.metadata).toEqual(metadata);
      expect(head.tags).toEqual(tags);
      expect(head.contentType).toBe('application/json');
      const got = await store().get(key);
      got.body.destroy();
      expect(got.metadata).toEqual(metadata);
    });

    itUnlessGap(harness, 'tagCharacters', 'tags keep spaces and + - = . _ : / @ exactly', async () => {
      const tags = { 'team/owner': 'data eng@x', 'a+b=c': 'x:y/z', ünï: 'cödé 1' };
      await store().put(systemKey('tagged'), 'x', { tags });
      expect((await store().head(systemKey('tagged'))).tags).toEqual(tags);
      await store().put(systemKey('tagged-stream'), byteStream(1024), { tags });
      expect((await store().head(systemKey('tagged-stream'))).tags).toEqual(tags);
    });

    it('rejects invalid metadata, tags and content types before writing anything', async () => {
      const key = systemKey('x');
      const invalid: PutObjectOptions[] = [
        { metadata: { Upper: 'x' } },
        { metadata: { 'with space': 'x' } },
        { metadata: { ok: 'naïve' } },
        { metadata: { ok: 'line\nbreak' } },
        { metadata: { big: 'x'.repeat(2100) } },
        { tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v'])) },
        { tags: { 'aws:reserved': 'x' } },
        { tags: { bad: 'semi;colon' } },
        { tags: { '': 'empty key' } },
        { contentType: 'text/plain\r\nX-Injected: 1' },
      ];
      for (const options of invalid) {
        await rejects(store().put(key, 'x', options), 'InvalidInputError');
      }
      await rejects(store().put(key, 42 as unknown as string), 'InvalidInputError');
      expect(await allKeys(store(), '')).toEqual([]);
    });

    it('lists by prefix in key order, a page at a time', async () => {
      const keys = ['p/a', 'p/b/1', 'p/b/2', 'p/b-c', 'p/c', 'p/d/e/f', 'p/é'];
      const sizes = new Map(keys.map((key, i) => [key, keys.length - i]));
      for (const key of [...keys].reverse()) await store().put(key, 'x'.repeat(sizes.get(key) ?? 0));
      await store().put('q/outside', 'x');
      await store().put('p', 'the prefix itself is a key too');
      const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store().list('p/', { limit: 3, ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((item) => item.key));
        for (const item of page.items) {
          expect(item.size).toBe(sizes.get(item.key));
          expect(item.lastModified).toBeInstanceOf(Date);
        }
        cursor = page.cursor;
      } while (cursor);
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(sorted);
      expect(await allKeys(store(), 'p/b')).toEqual(['p/b-c', 'p/b/1', 'p/b/2']);
      expect(await allKeys(store(), 'p/b/')).toEqual(['p/b/1', 'p/b/2']);
      expect(await allKeys(store(), '')).toEqual(['p', ...sorted, 'q/outside']);
      expect((await store().list('nothing/here/')).items).toEqual([]);
      await rejects(store().list('p/', { limit: 0 }), 'InvalidInputError');
      await rejects(store().list('p/', { limit: 1001 }), 'InvalidInputError');
    });

    it('usage counts the current objects and bytes under a prefix', async () => {
      await store().put(subjectKey('t1', 'alice', 'a'), pseudoRandom(1000));
      await store().put(subjectKey('t1', 'alice', 'b/c'), pseudoRandom(2000));
      await store().put(subjectKey('t1', 'alice2', 'a'), pseudoRandom(4000));
      await store().put(systemKey('backups', 'x'), pseudoRandom(8000));
      expect(await store().usage('tenants/t1/subjects/alice/')).toEqual({ objects: 2, bytes: 3000 });
      expect(await store().usage('tenants/t1/')).toEqual({ objects: 3, bytes: 7000 });
      expect(await store().usage()).toEqual({ objects: 4, bytes: 15000 });
      await store().put(subjectKey('t1', 'alice', 'a'), pseudoRandom(10));
      await store().delete(subjectKey('t1', 'alice', 'b/c'));
      expect(await store().usage('tenants/t1/subjects/alice/')).toEqual({ objects: 1, bytes: 10 });
    });

    safetyContract(harness, store);
    versionsContract(harness, store);

    const down = harness.unreachable;
    if ('notApplicable' in down) {
      it.skip(
        `a down engine gives a retriable UnavailableError naming its address (n/a: ${down.notApplicable})`,
      );
    } else {
      it('a down engine gives a retriable UnavailableError naming its address, quickly', async () => {
        const dead = down.make();
        try {
          for (const call of [() => dead.head('x/y'), () => dead.put('x/y', 'z'), () => dead.list('x/')]) {
            const started = Date.now();
            const error = await rejects(call(), 'UnavailableError');
            expect(Date.now() - started).toBeLessThan(10_000);
            expect((error as unknown as { retriable: boolean }).retriable).toBe(true);
            expect(error.message).toContain(down.address);
          }
        } finally {
          await dead.close();
        }
      });
    }
  });
}
