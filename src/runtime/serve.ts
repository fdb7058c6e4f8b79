import { Conversations } from '../sdk/agent/conversations.js';
import { createEmbedder } from '../sdk/agent/embeddings/create-embedder.js';
import { createModelProvider } from '../sdk/agent/model/create-model-provider.js';
import {
  createToolExecutor,
  registerBuiltinTools,
  toolExecutorOptionsFromConfig,
} from '../sdk/agent/tools/tool-executor.js';
import type { TurnDeps } from '../sdk/agent/turn.js';
import { authenticateApiKey, ensureBootstrapKey } from '../sdk/auth/api-keys.js';
import type { SomaConfig } from '../sdk/config/schema.js';
import { ConfigError } from '../sdk/errors.js';
import { createEventCodec } from '../sdk/events/codec/event-codec.js';
import { SchemaRegistryClient } from '../sdk/events/codec/schema-registry-client.js';
import { loadLiveConfigSnapshot, subscribeConfigUpdates } from '../sdk/events/config-updates/index.js';
import { OutboxRelay } from '../sdk/events/outbox/outbox-relay.js';
import { createOutboxWriter, type OutboxWriter } from '../sdk/events/outbox/outbox-writer.js';
import { redactorFromConfig } from '../sdk/events/redaction/index.js';
import { EVENT_TOPICS } from '../sdk/events/schemas/event-topics.js';
import { loadSchemaCatalog } from '../sdk/events/schemas/schema-catalog.js';
import { erasureSettings } from '../sdk/governance/erase/erasure-keys.js';
import { openStores, type Stores } from '../sdk/stores/factory.js';
import { shareEmbeddedDatabase } from '../sdk/stores/records/open-records.js';
import { createGateway } from './gateway/gateway.js';
import { listenError } from './listen-error.js';
import type { Logger } from './logger.js';
import { MetricsRegistry } from './metrics.js';
import { UI_DIR } from './ui-assets.js';
import { routeGrpcLogs } from './worker/grpc-protocol.js';
import { createWorkerClient, type WorkerClient } from './worker/worker-client.js';
import { startWorkerServer, type WorkerServer } from './worker/worker-server.js';

/** Which parts a process runs. */
export type ServeRole = 'all' | 'gateway' | 'worker' | 'relay';

/** Options of {@link startServer}. */
export interface ServeOptions {
  readonly role?: ServeRole;
  readonly log: Logger;
}

