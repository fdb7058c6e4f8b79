import { Args, Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { cliActor, withRecords } from '../../cli/with-records.js';
import { type ApiKeyJson, apiKeyJson } from '../../sdk/auth/api-key-json.js';
import { revokeApiKey } from '../../sdk/auth/api-keys.js';
import { NotFoundError } from '../../sdk/errors.js';

/** JSON result of `somaagent keys revoke`. */
export type KeysRevokeResult = ApiKeyJson & { readonly alreadyRevoked: boolean };

export default class KeysRevoke extends BaseCommand<typeof KeysRevoke> {
  static override summary = 'Revoke an API key: it stops working at once.';
  static override description =
    `Revokes the key with the given id (as shown by keys list; a whole key is accepted too, so a leaked key can be revoked by pasting it). Revoking is final and idempotent: a revoked key keeps its first revocation time. The revocation is written to the audit log.
Exit 0 when the key is revoked (now or before), 2 when there is no such key (in --tenant), on bad input or an unreachable database.`;
  static override examples = [
    { description: 'Revoke a key', command: '<%= config.bin %> <%= command.id %> 3f9a0c1b2d4e5f60' },
    {
      description: 'Only if it belongs to tenant acme',
      command: '<%= config.bin %> <%= command.id %> 3f9a0c1b2d4e5f60 --tenant acme --json',
    },
  ];

  static override args = {
    keyId: Args.string({ description: 'Id of the key (16 hex digits).', required: true }),
  };

  static override flags = {
    tenant: Flags.string({ description: 'Revoke only if the key belongs to this tenant.' }),
  };

  async run(): Promise<KeysRevokeResult> {
    const { config } = this.loadConfig();
    const revoked = await withRecords(config, 'keys revoke', (records) =>
      revokeApiKey(records, this.args.keyId, {
        ...(this.flags.tenant === undefined ? {} : { tenant: this.flags.tenant }),
        actor: cliActor(),
      }),
    );
    if (!revoked) {
      // Never echo the argument: it may be a whole key.
      throw new NotFoundError(
        this.flags.tenant === undefined
          ? 'no API key with that id'
          : `no API key with that id in tenant ${this.flags.tenant}`,
        { hint: 'List the keys with `somaagent keys list` and pass an id from the first column.' },
      );
    }
    const result: KeysRevokeResult = { ...apiKeyJson(revoked), alreadyRevoked: revoked.alreadyRevoked };
    if (!this.jsonEnabled()) {
      this.log(
        revoked.alreadyRevoked
          ? `API key ${revoked.keyId} (tenant ${revoked.tenant}, subject ${revoked.subject}) was already revoked at ${result.revokedAt}.`
          : `Revoked API key ${revoked.keyId} (tenant ${revoked.tenant}, subject ${revoked.subject}).`,
      );
    }
    process.exitCode = EXIT.ok;
    return result;
  }
}
