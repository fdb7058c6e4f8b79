/**
 * Erase time for one subject with 1,000 records per store while the stores hold 10k versus 1M records of
 * other subjects: erasure finds a person by index, so its cost must follow the person's data, not the
 * store's size (goal: ratio ≤ 1.5). Stores measured: records on the Postgres server (audit log, subject key),
 * vector memory on pgvector in PGlite (also where the server has pgvector, so runs stay comparable; the HNSW
 * index is dropped before seeding, since building it over 1M rows in WASM takes far longer than the run, and a
 * DELETE does not touch it), sessions in Redis. Objects (S3) and Kafka are left out: S3Mock cannot hold 1M objects here.
 *
 * Peer, in the same run: finding the same subject by scanning instead of by index (Postgres and PGlite with
 * the subject filter hidden from the index, Redis SCAN over the tenant's session keys) — what erasure would
 * cost if it scaled with the store.
 *
 * Two complete store sets exist side by side, one holding 10k others and one 1M (own Postgres schema, own
 * PGlite, own Redis logical database, so each keyspace holds only its own records), and the repetitions
 * alternate between them: on a shared, busy machine both sizes see the same load. Two warm-up rounds each
 * are not counted.
 *
 *   npx tsx bench/erase/erase-scaling.ts [--postgres URL] [--redis URL] [--redis-dbs 14,15] [--large 1000000]
 *                                        [--small 10000] [--subject 1000] [--reps 7]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { eraseSubject } from '../../src/sdk/governance/erase/index.js';
import type { Stores } from '../../src/sdk/stores/factory.js';
import { createFsObjectStore } from '../../src/sdk/stores/objects/fs-object-store.js';
import { RedisRateLimiter } from '../../src/sdk/stores/rate-limit/redis-rate-limiter.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { RedisKeys } from '../../src/sdk/stores/sessions/redis-keys.js';
import { RedisSessionStore } from '../../src/sdk/stores/sessions/redis-session-store.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { openPgvectorMemory } from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const postgresUrl = arg('--postgres') ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisBaseUrl = arg('--redis') ?? 'redis://127.0.0.1:6379';
/** The Redis URL of logical database `db`. */
const withDb = (url: string, db: number) => {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
};
const SMALL = Number(arg('--small') ?? 10_000);
const LARGE = Number(arg('--large') ?? 1_000_000);
const SUBJECT_RECORDS = Number(arg('--subject') ?? 1000);
const REPS = Number(arg('--reps') ?? 7);
const WARMUP = 2;
const REDIS_DBS = (arg('--redis-dbs') ?? '14,15').split(',').map(Number);
const DIMENSIONS = 8;
const TENANT = 'acme';
const SUBJECT = 'alice';
const OTHER_SUBJECTS = 20_000;
const CHUNK = 100_000;
const settings = {
  receiptKey: 'bench-receipt-key-0123456789abcdef0123456789',
  maxRecords: 1_000_000_000,
  compactedTopics: [],
};

const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

interface Bench {
  stores: Stores;
  records: SqlClient;
  vectors: SqlClient;
  redis: Redis;
  keys: RedisKeys;
  cleanup(): Promise<void>;
}

