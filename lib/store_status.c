/* store_status.c: the daemon's heartbeat and what status, health checks and metrics read. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "schedd/civil.h"
#include "schedd/store.h"

#include "store_int.h"

#define SQL(id)	[(id) - STMT_STATUS_FIRST]

const struct store__sql	store__status_sql[STMT_PAGE_FIRST -
			    STMT_STATUS_FIRST] = {
	SQL(STMT_HEARTBEAT) = { "heartbeat",
	    "INSERT INTO daemon (id, pid, host, version, started_at, "
	    "heartbeat_at, stopped_at, shard) VALUES (1, ?1, ?2, ?3, ?4, ?5, "
	    "CASE WHEN ?6 THEN ?5 END, ?7) ON CONFLICT (id) DO UPDATE SET "
	    "pid = excluded.pid, host = excluded.host, version = "
	    "excluded.version, started_at = excluded.started_at, "
	    "heartbeat_at = excluded.heartbeat_at, stopped_at = "
	    "excluded.stopped_at, shard = excluded.shard" },
	SQL(STMT_HEARTBEAT_TOUCH) = { "heartbeat_touch",
	    "UPDATE daemon SET heartbeat_at = ?1 WHERE id = 1" },
	SQL(STMT_STATUS) = { "status",
	    "SELECT (SELECT count(*) FROM schedules), (SELECT count(*) FROM "
	    "schedules WHERE paused), (SELECT count(*) FROM runs WHERE "
	    "state = 'pending'), (SELECT min(scheduled_at) FROM runs WHERE "
	    "state = 'pending'), (SELECT count(*) FROM failing_schedules), "
	    "(SELECT count(*) FROM late_fires WHERE scheduled_at >= ?1 AND "
	    "late_seconds > ?2), (SELECT pid FROM daemon), (SELECT host "
	    "FROM daemon), (SELECT heartbeat_at FROM daemon), (SELECT "
	    "stopped_at FROM daemon), (SELECT count(*) FROM runs WHERE "
	    "scheduled_at >= ?1 AND phase = 'UNKNOWN'), (SELECT shard FROM "
	    "daemon)" },
	SQL(STMT_FAILING_EACH) = { "failing_each",
	    "SELECT name, consecutive_failures, last_failure_at, last_error "
	    "FROM failing_schedules ORDER BY consecutive_failures DESC, "
	    "name" },
	/*
	 * schedule_health with what /metrics labels a schedule with: one
	 * walk of schedules by name, a few index probes per schedule.
	 */
	SQL(STMT_HEALTH_EACH) = { "health_each",
	    "SELECT h.schedule_id, h.name, h.last_success_at, "
	    "h.consecutive_failures, h.last_failure_at, s.project, s.domain, "
	    "s.launch_plan, s.labels FROM schedule_health h JOIN schedules s "
	    "ON s.id = h.schedule_id ORDER BY h.name" },
	/* Repeats runs_succeeded's WHERE clause, so it is one probe of that index. */
	SQL(STMT_LAST_SUCCESS) = { "last_success",
	    "SELECT max(scheduled_at) FROM runs WHERE schedule_name = ?1 AND "
	    "scheduled_at < ?2 AND phase = 'SUCCEEDED'" },
};

int
store_heartbeat(struct store *st, int64_t pid, const char *host,
    const char *version, int64_t started_at, int64_t now, int stopped,
    const char *shard, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_HEARTBEAT, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 7, shard);
	sqlite3_bind_int64(stmt, 1, pid);
	store__bind_text(stmt, 2, host);
	store__bind_text(stmt, 3, version);
	store__bind_time(stmt, 4, started_at);
	store__bind_time(stmt, 5, now);
	sqlite3_bind_int(stmt, 6, stopped);
	return store__step_done(st, stmt, "", e);
}

int
store_heartbeat_touch(struct store *st, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_HEARTBEAT_TOUCH, &stmt, e) == -1)
		return -1;
	store__bind_time(stmt, 1, now);
	return store__step_done(st, stmt, "", e);
}

int
store_status(struct store *st, int64_t now, int64_t late_threshold,
    struct store_status *out, struct err *e)
{
	sqlite3_stmt	*stmt;
	char		 since[32];
	int		 rc;

