import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../cli/base-command.js';
import { createLogger } from '../runtime/logger.js';
import { type ServeRole, startServer } from '../runtime/serve.js';

/** What `serve --json` prints when the server is ready (one line) and when it has stopped (one line). */
export interface ServeReady {
  readonly event: 'ready';
  readonly role: ServeRole;
  readonly profile: 'embedded' | 'cluster';
  readonly url: string | null;
  readonly workers: readonly string[];
  /** Set only on the first start of an embedded server: an admin key, shown this once. */
  readonly bootstrapKey: string | null;
}

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary =
    'Run the agent: HTTP gateway, conversation workers, outbox relay and the web chat.';
  static override description =
    `With no configuration, everything runs in this process on the embedded profile (no services, no network; data under --data-dir) and listens on 127.0.0.1. The URL is printed when ready; on the first start an admin API key is created and printed once beside it (open the printed link to chat at once).

--profile cluster uses Redis, Postgres (pgvector) or Qdrant, S3 and Kafka. --role runs one part per process (cluster profile only): workers (gRPC) with --role worker, a gateway that calls them round-robin with --role gateway --set server.workerAddresses=host:port,…, and the outbox relay with --role relay.

SIGTERM or Ctrl-C: stop taking turns, let running turns finish (server.drainTimeout), flush the outbox, exit 0.
Logs go to stderr; --json prints one JSON line on stdout when ready and one when stopped.`;
  static override examples = [
    {
      description: 'Chat in the browser, no services needed',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Any free port, machine-readable start line',
      command: '<%= config.bin %> <%= command.id %> --port 0 --json',
    },
    {
      description: 'Cluster: a worker process (start one per port: 7501, 7502, …)',
      command:
        '<%= config.bin %> <%= command.id %> --profile cluster --role worker --set server.workerPort=7501',
    },
    {
      description: 'Cluster: a gateway that calls the workers round-robin',
      command:
        '<%= config.bin %> <%= command.id %> --profile cluster --role gateway --set server.workerAddresses=127.0.0.1:7501,127.0.0.1:7502',
    },
    {
      description: 'Cluster: the outbox relay, in a process of its own',
      command: '<%= config.bin %> <%= command.id %> --profile cluster --role relay',
    },
  ];
  static override flags = {
    role: Flags.option({
      options: ['all', 'gateway', 'worker', 'relay'] as const,
      default: 'all' as const,
      description: 'Which part to run (all but `all` need --profile cluster).',
    })(),
    port: Flags.integer({
      description: 'Gateway port (0 picks a free one). Sets server.port.',
      min: 0,
      max: 65535,
    }),
    host: Flags.string({
      description: 'Gateway address (default 127.0.0.1: loopback only). Sets server.host.',
    }),
    workers: Flags.integer({
      description: 'Conversation workers in this process (role all). Sets server.workers.',
      min: 1,
      max: 64,
    }),
  };

  protected override configOverrides(): Record<string, unknown> {
    const overrides: Record<string, unknown> = {};
    if (this.flags.port !== undefined) overrides['server.port'] = this.flags.port;
    if (this.flags.host !== undefined) overrides['server.host'] = this.flags.host;
    if (this.flags.workers !== undefined) overrides['server.workers'] = this.flags.workers;
    return overrides;
  }

  async run(): Promise<void> {
    const { config } = this.loadConfig();
    const json = this.jsonEnabled();
    const log = createLogger({ level: config.log.level, format: json ? 'json' : 'text' }, {});
    const server = await startServer(config, { role: this.flags.role, log });
    const ready: ServeReady = {
      event: 'ready',
      role: server.role,
      profile: config.profile,
      url: server.url ?? null,
      workers: server.workerAddresses,
      bootstrapKey: server.bootstrapKey ?? null,
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      if (server.url) this.log(`somaagent is serving at ${server.url} (profile ${config.profile})`);
      if (server.bootstrapKey && server.url) {
        this.log('');
        this.log('First start: an admin API key was created. It is shown this once; keep it:');
        this.log(`  ${server.bootstrapKey}`);
        this.log(`Open ${server.url}#key=${server.bootstrapKey} to chat.`);
        this.log('');
      }
      if (!server.url)
        this.log(`somaagent ${server.role} running (${server.workerAddresses.join(', ') || 'relay'})`);
      this.log('Press Ctrl-C to stop.');
    }
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info('stopping: draining turns and the outbox', { signal });
        void server.close().then(resolve, (error) => {
          log.error('shutdown failed', { error: String(error) });
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    log.info('stopped');
    if (json) process.stdout.write(`${JSON.stringify({ event: 'stopped', role: server.role })}\n`);
    process.exitCode = EXIT.ok;
  }
}
