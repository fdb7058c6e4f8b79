import { Flags } from '@oclif/core';
import { defaultActor } from '../../cli/actor.js';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { checkActor, releaseLegalHold } from '../../sdk/governance/erase/index.js';
import { openRecords } from '../../sdk/stores/records/open-records.js';

/** `--json` result of `somaagent erase release` (schemas/json/erase-release.schema.json). */
export interface EraseReleaseResult {
  readonly tenant: string;
  readonly user: string;
  /** False when the user had no hold (nothing changed). */
  readonly released: boolean;
  /** The released hold, or null. */
  readonly hold: { readonly reason: string; readonly placedBy: string; readonly placedAt: string } | null;
}

const BY_HINT = 'Pass --by with your operator id, or leave it out to use your login name.';

export default class EraseRelease extends BaseCommand<typeof EraseRelease> {
  static override summary = "Release a user's legal hold, so the user can be erased again.";
  static override description =
    `Deletes the hold from the records database and records the release in the audit log. Releasing a user without a hold changes nothing and says so.
Exit 0 (released or no hold), 2 error.`;
  static override examples = [
    {
      description: 'The case is closed',
      command: '<%= config.bin %> <%= command.id %> --user alice --tenant acme',
    },
    {
      description: 'Release, then erase',
      command:
        '<%= config.bin %> <%= command.id %> --user alice --tenant acme && <%= config.bin %> erase --user alice --tenant acme',
    },
  ];

  static override flags = {
    user: Flags.string({ description: 'Id of the held user, exact.', required: true }),
    tenant: Flags.string({ description: 'Tenant the user belongs to.', required: true }),
    by: Flags.string({ description: 'Who releases the hold (default: your login name).' }),
    'allow-pattern-characters': Flags.boolean({ description: 'Accept ids containing * ? [ ] { } % \\.' }),
  };

  async run(): Promise<EraseReleaseResult> {
    const { config } = this.loadConfig();
    const by = checkActor(this.flags.by ?? defaultActor(), '--by', BY_HINT);
    const records = await openRecords(config);
    try {
      const hold = await releaseLegalHold(records, {
        tenant: this.flags.tenant,
        subject: this.flags.user,
        by,
        allowPatternCharacters: this.flags['allow-pattern-characters'],
      });
      const result: EraseReleaseResult = {
        tenant: this.flags.tenant,
        user: this.flags.user,
        released: hold !== undefined,
        hold: hold
          ? { reason: hold.reason, placedBy: hold.placedBy, placedAt: hold.placedAt.toISOString() }
          : null,
      };
      if (!this.jsonEnabled()) {
        this.log(
          hold
            ? `Released the legal hold on user ${result.user} in tenant ${result.tenant} (placed by ${hold.placedBy}: ${hold.reason}).`
            : `User ${result.user} in tenant ${result.tenant} had no legal hold: nothing changed.`,
        );
      }
      process.exitCode = EXIT.ok;
      return result;
    } finally {
      await records.close();
    }
  }
}
