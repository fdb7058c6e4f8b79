import type { SomaConfig } from '../../config/schema.js';
import type { SqlClient } from '../../stores/sql/sql-client.js';
import { EmbeddedEventBus } from './embedded-event-bus.js';
import type { EventBus } from './event-bus.js';
import { KafkaEventBus } from './kafka-event-bus.js';

/**
 * The event bus of the configured profile: embedded → the event log in `sql` (the embedded database, which
 * the bus does not close); cluster → Kafka at `kafka.brokers`, bounded by the configured timeouts. Close
 * the bus when done.
 */
export function openEventBus(config: SomaConfig, sql: SqlClient): EventBus {
  if (config.profile === 'embedded') return new EmbeddedEventBus({ sql });
  return new KafkaEventBus({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    connectTimeoutMs: config.timeouts.connect,
    requestTimeoutMs: config.timeouts.request,
  });
}
