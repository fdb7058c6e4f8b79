import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { AuditEntry, AuditLog, AuditPage, AuditQuery, NewAuditEntry } from './audit-log.js';
import { checkDate, checkJsonObject, checkLimit, toDate } from './sql-helpers.js';

interface AuditRow {
  id: string;
  at: Date;
  tenant_id: string;
  subject_id: string | null;
  actor: string;
  action: string;
  resource: string;
  details: Record<string, unknown>;
}

const COLUMNS = 'id::text AS id, at, tenant_id, subject_id, actor, action, resource, details';
const MAX_DETAILS_BYTES = 64 * 1024;
const ROWS_PER_INSERT = 500;
const PURGE_BATCH = 5000;

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: toDate(row.at),
    tenant: row.tenant_id,
    subject: row.subject_id,
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    details: row.details,
  };
}

function toParams(entry: NewAuditEntry): unknown[] {
  if (typeof entry !== 'object' || entry === null)
    throw new InvalidInputError('audit entry must be an object');
  const at = entry.at === undefined ? new Date() : checkDate('audit entry at', entry.at);
  const subject =
    entry.subject === undefined || entry.subject === null ? null : checkId('subject', entry.subject);
  return [
    // Millisecond precision keeps the (at, id) cursor exact across the JS Date round trip.
    new Date(Math.floor(at.getTime())),
    checkId('tenant', entry.tenant),
    subject,
    checkId('actor', entry.actor),
    checkId('action', entry.action),
    checkId('resource', entry.resource),
    checkJsonObject('audit entry details', entry.details ?? {}, MAX_DETAILS_BYTES),
  ];
}

function encodeCursor(row: AuditRow): string {
  return Buffer.from(JSON.stringify([toDate(row.at).toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: unknown): [string, string] {
  try {
    if (typeof cursor !== 'string') throw new Error('not a string');
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (
      typeof at !== 'string' ||
      Number.isNaN(Date.parse(at)) ||
      typeof id !== 'string' ||
      !/^\d{1,19}$/.test(id) ||
      BigInt(id) > 9_223_372_036_854_775_807n
    ) {
      throw new Error('bad fields');
    }
    return [at, id];
  } catch {
    throw new InvalidInputError('audit query cursor is malformed', {
      hint: 'Pass the nextCursor of a previous page unchanged.',
    });
  }
}

/** Runs `work` in a transaction allowed to rewrite the append-only audit table (see the guard trigger). */
async function maintenance<T>(client: SqlClient, work: (tx: SqlClient) => Promise<T>): Promise<T> {
  return client.transaction(async (tx) => {
    await tx.query("SELECT set_config('soma.audit_maintenance', 'on', true)");
    return work(tx);
  });
}

/** {@link AuditLog} over PGlite or a Postgres server (table `soma_audit_log`, migration 0001). */
export class SqlAuditLog implements AuditLog {
  constructor(private readonly client: SqlClient) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const [stored] = await this.appendMany([entry]);
    return stored as AuditEntry;
  }

  async appendMany(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
    if (!Array.isArray(entries)) throw new InvalidInputError('audit entries must be an array');
    const params = entries.map(toParams);
    if (params.length === 0) return [];
    const insert = async (client: SqlClient, chunk: unknown[][]): Promise<AuditRow[]> => {
      const values = chunk
        .map(
          (_, i) =>
            `($${i * 7 + 1}, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}, $${i * 7 + 6}, $${i * 7 + 7}::jsonb)`,
        )
        .join(', ');
      const result = await client.query<AuditRow>(
        `INSERT INTO soma_audit_log (at, tenant_id, subject_id, actor, action, resource, details)
         VALUES ${values} RETURNING ${COLUMNS}`,
        chunk.flat(),
      );
      return result.rows;
    };
    const rows =
      params.length <= ROWS_PER_INSERT
        ? await insert(this.client, params)
        : await this.client.transaction(async (tx) => {
            const all: AuditRow[] = [];
            for (let i = 0; i < params.length; i += ROWS_PER_INSERT) {
              all.push(...(await insert(tx, params.slice(i, i + ROWS_PER_INSERT))));
            }
            return all;
          });
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)).map(toEntry);
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    if (typeof query !== 'object' || query === null)
      throw new InvalidInputError('audit query must be an object');
    const limit = checkLimit(query.limit);
    const params: unknown[] = [checkId('tenant', query.tenant)];
    const where = ['tenant_id = $1'];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.subject !== undefined) add((n) => `subject_id = ${n}`, checkId('subject', query.subject));
    if (query.actor !== undefined) add((n) => `actor = ${n}`, checkId('actor', query.actor));
    if (query.action !== undefined) add((n) => `action = ${n}`, checkId('action', query.action));
    if (query.from !== undefined) add((n) => `at >= ${n}`, checkDate('from', query.from));
    if (query.to !== undefined) add((n) => `at < ${n}`, checkDate('to', query.to));
    if (query.cursor !== undefined) {
      const [at, id] = decodeCursor(query.cursor);
      params.push(at, id);
      where.push(`(at, id) > ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
    }
    params.push(limit + 1);
    const { rows } = await this.client.query<AuditRow>(
      `SELECT ${COLUMNS} FROM soma_audit_log WHERE ${where.join(' AND ')} ORDER BY at, id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      entries: page.map(toEntry),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : undefined,
    };
  }

  async pseudonymiseSubject(tenant: string, subject: string, pseudonym: string): Promise<number> {
    const params = [checkId('tenant', tenant), checkId('subject', subject), checkId('pseudonym', pseudonym)];
    if (subject === pseudonym) throw new InvalidInputError('pseudonym must differ from the subject');
    return maintenance(this.client, async (tx) => {
      const result = await tx.query(
        `UPDATE soma_audit_log
            SET subject_id = CASE WHEN subject_id = $2 THEN $3 ELSE subject_id END,
                actor = CASE WHEN actor = $2 THEN $3 ELSE actor END
          WHERE tenant_id = $1 AND (subject_id = $2 OR actor = $2)`,
        params,
      );
      return result.rowCount;
    });
  }

  async purgeOlderThan(before: Date): Promise<number> {
    checkDate('before', before);
    let total = 0;
    for (;;) {
      const deleted = await maintenance(this.client, async (tx) => {
        const result = await tx.query(
          `DELETE FROM soma_audit_log WHERE id IN (
             SELECT a.id FROM soma_audit_log a
              WHERE a.at < $1
                AND NOT EXISTS (
                  SELECT 1 FROM soma_legal_holds h
                   WHERE h.tenant_id = a.tenant_id AND (h.subject_id = a.subject_id OR h.subject_id = a.actor))
              ORDER BY a.at LIMIT $2)`,
          [before, PURGE_BATCH],
        );
        return result.rowCount;
      });
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    const { rows } = await this.client.query<{ n: string | number }>(
      'SELECT count(*)::int AS n FROM soma_audit_log WHERE tenant_id = $1 AND (subject_id = $2 OR actor = $2)',
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async oldest(): Promise<Date | undefined> {
    const { rows } = await this.client.query<{ at: Date | null }>('SELECT min(at) AS at FROM soma_audit_log');
    const at = rows[0]?.at;
    return at === null || at === undefined ? undefined : toDate(at);
  }
}
