import { InvalidInputError } from '../../errors.js';
import { abortReason } from '../model/model-provider.js';
import type { Embedder, EmbedOptions } from './embedder.js';

/** Name of the embedding space of {@link HashedEmbedder}; changes whenever its vectors would change. */
export const HASHED_EMBEDDER_NAME = 'hashed-ngram-v1';

/**
 * Very common English words: kept, but at a fifth of the weight, so that two texts do not look alike merely
 * because both say "what is the".
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her him his how i if ' +
    'in into is it its me my no not of on or our she so that the their them then there these they this to ' +
    'was we were what when where which who why will with would you your'
  ).split(' '),
);
const STOP_WEIGHT = 0.2;
const MIN_GRAM = 3;
const MAX_GRAM = 5;
const WORD_SEED = 0x811c9dc5;
const GRAM_SEED = 0x050c5d1f;
const EMPTY_FEATURE = 0x9e3779b9;

/**
 * A deterministic, **lexical** embedder that needs no model and no network: feature hashing of word
 * unigrams and character n-grams (3 to 5 characters of each word with boundary marks), signed, L2-normalised.
 *
 * Texts that share words, or parts of words (inflections, typos, compounds), get a high cosine similarity;
 * synonyms and paraphrases with different words do not — it measures wording, not meaning. The same text
 * always yields the same vector, on every machine and in every version that keeps {@link HASHED_EMBEDDER_NAME}.
 *
 * Steps, per text: Unicode NFKC, lower case, apostrophes removed; words are maximal runs of letters, marks and
 * digits. Each distinct word gets weight `1 + ln(count)` (times 0.2 for a short list of English stop words);
 * the word itself is one feature of that weight, and its n-grams (of `<word>`) share the same weight, split
 * as `weight / √(number of n-grams)` so that long words do not drown short ones. Each feature is hashed
 * (FNV-1a, Murmur3 finaliser) to an index (`hash mod dimensions`) and a sign (the hash's top bit). A text
 * without any word maps to one fixed feature, so no vector is all zeros.
 */
export class HashedEmbedder implements Embedder {
  readonly name = HASHED_EMBEDDER_NAME;

  /** @param dimensions Vector length (`vector.dimensions`), an integer from 2 to 65536. */
  constructor(readonly dimensions: number) {
    if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 65_536) {
      throw new InvalidInputError(
        `embedding dimensions must be an integer from 2 to 65536, got ${dimensions}`,
        {
          hint: 'Set vector.dimensions to the vector length your memory store uses.',
        },
      );
    }
  }

  /** Embeds every text; synchronous work, resolved at once. Rejects if `signal` is already aborted. */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    const vectors: number[][] = [];
    for (const text of texts) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (typeof text !== 'string') {
        throw new InvalidInputError(`embed() takes strings, got ${typeof text}`, {
          hint: 'Pass an array of texts.',
        });
      }
      vectors.push(this.embedOne(text));
    }
    return vectors;
  }

  /** The vector of one text. */
  embedOne(text: string): number[] {
    const vector = new Float64Array(this.dimensions);
    const words = new Map<string, number>();
    for (const word of tokenize(text)) words.set(word, (words.get(word) ?? 0) + 1);
    if (words.size === 0) add(vector, mix(EMPTY_FEATURE), 1);
    for (const [word, count] of words) {
      const weight = (1 + Math.log(count)) * (STOP_WORDS.has(word) ? STOP_WEIGHT : 1);
      add(vector, mix(fnv(WORD_SEED, word, 0, word.length)), weight);
      const marked = `<${word}>`;
      const grams = gramCount(marked.length);
      if (grams === 0) continue;
      const gramWeight = weight / Math.sqrt(grams);
      for (let start = 0; start + MIN_GRAM <= marked.length; start++) {
        let hash = GRAM_SEED;
        const end = Math.min(start + MAX_GRAM, marked.length);
        for (let at = start; at < end; at++) {
          hash = fnvStep(hash, marked.charCodeAt(at));
          if (at - start + 1 >= MIN_GRAM) add(vector, mix(hash), gramWeight);
        }
      }
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    const scale = 1 / Math.sqrt(norm);
    return Array.from(vector, (value) => value * scale);
  }
}

/** The words of a text, as the embedder sees them (normalised, lower case). */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? []
  );
}

function gramCount(length: number): number {
  let count = 0;
  for (let n = MIN_GRAM; n <= MAX_GRAM; n++) count += Math.max(0, length - n + 1);
  return count;
}

function add(vector: Float64Array, hash: number, weight: number): void {
  const index = hash % vector.length;
  vector[index] = (vector[index] as number) + (hash & 0x80000000 ? -weight : weight);
}

function fnvStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193) >>> 0;
}

function fnv(seed: number, text: string, from: number, to: number): number {
  let hash = seed;
  for (let at = from; at < to; at++) hash = fnvStep(hash, text.charCodeAt(at));
  return hash;
}

/** Murmur3's 32-bit finaliser: spreads FNV's weak low bits over the whole word. */
function mix(hash: number): number {
  let h = hash >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
