/**
 * Kafka's `metadata.version` feature levels and their names, read from
 * `org.apache.kafka.server.common.MetadataVersion` of Kafka 4.4.0. A broker's highest supported level names
 * its release line; the finalized level names the metadata version the cluster runs at.
 */
const LEVELS: ReadonlyArray<readonly [number, string]> = [
  [7, '3.3-IV3'],
  [8, '3.4-IV0'],
  [9, '3.5-IV0'],
  [10, '3.5-IV1'],
  [11, '3.5-IV2'],
  [12, '3.6-IV0'],
  [13, '3.6-IV1'],
  [14, '3.6-IV2'],
  [15, '3.7-IV0'],
  [16, '3.7-IV1'],
  [17, '3.7-IV2'],
  [18, '3.7-IV3'],
  [19, '3.7-IV4'],
  [20, '3.8-IV0'],
  [21, '3.9-IV0'],
  [22, '4.0-IV0'],
  [23, '4.0-IV1'],
  [24, '4.0-IV2'],
  [25, '4.0-IV3'],
  [26, '4.1-IV0'],
  [27, '4.1-IV1'],
  [28, '4.2-IV0'],
  [29, '4.2-IV1'],
  [30, '4.3-IV0'],
  [31, '4.4-IV0'],
  [32, '4.4-IV1'],
  [33, '4.4-IV2'],
  [34, '4.5-IV0'],
];

/** The name of a `metadata.version` level, e.g. 33 → `4.4-IV2`, or undefined when unknown. */
export function metadataVersionName(level: number): string | undefined {
  return LEVELS.find(([known]) => known === level)?.[1];
}

/** The release line of a `metadata.version` level, e.g. 33 → `4.4`, or undefined when unknown. */
export function kafkaReleaseOf(level: number): string | undefined {
  return metadataVersionName(level)?.split('-')[0];
}
