/** Avro schemas of the event topics: parsing, fingerprints, the catalog of versions, value types. */
export {
  type AvroFieldNode,
  type AvroNode,
  type AvroPrimitive,
  describeNode,
  toAvroNode,
} from './avro-node.js';
export { type ParsedSchema, parseSchema, parseSchemaText, sameVersion } from './avro-schema.js';
export { EVENT_TOPICS, type EventTopic, schemaNameOfTopic, valueSubject } from './event-topics.js';
export type * from './event-types.js';
export {
  type CatalogEntry,
  createSchemaCatalog,
  currentVersionNumber,
  loadSchemaCatalog,
  type SchemaCatalog,
  type SchemaVersion,
} from './schema-catalog.js';
export { HISTORY_DIR, KAFKA_SCHEMAS_DIR, listHistoryFiles, listSchemaFiles } from './schema-files.js';
