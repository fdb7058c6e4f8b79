import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import type { JsonValue } from '../../json.js';

export type { JsonValue };

/**
 * The canonical JSON text of `value`: object members sorted by key (UTF-16 code units, as in RFC 8785),
 * no insignificant whitespace, numbers as `JSON.stringify` writes them. Two equal values always give the
 * same text, so its hash identifies a configuration state. Non-finite numbers, `undefined`, functions and
 * other non-JSON values are an `InvalidInputError`.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

/** Hex SHA-256 of the UTF-8 bytes of the {@link canonicalJson} of `value`. */
export function canonicalChecksum(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

function write(value: unknown, out: string[], path: string): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidInputError(`${path}: ${value} is not a JSON number`);
    out.push(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out, `${path}[${i}]`);
    });
    out.push(']');
    return;
  }
  if (typeof value === 'object' && isPlain(value)) {
    const keys = Object.keys(value).sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write((value as Record<string, unknown>)[key], out, `${path}.${key}`);
    });
    out.push('}');
    return;
  }
  throw new InvalidInputError(`${path}: ${typeof value} is not a JSON value`);
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
