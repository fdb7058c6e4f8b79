-- Records: audit log, tool registry, outbox, erasure jobs, legal holds, subject keys.
-- One Postgres dialect for PGlite and pg. Every row that belongs to a person carries tenant_id and a
-- subject column, indexed, so erasure and retention find it by index.

-- Audit log: append-only. The guard trigger refuses UPDATE, DELETE and TRUNCATE unless the transaction set
-- soma.audit_maintenance = 'on' (only AuditLog.pseudonymiseSubject and AuditLog.purgeOlderThan do), and an
-- UPDATE may only change subject_id and actor (pseudonymisation).
CREATE TABLE soma_audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  tenant_id text NOT NULL,
  subject_id text,
  actor text NOT NULL,
  action text NOT NULL,
  resource text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX soma_audit_log_subject_idx ON soma_audit_log (tenant_id, subject_id);
CREATE INDEX soma_audit_log_actor_idx ON soma_audit_log (tenant_id, actor);
CREATE INDEX soma_audit_log_tenant_at_idx ON soma_audit_log (tenant_id, at, id);
CREATE INDEX soma_audit_log_at_idx ON soma_audit_log (at);

CREATE FUNCTION soma_audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('soma.audit_maintenance', true) IS DISTINCT FROM 'on' THEN
    RAISE EXCEPTION 'soma_audit_log is append-only: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Use AuditLog.pseudonymiseSubject or AuditLog.purgeOlderThan.';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF (NEW.id, NEW.at, NEW.tenant_id, NEW.action, NEW.resource, NEW.details)
       IS DISTINCT FROM (OLD.id, OLD.at, OLD.tenant_id, OLD.action, OLD.resource, OLD.details) THEN
      RAISE EXCEPTION 'soma_audit_log: only subject_id and actor may change (pseudonymisation)'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END
$$;
CREATE TRIGGER soma_audit_log_guard_rows BEFORE UPDATE OR DELETE ON soma_audit_log
  FOR EACH ROW EXECUTE FUNCTION soma_audit_log_guard();
CREATE TRIGGER soma_audit_log_guard_truncate BEFORE TRUNCATE ON soma_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION soma_audit_log_guard();

-- Tool marketplace registry: one row per (name, version). The semver parts are kept as columns so lists
-- sort by version without parsing in SQL.
CREATE TABLE soma_tools (
  name text NOT NULL,
  version text NOT NULL,
  major integer NOT NULL,
  minor integer NOT NULL,
  patch integer NOT NULL,
  prerelease text,
  description text NOT NULL DEFAULT '',
  input_schema jsonb NOT NULL,
  publisher text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
CREATE INDEX soma_tools_publisher_idx ON soma_tools (publisher);

-- Transactional outbox: written in the same transaction as the state it announces, relayed to the event
-- bus in id order per (topic, key). locked_until is the lease of a relay that claimed the row.
CREATE TABLE soma_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  topic text NOT NULL,
  key text,
  payload bytea NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  tenant_id text NOT NULL,
  subject_ref text,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  sent_at timestamptz,
  last_error text
);
CREATE INDEX soma_outbox_pending_idx ON soma_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX soma_outbox_key_idx ON soma_outbox (topic, key, id) WHERE sent_at IS NULL;
CREATE INDEX soma_outbox_sent_idx ON soma_outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX soma_outbox_subject_idx ON soma_outbox (tenant_id, subject_ref);

-- Erasure jobs: one resumable job per erasure; at most one open job per (tenant, subject hash).
CREATE TABLE soma_erasure_jobs (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  subject_hash text NOT NULL,
  plan_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('planned', 'running', 'verifying', 'verified', 'failed', 'cancelled')),
  steps jsonb NOT NULL,
  step_order jsonb NOT NULL,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX soma_erasure_jobs_subject_idx ON soma_erasure_jobs (tenant_id, subject_hash);
CREATE UNIQUE INDEX soma_erasure_jobs_open_idx ON soma_erasure_jobs (tenant_id, subject_hash)
  WHERE state IN ('planned', 'running', 'verifying', 'failed');

-- Legal holds: while a hold exists, retention purges and erasure leave the subject's records alone.
CREATE TABLE soma_legal_holds (
  tenant_id text NOT NULL,
  subject_id text NOT NULL,
  reason text NOT NULL,
  placed_by text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, subject_id)
);

-- Per-subject data-encryption keys (crypto-shredding). Destroying a key deletes its row and keeps a
-- tombstone (no tenant, no subject) so a sealed field can tell "key destroyed" from "unknown key".
CREATE TABLE soma_subject_keys (
  key_id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  subject_id text NOT NULL,
  key_material bytea NOT NULL CHECK (octet_length(key_material) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, subject_id)
);
CREATE TABLE soma_subject_key_tombstones (
  key_id uuid PRIMARY KEY,
  destroyed_at timestamptz NOT NULL DEFAULT now()
);
