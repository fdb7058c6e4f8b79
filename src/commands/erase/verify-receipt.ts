import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { renderTable } from '../../cli/render.js';
import { fileReadProblem, InvalidInputError } from '../../sdk/errors.js';
import {
  ErasureKeys,
  erasureSettings,
  parseReceipts,
  type ReceiptVerification,
  verifyReceipts,
} from '../../sdk/governance/erase/index.js';
import { openRecords } from '../../sdk/stores/records/open-records.js';

export default class EraseVerifyReceipt extends BaseCommand<typeof EraseVerifyReceipt> {
  static override summary = 'Check the signature and hash chain of erasure receipts.';
  static override description =
    `Reads FILE (a receipt written by erase --receipt, a JSON array of receipts, or JSON lines) and checks each receipt's signature with erase.receiptKey. Then, unless --offline, walks the tenant's receipt chain in the audit log from its newest receipt back to its first, checking every link's hash, signature and sequence, and requires each receipt of FILE to be on that chain. --offline checks only the signatures and the links among the receipts in FILE.
Exit 0 valid, 1 invalid (a signature, link or stored copy does not match), 2 error.`;
  static override examples = [
    {
      description: 'Check a receipt against the audit log',
      command: '<%= config.bin %> <%= command.id %> alice-erasure.json',
    },
    {
      description: 'Check receipts without database access (signatures and links among them)',
      command: '<%= config.bin %> <%= command.id %> receipts.jsonl --offline --json',
    },
  ];

  static override args = {
    file: Args.string({
      description: 'Receipt file (JSON object, JSON array or JSON lines).',
      required: true,
    }),
  };

  static override flags = {
    offline: Flags.boolean({
      description: 'Do not read the audit log: check signatures and in-file links only.',
    }),
  };

  async run(): Promise<ReceiptVerification> {
    const { config } = this.loadConfig();
    let text: string;
    try {
      text = readFileSync(this.args.file, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`receipt file ${this.args.file} ${fileReadProblem(error)}`, {
        hint: 'Pass the path of a receipt file written by erase --receipt.',
      });
    }
    const receipts = parseReceipts(text);
    const keys = new ErasureKeys(erasureSettings(config).receiptKey);
    const records = this.flags.offline ? undefined : await openRecords(config);
    let result: ReceiptVerification;
    try {
      result = await verifyReceipts(receipts, keys, records ? { records } : {});
    } finally {
      await records?.close();
    }
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['#', 'tenant', 'sequence', 'job', 'signature', 'chain', 'audit log'],
          result.receipts.map((r) => [
            r.index + 1,
            r.tenant,
            r.sequence,
            r.jobId,
            r.signature,
            r.chain,
            r.stored,
          ]),
        ),
      );
      for (const chain of result.chains) {
        this.log(
          `chain of tenant ${chain.tenant}: ${chain.verifiedLinks} of ${chain.headSequence} receipts verified, ${chain.intact ? 'intact' : 'BROKEN'}`,
        );
      }
      for (const problem of result.problems) this.log(`INVALID: ${problem}`);
      this.log(result.valid ? 'Valid.' : 'Invalid.');
    }
    process.exitCode = result.valid ? EXIT.ok : EXIT.findings;
    return result;
  }
}
