import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { ClaimOptions, NewOutboxEvent, Outbox, OutboxEvent } from './outbox.js';
import {
  bytesParam,
  checkDate,
  checkJsonObject,
  checkText,
  checkUuid,
  toBytes,
  toDate,
} from './sql-helpers.js';

/**
 * A row as read. The claim, the hot path, returns the payload as base64 text and times as epoch
 * milliseconds, which both drivers parse several times faster than hex `bytea` and timestamp text.
 */
interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  key: string | null;
  payload: Uint8Array | string;
  headers: Record<string, string>;
  tenant_id: string;
  subject_ref: string | null;
  created_at: Date | number;
  attempts: number;
  next_attempt_at: Date | number;
  sent_at: Date | null;
  last_error: string | null;
}

const COLUMNS = `id::text AS id, event_id::text AS event_id, topic, key, payload, headers, tenant_id, subject_ref,
  created_at, attempts, next_attempt_at, sent_at, last_error`;
const MAX_PAYLOAD_BYTES = 1024 * 1024;
const MAX_HEADERS_BYTES = 16 * 1024;
const MAX_ERROR_BYTES = 4096;
const ROWS_PER_INSERT = 200;
const PURGE_BATCH = 5000;
const DEFAULT_LEASE_MS = 30_000;
const MAX_BIGINT = 9_223_372_036_854_775_807n;
const MAX_CLAIM = 5000;
const ROW_ID = /^[1-9]\d{0,18}$/;

function toEvent(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    eventId: row.event_id,
    topic: row.topic,
    key: row.key,
    payload: typeof row.payload === 'string' ? fromBase64(row.payload) : toBytes(row.payload),
    headers: row.headers,
    tenant: row.tenant_id,
    subjectRef: row.subject_ref,
    createdAt: typeof row.created_at === 'number' ? new Date(row.created_at) : toDate(row.created_at),
    attempts: Number(row.attempts),
    nextAttemptAt:
      typeof row.next_attempt_at === 'number' ? new Date(row.next_attempt_at) : toDate(row.next_attempt_at),
    sentAt: row.sent_at === null ? null : toDate(row.sent_at),
    lastError: row.last_error,
  };
}

function fromBase64(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64'); // skips the line breaks Postgres puts every 76 characters
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkRowId(id: unknown): string {
  if (typeof id !== 'string' || !ROW_ID.test(id) || (id.length === 19 && BigInt(id) > MAX_BIGINT)) {
    throw new InvalidInputError(
      `outbox event id must be a decimal id string, got ${JSON.stringify(id)?.slice(0, 40)}`,
    );
  }
  return id;
}

/** Orders decimal id strings numerically (no leading zeros: shorter is smaller). */
function byId(a: { id: string }, b: { id: string }): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Checked ids as one `bigint[]` literal: far cheaper for both drivers than an array of thousands. */
function idArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw new InvalidInputError('outbox event ids must be an array');
  return ids.map(checkRowId);
}

function toParams(event: NewOutboxEvent): unknown[] {
  if (typeof event !== 'object' || event === null)
    throw new InvalidInputError('outbox event must be an object');
  if (!(event.payload instanceof Uint8Array))
    throw new InvalidInputError('outbox event payload must be a Uint8Array');
  if (event.payload.byteLength > MAX_PAYLOAD_BYTES) {
    throw new InvalidInputError(`outbox event payload is larger than ${MAX_PAYLOAD_BYTES} bytes`, {
      hint: 'Store large content in the ObjectStore and put its reference in the event.',
    });
  }
  const headers = event.headers ?? {};
  const headersJson = checkJsonObject('outbox event headers', headers, MAX_HEADERS_BYTES);
  if (Object.values(headers).some((value) => typeof value !== 'string')) {
    throw new InvalidInputError('outbox event header values must be strings');
  }
  return [
    event.eventId === undefined ? randomUUID() : checkUuid('outbox event id', event.eventId),
    checkId('topic', event.topic),
    event.key === null ? null : checkId('key', event.key),
    bytesParam(event.payload),
    headersJson,
    checkId('tenant', event.tenant),
    event.subjectRef === undefined || event.subjectRef === null
      ? null
      : checkId('subject ref', event.subjectRef),
  ];
}

