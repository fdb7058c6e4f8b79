import type { MigrationParams, MigrationReport } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { ApiKeys } from './api-keys.js';
import type { AuditLog } from './audit-log.js';
import type { ConfigVersions } from './config-versions.js';
import type { ErasureJobs } from './erasure-jobs.js';
import type { ErasureReceipts } from './erasure-receipts.js';
import type { LegalHolds } from './legal-holds.js';
import type { Outbox } from './outbox.js';
import type { SubjectKeys } from './subject-keys.js';
import type { ToolRegistry } from './tool-registry.js';

/**
 * The records database (PGlite embedded, Postgres in a cluster): every records port over one SQL session,
 * plus transactions spanning several of them (audit rows + outbox rows + state in one commit).
 */
export interface Records {
  readonly audit: AuditLog;
  readonly tools: ToolRegistry;
  readonly outbox: Outbox;
  readonly erasureJobs: ErasureJobs;
  readonly erasureReceipts: ErasureReceipts;
  readonly legalHolds: LegalHolds;
  readonly subjectKeys: SubjectKeys;
  readonly apiKeys: ApiKeys;
  /** Versions of the live configuration per scope (`config.updates`). */
  readonly configVersions: ConfigVersions;
  /** Where the records live, without credentials (for messages). */
  readonly address: string;
  /**
   * Runs `work` in one transaction: `records` are the same ports bound to it, `tx` is the transaction for
   * `outbox.enqueue` and the caller's own SQL. Committed when `work` resolves, rolled back when it throws.
   */
  transaction<T>(work: (records: Records, tx: SqlClient) => Promise<T>): Promise<T>;
  /** Applies pending migrations (see `migrate`); a failing one leaves the schema as it was. */
  migrate(params: MigrationParams): Promise<MigrationReport>;
  /** Closes the underlying SQL session (a no-op inside a transaction). */
  close(): Promise<void>;
}
