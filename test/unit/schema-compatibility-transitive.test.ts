import { describe, expect, it } from 'vitest';
import { toAvroNode } from '../../src/sdk/events/schemas/avro-node.js';
import { parseSchema } from '../../src/sdk/events/schemas/avro-schema.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import {
  type CompatibilityMode,
  checkAgainstVersions,
} from '../../src/sdk/governance/schemas/compatibility-modes.js';

type Field = Record<string, unknown>;

const rec = (...fields: Field[]) => ({ type: 'record', name: 'R', namespace: 't', fields });
const f = (name: string, type: unknown, extra: Field = {}) => ({ name, type, ...extra });
const parse = (schema: unknown) => parseSchema(schema, 'test');

function violations(mode: CompatibilityMode, versions: unknown[], current: unknown) {
  const earlier = versions.map((schema, i) => ({
    label: `history:v${i + 1}`,
    node: toAvroNode(parse(schema).type),
  }));
  return checkAgainstVersions(toAvroNode(parse(current).type), earlier, mode, 'R').violations;
}

describe('transitive modes over a 3-version history', () => {
  // Backward chain: v1 → v2 adds b with a default, v2 → v3 drops the default: v3 reads v2 but not v1.
  const backwardChain = [
    rec(f('a', 'int')),
    rec(f('a', 'int'), f('b', 'string', { default: 'x' })),
    rec(f('a', 'int'), f('b', 'string')),
  ];
  // Forward chain: v2 gives b a default, v3 removes b: v2 reads v3 but v1 (no default) does not.
  const forwardChain = [
    rec(f('a', 'int'), f('b', 'string')),
    rec(f('a', 'int'), f('b', 'string', { default: 'x' })),
    rec(f('a', 'int')),
  ];
  const run = (mode: CompatibilityMode, chain: unknown[]) =>
    violations(mode, chain.slice(0, 2), chain[2]).map((v) => `${v.rule} vs ${v.against}`);

  it('each step is compatible', () => {
    for (const chain of [backwardChain, forwardChain]) {
      expect(violations('FULL', [chain[0]], chain[1])).toEqual([]);
      expect(violations('FULL', [chain[1]], chain[2])).toEqual([]);
    }
  });

  it.each([
    ['BACKWARD', backwardChain, []],
    ['BACKWARD_TRANSITIVE', backwardChain, ['field-added-without-default vs history:v1']],
    ['FULL', backwardChain, []],
    ['FULL_TRANSITIVE', backwardChain, ['field-added-without-default vs history:v1']],
    ['FORWARD', forwardChain, []],
    ['FORWARD_TRANSITIVE', forwardChain, ['field-removed-without-default vs history:v1']],
    ['FULL', forwardChain, []],
    ['FULL_TRANSITIVE', forwardChain, ['field-removed-without-default vs history:v1']],
    ['NONE', backwardChain, []],
  ] as const)('%s', (mode, chain, rules) => {
    expect(run(mode, [...chain])).toEqual(rules);
  });

  it('a transitive mode compares with every earlier version, a plain one with the latest only', () => {
    const plain = checkAgainstVersions(
      toAvroNode(parse(backwardChain[2]).type),
      backwardChain.slice(0, 2).map((s, i) => ({ label: `v${i + 1}`, node: toAvroNode(parse(s).type) })),
      'BACKWARD',
      'R',
    );
    expect(plain.compared).toEqual(['v2']);
    const transitive = checkAgainstVersions(
      toAvroNode(parse(backwardChain[2]).type),
      backwardChain.slice(0, 2).map((s, i) => ({ label: `v${i + 1}`, node: toAvroNode(parse(s).type) })),
      'BACKWARD_TRANSITIVE',
      'R',
    );
    expect(transitive.compared).toEqual(['v1', 'v2']);
  });
});

describe('details', () => {
  it('explains a violation in terms of old and new', () => {
    const [v] = violations('BACKWARD', [rec(f('a', 'long'))], rec(f('a', 'int')));
    expect(v?.message).toContain('type changed from long to int');
    expect(v?.message).toContain('int→long→float→double');
    expect(v).toMatchObject({ direction: 'backward', against: 'history:v1' });
  });

  it('handles recursive records without looping', () => {
    const list = (extra: Field[] = []) => ({
      type: 'record',
      name: 'Node',
      namespace: 't',
      fields: [f('value', 'int'), f('next', ['null', 'Node'], { default: null }), ...extra],
    });
    expect(violations('FULL', [list()], list())).toEqual([]);
    expect(violations('BACKWARD', [list()], list([f('z', 'int')])).map((v) => v.path)).toEqual(['R.z']);
  });

  it('checks the shipped schemas are fully compatible with themselves', () => {
    const catalog = loadSchemaCatalog();
    for (const name of catalog.names) {
      const schema = catalog.current(name).schema;
      expect(violations('FULL_TRANSITIVE', [schema.json], schema.json)).toEqual([]);
    }
  });
});
