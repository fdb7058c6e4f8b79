-- One row per committed conversation turn: the turn's audit and outbox rows commit in the same transaction
-- as this row, so a retried turn (same turn id, from the client's Idempotency-Key) never writes them twice.
-- No personal data: the turn id is random or a hash of the idempotency key.
CREATE TABLE IF NOT EXISTS soma_turn_commits (
  tenant_id text NOT NULL,
  turn_id uuid NOT NULL,
  conversation_id text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, turn_id)
);
CREATE INDEX IF NOT EXISTS soma_turn_commits_committed_at ON soma_turn_commits (committed_at);
