import type { Admin, Kafka } from 'kafkajs';
import type { TopicPartitionOffset } from './event-bus.js';
import { GroupActiveError } from './event-bus-errors.js';

const INACTIVE = new Set(['Empty', 'Dead', '']);

/**
 * Commits offsets for a group that has no running members, by briefly joining it with every partition
 * paused. (kafkajs's `admin.setOffsets` does the same but waits out a 5 s fetch; kafkajs has no
 * standalone OffsetCommit.) A group with members is refused with {@link GroupActiveError} rather than
 * forced into a rebalance.
 */
export async function commitInactiveGroup(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  offsets: readonly TopicPartitionOffset[],
): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const state = groups[0]?.state ?? '';
  if (!INACTIVE.has(state)) {
    throw new GroupActiveError(
      groupId,
      `group ${groupId} has running members (state ${state}); its offsets cannot be moved`,
    );
  }
  const topics = [...new Set(offsets.map((o) => o.topic))];
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    retry: { retries: 2 },
  });
  try {
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    let crashed: (error: unknown) => void = () => {};
    const crash = new Promise<never>((_, reject) => {
      crashed = reject;
    });
    crash.catch(() => {}); // a crash after the join has nothing left to fail
    consumer.on(consumer.events.CRASH, (event) => crashed(event.payload.error));
    await consumer.connect();
    await consumer.subscribe({ topics });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
    consumer.pause(topics.map((topic) => ({ topic })));
    await Promise.race([joined, crash]);
    await consumer.commitOffsets(
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    );
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}
