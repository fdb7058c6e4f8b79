import { Kafka, logLevel } from 'kafkajs';
import { UnavailableError } from '../errors.js';
import { fetchApiVersions } from './kafka-api-versions.js';
import { kafkaReleaseOf, metadataVersionName } from './kafka-metadata-versions.js';
import { type ProbeResult, timed, withTimeout } from './probe.js';

/** Connection settings of a Kafka client. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** A kafkajs client with bounded timeouts and few retries, logging nothing by itself. */
export function createKafka(connection: KafkaConnection, retries = 2): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: connection.connectTimeoutMs,
    requestTimeout: connection.requestTimeoutMs,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}

/** Translates a failure into a retriable {@link UnavailableError}. */
export function kafkaUnavailable(brokers: readonly string[], error: unknown): UnavailableError {
  const address = brokers.join(',');
  return new UnavailableError(
    'kafka',
    address,
    `Kafka at ${address} is unreachable: ${(error as Error).message}`,
    {
      cause: error,
      hint: 'Start Kafka (scripts/services.sh up) or point kafka.brokers / SOMA_KAFKA_BROKERS at it.',
    },
  );
}

/**
 * Asks the first reachable broker for its API versions and finalized features (which name the release line
 * via `metadata.version`), then describes the cluster through the admin client.
 */
export async function probeKafka(connection: KafkaConnection): Promise<ProbeResult> {
  let lastError: unknown;
  for (const broker of connection.brokers) {
    const [host, port] = splitHostPort(broker);
    try {
      const [apiVersions, latencyMs] = await timed(() =>
        fetchApiVersions(host, port, connection.connectTimeoutMs),
      );
      const admin = createKafka(connection, 0).admin();
      try {
        await withTimeout(connection.connectTimeoutMs, `Kafka at ${broker}`, admin.connect());
        const cluster = await withTimeout(
          connection.requestTimeoutMs,
          `Kafka at ${broker}`,
          admin.describeCluster(),
        );
        const supported = apiVersions.supportedFeatures['metadata.version'];
        const finalized = apiVersions.finalizedFeatures['metadata.version'];
        const release = supported === undefined ? undefined : kafkaReleaseOf(supported);
        const version =
          supported === undefined
            ? `Kafka (${apiVersions.apiCount} APIs; no metadata.version: ZooKeeper mode or older than 3.3)`
            : `Kafka ${release ?? `newer than 4.4 (metadata.version level ${supported})`}`;
        return {
          version,
          latencyMs,
          details: {
            clusterId: cluster.clusterId,
            brokers: cluster.brokers.length,
            controller: cluster.controller,
            kraft: supported !== undefined,
            metadataVersion: finalized === undefined ? null : (metadataVersionName(finalized) ?? finalized),
          },
        };
      } finally {
        await admin.disconnect().catch(() => {});
      }
    } catch (error) {
      lastError = error;
    }
  }
  throw kafkaUnavailable(connection.brokers, lastError);
}

function splitHostPort(broker: string): [string, number] {
  const at = broker.lastIndexOf(':');
  return [broker.slice(0, at).replace(/^\[|\]$/g, ''), Number(broker.slice(at + 1))];
}
