-- Embedded event log: the EventBus of the embedded profile (and of a Postgres server used the same way).
-- Kafka's model in four tables: topics with configs, partitions with their offset counter (high watermark)
-- and log start (low watermark), messages keyed by (topic, partition, offset), and committed offsets per
-- consumer group. Timestamps are epoch milliseconds, as in Kafka. Events carry no subject column: personal
-- data in them is pseudonymous or sealed with per-subject keys (crypto-shredding), and retention bounds
-- their age (see docs/layout/events.md).

CREATE TABLE soma_event_topics (
  name text PRIMARY KEY,
  partitions integer NOT NULL CHECK (partitions BETWEEN 1 AND 1024),
  -- Explicit configs only (retention.ms, cleanup.policy…); defaults are applied by the adapter.
  configs jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per partition. Publishing takes the row lock while it assigns offsets, so offsets of a
-- partition become visible in order and without gaps.
CREATE TABLE soma_event_partitions (
  topic text NOT NULL REFERENCES soma_event_topics (name) ON DELETE CASCADE,
  partition integer NOT NULL CHECK (partition >= 0),
  next_offset bigint NOT NULL DEFAULT 0,
  log_start_offset bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, partition)
);

CREATE TABLE soma_event_messages (
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" bigint NOT NULL,
  key bytea,
  -- NULL is a tombstone.
  value bytea,
  -- {"name": "<base64 bytes>", …}
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  ts_ms bigint NOT NULL,
  PRIMARY KEY (topic, partition, "offset"),
  FOREIGN KEY (topic, partition) REFERENCES soma_event_partitions (topic, partition) ON DELETE CASCADE
);
-- Offsets for a timestamp, time-based retention.
CREATE INDEX soma_event_messages_ts_idx ON soma_event_messages (topic, partition, ts_ms);

-- committed_offset is the next offset the group reads (Kafka's convention).
CREATE TABLE soma_event_group_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  committed_offset bigint NOT NULL CHECK (committed_offset >= 0),
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition),
  FOREIGN KEY (topic, partition) REFERENCES soma_event_partitions (topic, partition) ON DELETE CASCADE
);
CREATE INDEX soma_event_group_offsets_topic_idx ON soma_event_group_offsets (topic, partition);