/** A running server. */
export interface RunningServer {
  readonly role: ServeRole;
  /** The gateway's base URL (roles all and gateway). */
  readonly url: string | undefined;
  /** Addresses of the workers this process runs. */
  readonly workerAddresses: readonly string[];
  /** A key created on the first start of an embedded server, shown once. */
  readonly bootstrapKey: string | undefined;
  readonly stores: Stores;
  /** The conversations of this process (with the live session TTL). */
  readonly conversations: Conversations;
  /** The outbox writer events of this process go through (redaction per config). */
  readonly outbox: OutboxWriter;
  /**
   * Stops taking work, waits for running turns (up to `server.drainTimeout`), flushes the outbox, closes
   * everything. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts the parts of `role` on the configured profile: `all` (gateway, `server.workers` workers and the
 * outbox relay, in one process), `gateway`, `worker` or `relay`. Separate roles need the cluster profile:
 * an embedded data directory belongs to one process.
 */
export async function startServer(config: SomaConfig, options: ServeOptions): Promise<RunningServer> {
  const role = options.role ?? 'all';
  const log = options.log;
  routeGrpcLogs(log);
  if (role !== 'all' && config.profile === 'embedded') {
    throw new ConfigError(`--role ${role} needs the cluster profile`, {
      hint: 'The embedded data directory belongs to one process: run `serve` (role all), or use --profile cluster.',
    });
  }
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error) => log.warn('close failed', { error: String(error) }));
    closers.length = 0;
  };
  try {
    const stores = await openStores(config, { purpose: `serve --role ${role}` });
    closers.push(() => stores.close());
    if (config.profile === 'embedded') {
      // Commands run beside the server (keys, erase, config publish…) reach the data through this socket.
      const shared = await shareEmbeddedDatabase(stores.sql, config);
      closers.push(() => shared.stop());
      log.info('database shared with local commands', { endpoint: shared.endpoint });
    }
    const metrics = new MetricsRegistry();
    metrics.gauge('soma_process_resident_memory_bytes', 'Resident set size of this process', () =>
      process.memoryUsage.rss(),
    );

    const catalog = loadSchemaCatalog();
    const codec = createEventCodec({
      catalog,
      ...(config.kafka.schemaRegistryUrl
        ? {
            registry: new SchemaRegistryClient({
              url: config.kafka.schemaRegistryUrl,
              timeoutMs: config.timeouts.request,
            }),
          }
        : {}),
    });
    const outbox = createOutboxWriter({ catalog, codec, redactor: redactorFromConfig(config) });
    const embedder = createEmbedder(config);

    // Live configuration: config.updates changes log.level and retention.* while running (docs/config-updates.md).
    const updates = await subscribeConfigUpdates(stores.events, config, {
      initial: await loadLiveConfigSnapshot(stores.records),
      recover: () => loadLiveConfigSnapshot(stores.records),
      codec,
      log: (line) => log[line.level](line.message, { ...line, message: undefined, level: undefined }),
      onChange: ({ keys, current }) => {
        log.setLevel(current.config.log.level);
        log.info('configuration updated', { version: current.version, keys });
      },
    });
    closers.push(() => updates.stop());
    log.setLevel(updates.live.current.config.log.level);
    const conversations = new Conversations(stores.sessions, {
      ttlMs: () => updates.live.current.config.retention.sessions,
    });

    const workers: WorkerServer[] = [];
    let workerClient: WorkerClient | undefined;
    if (role === 'all' || role === 'worker') {
      await registerBuiltinTools(stores.records);
      const tools = createToolExecutor({
        records: stores.records,
        objects: stores.objects,
        ...toolExecutorOptionsFromConfig(config),
        warm: true,
      });
      closers.push(() => tools.close());
      const deps: TurnDeps = {
        stores,
        conversations,
        model: createModelProvider(config),
        embedder,
        tools,
        outbox,
      };
      const count = role === 'all' ? config.server.workers : 1;
      for (let i = 0; i < count; i++) {
        const port = config.server.workerPort === 0 ? 0 : config.server.workerPort + i;
        const server = await startWorkerServer({
          host: config.server.workerHost,
          port,
          deps,
          log: log.child({ part: 'worker' }),
        });
        workers.push(server);
        closers.push(() => server.close(config.server.drainTimeout));
        log.info('worker listening', { address: server.address });
      }
    }

    let relay: OutboxRelay | undefined;
    if (role === 'all' || role === 'relay') {
      // The event topics exist before the first send (Kafka may not auto-create them; the embedded log never does).
      await stores.events
        .createTopics(
          Object.keys(EVENT_TOPICS).map((name) => ({
            name,
            partitions: config.profile === 'cluster' ? 6 : 3,
          })),
        )
        .catch((error) => {
          if (config.profile === 'embedded') throw error;
          log.warn('could not create the event topics; the relay will retry sending', {
            error: String(error),
          });
        });
      const relayLog = log.child({ part: 'relay' });
      relay = new OutboxRelay(stores.records.outbox, stores.events, {
        logger: (level, message) => relayLog[level](message),
      });
      relay.start();
      const started = relay;
      closers.push(async () => {
        const drained = await started.flush(config.server.drainTimeout);
        if (!drained) log.warn('the outbox was not empty at shutdown; the next relay sends the rest');
        await started.stop();
      });
      metrics.gauge('soma_outbox_sent_total', 'Events the relay published', () => started.metrics().sent);
      metrics.gauge(
        'soma_outbox_failed_attempts_total',
        'Failed publish attempts',
        () => started.metrics().failedAttempts,
      );
    }

    let url: string | undefined;
    let bootstrapKey: string | undefined;
    if (role === 'all' || role === 'gateway') {
      const addresses =
        role === 'all' ? workers.map((w) => w.address) : [...(config.server.workerAddresses ?? [])];
      if (addresses.length === 0) {
        throw new ConfigError('server.workerAddresses is not set: a gateway needs workers to call', {
          hint: 'Start workers with `serve --role worker` and pass --set server.workerAddresses=host:port,…',
        });
      }
      workerClient = createWorkerClient(addresses);
      const client = workerClient;
      closers.push(async () => client.close());
      const gatewayLog = log.child({ part: 'gateway' });
      const gateway = createGateway({
        config,
        stores,
        conversations,
        worker: client,
        embedder,
        outbox,
        metrics,
        log: gatewayLog,
        uiDir: UI_DIR,
        authenticate: async (presented) => {
          const principal = await authenticateApiKey(stores.records, presented, {
            onRefused: (reason, keyId) => gatewayLog.info('API key refused', { reason, keyId }),
          });
          return principal
            ? {
                keyId: principal.keyId,
                tenant: principal.tenant,
                subject: principal.subject,
                admin: principal.admin,
              }
            : null;
        },
        // Read when an erasure is requested: a server without erase.receiptKey answers only those with 503.
        erasure: () => erasureSettings(config),
        readiness: async () => ({
          records: await stores.sql.query('SELECT 1').then(
            () => true,
            () => false,
          ),
        }),
      });
      const address = await gateway.app
        .listen({ host: config.server.host, port: config.server.port })
        .catch(async (error: unknown) => {
          await gateway.app.close().catch(() => {});
          throw (
            listenError(error, {
              what: 'gateway',
              host: config.server.host,
              port: config.server.port,
              portSetting: '--port, server.port',
              hostSetting: '--host, server.host',
              otherPort: 'pass another --port (0 picks a free one)',
            }) ?? error
          );
        });
      url = `${address.replace('[::1]', 'localhost')}/`;
      closers.push(async () => {
        gateway.startDraining();
        const deadline = Date.now() + config.server.drainTimeout;
        while (gateway.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        await gateway.app.close();
      });
      // Only once the gateway listens: a start that fails must not create (and never show) the admin key.
      if (config.profile === 'embedded') {
        const created = await ensureBootstrapKey(stores.records, { tenant: 'default', subject: 'local' });
        bootstrapKey = created?.key;
      }
      log.info('gateway listening', { url });
    }
    let closing: Promise<void> | undefined;
    return {
      role,
      url,
      workerAddresses: workers.map((w) => w.address),
      bootstrapKey,
      stores,
      conversations,
      outbox,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
