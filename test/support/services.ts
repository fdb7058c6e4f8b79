/**
 * How integration suites get their real engine: from a `SOMA_TEST_*` variable (scripts/services.sh env),
 * else from a container when a Docker engine is reachable (testcontainers), else the suite is skipped with
 * one printed line naming the variable. With CI=true a missing engine fails the run (Qdrant excepted).
 * This is the only test module that reads process.env.
 */

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';

export type ServiceName = 'postgres' | 'redis' | 'kafka' | 's3' | 'qdrant';

interface ContainerRecipe {
  image: string;
  port: number;
  env?: Record<string, string>;
  toUrl: (host: string, port: number) => string;
}

const SERVICES: Record<ServiceName, { envVar: string; container: ContainerRecipe }> = {
  postgres: {
    envVar: 'SOMA_TEST_POSTGRES_URL',
    container: {
      image: 'pgvector/pgvector:pg17',
      port: 5432,
      env: { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' },
      toUrl: (h, p) => `postgres://postgres@${h}:${p}/test`,
    },
  },
  redis: {
    envVar: 'SOMA_TEST_REDIS_URL',
    container: { image: 'redis:7', port: 6379, toUrl: (h, p) => `redis://${h}:${p}` },
  },
  kafka: {
    envVar: 'SOMA_TEST_KAFKA_BROKERS',
    container: { image: 'apache/kafka:4.1.0', port: 9092, toUrl: (h, p) => `${h}:${p}` },
  },
  s3: {
    envVar: 'SOMA_TEST_S3_ENDPOINT',
    container: { image: 'adobe/s3mock:3.12.0', port: 9090, toUrl: (h, p) => `http://${h}:${p}` },
  },
  qdrant: {
    envVar: 'SOMA_TEST_QDRANT_URL',
    container: { image: 'qdrant/qdrant:v1.13.0', port: 6333, toUrl: (h, p) => `http://${h}:${p}` },
  },
};

const env = process.env;
const inCi = env.CI === 'true' || env.CI === '1';

/** True under CI (`CI=true` or `CI=1`): a suite that cannot run there fails instead of skipping. */
export function runningInCi(): boolean {
  return inCi;
}

/** The value of a test variable, or undefined. */
export function testEnv(name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function dockerReachable(): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** A random, collision-free name for topics, keys, buckets, schemas… (lowercase, digits, `-`). */
export function randomName(prefix = 'soma-test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Declares an integration suite against a real engine. `body` receives a getter of the engine's address
 * (URL or broker list), valid inside hooks and tests.
 */
export function describeWithService(
  service: ServiceName,
  title: string,
  body: (address: () => string) => void,
): void {
  describeWithServices([service], title, (addresses) => body(addresses[service] as () => string));
}

/** Like {@link describeWithService}, for a suite that needs several engines at once. */
export function describeWithServices(
  services: readonly ServiceName[],
  title: string,
  body: (addresses: Partial<Record<ServiceName, () => string>>) => void,
): void {
  const missing = services.filter((service) => !testEnv(SERVICES[service].envVar));
  const label = services
    .map((service) => `${service}: ${testEnv(SERVICES[service].envVar) ?? 'container'}`)
    .join(', ');
  if (missing.length === 0 || dockerReachable()) {
    describe(`${title} [${label}]`, () => {
      const addresses: Partial<Record<ServiceName, () => string>> = {};
      const started: Partial<Record<ServiceName, string>> = {};
      const stops: Array<() => Promise<unknown>> = [];
      for (const service of services) {
        const fromEnv = testEnv(SERVICES[service].envVar);
        addresses[service] = () => fromEnv ?? (started[service] as string);
      }
      if (missing.length > 0) {
        beforeAll(async () => {
          const { GenericContainer } = await import('testcontainers');
          for (const service of missing) {
            const recipe = SERVICES[service].container;
            let builder = new GenericContainer(recipe.image).withExposedPorts(recipe.port);
            if (recipe.env) builder = builder.withEnvironment(recipe.env);
            const container = await builder.start();
            started[service] = recipe.toUrl(container.getHost(), container.getMappedPort(recipe.port));
            stops.push(() => container.stop());
          }
        });
        afterAll(async () => {
          for (const stop of stops) await stop();
        });
      }
      body(addresses);
    });
    return;
  }
  const variables = missing.map((service) => SERVICES[service].envVar).join(', ');
  const line = `skipped: ${title}: set ${variables} (bash scripts/services.sh up && eval "$(bash scripts/services.sh env)")`;
  if (inCi && missing.some((service) => service !== 'qdrant')) {
    describe(title, () => {
      it(`needs ${variables} in CI`, () => {
        throw new Error(`${line}: CI=true requires every integration suite to run`);
      });
    });
    return;
  }
  console.log(line);
  describe.skip(title, () => body({}));
}
