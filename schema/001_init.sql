-- 001_init.sql: schedules, runs (history and work queue), changes (audit), and the views people query.
-- Times are RFC 3339 UTC text ("2026-11-26T06:00:00Z"): sortable, and readable without conversion.

PRAGMA application_id = 1396918340;  -- "SCHD": marks the file as a schedd database

CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE
                    CHECK (length(name) BETWEEN 1 AND 128 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'),
    project         TEXT    NOT NULL CHECK (length(project) > 0),
    domain          TEXT    NOT NULL CHECK (length(domain) > 0),
    launch_plan     TEXT    NOT NULL CHECK (length(launch_plan) > 0),
    version         TEXT    CHECK (version IS NULL OR length(version) > 0),  -- NULL: latest at fire time
    cron            TEXT    NOT NULL,
    tz              TEXT    NOT NULL DEFAULT 'UTC',
    inputs          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(inputs) AND json_type(inputs) = 'object'),
    kickoff_input   TEXT,   -- input that receives the scheduled instant as a datetime
    labels          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(labels) AND json_type(labels) = 'object'),
    annotations     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(annotations) AND json_type(annotations) = 'object'),
    service_account TEXT,
    catchup         TEXT    NOT NULL DEFAULT 'latest' CHECK (catchup IN ('all', 'latest', 'none')),
    catchup_window  INTEGER NOT NULL DEFAULT 3600 CHECK (catchup_window >= 0),   -- seconds
    overlap         TEXT    NOT NULL DEFAULT 'allow'
                    CHECK (overlap IN ('allow', 'skip', 'buffer-one', 'cancel-previous')),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    note            TEXT,
    created_at      TEXT    NOT NULL,   -- anchors @every and rate()
    updated_at      TEXT    NOT NULL,
    active_since    TEXT    NOT NULL    -- creation or last resume: catch-up never reaches before it
) STRICT;

-- One row per fire. schedctl trigger and backfill insert 'pending' rows; the daemon sends them.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    schedule_id     INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    schedule_name   TEXT    NOT NULL,   -- kept when the schedule is removed, so history survives
    scheduled_at    TEXT    NOT NULL,
    kind            TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (kind IN ('scheduled', 'catchup', 'trigger', 'backfill')),
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'created', 'failed', 'skipped')),
    execution_name  TEXT,
    http_status     INTEGER,
    error           TEXT,               -- Admin's message, or why the fire was skipped
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    recorded_at     TEXT    NOT NULL,   -- when this row was written as pending
    sent_at         TEXT,               -- first request to Admin
    finished_at     TEXT,               -- when state left 'pending'
    phase           TEXT,               -- Flyte execution phase once known (SUCCEEDED, FAILED, ...)
    started_at      TEXT,               -- the execution's start, from Admin
    ended_at        TEXT,               -- the execution's end, from Admin
    UNIQUE (schedule_name, scheduled_at)
) STRICT;

CREATE INDEX runs_pending ON runs (state) WHERE state = 'pending';
CREATE INDEX runs_schedule ON runs (schedule_id, scheduled_at);

-- Audit: who changed which schedule, when, with what command; before/after as JSON.
CREATE TABLE changes (
    id              INTEGER PRIMARY KEY,
    at              TEXT    NOT NULL,
    os_user         TEXT    NOT NULL,
    command         TEXT    NOT NULL,
    schedule_name   TEXT    NOT NULL,
    before          TEXT    CHECK (before IS NULL OR json_valid(before)),
    after           TEXT    CHECK (after IS NULL OR json_valid(after))
) STRICT;

CREATE INDEX changes_schedule ON changes (schedule_name, at);

-- The latest run of each schedule.
CREATE VIEW last_runs AS
SELECT r.*
FROM runs r
WHERE r.id = (SELECT r2.id FROM runs r2
              WHERE r2.schedule_name = r.schedule_name
              ORDER BY r2.scheduled_at DESC, r2.id DESC LIMIT 1);

-- Schedules whose latest finished runs failed, with how many in a row.
CREATE VIEW failing_schedules AS
SELECT s.name,
       count(*)            AS consecutive_failures,
       max(r.scheduled_at) AS last_failure_at,
       (SELECT r3.error FROM runs r3 WHERE r3.schedule_name = s.name AND r3.state = 'failed'
        ORDER BY r3.scheduled_at DESC LIMIT 1) AS last_error
FROM schedules s
JOIN runs r ON r.schedule_name = s.name AND r.state = 'failed'
WHERE r.scheduled_at > coalesce((SELECT max(r2.scheduled_at) FROM runs r2
                                 WHERE r2.schedule_name = s.name AND r2.state = 'created'), '')
GROUP BY s.name;

-- Fires whose request left more than 60 s after the scheduled instant (catch-up and backfill excluded).
CREATE VIEW late_fires AS
SELECT schedule_name, scheduled_at, sent_at, execution_name, state,
       CAST(round((julianday(sent_at) - julianday(scheduled_at)) * 86400) AS INTEGER) AS late_seconds
FROM runs
WHERE kind = 'scheduled' AND sent_at IS NOT NULL
  AND (julianday(sent_at) - julianday(scheduled_at)) * 86400 > 60;
