import type { Type } from 'avsc';
import { InvalidInputError } from '../../errors.js';
import type { ParsedSchema } from '../schemas/avro-schema.js';
import { parseSchemaText } from '../schemas/avro-schema.js';
import { schemaNameOfTopic, valueSubject } from '../schemas/event-topics.js';
import type { SchemaCatalog, SchemaVersion } from '../schemas/schema-catalog.js';
import { DecodeError } from './decode-error.js';
import { type Framing, frameConfluent, frameSingleObject, readFrame } from './framing.js';
import type { SchemaRegistryClient } from './schema-registry-client.js';

type Resolver = ReturnType<Type['createResolver']>;

/** Options of {@link createEventCodec}. */
export interface EventCodecOptions {
  /** The known schemas (see `loadSchemaCatalog`). */
  readonly catalog: SchemaCatalog;
  /** When set, messages are written in the Confluent wire format with ids from this registry. */
  readonly registry?: SchemaRegistryClient;
  /**
   * With a registry: register the current schema under `{topic}-value` when encoding (default true);
   * false only looks it up and fails when it is not registered.
   */
  readonly autoRegister?: boolean;
}

/** A decoded message. */
export interface DecodedEvent<T = unknown> {
  /** Catalog name of the schema decoded into (the current reader schema). */
  readonly schema: string;
  /** Version the message was written with, when the writer schema is in the catalog. */
  readonly writerVersion: number | null;
  /** CRC-64-AVRO fingerprint of the writer schema (16 hex digits). */
  readonly fingerprint: string;
  readonly framing: Framing;
  /** Registry id of the writer schema (Confluent framing). */
  readonly schemaId?: number;
  readonly value: T;
}

/** Encodes event values and decodes messages of the event topics. */
export interface EventCodec {
  /** Framing used by {@link encode}: `confluent` when a registry is configured, else `single-object`. */
  readonly framing: Framing;
  /**
   * Encodes `value` with the current schema of `topic`. A value that does not match the schema is an
   * `InvalidInputError` listing the offending field paths; registry failures are retriable errors.
   */
  encode(topic: string, value: unknown): Promise<Buffer>;
  /**
   * Decodes a message of either framing into the current reader schema (of `topic` when given, else of
   * the writer's schema), resolving a message written with an older version. Throws {@link DecodeError}
   * for a message that can never be decoded (route it to the dead-letter topic); a registry that cannot be
   * reached is a retriable error instead.
   */
  decode<T = unknown>(bytes: Uint8Array, topic?: string): Promise<DecodedEvent<T>>;
}

/**
 * Encodes `value` with `schema` in single-object encoding (no registry needed). Throws an
 * `InvalidInputError` naming the invalid field paths.
 */
export function encodeSingleObject(schema: ParsedSchema, value: unknown): Buffer {
  return frameSingleObject(schema.fingerprint, encodeBody(schema, value));
}

/**
 * Decodes a single-object encoded message with the catalog, synchronously: the fingerprint selects the
 * writer version, the value is read into the current version of that schema (or of `expectSchema`).
 */
export function decodeSingleObject<T = unknown>(
  catalog: SchemaCatalog,
  bytes: Uint8Array,
  expectSchema?: string,
): DecodedEvent<T> {
  const frame = readFrame(bytes);
  if (frame.framing !== 'single-object') {
    throw new DecodeError('unknown-framing', 'expected single-object encoding, got Confluent framing', {
      schemaId: frame.schemaId,
    });
  }
  return decodeSingleFrame(catalog, frame, expectSchema, new Map());
}

type SingleObjectFrame = Extract<ReturnType<typeof readFrame>, { framing: 'single-object' }>;

function decodeSingleFrame<T>(
  catalog: SchemaCatalog,
  frame: SingleObjectFrame,
  expect: string | undefined,
  resolvers: Map<string, Resolver>,
): DecodedEvent<T> {
  const fingerprint = frame.fingerprint.toString('hex');
  const writer = catalog.byFingerprint(fingerprint);
  if (!writer) {
    throw new DecodeError('unknown-fingerprint', `no known schema has fingerprint ${fingerprint}`, {
      fingerprint,
    });
  }
  const reader = readerFor(catalog, writer.schema, expect, { fingerprint });
  const value = readBody<T>(reader, writer.schema, frame.body, resolvers, { fingerprint });
  return { schema: reader.name, writerVersion: writer.version, fingerprint, framing: 'single-object', value };
}

