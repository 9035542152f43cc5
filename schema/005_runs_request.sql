-- 005_runs_request.sql: the exact request of a run, committed before it is sent.
-- A run left pending by a crash is looked up and resent as it was sent, whatever
-- happened to its schedule since; and history shows what Admin was asked for.

ALTER TABLE runs ADD COLUMN request TEXT CHECK (request IS NULL OR json_valid(request));
