import { formatDuration, parseDuration } from './duration.js';

/** A resolved configuration value. */
export type Value =
  | string
  | number
  | boolean
  | readonly string[]
  | Readonly<Record<string, string>>
  | readonly object[]
  | undefined;

/** Marker returned by a parser for an invalid value. */
export const INVALID: unique symbol = Symbol('invalid');

/** Non-empty text (numbers accepted as text), trimmed, optionally matching `pattern`. */
export const text =
  (pattern?: RegExp) =>
  (raw: unknown): string | typeof INVALID => {
    if (typeof raw !== 'string' && typeof raw !== 'number') return INVALID;
    const value = String(raw).trim();
    if (value === '' || (pattern && !pattern.test(value))) return INVALID;
    return value;
  };

/** One of `values`. */
export const oneOf =
  (...values: string[]) =>
  (raw: unknown): string | typeof INVALID =>
    typeof raw === 'string' && values.includes(raw.trim()) ? raw.trim() : INVALID;

/** An integer from `min` to `max`. */
export const integer =
  (min: number, max: number) =>
  (raw: unknown): number | typeof INVALID => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
    if (typeof raw === 'string' && !/^\s*-?\d+\s*$/.test(raw)) return INVALID;
    return Number.isInteger(value) && value >= min && value <= max ? value : INVALID;
  };

/** A duration such as `24h` or `7d`, in milliseconds. */
export const duration = (raw: unknown): number | typeof INVALID => {
  if (typeof raw !== 'string') return INVALID;
  return parseDuration(raw) ?? INVALID;
};

/** true/false, 1/0, yes/no, on/off. */
export const boolean = (raw: unknown): boolean | typeof INVALID => {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return INVALID;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return INVALID;
};

/** A URL with one of `protocols` and a host. */
export const url =
  (...protocols: string[]) =>
  (raw: unknown): string | typeof INVALID => {
    if (typeof raw !== 'string') return INVALID;
    try {
      const parsed = new URL(raw.trim());
      return protocols.includes(parsed.protocol) && parsed.hostname !== '' ? raw.trim() : INVALID;
    } catch {
      return INVALID;
    }
  };

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** A non-empty list of `host:port`. */
export const brokers = (raw: unknown): readonly string[] | typeof INVALID => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return INVALID;
  const list = items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((s) => s !== '');
  return list.length > 0 && list.every((item) => HOST_PORT.test(item)) ? list : INVALID;
};

/** `parse`, with an empty text or null meaning unset. */
export const optional =
  (parse: (raw: unknown) => Value | typeof INVALID) =>
  (raw: unknown): Value | typeof INVALID =>
    raw === '' || raw === null ? undefined : parse(raw);

/** Formats a duration value in milliseconds for people. */
export const ms = (value: Value) => formatDuration(value as number);

/**
 * A value a parser rejects with a reason (e.g. why a regular expression does not compile); the error then
 * names the key, the reason and the expected form.
 */
export class InvalidValue {
  constructor(readonly reason: string) {}
}

/** What a parser returns. */
export type Parsed = Value | typeof INVALID | InvalidValue;

/**
 * A list from a YAML/JSON array or from comma-separated text; items trimmed, empty ones dropped, so an
 * empty text is an empty list (how `--set key=` clears a list set in a file).
 */
export const list = (raw: unknown): string[] | typeof INVALID => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items?.every((item) => typeof item === 'string')) return INVALID;
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
};

/**
 * `NAME=VALUE` entries as pairs, from a YAML/JSON mapping, an array of `NAME=VALUE` strings, or text:
 * entries split by `separator`, or a JSON array of strings when the text starts with `[`. Undefined when
 * the raw value has none of these forms; an entry without `=` or with an empty side is an
 * {@link InvalidValue} naming it.
 */
export function namedEntries(
  raw: unknown,
  separator: RegExp,
): Array<[string, string]> | InvalidValue | undefined {
  let items: unknown[];
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    const bad = entries.find(
      ([name, value]) => name.trim() === '' || typeof value !== 'string' || value === '',
    );
    if (bad) return new InvalidValue(`entry ${JSON.stringify(bad[0])} needs a non-empty text value`);
    return entries.map(([name, value]) => [name.trim(), value as string]);
  }
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) return undefined;
      items = parsed;
    } catch {
      return new InvalidValue('the text starts with [ but is not a JSON array');
    }
  } else if (typeof raw === 'string') items = raw.split(separator);
  else return undefined;
  const entries: Array<[string, string]> = [];
  for (const item of items) {
    if (typeof item !== 'string') return undefined;
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    if (at <= 0 || item.slice(0, at).trim() === '' || item.slice(at + 1) === '') {
      return new InvalidValue(`entry ${JSON.stringify(item)} is not NAME=VALUE`);
    }
    entries.push([item.slice(0, at).trim(), item.slice(at + 1)]);
  }
  return entries;
}

/** Kafka topic names, comma-separated or a list. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export const topics = (raw: unknown): readonly string[] | typeof INVALID => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return INVALID;
  const list = items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((s) => s !== '');
  return list.every((item) => TOPIC.test(item) && item !== '.' && item !== '..') ? list : INVALID;
};

export const secretKey = (raw: unknown): string | typeof INVALID => {
  if (typeof raw !== 'string') return INVALID;
  const value = raw.trim();
  return value.length >= 32 && value.length <= 1024 ? value : INVALID;
};

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A size such as `65536`, `64KiB`, `32MiB` or `1GB`, from `min` to `max` bytes. */
export const bytes =
  (min: number, max: number) =>
  (raw: unknown): number | typeof INVALID => {
    if (typeof raw !== 'number' && typeof raw !== 'string') return INVALID;
    const match = /^\s*(\d+)\s*([kmg]i?b|b)?\s*$/i.exec(String(raw));
    if (!match) return INVALID;
    const value = Number(match[1]) * (BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] as number);
    return Number.isSafeInteger(value) && value >= min && value <= max ? value : INVALID;
  };

export const formatBytes = (value: Value) => {
  const n = value as number;
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
};
