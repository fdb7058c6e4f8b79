import { randomBytes } from 'node:crypto';
import type { Stores } from '../../stores/factory.js';
import { subjectPrefix } from '../../stores/objects/object-keys.js';
import { recordErasedSubject } from './erased-log.js';
import type { ErasureKeys } from './erasure-keys.js';
import { type ErasureSubject, listAllVersions, subjectRef } from './subject-stores.js';

/** Deleted object versions kept (in memory only) to probe whether the engine still serves them. */
export const DELETED_VERSION_SAMPLE = 25;

/** What the steps of one run share. Lives in memory only: it holds the subject id and its ref. */
export interface StepContext {
  readonly stores: Stores;
  readonly who: ErasureSubject;
  readonly keys: ErasureKeys;
  readonly jobId: string;
  readonly compactedTopics: readonly string[];
  /** The subject's ref, once a step looked it up (gone from the stores after `subject-key`). */
  ref?: string;
  /** A sample of the object versions the `objects` step removed. */
  deletedVersions?: Array<{ key: string; versionId: string }>;
}

/** One idempotent step: running it again after it (partly) ran deletes what is left, nothing more. */
interface StepDefinition {
  readonly name: string;
  /** Returns how many records it erased. */
  run(ctx: StepContext): Promise<number>;
}

async function refOf(ctx: StepContext): Promise<string | undefined> {
  ctx.ref ??= await subjectRef(ctx.stores, ctx.who);
  return ctx.ref;
}

/**
 * The steps in execution order. The subject's API keys go first, so the subject can no longer write through
 * the gateway while the rest is erased. The outbox and the tombstones need the subject ref, which only the
 * live key gives, so they run before the key is destroyed; `subject-key` deletes outbox rows once more in the
 * same transaction as the key, so no event of the ref can be left behind by a writer racing the erasure.
 */
const STEPS: readonly StepDefinition[] = [
  {
    name: 'api-keys',
    run: (ctx) => ctx.stores.records.apiKeys.deleteBySubject(ctx.who.tenant, ctx.who.subject),
  },
  {
    name: 'outbox',
    async run(ctx) {
      const ref = await refOf(ctx);
      return ref === undefined ? 0 : ctx.stores.records.outbox.deleteBySubject(ctx.who.tenant, ref);
    },
  },
  {
    name: 'event-tombstones',
    async run(ctx) {
      const ref = await refOf(ctx);
      if (ref === undefined || ctx.compactedTopics.length === 0) return 0;
      await ctx.stores.events.publish(
        ctx.compactedTopics.map((topic) => ({
          topic,
          key: ref,
          value: null,
          headers: { tenant: ctx.who.tenant },
        })),
      );
      return ctx.compactedTopics.length;
    },
  },
  {
    name: 'sessions',
    run: (ctx) => ctx.stores.sessions.deleteBySubject(ctx.who.tenant, ctx.who.subject),
  },
  {
    name: 'rate-limits',
    run: (ctx) => ctx.stores.rateLimiter.deleteBySubject(ctx.who.tenant, ctx.who.subject),
  },
  {
    name: 'vectors',
    run: (ctx) => ctx.stores.memory.deleteBySubject(ctx.who.tenant, ctx.who.subject),
  },
  {
    name: 'objects',
    async run(ctx) {
      const prefix = subjectPrefix(ctx.who.tenant, ctx.who.subject);
      const before = await listAllVersions(ctx.stores.objects, prefix);
      ctx.deletedVersions = sample(before, DELETED_VERSION_SAMPLE).map(({ key, versionId }) => ({
        key,
        versionId,
      }));
      const removed = await ctx.stores.objects.deleteAllVersions(prefix);
      return removed.versions + removed.deleteMarkers;
    },
  },
  {
    name: 'audit',
    // A fresh random pseudonym: nothing derived from the subject, so the entries cannot be linked back.
    run: (ctx) =>
      ctx.stores.records.audit.pseudonymiseSubject(
        ctx.who.tenant,
        ctx.who.subject,
        `erased-${randomBytes(12).toString('hex')}`,
      ),
  },
  {
    name: 'subject-key',
    async run(ctx) {
      const ref = await refOf(ctx);
      return ctx.stores.records.transaction(async (records) => {
        if (ref !== undefined) await records.outbox.deleteBySubject(ctx.who.tenant, ref);
        return (await records.subjectKeys.destroy(ctx.who.tenant, ctx.who.subject)) ? 1 : 0;
      });
    },
  },
  {
    name: 'erased-log',
    async run(ctx) {
      await recordErasedSubject(ctx.stores.objects, ctx.keys, ctx.who, ctx.jobId);
      return 1;
    },
  },
];

/** The step names, in execution order. */
export const STEP_NAMES: readonly string[] = STEPS.map((step) => step.name);

/** The step called `name`. */
export function stepNamed(name: string): StepDefinition {
  const step = STEPS.find((s) => s.name === name);
  if (!step) throw new Error(`unknown erasure step ${name}`);
  return step;
}

function sample<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  const step = items.length / size;
  return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)] as T);
}
