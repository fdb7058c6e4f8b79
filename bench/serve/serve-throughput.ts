/**
 * `somaagent serve` turns per second and p50/p99 latency at 1, 16 and 64 concurrent clients, embedded and
 * cluster profiles, offline model, against the architecture's floor measured in the same run: a bare
 * HTTP → gRPC echo built with the same frameworks (bench/serve/echo-floor.ts). Also the resident memory of
 * `serve` idle and under load (peak VmRSS sampled every 100 ms), and the CPU time each process spends per
 * request (serve or the floor, this load generator, and in the cluster profile the Postgres backends of its
 * database, Redis, Kafka and S3), which shows where a turn's cost lands on the machine's cores.
 *
 *   npm run build && eval "$(bash scripts/services.sh env)"
 *   npx tsx bench/serve/serve-throughput.ts [--seconds 10] [--profiles embedded,cluster] [--cpu-prof DIR]
 *
 * Each client owns one conversation and sends "hello" turns (the offline model answers from memory: a
 * full turn with session load, memory recall, audit + outbox rows, session write, relay to the event bus).
 * The cluster profile uses Redis, S3, Kafka and the Postgres server (records, audit, outbox and, with
 * pgvector, long-term memory: a fresh database, dropped afterwards) from the services script. Only when that
 * server lacks pgvector does memory go to a PGlite socket server in its own process (`vector.postgresUrl`),
 * and the result says so.
 * Results: bench/results/serve-throughput.json. Goal (cluster): ≥ 0.3 of the floor's throughput.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiKey } from '../../src/sdk/auth/api-keys.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { type LoadResult, runLoad } from './load.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? (process.argv[at + 1] as string) : fallback;
};
const seconds = Number(arg('seconds', '10'));
const profiles = arg('profiles', 'embedded,cluster').split(',');
const CONCURRENCY = [1, 16, 64];
// `--cpu-prof DIR` writes a V8 CPU profile of each serve process into DIR (for finding where a turn's time goes).
const cpuProfDir = arg('cpu-prof', '');
const profileFlags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];

interface Started {
  child: ChildProcess;
  line: Record<string, unknown>;
}

function start(command: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c) => {
    err = (err + c).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, line: JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/**
 * CPU time (user + system, ms) used so far by the processes that do a request's work, by role: `serve` (or
 * the floor), `loadgen` (this process: the HTTP clients), `postgres` (backends of `database`), `redis`,
 * `kafka`, `s3`, `standin`. Read from /proc, so it counts every thread (GC, libuv) of each process.
 */
function cpuByRole(pids: { serve: number; standin?: number }, database?: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (role: string, ms: number) => out.set(role, (out.get(role) ?? 0) + ms);
  const tick = 1000 / 100; // USER_HZ
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let stat: string;
    let cmdline: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (pid === pids.serve) add('serve', ms);
    else if (pid === pids.standin) add('standin', ms);
    else if (pid === process.pid) add('loadgen', ms);
    else if (database && cmdline.startsWith('postgres: ') && cmdline.includes(` ${database} `))
      add('postgres', ms);
    else if (name === 'redis-server') add('redis', ms);
    else if (name === 'java' && cmdline.includes('kafka.Kafka')) add('kafka', ms);
    else if (name === 'java' && cmdline.includes('s3mock')) add('s3', ms);
  }
  return out;
}

type Measured = {
  label: string;
  rssIdleMb: number;
  rssPeakMb: number;
  runs: Array<LoadResult & { cpuMsPerRequest: Record<string, number> }>;
};

async function measure(
  label: string,
  pid: number,
  setup: (client: number) => Promise<(i: number) => Promise<boolean>>,
  cpu: () => Map<string, number> = () => cpuByRole({ serve: pid }),
): Promise<Measured> {
  const clients = await Promise.all(Array.from({ length: Math.max(...CONCURRENCY) }, (_, c) => setup(c)));
  await runLoad(4, 2000, (c, i) => (clients[c] as (i: number) => Promise<boolean>)(i)); // warm-up
  await new Promise((r) => setTimeout(r, 1000));
  const rssIdleMb = rssMb(pid);
  let rssPeakMb = rssIdleMb;
  const sampler = setInterval(() => {
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
  }, 100);
  const runs: Measured['runs'] = [];
  for (const concurrency of CONCURRENCY) {
    const before = cpu();
    const result = await runLoad(concurrency, seconds * 1000, (c, i) =>
      (clients[c] as (i: number) => Promise<boolean>)(i),
    );
    const after = cpu();
    const cpuMsPerRequest: Record<string, number> = {};
    for (const [role, ms] of after) {
      const used = (ms - (before.get(role) ?? 0)) / Math.max(1, result.requests);
      if (used > 0) cpuMsPerRequest[role] = Number(used.toFixed(2));
    }
    runs.push({ ...result, cpuMsPerRequest });
    const cpuText = Object.entries(cpuMsPerRequest)
      .map(([role, ms]) => `${role} ${ms}`)
      .join(', ');
    console.log(
      `${label.padEnd(9)} c=${String(concurrency).padStart(2)}  ${String(result.perSecond).padStart(8)}/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  errors ${result.errors}  CPU ms/request: ${cpuText}`,
    );
  }
  clearInterval(sampler);
  return { label, rssIdleMb: Number(rssIdleMb.toFixed(1)), rssPeakMb: Number(rssPeakMb.toFixed(1)), runs };
}

