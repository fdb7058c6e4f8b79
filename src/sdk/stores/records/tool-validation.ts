import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { InvalidInputError } from '../../errors.js';

const NAME = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const MAX_NAME = 64;
// Semantic Versioning 2.0.0 (semver.org), without build metadata.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const MAX_VERSION = 64;
const MAX_PART = 2_147_483_647;
/** Largest input schema, serialised. */
export const MAX_SCHEMA_BYTES = 64 * 1024;

/** A parsed semantic version. */
export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: string | null;
}

/** Checks a tool name (see `NewTool.name`). */
export function checkToolName(name: unknown): string {
  if (typeof name !== 'string' || name.length > MAX_NAME || !NAME.test(name)) {
    throw new InvalidInputError(`tool name ${JSON.stringify(name)?.slice(0, 80)} is invalid`, {
      hint: `Use lowercase letters and digits with single . _ - separators, starting with a letter, at most ${MAX_NAME} characters (e.g. web.search).`,
    });
  }
  return name;
}

/** Parses a semantic version 2.0.0 without build metadata; an `InvalidInputError` otherwise. */
export function parseSemver(version: unknown): Semver {
  const match = typeof version === 'string' && version.length <= MAX_VERSION ? SEMVER.exec(version) : null;
  const parts = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
  if (!match || parts.some((part) => part > MAX_PART)) {
    const build = typeof version === 'string' && version.includes('+');
    throw new InvalidInputError(
      `tool version ${JSON.stringify(version)?.slice(0, 80)} is not a semantic version`,
      {
        hint: build
          ? 'Build metadata (+…) is not allowed: it does not order versions; use a pre-release (-rc.1) or a new patch.'
          : 'Use MAJOR.MINOR.PATCH with an optional -pre.release, e.g. 1.4.0 or 2.0.0-rc.1 (semver.org).',
      },
    );
  }
  return {
    major: parts[0] as number,
    minor: parts[1] as number,
    patch: parts[2] as number,
    prerelease: match[4] ?? null,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaError(problem: string): InvalidInputError {
  return new InvalidInputError(`tool input schema ${problem}`, {
    hint: 'Pass a JSON Schema object such as {"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}.',
  });
}

/**
 * The JSON Schema validator for tool inputs: all errors, unknown keywords ignored, and the standard formats
 * (`date-time`, `email`, `uri`, `uuid`, …) checked rather than ignored.
 */
export function createToolSchemaAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // A CommonJS module: its exports object is the plugin, which also carries itself as `default`.
  ajvFormats.default(ajv);
  return ajv;
}

let checker: Ajv | undefined;

/**
 * Checks a tool input schema: a JSON object schema (`type: "object"`), `properties` an object of schemas,
 * `required` unique property names, `additionalProperties` a boolean or schema, at most
 * {@link MAX_SCHEMA_BYTES} serialised, and compilable as JSON Schema (draft 7). Returns the serialised schema.
 */
export function checkInputSchema(schema: unknown): string {
  if (!isPlainObject(schema)) throw schemaError('must be a JSON object');
  if (schema.type !== 'object')
    throw schemaError(`must have "type": "object", got ${JSON.stringify(schema.type)}`);
  const { properties, required, additionalProperties } = schema;
  if (properties !== undefined) {
    if (!isPlainObject(properties)) throw schemaError('"properties" must be an object');
    for (const [key, value] of Object.entries(properties)) {
      if (!isPlainObject(value) && typeof value !== 'boolean') {
        throw schemaError(`"properties.${key}" must be a schema (an object or a boolean)`);
      }
    }
  }
  if (required !== undefined) {
    if (!Array.isArray(required) || required.some((item) => typeof item !== 'string')) {
      throw schemaError('"required" must be an array of property names');
    }
    if (new Set(required).size !== required.length) throw schemaError('"required" lists a property twice');
  }
  if (
    additionalProperties !== undefined &&
    !isPlainObject(additionalProperties) &&
    typeof additionalProperties !== 'boolean'
  ) {
    throw schemaError('"additionalProperties" must be a boolean or a schema');
  }
  let text: string;
  try {
    text = JSON.stringify(schema);
  } catch (error) {
    throw schemaError(`is not serialisable as JSON: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_SCHEMA_BYTES)
    throw schemaError(`is larger than ${MAX_SCHEMA_BYTES} bytes`);
  // Compiled here so that a schema no input could ever be checked against is refused when it is registered,
  // not at the first call of the tool. A fresh copy, removed afterwards: nothing is cached across calls.
  checker ??= createToolSchemaAjv();
  const copy = JSON.parse(text) as object;
  try {
    checker.compile(copy);
  } catch (error) {
    throw schemaError(`is not valid JSON Schema: ${(error as Error).message}`);
  } finally {
    checker.removeSchema(copy);
  }
  return text;
}
