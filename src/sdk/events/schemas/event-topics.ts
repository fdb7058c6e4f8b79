/** The event topics and the schema (file `schemas/kafka/<schema>.avsc`) of each topic's values. */
export const EVENT_TOPICS = {
  'conversation.events': 'conversation_event',
  'tool.execution': 'tool_execution',
  'config.updates': 'config_update',
} as const;

/** A topic somaagent publishes events on. */
export type EventTopic = keyof typeof EVENT_TOPICS;

/** The schema name of `topic`'s values, or undefined for a topic that is not an event topic. */
export function schemaNameOfTopic(topic: string): string | undefined {
  return Object.hasOwn(EVENT_TOPICS, topic) ? EVENT_TOPICS[topic as EventTopic] : undefined;
}

/** The schema registry subject of a topic's values (Confluent's TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