async function serveClients(url: string, key: string) {
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  return async () => {
    const created = await fetch(new URL('/v1/conversations', url), { method: 'POST', headers, body: '{}' });
    const { id } = (await created.json()) as { id: string };
    const target = new URL(`/v1/conversations/${id}/messages`, url);
    return async () => {
      const response = await fetch(target, { method: 'POST', headers, body: '{"text":"hello"}' });
      await response.arrayBuffer();
      return response.status === 200;
    };
  };
}

const results: Record<string, unknown>[] = [];
let dropDatabase = async () => {};
let vectorPath = 'not measured';
const procs: ChildProcess[] = [];
try {
  // 1. The floor.
  const floor = await start(process.execPath, ['--import', 'tsx', 'bench/serve/echo-floor.ts']);
  procs.push(floor.child);
  const floorUrl = new URL('/echo', floor.line.url as string);
  results.push(
    await measure('floor', floor.child.pid as number, async () => async () => {
      const response = await fetch(floorUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"text":"hello"}',
      });
      await response.arrayBuffer();
      return response.status === 200;
    }),
  );
  await stop(floor.child);

  // 2. serve, embedded.
  if (profiles.includes('embedded')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-bench-serve-'));
    const serve = await start(
      process.execPath,
      [...profileFlags, 'bin/run.js', 'serve', '--port', '0', '--json', '--data-dir', dataDir],
      {
        SOMA_SERVER_RATE_LIMIT: '1000000',
        SOMA_LOG_LEVEL: 'warn',
      },
    );
    procs.push(serve.child);
    const clients = await serveClients(serve.line.url as string, serve.line.bootstrapKey as string);
    results.push(await measure('embedded', serve.child.pid as number, () => clients()));
    await stop(serve.child);
  }

  // 3. serve, cluster.
  if (profiles.includes('cluster')) {
    const serverUrl = process.env.SOMA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const database = `soma_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const { rowCount } = await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    const standin =
      rowCount === 0
        ? await start(process.execPath, ['--import', 'tsx', 'bench/serve/pgvector-standin.ts'])
        : undefined;
    if (standin) procs.push(standin.child);
    vectorPath = standin
      ? 'PGlite socket server in its own process (the Postgres server lacks pgvector)'
      : 'pgvector on the Postgres server (same database as the records)';
    await admin.query(`CREATE DATABASE ${database}`);
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    };
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    const postgresUrl = url.toString();
    const serve = await start(
      process.execPath,
      [...profileFlags, 'bin/run.js', 'serve', '--port', '0', '--json'],
      {
        SOMA_PROFILE: 'cluster',
        SOMA_POSTGRES_URL: postgresUrl,
        ...(standin ? { SOMA_VECTOR_POSTGRES_URL: standin.line.url as string } : {}),
        SOMA_REDIS_URL: process.env.SOMA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        SOMA_REDIS_KEY_PREFIX: `bench_${Date.now().toString(36)}`,
        SOMA_S3_ENDPOINT: process.env.SOMA_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:9090',
        SOMA_S3_BUCKET: `bench-${Date.now().toString(36)}`,
        SOMA_S3_ACCESS_KEY_ID: process.env.SOMA_TEST_S3_ACCESS_KEY ?? 'test',
        SOMA_S3_SECRET_ACCESS_KEY: process.env.SOMA_TEST_S3_SECRET_KEY ?? 'test',
        SOMA_KAFKA_BROKERS: process.env.SOMA_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
        SOMA_SERVER_RATE_LIMIT: '1000000',
        SOMA_LOG_LEVEL: 'warn',
      },
    );
    procs.push(serve.child);
    const sql = await pgSqlClient({ url: postgresUrl, connectTimeoutMs: 5000, requestTimeoutMs: 30_000 });
    const { key } = await createApiKey(sql, { tenant: 'bench', subject: 'load' });
    await sql.close();
    const clients = await serveClients(serve.line.url as string, key);
    results.push(
      await measure(
        'cluster',
        serve.child.pid as number,
        () => clients(),
        () => cpuByRole({ serve: serve.child.pid as number, standin: standin?.child.pid }, database),
      ),
    );
    await stop(serve.child);
    if (standin) await stop(standin.child);
  }
} finally {
  for (const child of procs) await stop(child).catch(() => {});
  await dropDatabase().catch(() => {});
}

const floorRuns = (results[0] as { runs: LoadResult[] }).runs;
const ratios = results.slice(1).map((r) => ({
  profile: r.label,
  ratioToFloor: (r.runs as LoadResult[]).map((run, i) => ({
    concurrency: run.concurrency,
    ratio: Number((run.perSecond / (floorRuns[i]?.perSecond ?? Number.NaN)).toFixed(3)),
  })),
}));
console.log(JSON.stringify(ratios));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/serve-throughput.json'),
  `${JSON.stringify({ date: new Date().toISOString(), seconds, clusterVectors: vectorPath, results, ratios, goal: 'cluster ≥ 0.3 of the floor' }, null, 2)}\n`,
);
