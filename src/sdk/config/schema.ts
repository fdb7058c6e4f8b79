import { formatDuration, parseDuration } from './duration.js';

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
  /** Erasure (`somaagent erase`). */
  readonly erase: {
    /** Largest plan (records over every store) erasure runs without `--max-records`. */
    readonly maxRecords: number;
    /** Secret (at least 32 characters) that signs receipts and keys the subject hashes; unset: erase refuses. */
    readonly receiptKey: string | undefined;
    /** Compacted topics keyed by the subject ref: erasure publishes a tombstone for the subject on each. */
    readonly compactedTopics: readonly string[];
  };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
}

type Value = string | number | boolean | readonly string[] | undefined;

/** How one configuration key is parsed, defaulted, documented and shown. */
export interface KeyDefinition {
  /** Dotted key, e.g. `redis.url`. */
  readonly key: string;
  /** Environment variable that sets it, e.g. `SOMA_REDIS_URL`. */
  readonly env: string;
  readonly description: string;
  /** The expected form, shown in errors. */
  readonly expected: string;
  /** Parses raw text or a file value; returns `undefined` when invalid. */
  readonly parse: (raw: unknown) => Value | typeof INVALID;
  /** Default, possibly depending on already-resolved keys (definitions are resolved in order). */
  readonly default: Value | ((resolved: Readonly<Record<string, Value>>) => Value);
  /** Formats a value for people (`config show`). */
  readonly format?: (value: Value) => string;
  /** Masked wherever config is printed. */
  readonly secret?: boolean;
}

/** Marker returned by a parser for an invalid value. */
export const INVALID: unique symbol = Symbol('invalid');

const text =
  (pattern?: RegExp) =>
  (raw: unknown): string | typeof INVALID => {
    if (typeof raw !== 'string' && typeof raw !== 'number') return INVALID;
    const value = String(raw).trim();
    if (value === '' || (pattern && !pattern.test(value))) return INVALID;
    return value;
  };

const oneOf =
  (...values: string[]) =>
  (raw: unknown): string | typeof INVALID =>
    typeof raw === 'string' && values.includes(raw.trim()) ? raw.trim() : INVALID;

const integer =
  (min: number, max: number) =>
  (raw: unknown): number | typeof INVALID => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
    if (typeof raw === 'string' && !/^\s*-?\d+\s*$/.test(raw)) return INVALID;
    return Number.isInteger(value) && value >= min && value <= max ? value : INVALID;
  };

const duration = (raw: unknown): number | typeof INVALID => {
  if (typeof raw !== 'string') return INVALID;
  return parseDuration(raw) ?? INVALID;
};

const boolean = (raw: unknown): boolean | typeof INVALID => {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return INVALID;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return INVALID;
};

const url =
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

const brokers = (raw: unknown): readonly string[] | typeof INVALID => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return INVALID;
  const list = items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((s) => s !== '');
  return list.length > 0 && list.every((item) => HOST_PORT.test(item)) ? list : INVALID;
};

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

const topics = (raw: unknown): readonly string[] | typeof INVALID => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return INVALID;
  const list = items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((s) => s !== '');
  return list.every((item) => TOPIC.test(item) && item !== '.' && item !== '..') ? list : INVALID;
};

const secretKey = (raw: unknown): string | typeof INVALID => {
  if (typeof raw !== 'string') return INVALID;
  const value = raw.trim();
  return value.length >= 32 && value.length <= 1024 ? value : INVALID;
};

const optional =
  (parse: (raw: unknown) => Value | typeof INVALID) =>
  (raw: unknown): Value | typeof INVALID =>
    raw === '' || raw === null ? undefined : parse(raw);

const ms = (value: Value) => formatDuration(value as number);

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
    key: 'erase.maxRecords',
    env: 'SOMA_ERASE_MAX_RECORDS',
    description: 'blast-radius guard: erase refuses a plan with more records unless --max-records allows it',
    expected: 'an integer from 1 to 1000000000',
    parse: integer(1, 1_000_000_000),
    default: 100_000,
  },
  {
    key: 'erase.receiptKey',
    env: 'SOMA_ERASE_RECEIPT_KEY',
    description:
      'secret that signs erasure receipts (HMAC-SHA256) and keys subject hashes; e.g. openssl rand -hex 32',
    expected: 'a secret of 32 to 1024 characters',
    parse: optional(secretKey),
    default: undefined,
    secret: true,
  },
  {
    key: 'erase.compactedTopics',
    env: 'SOMA_ERASE_COMPACTED_TOPICS',
    description: 'compacted topics keyed by the subject ref; erasure publishes a tombstone on each',
    expected: 'comma-separated topic names (letters, digits, . _ -)',
    parse: topics,
    default: [],
    format: (v) => (v as string[]).join(','),
  },
  {
    key: 'log.level',
    env: 'SOMA_LOG_LEVEL',
    description: 'log level',
    expected: 'one of debug, info, warn, error',
    parse: oneOf('debug', 'info', 'warn', 'error'),
    default: 'info',
  },
];

/** The definition of `key`, or undefined. */
export function keyDefinition(key: string): KeyDefinition | undefined {
  return CONFIG_KEYS.find((definition) => definition.key === key);
}
