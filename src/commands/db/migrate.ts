import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { renderTable } from '../../cli/render.js';
import { type DbMigrateResult, migrateDatabase } from '../../sdk/stores/records/migrate-database.js';

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static override summary = 'Apply the pending SQL migrations to the records database.';
  static override description =
    `Brings the database of the configured profile to the current schema: embedded → PGlite under <data-dir>/pglite; cluster → the Postgres server at postgres.url.
All pending migrations (schemas/sql/NNNN_name.sql) run in one transaction: a failing one leaves the schema exactly as it was. Concurrent runs wait for each other. Every process also migrates at start; this command does it ahead of a deployment.
A migration that changed since it was applied is an error: shipped migrations are never edited.
Exit 0 when the schema is current (or, with --dry-run, when the pending list could be read), 2 on any error.`;
  static override examples = [
    { description: 'Migrate the embedded database', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'List what would be applied to a Postgres server, without applying it',
      command:
        '<%= config.bin %> <%= command.id %> --profile cluster --set postgres.url=postgres://app@db:5432/soma --dry-run',
    },
    {
      description: 'Machine-readable, for deployment scripts',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
  ];

  static override flags = {
    'dry-run': Flags.boolean({
      description: 'List the pending migrations without applying them.',
      default: false,
    }),
  };

  async run(): Promise<DbMigrateResult> {
    const { config } = this.loadConfig();
    const result = await migrateDatabase(config, { dryRun: this.flags['dry-run'] });
    if (!this.jsonEnabled()) {
      this.log(`${result.engine}: ${result.address}`);
      const appliedNow = new Set(result.applied.map((m) => m.version));
      this.log(
        renderTable(
          ['version', 'name', 'status', 'applied at'],
          result.migrations.map((m) => [
            m.version,
            m.name,
            appliedNow.has(m.version)
              ? 'applied now'
              : m.status === 'unknown'
                ? 'applied (newer somaagent)'
                : m.status,
            m.appliedAt,
          ]),
        ),
      );
      if (result.dryRun) {
        this.log(
          result.pending.length === 0
            ? `Dry run: nothing to apply; schema version ${result.current}.`
            : `Dry run: ${result.pending.length} migration(s) would be applied (${result.pending.map((m) => m.version).join(', ')}); schema version ${result.current}.`,
        );
      } else {
        this.log(
          result.applied.length === 0
            ? `Schema is current: version ${result.current}.`
            : `Applied ${result.applied.length} migration(s); schema version ${result.current}.`,
        );
      }
    }
    process.exitCode = EXIT.ok;
    return result;
  }
}
