import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { renderTable } from '../../cli/render.js';
import { withRecords } from '../../cli/with-records.js';
import { type ApiKeyJson, apiKeyJson } from '../../sdk/auth/api-key-json.js';
import { listApiKeys } from '../../sdk/auth/api-keys.js';

/** JSON result of `somaagent keys list`: the keys, never their secrets. */
export interface KeysListResult {
  readonly keys: readonly ApiKeyJson[];
}

/** `2025-03-01 14:05` (UTC), or `-`. */
const when = (iso: string | null): string => (iso === null ? '-' : `${iso.slice(0, 16).replace('T', ' ')}`);

export default class KeysList extends BaseCommand<typeof KeysList> {
  static override summary = 'List API keys (never their secrets).';
  static override description =
    `Lists the API keys of every tenant, or of one with --tenant: id, tenant, subject, admin, label, when created, last used (to the minute), revoked and expires (UTC). Revoked keys are listed too unless --active is given.
Exit 0, 2 on bad input or an unreachable database.`;
  static override examples = [
    { description: 'Every key', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'The keys of one tenant that still work',
      command: '<%= config.bin %> <%= command.id %> --tenant acme --active',
    },
    {
      description: 'Machine-readable',
      command: '<%= config.bin %> <%= command.id %> --tenant acme --json',
    },
  ];

  static override flags = {
    tenant: Flags.string({ description: 'Only this tenant’s keys.' }),
    subject: Flags.string({
      description: 'Only this subject’s keys (needs --tenant).',
      dependsOn: ['tenant'],
    }),
    active: Flags.boolean({ description: 'Leave out revoked keys.', default: false }),
  };

  async run(): Promise<KeysListResult> {
    const { config } = this.loadConfig();
    const keys = await withRecords(config, 'keys list', (records) =>
      listApiKeys(records, {
        ...(this.flags.tenant === undefined ? {} : { tenant: this.flags.tenant }),
        ...(this.flags.subject === undefined ? {} : { subject: this.flags.subject }),
        includeRevoked: !this.flags.active,
      }),
    );
    const result: KeysListResult = { keys: keys.map(apiKeyJson) };
    if (!this.jsonEnabled()) {
      if (result.keys.length === 0) {
        this.log(
          this.flags.tenant === undefined
            ? 'No API keys. Create one with `somaagent keys create --tenant T --subject S`.'
            : `No API keys in tenant ${this.flags.tenant}.`,
        );
      } else {
        this.log(
          renderTable(
            ['id', 'tenant', 'subject', 'admin', 'label', 'created', 'last used', 'revoked', 'expires'],
            result.keys.map((k) => [
              k.keyId,
              k.tenant,
              k.subject,
              k.admin ? 'yes' : 'no',
              k.label,
              when(k.createdAt),
              when(k.lastUsedAt),
              when(k.revokedAt),
              when(k.expiresAt),
            ]),
          ),
        );
      }
    }
    process.exitCode = EXIT.ok;
    return result;
  }
}
