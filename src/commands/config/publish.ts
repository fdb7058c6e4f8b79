import { Args, Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { renderTable } from '../../cli/render.js';
import { parseDuration } from '../../sdk/config/duration.js';
import { InvalidInputError } from '../../sdk/errors.js';
import { readConfigChangeFile } from '../../sdk/events/config-updates/change-file.js';
import {
  type ConfigPublishResult,
  publishConfigChanges,
} from '../../sdk/events/config-updates/publish-config-changes.js';

/** JSON result of `somaagent config publish`. */
export type ConfigPublishOutput = ConfigPublishResult & { readonly file: string };

export default class ConfigPublish extends BaseCommand<typeof ConfigPublish> {
  static override summary = 'Publish live configuration changes and feature flags on config.updates.';
  static override description =
    `Reads FILE (YAML or JSON): live keys written as in somaagent.config.yaml (log.level, retention.*), feature flags under "flags:" (true, false or {enabled, rollout}); null removes a live value or a flag.
Each change gets the next version of its scope (the deployment, or --tenant) and one event carrying the SHA-256 of the whole live state; the version, the events (transactional outbox) and an audit entry commit together, then the relay puts the events on the bus (embedded event log, or Kafka) and running runtimes apply them. Changes already in effect are skipped.
Unknown keys, bad values and restart-only keys are refused with the file's line and key, and nothing is written. See docs/config-updates.md.
Exit 0 when published (or planned with --dry-run), 2 on an error. Events not yet on the bus when --wait ends stay in the outbox for the running relay (a warning says so).`;
  static override examples = [
    {
      description: 'See the change set, next version and checksum without publishing',
      command: '<%= config.bin %> <%= command.id %> change.yaml --dry-run',
    },
    {
      description: 'Publish, saying who and why',
      command: '<%= config.bin %> <%= command.id %> change.yaml --changed-by op_17 --reason "incident 812"',
    },
    {
      description: 'Publish a tenant’s flags only if nobody published since version 12',
      command: '<%= config.bin %> <%= command.id %> flags.json --tenant acme --expect-version 12 --json',
    },
  ];

  static override args = {
    file: Args.string({ description: 'YAML or JSON file of live keys and flags.', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({
      description: 'Show the change set, next version and checksum; write nothing.',
      default: false,
    }),
    tenant: Flags.string({
      description: 'Tenant whose live configuration changes (default: the deployment).',
    }),
    'changed-by': Flags.string({ description: 'Pseudonymous id of the operator (audit actor).' }),
    reason: Flags.string({ description: 'Why (no personal data; redacted anyway).' }),
    meta: Flags.string({
      description: 'Event metadata KEY=VALUE, e.g. ticket=OPS-112 (repeatable).',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'expect-version': Flags.integer({
      description: 'Refuse unless the scope is at this version now (optimistic locking).',
      min: 0,
    }),
    topic: Flags.string({
      description: 'Topic to publish on (a staging or test topic); runtimes must follow the same one.',
      default: 'config.updates',
    }),
    wait: Flags.string({
      description:
        'How long to relay the events to the bus before returning; 0 leaves them to the running relay.',
      default: '30s',
    }),
  };

  async run(): Promise<ConfigPublishOutput> {
    const { flags, args } = this;
    const { config } = this.loadConfig();
    const file = readConfigChangeFile(args.file);
    const result = await publishConfigChanges(config, file.input, {
      dryRun: flags['dry-run'],
      tenant: flags.tenant ?? null,
      changedBy: flags['changed-by'] ?? null,
      reason: flags.reason ?? null,
      metadata: parseMeta(flags.meta ?? []),
      ...(flags['expect-version'] === undefined ? {} : { expectVersion: flags['expect-version'] }),
      waitMs: parseWait(flags.wait),
      topic: flags.topic,
    });
    if (!this.jsonEnabled()) this.render(result);
    if (!result.dryRun && !result.delivered && result.changes.length > 0) {
      this.warnOnce(
        `version ${result.toVersion} is committed but not on the bus yet (${result.deliveryError}); the outbox relay of a running somaagent serve, or the next config publish, sends it.`,
      );
    }
    process.exitCode = EXIT.ok;
    return { ...result, file: args.file };
  }

  private render(result: ConfigPublishResult): void {
    const sum = (checksum: string) => `${checksum.slice(0, 12)}…`;
    this.log(`${result.topic} · scope ${result.scope} · records ${result.records}`);
    if (result.changes.length > 0) {
      this.log(
        renderTable(
          ['version', 'kind', 'key', 'value', 'previous'],
          result.changes.map((c) => [
            c.version,
            c.kind === 'CONFIG' ? 'config' : 'flag',
            c.key,
            c.value === null ? '(removed)' : JSON.stringify(c.value),
            c.previousValue === null ? null : JSON.stringify(c.previousValue),
          ]),
        ),
      );
    }
    if (result.unchanged.length > 0) {
      this.log(`Already in effect (skipped): ${result.unchanged.map((u) => u.key).join(', ')}`);
    }
    const span = `version ${result.fromVersion} → ${result.toVersion}, checksum ${sum(result.checksum)}`;
    if (result.changes.length === 0)
      this.log(`Nothing to publish: ${result.scope} stays at version ${result.toVersion}.`);
    else if (result.dryRun) this.log(`Dry run: would publish ${span}; nothing written.`);
    else if (result.delivered) this.log(`Published ${span} on ${result.bus}.`);
    else this.log(`Committed ${span}; queued in the outbox.`);
  }
}

function parseMeta(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new InvalidInputError(`--meta ${pair}: expected KEY=VALUE`, {
        hint: 'For example --meta ticket=OPS-112.',
      });
    metadata[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return metadata;
}

function parseWait(text: string): number {
  if (/^\s*0+(ms|s|m|h)?\s*$/.test(text)) return 0;
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new InvalidInputError(`--wait ${text}: expected a duration such as 30s or 2m, or 0`, {
      hint: 'Units: ms, s, m, h; --wait 0 leaves the events to the running relay.',
    });
  return ms;
}
