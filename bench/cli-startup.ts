/**
 * Wall time of `somaagent --help` (the built CLI, as installed) against a bare `node -e ''`, measured
 * alternately in the same run so machine noise hits both alike. Goal: ≤ 3× the bare Node start.
 *
 *   npm run build && npx tsx bench/cli-startup.ts [--runs 30]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 30;

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { median: at(0.5), p90: at(0.9), min: sorted[0] as number, mean };
}

const bare: number[] = [];
const cli: number[] = [];
time(['-e', '']);
time(['bin/run.js', '--help']); // warm the file cache for both
for (let i = 0; i < runs; i++) {
  bare.push(time(['-e', '']));
  cli.push(time(['bin/run.js', '--help']));
}
const b = stats(bare);
const c = stats(cli);
const ratio = c.median / b.median;
const round = (n: number) => Math.round(n * 10) / 10;
console.log(`runs: ${runs} each, alternating; node ${process.version}`);
console.log('command                    median ms   p90 ms   min ms');
console.log(
  `node -e ''                 ${round(b.median).toString().padStart(9)} ${round(b.p90).toString().padStart(8)} ${round(b.min).toString().padStart(8)}`,
);
console.log(
  `somaagent --help           ${round(c.median).toString().padStart(9)} ${round(c.p90).toString().padStart(8)} ${round(c.min).toString().padStart(8)}`,
);
console.log(`ratio (median): ${ratio.toFixed(2)}× (goal ≤ 3×) → ${ratio <= 3 ? 'met' : 'NOT met'}`);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/cli-startup.json`,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, bareNode: b, somaagentHelp: c, ratio, goal: 3 }, null, 2)}\n`,
);
