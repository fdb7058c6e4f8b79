/**
 * Session set/get throughput of the Redis SessionStore (batches through setMany/getMany, several batches in
 * flight) against `redis-benchmark -t set,get -P 16` on the same server, with the same value size, in the
 * same run (redis-benchmark before and after the adapter; their mean is the peer). Goal: ≥ 0.5× its rate.
 * The peer runs with `-r <sessions>`, so it spreads over as many distinct keys as the adapter writes (without
 * -r it writes and reads the one key `key:__rand_int__`, a smaller and always-cached working set; that
 * figure is reported too, labelled, but is not the peer). Its keys `key:000000000000`… are written before it
 * runs, so its GETs find values as the adapter's do (the keyspace hit rate of its GETs is reported).
 * Also measured, against the same peer: overwrites of live sessions (the usual write of a running
 * conversation), one call per session, and ioredis without the adapter: SET PX alone, the SET NX GET +
 * SADD + PEXPIRE pipeline a native-command write would need (no subject check: its ceiling), and MGET;
 * and the least native writes hand-encoded on a bare connection (resp-pipe.ts), without any client library.
 *
 *   npx tsx bench/stores/redis-sessions.ts [--url redis://127.0.0.1:6379] [-n 100000] [--batch 100]
 *     [--inflight 8] [--size 200]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { renderTable } from '../../src/cli/render.js';
import { connectRedis, redisAddress } from '../../src/sdk/engines/redis.js';
import { RedisSessionStore } from '../../src/sdk/stores/sessions/redis-session-store.js';
import type { SessionWrite } from '../../src/sdk/stores/sessions/session-store.js';
import { RespPipe } from './resp-pipe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const url = arg('--url', 'redis://127.0.0.1:6379');
const total = Number(arg('-n', '100000'));
const batch = Number(arg('--batch', '100'));
const inflight = Number(arg('--inflight', '8'));
const size = Number(arg('--size', '200'));
const GOAL = 0.5;

const { hostname, port } = new URL(url);
const keyPrefix = `bench_${randomBytes(6).toString('hex')}`;
// The state serialises to exactly `size` bytes, the value size given to redis-benchmark.
const state = { t: 'x'.repeat(size - JSON.stringify({ t: '' }).length) };

/**
 * Runs redis-benchmark (over `randomKeys` distinct keys, or over one key when undefined) and returns its SET
 * and GET requests per second.
 */
async function redisBenchmark(randomKeys?: number): Promise<{ set: number; get: number }> {
  const { stdout } = await promisify(execFile)(
    'redis-benchmark',
    [
      ...(randomKeys === undefined ? [] : ['-r', String(randomKeys)]),
      '-h',
      hostname,
      '-p',
      port || '6379',
      '-t',
      'set,get',
      '-n',
      String(total),
      '-P',
      '16',
      '-q',
      '-d',
      String(size),
    ],
    { timeout: 120_000 },
  );
  // -q still redraws a progress line with \r; the final figure is the last "requests per second" per test.
  const rate = (test: string) => {
    const matches = [...stdout.matchAll(new RegExp(`${test}: ([\\d.]+) requests per second`, 'g'))];
    const value = Number(matches.at(-1)?.[1]);
    if (!Number.isFinite(value))
      throw new Error(`cannot parse redis-benchmark output for ${test}: ${stdout}`);
    return value;
  };
  return { set: rate('SET'), get: rate('GET') };
}

type CommandStats = Map<string, { calls: number; usec: number }>;

/** Per-command calls and server-side µs so far (INFO commandstats; never reset, other clients share it). */
async function commandStats(): Promise<CommandStats> {
  const stats: CommandStats = new Map();
  for (const m of (await admin.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** Server-side µs per call of `command` between two snapshots. */
function usecPerCall(before: CommandStats, after: CommandStats, command: string): number {
  const a = after.get(command);
  const b = before.get(command) ?? { calls: 0, usec: 0 };
  return a && a.calls > b.calls ? (a.usec - b.usec) / (a.calls - b.calls) : Number.NaN;
}

/** Runs `work(i)` for every batch start index, `inflight` at a time; returns operations per second. */
async function throughput(work: (start: number) => Promise<void>): Promise<number> {
  const starts = Array.from({ length: Math.ceil(total / batch) }, (_, i) => i * batch);
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < starts.length) await work(starts[next++] as number);
    }),
  );
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

const writesFrom = (start: number): SessionWrite[] =>
  Array.from({ length: Math.min(batch, total - start) }, (_, j) => ({
    tenant: 'bench',
    subject: `u${(start + j) % 1000}`,
    sessionId: `s${start + j}`,
    state,
    ttlMs: 600_000,
  }));
const idsFrom = (start: number) =>
  Array.from({ length: Math.min(batch, total - start) }, (_, j) => `s${start + j}`);

