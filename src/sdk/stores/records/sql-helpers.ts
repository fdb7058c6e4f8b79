import { InvalidInputError } from '../../errors.js';

/** Largest page any records query returns. */
export const MAX_LIMIT = 1000;

/** Checks a page size: an integer from 1 to {@link MAX_LIMIT}; `fallback` when undefined. */
export function checkLimit(limit: unknown, fallback = 100): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`);
  }
  return limit;
}

/** Checks a point in time: a valid `Date`. */
export function checkDate(name: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidInputError(`${name} must be a valid Date`);
  }
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a UUID (job ids, event ids, key ids); returns it lower-cased. */
export function checkUuid(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new InvalidInputError(`${kind} must be a UUID, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  return value.toLowerCase();
}

/** Checks free text (reasons, descriptions, errors): a string of at most `maxBytes` UTF-8 bytes. */
export function checkText(name: string, value: unknown, maxBytes: number, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) {
    throw new InvalidInputError(`${name} must be a ${allowEmpty ? '' : 'non-empty '}string`, {
      hint: `Give the ${name} as ${allowEmpty ? '' : 'non-empty '}text.`,
    });
  }
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new InvalidInputError(`${name} is longer than ${maxBytes} bytes`, {
      hint: `Shorten the ${name} to at most ${maxBytes} UTF-8 bytes.`,
    });
  }
  return value;
}

/**
 * Checks a JSON object (audit details, outbox headers): a plain object that survives JSON round-tripping,
 * at most `maxBytes` once serialised. Returns the serialised text, passed to SQL as `$n::jsonb`.
 */
export function checkJsonObject(name: string, value: unknown, maxBytes: number): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${name} must be a JSON object`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(`${name} is not serialisable as JSON: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new InvalidInputError(`${name} is larger than ${maxBytes} bytes as JSON`);
  }
  return text;
}

/** A timestamp column as a `Date` (both drivers return `Date`; text is tolerated). */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** A `bytea` column as a plain `Uint8Array` (pg returns a Buffer, PGlite a Uint8Array). */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('expected a bytea value');
}

/** A byte array as a value both drivers bind to `bytea`. */
export function bytesParam(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
