import { type MigrationParams, type MigrationReport, migrate } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { Records } from './records.js';
import { SqlApiKeys } from './sql-api-keys.js';
import { SqlAuditLog } from './sql-audit-log.js';
import { SqlConfigVersions } from './sql-config-versions.js';
import { SqlErasureJobs } from './sql-erasure-jobs.js';
import { SqlErasureReceipts } from './sql-erasure-receipts.js';
import { SqlLegalHolds } from './sql-legal-holds.js';
import { SqlOutbox } from './sql-outbox.js';
import { SqlSubjectKeys } from './sql-subject-keys.js';
import { SqlToolRegistry } from './sql-tool-registry.js';

/**
 * Every records port over one {@link SqlClient} (PGlite or `pg`; the same SQL serves both). The schema must be
 * migrated first: call `records.migrate(params)` or use `openRecords(config)`. Closing the records closes the
 * client.
 */
export function createRecords(client: SqlClient): Records {
  return {
    audit: new SqlAuditLog(client),
    tools: new SqlToolRegistry(client),
    outbox: new SqlOutbox(client),
    erasureJobs: new SqlErasureJobs(client),
    erasureReceipts: new SqlErasureReceipts(client),
    legalHolds: new SqlLegalHolds(client),
    subjectKeys: new SqlSubjectKeys(client),
    apiKeys: new SqlApiKeys(client),
    configVersions: new SqlConfigVersions(client),
    address: client.address,
    transaction: <T>(work: (records: Records, tx: SqlClient) => Promise<T>): Promise<T> =>
      client.transaction((tx) => work(createRecords(tx), tx)),
    migrate: (params: MigrationParams): Promise<MigrationReport> => migrate(client, params),
    close: () => client.close(),
  };
}
