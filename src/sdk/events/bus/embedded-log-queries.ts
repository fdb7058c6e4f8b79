import { NotFoundError } from '../../errors.js';
import type { SqlClient } from '../../stores/sql/sql-client.js';
import type { DeliveredMessage, PartitionRange } from './event-bus.js';

/** A topic row of the embedded event log. */
export interface TopicRow {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

interface MessageRow {
  partition: number;
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Record<string, string> | string;
  ts: string;
}

function buffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Header values stored as base64 in jsonb, because jsonb cannot hold bytes. */
export function encodeHeaders(headers: Readonly<Record<string, Buffer>>): string {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = value.toString('base64');
  return JSON.stringify(out);
}

function decodeHeaders(stored: Record<string, string> | string): Record<string, Buffer> {
  const object = typeof stored === 'string' ? (JSON.parse(stored) as Record<string, string>) : stored;
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(object)) out[name] = Buffer.from(value, 'base64');
  return out;
}

function parseConfigs(configs: unknown): Record<string, string> {
  return (typeof configs === 'string' ? JSON.parse(configs) : configs) as Record<string, string>;
}

function notFound(topic: string): NotFoundError {
  return new NotFoundError(`topic ${topic} does not exist in the embedded event log`, {
    hint: 'Create it first (EventBus.createTopics).',
  });
}

/** The topic rows of `names`; NotFoundError names the first missing one. `lock` takes their rows FOR SHARE. */
export async function loadTopics(
  sql: SqlClient,
  names: readonly string[],
  lock = false,
): Promise<Map<string, TopicRow>> {
  const { rows } = await sql.query<{ name: string; partitions: number; configs: unknown }>(
    `SELECT name, partitions, configs FROM soma_event_topics WHERE name = ANY($1::text[])${lock ? ' FOR SHARE' : ''}`,
    [[...new Set(names)]],
  );
  const topics = new Map(
    rows.map((r) => [r.name, { name: r.name, partitions: r.partitions, configs: parseConfigs(r.configs) }]),
  );
  for (const name of names) if (!topics.has(name)) throw notFound(name);
  return topics;
}

/** One topic row, or NotFoundError. */
export async function loadTopic(sql: SqlClient, name: string): Promise<TopicRow> {
  return (await loadTopics(sql, [name])).get(name) as TopicRow;
}

/** Watermarks of every partition of the given topics. */
export async function partitionRanges(
  sql: SqlClient,
  topics: readonly string[],
): Promise<Array<PartitionRange & { topic: string }>> {
  const { rows } = await sql.query<{ topic: string; partition: number; low: string; high: string }>(
    `SELECT topic, partition, log_start_offset::text AS low, next_offset::text AS high
       FROM soma_event_partitions WHERE topic = ANY($1::text[]) ORDER BY topic, partition`,
    [[...topics]],
  );
  return rows;
}

/** Up to `limit` messages of one partition from `fromOffset` on, in offset order. */
export async function readMessages(
  sql: SqlClient,
  topic: string,
  partition: number,
  fromOffset: string,
  limit: number,
): Promise<DeliveredMessage[]> {
  const { rows } = await sql.query<MessageRow>(
    // m."offset", not "offset": that name would sort by the text output column ("10" < "9").
    `SELECT m.partition, m."offset"::text AS "offset", m.key, m.value, m.headers, m.ts_ms::text AS ts
       FROM soma_event_messages m
      WHERE m.topic = $1 AND m.partition = $2 AND m."offset" >= $3
      ORDER BY m."offset" LIMIT $4`,
    [topic, partition, fromOffset, limit],
  );
  return rows.map((r) => ({
    topic,
    partition: r.partition,
    offset: r.offset,
    key: buffer(r.key),
    value: buffer(r.value),
    headers: decodeHeaders(r.headers),
    timestamp: Number(r.ts),
  }));
}

/** Committed offsets of `groupId` on the given topics, keyed `topic\0partition`. */
export async function committedOffsetMap(
  sql: SqlClient,
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await sql.query<{ topic: string; partition: number; offset: string }>(
    `SELECT topic, partition, committed_offset::text AS "offset" FROM soma_event_group_offsets
      WHERE group_id = $1 AND topic = ANY($2::text[])`,
    [groupId, [...topics]],
  );
  return new Map(rows.map((r) => [`${r.topic}\u0000${r.partition}`, r.offset]));
}

/** Upserts committed offsets; NotFoundError when a topic or partition does not exist. */
export async function storeCommittedOffsets(
  sql: SqlClient,
  groupId: string,
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>,
): Promise<void> {
  // One row per partition (the last offset given wins): an upsert may not touch a row twice.
  const unique = [...new Map(offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o])).values()];
  if (unique.length === 0) return;
  const topics = await loadTopics(
    sql,
    unique.map((o) => o.topic),
  );
  for (const o of unique) {
    if (o.partition >= (topics.get(o.topic) as TopicRow).partitions) {
      throw new NotFoundError(`topic ${o.topic} has no partition ${o.partition}`);
    }
  }
  await sql.query(
    `INSERT INTO soma_event_group_offsets (group_id, topic, partition, committed_offset)
     SELECT $1, t, p, o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, o)
     ON CONFLICT (group_id, topic, partition)
     DO UPDATE SET committed_offset = EXCLUDED.committed_offset, committed_at = now()`,
    [groupId, unique.map((o) => o.topic), unique.map((o) => o.partition), unique.map((o) => o.offset)],
  );
}
