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
  bytes,
  duration,
  formatBytes,
  INVALID,
  InvalidValue,
  integer,
  ms,
  oneOf,
  optional,
  type Parsed,
  secretKey,
  text,
  topics,
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
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Conversation workers `serve --role all` starts in its process. */
    readonly workers: number;
    /** Address workers listen on (gRPC). */
    readonly workerHost: string;
    /** First worker port; 0 picks free ports. */
    readonly workerPort: number;
    /** Workers the gateway calls when they run elsewhere (`serve --role gateway`), as host:port. */
    readonly workerAddresses: readonly string[] | undefined;
    /** Requests per minute per API key. */
    readonly rateLimit: number;
    /** Longest a turn may run, in milliseconds. */
    readonly turnTimeout: number;
    /** Largest request body in bytes. */
    readonly bodyLimit: number;
    /** How long SIGTERM waits for running turns, in milliseconds. */
    readonly drainTimeout: number;
  };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly postgres: {
    readonly url: string;
    readonly poolSize: number;
    /** Named (server-side prepared) statements; off behind a pooler that shares sessions between clients. */
    readonly preparedStatements: boolean;
  };
  readonly vector: {
    readonly backend: 'pgvector' | 'qdrant';
    readonly dimensions: number;
    /** A separate Postgres (with pgvector) for memory; the records database when undefined. */
    readonly postgresUrl: string | undefined;
  };
  readonly qdrant: { readonly url: string; readonly apiKey: string | undefined; readonly collection: string };
  /** The chat model: `offline` (embedded, deterministic, no network) or an OpenAI-compatible server. */
  readonly model: {
    readonly provider: 'offline' | 'openai';
    readonly baseUrl: string | undefined;
    readonly apiKey: string | undefined;
    readonly name: string | undefined;
  };
  /** The embedder of long-term memory; its vectors have `vector.dimensions` dimensions. */
  readonly embeddings: {
    readonly provider: 'hashed' | 'openai';
    readonly baseUrl: string | undefined;
    readonly apiKey: string | undefined;
    readonly model: string | undefined;
    readonly sendDimensions: boolean;
  };
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
  /** Limits of tool calls (the JavaScript sandbox) and where large outputs go; sizes in bytes. */
  readonly tools: {
    /** Execution time of one script in milliseconds. */
    readonly timeout: number;
    readonly memoryLimit: number;
    readonly stackLimit: number;
    /** Console output plus result of one call. */
    readonly outputLimit: number;
    /** Outputs larger than this are stored as artifacts in the ObjectStore and returned by reference. */
    readonly artifactThreshold: number;
    /** Sandboxes (worker threads) running at once; further calls wait. */
    readonly concurrency: number;
  };
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
  /**
   * Changeable while the runtime runs, through `config.updates` (`somaagent config publish`); read at each
   * use. Keys without it are restart-only (addresses, data directory, profile, sizes fixed at start).
   */
  readonly live?: boolean;
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
    key: 'server.workers',
    env: 'SOMA_SERVER_WORKERS',
    description: 'conversation workers started by serve --role all',
    expected: 'an integer from 1 to 64',
    parse: integer(1, 64),
    default: 1,
  },
  {
    key: 'server.workerHost',
    env: 'SOMA_SERVER_WORKER_HOST',
    description: 'address conversation workers listen on (gRPC, plaintext: keep it private)',
    expected: 'a host name or IP address',
    parse: text(/^[A-Za-z0-9.:-]+$/),
    default: '127.0.0.1',
  },
  {
    key: 'server.workerPort',
    env: 'SOMA_SERVER_WORKER_PORT',
    description: 'port of the first conversation worker; the next ones count up (0 picks free ports)',
    expected: 'an integer from 0 to 65535',
    parse: integer(0, 65535),
    default: 0,
  },
  {
    key: 'server.workerAddresses',
    env: 'SOMA_SERVER_WORKER_ADDRESSES',
    description: 'workers a gateway started with --role gateway calls, round-robin',
    expected: 'a comma-separated list of host:port',
    parse: optional(brokers),
    default: undefined,
    format: (value) => (Array.isArray(value) ? value.join(',') : '(none)'),
  },
  {
    key: 'server.rateLimit',
    env: 'SOMA_SERVER_RATE_LIMIT',
    description: 'requests per minute per API key',
    expected: 'an integer from 1 to 1000000',
    parse: integer(1, 1_000_000),
    default: 600,
  },
  {
    key: 'server.turnTimeout',
    env: 'SOMA_SERVER_TURN_TIMEOUT',
    description: 'longest a conversation turn may run',
    expected: 'a duration such as 2m',
    parse: duration,
    default: 120_000,
    format: ms,
  },
  {
    key: 'server.bodyLimit',
    env: 'SOMA_SERVER_BODY_LIMIT',
    description: 'largest request body in bytes',
    expected: 'an integer from 1024 to 16777216',
    parse: integer(1024, 16 * 1024 * 1024),
    default: 64 * 1024,
  },
  {
    key: 'server.drainTimeout',
    env: 'SOMA_SERVER_DRAIN_TIMEOUT',
    description: 'how long serve waits for running turns and the outbox on SIGTERM',
    expected: 'a duration such as 30s',
    parse: duration,
    default: 30_000,
    format: ms,
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
    key: 'postgres.poolSize',
    env: 'SOMA_POSTGRES_POOL_SIZE',
    description: 'connections per process to Postgres (1 for single-session servers such as a PGlite socket)',
    expected: 'an integer from 1 to 100',
    parse: integer(1, 100),
    default: 10,
  },
  {
    key: 'postgres.preparedStatements',
    env: 'SOMA_POSTGRES_PREPARED_STATEMENTS',
    description:
      'prepare each statement once per connection (turn off behind a pooler in transaction mode that does not keep prepared statements)',
    expected: 'true or false',
    parse: boolean,
    default: true,
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
    key: 'vector.postgresUrl',
    env: 'SOMA_VECTOR_POSTGRES_URL',
    description:
      'a separate Postgres with pgvector for long-term memory (cluster profile; default: postgres.url)',
    expected: 'a postgres:// or postgresql:// URL',
    parse: optional(url('postgres:', 'postgresql:')),
    default: undefined,
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
    key: 'model.provider',
    env: 'SOMA_MODEL_PROVIDER',
    description:
      'chat model: offline (embedded, deterministic, no network) or openai (any OpenAI-compatible server)',
    expected: 'one of offline, openai',
    parse: oneOf('offline', 'openai'),
    default: 'offline',
  },
  {
    key: 'model.baseUrl',
    env: 'SOMA_MODEL_BASE_URL',
    description: 'base URL of the OpenAI-compatible chat API (model.provider = openai)',
    expected: 'an http:// or https:// URL, e.g. https://api.openai.com/v1',
    parse: optional(url('http:', 'https:')),
    default: undefined,
  },
  {
    key: 'model.apiKey',
    env: 'SOMA_MODEL_API_KEY',
    description: 'API key of the chat API, sent as a bearer token (model.provider = openai)',
    expected: 'a string',
    parse: optional(text()),
    default: undefined,
    secret: true,
  },
  {
    key: 'model.name',
    env: 'SOMA_MODEL_NAME',
    description: 'model name sent to the chat API (model.provider = openai)',
    expected: 'a model name, e.g. gpt-4o-mini',
    parse: optional(text(/^\S{1,256}$/)),
    default: undefined,
  },
  {
    key: 'embeddings.provider',
    env: 'SOMA_EMBEDDINGS_PROVIDER',
    description:
      'memory embedder: hashed (embedded, deterministic, lexical) or openai (OpenAI-compatible API)',
    expected: 'one of hashed, openai',
    parse: oneOf('hashed', 'openai'),
    default: 'hashed',
  },
  {
    key: 'embeddings.baseUrl',
    env: 'SOMA_EMBEDDINGS_BASE_URL',
    description: 'base URL of the OpenAI-compatible embeddings API (default: model.baseUrl)',
    expected: 'an http:// or https:// URL, e.g. https://api.openai.com/v1',
    parse: optional(url('http:', 'https:')),
    default: (r) => r['model.baseUrl'],
  },
  {
    key: 'embeddings.apiKey',
    env: 'SOMA_EMBEDDINGS_API_KEY',
    description: 'API key of the embeddings API (default: model.apiKey)',
    expected: 'a string',
    parse: optional(text()),
    default: (r) => r['model.apiKey'],
    secret: true,
  },
  {
    key: 'embeddings.model',
    env: 'SOMA_EMBEDDINGS_MODEL',
    description: 'embedding model name (embeddings.provider = openai)',
    expected: 'a model name, e.g. text-embedding-3-small',
    parse: optional(text(/^\S{1,256}$/)),
    default: undefined,
  },
  {
    key: 'embeddings.sendDimensions',
    env: 'SOMA_EMBEDDINGS_SEND_DIMENSIONS',
    description: 'send vector.dimensions as the `dimensions` field (turn off for models that reject it)',
    expected: 'true or false',
    parse: boolean,
    default: true,
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
    live: true,
  },
  {
    key: 'retention.vectors',
    env: 'SOMA_RETENTION_VECTORS',
    description: 'long-term memory retention, rolling',
    expected: 'a duration such as 90d',
    parse: duration,
    default: 90 * 86_400_000,
    format: ms,
    live: true,
  },
  {
    key: 'retention.audit',
    env: 'SOMA_RETENTION_AUDIT',
    description: 'audit log retention in Postgres',
    expected: 'a duration such as 180d',
    parse: duration,
    default: 180 * 86_400_000,
    format: ms,
    live: true,
  },
  {
    key: 'retention.objects',
    env: 'SOMA_RETENTION_OBJECTS',
    description: 'backups and artifacts retention in object storage',
    expected: 'a duration such as 1y',
    parse: duration,
    default: 365 * 86_400_000,
    format: ms,
    live: true,
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
    live: true,
  },
  {
    key: 'tools.timeout',
    env: 'SOMA_TOOLS_TIMEOUT',
    description: 'execution time limit of one sandboxed script (the worker is killed shortly after)',
    expected: 'a duration from 10ms to 10m, such as 2s',
    parse: (raw) => {
      const value = duration(raw);
      return value !== INVALID && value >= 10 && value <= 600_000 ? value : INVALID;
    },
    default: 2000,
    format: ms,
  },
  {
    key: 'tools.memoryLimit',
    env: 'SOMA_TOOLS_MEMORY_LIMIT',
    description: 'heap limit of one sandboxed script',
    expected: 'a size from 1MiB to 1GiB, such as 32MiB',
    parse: bytes(1024 ** 2, 1024 ** 3),
    default: 32 * 1024 ** 2,
    format: formatBytes,
  },
  {
    key: 'tools.stackLimit',
    env: 'SOMA_TOOLS_STACK_LIMIT',
    description: 'stack limit of one sandboxed script (recursion depth)',
    expected: 'a size from 64KiB to 8MiB, such as 256KiB',
    parse: bytes(64 * 1024, 8 * 1024 ** 2),
    default: 256 * 1024,
    format: formatBytes,
  },
  {
    key: 'tools.outputLimit',
    env: 'SOMA_TOOLS_OUTPUT_LIMIT',
    description: 'console output plus result of one tool call; more is an error (console is truncated)',
    expected: 'a size from 1KiB to 64MiB, such as 1MiB',
    parse: bytes(1024, 64 * 1024 ** 2),
    default: 1024 ** 2,
    format: formatBytes,
  },
  {
    key: 'tools.artifactThreshold',
    env: 'SOMA_TOOLS_ARTIFACT_THRESHOLD',
    description: 'tool outputs larger than this are stored in the object store and returned by reference',
    expected: 'a size from 0 to 64MiB, such as 16KiB',
    parse: bytes(0, 64 * 1024 ** 2),
    default: 16 * 1024,
    format: formatBytes,
  },
  {
    key: 'tools.concurrency',
    env: 'SOMA_TOOLS_CONCURRENCY',
    description: 'sandboxes (worker threads) running at once; further tool calls wait',
    expected: 'an integer from 1 to 64',
    parse: integer(1, 64),
    default: 2,
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
