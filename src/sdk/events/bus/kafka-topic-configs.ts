import type { Admin, ConfigResourceTypes, ConfigSource } from 'kafkajs';

// kafkajs's enums are not visible as named ESM exports of its CommonJS entry: their values, typed.
const TOPIC = 2 as ConfigResourceTypes.TOPIC;
const TOPIC_CONFIG = 1 as ConfigSource.TOPIC_CONFIG;

async function describeTopic(admin: Admin, topic: string) {
  await admin.fetchTopicMetadata({ topics: [topic] }); // UNKNOWN_TOPIC_OR_PARTITION for an unknown topic
  const { resources } = await admin.describeConfigs({
    resources: [{ type: TOPIC, name: topic }],
    includeSynonyms: false,
  });
  return resources[0]?.configEntries ?? [];
}

/** The topic's effective configs (explicit and defaults), without sensitive ones. */
export async function readTopicConfigs(admin: Admin, topic: string): Promise<Record<string, string>> {
  const configs: Record<string, string> = {};
  for (const e of await describeTopic(admin, topic)) {
    if (!e.isSensitive && e.configValue !== null) configs[e.configName] = e.configValue;
  }
  return configs;
}

/**
 * Sets or (null) resets configs of a topic, keeping the others. AlterConfigs, the only config call kafkajs
 * offers, replaces the topic's whole explicit config set, so this reads the explicit set, merges and writes
 * it back (a concurrent change between the two may be lost; IncrementalAlterConfigs would avoid that).
 */
export async function alterTopicConfigs(
  admin: Admin,
  topic: string,
  change: Readonly<Record<string, string | null>>,
): Promise<void> {
  const explicit = new Map(
    (await describeTopic(admin, topic))
      .filter((e) => e.configSource === TOPIC_CONFIG && !e.isSensitive)
      .map((e) => [e.configName, e.configValue]),
  );
  for (const [name, value] of Object.entries(change)) {
    if (value === null) explicit.delete(name);
    else explicit.set(name, value);
  }
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: TOPIC,
        name: topic,
        configEntries: [...explicit].map(([name, value]) => ({ name, value })),
      },
    ],
  });
}
