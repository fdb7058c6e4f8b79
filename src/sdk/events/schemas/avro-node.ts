import type { Type } from 'avsc';
import avsc from 'avsc';

/** Primitive Avro type names. */
export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** A field of an {@link AvroRecordNode}. */
export interface AvroFieldNode {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly type: AvroNode;
  /** Whether the field declares a default (a reader may then fill it in when the writer lacks it). */
  readonly hasDefault: boolean;
}

export interface AvroRecordNode {
  readonly kind: 'record';
  /** Fully qualified name. */
  readonly name: string;
  /** Fully qualified aliases. */
  readonly aliases: readonly string[];
  readonly fields: readonly AvroFieldNode[];
}

export interface AvroEnumNode {
  readonly kind: 'enum';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly symbols: readonly string[];
  /** Symbol a reader uses for a writer symbol it does not know. */
  readonly default: string | undefined;
}

export interface AvroFixedNode {
  readonly kind: 'fixed';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly size: number;
}

/**
 * A parsed Avro schema reduced to what schema resolution looks at (the Avro specification's rules):
 * types, names and aliases, fields with whether they have a default, enum symbols and default, fixed
 * sizes. Logical types appear as their underlying type. Recursive records make this a graph: a record
 * node can be reached again from its own fields.
 */
export type AvroNode =
  | { readonly kind: 'primitive'; readonly type: AvroPrimitive }
  | AvroRecordNode
  | AvroEnumNode
  | AvroFixedNode
  | { readonly kind: 'array'; readonly items: AvroNode }
  | { readonly kind: 'map'; readonly values: AvroNode }
  | { readonly kind: 'union'; readonly branches: readonly AvroNode[] };

/** The avsc internals this module reads (avsc's own typings do not declare them). */
interface AvscTypeView {
  readonly typeName: string;
  readonly name?: string;
  readonly aliases?: string[];
  readonly fields?: ReadonlyArray<{
    name: string;
    aliases: string[];
    type: AvscTypeView;
    defaultValue(): unknown;
  }>;
  readonly symbols?: string[];
  readonly default?: string;
  readonly size?: number;
  readonly itemsType?: AvscTypeView;
  readonly valuesType?: AvscTypeView;
  readonly types?: AvscTypeView[];
  readonly underlyingType?: AvscTypeView;
}

/** Converts an avsc type into an {@link AvroNode} graph. */
export function toAvroNode(type: Type): AvroNode {
  return convert(type as unknown as AvscTypeView, new Map());
}

function convert(type: AvscTypeView, seen: Map<AvscTypeView, AvroNode>): AvroNode {
  const known = seen.get(type);
  if (known) return known;
  if (avsc.Type.isType(type, 'logical') && type.underlyingType) return convert(type.underlyingType, seen);
  if (avsc.Type.isType(type, 'union')) {
    return { kind: 'union', branches: (type.types ?? []).map((t) => convert(t, seen)) };
  }
  switch (type.typeName) {
    case 'record':
    case 'error': {
      const fields: AvroFieldNode[] = [];
      const node: AvroRecordNode = {
        kind: 'record',
        name: type.name ?? '',
        aliases: type.aliases ?? [],
        fields,
      };
      seen.set(type, node);
      for (const field of type.fields ?? []) {
        fields.push({
          name: field.name,
          aliases: field.aliases,
          type: convert(field.type, seen),
          hasDefault: field.defaultValue() !== undefined,
        });
      }
      return node;
    }
    case 'enum':
      return {
        kind: 'enum',
        name: type.name ?? '',
        aliases: type.aliases ?? [],
        symbols: type.symbols ?? [],
        default: type.default,
      };
    case 'fixed':
      return { kind: 'fixed', name: type.name ?? '', aliases: type.aliases ?? [], size: type.size ?? 0 };
    case 'array':
      return { kind: 'array', items: convert(type.itemsType!, seen) };
    case 'map':
      return { kind: 'map', values: convert(type.valuesType!, seen) };
    default:
      return { kind: 'primitive', type: type.typeName as AvroPrimitive };
  }
}

/** Short human name of a node: the primitive or kind, with the name of a named type. */
export function describeNode(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.type;
    case 'record':
    case 'enum':
    case 'fixed':
      return `${node.kind} ${node.name}`;
    case 'array':
      return `array<${describeNode(node.items)}>`;
    case 'map':
      return `map<${describeNode(node.values)}>`;
    case 'union':
      return `union [${node.branches.map(describeNode).join(', ')}]`;
  }
}
