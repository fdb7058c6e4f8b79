/**
 * Top-k cosine search of the pgvector VectorMemory with its HNSW index: latency (p50/p99 over `--queries`
 * searches through the adapter) and recall@k against exact search (brute force in JS over the same vectors),
 * plus load rate, index build time and exact SQL search (index disabled) for scale.
 *
 * Paths: PGlite embedded (data directory in a temp dir), and the `pg` driver: against the Postgres server of
 * `--pg-url` when it has pgvector (`scripts/services.sh up` installs it; a random schema, dropped afterwards),
 * otherwise against PGlite's socket server over the same data (labelled so: that measures the driver and wire
 * protocol, not a Postgres server). Both paths also run with ef_search 100.
 *
 * Data: `--clusters` Gaussian clusters. Each centroid is a random unit vector; each point is its centroid plus
 * isotropic Gaussian noise of total norm ≈ `--spread` (per-dimension σ = spread/√dims), normalised. Queries are
 * fresh points from the same distribution. Seeded (mulberry32, Box–Muller), so runs are repeatable.
 *
 *   npx tsx bench/stores/vector-search.ts [--n 100000] [--dims 384] [--queries 200] [--k 10] [--clusters 100]
 *     [--spread 0.6] [--tenants 1] [--seed 42] [--pg-url postgres://postgres@127.0.0.1:5432/test]
 *     [--out bench/results/vector-search.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { renderTable } from '../../src/cli/render.js';
import { openPglite } from '../../src/sdk/engines/pglite.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { pgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import {
  openPgvectorMemory,
  PgvectorVectorMemory,
  VECTOR_MEMORY_TABLE,
} from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';
import type { MemoryRecord, VectorMemory } from '../../src/sdk/stores/vector-memory/vector-memory.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const n = Number(arg('--n', '100000'));
const dims = Number(arg('--dims', '384'));
const queryCount = Number(arg('--queries', '200'));
const k = Number(arg('--k', '10'));
const clusters = Number(arg('--clusters', '100'));
const spread = Number(arg('--spread', '0.6'));
const tenants = Number(arg('--tenants', '1'));
const seed = Number(arg('--seed', '42'));
const pgUrl = arg('--pg-url', 'postgres://postgres@127.0.0.1:5432/test');
const out = arg('--out', join(root, 'bench/results/vector-search.json'));
const INDEX = `${VECTOR_MEMORY_TABLE}_embedding_idx`;
const BATCH = 1000;
const EXACT_SQL_QUERIES = 10;
const WIDE_EF = 100;

const log = (line: string) => console.log(`[vector-search] ${line}`);
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(seed);
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function normalise(out: Float32Array, offset: number): void {
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += (out[offset + i] as number) ** 2;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) out[offset + i] = (out[offset + i] as number) * scale;
}

/** `count` unit vectors drawn from the cluster mixture. */
function sample(count: number, centroids: Float32Array): Float32Array {
  const vectors = new Float32Array(count * dims);
  const sigma = spread / Math.sqrt(dims);
  for (let p = 0; p < count; p++) {
    const c = Math.floor(random() * clusters);
    for (let i = 0; i < dims; i++)
      vectors[p * dims + i] = (centroids[c * dims + i] as number) + sigma * gaussian();
    normalise(vectors, p * dims);
  }
  return vectors;
}

const centroids = new Float32Array(clusters * dims).map(() => gaussian());
for (let c = 0; c < clusters; c++) normalise(centroids, c * dims);
const data = sample(n, centroids);
const queries = sample(queryCount, centroids);
const tenantOf = (i: number) => `tenant-${i % tenants}`;
const vectorOf = (set: Float32Array, i: number) => set.subarray(i * dims, (i + 1) * dims);

