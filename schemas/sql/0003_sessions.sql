-- Session state of the embedded SessionStore (and of a Postgres server used the same way).
-- Keyed by (tenant_id, session_id); indexed by (tenant_id, subject_id) for erasure and retention, and by
-- expires_at for the purge of expired rows. state is json (not jsonb): stored exactly as written.
CREATE TABLE soma_sessions (
  tenant_id text NOT NULL,
  session_id text NOT NULL,
  subject_id text NOT NULL,
  state json NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_id)
);

CREATE INDEX soma_sessions_subject_idx ON soma_sessions (tenant_id, subject_id);
CREATE INDEX soma_sessions_expires_idx ON soma_sessions (expires_at);
