/**
 * The embedded hashed n-gram embedder: throughput (embeddings/s) and, for scale, lexical retrieval quality.
 *
 *   npx tsx bench/agent/embedder.ts [--dims 384] [--seconds 2] [--seed 11] [--out bench/results/embedder.json]
 *
 * Peer, in the same run: plain word feature hashing (word unigrams only, same hash, same normalisation), the
 * cheapest lexical embedder — what the character n-grams cost in speed and buy in recall.
 *
 * 1. Throughput on generated texts (seeded words from a 2,000-word vocabulary of English-like words): short
 *    (12 words, a chat message) and long (200 words, a document chunk), one text per call and 256 per call.
 * 2. Recall@1 on a small hand-written set: 24 remembered facts, each asked back by a question that shares
 *    some words (sometimes inflected or misspelt) with its fact; a hit when the fact scores highest among all
 *    24. Figures only: no goal is asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../../src/sdk/agent/embeddings/embedder.js';
import { HashedEmbedder, tokenize } from '../../src/sdk/agent/embeddings/hashed-embedder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? (process.argv[at + 1] as string) : fallback;
};
const dims = Number(arg('dims', '384'));
const seconds = Number(arg('seconds', '2'));
const seed = Number(arg('seed', '11'));
const out = arg('out', join(root, 'bench/results/embedder.json'));

/** The peer: word unigrams only, hashed and signed like the embedder's word features. */
class WordHashEmbedder implements Embedder {
  readonly name = 'word-hash';
  constructor(readonly dimensions: number) {}
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => {
      const vector = new Float64Array(this.dimensions);
      for (const word of tokenize(text)) {
        let h = 0x811c9dc5;
        for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
        h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
        h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
        h = (h ^ (h >>> 16)) >>> 0;
        vector[h % this.dimensions] = (vector[h % this.dimensions] as number) + (h & 0x80000000 ? -1 : 1);
      }
      let norm = 0;
      for (const v of vector) norm += v * v;
      const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
      return Array.from(vector, (v) => v * scale);
    });
  }
}

function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(seed);
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'sto',
  'va',
  'ter',
  'in',
  'gal',
  'pho',
  'du',
  'ne',
  'sil',
  'or',
  'ba',
];
const vocabulary = Array.from({ length: 2000 }, () => {
  const parts = 1 + Math.floor(random() * 4);
  return Array.from({ length: parts }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join('');
});
const sentence = (words: number) =>
  Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');

async function throughput(embedder: Embedder, texts: string[], batch: number): Promise<number> {
  let done = 0;
  let at = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - started < budget) {
    const slice = texts.slice(at, at + batch);
    at = (at + batch) % (texts.length - batch);
    await embedder.embed(slice);
    done += slice.length;
  }
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

const FACTS: Array<[string, string]> = [
  ['My favourite colour is green.', 'What is my favourite colour?'],
  ['My dog is called Rex.', 'What is the name of my dog?'],
  ['I live in Lisbon, near the river.', 'Where do I live?'],
  ['My flight to Berlin leaves at 9am on Tuesday.', 'When does my Berlin flight leave?'],
  ['The deploy failed because the database migration timed out.', 'Why did the deployment fail?'],
  ['My daughter Maria is allergic to peanuts.', 'Which allergy does Maria have?'],
  ['Our quarterly report is due on the 15th of March.', 'When is the quarterly report due?'],
  ['I take my coffee black with no sugar.', 'How do I like my coffee?'],
  ['The wifi password at the office is on the fridge.', 'Where is the office wifi password?'],
  ['My dentist appointment is next Thursday at 3pm.', 'When is my appointment with the dentist?'],
  ['Invoices go to accounts@example.org.', 'Where should invoices be sent?'],
  ['I am learning Japanese on weekends.', 'Which language am I learning?'],
  ['The staging cluster runs Kubernetes 1.29.', 'Which Kubernetes version does staging run?'],
  ['My bike was stolen from the train station.', 'Where was my bicycle stolen from?'],
  ['The team offsite is in Porto in June.', 'Where is the team offsite?'],
  ['I prefer aisle seats on long flights.', 'What seat do I prefer when flying?'],
  ['My landlord is called Mr. Duarte.', "What's my landlord's name?"],
  ['The backup job runs every night at 2am.', 'When do the nightly backups run?'],
  ['My sister lives in Toronto.', 'Which city does my sister live in?'],
  ['I cannot eat gluten.', 'Do I have a gluten intolerance?'],
  ['The printer on floor 3 is broken.', 'Which printer is broken?'],
  ['My passport expires in August 2027.', 'When does my pasport expire?'],
  ['Our API rate limit is 100 requests per minute.', 'What is the API rate limit?'],
  ['I parked the car on level B2.', 'On which level did I park?'],
];

async function recallAt1(embedder: Embedder): Promise<number> {
  const facts = await embedder.embed(FACTS.map(([fact]) => fact));
  const questions = await embedder.embed(FACTS.map(([, question]) => question));
  let hits = 0;
  questions.forEach((question, expected) => {
    let best = -1;
    let bestScore = -Infinity;
    facts.forEach((fact, index) => {
      const score = fact.reduce((sum, value, i) => sum + value * (question[i] as number), 0);
      if (score > bestScore) {
        bestScore = score;
        best = index;
      }
    });
    if (best === expected) hits++;
  });
  return hits / FACTS.length;
}

const shortTexts = Array.from({ length: 4096 }, () => sentence(12));
const longTexts = Array.from({ length: 1024 }, () => sentence(200));
const embedders: Embedder[] = [new HashedEmbedder(dims), new WordHashEmbedder(dims)];
const results: Array<Record<string, unknown>> = [];
for (const embedder of embedders) {
  await throughput(embedder, shortTexts, 64); // warm-up
  const row: Record<string, unknown> = { embedder: embedder.name, dimensions: dims };
  for (const [label, texts] of [
    ['short', shortTexts],
    ['long', longTexts],
  ] as const) {
    for (const batch of [1, 256]) {
      row[`${label}PerSecondBatch${batch}`] = Math.round(await throughput(embedder, texts, batch));
    }
  }
  row.recallAt1 = await recallAt1(embedder);
  results.push(row);
  console.log(
    `${String(row.embedder).padEnd(16)} short: ${row.shortPerSecondBatch1}/s (1), ${row.shortPerSecondBatch256}/s (256)  ` +
      `long: ${row.longPerSecondBatch1}/s (1), ${row.longPerSecondBatch256}/s (256)  recall@1: ${(row.recallAt1 as number).toFixed(3)}`,
  );
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      settings: {
        dims,
        secondsPerFigure: seconds,
        seed,
        shortWords: 12,
        longWords: 200,
        facts: FACTS.length,
      },
      peer: 'word-hash: word unigrams only, same hashing and normalisation',
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`results → ${out}`);
