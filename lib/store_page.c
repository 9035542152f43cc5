/* store_page.c: what the status page reads: a page of schedules, their recent runs, one schedule's history and audit, missed fires. */
#include <stdio.h>
#include <string.h>

#include "schedd/civil.h"
#include "schedd/store.h"

#include "store_int.h"

#define SQL(id)	[(id) - STMT_PAGE_FIRST]

/* struct store_page_run's columns, of runs r. */
#define PAGE_RUN_COLUMNS						\
	"r.schedule_name, r.scheduled_at, r.kind, r.state, r.phase, "	\
	"r.execution_name, r.error, r.started_at, r.ended_at, "		\
	"CASE WHEN r.kind = 'scheduled' AND r.sent_at IS NOT NULL THEN "	\
	"unixepoch(r.sent_at) - unixepoch(r.scheduled_at) ELSE 0 END"

const struct store__sql	store__page_sql[STMT_COUNT - STMT_PAGE_FIRST] = {
	/*
	 * A walk of the name index; the caller stops it once it has its page.
	 * ?1: enum store_page_state. Failing and late are index probes per
	 * schedule (schedule_health's, and runs' unique index).
	 */
	SQL(STMT_PAGE_NAMES) = { "page_names",
	    "SELECT s.name, s.labels FROM schedules s WHERE CASE ?1 "
	    "WHEN 1 THEN s.paused "
	    "WHEN 2 THEN EXISTS (SELECT 1 FROM failing_schedules f WHERE "
	    "f.name = s.name) "
	    "WHEN 3 THEN EXISTS (SELECT 1 FROM late_fires l WHERE "
	    "l.schedule_name = s.name AND l.scheduled_at >= ?2 AND "
	    "l.late_seconds > ?3) "
	    "ELSE 1 END ORDER BY s.name" },
	SQL(STMT_PAGE_ROWS) = { "page_rows",
	    "SELECT s.name, s.project, s.domain, s.launch_plan, s.version, "
	    "s.cron, s.tz, s.created_at, s.paused, s.labels, "
	    "h.consecutive_failures, h.last_success_at, h.last_error "
	    "FROM json_each(?1) j JOIN schedules s ON s.name = j.value "
	    "JOIN schedule_health h ON h.schedule_id = s.id ORDER BY j.key" },
	/* The per-th newest instant of each schedule bounds a range walk of its runs. */
	SQL(STMT_PAGE_RECENT) = { "page_recent",
	    "SELECT " PAGE_RUN_COLUMNS " FROM json_each(?1) j JOIN runs r "
	    "ON r.schedule_name = j.value AND r.scheduled_at >= coalesce(("
	    "SELECT r2.scheduled_at FROM runs r2 WHERE r2.schedule_name = "
	    "j.value ORDER BY r2.scheduled_at DESC LIMIT 1 OFFSET ?2 - 1), '') "
	    "ORDER BY j.key, r.scheduled_at DESC" },
	SQL(STMT_PAGE_HISTORY) = { "page_history",
	    "SELECT " PAGE_RUN_COLUMNS " FROM runs r WHERE r.schedule_name = "
	    "?1 AND r.scheduled_at >= ?2 ORDER BY r.scheduled_at DESC "
	    "LIMIT ?3" },
	SQL(STMT_PAGE_CHANGES) = { "page_changes",
	    "SELECT at, os_user, command, before, after FROM changes WHERE "
	    "schedule_name = ?1 ORDER BY at DESC, id DESC LIMIT ?2" },
	/* Repeats runs_missed's WHERE clause word for word, so it walks that index. */
	SQL(STMT_PAGE_MISSED) = { "page_missed",
	    "SELECT " PAGE_RUN_COLUMNS " FROM runs r WHERE state = 'skipped' "
	    "OR (kind = 'scheduled' AND sent_at IS NOT NULL AND "
	    "unixepoch(sent_at) - unixepoch(scheduled_at) > 60) "
	    "ORDER BY scheduled_at DESC LIMIT ?1 OFFSET ?2" },
};

