-- Pantry's own schema. Feature data lives in per-view tables created by `pantry apply`;
-- this schema holds Pantry's bookkeeping.
CREATE SCHEMA IF NOT EXISTS pantry;

-- Embeddings use pgvector's `vector(n)` where the extension is available, and a `real[]`
-- fallback where it is not (e.g. Debian's PostgreSQL 15). Record which one this database has.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        CREATE EXTENSION IF NOT EXISTS vector;
    END IF;
END
$$;

CREATE TABLE pantry.capabilities (
    name  text PRIMARY KEY,
    value text NOT NULL
);

INSERT INTO pantry.capabilities (name, value)
SELECT 'embedding_storage',
       CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN 'vector' ELSE 'real[]' END;
