-- 009_runs_peer.sql: several schedd hosts (scheduler.ha): which runs another host created, and this host's shard.

-- 1: the execution was already at Admin when this host, standing by for the schedule's own host,
-- looked it up (or a catch-up found it there): another host created it. 0: this host created it.
ALTER TABLE runs ADD COLUMN peer INTEGER NOT NULL DEFAULT 0 CHECK (peer IN (0, 1));

-- The daemon's shard, "I/N" (scheduler.ha), for schedctl status; NULL: one host fires everything.
ALTER TABLE daemon ADD COLUMN shard TEXT;
