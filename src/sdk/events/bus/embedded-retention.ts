import type { SqlClient } from '../../stores/sql/sql-client.js';
import type { TopicRow } from './embedded-log-queries.js';
import { cleanupPolicies, effectiveTopicConfigs } from './embedded-topic-configs.js';

/** What {@link enforceRetention} removed from one topic. */
export interface TopicRetentionResult {
  readonly topic: string;
  /** Messages older than `retention.ms` (delete policy). */
  readonly expired: number;
  /** Messages superseded by a later message of their key (compact policy). */
  readonly compacted: number;
  /** Tombstones dropped once older than `delete.retention.ms` (compact policy). */
  readonly tombstones: number;
}

/**
 * Applies each topic's retention at time `now` (epoch ms), one transaction per topic:
 * - `delete` policy: removes messages whose timestamp is older than `now - retention.ms` (unless -1) and
 *   moves the partition's low watermark to its oldest remaining message (or the high watermark);
 * - `compact` policy: keeps only the latest message per key, and drops a latest message that is a
 *   tombstone once it is older than `delete.retention.ms`;
 * - `compact,delete`: both.
 * Unlike Kafka, which works per log segment, the embedded log applies retention exactly per message.
 */
export async function enforceRetention(
  sql: SqlClient,
  now: number,
  topics?: readonly string[],
): Promise<TopicRetentionResult[]> {
  const { rows } = await sql.query<{ name: string; partitions: number; configs: unknown }>(
    `SELECT name, partitions, configs FROM soma_event_topics ${topics ? 'WHERE name = ANY($1::text[])' : ''} ORDER BY name`,
    topics ? [[...topics]] : [],
  );
  const results: TopicRetentionResult[] = [];
  for (const row of rows) {
    const configs = (typeof row.configs === 'string' ? JSON.parse(row.configs) : row.configs) as Record<
      string,
      string
    >;
    results.push(await enforceTopic(sql, { name: row.name, partitions: row.partitions, configs }, now));
  }
  return results;
}

async function enforceTopic(sql: SqlClient, topic: TopicRow, now: number): Promise<TopicRetentionResult> {
  const configs = effectiveTopicConfigs(topic.configs);
  const policies = cleanupPolicies(configs);
  const retentionMs = Number(configs['retention.ms']);
  const deleteRetentionMs = Number(configs['delete.retention.ms']);
  return sql.transaction(async (tx) => {
    let expired = 0;
    let compacted = 0;
    let tombstones = 0;
    if (policies.delete && retentionMs >= 0) {
      expired = (
        await tx.query('DELETE FROM soma_event_messages WHERE topic = $1 AND ts_ms < $2', [
          topic.name,
          now - retentionMs,
        ])
      ).rowCount;
      // Offsets below the oldest remaining message are gone for readers: that is the new low watermark.
      await tx.query(
        `UPDATE soma_event_partitions p
            SET log_start_offset = COALESCE(
                  (SELECT min(m."offset") FROM soma_event_messages m WHERE m.topic = p.topic AND m.partition = p.partition),
                  p.next_offset)
          WHERE p.topic = $1`,
        [topic.name],
      );
    }
    if (policies.compact) {
      compacted = (
        await tx.query(
          `DELETE FROM soma_event_messages m
            USING (SELECT partition, "offset",
                          row_number() OVER (PARTITION BY partition, key ORDER BY "offset" DESC) AS rank
                     FROM soma_event_messages WHERE topic = $1 AND key IS NOT NULL) ranked
            WHERE m.topic = $1 AND m.partition = ranked.partition AND m."offset" = ranked."offset" AND ranked.rank > 1`,
          [topic.name],
        )
      ).rowCount;
      tombstones = (
        await tx.query(
          'DELETE FROM soma_event_messages WHERE topic = $1 AND value IS NULL AND key IS NOT NULL AND ts_ms < $2',
          [topic.name, now - deleteRetentionMs],
        )
      ).rowCount;
    }
    return { topic: topic.name, expired, compacted, tombstones };
  });
}