/** An {@link EventCodec} over a catalog, with a registry (Confluent framing) or without (single-object). */
export function createEventCodec(options: EventCodecOptions): EventCodec {
  const { catalog, registry } = options;
  const autoRegister = options.autoRegister ?? true;
  const resolvers = new Map<string, Resolver>();
  const registrySchemas = new Map<number, ParsedSchema>();

  const schemaOfTopic = (topic: string): SchemaVersion => {
    const name = schemaNameOfTopic(topic) ?? topic;
    if (!catalog.names.includes(name)) {
      throw new InvalidInputError(`topic ${topic} has no Avro schema (known: ${catalog.names.join(', ')})`);
    }
    return catalog.current(name);
  };

  const idOf = async (topic: string, schema: ParsedSchema): Promise<number> => {
    const text = JSON.stringify(schema.json);
    const subject = valueSubject(topic);
    if (autoRegister) return registry!.register(subject, text);
    const found = await registry!.lookup(subject, text);
    if (!found) {
      throw new InvalidInputError(`schema ${schema.fullName} is not registered under subject ${subject}`, {
        hint: 'Register it (or enable auto-registration) before producing.',
      });
    }
    return found.id;
  };

  const writerFromRegistry = async (schemaId: number): Promise<ParsedSchema> => {
    const known = registrySchemas.get(schemaId);
    if (known) return known;
    const text = await registry!.schemaById(schemaId);
    if (text === null) {
      throw new DecodeError('unknown-schema-id', `the schema registry has no schema with id ${schemaId}`, {
        schemaId,
      });
    }
    let parsed: ParsedSchema;
    try {
      parsed = parseSchemaText(text, `registry schema ${schemaId}`);
    } catch (error) {
      throw new DecodeError('unknown-schema-id', `registry schema ${schemaId} does not parse`, {
        schemaId,
        cause: error,
      });
    }
    registrySchemas.set(schemaId, parsed);
    return parsed;
  };

  return {
    framing: registry ? 'confluent' : 'single-object',
    async encode(topic, value) {
      const { schema } = schemaOfTopic(topic);
      const body = encodeBody(schema, value);
      if (!registry) return frameSingleObject(schema.fingerprint, body);
      return frameConfluent(await idOf(topic, schema), body);
    },
    async decode<T>(bytes: Uint8Array, topic?: string): Promise<DecodedEvent<T>> {
      const expect = topic === undefined ? undefined : (schemaNameOfTopic(topic) ?? topic);
      const frame = readFrame(bytes);
      if (frame.framing === 'single-object') return decodeSingleFrame<T>(catalog, frame, expect, resolvers);
      if (!registry) {
        throw new DecodeError(
          'no-registry',
          `message in Confluent framing (schema id ${frame.schemaId}) but no schema registry is configured`,
          { schemaId: frame.schemaId },
        );
      }
      const remote = await writerFromRegistry(frame.schemaId);
      const writer = catalog.byFingerprint(remote.fingerprintHex);
      const writerSchema = writer?.schema ?? remote;
      const context = { fingerprint: remote.fingerprintHex, schemaId: frame.schemaId };
      const reader = readerFor(catalog, writerSchema, expect, context);
      const value = readBody<T>(reader, writerSchema, frame.body, resolvers, context);
      return {
        schema: reader.name,
        writerVersion: writer?.version ?? null,
        fingerprint: remote.fingerprintHex,
        framing: frame.framing,
        schemaId: frame.schemaId,
        value,
      };
    },
  };
}

interface Context {
  fingerprint: string;
  schemaId?: number;
}

function readerFor(
  catalog: SchemaCatalog,
  writer: ParsedSchema,
  expect: string | undefined,
  context: Context,
): SchemaVersion {
  const own = catalog.byFingerprint(writer.fingerprintHex) ?? catalog.byFullName(writer.fullName);
  if (expect !== undefined) {
    if (!catalog.names.includes(expect)) {
      throw new InvalidInputError(`no Avro schema named "${expect}" (known: ${catalog.names.join(', ')})`);
    }
    if (own && own.name !== expect) {
      throw new DecodeError(
        'schema-mismatch',
        `message written with schema ${own.name}, expected ${expect}`,
        context,
      );
    }
    return catalog.current(expect);
  }
  if (!own) {
    throw new DecodeError('unknown-fingerprint', `no known schema matches ${writer.fullName}`, context);
  }
  return catalog.current(own.name);
}

function readBody<T>(
  reader: SchemaVersion,
  writer: ParsedSchema,
  body: Buffer,
  resolvers: Map<string, Resolver>,
  context: Context,
): T {
  let resolver: Resolver | undefined;
  if (writer.fingerprintHex !== reader.schema.fingerprintHex) {
    const key = `${reader.schema.fingerprintHex}:${writer.fingerprintHex}`;
    resolver = resolvers.get(key);
    if (!resolver) {
      try {
        resolver = reader.schema.type.createResolver(writer.type);
      } catch (error) {
        throw new DecodeError(
          'unresolvable',
          `the current ${reader.name} schema cannot read data written with ${writer.fullName} (${writer.fingerprintHex}): ${(error as Error).message}`,
          { ...context, cause: error },
        );
      }
      resolvers.set(key, resolver);
    }
  }
  try {
    return reader.schema.type.fromBuffer(body, resolver) as T;
  } catch (error) {
    const message = (error as Error).message;
    const reason =
      message === 'truncated buffer'
        ? 'truncated'
        : message === 'trailing data'
          ? 'trailing-bytes'
          : 'invalid-body';
    throw new DecodeError(reason, `${reader.name} message body (${body.length} bytes): ${message}`, {
      ...context,
      cause: error,
    });
  }
}

function encodeBody(schema: ParsedSchema, value: unknown): Buffer {
  const invalid: string[] = [];
  const ok = schema.type.isValid(value, {
    errorHook: (path: string[]) => {
      invalid.push(path.join('.') || '(value)');
    },
  });
  if (!ok) {
    throw new InvalidInputError(
      `value does not match schema ${schema.fullName}: invalid ${invalid.join(', ')}`,
      { details: { schema: schema.fullName, paths: invalid } },
    );
  }
  return schema.type.toBuffer(value);
}
