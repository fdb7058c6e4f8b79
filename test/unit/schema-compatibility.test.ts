import type { Type } from 'avsc';
import { describe, expect, it } from 'vitest';
import { toAvroNode } from '../../src/sdk/events/schemas/avro-node.js';
import { parseSchema } from '../../src/sdk/events/schemas/avro-schema.js';
import {
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  checkAgainstVersions,
} from '../../src/sdk/governance/schemas/compatibility-modes.js';

type Field = Record<string, unknown>;

/** A record `t.R` with the given fields. */
const rec = (...fields: Field[]) => ({ type: 'record', name: 'R', namespace: 't', fields });
const f = (name: string, type: unknown, extra: Field = {}) => ({ name, type, ...extra });
const parse = (schema: unknown) => parseSchema(schema, 'test');
const inner = (name: string, ...fields: Field[]) => ({ type: 'record', name, fields });
const color = (symbols: string[], extra: Field = {}) => ({ type: 'enum', name: 'Color', symbols, ...extra });

interface Row {
  readonly name: string;
  readonly old: unknown;
  readonly new: unknown;
  /** Rules reported when the new schema reads old data. */
  readonly backward: string[];
  /** Rules reported when the old schema reads new data. */
  readonly forward: string[];
  /** Paths of the violations (backward first), when worth checking. */
  readonly paths?: string[];
}

