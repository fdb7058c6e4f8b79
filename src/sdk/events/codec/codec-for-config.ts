import type { SomaConfig } from '../../config/schema.js';
import { loadSchemaCatalog, type SchemaCatalog } from '../schemas/schema-catalog.js';
import { createEventCodec, type EventCodec } from './event-codec.js';
import { SchemaRegistryClient } from './schema-registry-client.js';

/**
 * The event codec of a configuration: Confluent framing through the schema registry when the cluster
 * profile sets `kafka.schemaRegistryUrl`, else single-object encoding with the package's schemas.
 */
export function eventCodecFor(config: SomaConfig, catalog: SchemaCatalog = loadSchemaCatalog()): EventCodec {
  const url = config.profile === 'cluster' ? config.kafka.schemaRegistryUrl : undefined;
  return createEventCodec({
    catalog,
    ...(url ? { registry: new SchemaRegistryClient({ url, timeoutMs: config.timeouts.request }) } : {}),
  });
}
