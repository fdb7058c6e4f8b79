import { describe, expect, it } from 'vitest';
import { ErasureKeys, type ErasureReceipt, signReceipt } from '../../src/sdk/governance/erase/index.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const keys = new ErasureKeys('unit-test-receipt-key-0123456789abcdef');

function receipt(overrides: Record<string, unknown> = {}): ErasureReceipt {
  return signReceipt(
    {
      type: 'somaagent.erasure-receipt',
      version: 1,
      jobId: '3f1d2c4b-5a6e-4f70-8a91-b2c3d4e5f607',
      tenant: 'acme',
      subject: keys.subjectHash('acme', 'user-1'),
      planHash: `sha256:${'a'.repeat(64)}`,
      plannedAt: '2026-01-02T03:04:05.000Z',
      startedAt: '2026-01-02T03:04:06.000Z',
      completedAt: '2026-01-02T03:04:07+01:00',
      verifiedAt: '2026-01-02T03:04:08Z',
      stores: [{ store: 'sessions', action: 'delete', before: 2, after: 0 }],
      outcome: 'erased',
      sequence: 1,
      previousHash: null,
      ...overrides,
    } as Parameters<typeof signReceipt>[0],
    keys,
  );
}

/** The schema errors `expectMatchesSchema` failed with (what it compared with `[]`), or [] when it passed. */
function schemaErrors(value: unknown): unknown[] {
  try {
    expectMatchesSchema('erasure-receipt', value);
    return [];
  } catch (error) {
    return (error as { actual: unknown[] }).actual;
  }
}

describe('expectMatchesSchema', () => {
  it('accepts values whose formatted strings are well formed', () => {
    expectMatchesSchema('erasure-receipt', receipt());
    expect(schemaErrors(receipt())).toEqual([]);
  });

  it('rejects a date-time that is not RFC 3339', () => {
    for (const bad of [
      '2026-01-02',
      '2026-01-02 03:04:05',
      '2026-01-02T03:04:05',
      '2026-13-02T03:04:05Z',
      'Fri, 02 Jan 2026 03:04:05 GMT',
      '1767323045000',
    ]) {
      expect(schemaErrors(receipt({ plannedAt: bad })), bad).toEqual([
        expect.objectContaining({
          instancePath: '/plannedAt',
          keyword: 'format',
          params: { format: 'date-time' },
        }),
      ]);
    }
  });

  it('rejects a uuid that is not one', () => {
    expect(schemaErrors(receipt({ jobId: 'job-1' }))).toEqual([
      expect.objectContaining({ instancePath: '/jobId', keyword: 'format', params: { format: 'uuid' } }),
    ]);
  });
});
