import {
  type AvroEnumNode,
  type AvroNode,
  type AvroRecordNode,
  describeNode,
} from '../../events/schemas/avro-node.js';

/** Rule ids of compatibility violations. */
export type CompatibilityRule =
  | 'type-changed'
  | 'name-changed'
  | 'fixed-size-changed'
  | 'field-added-without-default'
  | 'field-removed-without-default'
  | 'enum-symbol-removed'
  | 'enum-symbol-added'
  | 'union-branch-removed'
  | 'union-branch-added';

/**
 * Which way data flows between the two versions: `backward` = the newer schema reads data written with the
 * older one (reader = newer); `forward` = the older schema reads data written with the newer one (reader =
 * older). The direction only changes how a violation is named and explained.
 */
export type ResolutionDirection = 'backward' | 'forward';

/** One reason why a reader schema cannot read every message of a writer schema. */
export interface CompatibilityViolation {
  /** Path of the offending field from the top-level type, e.g. `ConversationEvent.sealed.nonce`. */
  readonly path: string;
  readonly rule: CompatibilityRule;
  /** What changed and why a reader fails, in one or two sentences. */
  readonly message: string;
}

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/**
 * Every reason why `reader` cannot read data written with `writer`, following the schema resolution rules
 * of the Avro specification (promotions int→long→float→double and string↔bytes, fields matched by name or
 * reader alias, reader fields missing from the writer filled from their default, writer fields missing
 * from the reader skipped, enum symbols unknown to the reader mapped to its default, every writer union
 * branch readable by the reader). Unlike a resolver that stops at the first problem, it walks the whole
 * schema and returns every violation, each with its field path. `rootPath` names the top level (usually the
 * record's short name). An empty result means compatible.
 */
export function findViolations(
  reader: AvroNode,
  writer: AvroNode,
  direction: ResolutionDirection,
  rootPath: string,
): CompatibilityViolation[] {
  const out: CompatibilityViolation[] = [];
  resolve(reader, writer, rootPath, { direction, out, visiting: new Set() });
  return out;
}

interface Walk {
  readonly direction: ResolutionDirection;
  readonly out: CompatibilityViolation[];
  /** Record pairs being resolved, so recursive schemas terminate. */
  readonly visiting: Set<string>;
}

function resolve(reader: AvroNode, writer: AvroNode, path: string, walk: Walk): void {
  if (writer.kind === 'union') {
    const readerBranches = reader.kind === 'union' ? reader.branches : [reader];
    const unreadable = writer.branches.filter((branch) => !pickBranch(readerBranches, branch));
    if (reader.kind !== 'union' && unreadable.length === writer.branches.length) {
      report(walk, path, 'type-changed', typeChangedMessage(reader, writer, walk.direction));
      return;
    }
    for (const branch of writer.branches) {
      const target = pickBranch(readerBranches, branch);
      if (target) resolve(target, branch, path, walk);
      else if (walk.direction === 'backward') {
        report(
          walk,
          path,
          'union-branch-removed',
          `the ${describeNode(branch)} branch was removed from the union: the new schema cannot read old data holding that branch. Keep the branch.`,
        );
      } else {
        report(
          walk,
          path,
          'union-branch-added',
          `a ${describeNode(branch)} branch was added to the union: consumers on the old schema cannot read new data holding that branch.`,
        );
      }
    }
    return;
  }
  if (reader.kind === 'union') {
    const target = pickBranch(reader.branches, writer);
    if (target) resolve(target, writer, path, walk);
    else report(walk, path, 'type-changed', typeChangedMessage(reader, writer, walk.direction));
    return;
  }
  if (!sameShape(reader, writer)) {
    compareMismatch(reader, writer, path, walk);
    return;
  }
  switch (reader.kind) {
    case 'record':
      resolveRecord(reader, writer as AvroRecordNode, path, walk);
      return;
    case 'enum':
      resolveEnum(reader, writer as AvroEnumNode, path, walk);
      return;
    case 'array':
      resolve(reader.items, (writer as typeof reader).items, `${path}[]`, walk);
      return;
    case 'map':
      resolve(reader.values, (writer as typeof reader).values, `${path}{}`, walk);
      return;
    default:
      return;
  }
}

