import { describe, expect, it } from 'vitest';
import type { LifecycleRule, ObjectVersion } from '../../src/sdk/stores/objects/object-store.js';
import { subjectKey, subjectPrefix } from '../../src/sdk/stores/objects/object-store.js';
import {
  allKeys,
  itUnlessGap,
  type ObjectStoreHarness,
  rejects,
  type StoreOf,
} from './object-store.harness.js';

async function allVersions(
  store: StoreOf,
  prefix: string,
  limit?: number,
): Promise<{ versions: ObjectVersion[]; pages: number[] }> {
  const versions: ObjectVersion[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await store().listVersions(prefix, {
      ...(cursor ? { cursor } : {}),
      ...(limit ? { limit } : {}),
    });
    versions.push(...page.items);
    pages.push(page.items.length);
    cursor = page.cursor;
  } while (cursor);
  return { versions, pages };
}

const byId = (a: LifecycleRule, b: LifecycleRule) => a.id.localeCompare(b.id);

/** Versioning (history, delete markers, erasure of every version) and lifecycle rules. */
export function versionsContract(harness: ObjectStoreHarness, store: StoreOf): void {
  describe('versions and lifecycle', () => {
    it('versioning is off in a new store, and can be enabled then suspended', async () => {
      expect(await store().getVersioning()).toBe('disabled');
      await store().setVersioning(true);
      expect(await store().getVersioning()).toBe('enabled');
      await store().setVersioning(false);
      expect(await store().getVersioning()).toBe('suspended');
    });

    it('with versioning, two puts and a delete leave two versions and a delete marker', async () => {
      await store().setVersioning(true);
      const key = subjectKey('t1', 'alice', 'doc.txt');
      const prefix = subjectPrefix('t1', 'alice');
      const v1 = await store().put(key, 'one');
      const v2 = await store().put(key, 'two!');
      expect(v1.versionId).toBeTruthy();
      expect(v2.versionId).toBeTruthy();
      expect(v2.versionId).not.toBe(v1.versionId);
      expect((await store().head(key)).versionId).toBe(v2.versionId);
      await store().delete(key);
      await rejects(store().head(key), 'NotFoundError');

      const { items } = await store().listVersions(prefix);
      expect(items.map((v) => [v.key, v.deleteMarker, v.isLatest])).toEqual([
        [key, true, true],
        [key, false, false],
        [key, false, false],
      ]);
      const [marker, second, first] = items as [ObjectVersion, ObjectVersion, ObjectVersion];
      expect([second.versionId, second.size]).toEqual([v2.versionId, 4]);
      expect([first.versionId, first.size]).toEqual([v1.versionId, 3]);
      expect((await store().getBytes(key, { versionId: v1.versionId! })).toString()).toBe('one');
      expect((await store().head(key, { versionId: v2.versionId! })).size).toBe(4);

      await rejects(store().get(key, { versionId: marker.versionId }), 'NotFoundError');
      await rejects(store().head(key, { versionId: marker.versionId }), 'NotFoundError');
      await store().deleteVersion(key, marker.versionId);
      expect((await store().getBytes(key)).toString()).toBe('two!');
      await store().deleteVersion(key, v2.versionId!);
      expect((await store().getBytes(key)).toString()).toBe('one');

      expect(await store().deleteAllVersions(prefix)).toEqual({ versions: 1, deleteMarkers: 0 });
      expect((await store().listVersions(prefix)).items).toEqual([]);
      await rejects(store().head(key), 'NotFoundError');
    });

    it("deleteAllVersions erases every version of a subject and none of a look-alike's", async () => {
      await store().setVersioning(true);
      const lookalikes = ['alice2', 'Alice', 'alice*', 'alice/x'];
      for (const subject of ['alice', ...lookalikes]) {
        for (const file of ['a.txt', 'b/c.txt']) {
          await store().put(subjectKey('t1', subject, file), `${subject} ${file} v1`);
          await store().put(subjectKey('t1', subject, file), `${subject} ${file} v2`);
        }
      }
      await store().delete(subjectKey('t1', 'alice', 'a.txt'));
      expect(await store().deleteAllVersions(subjectPrefix('t1', 'alice'))).toEqual({
        versions: 4,
        deleteMarkers: 1,
      });
      expect((await store().listVersions(subjectPrefix('t1', 'alice'))).items).toEqual([]);
      for (const subject of lookalikes) {
        const { versions } = await allVersions(store, subjectPrefix('t1', subject));
        expect(versions.length, subject).toBe(4);
        expect((await store().getBytes(subjectKey('t1', subject, 'b/c.txt'))).toString()).toBe(
          `${subject} b/c.txt v2`,
        );
      }
    });

    it('deleteAllVersions also erases objects written without versioning', async () => {
      await store().put(subjectKey('t1', 'bob', 'x'), 'x');
      await store().put(subjectKey('t1', 'bob', 'y/z'), 'yz');
      await store().put(subjectKey('t1', 'bob2', 'x'), 'keep');
      expect(await store().deleteAllVersions(subjectPrefix('t1', 'bob'))).toEqual({
        versions: 2,
        deleteMarkers: 0,
      });
      expect(await allKeys(store(), 'tenants/')).toEqual([subjectKey('t1', 'bob2', 'x')]);
    });

    itUnlessGap(
      harness,
      'listHidesDeleteMarkedKeys',
      'a delete marker hides its key from list and usage',
      async () => {
        await store().setVersioning(true);
        await store().put('v/a', 'aaa');
        await store().put('v/b', 'bb');
        await store().delete('v/a');
        expect(await allKeys(store(), 'v/')).toEqual(['v/b']);
        expect(await store().usage('v/')).toEqual({ objects: 1, bytes: 2 });
      },
    );

    itUnlessGap(
      harness,
      'deletedVersionsUnreadable',
      'a version removed for good cannot be read by its id',
      async () => {
        await store().setVersioning(true);
        const key = subjectKey('t1', 'carol', 'doc.txt');
        const v1 = await store().put(key, 'one');
        const v2 = await store().put(key, 'two');
        await store().deleteVersion(key, v2.versionId!);
        await rejects(store().get(key, { versionId: v2.versionId! }), 'NotFoundError');
        await rejects(store().head(key, { versionId: v2.versionId! }), 'NotFoundError');
        await store().deleteAllVersions(subjectPrefix('t1', 'carol'));
        await rejects(store().getBytes(key, { versionId: v1.versionId! }), 'NotFoundError');
      },
    );

    itUnlessGap(
      harness,
      'versionPaging',
      'listVersions follows its cursor through every version, by key, newest first',
      async () => {
        await store().setVersioning(true);
        for (const key of ['w/c', 'w/a', 'w/b']) {
          await store().put(key, `${key} 1`);
          await store().put(key, `${key} 2`);
        }
        const { versions } = await allVersions(store, 'w/', 2);
        expect(versions.map((v) => [v.key, v.isLatest])).toEqual([
          ['w/a', true],
          ['w/a', false],
          ['w/b', true],
          ['w/b', false],
          ['w/c', true],
          ['w/c', false],
        ]);
        expect(new Set(versions.map((v) => v.versionId)).size).toBe(6);
      },
    );

    itUnlessGap(
      harness,
      'versionPaging',
      'a page of listVersions holds at most `limit` entries',
      async () => {
        await store().setVersioning(true);
        for (const key of ['w/a', 'w/b']) {
          await store().put(key, '1');
          await store().put(key, '2');
        }
        const { pages } = await allVersions(store, 'w/', 3);
        expect(pages).toEqual([3, 1]);
      },
    );

    it('lifecycle rules round-trip and can be removed', async () => {
      expect(await store().getLifecycle()).toEqual([]);
      const rules: LifecycleRule[] = [
        {
          id: 'subjects-1y',
          prefix: 'tenants/',
          enabled: true,
          expirationDays: 365,
          noncurrentVersionExpirationDays: 30,
          abortIncompleteMultipartDays: 7,
        },
        { id: 'backups', prefix: 'system/backups/', enabled: false, expirationDays: 400 },
        { id: 'uploads', prefix: '', enabled: true, abortIncompleteMultipartDays: 2 },
      ];
      await store().putLifecycle(rules);
      expect((await store().getLifecycle()).sort(byId)).toEqual([...rules].sort(byId));
      await store().putLifecycle([rules[1] as LifecycleRule]);
      expect(await store().getLifecycle()).toEqual([rules[1]]);
      await store().putLifecycle([]);
      expect(await store().getLifecycle()).toEqual([]);
      await store().putLifecycle([]);
    });

    it('rejects invalid lifecycle rules without changing the rules in force', async () => {
      const good: LifecycleRule = { id: 'ok', prefix: 'system/', enabled: true, expirationDays: 365 };
      await store().putLifecycle([good]);
      const invalid: unknown[] = [
        [good, { ...good }],
        [{ id: 'none', prefix: '', enabled: true }],
        [{ ...good, expirationDays: 0 }],
        [{ ...good, expirationDays: 1.5 }],
        [{ ...good, id: '' }],
        [{ id: 'x', prefix: '', expirationDays: 3 }],
        [{ ...good, prefix: 7 }],
      ];
      for (const rules of invalid) {
        await rejects(store().putLifecycle(rules as LifecycleRule[]), 'InvalidInputError');
      }
      expect(await store().getLifecycle()).toEqual([good]);
    });
  });
}
