import { describe, expect, it } from 'vitest';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { partitionForKey } from '../../src/sdk/events/bus/partitioner.js';
import { eventBusContract } from '../contract/event-bus.contract.js';
import { describeWithService, randomName } from '../support/services.js';

describeWithService('kafka', 'event bus on Kafka', (address) => {
  const brokers = () => address().split(',');

  eventBusContract('kafka', async () => new KafkaEventBus({ brokers: brokers(), clientId: 'soma-test' }), {
    makeUnreachable: async () =>
      new KafkaEventBus({
        brokers: ['127.0.0.1:1'],
        connectTimeoutMs: 1000,
        requestTimeoutMs: 2000,
        retries: 1,
      }),
    unreachableAddress: '127.0.0.1:1',
  });

  describe('kafka event bus: partitioning', () => {
    it("puts keys where Kafka's own default partitioner (kafkajs, murmur2) would", async () => {
      const { Kafka, Partitioners, logLevel } = await import('kafkajs');
      const bus = new KafkaEventBus({ brokers: brokers() });
      const topic = randomName('soma-ev-part');
      const kafka = new Kafka({ brokers: brokers(), clientId: 'soma-test-ref', logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      try {
        await bus.createTopics([{ name: topic, partitions: 5 }]);
        await producer.connect();
        const keys = Array.from({ length: 20 }, (_, i) => `conversation-${i}`);
        const reference = await producer.send({
          topic,
          acks: -1,
          messages: keys.map((key) => ({ key, value: 'ref' })),
        });
        const used = new Set(reference.map((r) => r.partition));
        const ours = await bus.publish(keys.map((key) => ({ topic, key, value: Buffer.from('ours') })));
        for (const [i, key] of keys.entries())
          expect(ours[i]?.partition).toBe(partitionForKey(Buffer.from(key), 5));
        expect(new Set(ours.map((r) => r.partition))).toEqual(used);
      } finally {
        await producer.disconnect();
        await bus.deleteTopics([topic]);
        await bus.close();
      }
    });
  });
});
