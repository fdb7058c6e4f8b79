import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { defaultActor } from '../../cli/actor.js';
import { BaseCommand, EXIT } from '../../cli/base-command.js';
import { confirmByTyping } from '../../cli/confirm.js';
import { progressBar } from '../../cli/progress.js';
import { renderTable } from '../../cli/render.js';
import { InvalidInputError, SomaError } from '../../sdk/errors.js';
import {
  checkActor,
  checkErasureId,
  checkPlanAllowed,
  checkPlanHash,
  type ErasurePlan,
  type ErasureReceipt,
  type ErasureReport,
  type ErasureResult,
  erasureReport,
  erasureSettings,
  executeErasure,
  planErasure,
} from '../../sdk/governance/erase/index.js';
import { openStores } from '../../sdk/stores/factory.js';

export default class Erase extends BaseCommand<typeof Erase> {
  static override summary = "Erase a person's data from every store, verify it, and issue a signed receipt.";
  static override description =
    `Plans first: finds the user's data in every store by index (API keys, sessions and rate-limit keys, vector memories, every object version and delete marker under the user's prefix, outbox rows, audit entries, the user's key for sealed event fields) and prints per-store counts and a plan hash. --dry-run stops there.
Then, after confirmation (type the user id, or --yes), runs a resumable job kept in the records database: deletes the user's API keys (first, so nothing new arrives through the gateway), sessions, rate limits, memories, objects (all versions) and outbox rows, pseudonymises audit entries (kept for their retention), publishes tombstones on erase.compactedTopics, and destroys the user's key, so sealed fields in Kafka history and backups become unreadable (crypto-shredding). After a crash, the same command resumes the job.
Every store is then queried again; anything left is residue. A clean erasure gets a receipt without personal data (the user as a keyed hash), signed with erase.receiptKey and chained to the tenant's previous receipt, stored in the audit log and written with --receipt.
Ids are exact and refused when empty, padded or holding pattern characters (* ? [ ] { } % \\): erasing alice never touches alice2, Alice or alice/x. A plan larger than --max-records (erase.maxRecords) is refused.
Exit 0 erased and verified (or dry run), 1 residue found or a legal hold blocks the erasure, 2 error (bad input, no confirmation, plan too large, unreachable store).`;
  static override examples = [
    {
      description: 'See what would be erased (per-store counts and the plan hash)',
      command: '<%= config.bin %> <%= command.id %> --user alice --tenant acme --dry-run',
    },
    {
      description:
        'Erase after reviewing, refusing if the data changed since the review, and keep the receipt',
      command:
        '<%= config.bin %> <%= command.id %> --user alice --tenant acme --yes --expect-plan sha256:3f1c8e0b9a47d2c6e5f1a3b8d9c0e7f4a2b6c8d1e3f5a7b9c0d2e4f6a8b0c1d3 --receipt alice-erasure.json',
    },
    {
      description: 'Machine-readable, for a ticketing workflow',
      command: '<%= config.bin %> <%= command.id %> --user alice --tenant acme --yes --json',
    },
    {
      description: 'Resume after a crash: run the same command again',
      command: '<%= config.bin %> <%= command.id %> --user alice --tenant acme --yes',
    },
  ];

  static override flags = {
    user: Flags.string({ description: 'Id of the person (data subject) to erase, exact.', required: true }),
    tenant: Flags.string({ description: 'Tenant the user belongs to.', required: true }),
    'dry-run': Flags.boolean({
      description: 'Plan only: print the counts and the plan hash, change nothing.',
    }),
    yes: Flags.boolean({ description: 'Confirm without a prompt (required when stdin is not a terminal).' }),
    'max-records': Flags.integer({
      description: 'Blast-radius guard: refuse a plan with more records (default: erase.maxRecords).',
      min: 0,
    }),
    'expect-plan': Flags.string({
      description:
        'Refuse unless the plan hash is this one (sha256:<64 hex digits>, printed by the reviewed dry run).',
    }),
    receipt: Flags.string({
      description: 'Also write the receipt (JSON) to this file (checked before the erasure starts).',
    }),
    by: Flags.string({ description: 'Who runs the erasure, for the audit log (default: your login name).' }),
    'allow-pattern-characters': Flags.boolean({
      description: 'Accept ids containing * ? [ ] { } % \\ (they are still matched exactly).',
    }),
  };

