import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { configUpdatesContract } from './config-updates.contract.js';

configUpdatesContract('embedded event log (PGlite)', {
  openBus: async (sql) => new EmbeddedEventBus({ sql, pollIntervalMs: 25, retentionIntervalMs: 0 }),
});
