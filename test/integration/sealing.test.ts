import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { sealFields, subjectRefOf } from '../../src/sdk/events/sealing/seal-fields.js';
import { SealedPayloadError, unsealFields } from '../../src/sdk/events/sealing/unseal-fields.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';

let sql: SqlClient;
let records: Records;
beforeAll(async () => {
  sql = await openPgliteSqlClient();
  await migrate(sql, { dimensions: 8 });
  records = createRecords(sql);
}, 60_000);
afterAll(() => sql?.close());

describe('sealed event fields (AES-256-GCM with the subject key)', () => {
  it('round-trip while the key lives, and are shredded for good once it is destroyed', async () => {
    const key = await records.subjectKeys.getOrCreate('acme', 'alice');
    const fields = { email: 'alice@example.com', name: 'Alice Liddell', n: 3 };
    const sealed = sealFields(key, fields);
    expect(sealed).toMatchObject({ keyId: key.keyId, algorithm: 'AES_256_GCM' });
    expect(sealed.nonce).toHaveLength(12);
    expect(sealed.ciphertext.toString('latin1')).not.toContain('alice@example.com');
    expect(sealFields(key, fields).nonce.equals(sealed.nonce)).toBe(false);
    expect(subjectRefOf(key)).toBe(key.keyId);
    expect(await unsealFields(records.subjectKeys, sealed)).toEqual({ state: 'open', fields });

    await records.subjectKeys.destroy('acme', 'alice');
    const after = await unsealFields(records.subjectKeys, sealed);
    expect(after).toMatchObject({ state: 'shredded', keyId: key.keyId });
    // A new key for the same subject opens nothing sealed under the old one.
    const fresh = await records.subjectKeys.getOrCreate('acme', 'alice');
    expect(fresh.keyId).not.toBe(key.keyId);
    expect((await unsealFields(records.subjectKeys, sealed)).state).toBe('shredded');
    expect((await unsealFields(records.subjectKeys, { ...sealed, keyId: randomUUID() })).state).toBe(
      'unknown-key',
    );
  });

  it('refuse tampered payloads and payloads moved under another key id', async () => {
    const key = await records.subjectKeys.getOrCreate('acme', 'bob');
    const other = await records.subjectKeys.getOrCreate('acme', 'carol');
    const sealed = sealFields(key, { secret: 'x' });
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] as number) ^ 1;
    await expect(
      unsealFields(records.subjectKeys, { ...sealed, ciphertext: flipped }),
    ).rejects.toBeInstanceOf(SealedPayloadError);
    // Re-encrypting is what it would take; relabelling fails authentication (the key id is authenticated data).
    await expect(unsealFields(records.subjectKeys, { ...sealed, keyId: other.keyId })).rejects.toBeInstanceOf(
      SealedPayloadError,
    );
    await expect(
      unsealFields(records.subjectKeys, { ...sealed, nonce: Buffer.alloc(4) }),
    ).rejects.toBeInstanceOf(SealedPayloadError);
    expect(() => sealFields({ ...key, key: new Uint8Array(16) }, {})).toThrow(InvalidInputError);
    expect(() => sealFields(key, [] as never)).toThrow(InvalidInputError);
  });
});