  async run(): Promise<ErasureReport> {
    const { config } = this.loadConfig();
    const settings = erasureSettings(config);
    const flags = this.flags;
    const maxRecords = flags['max-records'] ?? settings.maxRecords;
    // Bad input fails before any store is opened, so a mistake never leaves a half-started job.
    const request = {
      tenant: checkErasureId('tenant', flags.tenant, flags['allow-pattern-characters']),
      subject: checkErasureId('user', flags.user, flags['allow-pattern-characters']),
      allowPatternCharacters: flags['allow-pattern-characters'],
    };
    const actor = checkActor(
      flags.by ?? defaultActor(),
      '--by',
      'Pass --by with your operator id, or leave it out to use your login name.',
    );
    const expectPlanHash =
      flags['expect-plan'] === undefined ? undefined : checkPlanHash(flags['expect-plan'], '--expect-plan');
    if (flags.receipt !== undefined && !flags['dry-run']) checkWritableFile(flags.receipt, '--receipt');
    const stores = await openStores(config, { purpose: 'erase' });
    try {
      const plan = await planErasure(stores, request, settings);
      const dryRun = flags['dry-run'] === true;
      if (!this.jsonEnabled()) this.printPlan(plan, maxRecords);
      if (plan.legalHold) {
        if (!this.jsonEnabled()) {
          this.log(
            `Blocked: a legal hold placed by ${plan.legalHold.placedBy} on ${plan.legalHold.placedAt.toISOString()}: ${plan.legalHold.reason}`,
          );
        }
        process.exitCode = EXIT.findings;
        return erasureReport(plan, { maxRecords, dryRun });
      }
      if (dryRun) {
        if (!this.jsonEnabled()) this.log('Dry run: nothing was changed.');
        process.exitCode = EXIT.ok;
        return erasureReport(plan, { maxRecords, dryRun });
      }
      const options = { maxRecords, expectPlanHash, actor };
      checkPlanAllowed(plan, settings, options);
      if (!flags.yes) await this.confirm(plan);
      const bar = progressBar();
      let result: ErasureResult;
      try {
        result = await executeErasure(stores, plan, settings, {
          ...options,
          onProgress: (p) =>
            bar.update({
              index: p.index,
              total: p.total,
              label: p.step ?? (p.phase === 'verify' ? 'verifying' : 'receipt'),
            }),
        });
      } finally {
        bar.done();
      }
      if (result.receipt && flags.receipt) writeReceipt(flags.receipt, result.receipt);
      if (!this.jsonEnabled()) this.printResult(result, flags.receipt);
      process.exitCode = result.status === 'erased' ? EXIT.ok : EXIT.findings;
      return erasureReport(plan, { maxRecords, dryRun, result, receiptFile: flags.receipt });
    } finally {
      await stores.close();
    }
  }

  private async confirm(plan: ErasurePlan): Promise<void> {
    const ok = await confirmByTyping(
      `Erase ${plan.total} records of user "${plan.who.subject}" in tenant "${plan.tenant}"? This cannot be undone. Type the user id to confirm:`,
      plan.who.subject,
    );
    if (!ok) {
      throw new InvalidInputError('the confirmation did not match the user id: nothing was erased', {
        hint: 'Type the user id exactly, or pass --yes after reviewing --dry-run.',
      });
    }
  }

