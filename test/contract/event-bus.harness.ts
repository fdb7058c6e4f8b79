import { setTimeout as sleep } from 'node:timers/promises';
import type {
  DeliveredMessage,
  DeliveryFailure,
  EventBus,
  NewTopic,
  SubscribeOptions,
  Subscription,
} from '../../src/sdk/events/bus/event-bus.js';
import { randomName } from '../support/services.js';

/** How a contract run gets buses of one adapter. */
export interface EventBusContractOptions {
  /** A bus whose engine cannot be reached (e.g. brokers 127.0.0.1:1, a closed database). */
  readonly makeUnreachable: () => Promise<EventBus>;
  /** Text the unreachable error must name (its address). */
  readonly unreachableAddress: string;
}

/** Makes a bus; tests use random topic and group names, so buses may share one engine. */
export type MakeEventBus = () => Promise<EventBus>;

/** Per-suite state: the bus, and what to clean up afterwards. */
export interface BusFixture {
  bus: EventBus;
  readonly topics: string[];
  readonly groups: string[];
  readonly subscriptions: Subscription[];
}

/** Delivery waits: generous, because a Kafka group join on a busy two-core machine takes seconds. */
export const DELIVERY_TIMEOUT_MS = 30_000;

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** A random topic name (valid for Kafka: no `.`/`_` mixing), recorded for cleanup. */
export function newTopicName(fixture: BusFixture, suffix = ''): string {
  const name = `${randomName('soma-ev')}${suffix}`;
  fixture.topics.push(name);
  return name;
}

/** A random group id, recorded for cleanup. */
export function newGroup(fixture: BusFixture): string {
  const id = randomName('soma-grp');
  fixture.groups.push(id);
  return id;
}

/** Creates a fresh topic and returns its name. */
export async function freshTopic(
  fixture: BusFixture,
  partitions = 1,
  configs?: NewTopic['configs'],
): Promise<string> {
  const name = newTopicName(fixture);
  await fixture.bus.createTopics([{ name, partitions, ...(configs ? { configs } : {}) }]);
  return name;
}

/** A running subscription that records what it received. */
export interface Collector {
  readonly subscription: Subscription;
  readonly messages: DeliveredMessage[];
  readonly failures: DeliveryFailure[];
  /** Waits until at least `count` messages arrived. */
  waitFor(count: number): Promise<DeliveredMessage[]>;
  stop(): Promise<void>;
}

/** Subscribes with an eachMessage handler that records messages (and may throw via `handle`). */
export async function collect(
  fixture: BusFixture,
  options: Omit<SubscribeOptions, 'eachMessage' | 'eachBatch'> & {
    handle?: (message: DeliveredMessage) => Promise<void> | void;
  },
): Promise<Collector> {
  const messages: DeliveredMessage[] = [];
  const failures: DeliveryFailure[] = [];
  const { handle, ...rest } = options;
  const subscription = await fixture.bus.subscribe({
    retryDelayMs: 100,
    ...rest,
    eachMessage: async (message) => {
      await handle?.(message);
      messages.push(message);
    },
    onError: async (failure) => {
      failures.push(failure);
      return options.onError ? options.onError(failure) : undefined;
    },
  });
  fixture.subscriptions.push(subscription);
  return {
    subscription,
    messages,
    failures,
    waitFor: async (count) => {
      await eventually(() => messages.length >= count);
      return messages;
    },
    stop: () => subscription.stop(),
  };
}

/** Values of messages as text (tombstones as null). */
export function texts(messages: readonly DeliveredMessage[]): Array<string | null> {
  return messages.map((m) => (m.value === null ? null : m.value.toString('utf8')));
}

/** Offsets as numbers, for readable assertions. */
export function nums(offsets: ReadonlyArray<{ offset: string | null }>): Array<number | null> {
  return offsets.map((o) => (o.offset === null ? null : Number(o.offset)));
}

/** Stops subscriptions, deletes the suite's topics and groups, closes the bus. */
export async function cleanUp(fixture: BusFixture): Promise<void> {
  if (!fixture.bus) return;
  await Promise.all(fixture.subscriptions.map((s) => s.stop().catch(() => {})));
  await fixture.bus.deleteTopics(fixture.topics).catch(() => {});
  await fixture.bus.deleteGroups(fixture.groups).catch(() => {});
  await fixture.bus.close();
}
