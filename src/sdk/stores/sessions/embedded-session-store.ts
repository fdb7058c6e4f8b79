import { isSomaError, SomaError, UnavailableError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import {
  type CheckedWrite,
  checkSessionIds,
  checkWrites,
  subjectConflict,
  type WriteLimits,
} from './session-checks.js';
import {
  DEFAULT_MAX_STATE_BYTES,
  type JsonValue,
  type Session,
  type SessionStore,
  type SessionSummary,
  type SessionWrite,
} from './session-store.js';

/** Options of {@link EmbeddedSessionStore}. */
export interface EmbeddedSessionStoreOptions {
  /** The embedded Postgres (PGlite) or a Postgres server, migrated (table `soma_sessions`, 0003). Not closed by the store. */
  readonly sql: SqlClient;
  /** TTL of a session written without one (config `retention.sessions`). */
  readonly defaultTtlMs: number;
  /** Largest serialised state in bytes; 1 MiB by default. */
  readonly maxStateBytes?: number;
  /** How often expired rows are purged in the background; 60 s by default, 0 turns it off. */
  readonly purgeIntervalMs?: number;
}

interface Row {
  session_id: string;
  subject_id: string;
  state: JsonValue;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
}

// All times come from the database clock (statement_timestamp()), so several processes sharing a
// Postgres server agree on expiry.
const NOW = 'statement_timestamp()';

const UPSERT = `INSERT INTO soma_sessions AS s
    (tenant_id, session_id, subject_id, state, created_at, updated_at, expires_at)
  VALUES ($1, $2, $3, $4::json, ${NOW}, ${NOW}, ${NOW} + $5::float8 * interval '1 millisecond')
  ON CONFLICT (tenant_id, session_id) DO UPDATE SET
    subject_id = excluded.subject_id,
    state = excluded.state,
    created_at = CASE WHEN s.expires_at > excluded.updated_at THEN s.created_at ELSE excluded.created_at END,
    updated_at = excluded.updated_at,
    expires_at = excluded.expires_at
  WHERE s.subject_id = excluded.subject_id OR s.expires_at <= excluded.updated_at
  RETURNING created_at, updated_at, expires_at`;

const COLUMNS = 'session_id, subject_id, state, created_at, updated_at, expires_at';
const PURGE_BATCH = 5000;

/**
 * {@link SessionStore} on the embedded Postgres through a {@link SqlClient}: one row per session in
 * `soma_sessions`, so sessions survive a restart. Expiry is honoured on every read; expired rows are
 * deleted by {@link purgeExpired} (on a timer) and by {@link deleteBySubject}. Works unchanged on a
 * Postgres server (`pg` driver).
 */
export class EmbeddedSessionStore implements SessionStore {
  private readonly sql: SqlClient;
  private readonly limits: WriteLimits;
  private readonly timer: NodeJS.Timeout | undefined;
  private purging = false;

  constructor(options: EmbeddedSessionStoreOptions) {
    this.sql = options.sql;
    this.limits = {
      defaultTtlMs: options.defaultTtlMs,
      maxStateBytes: options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES,
    };
    const interval = options.purgeIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.purging) return;
        this.purging = true;
        // A failed background purge is retried on the next tick; reads never depend on it.
        this.purgeExpired()
          .catch(() => {})
          .finally(() => {
            this.purging = false;
          });
      }, interval);
      this.timer.unref();
    }
  }

  async get(tenant: string, sessionId: string): Promise<Session | undefined> {
    checkId('tenant', tenant);
    checkId('session', sessionId);
    const { rows } = await this.query<Row>(
      `SELECT ${COLUMNS} FROM soma_sessions WHERE tenant_id = $1 AND session_id = $2 AND expires_at > ${NOW}`,
      [tenant, sessionId],
    );
    return rows[0] ? toSession(tenant, rows[0]) : undefined;
  }

  async getMany(tenant: string, sessionIds: readonly string[]): Promise<Array<Session | undefined>> {
    checkId('tenant', tenant);
    const ids = checkSessionIds(sessionIds);
    if (ids.length === 0) return [];
    const { rows } = await this.query<Row>(
      `SELECT ${COLUMNS} FROM soma_sessions
       WHERE tenant_id = $1 AND session_id = ANY($2::text[]) AND expires_at > ${NOW}`,
      [tenant, ids],
    );
    const byId = new Map(rows.map((row) => [row.session_id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? toSession(tenant, row) : undefined;
    });
  }

  async set(write: SessionWrite): Promise<Session> {
    const [session] = await this.setMany([write]);
    return session as Session;
  }

  async setMany(writes: readonly SessionWrite[]): Promise<Session[]> {
    const checked = checkWrites(writes, this.limits);
    if (checked.length === 0) return [];
    return this.guard(() =>
      this.sql.transaction(async (tx) => {
        const out: Session[] = [];
        for (const write of checked) out.push(await upsert(tx, write));
        return out;
      }),
    );
  }

  async delete(tenant: string, sessionId: string): Promise<boolean> {
    checkId('tenant', tenant);
    checkId('session', sessionId);
    const { rows } = await this.query<{ live: boolean }>(
      `DELETE FROM soma_sessions WHERE tenant_id = $1 AND session_id = $2 RETURNING expires_at > ${NOW} AS live`,
      [tenant, sessionId],
    );
    return rows[0]?.live === true;
  }

  async listBySubject(tenant: string, subject: string): Promise<SessionSummary[]> {
    checkId('tenant', tenant);
    checkId('subject', subject);
    const { rows } = await this.query<Row>(
      `SELECT session_id, created_at, updated_at, expires_at FROM soma_sessions
       WHERE tenant_id = $1 AND subject_id = $2 AND expires_at > ${NOW}
       ORDER BY created_at, session_id`,
      [tenant, subject],
    );
    return rows.map((row) => ({
      sessionId: row.session_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      expiresAt: row.expires_at,
    }));
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    checkId('tenant', tenant);
    checkId('subject', subject);
    const { rows } = await this.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM soma_sessions
       WHERE tenant_id = $1 AND subject_id = $2 AND expires_at > ${NOW}`,
      [tenant, subject],
    );
    return rows[0]?.n ?? 0;
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    checkId('tenant', tenant);
    checkId('subject', subject);
    // Expired rows go too: they still hold the person's data until purged.
    const { rows } = await this.query<{ n: number }>(
      `WITH gone AS (DELETE FROM soma_sessions WHERE tenant_id = $1 AND subject_id = $2 RETURNING expires_at)
       SELECT (count(*) FILTER (WHERE expires_at > ${NOW}))::int AS n FROM gone`,
      [tenant, subject],
    );
    return rows[0]?.n ?? 0;
  }

  async ttlOf(tenant: string, sessionId: string): Promise<number | undefined> {
    checkId('tenant', tenant);
    checkId('session', sessionId);
    const { rows } = await this.query<{ ms: number }>(
      `SELECT (extract(epoch FROM expires_at - ${NOW}) * 1000)::float8 AS ms FROM soma_sessions
       WHERE tenant_id = $1 AND session_id = $2 AND expires_at > ${NOW}`,
      [tenant, sessionId],
    );
    return rows[0] ? Math.floor(rows[0].ms) : undefined;
  }

  async purgeExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      // Bounded batches keep each statement short, so a large backlog never blocks the store for long.
      const { rowCount } = await this.query(
        `DELETE FROM soma_sessions WHERE ctid IN (
           SELECT ctid FROM soma_sessions WHERE expires_at <= ${NOW} LIMIT ${PURGE_BATCH})`,
      );
      total += rowCount;
      if (rowCount < PURGE_BATCH) return total;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  private query<R>(text: string, params: readonly unknown[] = []) {
    return this.guard(() => this.sql.query<R>(text, params));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translate(this.sql, error);
    }
  }
}

async function upsert(tx: SqlClient, write: CheckedWrite): Promise<Session> {
  const { rows } = await tx.query<Pick<Row, 'created_at' | 'updated_at' | 'expires_at'>>(UPSERT, [
    write.tenant,
    write.sessionId,
    write.subject,
    write.stateJson,
    write.ttlMs,
  ]);
  const row = rows[0];
  if (!row) throw subjectConflict(write.sessionId);
  return {
    tenant: write.tenant,
    subject: write.subject,
    sessionId: write.sessionId,
    state: write.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

function toSession(tenant: string, row: Row): Session {
  return {
    tenant,
    subject: row.subject_id,
    sessionId: row.session_id,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
  };
}

function translate(sql: SqlClient, error: unknown): unknown {
  if (isSomaError(error)) return error;
  const e = error as { code?: string; message?: string };
  if (/PGlite is closed/i.test(e.message ?? '')) {
    return new UnavailableError('pglite', sql.address, `session store: ${sql.address} is closed`, {
      cause: error,
      hint: 'The embedded database was closed (shutdown in progress?); reopen the store.',
    });
  }
  if (e.code === '42P01') {
    return new SomaError(
      'STORE_NOT_MIGRATED',
      `session store: table soma_sessions is missing on ${sql.address}`,
      {
        cause: error,
        hint: 'Run the migrations (somaagent db migrate) before using the store.',
      },
    );
  }
  return new SomaError(
    'STORE_FAILED',
    `session store on ${sql.address} failed: ${e.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