  private printPlan(plan: ErasurePlan, maxRecords: number): void {
    this.log(
      `Erasure plan: user ${plan.who.subject} in tenant ${plan.tenant} (${plan.subjectHash.slice(0, 24)}…)`,
    );
    this.log(
      renderTable(
        ['store', 'engine', 'action', 'records'],
        plan.stores.map((s) => [
          s.store,
          s.engine,
          s.action,
          s.detail
            ? `${s.count} (${Object.entries(s.detail)
                .map(([k, v]) => `${v} ${k}`)
                .join(', ')})`
            : s.count,
        ]),
      ),
    );
    this.log(`Total: ${plan.total} records (limit ${maxRecords}). Plan hash: ${plan.planHash}`);
    if (plan.openJob) {
      this.log(
        `Resuming job ${plan.openJob.id} (${plan.openJob.state}, ${plan.openJob.stepsDone}/${plan.openJob.steps} steps done, started ${plan.openJob.createdAt.toISOString()}).`,
      );
    }
  }

  private printResult(result: ErasureResult, receiptFile: string | undefined): void {
    const stepOf = new Map(result.steps.map((s) => [s.name, s]));
    this.log(
      renderTable(
        ['store', 'before', 'after', 'checked'],
        Object.entries(result.verification.after).map(([store, after]) => [
          store,
          result.before[store as keyof typeof result.before],
          after,
          result.verification.checks[store as keyof typeof result.verification.checks],
        ]),
      ),
    );
    const resumedSteps = result.steps.filter((s) => s.status === 'done-before').length;
    if (result.resumed)
      this.log(
        `Resumed job ${result.jobId}: ${resumedSteps} step(s) were done before, ${stepOf.size - resumedSteps} ran now.`,
      );
    for (const note of result.verification.notes) this.log(`note: ${note.store}: ${note.note}`);
    if (result.status === 'residue') {
      for (const r of result.verification.residue)
        this.log(`RESIDUE ${r.store} (${r.kind}): ${r.count}: ${r.detail}`);
      this.log(
        `Residue found: job ${result.jobId} stays open; run the same command again once the source is stopped.`,
      );
      return;
    }
    this.log(
      `Erased and verified (job ${result.jobId}). Receipt ${result.receiptHash} (#${result.receipt?.sequence} of tenant ${result.receipt?.tenant}) is in the audit log${receiptFile ? ` and in ${receiptFile}` : ''}.`,
    );
  }
}

/**
 * Refuses a file path the receipt could not be written to (a directory, a missing or unwritable parent, an
 * unwritable file) before the erasure starts, rather than after it finished.
 */
function checkWritableFile(path: string, flag: string): void {
  const absolute = resolve(path);
  const fail = (problem: string, hint: string): never => {
    throw new InvalidInputError(`${flag} ${path}: ${problem}`, { hint });
  };
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(absolute);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory())
    fail('is a directory', `Name a file, e.g. ${flag} ${join(path, 'receipt.json')}.`);
  if (existing) {
    try {
      accessSync(absolute, constants.W_OK);
    } catch {
      fail('is not writable', `Name a file this user can write.`);
    }
    return;
  }
  const parent = dirname(absolute);
  let parentStat: ReturnType<typeof statSync> | undefined;
  try {
    parentStat = statSync(parent);
  } catch {
    parentStat = undefined;
  }
  if (!parentStat)
    fail(
      `directory ${parent} does not exist`,
      `Create it first (mkdir -p ${parent}) or name a file in an existing directory.`,
    );
  if (!parentStat?.isDirectory())
    fail(`${parent} is not a directory`, 'Name a file in an existing directory.');
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch {
    fail(`directory ${parent} is not writable`, 'Name a file in a directory this user can write.');
  }
}

/** Writes the receipt file; a failure says that the erasure itself is complete and where the receipt is. */
function writeReceipt(path: string, receipt: ErasureReceipt): void {
  try {
    writeFileSync(path, `${JSON.stringify(receipt, null, 2)}\n`);
  } catch (error) {
    throw new SomaError(
      'RECEIPT_NOT_WRITTEN',
      `the erasure is complete, but ${path} could not be written: ${(error as Error).message}`,
      {
        hint: 'The signed receipt is stored in the audit log: nothing needs to be erased again. Check the path and its permissions for the next time.',
        cause: error,
      },
    );
  }
}
