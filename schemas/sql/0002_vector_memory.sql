-- Long-term semantic memory: the pgvector adapter of the VectorMemory port (90 days rolling retention).
-- One row per (tenant_id, id). A person's memories are found by the (tenant_id, subject_id) index, expired ones
-- by the created_at index; nearest neighbours by the HNSW index (cosine distance).
--
-- Conditional on purpose: on a Postgres server without the pgvector extension this migration does nothing, so
-- the other migrations still apply there (for example with vector.backend=qdrant). The pgvector adapter then
-- refuses to start with PGVECTOR_MISSING, and re-runs this file once pgvector is installed: every statement is
-- idempotent. The extension goes to `public`, shared by every schema of the database.
DO $vector_memory$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE NOTICE 'pgvector is not available on this server: soma_vector_memory was not created';
    RETURN;
  END IF;

  CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

  CREATE TABLE IF NOT EXISTS soma_vector_memory (
    tenant_id  text        NOT NULL,
    id         text        NOT NULL,
    subject_id text        NOT NULL,
    text       text        NOT NULL,
    metadata   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    embedding  vector({{dimensions}}) NOT NULL,
    PRIMARY KEY (tenant_id, id)
  );

  -- erasure: DELETE … WHERE tenant_id = $1 AND subject_id = $2
  CREATE INDEX IF NOT EXISTS soma_vector_memory_subject_idx ON soma_vector_memory (tenant_id, subject_id);
  -- retention: DELETE … WHERE created_at < $1; oldest: min(created_at)
  CREATE INDEX IF NOT EXISTS soma_vector_memory_created_idx ON soma_vector_memory (created_at);
  -- search: ORDER BY embedding <=> $1 LIMIT k
  CREATE INDEX IF NOT EXISTS soma_vector_memory_embedding_idx
    ON soma_vector_memory USING hnsw (embedding vector_cosine_ops);
END
$vector_memory$;
