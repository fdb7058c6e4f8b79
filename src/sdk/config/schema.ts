import type { CompatibilityMode } from '../governance/schemas/compatibility-mode-names.js';
import {
  compatibilityOverrides,
  DEFAULT_ON_TYPES,
  piiTypeList,
  type RedactionPatternSetting,
  redactionPatterns,
} from './policy-parsers.js';
import {
  boolean,
  brokers,
  duration,
  INVALID,
  InvalidValue,
  integer,
  ms,
  oneOf,
  optional,
  type Parsed,
  text,
  url,
  type Value,
} from './value-parsers.js';

export { INVALID, InvalidValue, type RedactionPatternSetting, type Value };

/** Where the resolved value of a key came from. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

/** The resolved, validated configuration, frozen and passed everywhere. */
export interface SomaConfig {
  /** `embedded`: no services, data under `dataDir`; `cluster`: Redis, Postgres, Qdrant, S3, Kafka. */
  readonly profile: 'embedded' | 'cluster';
  /** `dev` or `prod`; chooses defaults such as the session TTL. */
  readonly environment: 'dev' | 'prod';
  /** Directory of the embedded profile's data (PGlite, objects). */
  readonly dataDir: string;
  readonly server: { readonly host: string; readonly port: number };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly postgres: { readonly url: string };
  readonly vector: { readonly backend: 'pgvector' | 'qdrant'; readonly dimensions: number };
  readonly qdrant: { readonly url: string; readonly apiKey: string | undefined; readonly collection: string };
  readonly s3: {
    readonly endpoint: string | undefined;
    readonly region: string;
    readonly bucket: string;
    readonly accessKeyId: string | undefined;
    readonly secretAccessKey: string | undefined;
    readonly forcePathStyle: boolean;
  };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly schemaRegistryUrl: string | undefined;
  };
  /** Retention policies in milliseconds. */
  readonly retention: {
    readonly sessions: number;
    readonly vectors: number;
    readonly audit: number;
    readonly objects: number;
  };
  /** Timeouts in milliseconds. */
  readonly timeouts: { readonly connect: number; readonly request: number };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
  /** What the PII redactor detects (events before encoding, `somaagent redact`). */
  readonly redaction: {
    /** Built-in types turned off. */
    readonly disable: readonly string[];
    /** Opt-in built-in types turned on (MAC). */
    readonly enable: readonly string[];
    /** Extra patterns; each finding is replaced by `[TYPE]`. */
    readonly patterns: readonly RedactionPatternSetting[];
  };
  readonly schemas: {
    /** Compatibility mode per event topic or schema name, over `compatibility.json`; `--mode` overrides all. */
    readonly compatibility: Readonly<Record<string, CompatibilityMode>>;
  };
}

/** How one configuration key is parsed, defaulted, documented and shown. */
export interface KeyDefinition {
  /** Dotted key, e.g. `redis.url`. */
  readonly key: string;
  /** Environment variable that sets it, e.g. `SOMA_REDIS_URL`. */
  readonly env: string;
  readonly description: string;
  /** The expected form, shown in errors. */
  readonly expected: string;
  /**
   * Parses raw text or a file value; returns {@link INVALID}, or an {@link InvalidValue} with a reason, when
   * invalid. `resolved` holds the keys defined before this one.
   */
  readonly parse: (raw: unknown, resolved: Readonly<Record<string, Value>>) => Parsed;
  /** Default, possibly depending on already-resolved keys (definitions are resolved in order). */
  readonly default: Value | ((resolved: Readonly<Record<string, Value>>) => Value);
  /** Formats a value for people (`config show`). */
  readonly format?: (value: Value) => string;
  /** Masked wherever config is printed. */
  readonly secret?: boolean;
}

