import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { eventConsumerContract } from '../contract/event-consumer.contract.js';
import { describeWithService } from '../support/services.js';

describeWithService('kafka', 'event consumer on Kafka', (address) => {
  eventConsumerContract(
    'kafka',
    async () => new KafkaEventBus({ brokers: address().split(','), clientId: 'soma-test-consumer' }),
  );
});
