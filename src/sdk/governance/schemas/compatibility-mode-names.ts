/**
 * The compatibility mode names alone, without the checker, so the configuration schema can validate them
 * without loading the Avro library at start.
 */

/** Compatibility modes, as in Confluent Schema Registry. */
export const COMPATIBILITY_MODES = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;

/** A compatibility mode. `BACKWARD` (the default): the new schema reads data written with the old. */
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

/** The mode of a schema that neither the configuration nor `compatibility.json` names. */
export const DEFAULT_COMPATIBILITY_MODE: CompatibilityMode = 'BACKWARD';

/** Whether `value` is a {@link CompatibilityMode}. */
export function isCompatibilityMode(value: unknown): value is CompatibilityMode {
  return typeof value === 'string' && (COMPATIBILITY_MODES as readonly string[]).includes(value);
}