const ROWS: Row[] = [
  {
    name: 'int → long',
    old: rec(f('a', 'int')),
    new: rec(f('a', 'long')),
    backward: [],
    forward: ['type-changed'],
  },
  {
    name: 'long → float',
    old: rec(f('a', 'long')),
    new: rec(f('a', 'float')),
    backward: [],
    forward: ['type-changed'],
  },
  {
    name: 'float → double',
    old: rec(f('a', 'float')),
    new: rec(f('a', 'double')),
    backward: [],
    forward: ['type-changed'],
  },
  {
    name: 'int → double',
    old: rec(f('a', 'int')),
    new: rec(f('a', 'double')),
    backward: [],
    forward: ['type-changed'],
  },
  {
    name: 'long → int (narrowing)',
    old: rec(f('a', 'long')),
    new: rec(f('a', 'int')),
    backward: ['type-changed'],
    forward: [],
  },
  {
    name: 'double → float (narrowing)',
    old: rec(f('a', 'double')),
    new: rec(f('a', 'float')),
    backward: ['type-changed'],
    forward: [],
  },
  {
    name: 'double → long',
    old: rec(f('a', 'double')),
    new: rec(f('a', 'long')),
    backward: ['type-changed'],
    forward: [],
  },
  {
    name: 'string → bytes',
    old: rec(f('a', 'string')),
    new: rec(f('a', 'bytes')),
    backward: [],
    forward: [],
  },
  {
    name: 'bytes → string',
    old: rec(f('a', 'bytes')),
    new: rec(f('a', 'string')),
    backward: [],
    forward: [],
  },
  {
    name: 'string → int',
    old: rec(f('a', 'string')),
    new: rec(f('a', 'int')),
    backward: ['type-changed'],
    forward: ['type-changed'],
    paths: ['R.a', 'R.a'],
  },
  {
    name: 'field added with a default',
    old: rec(f('a', 'int')),
    new: rec(f('a', 'int'), f('b', 'string', { default: '' })),
    backward: [],
    forward: [],
  },
  {
    name: 'optional field added (null default)',
    old: rec(f('a', 'int')),
    new: rec(f('a', 'int'), f('b', ['null', 'string'], { default: null })),
    backward: [],
    forward: [],
  },
  {
    name: 'field added without a default',
    old: rec(f('a', 'int')),
    new: rec(f('a', 'int'), f('b', 'string')),
    backward: ['field-added-without-default'],
    forward: [],
    paths: ['R.b'],
  },
  {
    name: 'field removed that had a default',
    old: rec(f('a', 'int'), f('b', 'string', { default: 'x' })),
    new: rec(f('a', 'int')),
    backward: [],
    forward: [],
  },
  {
    name: 'field removed that had no default',
    old: rec(f('a', 'int'), f('b', 'string')),
    new: rec(f('a', 'int')),
    backward: [],
    forward: ['field-removed-without-default'],
    paths: ['R.b'],
  },
  {
    name: 'field renamed with an alias',
    old: rec(f('a', 'int')),
    new: rec(f('b', 'int', { aliases: ['a'] })),
    backward: [],
    forward: ['field-removed-without-default'],
    paths: ['R.a'],
  },
  {
    name: 'field renamed without an alias',
    old: rec(f('a', 'int')),
    new: rec(f('b', 'int')),
    backward: ['field-added-without-default'],
    forward: ['field-removed-without-default'],
    paths: ['R.b', 'R.a'],
  },
  {
    name: 'enum symbol added, no enum default',
    old: rec(f('c', color(['RED', 'GREEN']))),
    new: rec(f('c', color(['RED', 'GREEN', 'BLUE']))),
    backward: [],
    forward: ['enum-symbol-added'],
    paths: ['R.c'],
  },
  {
    name: 'enum symbol added, with an enum default',
    old: rec(f('c', color(['UNKNOWN', 'RED'], { default: 'UNKNOWN' }))),
    new: rec(f('c', color(['UNKNOWN', 'RED', 'BLUE'], { default: 'UNKNOWN' }))),
    backward: [],
    forward: [],
  },
  {
    name: 'enum symbol removed, no enum default',
    old: rec(f('c', color(['RED', 'GREEN', 'BLUE']))),
    new: rec(f('c', color(['RED']))),
    backward: ['enum-symbol-removed', 'enum-symbol-removed'],
    forward: [],
  },
  {
    name: 'enum symbol removed, with an enum default',
    old: rec(f('c', color(['UNKNOWN', 'RED', 'GREEN'], { default: 'UNKNOWN' }))),
    new: rec(f('c', color(['UNKNOWN', 'RED'], { default: 'UNKNOWN' }))),
    backward: [],
    forward: [],
  },
  {
    name: 'union branch added',
    old: rec(f('u', ['null', 'string'], { default: null })),
    new: rec(f('u', ['null', 'string', 'int'], { default: null })),
    backward: [],
    forward: ['union-branch-added'],
    paths: ['R.u'],
  },
  {
    name: 'union branch removed',
    old: rec(f('u', ['null', 'string', 'int'], { default: null })),
    new: rec(f('u', ['null', 'string'], { default: null })),
    backward: ['union-branch-removed'],
    forward: [],
  },
  {
    name: 'union branch promoted (int → long inside the union)',
    old: rec(f('u', ['null', 'int'], { default: null })),
    new: rec(f('u', ['null', 'long'], { default: null })),
    backward: [],
    forward: ['union-branch-added'],
  },
  {
    name: 'optional field made required',
    old: rec(f('u', ['null', 'string'], { default: null })),
    new: rec(f('u', 'string')),
    backward: ['union-branch-removed'],
    forward: [],
  },
  {
    name: 'required field made optional',
    old: rec(f('u', 'string')),
    new: rec(f('u', ['null', 'string'], { default: null })),
    backward: [],
    forward: ['union-branch-added'],
  },
  {
    name: 'type changed to a union without it',
    old: rec(f('u', 'string')),
    new: rec(f('u', ['null', 'int'], { default: null })),
    backward: ['type-changed'],
    forward: ['type-changed'],
  },
  {
    name: 'nested record (in an optional union): field type changed',
    old: rec(f('sealed', ['null', inner('Sealed', f('nonce', 'bytes'))], { default: null })),
    new: rec(f('sealed', ['null', inner('Sealed', f('nonce', 'int'))], { default: null })),
    backward: ['type-changed'],
    forward: ['type-changed'],
    paths: ['R.sealed.nonce', 'R.sealed.nonce'],
  },
  {
    name: 'nested record: field added without a default',
    old: rec(f('inner', inner('Inner', f('a', 'int')))),
    new: rec(f('inner', inner('Inner', f('a', 'int'), f('x', 'string')))),
    backward: ['field-added-without-default'],
    forward: [],
    paths: ['R.inner.x'],
  },
  {
    name: 'nested record renamed with an alias',
    old: rec(f('inner', inner('Inner', f('a', 'int')))),
    new: rec(f('inner', { ...inner('Inner2', f('a', 'int')), aliases: ['Inner'] })),
    backward: [],
    forward: ['name-changed'],
  },
  {
    name: 'nested record renamed without an alias',
    old: rec(f('inner', inner('Inner', f('a', 'int')))),
    new: rec(f('inner', inner('Inner2', f('a', 'int')))),
    backward: ['name-changed'],
    forward: ['name-changed'],
  },
  {
    name: 'fixed size changed',
    old: rec(f('h', { type: 'fixed', name: 'Hash', size: 16 })),
    new: rec(f('h', { type: 'fixed', name: 'Hash', size: 32 })),
    backward: ['fixed-size-changed'],
    forward: ['fixed-size-changed'],
  },
  {
    name: 'array items int → long',
    old: rec(f('list', { type: 'array', items: 'int' })),
    new: rec(f('list', { type: 'array', items: 'long' })),
    backward: [],
    forward: ['type-changed'],
    paths: ['R.list[]'],
  },
  {
    name: 'array items long → int',
    old: rec(f('list', { type: 'array', items: 'long' })),
    new: rec(f('list', { type: 'array', items: 'int' })),
    backward: ['type-changed'],
    forward: [],
    paths: ['R.list[]'],
  },
  {
    name: 'array of records: item field removed without default',
    old: rec(f('list', { type: 'array', items: inner('Item', f('a', 'int'), f('b', 'int')) })),
    new: rec(f('list', { type: 'array', items: inner('Item', f('a', 'int')) })),
    backward: [],
    forward: ['field-removed-without-default'],
    paths: ['R.list[].b'],
  },
  {
    name: 'map values string → int',
    old: rec(f('meta', { type: 'map', values: 'string' })),
    new: rec(f('meta', { type: 'map', values: 'int' })),
    backward: ['type-changed'],
    forward: ['type-changed'],
    paths: ['R.meta{}', 'R.meta{}'],
  },
  {
    name: 'map values int → long',
    old: rec(f('meta', { type: 'map', values: 'int' })),
    new: rec(f('meta', { type: 'map', values: 'long' })),
    backward: [],
    forward: ['type-changed'],
  },
  {
    name: 'array → map',
    old: rec(f('x', { type: 'array', items: 'string' })),
    new: rec(f('x', { type: 'map', values: 'string' })),
    backward: ['type-changed'],
    forward: ['type-changed'],
  },
  {
    name: 'several problems at once are all reported',
    old: rec(f('a', 'long'), f('b', 'string'), f('c', color(['RED', 'GREEN']))),
    new: rec(f('a', 'int'), f('c', color(['RED'])), f('d', 'string')),
    backward: ['type-changed', 'enum-symbol-removed', 'field-added-without-default'],
    forward: ['field-removed-without-default'],
    paths: ['R.a', 'R.c', 'R.d', 'R.b'],
  },
];