function resolveRecord(reader: AvroRecordNode, writer: AvroRecordNode, path: string, walk: Walk): void {
  const key = `${reader.name}\u0000${writer.name}`;
  if (walk.visiting.has(key)) return;
  walk.visiting.add(key);
  for (const field of reader.fields) {
    const fieldPath = `${path}.${field.name}`;
    const source =
      writer.fields.find((w) => w.name === field.name) ??
      writer.fields.find((w) => field.aliases.includes(w.name));
    if (source) {
      resolve(field.type, source.type, fieldPath, walk);
      continue;
    }
    if (field.hasDefault) continue;
    if (walk.direction === 'backward') {
      report(
        walk,
        fieldPath,
        'field-added-without-default',
        `field "${field.name}" was added without a default: the new schema cannot read old data, which lacks it. Give it a default (null first in an optional union).`,
      );
    } else {
      const renamedTo = writer.fields.find((w) => w.aliases.includes(field.name));
      report(
        walk,
        fieldPath,
        'field-removed-without-default',
        renamedTo
          ? `field "${field.name}" was renamed to "${renamedTo.name}" (an alias only helps the new reader) and has no default in the old schema: consumers on the old schema cannot read new data.`
          : `field "${field.name}" was removed and has no default in the old schema: consumers on the old schema cannot read new data. Keep the field, or remove it only after giving it a default.`,
      );
    }
  }
  walk.visiting.delete(key);
}

function resolveEnum(reader: AvroEnumNode, writer: AvroEnumNode, path: string, walk: Walk): void {
  if (reader.default !== undefined) return;
  for (const symbol of writer.symbols) {
    if (reader.symbols.includes(symbol)) continue;
    if (walk.direction === 'backward') {
      report(
        walk,
        path,
        'enum-symbol-removed',
        `symbol ${symbol} was removed from enum ${reader.name}, which has no default: the new schema cannot read old data holding ${symbol}. Keep the symbol or give the enum a default.`,
      );
    } else {
      report(
        walk,
        path,
        'enum-symbol-added',
        `symbol ${symbol} was added to enum ${reader.name}, which has no default in the old schema: consumers on the old schema cannot read it. Give the enum a default first.`,
      );
    }
  }
}

function compareMismatch(reader: AvroNode, writer: AvroNode, path: string, walk: Walk): void {
  const [older, newer] = walk.direction === 'backward' ? [writer, reader] : [reader, writer];
  if (reader.kind === writer.kind && 'name' in reader && 'name' in writer) {
    if (!nameMatches(reader, writer)) {
      report(
        walk,
        path,
        'name-changed',
        walk.direction === 'backward'
          ? `${reader.kind} renamed from ${(older as AvroRecordNode).name} to ${(newer as AvroRecordNode).name} without an alias: add "aliases": ["${(older as AvroRecordNode).name}"] to the new ${reader.kind}.`
          : `${reader.kind} renamed from ${(older as AvroRecordNode).name} to ${(newer as AvroRecordNode).name}: consumers on the old schema only know the old name.`,
      );
      return;
    }
    if (reader.kind === 'fixed' && writer.kind === 'fixed') {
      report(
        walk,
        path,
        'fixed-size-changed',
        `fixed ${reader.name} changed size from ${(older as typeof reader).size} to ${(newer as typeof reader).size} bytes: the sizes must be equal.`,
      );
      return;
    }
  }
  report(walk, path, 'type-changed', typeChangedMessage(reader, writer, walk.direction));
}

function typeChangedMessage(reader: AvroNode, writer: AvroNode, direction: ResolutionDirection): string {
  const [older, newer] = direction === 'backward' ? [writer, reader] : [reader, writer];
  const who =
    direction === 'backward'
      ? 'the new schema cannot read data written with the old one'
      : 'consumers on the old schema cannot read data written with the new one';
  const promotion =
    reader.kind === 'primitive' && writer.kind === 'primitive'
      ? ' (Avro only promotes int→long→float→double and string↔bytes)'
      : '';
  return `type changed from ${describeNode(older)} to ${describeNode(newer)}: ${who}${promotion}.`;
}

/** Whether a non-union writer type resolves to this non-union reader type (structure, not contents). */
function sameShape(reader: AvroNode, writer: AvroNode): boolean {
  if (reader.kind === 'primitive' && writer.kind === 'primitive') {
    return reader.type === writer.type || (PROMOTIONS[writer.type] ?? []).includes(reader.type);
  }
  if (reader.kind !== writer.kind) return false;
  if (reader.kind === 'fixed' && writer.kind === 'fixed') {
    return nameMatches(reader, writer) && reader.size === writer.size;
  }
  if ('name' in reader && 'name' in writer) return nameMatches(reader, writer);
  return true;
}

function nameMatches(
  reader: { name: string; aliases: readonly string[] },
  writer: { name: string },
): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.name);
}

/** The reader union branch a writer branch resolves to: an exact match first, else the first promotion. */
function pickBranch(branches: readonly AvroNode[], writer: AvroNode): AvroNode | undefined {
  const exact = branches.find(
    (b) =>
      b.kind === writer.kind &&
      (b.kind !== 'primitive' || b.type === (writer as typeof b).type) &&
      sameShape(b, writer),
  );
  return exact ?? branches.find((b) => b.kind !== 'union' && sameShape(b, writer));
}

function report(walk: Walk, path: string, rule: CompatibilityRule, message: string): void {
  walk.out.push({ path, rule, message });
}
