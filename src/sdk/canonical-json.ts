import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.js';

/**
 * How {@link canonicalJson} treats the values JSON has no text for. The defaults reject them; the lenient
 * settings write what `JSON.stringify` writes for them.
 */
export interface CanonicalJsonOptions {
  /**
   * `reject` (default): `undefined` anywhere is an `InvalidInputError` naming its path. `omit`: an `undefined`
   * object member is left out, an `undefined` array item (or top-level value) is written as `null`.
   */
  readonly undefined?: 'reject' | 'omit';
  /** `reject` (default): `NaN` and infinite numbers are an `InvalidInputError`. `null`: written as `null`. */
  readonly nonFinite?: 'reject' | 'null';
}

/**
 * The canonical JSON text of `value`: object members sorted by key (UTF-16 code units, as in RFC 8785), no
 * insignificant whitespace, strings and numbers as `JSON.stringify` writes them. Equal values always give the
 * same text, so it can be hashed and signed. Only plain objects, arrays, strings, finite numbers, booleans and
 * null are JSON; anything else (functions, bigints, symbols, class instances such as `Date` or `Map`) is an
 * `InvalidInputError`, and so are `undefined` and non-finite numbers unless `options` allow them.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const out: string[] = [];
  write(value, out, '$', options.undefined === 'omit', options.nonFinite === 'null');
  return out.join('');
}

/** Hex SHA-256 of the UTF-8 bytes of the {@link canonicalJson} of `value`. */
export function canonicalChecksum(value: unknown, options: CanonicalJsonOptions = {}): string {
  return createHash('sha256').update(canonicalJson(value, options), 'utf8').digest('hex');
}

function write(value: unknown, out: string[], path: string, omitUndefined: boolean, nullNonFinite: boolean) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) && !nullNonFinite) {
      throw new InvalidInputError(`${path}: ${value} is not a JSON number`);
    }
    out.push(JSON.stringify(value));
    return;
  }
  if (value === undefined && omitUndefined) {
    out.push('null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], out, `${path}[${i}]`, omitUndefined, nullNonFinite);
    }
    out.push(']');
    return;
  }
  if (typeof value === 'object' && isPlain(value)) {
    const record = value as Record<string, unknown>;
    let keys = Object.keys(record);
    if (omitUndefined) keys = keys.filter((key) => record[key] !== undefined);
    out.push('{');
    keys.sort().forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(record[key], out, `${path}.${key}`, omitUndefined, nullNonFinite);
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
