import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { COMPATIBILITY_MODES } from '../../sdk/governance/schemas/compatibility-modes.js';
import {
  REPORT_FORMATS,
  renderGithub,
  renderJunit,
  renderText,
} from '../../sdk/governance/schemas/report-formats.js';
import { validateSchemas } from '../../sdk/governance/schemas/validate-schemas.js';
import type { SchemaValidationReport } from '../../sdk/governance/schemas/validation-report.js';

export default class SchemasValidate extends BaseCommand<typeof SchemasValidate> {
  static override summary =
    'Parse, lint and compatibility-check the Avro event schemas and their golden fixtures.';
  static override description = `Checks every .avsc file in --dir (default schemas/kafka):
- parse: valid JSON and valid Avro (rule parse-error);
- lint: a namespace, a doc on every record and field, optional fields as ["null", T] with "default": null, PascalCase records and enums, camelCase fields, UPPER_SNAKE enum symbols;
- fixtures: every fixtures/avro/<schema>/v<N>/*.bin decodes with version N and equals the .json beside it, and the current version has at least one;
- compatibility with earlier versions: history/<schema>/v<N>.avsc and the file at the git ref of --against, under each schema's mode: --mode for all, else the config key schemas.compatibility (TOPIC=MODE by event topic or schema name; file, SOMA_SCHEMAS_COMPATIBILITY or --set), else <dir>/compatibility.json, else BACKWARD; non-transitive modes compare with the latest earlier version, transitive ones with all;
- changelog: a schema that differs from --against or from its latest history version needs a mention of its file name under ## [Unreleased] in CHANGELOG.md.
Every violation is reported, with file, field path, rule id and explanation.
Exit 0 when there is no finding, 1 when there are findings, 2 on an error (missing directory, bad git ref, bad compatibility.json, a schemas.compatibility entry naming no topic or schema).`;
  static override examples = [
    { description: 'Check the shipped schemas', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Check a change against the main branch, as CI does on a pull request',
      command: '<%= config.bin %> <%= command.id %> --against origin/main --format github',
    },
    {
      description: 'Hold one topic to FULL_TRANSITIVE, the others to their compatibility.json mode',
      command:
        '<%= config.bin %> <%= command.id %> --set schemas.compatibility=conversation.events=FULL_TRANSITIVE',
    },
    {
      description: 'Require FULL_TRANSITIVE compatibility for every schema and write a JUnit report',
      command: '<%= config.bin %> <%= command.id %> --mode FULL_TRANSITIVE --format junit > schemas.xml',
    },
    { description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  static override flags = {
    dir: Flags.string({ description: 'Directory of the .avsc files.', default: 'schemas/kafka' }),
    fixtures: Flags.string({
      description:
        'Directory of the golden fixtures <schema>/v<N>/*.bin (default fixtures/avro when it exists).',
    }),
    against: Flags.string({
      description: 'Git ref to compare each schema with (e.g. main, origin/main, HEAD~1).',
    }),
    mode: Flags.option({
      options: COMPATIBILITY_MODES,
      description:
        'Compatibility mode for every schema, overriding schemas.compatibility and <dir>/compatibility.json.',
    })(),
    changelog: Flags.string({ description: 'CHANGELOG.md to check (default: the nearest one above --dir).' }),
    format: Flags.option({
      options: REPORT_FORMATS,
      description: 'Output format; --json is the same as --format json.',
      default: 'text' as const,
    })(),
  };

  async run(): Promise<SchemaValidationReport> {
    const { flags } = this;
    const report = await validateSchemas({
      dir: flags.dir,
      fixturesDir: flags.fixtures,
      against: flags.against,
      mode: flags.mode,
      modes: this.loadConfig().config.schemas.compatibility,
      changelog: flags.changelog,
    });
    if (!this.jsonEnabled()) {
      if (flags.format === 'json') this.logJson(report);
      else if (flags.format === 'junit') this.log(renderJunit(report));
      else if (flags.format === 'github') this.log(renderGithub(report));
      else this.log(renderText(report));
    }
    process.exitCode = report.ok ? EXIT.ok : EXIT.findings;
    return report;
  }
}
