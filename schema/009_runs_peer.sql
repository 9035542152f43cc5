-- 009_runs_peer.sql: which runs another schedd host created (scheduler.ha): this host found the execution at Admin.

-- 1: the execution was already at Admin when this host, standing by for the schedule's own host,
-- looked it up (or a catch-up found it there): another host created it. 0: this host created it.
ALTER TABLE runs ADD COLUMN peer INTEGER NOT NULL DEFAULT 0 CHECK (peer IN (0, 1));
