import { Flags } from '@oclif/core';
import { defaultActor } from '../../cli/actor.js';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { checkActor, placeLegalHold } from '../../sdk/governance/erase/index.js';
import { openRecords } from '../../sdk/stores/records/open-records.js';

/** `--json` result of `somaagent erase hold` (schemas/json/erase-hold.schema.json). */
export interface EraseHoldResult {
  readonly tenant: string;
  readonly user: string;
  readonly reason: string;
  readonly placedBy: string;
  readonly placedAt: string;
}

const BY_HINT = 'Pass --by with your operator id, or leave it out to use your login name.';

export default class EraseHold extends BaseCommand<typeof EraseHold> {
  static override summary = 'Place a legal hold on a user: erasure refuses them until it is released.';
  static override description =
    `Keeps the hold in the records database (one per tenant and user; placing it again updates the reason) and records who placed it in the audit log. While it stands, somaagent erase exits 1 with the hold's reason, and retention purges keep the user's audit entries.
Exit 0 placed, 2 error.`;
  static override examples = [
    {
      description: 'Preserve a user during litigation',
      command: `<%= config.bin %> <%= command.id %> --user alice --tenant acme --reason 'case 2024-117, preserve all records'`,
    },
    {
      description: 'From a script, naming the operator',
      command: `<%= config.bin %> <%= command.id %> --user alice --tenant acme --reason 'ticket LEGAL-88' --by legal-team --json`,
    },
  ];

  static override flags = {
    user: Flags.string({ description: 'Id of the user to hold, exact.', required: true }),
    tenant: Flags.string({ description: 'Tenant the user belongs to.', required: true }),
    reason: Flags.string({ description: 'Why (a case or ticket reference; at most 1 KiB).', required: true }),
    by: Flags.string({ description: 'Who places the hold (default: your login name).' }),
    'allow-pattern-characters': Flags.boolean({ description: 'Accept ids containing * ? [ ] { } % \\.' }),
  };

  async run(): Promise<EraseHoldResult> {
    const { config } = this.loadConfig();
    const by = checkActor(this.flags.by ?? defaultActor(), '--by', BY_HINT);
    const records = await openRecords(config);
    try {
      const hold = await placeLegalHold(records, {
        tenant: this.flags.tenant,
        subject: this.flags.user,
        reason: this.flags.reason,
        by,
        allowPatternCharacters: this.flags['allow-pattern-characters'],
      });
      const result = {
        tenant: hold.tenant,
        user: hold.subject,
        reason: hold.reason,
        placedBy: hold.placedBy,
        placedAt: hold.placedAt.toISOString(),
      };
      if (!this.jsonEnabled()) {
        this.log(
          `Legal hold on user ${result.user} in tenant ${result.tenant} (by ${result.placedBy}, ${result.placedAt}): ${result.reason}`,
        );
      }
      process.exitCode = EXIT.ok;
      return result;
    } finally {
      await records.close();
    }
  }
}