	memset(out, 0, sizeof(*out));
	civil_format_rfc3339(now - 86400, 0, since, sizeof(since));
	if (store__statement(st, STMT_STATUS, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, since);
	sqlite3_bind_int64(stmt, 2, late_threshold);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		store__fail(st, rc, "", e);
		store__reset(stmt);
		return -1;
	}
	out->schedules = sqlite3_column_int64(stmt, 0);
	out->paused = sqlite3_column_int64(stmt, 1);
	out->pending = sqlite3_column_int64(stmt, 2);
	out->oldest_pending = store__column_time(stmt, 3);
	out->failing = sqlite3_column_int64(stmt, 4);
	out->late_day = sqlite3_column_int64(stmt, 5);
	out->daemon_known = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
	out->daemon_pid = sqlite3_column_int64(stmt, 6);
	if (sqlite3_column_text(stmt, 7) != NULL)
		snprintf(out->daemon_host, sizeof(out->daemon_host), "%s",
		    sqlite3_column_text(stmt, 7));
	out->daemon_heartbeat = store__column_time(stmt, 8);
	out->daemon_stopped = store__column_time(stmt, 9);
	out->unknown_day = sqlite3_column_int64(stmt, 10);
	if (sqlite3_column_text(stmt, 11) != NULL)
		snprintf(out->daemon_shard, sizeof(out->daemon_shard), "%s",
		    sqlite3_column_text(stmt, 11));
	store__reset(stmt);
	return 0;
}

int
store_failing_each(struct store *st, store_failing_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = 0;

	if (store__statement(st, STMT_FAILING_EACH, &stmt, e) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), store__column_time(stmt, 2),
		    (const char *)sqlite3_column_text(stmt, 3), arg, e)) == -1)
			break;
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_schedule_health_each(struct store *st, store_health_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt		*stmt;
	struct store_health	 h;
	int			 rc, ret = 0;

	if (store__statement(st, STMT_HEALTH_EACH, &stmt, e) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		h.schedule_id = sqlite3_column_int64(stmt, 0);
		h.name = (const char *)sqlite3_column_text(stmt, 1);
		h.last_success = store__column_time(stmt, 2);
		h.consecutive_failures = sqlite3_column_int64(stmt, 3);
		h.last_failure = store__column_time(stmt, 4);
		h.project = (const char *)sqlite3_column_text(stmt, 5);
		h.domain = (const char *)sqlite3_column_text(stmt, 6);
		h.launch_plan = (const char *)sqlite3_column_text(stmt, 7);
		h.labels = (const char *)sqlite3_column_text(stmt, 8);
		if ((ret = cb(&h, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_last_success(struct store *st, const char *name, int64_t before,
    int64_t *at, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*at = 0;
	if (store__statement(st, STMT_LAST_SUCCESS, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, name);
	store__bind_time(stmt, 2, before);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		store__fail(st, rc, "", e);
		store__reset(stmt);
		return -1;
	}
	*at = store__column_time(stmt, 0);
	store__reset(stmt);
	return 0;
}

int
store_writable(struct store *st, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = 0, wait = st->busy_ms;

	if (!sqlite3_get_autocommit(st->db))
		return 0;	/* a transaction of ours is open: we hold the lock */
	if (store__statement(st, STMT_BEGIN, &stmt, e) == -1)
		return -1;
	/* A health check must not hold up the loop for a long busy timeout. */
	if (wait > STORE_HEALTH_TIMEOUT_MS)
		wait = STORE_HEALTH_TIMEOUT_MS;
	sqlite3_busy_timeout(st->db, wait);
	rc = sqlite3_step(stmt);
	sqlite3_busy_timeout(st->db, st->busy_ms);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		err_set_code(e, EX_TEMPFAIL, "database is locked: another "
		    "connection holds the write lock of %s (waited %d ms)",
		    st->path, wait);
		ret = -1;
	} else if (rc != SQLITE_DONE)
		ret = store__fail(st, rc, "cannot take the write lock", e);
	store__reset(stmt);
	if (ret == 0)
		store_rollback(st);
	return ret;
}
