import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/sdk/canonical-json.js';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { ConfigError, InvalidInputError } from '../../src/sdk/errors.js';
import {
  checkErasureId,
  checkReceiptSignature,
  ErasureKeys,
  type ErasureReceipt,
  erasureSettings,
  parseReceipts,
  receiptHash,
  signReceipt,
  type UnsignedReceipt,
  verifyReceipts,
} from '../../src/sdk/governance/erase/index.js';
import { ERASURE_JSON } from '../../src/sdk/governance/erase/receipt.js';
import { ROOT } from '../support/cli.js';
import { TEST_RECEIPT_KEY } from '../support/erase-fixtures.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const keys = new ErasureKeys('unit-test-receipt-key-0123456789abcdef');
const other = new ErasureKeys('another-receipt-key-0123456789abcdef00');

function unsigned(sequence: number, previousHash: string | null): UnsignedReceipt {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)).toISOString();
  return {
    type: 'somaagent.erasure-receipt',
    version: 1,
    jobId: randomUUID(),
    tenant: 'acme',
    subject: keys.subjectHash('acme', `user-${sequence}`),
    planHash: `sha256:${'a'.repeat(64)}`,
    plannedAt: at,
    startedAt: at,
    completedAt: at,
    verifiedAt: at,
    stores: [{ store: 'sessions', action: 'delete', before: 2, after: 0 }],
    outcome: 'erased',
    sequence,
    previousHash,
  };
}

/** A chain of `n` signed receipts. */
function chain(n: number): ErasureReceipt[] {
  const out: ErasureReceipt[] = [];
  for (let i = 1; i <= n; i++) {
    const previous = out.at(-1);
    out.push(signReceipt(unsigned(i, previous ? receiptHash(previous) : null), keys));
  }
  return out;
}

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } }, ERASURE_JSON)).toBe(
      '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 }, ERASURE_JSON)).toBe(canonicalJson({ y: 2, x: 1 }, ERASURE_JSON));
  });
});

describe('erasure keys', () => {
  it('hash a subject per tenant and key, without the id', () => {
    const hash = keys.subjectHash('acme', 'alice');
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(hash).not.toContain('alice');
    expect(keys.subjectHash('acme', 'alice')).toBe(hash);
    expect(keys.subjectHash('acme2', 'alice')).not.toBe(hash);
    expect(keys.subjectHash('acme', 'Alice')).not.toBe(hash);
    expect(other.subjectHash('acme', 'alice')).not.toBe(hash);
    expect(keys.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keys.keyId).not.toBe(other.keyId);
  });

  it('come from erase.receiptKey, which must be set and long enough', () => {
    const unset = resolveConfig({ env: {}, cwd: '/' }).config;
    expect(() => erasureSettings(unset)).toThrow(ConfigError);
    expect(() => erasureSettings(unset)).toThrow(/erase\.receiptKey is not set/);
    expect(() => resolveConfig({ env: { SOMA_ERASE_RECEIPT_KEY: 'short' }, cwd: '/' })).toThrow(
      /erase\.receiptKey/,
    );
    const set = resolveConfig({
      env: { SOMA_ERASE_RECEIPT_KEY: 'k'.repeat(40), SOMA_ERASE_COMPACTED_TOPICS: 'a.b, c' },
      cwd: '/',
    }).config;
    expect(erasureSettings(set)).toEqual({
      receiptKey: 'k'.repeat(40),
      maxRecords: 100_000,
      compactedTopics: ['a.b', 'c'],
    });
  });
});

describe('erasure ids', () => {
  it('refuse empty, padded and pattern ids; accept exact ones', () => {
    for (const id of [
      '',
      ' ',
      '\t',
      ' alice',
      'alice ',
      'alice*',
      'al?ce',
      '[a]',
      'a%',
      'a\\b',
      '{a}',
      'a\nb',
    ]) {
      expect(() => checkErasureId('user', id)).toThrow(InvalidInputError);
    }
    for (const id of ['alice', 'Alice', 'alice_2', 'alice/x', 'user@example.com', 'ünïcødé']) {
      expect(checkErasureId('user', id)).toBe(id);
    }
    expect(checkErasureId('user', 'alice*', true)).toBe('alice*');
  });
});