/** Exact top-k by dot product (all vectors are unit length, so this is cosine), within the query's tenant. */
function exactTopK(q: number): string[] {
  const query = vectorOf(queries, q);
  const best: Array<{ i: number; s: number }> = [];
  for (let i = q % tenants; i < n; i += tenants) {
    let s = 0;
    const base = i * dims;
    for (let d = 0; d < dims; d++) s += (data[base + d] as number) * (query[d] as number);
    if (best.length < k || s > (best[best.length - 1] as { s: number }).s) {
      let at = best.length < k ? best.length : k - 1;
      while (at > 0 && (best[at - 1] as { s: number }).s < s) {
        best[at] = best[at - 1] as { i: number; s: number };
        at--;
      }
      best[at] = { i, s };
    }
  }
  return best.map((b) => `m${b.i}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

function summarise(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5), 3),
    p99: round(percentile(sorted, 0.99), 3),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 3),
    max: round(sorted.at(-1) ?? 0, 3),
  };
}

const loadAtStart = loadavg().map((value) => round(value, 2));
log(
  `data: ${n} × ${dims}-d unit vectors, ${clusters} Gaussian clusters (noise norm ${spread}), ${tenants} tenant(s), seed ${seed}`,
);
const started = process.hrtime.bigint();
const exact = Array.from({ length: queryCount }, (_, q) => exactTopK(q));
const bruteForceMs = (seconds(started) * 1000) / queryCount;
log(`exact answers by brute force in JS: ${round(bruteForceMs, 2)} ms per query`);

/** Loads the vectors through the adapter in batches of one transaction each (multi-row INSERTs). */
async function load(store: VectorMemory): Promise<number> {
  const now = Date.now();
  const begin = process.hrtime.bigint();
  for (let start = 0; start < n; start += BATCH) {
    const records: MemoryRecord[] = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      records.push({
        id: `m${i}`,
        tenant: tenantOf(i),
        subject: `subject-${i % 1000}`,
        text: `memory ${i}`,
        embedding: vectorOf(data, i),
        createdAt: new Date(now - (i % 90) * 86_400_000),
      });
    }
    await store.upsert(records);
    if ((start / BATCH) % 20 === 19) log(`  loaded ${start + BATCH}`);
  }
  return seconds(begin);
}

async function buildIndex(client: SqlClient): Promise<number> {
  // The graph of 100k × 384 needs a few hundred MB; below that pgvector builds far more slowly.
  await client.exec("SET maintenance_work_mem = '1GB'");
  const begin = process.hrtime.bigint();
  await client.exec(
    `CREATE INDEX ${INDEX} ON ${VECTOR_MEMORY_TABLE} USING hnsw (embedding vector_cosine_ops)`,
  );
  const took = seconds(begin);
  await client.exec(`ANALYZE ${VECTOR_MEMORY_TABLE}`);
  return took;
}

async function searchLatencies(store: VectorMemory) {
  for (let q = 0; q < Math.min(10, queryCount); q++) {
    await store.search({ tenant: tenantOf(q), vector: vectorOf(queries, q), topK: k });
  }
  const latencies: number[] = [];
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const begin = process.hrtime.bigint();
    const result = await store.search({ tenant: tenantOf(q), vector: vectorOf(queries, q), topK: k });
    latencies.push(seconds(begin) * 1000);
    const truth = new Set(exact[q]);
    hits += result.filter((hit) => truth.has(hit.record.id)).length;
  }
  return { latencyMs: summarise(latencies), recallAtK: round(hits / (queryCount * k), 4) };
}

async function exactSqlMs(client: SqlClient): Promise<number> {
  const latencies: number[] = [];
  for (let q = 0; q < Math.min(EXACT_SQL_QUERIES, queryCount); q++) {
    const begin = process.hrtime.bigint();
    await client.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_indexscan = off');
      await tx.query(
        `SELECT id FROM ${VECTOR_MEMORY_TABLE} WHERE tenant_id = $2 ORDER BY embedding <=> $1::vector LIMIT $3`,
        [`[${Array.from(vectorOf(queries, q)).join(',')}]`, tenantOf(q), k],
      );
    });
    latencies.push(seconds(begin) * 1000);
  }
  return summarise(latencies).p50;
}

async function plan(client: SqlClient): Promise<string> {
  const rows = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT id FROM ${VECTOR_MEMORY_TABLE} WHERE tenant_id = $2 ORDER BY embedding <=> $1::vector LIMIT 10`,
    [`[${Array.from(vectorOf(queries, 0)).join(',')}]`, tenantOf(0)],
  );
  return rows.rows.map((row) => row['QUERY PLAN']).join(' | ');
}

