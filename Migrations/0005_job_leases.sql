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
