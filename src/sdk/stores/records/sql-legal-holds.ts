import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { LegalHold, LegalHolds } from './legal-holds.js';
import { checkText, toDate } from './sql-helpers.js';

interface HoldRow {
  tenant_id: string;
  subject_id: string;
  reason: string;
  placed_by: string;
  placed_at: Date;
}

const COLUMNS = 'tenant_id, subject_id, reason, placed_by, placed_at';
const MAX_REASON_BYTES = 1024;

function toHold(row: HoldRow): LegalHold {
  return {
    tenant: row.tenant_id,
    subject: row.subject_id,
    reason: row.reason,
    placedBy: row.placed_by,
    placedAt: toDate(row.placed_at),
  };
}

/** {@link LegalHolds} over PGlite or a Postgres server (table `soma_legal_holds`, migration 0001). */
export class SqlLegalHolds implements LegalHolds {
  constructor(private readonly client: SqlClient) {}

  async place(tenant: string, subject: string, reason: string, by: string): Promise<LegalHold> {
    const { rows } = await this.client.query<HoldRow>(
      `INSERT INTO soma_legal_holds (tenant_id, subject_id, reason, placed_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, subject_id) DO UPDATE SET reason = EXCLUDED.reason, placed_by = EXCLUDED.placed_by
       RETURNING ${COLUMNS}`,
      [
        checkId('tenant', tenant),
        checkId('subject', subject),
        checkText('legal hold reason', reason, MAX_REASON_BYTES),
        checkId('placed by', by),
      ],
    );
    return toHold(rows[0] as HoldRow);
  }

  async release(tenant: string, subject: string): Promise<boolean> {
    const { rowCount } = await this.client.query(
      'DELETE FROM soma_legal_holds WHERE tenant_id = $1 AND subject_id = $2',
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return rowCount > 0;
  }

  async get(tenant: string, subject: string): Promise<LegalHold | undefined> {
    const { rows } = await this.client.query<HoldRow>(
      `SELECT ${COLUMNS} FROM soma_legal_holds WHERE tenant_id = $1 AND subject_id = $2`,
      [checkId('tenant', tenant), checkId('subject', subject)],
    );
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  async list(tenant: string): Promise<LegalHold[]> {
    const { rows } = await this.client.query<HoldRow>(
      `SELECT ${COLUMNS} FROM soma_legal_holds WHERE tenant_id = $1 ORDER BY subject_id COLLATE "C"`,
      [checkId('tenant', tenant)],
    );
    return rows.map(toHold);
  }
}
