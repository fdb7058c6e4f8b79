import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { cliActor, withRecords } from '../../cli/with-records.js';
import { type ApiKeyJson, apiKeyJson } from '../../sdk/auth/api-key-json.js';
import { createApiKey } from '../../sdk/auth/api-keys.js';
import { looksLikeDuration, parseDuration } from '../../sdk/config/duration.js';
import { InvalidInputError } from '../../sdk/errors.js';

/** JSON result of `somaagent keys create`: the key's fields and, once, the key itself. */
export type KeysCreateResult = ApiKeyJson & { readonly key: string };

export default class KeysCreate extends BaseCommand<typeof KeysCreate> {
  static override summary = 'Create an API key for a tenant and subject; the key is shown once.';
  static override description =
    `Creates a key for the gateway (Authorization: Bearer soma_<id>_<secret>) that acts as --subject in --tenant: it sees that tenant's data only. Admin keys may also manage the tenant's keys.
The key is printed once, alone on stdout (details and a warning go to stderr), so KEY=$(somaagent keys create …) captures it. Only a SHA-256 digest of its secret is stored: a lost key cannot be shown again, only revoked and replaced. The creation is written to the audit log.
Exit 0 when created, 2 on bad input or an unreachable database.`;
  static override examples = [
    {
      description: 'A key for user alice of tenant acme',
      command: '<%= config.bin %> <%= command.id %> --tenant acme --subject alice --label "alice laptop"',
    },
    {
      description: 'An admin key that expires in 90 days, captured in a variable',
      command:
        'KEY=$(<%= config.bin %> <%= command.id %> --tenant acme --subject ops --admin --expires-in 90d)',
    },
    {
      description: 'Machine-readable (the key is in the "key" field)',
      command: '<%= config.bin %> <%= command.id %> --tenant acme --subject ci-bot --json',
    },
  ];

  static override flags = {
    tenant: Flags.string({ description: 'Tenant the key belongs to.', required: true }),
    subject: Flags.string({ description: 'User or service the key acts as.', required: true }),
    admin: Flags.boolean({ description: 'Make an admin key.', default: false }),
    label: Flags.string({ description: 'What the key is for (shown by keys list).' }),
    'expires-in': Flags.string({
      description: 'Lifetime, e.g. 30d, 12h, 1y; the key never expires when omitted.',
    }),
  };

  async run(): Promise<KeysCreateResult> {
    const { config } = this.loadConfig();
    const expiresIn = this.flags['expires-in'];
    let expiresAt: Date | undefined;
    if (expiresIn !== undefined) {
      const ms = parseDuration(expiresIn);
      if (ms === undefined) {
        const problem = looksLikeDuration(expiresIn)
          ? 'a key lifetime must be above zero'
          : 'expected a duration such as 30d, 12h or 1y';
        throw new InvalidInputError(`--expires-in ${expiresIn}: ${problem}`, {
          hint: 'A lifetime above zero; units: s, m, h, d, w, y.',
        });
      }
      expiresAt = new Date(Date.now() + ms);
    }
    const created = await withRecords(config, 'keys create', (records) =>
      createApiKey(
        records,
        {
          tenant: this.flags.tenant,
          subject: this.flags.subject,
          admin: this.flags.admin,
          ...(this.flags.label === undefined ? {} : { label: this.flags.label }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        { actor: cliActor() },
      ),
    );
    const result: KeysCreateResult = { ...apiKeyJson(created), key: created.key };
    if (!this.jsonEnabled()) {
      const what = [
        `tenant ${created.tenant}`,
        `subject ${created.subject}`,
        ...(created.admin ? ['admin'] : []),
        ...(created.expiresAt ? [`expires ${created.expiresAt.toISOString()}`] : []),
      ].join(', ');
      process.stderr.write(`Created API key ${created.keyId} (${what}).\n`);
      this.log(created.key);
      process.stderr.write(
        'Warning: this key is shown only once and cannot be recovered; store it now (revoke and replace it if lost).\n',
      );
    }
    process.exitCode = EXIT.ok;
    return result;
  }
}
