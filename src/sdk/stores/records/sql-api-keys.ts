import {
  apiKeySecretMatches,
  generateApiKey,
  hashApiKeySecret,
  isApiKeyId,
  parseApiKey,
} from '../../auth/api-key-format.js';
import { InvalidInputError, SomaError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type {
  ApiKeyCheck,
  ApiKeyFilter,
  ApiKeyInfo,
  ApiKeys,
  CreatedApiKey,
  NewApiKey,
  RevokedApiKey,
  TenantScope,
} from './api-keys.js';
import { bytesParam, checkDate, toBytes, toDate } from './sql-helpers.js';

interface ApiKeyRow {
  key_id: string;
  tenant_id: string;
  subject_id: string;
  label: string | null;
  admin: boolean;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS =
  'key_id, tenant_id, subject_id, label, admin, created_at, last_used_at, revoked_at, expires_at';
const MAX_LABEL_BYTES = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Compared against when the key id is unknown, so an unknown id costs the same as a wrong secret.
const DUMMY_HASH = hashApiKeySecret(new Uint8Array(32));

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    keyId: row.key_id,
    tenant: row.tenant_id,
    subject: row.subject_id,
    label: row.label,
    admin: row.admin,
    createdAt: toDate(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toDate(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : toDate(row.revoked_at),
    expiresAt: row.expires_at === null ? null : toDate(row.expires_at),
  };
}

function checkKeyId(keyId: unknown): string {
  if (isApiKeyId(keyId)) return keyId;
  // A whole key pasted where its id belongs (e.g. to revoke a leaked key) names its id.
  const parsed = parseApiKey(keyId);
  if (parsed) return parsed.keyId;
  throw new InvalidInputError(
    // Never echo the value: a mistyped whole key is still mostly a secret.
    `API key id must be 16 lowercase hex digits, got ${typeof keyId === 'string' ? `${keyId.length} characters` : typeof keyId}`,
    { hint: 'Pass the id shown by `somaagent keys list` (the part after soma_ in a key).' },
  );
}

/**
 * A key's tenant or subject: what every port accepts, and without leading or trailing whitespace. A padded
 * id would be stored as typed and then match nothing else (` acme` is not `acme`).
 */
function checkOwnerId(kind: 'tenant' | 'subject', id: unknown): string {
  const checked = checkId(kind, id);
  if (checked !== checked.trim()) {
    throw new InvalidInputError(`${kind} id ${JSON.stringify(checked)} has leading or trailing whitespace`, {
      hint: `Pass the exact ${kind} id without surrounding spaces (${JSON.stringify(checked.trim())}?).`,
    });
  }
  return checked;
}

function checkLabel(label: unknown): string | null {
  if (label === undefined || label === null) return null;
  if (typeof label !== 'string' || label.trim() === '') {
    throw new InvalidInputError('API key label must be a non-empty string when given', {
      hint: 'Describe what the key is for (e.g. "alice laptop"), or give no label.',
    });
  }
  if (Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES) {
    throw new InvalidInputError(`API key label is longer than ${MAX_LABEL_BYTES} bytes`, {
      hint: `Shorten the label to at most ${MAX_LABEL_BYTES} bytes.`,
    });
  }
  if (CONTROL.test(label)) {
    throw new InvalidInputError('API key label contains a control character', {
      hint: 'Remove newlines, tabs and other control characters from the label.',
    });
  }
  return label;
}

function checkNewKey(input: NewApiKey): unknown[] {
  if (typeof input !== 'object' || input === null) throw new InvalidInputError('API key input is missing');
  if (input.admin !== undefined && typeof input.admin !== 'boolean') {
    throw new InvalidInputError('API key admin must be a boolean');
  }
  let expiresAt: Date | null = null;
  if (input.expiresAt !== undefined) {
    expiresAt = checkDate('API key expiresAt', input.expiresAt);
    if (expiresAt.getTime() <= Date.now()) {
      throw new InvalidInputError(`API key expiresAt ${expiresAt.toISOString()} is not in the future`, {
        hint: 'Give a time after now, or none for a key that does not expire.',
      });
    }
  }
  return [
    checkOwnerId('tenant', input.tenant),
    checkOwnerId('subject', input.subject),
    checkLabel(input.label),
    input.admin ?? false,
    expiresAt,
  ];
}

/** {@link ApiKeys} over PGlite or a Postgres server (table `soma_api_keys`, migration 0006). */
export class SqlApiKeys implements ApiKeys {
  constructor(private readonly client: SqlClient) {}

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    return this.insert(this.client, checkNewKey(input));
  }

  private async insert(client: SqlClient, params: unknown[]): Promise<CreatedApiKey> {
    // 64-bit random ids: a collision is astronomically unlikely, but it would be a failed insert, not a
    // shared id, so try again rather than fail.
    for (let attempt = 0; ; attempt++) {
      const generated = generateApiKey();
      const { rows } = await client.query<ApiKeyRow>(
        `INSERT INTO soma_api_keys (key_id, tenant_id, subject_id, label, admin, expires_at, secret_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7::bytea) ON CONFLICT (key_id) DO NOTHING RETURNING ${COLUMNS}`,
        [generated.keyId, ...params, bytesParam(generated.secretHash)],
      );
      if (rows[0]) return { ...toInfo(rows[0]), key: generated.key };
      if (attempt >= 3) throw new SomaError('CONFLICT', 'could not allocate a unique API key id; retry');
    }
  }

  async verify(presented: string): Promise<ApiKeyCheck> {
    const parsed = parseApiKey(presented);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const { rows } = await this.client.query<
      ApiKeyRow & { secret_sha256: Uint8Array; expired: boolean; touch: boolean }
    >(
      `SELECT ${COLUMNS}, secret_sha256, (expires_at IS NOT NULL AND expires_at <= now()) AS expired,
              (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS touch
       FROM soma_api_keys WHERE key_id = $1`,
      [parsed.keyId],
    );
    const row = rows[0];
    const matches = apiKeySecretMatches(parsed.secret, row ? toBytes(row.secret_sha256) : DUMMY_HASH);
    if (!row) return { ok: false, reason: 'unknown', keyId: parsed.keyId };
    if (!matches) return { ok: false, reason: 'mismatch', keyId: parsed.keyId };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked', keyId: parsed.keyId };
    if (row.expired) return { ok: false, reason: 'expired', keyId: parsed.keyId };
    if (row.touch) {
      await this.client.query(
        `UPDATE soma_api_keys SET last_used_at = date_trunc('milliseconds', now())
         WHERE key_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [row.key_id],
      );
    }
    return {
      ok: true,
      principal: { keyId: row.key_id, tenant: row.tenant_id, subject: row.subject_id, admin: row.admin },
    };
  }

  async get(keyId: string, scope: TenantScope = {}): Promise<ApiKeyInfo | undefined> {
    const params: unknown[] = [checkKeyId(keyId)];
    let where = 'key_id = $1';
    if (scope.tenant !== undefined) {
      params.push(checkId('tenant', scope.tenant));
      where += ' AND tenant_id = $2';
    }
    const { rows } = await this.client.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM soma_api_keys WHERE ${where}`,
      params,
    );
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  async list(filter: ApiKeyFilter = {}): Promise<ApiKeyInfo[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.tenant !== undefined) {
      params.push(checkId('tenant', filter.tenant));
      where.push(`tenant_id = $${params.length}`);
    }
    if (filter.subject !== undefined) {
      if (filter.tenant === undefined) {
        throw new InvalidInputError('listing API keys by subject needs the tenant too', {
          hint: 'Subjects are per tenant: pass tenant with subject.',
        });
      }
      params.push(checkId('subject', filter.subject));
      where.push(`subject_id = $${params.length}`);
    }
    if (filter.includeRevoked === false) where.push('revoked_at IS NULL');
    const { rows } = await this.client.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM soma_api_keys ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY tenant_id COLLATE "C", created_at, key_id`,
      params,
    );
    return rows.map(toInfo);
  }

  async revoke(keyId: string, scope: TenantScope = {}): Promise<RevokedApiKey | undefined> {
    const params: unknown[] = [checkKeyId(keyId)];
    let where = 'key_id = $1';
    if (scope.tenant !== undefined) {
      params.push(checkId('tenant', scope.tenant));
      where += ' AND tenant_id = $2';
    }
    // Only the call that finds the key unrevoked changes it: that one alone reports alreadyRevoked=false.
    const updated = await this.client.query<ApiKeyRow>(
      `UPDATE soma_api_keys SET revoked_at = date_trunc('milliseconds', now())
       WHERE ${where} AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      params,
    );
    if (updated.rows[0]) return { ...toInfo(updated.rows[0]), alreadyRevoked: false };
    const { rows } = await this.client.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM soma_api_keys WHERE ${where}`,
      params,
    );
    return rows[0] ? { ...toInfo(rows[0]), alreadyRevoked: true } : undefined;
  }

  async createIfNoneUsable(input: NewApiKey): Promise<CreatedApiKey | undefined> {
    const params = checkNewKey(input);
    return this.client.transaction(async (tx) => {
      // Serialises concurrent callers (several processes starting at once) without blocking readers.
      await tx.exec('LOCK TABLE soma_api_keys IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await tx.query(
        `SELECT 1 FROM soma_api_keys
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
      );
      if (rows.length > 0) return undefined;
      return this.insert(tx, params);
    });
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM soma_api_keys WHERE tenant_id = $1 AND subject_id = $2',
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return rows[0]?.n ?? 0;
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    const { rowCount } = await this.client.query(
      'DELETE FROM soma_api_keys WHERE tenant_id = $1 AND subject_id = $2',
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return rowCount;
  }
}
