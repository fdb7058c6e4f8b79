import type { Finding, Redactor } from './pii-types.js';

/** Result of {@link redactValue}. */
export interface ValueRedaction<T> {
  /** A copy of the value with every visited string redacted (the input is not modified). */
  readonly value: T;
  /** Each finding with the path of the string it was found in, e.g. `payload.messages.2.text`. */
  readonly findings: ReadonlyArray<Finding & { readonly path: string }>;
}

/**
 * Redacts every string in a JSON-like value (plain objects and arrays, recursively), for event payloads
 * before encoding. Keys listed in `keep` (at any depth) are copied untouched: identifiers such as
 * `event_id` or `conversation_id` must survive, and they are checked ids, not free text. Non-string
 * leaves (numbers, booleans, null, bytes, dates) are copied as they are.
 */
export function redactValue<T>(
  redactor: Redactor,
  value: T,
  options: { keep?: readonly string[] } = {},
): ValueRedaction<T> {
  const keep = new Set(options.keep ?? []);
  const findings: Array<Finding & { path: string }> = [];
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const result = redactor.redact(node);
      for (const f of result.findings) findings.push({ ...f, path });
      return result.text;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, path ? `${path}.${i}` : String(i)));
    if (node !== null && typeof node === 'object' && isPlainObject(node)) {
      const copy: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        copy[key] = keep.has(key) ? child : visit(child, path ? `${path}.${key}` : key);
      }
      return copy;
    }
    return node;
  };
  return { value: visit(value, '') as T, findings };
}

function isPlainObject(node: object): boolean {
  const proto = Object.getPrototypeOf(node);
  return proto === Object.prototype || proto === null;
}
