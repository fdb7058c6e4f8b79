import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { BuiltReceipt, ErasureReceipts, ReceiptChainHead, StoredReceipt } from './erasure-receipts.js';
import { SqlAuditLog } from './sql-audit-log.js';
import { checkText, checkUuid, toDate } from './sql-helpers.js';

interface ReceiptRow {
  id: string;
  at: Date;
  tenant_id: string;
  resource: string;
  details: { receiptHash: string; receipt: Record<string, unknown> };
}

const ACTION = 'erase.receipt';
const RESOURCE = 'erasure-job:';
const COLUMNS = 'id::text AS id, at, tenant_id, resource, details';
const MAX_HASH_BYTES = 256;

function toStored(row: ReceiptRow): StoredReceipt {
  return {
    hash: row.details.receiptHash,
    receipt: row.details.receipt,
    jobId: row.resource.slice(RESOURCE.length),
    tenant: row.tenant_id,
    auditId: row.id,
    at: toDate(row.at),
  };
}

/** {@link ErasureReceipts} over PGlite or a Postgres server (audit log + `soma_erasure_receipt_heads`, migration 0008). */
export class SqlErasureReceipts implements ErasureReceipts {
  constructor(private readonly client: SqlClient) {}

  async append(
    tenant: string,
    jobId: string,
    actor: string,
    build: (head: ReceiptChainHead | undefined) => BuiltReceipt | Promise<BuiltReceipt>,
  ): Promise<StoredReceipt> {
    checkId('tenant', tenant);
    const job = checkUuid('erasure job id', jobId);
    checkId('actor', actor);
    return this.client.transaction(async (tx) => {
      // The head row exists before it is locked, so two first receipts of a tenant also queue on it.
      await tx.query(
        `INSERT INTO soma_erasure_receipt_heads (tenant_id, sequence, head_hash) VALUES ($1, 0, '')
         ON CONFLICT (tenant_id) DO NOTHING`,
        [tenant],
      );
      const locked = await tx.query<{ sequence: string | number; head_hash: string }>(
        'SELECT sequence, head_hash FROM soma_erasure_receipt_heads WHERE tenant_id = $1 FOR UPDATE',
        [tenant],
      );
      const row = locked.rows[0];
      const sequence = Number(row?.sequence ?? 0);
      const head = sequence > 0 ? { sequence, hash: row?.head_hash ?? '' } : undefined;
      if (await this.byJobIn(tx, job)) {
        throw new InvalidInputError(`erasure job ${job} already has a receipt`);
      }
      const built = await build(head);
      const hash = checkText('receipt hash', built.hash, MAX_HASH_BYTES);
      const entry = await new SqlAuditLog(tx).append({
        tenant,
        subject: null,
        actor,
        action: ACTION,
        resource: `${RESOURCE}${job}`,
        details: { receiptHash: hash, receipt: built.receipt },
      });
      await tx.query(
        `UPDATE soma_erasure_receipt_heads SET sequence = $2, head_hash = $3, updated_at = now()
          WHERE tenant_id = $1`,
        [tenant, sequence + 1, hash],
      );
      return {
        hash,
        receipt: entry.details.receipt as Record<string, unknown>,
        jobId: job,
        tenant,
        auditId: entry.id,
        at: entry.at,
      };
    });
  }

  async byHash(hash: string): Promise<StoredReceipt | undefined> {
    const { rows } = await this.client.query<ReceiptRow>(
      `SELECT ${COLUMNS} FROM soma_audit_log WHERE action = $1 AND (details ->> 'receiptHash') = $2`,
      [ACTION, checkText('receipt hash', hash, MAX_HASH_BYTES)],
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  byJob(jobId: string): Promise<StoredReceipt | undefined> {
    return this.byJobIn(this.client, checkUuid('erasure job id', jobId));
  }

  async head(tenant: string): Promise<ReceiptChainHead | undefined> {
    const { rows } = await this.client.query<{ sequence: string | number; head_hash: string }>(
      'SELECT sequence, head_hash FROM soma_erasure_receipt_heads WHERE tenant_id = $1',
      [checkId('tenant', tenant)],
    );
    const sequence = Number(rows[0]?.sequence ?? 0);
    return sequence > 0 ? { sequence, hash: rows[0]?.head_hash ?? '' } : undefined;
  }

  private async byJobIn(client: SqlClient, jobId: string): Promise<StoredReceipt | undefined> {
    const { rows } = await client.query<ReceiptRow>(
      `SELECT ${COLUMNS} FROM soma_audit_log WHERE action = $1 AND resource = $2`,
      [ACTION, `${RESOURCE}${jobId}`],
    );
    return rows[0] ? toStored(rows[0]) : undefined;
  }
}