async function open(label: string, redisDb: number): Promise<Bench> {
  const schema = `soma_erase_bench_${label}_${Date.now().toString(36)}`;
  const keyPrefix = schema;
  const redisUrl = withDb(redisBaseUrl, redisDb);
  const records = await pgSqlClient({
    url: postgresUrl,
    schema,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 600_000,
  });
  await migrate(records, { dimensions: DIMENSIONS });
  const dir = mkdtempSync(join(tmpdir(), 'soma-erase-bench-'));
  const vectors = await openPgliteSqlClient(join(dir, 'pglite'));
  const memory = await openPgvectorMemory(vectors, { dimensions: DIMENSIONS });
  await vectors.exec('DROP INDEX IF EXISTS soma_vector_memory_embedding_idx');
  const timeouts = { connectTimeoutMs: 3000, requestTimeoutMs: 120_000 };
  const sessions = await RedisSessionStore.connect({
    url: redisUrl,
    keyPrefix,
    defaultTtlMs: 3_600_000,
    ...timeouts,
  });
  const rateLimiter = await RedisRateLimiter.connect({ url: redisUrl, keyPrefix, ...timeouts });
  const objects = createFsObjectStore(join(dir, 'objects'));
  await objects.ensureBucket();
  const events = new EmbeddedEventBus({ sql: vectors, retentionIntervalMs: 0 });
  const redis = new Redis(redisUrl);
  const stores: Stores = {
    profile: 'cluster',
    sessions,
    rateLimiter,
    memory,
    records: createRecords(records),
    objects,
    events,
    sql: records,
    close: async () => {},
  };
  return {
    stores,
    records,
    vectors,
    redis,
    keys: new RedisKeys(keyPrefix),
    async cleanup() {
      await unlinkMatching(redis, `${keyPrefix}:*`);
      redis.disconnect();
      for (const store of [sessions, rateLimiter, memory, objects, events]) await store.close();
      await records.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await records.close();
      await vectors.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

/** Adds others `from..to` (1-based, inclusive) to every store with bulk SQL and Redis pipelines. */
async function seedOthers(b: Bench, group: string, from: number, to: number): Promise<void> {
  for (let lo = from; lo <= to; lo += CHUNK) {
    const hi = Math.min(to, lo + CHUNK - 1);
    await b.records.query(
      `INSERT INTO soma_audit_log (at, tenant_id, subject_id, actor, action, resource, details)
       SELECT now() - make_interval(secs => g), $1, $2 || (g % ${OTHER_SUBJECTS}), 'gateway', 'session.start',
              'session:' || g, '{}'::jsonb
         FROM generate_series($3::int, $4::int) g`,
      [TENANT, `${group}-`, lo, hi],
    );
    await b.vectors.query(
      `INSERT INTO soma_vector_memory (tenant_id, id, subject_id, text, metadata, created_at, embedding)
       SELECT $1, $2 || g, $2 || (g % ${OTHER_SUBJECTS}), 'remembered text number ' || g, '{}'::jsonb, now(),
              array_fill(((g % 97) + 1)::real, ARRAY[${DIMENSIONS}])::vector
         FROM generate_series($3::int, $4::int) g`,
      [TENANT, `${group}-`, lo, hi],
    );
    const now = Date.now();
    for (let batch = lo; batch <= hi; batch += 5000) {
      const pipeline = b.redis.pipeline();
      for (let i = batch; i <= Math.min(hi, batch + 4999); i++) {
        const subject = `${group}-${i % OTHER_SUBJECTS}`;
        const id = `${group}-s${i}`;
        pipeline.set(
          b.keys.session(TENANT, id),
          `{"c":${now},"u":${now},"e":${now + 3_600_000},"sk":"${subject}","state":{"turn":${i}}}`,
          'PX',
          3_600_000,
        );
        pipeline.sadd(b.keys.subjectSessions(TENANT, subject), id);
      }
      await pipeline.exec();
    }
    log(`  others ${group}: ${hi} seeded`);
  }
  const expire = b.redis.pipeline();
  for (let s = 0; s < OTHER_SUBJECTS; s++)
    expire.pexpire(b.keys.subjectSessions(TENANT, `${group}-${s}`), 3_600_000);
  await expire.exec();
  await b.records.query('ANALYZE soma_audit_log');
  await b.vectors.query('ANALYZE soma_vector_memory');
}

/** The subject's 1,000 records per store, through the ports (what the product writes). */
async function seedSubject(b: Bench): Promise<void> {
  const { stores } = b;
  for (let i = 0; i < SUBJECT_RECORDS; i += 500) {
    const n = Math.min(500, SUBJECT_RECORDS - i);
    await stores.records.audit.appendMany(
      Array.from({ length: n }, (_, j) => ({
        tenant: TENANT,
        subject: SUBJECT,
        actor: 'gateway',
        action: 'session.start',
        resource: `session:${i + j}`,
      })),
    );
    await stores.memory.upsert(
      Array.from({ length: n }, (_, j) => ({
        id: `alice-m${i + j}`,
        tenant: TENANT,
        subject: SUBJECT,
        text: `alice remembers ${i + j}`,
        embedding: Array.from({ length: DIMENSIONS }, (_, k) => ((i + j + k) % 7) + 1),
      })),
    );
    await stores.sessions.setMany(
      Array.from({ length: n }, (_, j) => ({
        tenant: TENANT,
        subject: SUBJECT,
        sessionId: `alice-s${i + j}`,
        state: { turn: i + j },
      })),
    );
  }
  await stores.records.subjectKeys.getOrCreate(TENANT, SUBJECT);
}

/** Finds the subject's data by scanning (the peer): hides the subject filter from every index. */
async function scanPeer(b: Bench): Promise<number> {
  const start = process.hrtime.bigint();
  const audit = await b.records.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM soma_audit_log WHERE (tenant_id || ':' || coalesce(subject_id, '')) = $1",
    [`${TENANT}:${SUBJECT}`],
  );
  const vectors = await b.vectors.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM soma_vector_memory WHERE (tenant_id || ':' || subject_id) = $1",
    [`${TENANT}:${SUBJECT}`],
  );
  let sessions = 0;
  let cursor = '0';
  do {
    const [next, keys] = await b.redis.scan(
      cursor,
      'MATCH',
      `${b.keys.session(TENANT, 'alice-')}*`,
      'COUNT',
      10_000,
    );
    sessions += keys.length;
    cursor = next;
  } while (cursor !== '0');
  const found = Number(audit.rows[0]?.n) + Number(vectors.rows[0]?.n) + sessions;
  if (found !== 3 * SUBJECT_RECORDS)
    throw new Error(`scan peer found ${found}, expected ${3 * SUBJECT_RECORDS}`);
  return ms(start);
}

interface Sample {
  eraseMs: number;
  planMs: number;
  stepsMs: Record<string, number>;
  peerScanMs: number;
}

/** One timed erasure of the subject (seeded first), with the scan peer. */
async function sample(b: Bench, label: string): Promise<Sample> {
  await seedSubject(b);
  const peerScanMs = await scanPeer(b);
  const started: Record<string, bigint> = {};
  const stepsMs: Record<string, number> = {};
  let planMs = 0;
  const start = process.hrtime.bigint();
  const result = await eraseSubject(b.stores, { tenant: TENANT, subject: SUBJECT }, settings, {
    onProgress: (p) => {
      const name = p.step ?? p.phase;
      if (p.index === 1 && p.status === 'running') planMs = ms(start);
      if (p.status === 'running') started[name] = process.hrtime.bigint();
      if (p.status === 'done') stepsMs[name] = Math.round(ms(started[name] as bigint) * 10) / 10;
    },
  });
  const eraseMs = ms(start);
  if (result.status !== 'erased')
    throw new Error(`erasure left residue: ${JSON.stringify(result.verification.residue)}`);
  const { before } = result;
  if (
    before.audit !== SUBJECT_RECORDS ||
    before.vectors !== SUBJECT_RECORDS ||
    before.sessions !== SUBJECT_RECORDS
  ) {
    throw new Error(`unexpected plan: ${JSON.stringify(before)}`);
  }
  log(
    `  ${label}: erase ${Math.round(eraseMs)} ms (plan ${Math.round(planMs)} ms), scan peer ${Math.round(peerScanMs)} ms`,
  );
  return {
    eraseMs: Math.round(eraseMs),
    planMs: Math.round(planMs),
    stepsMs,
    peerScanMs: Math.round(peerScanMs),
  };
}

const summary = (samples: Sample[]) => ({
  eraseMsMedian: median(samples.map((s) => s.eraseMs)),
  eraseMsMin: Math.min(...samples.map((s) => s.eraseMs)),
  planMsMedian: median(samples.map((s) => s.planMs)),
  peerScanMsMedian: median(samples.map((s) => s.peerScanMs)),
  stepsMsMedian: Object.fromEntries(
    Object.keys(samples[0]?.stepsMs ?? {}).map((k) => [k, median(samples.map((s) => s.stepsMs[k] ?? 0))]),
  ),
  samples,
});

const small = await open('small', REDIS_DBS[0] as number);
const large = await open('large', REDIS_DBS[1] as number);
try {
  let start = process.hrtime.bigint();
  log(`seeding ${SMALL} others (small set)`);
  await seedOthers(small, 'other', 1, SMALL);
  const smallSeedMs = Math.round(ms(start));
  start = process.hrtime.bigint();
  log(`seeding ${LARGE} others (large set)`);
  await seedOthers(large, 'other', 1, LARGE);
  const largeSeedMs = Math.round(ms(start));

  for (let i = 0; i < WARMUP; i++) {
    await sample(small, `warm-up ${SMALL}`);
    await sample(large, `warm-up ${LARGE}`);
  }
  const smallSamples: Sample[] = [];
  const largeSamples: Sample[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate the order, so neither size always runs first.
    const order = rep % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
    for (const which of order) {
      if (which === 'small') smallSamples.push(await sample(small, `rep ${rep + 1} ${SMALL}`));
      else largeSamples.push(await sample(large, `rep ${rep + 1} ${LARGE}`));
    }
  }
  const phases = {
    small: { others: SMALL, seedMs: smallSeedMs, ...summary(smallSamples) },
    large: { others: LARGE, seedMs: largeSeedMs, ...summary(largeSamples) },
  };
  const pairRatios = largeSamples.map(
    (l, i) => Math.round((l.eraseMs / (smallSamples[i]?.eraseMs ?? 1)) * 100) / 100,
  );
  const ratio = (key: 'eraseMsMedian' | 'peerScanMsMedian') =>
    Math.round((phases.large[key] / phases.small[key]) * 100) / 100;
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 10) / 10) },
    setup: {
      subjectRecordsPerStore: SUBJECT_RECORDS,
      reps: REPS,
      warmUpRounds: WARMUP,
      stores: {
        records: 'Postgres server (audit log rows; subject key), one schema per set',
        vectors: 'pgvector on PGlite, one instance per set; HNSW index dropped before seeding',
        sessions: `Redis (session keys + per-subject index sets), logical databases ${REDIS_DBS.join(' and ')}`,
        notMeasured:
          'objects (S3Mock cannot hold 1M objects here), Kafka tombstones (no compacted topic configured)',
      },
      otherSubjects: OTHER_SUBJECTS,
      measured:
        'eraseSubject: plan + every step + verification + signed receipt, one subject, 1k records per store',
      interleaving:
        'both sets open at once; repetitions alternate small/large so both see the same machine load',
      peer: 'finding the same subject by scan (index hidden from Postgres and PGlite; Redis SCAN of the session keys)',
    },
    phases,
    ratios: {
      eraseLargeOverSmall: ratio('eraseMsMedian'),
      erasePairedMedian: median(pairRatios),
      erasePaired: pairRatios,
      peerScanLargeOverSmall: ratio('peerScanMsMedian'),
      goal: '≤ 1.5 for erase',
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/erase-scaling.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    JSON.stringify(
      {
        phases: Object.fromEntries(
          Object.entries(phases).map(([k, v]) => [
            k,
            {
              others: v.others,
              seedMs: v.seedMs,
              eraseMsMedian: v.eraseMsMedian,
              peerScanMsMedian: v.peerScanMsMedian,
              steps: v.stepsMsMedian,
            },
          ]),
        ),
        ratios: out.ratios,
      },
      null,
      2,
    ),
  );
} finally {
  await small.cleanup();
  await large.cleanup();
}
