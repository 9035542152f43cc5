-- 002_daemon.sql: the running daemon's heartbeat, so schedctl status can tell whether it is alive.

CREATE TABLE daemon (
    id              INTEGER PRIMARY KEY CHECK (id = 1),   -- one row: the daemon that owns this database
    pid             INTEGER NOT NULL,
    host            TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    started_at      TEXT    NOT NULL,
    heartbeat_at    TEXT    NOT NULL,   -- refreshed while the loop runs
    stopped_at      TEXT                -- set on a clean exit
) STRICT;
