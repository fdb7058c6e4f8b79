import { randomBytes, randomUUID } from 'node:crypto';
import { SomaError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import { bytesParam, checkUuid, toBytes, toDate } from './sql-helpers.js';
import type { KeyLookup, KeyTombstone, SubjectKey, SubjectKeys } from './subject-keys.js';

interface KeyRow {
  key_id: string;
  tenant_id: string;
  subject_id: string;
  key_material: Uint8Array;
  created_at: Date;
}

const COLUMNS = 'key_id::text AS key_id, tenant_id, subject_id, key_material, created_at';
const KEY_BYTES = 32;

function toKey(row: KeyRow): SubjectKey {
  return {
    keyId: row.key_id,
    tenant: row.tenant_id,
    subject: row.subject_id,
    key: toBytes(row.key_material),
    createdAt: toDate(row.created_at),
  };
}

/** {@link SubjectKeys} over PGlite or a Postgres server (tables `soma_subject_keys`, `soma_subject_key_tombstones`). */
export class SqlSubjectKeys implements SubjectKeys {
  constructor(private readonly client: SqlClient) {}

  async getOrCreate(tenant: string, subject: string): Promise<SubjectKey> {
    const params = [checkId('tenant', tenant), checkId('subject', subject)];
    // A concurrent destroy between the insert and the read can empty the row: try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      // The usual case, a subject seen before, is one read.
      const found = await this.find(tenant, subject);
      if (found) return found;
      const inserted = await this.client.query<KeyRow>(
        `INSERT INTO soma_subject_keys (key_id, tenant_id, subject_id, key_material) VALUES ($3::uuid, $1, $2, $4::bytea)
         ON CONFLICT (tenant_id, subject_id) DO NOTHING RETURNING ${COLUMNS}`,
        [...params, randomUUID(), bytesParam(randomBytes(KEY_BYTES))],
      );
      if (inserted.rows[0]) return toKey(inserted.rows[0]);
      const existing = await this.find(tenant, subject);
      if (existing) return existing;
    }
    throw new SomaError('CONFLICT', 'the subject key was destroyed while being read; retry', {
      retriable: true,
    });
  }

  async find(tenant: string, subject: string): Promise<SubjectKey | undefined> {
    const { rows } = await this.client.query<KeyRow>(
      `SELECT ${COLUMNS} FROM soma_subject_keys WHERE tenant_id = $1 AND subject_id = $2`,
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  async get(keyId: string): Promise<KeyLookup> {
    const id = checkUuid('subject key id', keyId);
    const { rows } = await this.client.query<KeyRow>(
      `SELECT ${COLUMNS} FROM soma_subject_keys WHERE key_id = $1::uuid`,
      [id],
    );
    if (rows[0]) return { state: 'active', key: toKey(rows[0]) };
    const tombstones = await this.client.query<{ key_id: string; destroyed_at: Date }>(
      'SELECT key_id::text AS key_id, destroyed_at FROM soma_subject_key_tombstones WHERE key_id = $1::uuid',
      [id],
    );
    const tombstone = tombstones.rows[0];
    if (tombstone) {
      return {
        state: 'destroyed',
        tombstone: { keyId: tombstone.key_id, destroyedAt: toDate(tombstone.destroyed_at) },
      };
    }
    return { state: 'unknown', keyId: id };
  }

  async destroy(tenant: string, subject: string): Promise<KeyTombstone | undefined> {
    const params = [checkId('tenant', tenant), checkId('subject', subject)];
    return this.client.transaction(async (tx) => {
      const deleted = await tx.query<{ key_id: string }>(
        'DELETE FROM soma_subject_keys WHERE tenant_id = $1 AND subject_id = $2 RETURNING key_id::text AS key_id',
        params,
      );
      const keyId = deleted.rows[0]?.key_id;
      if (keyId === undefined) return undefined;
      const { rows } = await tx.query<{ destroyed_at: Date }>(
        `INSERT INTO soma_subject_key_tombstones (key_id) VALUES ($1::uuid)
         ON CONFLICT (key_id) DO UPDATE SET destroyed_at = soma_subject_key_tombstones.destroyed_at
         RETURNING destroyed_at`,
        [keyId],
      );
      return { keyId, destroyedAt: toDate(rows[0]?.destroyed_at) };
    });
  }
}
