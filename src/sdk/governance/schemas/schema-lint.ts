/** Rule ids of schema lint findings. */
export type LintRule =
  | 'namespace-missing'
  | 'doc-missing'
  | 'null-not-first'
  | 'optional-default-missing'
  | 'name-not-pascal-case'
  | 'field-not-camel-case'
  | 'enum-symbol-not-upper-snake';

/** One lint finding in a schema. */
export interface LintFinding {
  /** Path from the top-level type, e.g. `ConversationEvent.sealed.keyId`. */
  readonly path: string;
  readonly rule: LintRule;
  readonly message: string;
}

const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL = /^[a-z][A-Za-z0-9]*$/;
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

type Json = Record<string, unknown>;

/**
 * Lints a schema that parses (a JSON value): the top-level named type has a namespace; records and fields
 * have a non-empty `doc`; a union with null has null first and, on a field, `"default": null`; records,
 * enums and fixed types are PascalCase, fields camelCase, enum symbols UPPER_SNAKE. Returns every finding.
 */
export function lintSchema(schema: unknown): LintFinding[] {
  const out: LintFinding[] = [];
  const root = isObject(schema) && typeof schema.name === 'string' ? shortName(schema.name) : '(schema)';
  if (isObject(schema) && NAMED.has(String(schema.type))) {
    const name = String(schema.name ?? '');
    if (!name.includes('.') && !(typeof schema.namespace === 'string' && schema.namespace.length > 0)) {
      out.push({
        path: root,
        rule: 'namespace-missing',
        message: `${schema.type} ${name} has no namespace: add one (e.g. "namespace": "dev.somaagent.events") so its full name cannot collide.`,
      });
    }
  }
  walk(schema, root, out);
  return out;
}

function walk(schema: unknown, path: string, out: LintFinding[]): void {
  if (Array.isArray(schema)) {
    const nullAt = schema.findIndex(isNullType);
    if (nullAt > 0) {
      out.push({
        path,
        rule: 'null-not-first',
        message: `null is branch ${nullAt + 1} of the union: put "null" first so the field can default to null.`,
      });
    }
    for (const branch of schema) walk(branch, path, out);
    return;
  }
  if (!isObject(schema)) return;
  const type = schema.type;
  if (typeof type !== 'string') {
    walk(type, path, out);
    return;
  }
  if (NAMED.has(type)) checkName(schema, type, path, out);
  switch (type) {
    case 'record':
    case 'error':
      if (!hasDoc(schema)) {
        out.push({
          path,
          rule: 'doc-missing',
          message: `record ${schema.name} has no doc: say what one record means and where it is published.`,
        });
      }
      for (const field of Array.isArray(schema.fields) ? schema.fields : []) {
        if (isObject(field)) walkField(field, path, out);
      }
      return;
    case 'enum':
      for (const symbol of Array.isArray(schema.symbols) ? schema.symbols : []) {
        if (typeof symbol === 'string' && !UPPER_SNAKE.test(symbol)) {
          out.push({
            path,
            rule: 'enum-symbol-not-upper-snake',
            message: `enum ${schema.name} symbol ${symbol} is not UPPER_SNAKE_CASE.`,
          });
        }
      }
      return;
    case 'array':
      walk(schema.items, `${path}[]`, out);
      return;
    case 'map':
      walk(schema.values, `${path}{}`, out);
      return;
    default:
      return;
  }
}

function walkField(field: Json, recordPath: string, out: LintFinding[]): void {
  const name = String(field.name ?? '');
  const path = `${recordPath}.${name}`;
  if (!CAMEL.test(name)) {
    out.push({ path, rule: 'field-not-camel-case', message: `field ${name} is not camelCase.` });
  }
  if (!hasDoc(field)) {
    out.push({ path, rule: 'doc-missing', message: `field ${name} has no doc: say what it holds.` });
  }
  if (Array.isArray(field.type) && isNullType(field.type[0])) {
    if (!('default' in field) || field.default !== null) {
      out.push({
        path,
        rule: 'optional-default-missing',
        message: `optional field ${name} has no "default": null, so a reader cannot fill it in for data written without it.`,
      });
    }
  }
  walk(field.type, path, out);
}

function checkName(schema: Json, type: string, path: string, out: LintFinding[]): void {
  const name = shortName(String(schema.name ?? ''));
  if (!PASCAL.test(name)) {
    out.push({ path, rule: 'name-not-pascal-case', message: `${type} name ${name} is not PascalCase.` });
  }
}

function hasDoc(schema: Json): boolean {
  return typeof schema.doc === 'string' && schema.doc.trim().length > 0;
}

function isNullType(schema: unknown): boolean {
  return schema === 'null' || (isObject(schema) && schema.type === 'null');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