int
store_page_names(struct store *st, enum store_page_state state, int64_t since,
    int64_t late_threshold, store_page_name_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = 0;

	if (store__statement(st, STMT_PAGE_NAMES, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int(stmt, 1, (int)state);
	store__bind_time(stmt, 2, since);
	sqlite3_bind_int64(stmt, 3, late_threshold);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1), arg, e)) != 0)
			break;
	/* 1 is the caller's "enough": not an error. */
	return store__walk_end(st, stmt, ret == 1 ? SQLITE_DONE : rc,
	    ret == 1 ? 0 : ret, e);
}

int
store_page_rows(struct store *st, const char *names, store_page_row_cb cb,
    void *arg, struct err *e)
{
	sqlite3_stmt		*stmt;
	struct store_page_row	 r;
	int			 rc, ret = 0;

	if (store__statement(st, STMT_PAGE_ROWS, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, names);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r.name = (const char *)sqlite3_column_text(stmt, 0);
		r.project = (const char *)sqlite3_column_text(stmt, 1);
		r.domain = (const char *)sqlite3_column_text(stmt, 2);
		r.launch_plan = (const char *)sqlite3_column_text(stmt, 3);
		r.version = (const char *)sqlite3_column_text(stmt, 4);
		r.cron = (const char *)sqlite3_column_text(stmt, 5);
		r.tz = (const char *)sqlite3_column_text(stmt, 6);
		r.created_at = store__column_time(stmt, 7);
		r.paused = sqlite3_column_int(stmt, 8);
		r.labels = (const char *)sqlite3_column_text(stmt, 9);
		r.consecutive_failures = sqlite3_column_int64(stmt, 10);
		r.last_success = store__column_time(stmt, 11);
		r.last_error = (const char *)sqlite3_column_text(stmt, 12);
		if ((ret = cb(&r, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

/* Hand each row of a PAGE_RUN_COLUMNS statement, bound already, to cb. */
static int
run_walk(struct store *st, sqlite3_stmt *stmt, store_page_run_cb cb,
    void *arg, struct err *e)
{
	struct store_page_run	r;
	int			rc, ret = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r.schedule_name = (const char *)sqlite3_column_text(stmt, 0);
		r.scheduled_at = store__column_time(stmt, 1);
		r.kind = (const char *)sqlite3_column_text(stmt, 2);
		r.state = (const char *)sqlite3_column_text(stmt, 3);
		r.phase = (const char *)sqlite3_column_text(stmt, 4);
		r.execution_name = (const char *)sqlite3_column_text(stmt, 5);
		r.error = (const char *)sqlite3_column_text(stmt, 6);
		r.started_at = store__column_time(stmt, 7);
		r.ended_at = store__column_time(stmt, 8);
		r.late_seconds = sqlite3_column_int64(stmt, 9);
		if ((ret = cb(&r, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_page_recent(struct store *st, const char *names, int per,
    store_page_run_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_PAGE_RECENT, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, names);
	sqlite3_bind_int(stmt, 2, per);
	return run_walk(st, stmt, cb, arg, e);
}

int
store_page_history(struct store *st, const char *name, int64_t since,
    int limit, store_page_run_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_PAGE_HISTORY, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, name);
	if (since > 0)
		store__bind_time(stmt, 2, since);
	else
		store__bind_text(stmt, 2, "");
	sqlite3_bind_int(stmt, 3, limit);
	return run_walk(st, stmt, cb, arg, e);
}

int
store_page_missed(struct store *st, int64_t offset, int limit,
    store_page_run_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_PAGE_MISSED, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int(stmt, 1, limit);
	sqlite3_bind_int64(stmt, 2, offset);
	return run_walk(st, stmt, cb, arg, e);
}

int
store_page_changes(struct store *st, const char *name, int limit,
    store_page_change_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt			*stmt;
	struct store_page_change	 c;
	int				 rc, ret = 0;

	if (store__statement(st, STMT_PAGE_CHANGES, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		c.at = store__column_time(stmt, 0);
		c.os_user = (const char *)sqlite3_column_text(stmt, 1);
		c.command = (const char *)sqlite3_column_text(stmt, 2);
		c.before = (const char *)sqlite3_column_text(stmt, 3);
		c.after = (const char *)sqlite3_column_text(stmt, 4);
		if ((ret = cb(&c, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}
