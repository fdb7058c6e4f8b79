import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS, LOOK_ALIKES } from './records.harness.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const version = (n: number, text = `{"n":${n}}`) => ({ version: n, state: text, checksum: sha(text) });
const scope = () => `tenant:t-${randomBytes(4).toString('hex')}`;

/** ConfigVersions part of the records contract. */
export function configVersionsContract(ctx: () => RecordsContext): void {
  describe('ConfigVersions', () => {
    it('starts empty, inserts the first version and advances by compare-and-set', async () => {
      const { configVersions } = ctx().records;
      const s = scope();
      expect(await configVersions.get(s)).toBeUndefined();
      expect(await configVersions.advance(s, 0, version(2))).toBe(true);
      expect(await configVersions.get(s)).toMatchObject({ scope: s, ...version(2) });
      // A writer that read an older version loses.
      expect(await configVersions.advance(s, 0, version(1))).toBe(false);
      expect(await configVersions.advance(s, 1, version(3))).toBe(false);
      expect(await configVersions.advance(s, 2, version(5))).toBe(true);
      const stored = await configVersions.get(s);
      expect(stored).toMatchObject(version(5));
      expect(stored?.updatedAt).toBeInstanceOf(Date);
    });

    it('keeps scopes apart, exactly', async () => {
      const { configVersions } = ctx().records;
      const s = `${scope()}-alice`;
      await configVersions.advance(s, 0, version(1));
      for (const other of LOOK_ALIKES)
        expect(await configVersions.get(s.replace('alice', other))).toBeUndefined();
    });

    it('lets exactly one of two concurrent writers of one version win', async () => {
      const { records, client } = ctx();
      const s = scope();
      await records.configVersions.advance(s, 0, version(1));
      const race = await Promise.all(
        [version(2, '{"a":1}'), version(2, '{"b":1}')].map((next) =>
          client.transaction((tx) => createRecords(tx).configVersions.advance(s, 1, next)),
        ),
      );
      expect(race.filter(Boolean)).toHaveLength(1);
      expect((await records.configVersions.get(s))?.version).toBe(2);
    });

    it('rejects bad scopes, versions, checksums and states before touching the database', async () => {
      const { configVersions } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(configVersions.get(bad as string)).rejects.toBeInstanceOf(InvalidInputError);
        await expect(configVersions.advance(bad as string, 0, version(1))).rejects.toBeInstanceOf(
          InvalidInputError,
        );
      }
      const s = scope();
      for (const [expected, next] of [
        [-1, version(1)],
        [0, version(0)],
        [3, version(3)],
        [0, { ...version(1), checksum: 'ABC' }],
        [0, { ...version(1), state: '' }],
        [0, { ...version(1), state: 'x'.repeat(1024 * 1024 + 1) }],
        [1.5, version(2)],
      ] as const) {
        await expect(configVersions.advance(s, expected, next)).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect(await configVersions.get(s)).toBeUndefined();
    });
  });
}
