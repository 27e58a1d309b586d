-- Scratch tables of running jobs (e.g. a training-set export split across several
-- connections). Unlogged and dropped by the job when it ends; anything left here belongs to
-- a job that was killed and can be dropped.
CREATE SCHEMA pantry_work;
