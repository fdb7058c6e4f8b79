import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { openStores } from '../../src/sdk/stores/factory.js';
import { runCli } from '../support/cli.js';
import {
  LOOK_ALIKES,
  SEEDED,
  seededApiKey,
  seedSubject,
  snapshotSubject,
  TEST_RECEIPT_KEY,
} from '../support/erase-fixtures.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const LONG = 120_000;
const root = mkdtempSync(join(tmpdir(), 'soma-erase-cli-'));
const dataDir = join(root, 'data');
const env = { SOMA_ERASE_RECEIPT_KEY: TEST_RECEIPT_KEY, SOMA_DATA_DIR: dataDir };
const erase = (args: string[], extra: Record<string, string> = {}) =>
  runCli(['erase', ...args], { cwd: root, env: { ...env, ...extra }, timeoutMs: LONG });
const ALICE = ['--user', 'alice', '--tenant', 'acme'];

async function withStores<T>(
  work: (stores: Awaited<ReturnType<typeof openStores>>) => Promise<T>,
): Promise<T> {
  const { config } = resolveConfig({ env: {}, cwd: root, flags: { dataDir } });
  const stores = await openStores(config);
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

beforeAll(async () => {
  await withStores(async (stores) => {
    for (const subject of ['alice', ...LOOK_ALIKES]) await seedSubject(stores, 'acme', subject);
  });
}, LONG);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('somaagent erase (embedded)', () => {
  it.each(['erase', 'erase hold', 'erase release', 'erase verify-receipt'])(
    '%s --help teaches with examples and offers --json',
    async (id) => {
      const result = await runCli([...id.split(' '), '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('EXAMPLES');
      expect(result.stdout).toContain('--json');
    },
  );

  it(
    'refuses bad input with exit 2 and one line: pattern ids, no key, no confirmation, too large a plan',
    async () => {
      const pattern = await erase(['--user', 'alice*', '--tenant', 'acme', '--dry-run']);
      expect(pattern.code).toBe(2);
      expect(pattern.stderr).toContain('pattern character');
      expect(pattern.stderr).not.toMatch(/\n\s+at /);

      const blank = await erase(['--user', '  ', '--tenant', 'acme', '--dry-run', '--json']);
      expect(blank.code).toBe(2);
      expectMatchesSchema('error', JSON.parse(blank.stdout));

      const noKey = await erase([...ALICE, '--dry-run'], { SOMA_ERASE_RECEIPT_KEY: '' });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toContain('erase.receiptKey is not set');

      const unconfirmed = await erase(ALICE);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('stdin is not a terminal');
      expect(unconfirmed.stderr).toContain('--yes');

      const large = await erase([...ALICE, '--yes', '--max-records', '3', '--json']);
      expect(large.code).toBe(2);
      expect(JSON.parse(large.stdout).error).toMatchObject({ code: 'BLAST_RADIUS' });

      // Bad flags are refused before any store is touched: no job is started, nothing is erased.
      const bad: Array<[string[], string]> = [
        [['--by', ''], '--by: actor id is empty'],
        [['--by', ' ops'], '--by: " ops" has leading or trailing whitespace'],
        [['--receipt', root], `--receipt ${root}: is a directory`],
        [['--receipt', join(root, 'missing', 'r.json')], `directory ${join(root, 'missing')} does not exist`],
        [['--expect-plan', 'sha256:3f1c'], '--expect-plan "sha256:3f1c": expected sha256: and 64 hex digits'],
      ];
      for (const [flags, message] of bad) {
        const refused = await erase([...ALICE, '--yes', ...flags, '--json']);
        expect(refused.code).toBe(2);
        const body = JSON.parse(refused.stdout);
        expectMatchesSchema('error', body);
        expect(body.error).toMatchObject({ code: 'INVALID_INPUT' });
        expect(body.error.message).toContain(message);
        expect(body.error.hint).toBeTruthy();
      }
      const text = await erase([...ALICE, '--yes', '--receipt', root]);
      expect(text.stdout).toBe('');
      expect(text.stderr).not.toMatch(/EISDIR|Internal error|\n\s+at /);
      const noReason = await erase(['hold', ...ALICE, '--reason', ' ']);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('legal hold reason must be a non-empty string');
      expect(noReason.stderr).toContain('Hint: ');
      const untouched = JSON.parse((await erase([...ALICE, '--dry-run', '--json'])).stdout);
      expect(untouched.plan.openJob).toBeNull();
      expect(untouched.plan.stores.find((s: { store: string }) => s.store === 'api-keys').count).toBe(
        SEEDED.apiKeys,
      );
    },
    LONG,
  );

  it(
    'dry run, legal hold, erase with a receipt, verify-receipt, re-run: exit codes, JSON schemas, no PII',
    async () => {
      const dry = await erase([...ALICE, '--dry-run', '--json']);
      expect(dry.code).toBe(0);
      const plan = JSON.parse(dry.stdout);
      expectMatchesSchema('erase', plan);
      expect(plan).toMatchObject({ status: 'planned', dryRun: true, execution: null, receipt: null });
      expect(plan.plan.stores.find((s: { store: string }) => s.store === 'sessions').count).toBe(
        SEEDED.sessions,
      );
      expect(plan.plan.stores.find((s: { store: string }) => s.store === 'api-keys').count).toBe(
        SEEDED.apiKeys,
      );

      const hold = await erase(['hold', ...ALICE, '--reason', 'case 4711', '--by', 'legal', '--json']);
      expect(hold.code).toBe(0);
      expectMatchesSchema('erase-hold', JSON.parse(hold.stdout));
      const blocked = await erase([...ALICE, '--yes']);
      expect(blocked.code).toBe(1);
      expect(blocked.stdout).toContain('case 4711');
      const release = await erase(['release', ...ALICE, '--by', 'legal', '--json']);
      expect(release.code).toBe(0);
      const released = JSON.parse(release.stdout);
      expectMatchesSchema('erase-release', released);
      expect(released).toMatchObject({ released: true, hold: { reason: 'case 4711' } });

      const lookAlikes = await withStores(async (s) =>
        Promise.all(LOOK_ALIKES.map((x) => snapshotSubject(s, 'acme', x))),
      );
      const receiptFile = join(root, 'receipt.json');
      const done = await erase([...ALICE, '--yes', '--by', 'ops', '--receipt', receiptFile, '--json']);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      const report = JSON.parse(done.stdout);
      expectMatchesSchema('erase', report);
      expect(report).toMatchObject({ status: 'erased', receiptFile });
      expect(done.stdout).not.toMatch(/"alice"|alice\.person|Person alice/);
      const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
      expectMatchesSchema('erasure-receipt', receipt);
      expect(receipt).toEqual(report.receipt);
      expect(
        await withStores(async (s) => Promise.all(LOOK_ALIKES.map((x) => snapshotSubject(s, 'acme', x)))),
      ).toEqual(lookAlikes);
      expect(report.execution.before['api-keys']).toBe(SEEDED.apiKeys);
      expect(report.execution.after['api-keys']).toBe(0);
      await withStores(async (s) => {
        expect((await s.records.apiKeys.verify(seededApiKey('acme', 'alice'))).ok).toBe(false);
        for (const subject of LOOK_ALIKES) {
          expect(await s.records.apiKeys.verify(seededApiKey('acme', subject))).toMatchObject({
            ok: true,
            principal: { tenant: 'acme', subject },
          });
        }
      });

      const verified = await erase(['verify-receipt', receiptFile, '--json']);
      expect(verified.code).toBe(0);
      const verification = JSON.parse(verified.stdout);
      expectMatchesSchema('erase-verify-receipt', verification);
      expect(verification).toMatchObject({ valid: true, problems: [] });
      expect(verification.chains).toEqual([
        { tenant: 'acme', headSequence: 1, verifiedLinks: 1, intact: true },
      ]);

      const tampered = join(root, 'tampered.json');
      writeFileSync(
        tampered,
        JSON.stringify({
          ...receipt,
          stores: receipt.stores.map((s: object) => ({ ...s, after: 0, before: 0 })),
        }),
      );
      const forged = await erase(['verify-receipt', tampered, '--offline']);
      expect(forged.code).toBe(1);
      expect(forged.stdout).toContain('the signature does not match its content');
      const otherKey = await erase(['verify-receipt', receiptFile, '--offline'], {
        SOMA_ERASE_RECEIPT_KEY: 'another-key-0123456789abcdef0123456789abcdef',
      });
      expect(otherKey.code).toBe(1);

      const again = await erase([...ALICE, '--yes', '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({
        status: 'erased',
        plan: { total: 0 },
        receipt: { sequence: 2 },
      });
    },
    LONG * 2,
  );
});
