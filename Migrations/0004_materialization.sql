-- Online materialization bookkeeping. The incremental watermark is the highest ingestion
-- sequence number already copied online (not an event time), so rows that arrive late, with
-- event times inside an already-materialized window, are still picked up next time. The
-- watermark belongs to one version of the view: re-applying the view resets it.
CREATE TABLE pantry.materialization_state (
    project       text NOT NULL,
    view          text NOT NULL,
    view_version  integer NOT NULL,
    watermark_seq bigint NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project, view)
);

CREATE TABLE pantry.materialization_runs (
    id            bigserial PRIMARY KEY,
    project       text NOT NULL,
    view          text NOT NULL,
    mode          text NOT NULL CHECK (mode IN ('window', 'incremental')),
    window_start  timestamptz,
    window_end    timestamptz,
    from_seq      bigint,
    to_seq        bigint,
    rows_read     bigint NOT NULL DEFAULT 0,
    rows_written  bigint NOT NULL DEFAULT 0,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    error         text
);
