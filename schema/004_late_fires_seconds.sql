-- 004_late_fires_seconds.sql: late_fires compares whole seconds (julianday differences are floating point).

DROP VIEW late_fires;

-- Fires whose request left more than 60 s after the scheduled instant (catch-up and backfill excluded).
CREATE VIEW late_fires AS
SELECT schedule_name, scheduled_at, sent_at, execution_name, state,
       unixepoch(sent_at) - unixepoch(scheduled_at) AS late_seconds
FROM runs
WHERE kind = 'scheduled' AND sent_at IS NOT NULL
  AND unixepoch(sent_at) - unixepoch(scheduled_at) > 60;
