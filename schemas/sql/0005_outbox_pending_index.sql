-- Outbox claim by index: the relay takes unsent rows in id order from an index of unsent rows only (sent
-- rows leave it), instead of walking the primary key past every row already sent. The per-key order check
-- reads the head of each key through soma_outbox_key_idx (topic, key, id) WHERE sent_at IS NULL.
CREATE INDEX soma_outbox_unsent_idx ON soma_outbox (id) WHERE sent_at IS NULL;
-- (next_attempt_at, id) served no query; every claim, failure and send paid for keeping it current.
DROP INDEX soma_outbox_pending_idx;
