import { BaseCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/render.js';
import { type ConfigRow, describeConfig } from '../../sdk/config/show.js';

/** JSON result of `somaagent config show`. */
export interface ConfigShowResult {
  readonly file: string | null;
  readonly settings: ConfigRow[];
  readonly warnings: readonly string[];
}

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary = 'Show the resolved configuration and where each value came from.';
  static override description =
    `Values resolve in this order: flag (--profile, --data-dir, --set KEY=VALUE) → environment (SOMA_*) → config file (--config PATH, SOMA_CONFIG, or ./somaagent.config.yaml|yml|json) → default.
Secrets are masked. Exit 0, or 2 when the configuration is invalid (every bad key is named).`;
  static override examples = [
    { description: 'Show the configuration as a table', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'See what the cluster profile would connect to',
      command: 'SOMA_REDIS_URL=redis://10.0.0.5:6379 <%= config.bin %> <%= command.id %> --profile cluster',
    },
    { description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  async run(): Promise<ConfigShowResult> {
    const resolved = this.loadConfig();
    const settings = describeConfig(resolved);
    if (!this.jsonEnabled()) {
      this.log(`config file: ${resolved.file ?? '(none)'}`);
      this.log(
        renderTable(
          ['key', 'value', 'source', 'set by'],
          settings.map((row) => [
            row.key,
            row.value ?? '(unset)',
            row.source,
            row.source === 'default' ? '' : row.from,
          ]),
        ),
      );
    }
    return { file: resolved.file ?? null, settings, warnings: resolved.warnings };
  }
}
