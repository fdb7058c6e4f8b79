import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import {
  type JsonValue,
  MAX_METADATA_BYTES,
  MAX_TEXT_BYTES,
  MAX_TOP_K,
  type MemoryQuery,
  type MemoryRecord,
  type MemoryScope,
} from './vector-memory.js';

// Engines store embeddings as float32.
const FLOAT32_MAX = 3.4028234663852886e38;

/** A record after the port-boundary checks: plain numbers, metadata as a JSON object, a creation time. */
export interface CheckedRecord {
  readonly id: string;
  readonly tenant: string;
  readonly subject: string;
  readonly text: string;
  readonly embedding: number[];
  readonly metadata: { [key: string]: JsonValue };
  readonly createdAt: Date;
}

/** A query after the port-boundary checks. */
export interface CheckedQuery {
  readonly tenant: string;
  readonly subject: string | undefined;
  readonly vector: number[];
  readonly topK: number;
  readonly minScore: number | undefined;
}

/** A scope after the checks. */
export interface CheckedScope {
  readonly tenant: string | undefined;
  readonly subject: string | undefined;
}

/**
 * Checks a vector: exactly `dimensions` finite numbers, not all zero. Returns a plain array copy (so a caller
 * mutating its Float32Array later cannot change what is written).
 */
export function checkVector(what: string, vector: unknown, dimensions: number): number[] {
  const like = vector as ArrayLike<unknown> | null | undefined;
  if (like === null || typeof like !== 'object' || typeof like.length !== 'number') {
    throw new InvalidInputError(`${what} must be an array of ${dimensions} numbers`, {
      hint: 'Pass a number[] or Float32Array from your embedding model.',
    });
  }
  if (like.length !== dimensions) {
    throw new InvalidInputError(`${what} has ${like.length} dimensions, expected ${dimensions}`, {
      hint: 'Embed with the model configured for vector.dimensions, or change vector.dimensions (needs a new store).',
      details: { expected: dimensions, got: like.length },
    });
  }
  const values = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = like[i];
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
      throw new InvalidInputError(`${what}[${i}] is ${String(value)}, expected a finite 32-bit float`, {
        hint: 'Embeddings must not contain NaN, Infinity, values beyond ±3.4e38 or non-numbers.',
      });
    }
    values[i] = value;
    norm += value * value;
  }
  if (norm === 0) {
    throw new InvalidInputError(`${what} is all zeros: cosine similarity is undefined`, {
      hint: 'Pass a non-zero embedding.',
    });
  }
  return values;
}

function checkText(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidInputError('memory text must be a string');
  if (text.includes('\u0000')) {
    throw new InvalidInputError('memory text contains a NUL character', {
      hint: 'Remove NUL (\\u0000) characters.',
    });
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
    throw new InvalidInputError(`memory text is longer than ${MAX_TEXT_BYTES} bytes`, {
      hint: 'Split long texts into several memories.',
    });
  }
  return text;
}

function isJsonValue(value: unknown, depth: number): value is JsonValue {
  if (depth > 32) return false;
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return !value.includes('\u0000');
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).every(
      ([key, item]) => !key.includes('\u0000') && isJsonValue(item, depth + 1),
    );
  }
  return false;
}

function checkMetadata(metadata: unknown): { [key: string]: JsonValue } {
  if (metadata === undefined) return {};
  if (
    metadata === null ||
    typeof metadata !== 'object' ||
    Array.isArray(metadata) ||
    !isJsonValue(metadata, 0)
  ) {
    throw new InvalidInputError('memory metadata must be a plain JSON object', {
      hint: 'Use strings, finite numbers, booleans, null, arrays and plain objects (no NUL characters, no Dates).',
    });
  }
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > MAX_METADATA_BYTES) {
    throw new InvalidInputError(`memory metadata is larger than ${MAX_METADATA_BYTES} bytes serialised`);
  }
  return metadata as { [key: string]: JsonValue };
}

/** Checks a date argument (`createdAt`, a retention cutoff). */
export function checkDate(what: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidInputError(`${what} must be a valid Date`);
  }
  return value;
}

/** Checks one record at the port boundary. */
export function checkRecord(record: MemoryRecord, dimensions: number, now: Date): CheckedRecord {
  if (record === null || typeof record !== 'object')
    throw new InvalidInputError('memory record must be an object');
  return {
    id: checkId('record', record.id),
    tenant: checkId('tenant', record.tenant),
    subject: checkId('subject', record.subject),
    text: checkText(record.text),
    embedding: checkVector('embedding', record.embedding, dimensions),
    metadata: checkMetadata(record.metadata),
    createdAt: record.createdAt === undefined ? now : checkDate('createdAt', record.createdAt),
  };
}

/**
 * Checks a batch; every record is checked before any is written. Later records with the same (tenant, id)
 * replace earlier ones, so one batch never writes a key twice.
 */
export function checkRecords(records: readonly MemoryRecord[], dimensions: number): CheckedRecord[] {
  if (!Array.isArray(records)) throw new InvalidInputError('upsert takes an array of memory records');
  const now = new Date();
  const byKey = new Map<string, CheckedRecord>();
  records.forEach((record, index) => {
    let checked: CheckedRecord;
    try {
      checked = checkRecord(record, dimensions, now);
    } catch (error) {
      if (error instanceof InvalidInputError && records.length > 1) {
        throw new InvalidInputError(`record ${index}: ${error.message}`, {
          cause: error,
          ...(error.hint ? { hint: error.hint } : {}),
          ...(error.details ? { details: error.details } : {}),
        });
      }
      throw error;
    }
    const key = `${checked.tenant}\u0000${checked.id}`; // ids cannot contain NUL, so the key is unambiguous
    byKey.delete(key);
    byKey.set(key, checked);
  });
  return [...byKey.values()];
}

/** Checks a search query. */
export function checkQuery(query: MemoryQuery, dimensions: number): CheckedQuery {
  if (query === null || typeof query !== 'object')
    throw new InvalidInputError('search query must be an object');
  const tenant = checkId('tenant', query.tenant);
  const subject = query.subject === undefined ? undefined : checkId('subject', query.subject);
  const vector = checkVector('query vector', query.vector, dimensions);
  if (!Number.isInteger(query.topK) || query.topK < 1 || query.topK > MAX_TOP_K) {
    throw new InvalidInputError(`topK must be an integer from 1 to ${MAX_TOP_K}, got ${String(query.topK)}`);
  }
  const { minScore } = query;
  if (minScore !== undefined && (typeof minScore !== 'number' || !(minScore >= -1 && minScore <= 1))) {
    throw new InvalidInputError(`minScore must be a number from -1 to 1, got ${String(minScore)}`, {
      hint: 'Scores are cosine similarities: 1 is identical direction, 0 unrelated, -1 opposite.',
    });
  }
  return { tenant, subject, vector, topK: query.topK, minScore };
}

/** Checks a scope: ids checked, a subject needs its tenant. */
export function checkScope(scope: MemoryScope | undefined): CheckedScope {
  if (scope === undefined) return { tenant: undefined, subject: undefined };
  if (scope === null || typeof scope !== 'object') throw new InvalidInputError('scope must be an object');
  const tenant = scope.tenant === undefined ? undefined : checkId('tenant', scope.tenant);
  const subject = scope.subject === undefined ? undefined : checkId('subject', scope.subject);
  if (subject !== undefined && tenant === undefined) {
    throw new InvalidInputError('a subject scope needs its tenant', {
      hint: 'Subjects are ids within a tenant: pass { tenant, subject }.',
    });
  }
  return { tenant, subject };
}
