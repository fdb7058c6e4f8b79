/**
 * PII redaction quality and speed.
 *
 *   npx tsx bench/events/redaction.ts [--mb 20] [--seed 7]
 *
 * 1. Quality on the labelled corpus (fixtures/pii/corpus.jsonl): entity-level precision, recall and F1 per
 *    type and overall, exact span match and relaxed overlap match. Goal: recall ≥ 0.98, precision ≥ 0.95.
 * 2. The same on lines generated from the corpus templates with another seed (values the detectors were
 *    never run on during development).
 * 3. Throughput on a synthetic text of --mb MB with about 1% of its characters PII: redacting line by line
 *    (event-sized strings) and in 1 MB chunks.
 * Results go to bench/results/redaction.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from '../../fixtures/pii/generate.js';
import { type Counts, loadCorpus, type Score, score } from '../../fixtures/pii/score.js';
import { TEMPLATES } from '../../fixtures/pii/templates.js';
import * as v from '../../fixtures/pii/values.js';
import { createRedactor } from '../../src/sdk/events/redaction/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const targetMb = arg('mb', 20);
const seed = arg('seed', 7);
const redactor = createRedactor();
const pct = (n: number) => n.toFixed(3);

function table(title: string, s: Score): void {
  console.log(`\n${title}`);
  console.log('type      exact P  exact R  exact F1 | overlap P  overlap R |   tp   fp   fn');
  for (const [type, c] of Object.entries(s.exact) as Array<[string, Counts]>) {
    const o = s.overlap[type]!;
    console.log(
      `${type.padEnd(8)} ${pct(c.precision).padStart(8)} ${pct(c.recall).padStart(8)} ${pct(c.f1).padStart(9)} |` +
        ` ${pct(o.precision).padStart(9)} ${pct(o.recall).padStart(10)} | ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)}`,
    );
  }
  for (const m of s.misses.slice(0, 15))
    console.log(`  ${m.kind.padEnd(8)} ${m.type.padEnd(6)} ${m.id} ${JSON.stringify(m.value)}`);
  if (s.misses.length > 15) console.log(`  … ${s.misses.length - 15} more`);
}

// 1. labelled corpus
const corpus = loadCorpus();
const corpusScore = score(corpus, (t) => redactor.findings(t));
table(`Labelled corpus: ${corpus.length} lines`, corpusScore);

// 2. fresh values from the templates
const fresh = generateCorpus(seed, 10).filter((l) => l.id.startsWith('g'));
const freshScore = score(fresh, (t) => redactor.findings(t));
table(`Template lines with seed ${seed}: ${fresh.length} lines`, freshScore);

// 3. throughput on ~1% PII text
const g = new v.Gen(v.rng(seed + 1));
const WORDS =
  'the a request was sent to server and returned ok after retry with status code payload cache miss for key user session closed opened queue worker job done failed timeout latency p99 merged deploy config value'.split(
    ' ',
  );
const filler = (): string => {
  const kind = g.int(0, 3);
  if (kind === 0)
    return `${v.timestamp(g)} INFO ${Array.from({ length: g.int(6, 16) }, () => g.pick(WORDS)).join(' ')} id=${v.uuid(g)}`;
  if (kind === 1)
    return `${v.timestamp(g)} DEBUG ${g.pick(WORDS)} took ${v.integer(g)} ms on ${v.hostPort(g)} (${v.semver(g)})`;
  if (kind === 2)
    return `Order ${v.orderId(g)} total ${v.price(g)} tracking ${v.tracking(g)} ${g.pick(WORDS)} ${g.pick(WORDS)}`;
  return Array.from({ length: g.int(8, 24) }, () => g.pick(WORDS)).join(' ');
};
const lines: string[] = [];
let size = 0;
let piiChars = 0;
let piiEntities = 0;
while (size < targetMb * 1e6) {
  let line: string;
  if (g.next() < 0.022) {
    const parts = g.pick(TEMPLATES)(g);
    line = '';
    for (const p of parts) {
      if (typeof p === 'string') line += p;
      else {
        line += p.value;
        piiChars += p.value.length;
        piiEntities++;
      }
    }
  } else line = filler();
  lines.push(line);
  size += line.length + 1;
}
const text = lines.join('\n');
const mb = Buffer.byteLength(text) / 1e6;

function timeIt(fn: () => number): { seconds: number; found: number } {
  const start = process.hrtime.bigint();
  const found = fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, found };
}
redactor.redact(text.slice(0, 1e6)); // warm up
const perLine = timeIt(() => lines.reduce((n, l) => n + redactor.redact(l).findings.length, 0));
const chunked = timeIt(() => {
  let n = 0;
  for (let i = 0; i < lines.length; ) {
    let chunk = '';
    while (i < lines.length && chunk.length < 1e6) chunk += `${lines[i++]}\n`;
    n += redactor.redact(chunk).findings.length;
  }
  return n;
});
console.log(
  `\nThroughput: ${mb.toFixed(1)} MB, ${lines.length} lines, ${((100 * piiChars) / text.length).toFixed(2)}% PII characters, ${piiEntities} labelled entities`,
);
console.log(
  `  line by line : ${(mb / perLine.seconds).toFixed(1)} MB/s (${perLine.seconds.toFixed(2)} s, ${perLine.found} findings)`,
);
console.log(
  `  1 MB chunks  : ${(mb / chunked.seconds).toFixed(1)} MB/s (${chunked.seconds.toFixed(2)} s, ${chunked.found} findings)`,
);

const all = (s: Score) => ({ exact: s.exact.ALL, overlap: s.overlap.ALL });
const goal = { recall: 0.98, precision: 0.95 };
const met =
  corpusScore.exact.ALL!.recall >= goal.recall && corpusScore.exact.ALL!.precision >= goal.precision;
console.log(
  `\nGoal (corpus, exact): recall ≥ ${goal.recall}, precision ≥ ${goal.precision} → ${met ? 'met' : 'NOT met'}`,
);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/redaction.json`,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      goal,
      goalMet: met,
      corpus: {
        lines: corpus.length,
        ...all(corpusScore),
        perType: corpusScore.exact,
        perTypeOverlap: corpusScore.overlap,
      },
      freshTemplates: { seed, lines: fresh.length, ...all(freshScore), perType: freshScore.exact },
      throughput: {
        megabytes: mb,
        lines: lines.length,
        piiCharacterShare: piiChars / text.length,
        labelledEntities: piiEntities,
        lineByLine: { mbPerSecond: mb / perLine.seconds, seconds: perLine.seconds, findings: perLine.found },
        chunks1MB: { mbPerSecond: mb / chunked.seconds, seconds: chunked.seconds, findings: chunked.found },
      },
    },
    null,
    2,
  )}\n`,
);
