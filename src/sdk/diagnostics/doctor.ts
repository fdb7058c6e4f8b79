import { access, constants, stat } from 'node:fs/promises';
import { join, parse } from 'node:path';
import type { SomaConfig } from '../config/schema.js';
import { maskUrl } from '../config/show.js';
import { nearestExisting } from '../engines/data-dir.js';
import { probeKafka } from '../engines/kafka.js';
import { probePglite } from '../engines/pglite.js';
import { postgresAddress, probePostgres } from '../engines/postgres.js';
import type { ProbeResult } from '../engines/probe.js';
import { probeQdrant } from '../engines/qdrant.js';
import { probeRedis, redisAddress } from '../engines/redis.js';
import { probeS3, s3Address } from '../engines/s3.js';
import { errorMessage, isSomaError, UnavailableError } from '../errors.js';

/** Health of one engine as `somaagent doctor` reports it. */
export interface EngineReport {
  /** Engine id: `redis`, `postgres`, `qdrant`, `s3`, `kafka`, `pglite`, `filesystem`. */
  readonly engine: string;
  /** What the product uses it for. */
  readonly role: string;
  /** Where it was looked for, without credentials. */
  readonly address: string;
  readonly reachable: boolean;
  readonly version: string | null;
  readonly latencyMs: number | null;
  readonly details: Readonly<Record<string, unknown>>;
  readonly warnings: readonly string[];
  /** Why it failed, when it did. */
  readonly error: string | null;
  /** What to do when it failed. */
  readonly hint: string | null;
}

/** The outcome of {@link runDoctor}. */
export interface DoctorReport {
  readonly profile: SomaConfig['profile'];
  readonly engines: readonly EngineReport[];
  /** True when every engine of the profile answered. */
  readonly ok: boolean;
}

interface Check {
  engine: string;
  role: string;
  address: string;
  probe: () => Promise<ProbeResult>;
}

/** The engines the configured profile uses, each with a bounded probe. */
export function plannedChecks(config: SomaConfig): Check[] {
  const connectTimeoutMs = config.timeouts.connect;
  const requestTimeoutMs = config.timeouts.request;
  if (config.profile === 'embedded') {
    return [
      {
        engine: 'pglite',
        role: 'records, event log, vector memory, sessions (embedded Postgres + pgvector)',
        address: join(config.dataDir, 'pglite'),
        probe: () => probeEmbeddedDatabase(config.dataDir),
      },
      {
        engine: 'filesystem',
        role: 'objects: backups and artifacts',
        address: join(config.dataDir, 'objects'),
        probe: () => probeDirectory('filesystem', join(config.dataDir, 'objects')),
      },
    ];
  }
  const checks: Check[] = [
    {
      engine: 'redis',
      role: 'sessions, rate limits',
      address: redisAddress(config.redis.url),
      probe: () => probeRedis({ url: config.redis.url, connectTimeoutMs, requestTimeoutMs }),
    },
    {
      engine: 'postgres',
      role:
        config.vector.backend === 'pgvector'
          ? 'records, audit, outbox, vector memory'
          : 'records, audit, outbox',
      address: postgresAddress(config.postgres.url),
      probe: async () => {
        const result = await probePostgres({ url: config.postgres.url, connectTimeoutMs, requestTimeoutMs });
        return config.vector.backend === 'pgvector' ? result : { ...result, warnings: [] };
      },
    },
  ];
  if (config.vector.backend === 'qdrant') {
    checks.push({
      engine: 'qdrant',
      role: 'vector memory',
      address: maskUrl(config.qdrant.url),
      probe: () =>
        probeQdrant({
          url: config.qdrant.url,
          apiKey: config.qdrant.apiKey,
          connectTimeoutMs,
          requestTimeoutMs,
        }),
    });
  }
  checks.push(
    {
      engine: 's3',
      role: 'objects: backups and artifacts',
      address: s3Address(config.s3),
      probe: () => probeS3({ ...config.s3, connectTimeoutMs, requestTimeoutMs }),
    },
    {
      engine: 'kafka',
      role: 'event streams',
      address: config.kafka.brokers.join(','),
      probe: () =>
        probeKafka({
          brokers: config.kafka.brokers,
          clientId: config.kafka.clientId,
          connectTimeoutMs,
          requestTimeoutMs,
        }),
    },
  );
  return checks;
}

/** Probes every engine of the configured profile concurrently; never throws for an unreachable engine. */
export async function runDoctor(config: SomaConfig): Promise<DoctorReport> {
  const engines = await Promise.all(
    plannedChecks(config).map(async (check): Promise<EngineReport> => {
      const base = { engine: check.engine, role: check.role, address: check.address };
      try {
        const result = await check.probe();
        return {
          ...base,
          reachable: true,
          version: result.version,
          latencyMs: result.latencyMs,
          details: result.details ?? {},
          warnings: result.warnings ?? [],
          error: null,
          hint: null,
        };
      } catch (error) {
        return {
          ...base,
          reachable: false,
          version: null,
          latencyMs: null,
          details: {},
          warnings: [],
          error: errorMessage(error),
          hint:
            isSomaError(error) && error.hint
              ? error.hint
              : `Check that ${check.engine} runs at ${check.address}.`,
        };
      }
    }),
  );
  return { profile: config.profile, engines, ok: engines.every((engine) => engine.reachable) };
}

/**
 * The embedded database: its directory can be used (as {@link probeDirectory}) and the engine starts (in
 * memory, so a running `serve` that owns the directory is not disturbed); says whether a database is there yet.
 */
async function probeEmbeddedDatabase(dataDir: string): Promise<ProbeResult> {
  const dir = join(dataDir, 'pglite');
  await probeDirectory('pglite', dir);
  const engine = await probePglite();
  let database = 'none yet: created on the first start';
  try {
    await stat(join(dir, 'PG_VERSION'));
    database = 'exists';
  } catch {
    // No database yet.
  }
  return { ...engine, details: { ...engine.details, database } };
}

/** `path`, or the nearest existing parent it would be created in, is a writable directory. */
async function probeDirectory(engine: string, path: string): Promise<ProbeResult> {
  const existing = nearestExisting(path);
  if (existing && !existing.directory) {
    throw new UnavailableError(
      engine,
      existing.path,
      `${existing.path} is a file, so ${path} cannot be a directory`,
      {
        hint: 'Set dataDir / SOMA_DATA_DIR / --data-dir to a directory path.',
      },
    );
  }
  const dir = existing?.path ?? parse(path).root;
  const exists = existing?.path === path;
  const start = process.hrtime.bigint();
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new UnavailableError(engine, dir, `${dir} is not writable: ${errorMessage(error)}`, {
      retriable: false,
      hint: 'Set dataDir / SOMA_DATA_DIR / --data-dir to a writable directory.',
    });
  }
  const latencyMs = Math.round(Number(process.hrtime.bigint() - start) / 10_000) / 100;
  return {
    version: `node:fs (${process.platform})`,
    latencyMs,
    details: { directory: exists ? 'exists' : `will be created under ${dir}` },
  };
}