/**
 * Claims due events in id order, keeping (topic, key) order across concurrent relays ($1 now, $2 limit, $3 lease
 * end, $4 the caller's in-flight ids).
 * - `locked` walks the unsent rows in id order (`soma_outbox_unsent_idx`, migration 0005), keeps the due,
 *   unleased ones whose key's first unsent row is not backing off or leased by someone else, and locks them
 *   with SKIP LOCKED. The first unsent row is a LATERAL probe of `soma_outbox_key_idx`, which the planner
 *   memoizes per key (one probe per key, not per row; all reads see the statement's one snapshot).
 * - `gaps` then finds, per key, the first unsent row before the key's last locked row that is neither locked
 *   here nor in flight with the caller (backing off, leased, not yet due, or locked by a concurrent claimer
 *   that has not committed yet); locked rows after it are dropped, so a later event is never leased while
 *   an earlier one may still be sent. It reads only the key's unsent rows up to the claim, so its cost grows
 *   with the batch, not with the backlog.
 */
const CLAIM = `
WITH locked AS MATERIALIZED (
  SELECT o.id, o.topic, o.key FROM soma_outbox o
    LEFT JOIN LATERAL (
      SELECT p.id, p.next_attempt_at, p.locked_until FROM soma_outbox p
       WHERE p.sent_at IS NULL AND p.topic = o.topic AND p.key = o.key
       ORDER BY p.id LIMIT 1) head ON o.key IS NOT NULL
   WHERE o.sent_at IS NULL AND o.next_attempt_at <= COALESCE($1::timestamptz, now())
     AND (o.locked_until IS NULL OR o.locked_until <= COALESCE($1::timestamptz, now()))
     AND o.id NOT IN (SELECT unnest($4::bigint[]))
     AND (head.id IS NULL OR head.id >= o.id OR head.id IN (SELECT unnest($4::bigint[]))
       OR (head.next_attempt_at <= COALESCE($1::timestamptz, now())
         AND (head.locked_until IS NULL OR head.locked_until <= COALESCE($1::timestamptz, now()))))
   ORDER BY o.id
   LIMIT $2
   FOR NO KEY UPDATE OF o SKIP LOCKED
), mine AS MATERIALIZED (
  SELECT id FROM locked UNION ALL SELECT unnest($4::bigint[])
), gaps AS (
  SELECT k.topic, k.key, g.gap
    FROM (SELECT topic, key, max(id) AS last FROM locked WHERE key IS NOT NULL GROUP BY topic, key) k
   CROSS JOIN LATERAL (
     SELECT min(p.id) AS gap FROM soma_outbox p
      WHERE p.sent_at IS NULL AND p.topic = k.topic AND p.key = k.key AND p.id < k.last
        AND p.id NOT IN (SELECT id FROM mine)) g
), eligible AS (
  SELECT l.id FROM locked l LEFT JOIN gaps g ON g.topic = l.topic AND g.key = l.key
   WHERE g.gap IS NULL OR l.id < g.gap
)
UPDATE soma_outbox o SET locked_until = $3::timestamptz, attempts = o.attempts + 1
  FROM eligible e WHERE o.id = e.id
RETURNING o.id::text AS id, o.event_id::text AS event_id, o.topic, o.key, encode(o.payload, 'base64') AS payload,
  o.headers, o.tenant_id, o.subject_ref, floor(extract(epoch FROM o.created_at) * 1000)::float8 AS created_at,
  o.attempts, floor(extract(epoch FROM o.next_attempt_at) * 1000)::float8 AS next_attempt_at, o.sent_at,
  o.last_error`;

/** {@link Outbox} over PGlite or a Postgres server (table `soma_outbox`, migration 0001). */
export class SqlOutbox implements Outbox {
  constructor(private readonly client: SqlClient) {}

  async enqueue(tx: SqlClient, events: readonly NewOutboxEvent[]): Promise<OutboxEvent[]> {
    if (typeof tx?.query !== 'function')
      throw new InvalidInputError("outbox enqueue needs the caller's SqlClient transaction");
    if (!Array.isArray(events)) throw new InvalidInputError('outbox events must be an array');
    const params = events.map(toParams);
    const inserted: OutboxRow[] = [];
    for (let i = 0; i < params.length; i += ROWS_PER_INSERT) {
      const chunk = params.slice(i, i + ROWS_PER_INSERT);
      const values = chunk
        .map(
          (_, j) =>
            `($${j * 7 + 1}::uuid, $${j * 7 + 2}, $${j * 7 + 3}, $${j * 7 + 4}::bytea, $${j * 7 + 5}::jsonb, $${j * 7 + 6}, $${j * 7 + 7})`,
        )
        .join(', ');
      const { rows } = await tx.query<OutboxRow>(
        `INSERT INTO soma_outbox (event_id, topic, key, payload, headers, tenant_id, subject_ref)
         VALUES ${values} ON CONFLICT (event_id) DO NOTHING RETURNING ${COLUMNS}`,
        chunk.flat(),
      );
      inserted.push(...rows);
    }
    return inserted.sort(byId).map(toEvent);
  }

