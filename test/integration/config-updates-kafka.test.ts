import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { configUpdatesContract } from '../contract/config-updates.contract.js';
import { describeWithService } from '../support/services.js';

describeWithService('kafka', 'config updates on Kafka', (address) => {
  configUpdatesContract('Kafka', {
    openBus: async () => new KafkaEventBus({ brokers: address().split(','), clientId: 'soma-test-config' }),
  });
});
