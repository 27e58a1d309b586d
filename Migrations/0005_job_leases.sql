-- Safety of long jobs against concurrency and kills.
--
-- A job's PostgreSQL session is its lease: a process that is killed loses its connection, and
-- with it its backend. Runs and scratch tables record the (pid, start time) of the backend
-- that owns them; one whose backend is gone belongs to a process that died, and the next job
-- marks the run failed or drops the table.
CREATE FUNCTION pantry.session_alive(pid integer, started timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = $1 AND a.backend_start = $2)
$$;

ALTER TABLE pantry.materialization_runs
  ADD COLUMN backend_pid integer,
  ADD COLUMN backend_start timestamptz;

-- Runs recorded before leases existed cannot be checked; none of them is still running.
UPDATE pantry.materialization_runs SET status = 'failed', finished_at = now(),
  error = 'recorded as running before an upgrade; its process is gone'
WHERE status = 'running';

-- The generation written to Redis with the watermark: an incremental run that finds a
-- different (or no) generation in Redis knows the online store lost data since the last run.
ALTER TABLE pantry.materialization_state ADD COLUMN generation text;

CREATE TABLE pantry.scratch_tables (
  name          text PRIMARY KEY,   -- schema-qualified, quoted as in SQL
  backend_pid   integer NOT NULL,
  backend_start timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Times as exports write them: RFC 3339 in UTC, with six fraction digits when there is a
-- fraction (2025-02-14T01:14:12.169000Z), as the HTTP API writes them; not PostgreSQL's text
-- (2025-02-14 01:14:12.169+00).
CREATE FUNCTION pantry.rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || CASE WHEN date_part('microseconds', t)::bigint % 1000000 = 0 THEN '' ELSE to_char(t AT TIME ZONE 'UTC', '.US') END
      || 'Z'
$$;