  async claimBatch(limit: number, options: ClaimOptions = {}): Promise<OutboxEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CLAIM) {
      throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_CLAIM}, got ${String(limit)}`);
    }
    const size = limit;
    // Without an explicit `now`, the database's clock decides what is due: rows default their times to the
    // server's now() (microseconds), which a millisecond Date from this process could trail.
    const now = options.now === undefined ? null : checkDate('now', options.now);
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > 86_400_000) {
      throw new InvalidInputError('leaseMs must be an integer from 1 to 86400000');
    }
    const inFlight = options.inFlight === undefined ? [] : checkIds(options.inFlight);
    // One statement, so no explicit transaction (and no extra round trips) is needed.
    const lease = new Date((now?.getTime() ?? Date.now()) + leaseMs);
    const { rows } = await this.client.query<OutboxRow>(CLAIM, [now, size, lease, idArray(inFlight)]);
    return rows.sort(byId).map(toEvent);
  }

  async markSent(ids: readonly string[]): Promise<number> {
    const checked = checkIds(ids);
    if (checked.length === 0) return 0;
    const result = await this.client.query(
      `UPDATE soma_outbox SET sent_at = now(), locked_until = NULL, last_error = NULL
        WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
      [idArray(checked)],
    );
    return result.rowCount;
  }

  async markFailed(ids: string | readonly string[], error: string, nextAttemptAt: Date): Promise<void> {
    const checked = typeof ids === 'string' ? [checkRowId(ids)] : checkIds(ids);
    checkText('outbox error', error, Number.MAX_SAFE_INTEGER, true);
    checkDate('nextAttemptAt', nextAttemptAt);
    if (checked.length === 0) return;
    // Keep at most MAX_ERROR_BYTES of the error, cut on a character boundary.
    const kept = Buffer.from(error, 'utf8')
      .subarray(0, MAX_ERROR_BYTES)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    await this.client.query(
      `UPDATE soma_outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL
        WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
      [idArray(checked), kept, nextAttemptAt],
    );
  }

  async release(ids: readonly string[]): Promise<number> {
    const checked = checkIds(ids);
    if (checked.length === 0) return 0;
    const result = await this.client.query(
      'UPDATE soma_outbox SET locked_until = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL',
      [idArray(checked)],
    );
    return result.rowCount;
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM soma_outbox WHERE sent_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async purgeSentOlderThan(before: Date): Promise<number> {
    checkDate('before', before);
    let total = 0;
    for (;;) {
      const { rowCount } = await this.client.query(
        `DELETE FROM soma_outbox WHERE id IN (
           SELECT id FROM soma_outbox WHERE sent_at IS NOT NULL AND sent_at < $1 LIMIT $2)`,
        [before, PURGE_BATCH],
      );
      total += rowCount;
      if (rowCount < PURGE_BATCH) return total;
    }
  }

  async countBySubject(tenant: string, subjectRef: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM soma_outbox WHERE tenant_id = $1 AND subject_ref = $2',
      [checkId('tenant', tenant), checkId('subject ref', subjectRef)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async deleteBySubject(tenant: string, subjectRef: string): Promise<number> {
    const { rowCount } = await this.client.query(
      'DELETE FROM soma_outbox WHERE tenant_id = $1 AND subject_ref = $2',
      [checkId('tenant', tenant), checkId('subject ref', subjectRef)],
    );
    return rowCount;
  }

  async get(id: string): Promise<OutboxEvent | undefined> {
    const { rows } = await this.client.query<OutboxRow>(
      `SELECT ${COLUMNS} FROM soma_outbox WHERE id = $1::bigint`,
      [checkRowId(id)],
    );
    return rows[0] ? toEvent(rows[0]) : undefined;
  }
}
