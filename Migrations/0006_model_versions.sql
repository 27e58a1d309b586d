-- Trained recommender models: one row per `pantry train` run, so that served vectors and
-- indexes can be traced to the data and hyperparameters that made them.
CREATE TABLE pantry.model_versions (
    recommender     text        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    hyperparameters jsonb       NOT NULL,
    -- The newest interaction time the model saw, and how many positives it trained on.
    data_watermark  timestamptz,
    positives       bigint      NOT NULL,
    metrics         jsonb       NOT NULL DEFAULT '{}',
    artifacts       jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (recommender, version)
);
