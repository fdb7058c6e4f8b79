import { describe, expect, it } from 'vitest';
import {
  subjectKey,
  subjectPrefix,
  systemKey,
  tenantPrefix,
} from '../../src/sdk/stores/objects/object-store.js';
import {
  allKeys,
  type ObjectStoreHarness,
  pseudoRandom,
  rejects,
  type StoreOf,
} from './object-store.harness.js';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function throwsInvalid(work: () => unknown): void {
  expect(work).toThrowError(expect.objectContaining({ name: 'InvalidInputError' }));
}

/** Ids, keys and prefixes: nothing escapes the store, nothing widens a listing, look-alikes stay apart. */
export function safetyContract(_harness: ObjectStoreHarness, store: StoreOf): void {
  describe('key safety', () => {
    it('builds subject keys from checked, encoded ids and rejects malformed ones', () => {
      expect(subjectPrefix('t1', 'alice')).toBe('tenants/t1/subjects/alice/');
      expect(subjectPrefix('t1', 'alice/x')).toBe('tenants/t1/subjects/alice%2Fx/');
      expect(subjectPrefix('t1', 'alice*')).toBe('tenants/t1/subjects/alice%2A/');
      expect(subjectPrefix('t/1', '..')).toBe('tenants/t%2F1/subjects/%2E%2E/');
      expect(subjectKey('t1', 'alice', 'a', 'b/c.txt')).toBe('tenants/t1/subjects/alice/a/b/c.txt');
      expect(tenantPrefix('t1')).toBe('tenants/t1/');
      expect(systemKey('backups', '2024.tar')).toBe('system/backups/2024.tar');
      const badIds = [
        '',
        '   ',
        'x'.repeat(257),
        'é'.repeat(129),
        'a\nb',
        'a\u0000b',
        'tab\there',
        'del\u007f',
      ];
      for (const bad of badIds) {
        throwsInvalid(() => subjectPrefix(bad, 'alice'));
        throwsInvalid(() => subjectPrefix('t1', bad));
        throwsInvalid(() => subjectKey('t1', bad, 'file'));
        throwsInvalid(() => tenantPrefix(bad));
      }
      throwsInvalid(() => subjectKey('t1', 'alice'));
      throwsInvalid(() => subjectKey('t1', 'alice', '../x'));
      throwsInvalid(() => subjectKey('t1', 'alice', 'a//b'));
      throwsInvalid(() => systemKey());
      throwsInvalid(() => systemKey('..', 'etc'));
    });

    it('rejects keys and prefixes that could escape the store or alias another key', async () => {
      const badKeys = [
        '',
        '/abs',
        '/etc/passwd',
        '../x',
        '..',
        'a/../../x',
        'a/..',
        './x',
        'a/./b',
        'a//b',
        'a/',
        'x\u0000y',
        'x\ny',
        'k'.repeat(1025),
        'é'.repeat(513),
      ];
      for (const key of badKeys) {
        await rejects(store().put(key, 'x'), 'InvalidInputError');
        await rejects(store().get(key), 'InvalidInputError');
        await rejects(store().getBytes(key), 'InvalidInputError');
        await rejects(store().head(key), 'InvalidInputError');
        await rejects(store().delete(key), 'InvalidInputError');
        await rejects(store().deleteVersion(key, 'v1'), 'InvalidInputError');
      }
      for (const prefix of ['/x', '../', 'a/../b/', 'a//', '..', 'x\n', '/']) {
        await rejects(store().list(prefix), 'InvalidInputError');
        await rejects(store().listVersions(prefix), 'InvalidInputError');
        await rejects(store().usage(prefix), 'InvalidInputError');
      }
      expect(await allKeys(store(), '')).toEqual([]);
    });

    it('keeps encoded and dotted look-alikes of traversal literal, inside the store', async () => {
      const keys = [
        '%2e%2e/x',
        '%2E%2E/%2e%2e/y',
        '..%2f..%2fz',
        'a/%2e%2e/b',
        '...',
        'a/.../b',
        '.hidden',
        'a/.v-null.json',
        'a/.d-x',
        'a/.name',
        '~tilde',
        'back\\slash/..\\x',
        'C:/windows',
      ];
      for (const [i, key] of keys.entries()) await store().put(key, `content ${i}`);
      for (const [i, key] of keys.entries())
        expect((await store().getBytes(key)).toString()).toBe(`content ${i}`);
      expect(await allKeys(store(), '')).toEqual([...keys].sort(byBytes));
      expect(await allKeys(store(), 'a/')).toEqual([
        'a/%2e%2e/b',
        'a/.../b',
        'a/.d-x',
        'a/.name',
        'a/.v-null.json',
      ]);
      expect((await store().usage()).objects).toBe(keys.length);
    });

    it('prefixes are literal: glob, regex and LIKE characters match only themselves', async () => {
      const keys = [
        'a*b',
        'axb',
        'a?b',
        'a[x]b',
        'a%b',
        'a_b',
        'aXb',
        'a\\b',
        'a.b',
        'A*b',
        'a^b',
        'a$b',
        'a{b',
      ];
      for (const key of keys) await store().put(`lit/${key}`, key);
      const cases: [string, string[]][] = [
        ['lit/a*', ['lit/a*b']],
        ['lit/a%', ['lit/a%b']],
        ['lit/a_', ['lit/a_b']],
        ['lit/a?', ['lit/a?b']],
        ['lit/a[', ['lit/a[x]b']],
        ['lit/a.', ['lit/a.b']],
        ['lit/a\\', ['lit/a\\b']],
        ['lit/a^', ['lit/a^b']],
        ['lit/a$', ['lit/a$b']],
        ['lit/a{', ['lit/a{b']],
        ['lit/A', ['lit/A*b']],
        [
          'lit/a',
          keys
            .filter((k) => k.startsWith('a'))
            .map((k) => `lit/${k}`)
            .sort(byBytes),
        ],
      ];
      for (const [prefix, expected] of cases)
        expect(await allKeys(store(), prefix), prefix).toEqual(expected);
    });

    it('deletePrefix on a subject prefix leaves every look-alike subject and tenant untouched, byte for byte', async () => {
      const tenant = 'acme';
      const subjects = [
        'alice2',
        'alice*',
        'Alice',
        'alice/x',
        'alice%',
        'alice%2Fx',
        'alice_',
        'alicé',
        ' alice',
        'ALICE',
      ];
      const owners: [string, string][] = [
        ...subjects.map((subject): [string, string] => [tenant, subject]),
        ...['acme2', 'acme*', 'Acme', 'acme/x', 'acme%'].map((t): [string, string] => [t, 'alice']),
      ];
      const files = ['doc.bin', 'nested/deep/file.txt'];
      const before = new Map<string, Buffer>();
      for (const [i, [t, s]] of owners.entries()) {
        for (const [j, file] of files.entries()) {
          const bytes = pseudoRandom(512 + i * 31 + j, i * 10 + j + 1);
          const key = subjectKey(t, s, file);
          await store().put(key, bytes, { tags: { owner: 'lookalike' } });
          before.set(key, bytes);
        }
      }
      const aliceFiles = [...files, 'nested/other.bin'];
      for (const file of aliceFiles) await store().put(subjectKey(tenant, 'alice', file), `alice ${file}`);
      const alice = subjectPrefix(tenant, 'alice');
      expect(await allKeys(store(), alice)).toEqual(aliceFiles.map((f) => `${alice}${f}`).sort(byBytes));
      expect((await store().usage(alice)).objects).toBe(3);

      await rejects(store().deletePrefix('tenants/acme/subjects/alice'), 'InvalidInputError');
      expect(await store().deletePrefix(alice)).toBe(3);

      expect(await allKeys(store(), alice)).toEqual([]);
      expect(await store().usage(alice)).toEqual({ objects: 0, bytes: 0 });
      const remaining = (await allKeys(store(), '')).sort(byBytes);
      expect(remaining).toEqual([...before.keys()].sort(byBytes));
      for (const [key, bytes] of before) {
        expect((await store().getBytes(key)).equals(bytes), key).toBe(true);
        expect((await store().head(key)).tags).toEqual({ owner: 'lookalike' });
      }
      expect(await store().deletePrefix(alice)).toBe(0);
    });

    it('destructive prefix operations need a non-empty folder prefix ending with "/"', async () => {
      await store().put('keep/me', 'x');
      for (const prefix of ['', 'keep', 'k', 'keep/m']) {
        await rejects(store().deletePrefix(prefix), 'InvalidInputError');
        await rejects(store().deleteAllVersions(prefix), 'InvalidInputError');
      }
      expect(await allKeys(store(), '')).toEqual(['keep/me']);
    });
  });
}
