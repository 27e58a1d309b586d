-- The feature registry: every project's entities, feature views and feature services, with a
-- version per object and the history of every apply.
CREATE TABLE pantry.projects (
    name            text PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_applied_at timestamptz
);

CREATE TABLE pantry.registry_objects (
    project    text NOT NULL REFERENCES pantry.projects (name),
    kind       text NOT NULL CHECK (kind IN ('entity', 'feature_view', 'feature_service')),
    name       text NOT NULL,
    version    integer NOT NULL,
    spec       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project, kind, name)
);

CREATE TABLE pantry.applies (
    id         bigserial PRIMARY KEY,
    project    text NOT NULL REFERENCES pantry.projects (name),
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user,
    summary    text NOT NULL
);

CREATE TABLE pantry.registry_history (
    apply_id bigint NOT NULL REFERENCES pantry.applies (id),
    kind     text NOT NULL,
    name     text NOT NULL,
    version  integer NOT NULL,
    action   text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    breaking boolean NOT NULL,
    spec     jsonb,
    PRIMARY KEY (apply_id, kind, name)
);

-- Offline history: one table per feature view, partitioned by event time (see OfflineStore).
CREATE SCHEMA pantry_offline;

-- Ingestion order: the last tie-break between rows with equal event and created timestamps.
CREATE SEQUENCE pantry.ingest_seq;
