import type { Schema, Type } from 'avsc';
import avsc from 'avsc';
import { InvalidInputError } from '../../errors.js';
import { fingerprintOf } from '../codec/rabin-fingerprint.js';

/** An Avro schema parsed by avsc, with its Parsing Canonical Form and CRC-64-AVRO fingerprint. */
export interface ParsedSchema {
  /** The avsc type (encodes, decodes, validates values). */
  readonly type: Type;
  /** The schema as written (JSON), docs and defaults included. */
  readonly json: unknown;
  /** Fully qualified name of the top-level named type, or the type name of an unnamed schema. */
  readonly fullName: string;
  /** Parsing Canonical Form (Avro specification): the text the fingerprint is computed over. */
  readonly canonicalForm: string;
  /** CRC-64-AVRO fingerprint of the canonical form, 8 bytes little-endian (as in single-object headers). */
  readonly fingerprint: Buffer;
  /** The fingerprint as 16 lowercase hex digits of those 8 bytes. */
  readonly fingerprintHex: string;
  /**
   * The schema without docs, keys sorted: what matters when it READS data. The canonical form leaves out
   * defaults and aliases, so two schemas with one fingerprint may still resolve differently; two schemas
   * with equal resolution forms are the same version.
   */
  readonly resolutionForm: string;
}

/**
 * Parses an Avro schema (already JSON-decoded). Logical types are kept as their underlying type (a
 * `timestamp-millis` is a number of milliseconds). Throws {@link InvalidInputError} naming `source` when the
 * schema is not valid Avro (bad names, defaults that do not match their type, unknown type references...).
 */
export function parseSchema(json: unknown, source: string): ParsedSchema {
  let type: Type;
  try {
    type = avsc.Type.forSchema(json as Schema, { wrapUnions: 'auto' });
  } catch (error) {
    throw new InvalidInputError(`${source}: not a valid Avro schema: ${(error as Error).message}`, {
      cause: error,
      hint: 'Fix the schema; the Avro specification lists the allowed types, names and defaults.',
    });
  }
  // avsc's schema() without options is the Parsing Canonical Form: full names, only the attributes that
  // matter for parsing, in the specification's order.
  const canonicalForm = JSON.stringify(type.schema());
  const fingerprint = fingerprintOf(canonicalForm);
  return {
    type,
    json,
    fullName: type.name ?? type.typeName,
    canonicalForm,
    fingerprint,
    fingerprintHex: fingerprint.toString('hex'),
    resolutionForm: JSON.stringify(withoutDocs(json)),
  };
}

/** Whether two schemas are the same version: same canonical form, defaults and aliases (docs aside). */
export function sameVersion(a: ParsedSchema, b: ParsedSchema): boolean {
  return a.canonicalForm === b.canonicalForm && a.resolutionForm === b.resolutionForm;
}

function withoutDocs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDocs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => key !== 'doc')
      .sort()
      .map((key) => [key, withoutDocs((value as Record<string, unknown>)[key])]),
  );
}

/** Reads and parses a schema text (JSON); a text that is not JSON is an {@link InvalidInputError}. */
export function parseSchemaText(text: string, source: string): ParsedSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${source}: not valid JSON: ${(error as Error).message}`, {
      cause: error,
      hint: 'An .avsc file is a JSON document; check for trailing commas and unquoted names.',
    });
  }
  return parseSchema(json, source);
}
