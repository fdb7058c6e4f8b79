import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../fixtures/pii/generate.js';
import { CORPUS_PATH, loadCorpus, score } from '../../fixtures/pii/score.js';
import { createRedactor } from '../../src/sdk/events/redaction/index.js';

/** Quality, not speed: entity-level scores on the labelled corpus (fixtures/pii/README.md). */
describe('PII corpus', () => {
  const corpus = loadCorpus();

  it('is the output of its generator (fixed seed), with at least 400 labelled lines', () => {
    const generated = generateCorpus(20240315, 5);
    expect(`${generated.map((l) => JSON.stringify(l)).join('\n')}\n`).toBe(readFileSync(CORPUS_PATH, 'utf8'));
    expect(corpus.length).toBeGreaterThanOrEqual(400);
    expect(corpus.filter((l) => l.entities.length === 0).length).toBeGreaterThan(100);
  });

  it('meets the goal: recall ≥ 0.98 and precision ≥ 0.95 (exact spans)', () => {
    const redactor = createRedactor();
    const result = score(corpus, (text) => redactor.findings(text));
    const all = result.exact.ALL!;
    expect({
      recall: all.recall >= 0.98,
      precision: all.precision >= 0.95,
      misses: result.misses,
    }).toMatchObject({
      recall: true,
      precision: true,
    });
    for (const type of ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'IP', 'SSN', 'SECRET']) {
      expect(result.exact[type]!.tp, type).toBeGreaterThan(10);
    }
  });
});
