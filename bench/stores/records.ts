/**
 * Records throughput on PGlite (in memory) and, with --postgres URL, on a Postgres server (random schema,
 * dropped after). Each port operation is set beside its peer: the same statement as raw SQL on the same
 * driver, so the figure shows the port's own overhead (validation, mapping) rather than the engine's.
 *
 *   npx tsx bench/stores/records.ts [--postgres postgres://postgres@127.0.0.1:5432/test] [--n 500]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const n = Number(arg('--n') ?? 500);
const postgresUrl = arg('--postgres');

interface Row {
  engine: string;
  operation: string;
  count: number;
  ms: number;
  perSecond: number;
}
const rows: Row[] = [];

async function measure(engine: string, operation: string, count: number, work: () => Promise<unknown>) {
  const start = process.hrtime.bigint();
  await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  rows.push({ engine, operation, count, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000) });
}

async function run(engine: string, client: SqlClient): Promise<void> {
  await migrate(client, { dimensions: 8 });
  const records = createRecords(client);
  const tenant = `bench-${randomBytes(3).toString('hex')}`;
  const entry = (i: number) => ({
    tenant,
    subject: `user-${i % 50}`,
    actor: 'system',
    action: 'memory.write',
    resource: `memory:${i}`,
    details: { i },
  });

  await measure(engine, 'raw INSERT audit row (peer)', n, async () => {
    for (let i = 0; i < n; i++) {
      await client.query(
        'INSERT INTO soma_audit_log (at, tenant_id, subject_id, actor, action, resource, details) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)',
        [
          new Date(),
          `${tenant}-raw`,
          `user-${i % 50}`,
          'system',
          'memory.write',
          `memory:${i}`,
          JSON.stringify({ i }),
        ],
      );
    }
  });
  await measure(engine, 'audit.append', n, async () => {
    for (let i = 0; i < n; i++) await records.audit.append(entry(i));
  });
  await measure(engine, 'audit.appendMany (500/stmt)', n * 4, () =>
    records.audit.appendMany(Array.from({ length: n * 4 }, (_, i) => entry(i))),
  );
  await measure(engine, 'audit.query page of 100', 50, async () => {
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await records.audit.query({ tenant, limit: 100, cursor });
      cursor = page.nextCursor;
    }
  });
  await measure(engine, 'audit.pseudonymiseSubject', 1, () =>
    records.audit.pseudonymiseSubject(tenant, 'user-7', 'p-7'),
  );

  const payload = randomBytes(512);
  await measure(engine, 'outbox.enqueue (1 tx)', n * 2, () =>
    records.transaction((_, tx) =>
      records.outbox.enqueue(
        tx,
        Array.from({ length: n * 2 }, (_, i) => ({
          topic: 'conversation.events',
          key: `c-${i % 20}`,
          payload,
          tenant,
        })),
      ),
    ),
  );
  await measure(engine, 'outbox.claimBatch(100) + markSent', n * 2, async () => {
    for (;;) {
      const batch = await records.outbox.claimBatch(100);
      if (batch.length === 0) break;
      await records.outbox.markSent(batch.map((e) => e.id));
    }
  });
  await measure(engine, 'subjectKeys.getOrCreate', 200, async () => {
    for (let i = 0; i < 200; i++) await records.subjectKeys.getOrCreate(tenant, `user-${i}`);
  });
}

const pglite = await openPgliteSqlClient();
try {
  await run('pglite', pglite);
} finally {
  await pglite.close();
}
if (postgresUrl) {
  const schema = `soma_bench_${randomBytes(4).toString('hex')}`;
  const pg = await pgSqlClient({
    url: postgresUrl,
    schema,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 60_000,
  });
  try {
    await run('postgres', pg);
  } finally {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pg.close();
  }
}

console.log(`node ${process.version}; n = ${n}`);
console.log(
  `${'engine'.padEnd(10)} ${'operation'.padEnd(36)} ${'count'.padStart(6)} ${'ms'.padStart(7)} ${'per s'.padStart(8)}`,
);
for (const r of rows) {
  console.log(
    `${r.engine.padEnd(10)} ${r.operation.padEnd(36)} ${String(r.count).padStart(6)} ${String(r.ms).padStart(7)} ${String(r.perSecond).padStart(8)}`,
  );
}
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/records.json`,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, n, results: rows }, null, 2)}\n`,
);