describe('receipts', () => {
  it('are signed over every field but the signature; any change breaks the signature', () => {
    const [receipt] = chain(1) as [ErasureReceipt];
    expect(checkReceiptSignature(receipt, keys)).toBe('valid');
    expect(checkReceiptSignature(receipt, other)).toBe('other-key');
    const changes: Array<Partial<ErasureReceipt>> = [
      { tenant: 'acme2' },
      { subject: keys.subjectHash('acme', 'someone') },
      { stores: [{ store: 'sessions', action: 'delete', before: 2, after: 1 }] },
      { sequence: 2 },
      { verifiedAt: new Date().toISOString() },
      {
        signature: {
          ...receipt.signature,
          value: receipt.signature.value.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
        },
      },
    ];
    for (const change of changes)
      expect(checkReceiptSignature({ ...receipt, ...change }, keys)).toBe('invalid');
    expect(receiptHash(receipt)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(receiptHash({ ...receipt })).toBe(receiptHash(receipt));
  });

  it('verify offline: signatures and the links among the given receipts', async () => {
    const receipts = chain(3);
    const ok = await verifyReceipts(receipts, keys);
    expect(ok.problems).toEqual([]);
    expect(ok.receipts.map((r) => [r.sequence, r.signature, r.chain, r.stored])).toEqual([
      [1, 'valid', 'linked', 'unchecked'],
      [2, 'valid', 'linked', 'unchecked'],
      [3, 'valid', 'linked', 'unchecked'],
    ]);
    // Without its predecessor a receipt's link cannot be checked offline, which is not a failure.
    expect((await verifyReceipts([receipts[2]], keys)).receipts[0]?.chain).toBe('unchecked');

    // A receipt re-signed after its predecessor was swapped: its signature holds, its link does not.
    const forged = signReceipt({ ...unsigned(2, `sha256:${'0'.repeat(64)}`) }, keys);
    const swapped = await verifyReceipts([receipts[0], forged, receipts[2]], keys);
    expect(swapped.valid).toBe(false);
    expect(swapped.receipts.map((r) => r.chain)).toEqual(['linked', 'broken', 'broken']);
    const gap = await verifyReceipts(
      [receipts[0], signReceipt(unsigned(3, receiptHash(receipts[0] as ErasureReceipt)), keys)],
      keys,
    );
    expect(gap.valid).toBe(false);
    expect(gap.problems.join('\n')).toContain('does not lead to receipt #2');

    const wrongKey = await verifyReceipts(receipts, other);
    expect(wrongKey.valid).toBe(false);
    expect(wrongKey.problems[0]).toContain(`signed with key ${keys.keyId}`);
    const malformed = await verifyReceipts(
      [{ type: 'nope' }, { ...receipts[0], sequence: 1, previousHash: 'x' }],
      keys,
    );
    expect(malformed.problems).toHaveLength(2);
    expect((await verifyReceipts([], keys)).valid).toBe(false);
  });

  it('parse from one object, an array or JSON lines', () => {
    const receipts = chain(2);
    expect(parseReceipts(JSON.stringify(receipts[0], null, 2))).toEqual([receipts[0]]);
    expect(parseReceipts(JSON.stringify(receipts))).toEqual(receipts);
    expect(parseReceipts(receipts.map((r) => JSON.stringify(r)).join('\n'))).toEqual(receipts);
    expect(() => parseReceipts('')).toThrow(InvalidInputError);
    expect(() => parseReceipts('{not json')).toThrow(InvalidInputError);
  });

  it('of an older plan format (no api-keys store) still verify, against the current schema too', async () => {
    const golden = parseReceipts(readFileSync(`${ROOT}fixtures/erase/receipts-plan-v1.jsonl`, 'utf8'));
    expect(golden).toHaveLength(2);
    for (const receipt of golden) {
      expectMatchesSchema('erasure-receipt', receipt);
      expect((receipt as ErasureReceipt).stores.map((s) => s.store)).not.toContain('api-keys');
    }
    const check = await verifyReceipts(golden, new ErasureKeys(TEST_RECEIPT_KEY));
    expect(check.problems).toEqual([]);
    expect(check.receipts.map((r) => [r.sequence, r.signature, r.chain])).toEqual([
      [1, 'valid', 'linked'],
      [2, 'valid', 'linked'],
    ]);
  });
});
