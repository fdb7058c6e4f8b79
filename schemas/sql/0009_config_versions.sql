-- Versioned live configuration (config.updates): one row per scope ('deployment' or 'tenant:<id>') holding
-- the current version, the canonical JSON of every live key and feature flag set so far, and its SHA-256.
-- Publishers advance a row by compare-and-set on `version` in the same transaction as the outbox rows of
-- the update, so versions are gap-free and every published version is announced exactly once.
CREATE TABLE soma_config_versions (
  scope text PRIMARY KEY,
  version bigint NOT NULL CHECK (version >= 1),
  state text NOT NULL,
  checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
