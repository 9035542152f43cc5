-- 007_health.sql: failing means the Flyte run failed: one view, schedule_health, says how each schedule's runs went; failing_schedules, schedctl status and /metrics read it.
--
-- A run is finished when it could not be created (state 'failed') or its execution's phase is
-- final. It failed when it could not be created or its execution ended FAILED, ABORTED or
-- TIMED_OUT; it succeeded when its execution ended SUCCEEDED. Pending runs, executions not final
-- yet (or never seen by Admin: UNKNOWN) and skipped fires are neither: they are passed over.

-- The newest run of a schedule whose execution succeeded, in one probe (also read at fire time
-- for {{last_success_time}}). A query uses it by repeating this WHERE clause.
CREATE INDEX runs_succeeded ON runs (schedule_name, scheduled_at) WHERE phase = 'SUCCEEDED';

-- The failed finished runs after it: counted and the newest found without reading other runs.
-- A query uses it by repeating this WHERE clause word for word.
CREATE INDEX runs_failed ON runs (schedule_name, scheduled_at)
    WHERE state = 'failed' OR phase IN ('FAILED', 'ABORTED', 'TIMED_OUT');

-- Per schedule: the scheduled_at of its last run whose execution succeeded (NULL: none), the failed
-- finished runs since (the consecutive failures at the head of its history), and the newest of
-- them (NULL when there is none): when and why.
CREATE VIEW schedule_health AS
SELECT h.schedule_id, h.name, h.last_success_at,
       (SELECT count(*) FROM runs r
        WHERE r.schedule_name = h.name AND r.scheduled_at > coalesce(h.last_success_at, '')
          AND (r.state = 'failed' OR r.phase IN ('FAILED', 'ABORTED', 'TIMED_OUT'))) AS consecutive_failures,
       f.scheduled_at AS last_failure_at,
       CASE WHEN f.state = 'failed' THEN f.error
            ELSE 'execution ' || f.execution_name || ' ended ' || f.phase END AS last_error
FROM (SELECT s.id AS schedule_id, s.name,
             (SELECT max(r.scheduled_at) FROM runs r
              WHERE r.schedule_name = s.name AND r.phase = 'SUCCEEDED') AS last_success_at
      FROM schedules s) h
LEFT JOIN runs f ON f.id = (SELECT r.id FROM runs r
                            WHERE r.schedule_name = h.name
                              AND r.scheduled_at > coalesce(h.last_success_at, '')
                              AND (r.state = 'failed' OR r.phase IN ('FAILED', 'ABORTED', 'TIMED_OUT'))
                            ORDER BY r.scheduled_at DESC LIMIT 1);

DROP VIEW failing_schedules;

-- Schedules whose latest finished runs failed, with how many in a row (see schedule_health).
CREATE VIEW failing_schedules AS
SELECT name, consecutive_failures, last_failure_at, last_error
FROM schedule_health
WHERE consecutive_failures > 0;