/** keyspace_hits and keyspace_misses so far (INFO stats; other clients share them). */
async function keyspace(): Promise<{ hits: number; misses: number }> {
  const info = await admin.info('stats');
  return {
    hits: Number(/keyspace_hits:(\d+)/.exec(info)?.[1]),
    misses: Number(/keyspace_misses:(\d+)/.exec(info)?.[1]),
  };
}

/** The peer over `total` keys: SET then GET, the GETs' hit rate measured around the run. */
async function spreadBenchmark(): Promise<{ set: number; get: number; getHitRate: number }> {
  const before = await keyspace();
  const rates = await redisBenchmark(total);
  const after = await keyspace();
  const hits = after.hits - before.hits;
  return { ...rates, getHitRate: hits / (hits + after.misses - before.misses) };
}

const admin = await connectRedis({ url, connectTimeoutMs: 2000, requestTimeoutMs: 30_000 });
const benchKeyExisted = (await admin.exists('key:__rand_int__')) === 1;
// redis-benchmark -r names its keys key:<12-digit number below -r>. Write the absent ones, remembering them
// to delete at the end (keys another user left are kept as they are).
const peerKeys = Array.from({ length: total }, (_, i) => `key:${String(i).padStart(12, '0')}`);
const peerKeysWritten: string[] = [];
{
  const value = 'x'.repeat(size);
  for (let i = 0; i < total; i += 1000) {
    const chunk = peerKeys.slice(i, i + 1000);
    const present = await admin.mget(chunk);
    const pipeline = admin.pipeline();
    chunk.forEach((key, j) => {
      if (present[j] !== null) return;
      pipeline.set(key, value);
      peerKeysWritten.push(key);
    });
    await pipeline.exec();
  }
}
const store = await RedisSessionStore.connect({
  url,
  keyPrefix,
  defaultTtlMs: 600_000,
  requestTimeoutMs: 30_000,
});
try {
  const oneKeyBefore = await redisBenchmark();
  const stats0 = await commandStats();
  const before = await spreadBenchmark();
  const stats1 = await commandStats();

  // Warm-up, on another tenant: loads the scripts and lets the JIT compile the paths (a gateway runs warm;
  // one batch left the first tens of thousands of decodes unoptimised). A tenth of the sessions, written,
  // overwritten and read.
  const warmWrites = (start: number) => writesFrom(start).map((w) => ({ ...w, tenant: 'warmup' }));
  for (let start = 0; start < total / 10; start += batch) {
    await store.setMany(warmWrites(start));
    await store.setMany(warmWrites(start));
    await store.getMany('warmup', idsFrom(start));
  }

  const stats2 = await commandStats();
  const batchedSet = await throughput(async (start) => {
    await store.setMany(writesFrom(start));
  });
  const stats3 = await commandStats();
  let found = 0;
  const batchedGet = await throughput(async (start) => {
    for (const session of await store.getMany('bench', idsFrom(start))) if (session) found++;
  });
  const stats4 = await commandStats();
  if (found !== total) throw new Error(`getMany found ${found} of ${total} sessions`);
  // The usual write of a running conversation: every session exists, so each write is an overwrite.
  const batchedOverwrite = await throughput(async (start) => {
    await store.setMany(writesFrom(start));
  });
  const stats5 = await commandStats();
  // Server-side cost per session: one script call or one MGET covers a whole batch.
  const server = {
    benchmarkSet: usecPerCall(stats0, stats1, 'set'),
    benchmarkGet: usecPerCall(stats0, stats1, 'get'),
    sessionSet: usecPerCall(stats2, stats3, 'evalsha') / batch,
    sessionGet: usecPerCall(stats3, stats4, 'mget') / batch,
    sessionOverwrite: usecPerCall(stats4, stats5, 'evalsha') / batch,
  };
  // Inside the write script: the commands it called, per session (calls and server µs; the script's own
  // Lua work is the rest of its EVALSHA time).
  const inside = (from: CommandStats, to: CommandStats) =>
    Object.fromEntries(
      ['mget', 'exists', 'sadd', 'pexpiretime', 'pexpireat', 'set'].map((command) => {
        const a = to.get(command) ?? { calls: 0, usec: 0 };
        const b = from.get(command) ?? { calls: 0, usec: 0 };
        return [
          command,
          { callsPerSession: (a.calls - b.calls) / total, usecPerSession: (a.usec - b.usec) / total },
        ];
      }),
    );
  const scriptCommands = { set: inside(stats2, stats3), overwrite: inside(stats4, stats5) };
  // The same client library without the adapter: SET PX and MGET of the same values, pipelined alike.
  const value = JSON.stringify(state);
  const rawSet = await throughput(async (start) => {
    const pipeline = admin.pipeline();
    for (const id of idsFrom(start)) pipeline.set(`${keyPrefix}:raw:${id}`, value, 'PX', 600_000);
    await pipeline.exec();
  });
  // What a write made of native commands would cost at best (SET NX GET PX, SADD, PEXPIRE GT per session,
  // pipelined): no subject check, no createdAt kept, so a ceiling of that design rather than an alternative.
  const nativeSet = await throughput(async (start) => {
    const pipeline = admin.pipeline();
    for (const w of writesFrom(start)) {
      const index = `${keyPrefix}:native:subj:${w.subject}:sess`;
      pipeline.set(`${keyPrefix}:native:sess:${w.sessionId}`, value, 'PX', 600_000, 'NX', 'GET');
      pipeline.sadd(index, w.sessionId);
      pipeline.pexpire(index, 600_000, 'GT');
    }
    await pipeline.exec();
  });
  // The same native writes hand-encoded on a bare connection (resp-pipe.ts): no client library's
  // per-command cost, so what is left is the server's and the protocol's. Ceilings, not alternatives: no
  // subject check, no createdAt kept. SET PX alone is the floor of any write; SET PXAT + SADD is the least a
  // write that indexes its session sends; + PEXPIREAT of the index (unconditional, so right only when every
  // session has the same TTL) is the least that also keeps the index's TTL, which retention requires.
  const pipe = await RespPipe.connect(hostname, Number(port || 6379));
  const respWrites = (start: number, commands: (w: SessionWrite, expires: string) => string[][]) => {
    const expires = String(Date.now() + 600_000);
    let out = '';
    let count = 0;
    for (const w of writesFrom(start)) {
      for (const parts of commands(w, expires)) {
        out += RespPipe.encode(parts);
        count++;
      }
    }
    return pipe.send(out, count);
  };
  const respSet = await throughput((start) =>
    respWrites(start, (w) => [['SET', `${keyPrefix}:resp1:sess:${w.sessionId}`, value, 'PX', '600000']]),
  );
  const respSetSadd = await throughput((start) =>
    respWrites(start, (w, expires) => [
      ['SET', `${keyPrefix}:resp2:sess:${w.sessionId}`, value, 'PXAT', expires],
      ['SADD', `${keyPrefix}:resp2:subj:${w.subject}:sess`, w.sessionId],
    ]),
  );
  const respSetSaddExpire = await throughput((start) =>
    respWrites(start, (w, expires) => [
      ['SET', `${keyPrefix}:resp3:sess:${w.sessionId}`, value, 'PXAT', expires],
      ['SADD', `${keyPrefix}:resp3:subj:${w.subject}:sess`, w.sessionId],
      ['PEXPIREAT', `${keyPrefix}:resp3:subj:${w.subject}:sess`, expires],
    ]),
  );
  pipe.close();
  const rawGet = await throughput(async (start) => {
    await admin.mget(idsFrom(start).map((id) => `${keyPrefix}:raw:${id}`));
  });
  // The same work one call per session (batch × inflight calls in flight), without the batch API.
  const singleSet = await throughput(async (start) => {
    await Promise.all(writesFrom(start).map((write) => store.set(write)));
  });
  const singleGet = await throughput(async (start) => {
    await Promise.all(idsFrom(start).map((id) => store.get('bench', id)));
  });

  const after = await spreadBenchmark();
  const oneKeyAfter = await redisBenchmark();
  const peer = { set: (before.set + after.set) / 2, get: (before.get + after.get) / 2 };
  const oneKey = {
    set: (oneKeyBefore.set + oneKeyAfter.set) / 2,
    get: (oneKeyBefore.get + oneKeyAfter.get) / 2,
  };
  const ratio = { set: batchedSet / peer.set, get: batchedGet / peer.get };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

  console.log(
    `Redis ${redisAddress(url)}, ${total} sessions, state ${size} B, batches of ${batch}, ${inflight} in flight; node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    renderTable(
      ['operation', 'ops/s', `redis-benchmark -r ${total} ops/s (before / after)`, 'ratio'],
      [
        [
          'session set, setMany',
          fmt(batchedSet),
          `${fmt(peer.set)} (${fmt(before.set)} / ${fmt(after.set)})`,
          ratio.set.toFixed(2),
        ],
        [
          'session get, getMany',
          fmt(batchedGet),
          `${fmt(peer.get)} (${fmt(before.get)} / ${fmt(after.get)})`,
          ratio.get.toFixed(2),
        ],
        [
          'session overwrite, setMany',
          fmt(batchedOverwrite),
          fmt(peer.set),
          (batchedOverwrite / peer.set).toFixed(2),
        ],
        ['session set, one call each', fmt(singleSet), fmt(peer.set), (singleSet / peer.set).toFixed(2)],
        ['session get, one call each', fmt(singleGet), fmt(peer.get), (singleGet / peer.get).toFixed(2)],
        ['ioredis SET PX pipeline, no adapter', fmt(rawSet), fmt(peer.set), (rawSet / peer.set).toFixed(2)],
        [
          'ioredis SET NX GET+SADD+PEXPIRE pipeline, no adapter',
          fmt(nativeSet),
          fmt(peer.set),
          (nativeSet / peer.set).toFixed(2),
        ],
        ['bare RESP SET PX, no client library', fmt(respSet), fmt(peer.set), (respSet / peer.set).toFixed(2)],
        [
          'bare RESP SET PXAT+SADD, no client library',
          fmt(respSetSadd),
          fmt(peer.set),
          (respSetSadd / peer.set).toFixed(2),
        ],
        [
          'bare RESP SET PXAT+SADD+PEXPIREAT, no client library',
          fmt(respSetSaddExpire),
          fmt(peer.set),
          (respSetSaddExpire / peer.set).toFixed(2),
        ],
        ['ioredis MGET, no adapter', fmt(rawGet), fmt(peer.get), (rawGet / peer.get).toFixed(2)],
        [
          'redis-benchmark SET, one key (no -r; not the peer)',
          fmt(oneKey.set),
          `${fmt(peer.set)} (${fmt(oneKeyBefore.set)} / ${fmt(oneKeyAfter.set)})`,
          (oneKey.set / peer.set).toFixed(2),
        ],
        [
          'redis-benchmark GET, one key (no -r; not the peer)',
          fmt(oneKey.get),
          `${fmt(peer.get)} (${fmt(oneKeyBefore.get)} / ${fmt(oneKeyAfter.get)})`,
          (oneKey.get / peer.get).toFixed(2),
        ],
      ],
    ),
  );
  const us = (n: number) => n.toFixed(2);
  console.log(
    `server µs per op (INFO commandstats): redis-benchmark SET ${us(server.benchmarkSet)}, GET ${us(server.benchmarkGet)}; ` +
      `session set ${us(server.sessionSet)}, overwrite ${us(server.sessionOverwrite)}, get ${us(server.sessionGet)}`,
  );
  console.log(
    `redis-benchmark -r GET keyspace hit rate: ${before.getHitRate.toFixed(3)} / ${after.getHitRate.toFixed(3)}; ` +
      `ratios against the one-key figure: set ${(batchedSet / oneKey.set).toFixed(2)}, get ${(batchedGet / oneKey.get).toFixed(2)}`,
  );
  for (const [phase, commands] of Object.entries(scriptCommands)) {
    const parts = Object.entries(commands)
      .filter(([, c]) => c.callsPerSession > 0)
      .map(([name, c]) => `${name} ${c.callsPerSession.toFixed(2)}× ${us(c.usecPerSession)}`);
    console.log(`inside the script, per session (${phase}): ${parts.join(', ')}`);
  }
  const met = ratio.set >= GOAL && ratio.get >= GOAL;
  console.log(`goal: batched set and get ≥ ${GOAL}× redis-benchmark -P 16 → ${met ? 'met' : 'NOT met'}`);

  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(
    `${root}bench/results/redis-sessions.json`,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        redis: redisAddress(url),
        sessions: total,
        stateBytes: size,
        batch,
        inflight,
        adapter: { batchedSet, batchedGet, batchedOverwrite, singleSet, singleGet },
        ioredisWithoutAdapter: { set: rawSet, get: rawGet, setSaddPexpire: nativeSet },
        bareRespWithoutClientLibrary: {
          set: respSet,
          setSadd: respSetSadd,
          setSaddPexpireat: respSetSaddExpire,
        },
        serverMicrosecondsPerOp: server,
        scriptCommandsPerSession: scriptCommands,
        loadAverage: loadavg(),
        redisBenchmark: {
          command: `redis-benchmark -t set,get -n ${total} -P 16 -q -d ${size} -r ${total}`,
          before,
          after,
          mean: peer,
        },
        redisBenchmarkOneKey: {
          command: `redis-benchmark -t set,get -n ${total} -P 16 -q -d ${size}`,
          before: oneKeyBefore,
          after: oneKeyAfter,
          mean: oneKey,
        },
        ratio,
        goal: GOAL,
        met,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await store.close();
  const stream = admin.scanStream({ match: `${keyPrefix}:*`, count: 1000 });
  for await (const keys of stream)
    if ((keys as string[]).length > 0) await admin.unlink(...(keys as string[]));
  if (!benchKeyExisted) await admin.del('key:__rand_int__');
  for (let i = 0; i < peerKeysWritten.length; i += 1000)
    await admin.unlink(...peerKeysWritten.slice(i, i + 1000));
  admin.disconnect();
}
