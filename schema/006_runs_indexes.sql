-- 006_runs_indexes.sql: index look-ups for what the daemon reads of runs per fire and per result commit.

-- The newest scheduled or catch-up instant of a schedule (last_instant, read at each fire) in one
-- probe, however many triggers and backfills came after it; kind makes the index covering. A query
-- uses it by repeating this WHERE clause word for word.
CREATE INDEX runs_last_instant ON runs (schedule_id, scheduled_at, kind) WHERE kind IN ('scheduled', 'catchup');

-- Retention deletes the oldest finished runs a batch at a time: it walks this index from the
-- oldest instead of scanning and sorting every run for each batch.
CREATE INDEX runs_scheduled_at ON runs (scheduled_at);
