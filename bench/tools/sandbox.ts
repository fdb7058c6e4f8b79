/**
 * Latency of `run_javascript`'s sandbox (QuickJS/WebAssembly on a worker thread, a fresh runtime per
 * script) against Node's own `vm.runInNewContext` (a fresh V8 context per script, same thread: the common
 * in-process choice, which is not a security boundary), same scripts, same run.
 *
 *   npx tsx bench/tools/sandbox.ts [--runs 200] [--cold 8] [--from built|source]
 *
 * - cold: a new pool, until the first script's result is back (thread start, WebAssembly load, first run);
 *   `--cold` pools, one after the other.
 * - warm: `--runs` scripts one after the other on a warmed pool (round trip to the worker included).
 * - node:vm: the same scripts with `vm.runInNewContext(code, {}, { timeout })`.
 * `--from built` (default) compiles the sandbox with tsc into a temporary directory first, so the worker
 * starts as it does in the package; `--from source` runs the TypeScript through tsx in the worker too
 * (slower cold start). Results go to bench/results/tools-sandbox.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { SandboxLimits } from '../../src/sdk/agent/tools/sandbox/sandbox-limits.js';
import type { SandboxPool as SandboxPoolType } from '../../src/sdk/agent/tools/sandbox/sandbox-pool.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] as string) : fallback;
};
const runs = Number(arg('runs', '200'));
const coldRuns = Number(arg('cold', '8'));
const from = arg('from', 'built');

const SCRIPTS: Record<string, string> = {
  trivial: '1 + 1',
  loop1e6: 'let s = 0; for (let i = 0; i < 1e6; i++) s += i; s',
  json1k: 'JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ i, sq: i * i }))).length',
};

type PoolClass = typeof SandboxPoolType;

async function loadPool(): Promise<{ SandboxPool: PoolClass; cleanup: () => void }> {
  if (from === 'source') {
    const { SandboxPool } = await import('../../src/sdk/agent/tools/sandbox/sandbox-pool.js');
    return { SandboxPool, cleanup: () => {} };
  }
  const out = mkdtempSync(join(tmpdir(), 'soma-sandbox-bench-'));
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const entries = ['sandbox-pool.ts', 'sandbox-worker.ts'].map((f) =>
    join(root, 'src/sdk/agent/tools/sandbox', f),
  );
  execFileSync(
    process.execPath,
    [
      tsc,
      ...entries,
      ...['--outDir', out, '--rootDir', join(root, 'src'), '--module', 'nodenext', '--target', 'es2022'],
      ...['--strict', '--types', 'node', '--skipLibCheck', '--esModuleInterop'],
    ],
    { stdio: 'inherit', cwd: root },
  );
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  const url = pathToFileURL(join(out, 'sdk/agent/tools/sandbox/sandbox-pool.js')).href;
  const { SandboxPool } = (await import(url)) as { SandboxPool: PoolClass };
  return { SandboxPool, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { median: round(at(0.5)), p90: round(at(0.9)), min: round(sorted[0] as number), n: samples.length };
}

async function time<T>(work: () => Promise<T> | T): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const limits: SandboxLimits = {
  timeoutMs: 2000,
  memoryBytes: 32 * 1024 * 1024,
  stackBytes: 256 * 1024,
  outputBytes: 1024 * 1024,
};
const { SandboxPool, cleanup } = await loadPool();
try {
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const pool = new SandboxPool({ limits, size: 1 });
    cold.push(
      await time(async () => {
        const outcome = await pool.run(SCRIPTS.trivial as string);
        if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
      }),
    );
    await pool.close();
  }

  const pool = new SandboxPool({ limits, size: 1 });
  await pool.warm();
  const warm: Record<string, ReturnType<typeof stats>> = {};
  const peer: Record<string, ReturnType<typeof stats>> = {};
  for (const [name, code] of Object.entries(SCRIPTS)) {
    for (let i = 0; i < 10; i++) await pool.run(code); // let both reach steady state
    for (let i = 0; i < 10; i++) vm.runInNewContext(code, {}, { timeout: limits.timeoutMs });
    const sandboxSamples: number[] = [];
    const vmSamples: number[] = [];
    for (let i = 0; i < runs; i++) {
      sandboxSamples.push(
        await time(async () => {
          const outcome = await pool.run(code);
          if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
        }),
      );
      vmSamples.push(await time(() => vm.runInNewContext(code, {}, { timeout: limits.timeoutMs })));
    }
    warm[name] = stats(sandboxSamples);
    peer[name] = stats(vmSamples);
  }
  await pool.close();

  const coldStats = stats(cold);
  const load = loadavg().map((n) => Math.round(n * 100) / 100);
  console.log(
    `node ${process.version}; worker code from ${from}; ${runs} warm runs per script, ${coldRuns} cold pools`,
  );
  console.log(`machine: ${cpus().length} cores, load average ${load.join(' ')} (figures inflate with load)`);
  console.log(`cold (new pool → first result): median ${coldStats.median} ms, p90 ${coldStats.p90} ms`);
  console.log('script       sandbox median / p90 ms     node:vm median / p90 ms');
  for (const name of Object.keys(SCRIPTS)) {
    const s = warm[name] as ReturnType<typeof stats>;
    const v = peer[name] as ReturnType<typeof stats>;
    console.log(
      `${name.padEnd(12)} ${`${s.median} / ${s.p90}`.padStart(22)} ${`${v.median} / ${v.p90}`.padStart(26)}`,
    );
  }
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/tools-sandbox.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverage: load,
        from,
        limits,
        scripts: SCRIPTS,
        cold: coldStats,
        warm,
        nodeVm: peer,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  cleanup();
}
