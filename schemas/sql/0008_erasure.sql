-- Erasure (somaagent erase): the confirmed plan of each job, the receipt chain, and lookups of receipts.

-- The plan an erasure job was created from (per-store counts, no personal data), so a resumed job reports
-- the counts found before the first step ran.
ALTER TABLE soma_erasure_jobs ADD COLUMN plan jsonb;

-- Receipts are audit-log entries (action 'erase.receipt', details = {receipt, receiptHash}). Each tenant's
-- receipts form a hash chain; this row is the chain head, locked (FOR UPDATE) while a receipt is appended,
-- so concurrent erasures of one tenant never fork the chain.
CREATE TABLE soma_erasure_receipt_heads (
  tenant_id text PRIMARY KEY,
  -- 0 and an empty hash until the first receipt.
  sequence bigint NOT NULL CHECK (sequence >= 0),
  head_hash text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A receipt by its hash (chain walks, verify-receipt) and by its job (no second receipt per job).
CREATE UNIQUE INDEX soma_audit_log_receipt_hash_idx ON soma_audit_log ((details ->> 'receiptHash'))
  WHERE action = 'erase.receipt';
CREATE UNIQUE INDEX soma_audit_log_receipt_job_idx ON soma_audit_log (resource)
  WHERE action = 'erase.receipt';
