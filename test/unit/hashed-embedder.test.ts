/** The embedded, lexical hashed n-gram embedder: determinism, shape, normalisation and what "lexical" means. */
import { describe, expect, it } from 'vitest';
import {
  HASHED_EMBEDDER_NAME,
  HashedEmbedder,
  tokenize,
} from '../../src/sdk/agent/embeddings/hashed-embedder.js';
import { InvalidInputError } from '../../src/sdk/errors.js';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
const norm = (a: number[]) => Math.sqrt(cosine(a, a));
const embedder = new HashedEmbedder(384);
const one = async (text: string) => (await embedder.embed([text]))[0]!;
const similarity = async (a: string, b: string) => cosine(await one(a), await one(b));

describe('HashedEmbedder', () => {
  it('returns one unit vector of the configured dimensions per text', async () => {
    for (const dimensions of [2, 7, 384, 1536]) {
      const vectors = await new HashedEmbedder(dimensions).embed(['alpha beta', 'gamma', '']);
      expect(vectors).toHaveLength(3);
      for (const vector of vectors) {
        expect(vector).toHaveLength(dimensions);
        expect(vector.every(Number.isFinite)).toBe(true);
        expect(norm(vector)).toBeCloseTo(1, 12);
      }
    }
    expect(embedder.name).toBe(HASHED_EMBEDDER_NAME);
    expect(embedder.dimensions).toBe(384);
  });

  it('is deterministic: same text, same vector, across instances and batch positions', async () => {
    const text = 'Remember: my flight leaves at 9am on Tuesday.';
    const [a, b] = await embedder.embed([text, 'something else']);
    const [c] = await new HashedEmbedder(384).embed(['x', text]).then((v) => [v[1]]);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('keeps the vectors of hashed-ngram-v1 (a change here needs a new embedder name)', async () => {
    const vector = await new HashedEmbedder(16).embed(['Hello world']).then((v) => v[0]!);
    expect(vector.map((value) => Math.round(value * 1e6) / 1e6)).toMatchInlineSnapshot(`
      [
        0.124241,
        -0.124241,
        -0.124241,
        -0.124241,
        -0.124241,
        0.124241,
        0,
        -0.124241,
        0,
        0.803105,
        -0.124241,
        0.124241,
        0,
        -0.124241,
        -0.430383,
        -0.124241,
      ]
    `);
  });

  it('scores texts that share words above texts that do not', async () => {
    const pairs: Array<[string, string, string]> = [
      ['My favourite colour is green', 'What is my favourite colour?', 'The invoice is due on Friday'],
      ['My dog is called Rex', 'what is my dog called?', 'I live in Lisbon'],
      [
        'The deploy failed because the migration timed out',
        'why did the deploy fail?',
        'what should I cook tonight?',
      ],
      ['I prefer the favorite colours', 'my favourite colour', 'a dentist appointment next week'],
    ];
    for (const [memory, related, unrelated] of pairs) {
      const near = await similarity(memory, related);
      const far = await similarity(memory, unrelated);
      expect(near, `${memory} ~ ${related}`).toBeGreaterThan(0.25);
      expect(far, `${memory} ~ ${unrelated}`).toBeLessThan(0.15);
      expect(near).toBeGreaterThan(far);
    }
  });

  it('is lexical, not semantic: synonyms without shared words score low', async () => {
    expect(await similarity('automobile', 'car')).toBeLessThan(0.15);
  });

  it('ignores case, punctuation, apostrophes and Unicode compatibility forms', async () => {
    expect(await one('Hello, World!')).toEqual(await one('hello world'));
    expect(await one("don't")).toEqual(await one('dont'));
    expect(await one('ﬁle')).toEqual(await one('file'));
    expect(tokenize('Café-au-lait, 42 ÉCLAIRS!')).toEqual(['café', 'au', 'lait', '42', 'éclairs']);
  });

  it('gives texts without words one fixed non-zero vector', async () => {
    const empty = await one('');
    expect(norm(empty)).toBeCloseTo(1, 12);
    expect(await one('?!…')).toEqual(empty);
  });

  it('rejects bad dimensions, non-strings and an aborted signal', async () => {
    expect(() => new HashedEmbedder(1)).toThrow(InvalidInputError);
    expect(() => new HashedEmbedder(2.5)).toThrow(InvalidInputError);
    await expect(embedder.embed([42 as unknown as string])).rejects.toBeInstanceOf(InvalidInputError);
    const reason = new Error('stop');
    await expect(embedder.embed(['a'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
