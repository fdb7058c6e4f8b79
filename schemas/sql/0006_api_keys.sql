-- API keys of the gateway (`Authorization: Bearer soma_<key_id>_<secret>`), scoped to a tenant and a subject.
-- Indexed by (tenant_id, subject_id) so erasure and retention find a person's keys by index.
--
-- Only a SHA-256 digest of the secret is stored, never the secret. A slow password hash (scrypt, argon2)
-- protects low-entropy secrets that people choose; these secrets are 32 random bytes (256 bits), so a
-- stolen digest cannot be brute-forced either way, and SHA-256 keeps every authenticated request at
-- microseconds instead of the tens of milliseconds a slow hash costs. The key id is not secret: lookups go
-- by it, and the digests are compared in constant time.
CREATE TABLE soma_api_keys (
  key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
  tenant_id text NOT NULL,
  subject_id text NOT NULL,
  label text,
  admin boolean NOT NULL DEFAULT false,
  secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Updated on use at most once a minute, so authenticating is not a write on every request.
  last_used_at timestamptz,
  revoked_at timestamptz,
  expires_at timestamptz
);
CREATE INDEX soma_api_keys_subject_idx ON soma_api_keys (tenant_id, subject_id);