/** Every configuration key, in resolution order. Adding a key here adds it to env, file, flags and docs. */
export const CONFIG_KEYS: readonly KeyDefinition[] = [
  {
    key: 'profile',
    env: 'SOMA_PROFILE',
    description: 'embedded (one process, no services) or cluster (Redis, Postgres, Qdrant, S3, Kafka)',
    expected: 'one of embedded, cluster',
    parse: oneOf('embedded', 'cluster'),
    default: 'embedded',
  },
  {
    key: 'environment',
    env: 'SOMA_ENVIRONMENT',
    description: 'deployment environment; chooses defaults such as the session TTL',
    expected: 'one of dev, prod',
    parse: oneOf('dev', 'prod'),
    default: 'dev',
  },
  {
    key: 'dataDir',
    env: 'SOMA_DATA_DIR',
    description: 'directory of the embedded profile data',
    expected: 'a directory path',
    parse: text(),
    default: '.somaagent',
  },
  {
    key: 'server.host',
    env: 'SOMA_SERVER_HOST',
    description: 'address the gateway listens on',
    expected: 'a host name or IP address',
    parse: text(/^[A-Za-z0-9.:-]+$/),
    default: '127.0.0.1',
  },
  {
    key: 'server.port',
    env: 'SOMA_SERVER_PORT',
    description: 'gateway port (0 picks a free port)',
    expected: 'an integer from 0 to 65535',
    parse: integer(0, 65535),
    default: 7420,
  },
  {
    key: 'redis.url',
    env: 'SOMA_REDIS_URL',
    description: 'Redis for sessions and rate limits (cluster profile)',
    expected: 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    parse: url('redis:', 'rediss:'),
    default: 'redis://127.0.0.1:6379',
  },
  {
    key: 'redis.keyPrefix',
    env: 'SOMA_REDIS_KEY_PREFIX',
    description: 'prefix of every Redis key',
    expected: 'letters, digits, _ or -',
    parse: text(/^[A-Za-z0-9_-]{1,64}$/),
    default: 'soma',
  },
  {
    key: 'postgres.url',
    env: 'SOMA_POSTGRES_URL',
    description: 'Postgres for records, the event log and pgvector memory (cluster profile)',
    expected: 'a postgres:// or postgresql:// URL, e.g. postgres://user@127.0.0.1:5432/db',
    parse: url('postgres:', 'postgresql:'),
    default: 'postgres://postgres@127.0.0.1:5432/somaagent',
  },
  {
    key: 'vector.backend',
    env: 'SOMA_VECTOR_BACKEND',
    description: 'long-term memory backend in the cluster profile',
    expected: 'one of pgvector, qdrant',
    parse: oneOf('pgvector', 'qdrant'),
    default: 'pgvector',
  },
  {
    key: 'vector.dimensions',
    env: 'SOMA_VECTOR_DIMENSIONS',
    description: 'embedding dimensions',
    expected: 'an integer from 2 to 4096',
    parse: integer(2, 4096),
    default: 384,
  },
  {
    key: 'qdrant.url',
    env: 'SOMA_QDRANT_URL',
    description: 'Qdrant REST endpoint (vector.backend = qdrant)',
    expected: 'an http:// or https:// URL, e.g. http://127.0.0.1:6333',
    parse: url('http:', 'https:'),
    default: 'http://127.0.0.1:6333',
  },
  {
    key: 'qdrant.apiKey',
    env: 'SOMA_QDRANT_API_KEY',
    description: 'Qdrant API key',
    expected: 'a string',
    parse: optional(text()),
    default: undefined,
    secret: true,
  },
  {
    key: 'qdrant.collection',
    env: 'SOMA_QDRANT_COLLECTION',
    description: 'Qdrant collection of the memory points',
    expected: 'letters, digits, _ or -',
    parse: text(/^[A-Za-z0-9_-]{1,128}$/),
    default: 'soma_memory',
  },
  {
    key: 's3.endpoint',
    env: 'SOMA_S3_ENDPOINT',
    description: 'S3-compatible endpoint; unset means AWS',
    expected: 'an http:// or https:// URL',
    parse: optional(url('http:', 'https:')),
    default: undefined,
  },
  {
    key: 's3.region',
    env: 'SOMA_S3_REGION',
    description: 'S3 region',
    expected: 'a region name, e.g. us-east-1',
    parse: text(/^[a-z0-9-]{2,32}$/),
    default: 'us-east-1',
  },
  {
    key: 's3.bucket',
    env: 'SOMA_S3_BUCKET',
    description: 'bucket of backups and artifacts',
    expected: 'a bucket name: 3-63 lowercase letters, digits, dots or hyphens',
    parse: text(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
    default: 'somaagent',
  },
  {
    key: 's3.accessKeyId',
    env: 'SOMA_S3_ACCESS_KEY_ID',
    description: 'S3 access key id; unset uses the AWS default credential chain',
    expected: 'a string',
    parse: optional(text()),
    default: undefined,
    secret: true,
  },
  {
    key: 's3.secretAccessKey',
    env: 'SOMA_S3_SECRET_ACCESS_KEY',
    description: 'S3 secret access key',
    expected: 'a string',
    parse: optional(text()),
    default: undefined,
    secret: true,
  },
  {
    key: 's3.forcePathStyle',
    env: 'SOMA_S3_FORCE_PATH_STYLE',
    description: 'path-style bucket addressing (most S3-compatible servers need it)',
    expected: 'true or false',
    parse: boolean,
    default: (r) => r['s3.endpoint'] !== undefined,
  },
  {
    key: 'kafka.brokers',
    env: 'SOMA_KAFKA_BROKERS',
    description: 'Kafka bootstrap brokers (cluster profile)',
    expected: 'comma-separated host:port list, e.g. 127.0.0.1:9092',
    parse: brokers,
    default: ['127.0.0.1:9092'],
    format: (v) => (v as string[]).join(','),
  },
  {
    key: 'kafka.clientId',
    env: 'SOMA_KAFKA_CLIENT_ID',
    description: 'Kafka client id',
    expected: 'letters, digits, ., _ or -',
    parse: text(/^[A-Za-z0-9._-]{1,128}$/),
    default: 'somaagent',
  },
  {
    key: 'kafka.schemaRegistryUrl',
    env: 'SOMA_KAFKA_SCHEMA_REGISTRY_URL',
    description: 'schema registry; when set, events use the Confluent wire format',
    expected: 'an http:// or https:// URL',
    parse: optional(url('http:', 'https:')),
    default: undefined,
  },
  {
    key: 'retention.sessions',
    env: 'SOMA_RETENTION_SESSIONS',
    description: 'session state TTL (default 24h in dev, 7d in prod)',
    expected: 'a duration such as 24h, 7d',
    parse: duration,
    default: (r) => (r.environment === 'prod' ? 7 * 86_400_000 : 86_400_000),
    format: ms,
  },
  {
    key: 'retention.vectors',
    env: 'SOMA_RETENTION_VECTORS',
    description: 'long-term memory retention, rolling',
    expected: 'a duration such as 90d',
    parse: duration,
    default: 90 * 86_400_000,
    format: ms,
  },
  {
    key: 'retention.audit',
    env: 'SOMA_RETENTION_AUDIT',
    description: 'audit log retention in Postgres',
    expected: 'a duration such as 180d',
    parse: duration,
    default: 180 * 86_400_000,
    format: ms,
  },
  {
    key: 'retention.objects',
    env: 'SOMA_RETENTION_OBJECTS',
    description: 'backups and artifacts retention in object storage',
    expected: 'a duration such as 1y',
    parse: duration,
    default: 365 * 86_400_000,
    format: ms,
  },
  {
    key: 'timeouts.connect',
    env: 'SOMA_TIMEOUTS_CONNECT',
    description: 'connection timeout of every engine',
    expected: 'a duration such as 3s',
    parse: duration,
    default: 3000,
    format: ms,
  },
  {
    key: 'timeouts.request',
    env: 'SOMA_TIMEOUTS_REQUEST',
    description: 'per-request timeout of every engine',
    expected: 'a duration such as 10s',
    parse: duration,
    default: 10_000,
    format: ms,
  },
  {
    key: 'log.level',
    env: 'SOMA_LOG_LEVEL',
    description: 'log level',
    expected: 'one of debug, info, warn, error',
    parse: oneOf('debug', 'info', 'warn', 'error'),
    default: 'info',
  },
  {
    key: 'redaction.disable',
    env: 'SOMA_REDACTION_DISABLE',
    description: 'built-in redaction types not to detect',
    expected: `a comma-separated list of ${DEFAULT_ON_TYPES.join(', ')}`,
    parse: piiTypeList(),
    default: [],
  },
  {
    key: 'redaction.enable',
    env: 'SOMA_REDACTION_ENABLE',
    description: 'opt-in redaction types to detect too',
    expected: 'a comma-separated list of types, e.g. MAC, none of them in redaction.disable',
    parse: piiTypeList('redaction.disable'),
    default: [],
  },
  {
    key: 'redaction.patterns',
    env: 'SOMA_REDACTION_PATTERNS',
    description: 'extra redaction rules NAME=REGEX, each match replaced by [NAME]',
    expected:
      'NAME=REGEX entries (JavaScript RegExp, /source/flags accepted), one per line or a JSON array; in a file a list or a NAME: REGEX mapping',
    parse: redactionPatterns,
    default: [],
    format: (v) => (v as readonly RedactionPatternSetting[]).map((p) => `${p.type}=${p.pattern}`).join('\n'),
  },
  {
    key: 'schemas.compatibility',
    env: 'SOMA_SCHEMAS_COMPATIBILITY',
    description:
      'compatibility mode per topic for schemas validate, over compatibility.json (default BACKWARD)',
    expected:
      'comma-separated TOPIC=MODE entries, e.g. conversation.events=FULL_TRANSITIVE; modes BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE',
    parse: compatibilityOverrides,
    default: {},
    format: (v) =>
      Object.entries(v as Record<string, string>)
        .map(([topic, mode]) => `${topic}=${mode}`)
        .join(','),
  },
];

/** The definition of `key`, or undefined. */
export function keyDefinition(key: string): KeyDefinition | undefined {
  return CONFIG_KEYS.find((definition) => definition.key === key);
}