function violations(mode: CompatibilityMode, versions: unknown[], current: unknown) {
  const earlier = versions.map((schema, i) => ({
    label: `history:v${i + 1}`,
    node: toAvroNode(parse(schema).type),
  }));
  return checkAgainstVersions(toAvroNode(parse(current).type), earlier, mode, 'R').violations;
}

function expected(row: Row, mode: CompatibilityMode): string[] {
  if (mode === 'NONE') return [];
  if (mode.startsWith('BACKWARD')) return row.backward;
  if (mode.startsWith('FORWARD')) return row.forward;
  return [...row.backward, ...row.forward];
}

function resolves(reader: Type, writer: Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

describe('compatibility of one change, every mode', () => {
  for (const row of ROWS) {
    describe(row.name, () => {
      it.each(COMPATIBILITY_MODES)('%s reports exactly the expected rules', (mode) => {
        expect(violations(mode, [row.old], row.new).map((v) => v.rule)).toEqual(expected(row, mode));
      });

      if (row.paths) {
        it('names the field paths', () => {
          expect(violations('FULL', [row.old], row.new).map((v) => v.path)).toEqual(row.paths);
        });
      }

      it("agrees with avsc's resolver (which stops at the first problem)", () => {
        const [older, newer] = [parse(row.old).type, parse(row.new).type];
        expect(resolves(newer, older)).toBe(row.backward.length === 0);
        expect(resolves(older, newer)).toBe(row.forward.length === 0);
      });
    });
  }
});