type Result = Record<string, unknown> & { path: string };
const results: Result[] = [];

async function measure(
  path: string,
  driver: string,
  store: VectorMemory,
  client: SqlClient,
  extra: Partial<Result>,
) {
  log(`${path}: ${queryCount} searches (top-${k})`);
  const search = await searchLatencies(store);
  // Exact SQL does not depend on ef_search: measured once per path.
  const wide = extra.efSearch !== undefined;
  if (!wide) log(`${path}: exact SQL search with the index disabled (${EXACT_SQL_QUERIES} queries)`);
  const exactSql = wide ? null : round(await exactSqlMs(client), 1);
  const usesIndex = (await plan(client)).includes(INDEX);
  results.push({
    path,
    driver,
    efSearch: Math.max(40, k),
    ...extra,
    ...search,
    exactSqlP50Ms: exactSql,
    planUsesHnsw: usesIndex,
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'soma-vector-bench-'));
let db: PGlite | undefined;
try {
  db = await openPglite(dataDir);
  const embedded = pgliteSqlClient(db, `pglite ${dataDir}`);
  const store = await openPgvectorMemory(embedded, { dimensions: dims });
  await embedded.exec(`DROP INDEX ${INDEX}`);
  log(`PGlite embedded: loading ${n} records`);
  const loadS = await load(store);
  log(`PGlite embedded: building the HNSW index (m=16, ef_construction=64)`);
  const buildS = await buildIndex(embedded);
  const stats = await store.stats();
  const wider = new PgvectorVectorMemory(embedded, { dimensions: dims, migrate: false, efSearch: WIDE_EF });
  await wider.init();
  await measure('PGlite embedded', 'pglite', store, embedded, {
    loadSeconds: round(loadS, 1),
    loadRowsPerSecond: Math.round(n / loadS),
    indexBuildSeconds: round(buildS, 1),
    tableBytes: stats.bytes,
    hnswIndexBytes: stats.details.hnswIndexBytes,
  });
  await measure(`PGlite embedded, ef_search ${WIDE_EF}`, 'pglite', wider, embedded, { efSearch: WIDE_EF });

  // The server path: a real Postgres with pgvector if --pg-url has one, else the pg driver over PGlite's socket.
  let serverNote: string;
  let serverVersions: { pg: string; vector: string } | undefined;
  const probe = await pgSqlClient({ url: pgUrl, connectTimeoutMs: 3_000, requestTimeoutMs: 600_000 }).catch(
    () => undefined,
  );
  const hasPgvector = probe
    ? await probe
        .query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        .then((r) => r.rows.length > 0)
        .catch(() => false)
    : false;
  if (hasPgvector && probe) {
    const schema = `bench_vector_${Date.now().toString(36)}`;
    const server = await pgSqlClient({
      url: pgUrl,
      schema,
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 600_000,
    });
    try {
      const serverStore = await openPgvectorMemory(server, { dimensions: dims });
      await server.exec(`DROP INDEX ${INDEX}`);
      const serverLoad = await load(serverStore);
      const serverBuild = await buildIndex(server);
      const serverStats = await serverStore.stats();
      const serverWider = new PgvectorVectorMemory(server, {
        dimensions: dims,
        migrate: false,
        efSearch: WIDE_EF,
      });
      await serverWider.init();
      await measure(`Postgres server ${server.address}`, 'pg', serverStore, server, {
        loadSeconds: round(serverLoad, 1),
        loadRowsPerSecond: Math.round(n / serverLoad),
        indexBuildSeconds: round(serverBuild, 1),
        tableBytes: serverStats.bytes,
        hnswIndexBytes: serverStats.details.hnswIndexBytes,
      });
      await measure(`Postgres server ${server.address}, ef_search ${WIDE_EF}`, 'pg', serverWider, server, {
        efSearch: WIDE_EF,
      });
      serverVersions = (
        await server.query<{ pg: string; vector: string }>(
          "SELECT current_setting('server_version') AS pg, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector",
        )
      ).rows[0];
      serverNote = `Postgres server at ${server.address} with pgvector ${serverVersions?.vector ?? '?'}`;
    } finally {
      await server.exec(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await server.close();
    }
  } else {
    serverNote = `Postgres server at ${pgUrl.replace(/\/\/[^@]*@/, '//')} ${probe ? 'has no pgvector' : 'is unreachable'}: the pg driver path was measured against PGlite's socket server over the same data (wire protocol + driver, not a Postgres server)`;
    log(serverNote);
    const socket = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await socket.start();
    const viaPg = await pgSqlClient({
      url: `postgres://postgres@${socket.getServerConn()}/postgres`,
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 600_000,
      maxConnections: 1,
    });
    try {
      const pgStore = new PgvectorVectorMemory(viaPg, { dimensions: dims, migrate: false });
      await pgStore.init();
      await measure('pg driver → PGlite socket server', 'pg', pgStore, viaPg, {});
    } finally {
      await viaPg.close();
      await socket.stop();
    }
  }
  await probe?.close();

  const versions = (
    await embedded.query<{ pg: string; vector: string }>(
      "SELECT current_setting('server_version') AS pg, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector",
    )
  ).rows[0];
  const pglite = JSON.parse(
    readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ).version;

  console.log(
    renderTable(
      [
        'path',
        'load rows/s',
        'HNSW build s',
        'ef_search',
        `top-${k} p50 ms`,
        'p99 ms',
        `recall@${k}`,
        'exact SQL p50 ms',
        'plan',
      ],
      results.map((r) => [
        r.path,
        (r.loadRowsPerSecond as number | undefined) ?? null,
        (r.indexBuildSeconds as number | undefined) ?? null,
        r.efSearch as number,
        (r.latencyMs as { p50: number }).p50,
        (r.latencyMs as { p99: number }).p99,
        r.recallAtK as number,
        r.exactSqlP50Ms as number | null,
        r.planUsesHnsw ? 'HNSW' : 'no index',
      ]),
    ),
  );
  console.log(`brute force in JS (exact, peer baseline): ${round(bruteForceMs, 2)} ms per query`);
  console.log(
    `load average at start ${loadAtStart.join(' ')}, at end ${loadavg()
      .map((v) => round(v, 2))
      .join(' ')} (${cpus().length} CPUs)`,
  );
  console.log(serverNote);

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        machine: {
          cpus: cpus().length,
          memoryGiB: round(totalmem() / 2 ** 30, 1),
          // 1/5/15-minute load averages: other work on a shared machine inflates every figure here.
          loadAverageAtStart: loadAtStart.join(' '),
          loadAverageAtEnd: loadavg()
            .map((value) => round(value, 2))
            .join(' '),
        },
        versions: {
          pglite,
          postgres: versions?.pg,
          pgvector: versions?.vector,
          ...(serverVersions
            ? { server: { postgres: serverVersions.pg, pgvector: serverVersions.vector } }
            : {}),
        },
        params: { n, dims, queries: queryCount, k, clusters, spread, tenants, seed, batch: BATCH },
        generator: `${clusters} Gaussian clusters: random unit centroids, point = centroid + N(0, (${spread}/√${dims})²·I), normalised; queries drawn the same way; mulberry32(${seed}) + Box–Muller`,
        index: {
          type: 'hnsw',
          opclass: 'vector_cosine_ops',
          m: 16,
          efConstruction: 64,
          efSearch: Math.max(40, k),
        },
        recallReference: 'exact top-k by brute force in JS over the same float32 vectors',
        bruteForceJsMsPerQuery: round(bruteForceMs, 2),
        serverPath: serverNote,
        results,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${out}`);
} finally {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
}
