/**
 * Kafka's `metadata.version` feature levels and the release that introduced each, so `doctor` can name the
 * release line a KRaft cluster runs at. Read from `org.apache.kafka.server.common.MetadataVersion`.
 */
const FIRST_LEVEL_OF_RELEASE: ReadonlyArray<readonly [number, string]> = [];

/** The release line of a `metadata.version` level, e.g. 27 → `4.1`, or undefined when unknown. */
export function kafkaReleaseOf(level: number): string | undefined {
  let release: string | undefined;
  for (const [first, name] of FIRST_LEVEL_OF_RELEASE) if (level >= first) release = name;
  const last = FIRST_LEVEL_OF_RELEASE.at(-1);
  return last && level > last[0] + 10 ? undefined : release;
}
