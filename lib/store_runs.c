/* store_runs.c: the runs table: fires asked for, recorded, sent, watched and pruned. */
#include <string.h>
#include <sysexits.h>

#include "schedd/store.h"

#include "store_int.h"

/* A row of runs as struct run has it. */
#define RUN_SELECT							\
	"SELECT id, schedule_name, scheduled_at, kind, state, "		\
	"execution_name, http_status, error, attempts, phase, "		\
	"recorded_at, sent_at FROM runs"

/* store_run_each's conditions after the first (?2 to ?6, struct run_filter), and its order. */
#define RUN_FILTER							\
	"(?2 IS NULL OR state = ?2) AND (?4 IS NULL OR phase = ?4) AND "	\
	"(?5 IS NULL OR scheduled_at >= ?5) AND (?6 IS NULL OR "		\
	"schedule_name IN (SELECT value FROM json_each(?6))) "		\
	"ORDER BY scheduled_at DESC, id DESC LIMIT ?3"

#define SQL(id)	[(id) - STMT_RUNS_FIRST]

const struct store__sql	store__runs_sql[STMT_STATUS_FIRST -
			    STMT_RUNS_FIRST] = {
	SQL(STMT_RUN_EACH) = { "run_each", RUN_SELECT " WHERE " RUN_FILTER },
	/* Apart: one schedule's runs walk the (schedule_name, scheduled_at) index. */
	SQL(STMT_RUN_EACH_NAME) = { "run_each_name",
	    RUN_SELECT " WHERE schedule_name = ?1 AND " RUN_FILTER },
	SQL(STMT_RUN_GET) = { "run_get",
	    RUN_SELECT " WHERE schedule_name = ?1 AND scheduled_at = ?2" },
	SQL(STMT_RUN_REQUEST) = { "run_request",
	    "INSERT INTO runs (schedule_id, schedule_name, scheduled_at, "
	    "kind, state, recorded_at) VALUES (?1, ?2, ?3, ?4, 'pending', "
	    "?5) ON CONFLICT (schedule_name, scheduled_at) DO NOTHING" },
	SQL(STMT_RUNS_PRUNE) = { "runs_prune",
	    "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE "
	    "scheduled_at < ?1 AND state != 'pending' ORDER BY scheduled_at "
	    "LIMIT ?2)" },
	SQL(STMT_RUN_FIRE) = { "run_fire",
	    "INSERT INTO runs (schedule_id, schedule_name, scheduled_at, "
	    "kind, state, execution_name, recorded_at) VALUES (?1, ?2, ?3, "
	    "?4, 'pending', ?5, ?6) ON CONFLICT (schedule_name, "
	    "scheduled_at) DO NOTHING" },
	SQL(STMT_RUN_FIRE_EXISTING) = { "run_fire_existing",
	    "SELECT id, state FROM runs WHERE schedule_name = ?1 AND "
	    "scheduled_at = ?2" },
	SQL(STMT_RUN_SKIP) = { "run_skip",
	    "INSERT INTO runs (schedule_id, schedule_name, scheduled_at, "
	    "kind, state, error, recorded_at, finished_at) VALUES (?1, ?2, "
	    "?3, 'catchup', 'skipped', ?4, ?5, ?5) ON CONFLICT "
	    "(schedule_name, scheduled_at) DO NOTHING" },
	SQL(STMT_RUN_RESULT) = { "run_result",
	    "UPDATE runs SET state = ?2, http_status = ?3, error = ?4, "
	    "attempts = attempts + ?5, sent_at = coalesce(sent_at, ?6), "
	    "finished_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?7 END, "
	    "execution_name = coalesce(execution_name, ?8) WHERE id = ?1" },
	SQL(STMT_RUN_REQUEST_BODY) = { "run_request_body",
	    "UPDATE runs SET request = ?2 WHERE id = ?1" },
	SQL(STMT_RUN_WITHDRAW) = { "run_withdraw",
	    "DELETE FROM runs WHERE id = ?1 AND state = 'pending' AND "
	    "sent_at IS NULL" },
	SQL(STMT_RUN_PEER) = { "run_peer",
	    "UPDATE runs SET peer = 1 WHERE id = ?1" },
	SQL(STMT_RUN_PHASE) = { "run_phase",
	    "UPDATE runs SET phase = ?2, started_at = coalesce(?3, "
	    "started_at), ended_at = coalesce(?4, ended_at) WHERE id = ?1" },
	/*
	 * Once, at start-up. NOT INDEXED: one pass over the table and a sort
	 * of the few rows it keeps, not a walk of runs_scheduled_at with a
	 * table look-up for every run.
	 */
	SQL(STMT_WATCH_EACH) = { "watch_each",
	    "SELECT id, coalesce(schedule_id, 0), request, phase FROM runs "
	    "NOT INDEXED WHERE state = 'created' AND request IS NOT NULL AND "
	    "recorded_at >= ?1 AND (phase IS NULL OR phase NOT IN "
	    "('SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT')) ORDER BY "
	    "scheduled_at, id" },
	SQL(STMT_PENDING_EACH) = { "pending_each",
	    "SELECT id, coalesce(schedule_id, 0), schedule_name, "
	    "scheduled_at, kind, execution_name, attempts, request, "
	    "recorded_at FROM runs WHERE state = 'pending' AND id > ?1 "
	    "ORDER BY id" },
};

static const char *const run_states[] = {
	[RUN_PENDING] = "pending",
	[RUN_CREATED] = "created",
	[RUN_FAILED] = "failed",
	[RUN_SKIPPED] = "skipped",
};

const char *
run_state_name(enum run_state state)
{
	if ((size_t)state >= sizeof(run_states) / sizeof(run_states[0]))
		return NULL;
	return run_states[state];
}

int
run_state_parse(const char *name, enum run_state *state)
{
	for (size_t i = 0; name != NULL &&
	    i < sizeof(run_states) / sizeof(run_states[0]); i++)
		if (strcmp(name, run_states[i]) == 0) {
			*state = (enum run_state)i;
			return 0;
		}
	return -1;
}

/* Hand each row of a bound RUN_SELECT statement to cb, and reset it. */
static int
run_walk(struct store *st, sqlite3_stmt *stmt, store_run_cb cb, void *arg,
    struct err *e)
{
	struct run	 r;
	int		 rc, ret = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(stmt, 0);
		r.schedule_name = (const char *)sqlite3_column_text(stmt, 1);
		r.scheduled_at = store__column_time(stmt, 2);
		r.kind = (const char *)sqlite3_column_text(stmt, 3);
		r.state = (const char *)sqlite3_column_text(stmt, 4);
		r.execution_name = (const char *)sqlite3_column_text(stmt, 5);
		r.http_status = sqlite3_column_int(stmt, 6);
		r.error = (const char *)sqlite3_column_text(stmt, 7);
		r.attempts = sqlite3_column_int(stmt, 8);
		r.phase = (const char *)sqlite3_column_text(stmt, 9);
		r.recorded_at = store__column_time(stmt, 10);
		r.sent_at = store__column_time(stmt, 11);
		if ((ret = cb(&r, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_run_each(struct store *st, const struct run_filter *f, store_run_cb cb,
    void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, f->name != NULL ? STMT_RUN_EACH_NAME :
	    STMT_RUN_EACH, &stmt, e) == -1)
		return -1;
	if (f->name != NULL)
		store__bind_text(stmt, 1, f->name);
	store__bind_text(stmt, 2, f->state);
	sqlite3_bind_int(stmt, 3, f->limit > 0 ? f->limit : -1);
	store__bind_text(stmt, 4, f->phase);
	if (f->since != 0)
		store__bind_time(stmt, 5, f->since);
	store__bind_text(stmt, 6, f->names);
	return run_walk(st, stmt, cb, arg, e);
}

int
store_run_get(struct store *st, const char *name, int64_t scheduled_at,
    store_run_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_GET, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, name);
	store__bind_time(stmt, 2, scheduled_at);
	return run_walk(st, stmt, cb, arg, e);
}

int
store_run_request(struct store *st, const struct schedule *s,
    int64_t scheduled_at, const char *kind, int64_t now, int *inserted,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_REQUEST, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, s->id);
	store__bind_text(stmt, 2, s->name);
	store__bind_time(stmt, 3, scheduled_at);
	store__bind_text(stmt, 4, kind);
	store__bind_time(stmt, 5, now);
	if (store__step_done(st, stmt, s->name, e) == -1)
		return -1;
	*inserted = sqlite3_changes(st->db) > 0;
	return 0;
}

int
store_runs_prune(struct store *st, int64_t cutoff, int batch, int *deleted,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUNS_PRUNE, &stmt, e) == -1)
		return -1;
	store__bind_time(stmt, 1, cutoff);
	sqlite3_bind_int(stmt, 2, batch);
	if (store__step_done(st, stmt, "", e) == -1)
		return -1;
	*deleted = sqlite3_changes(st->db);
	return 0;
}

/* The id and state of the existing run of (schedule_name, instant). */
static int
run_existing(struct store *st, const char *schedule_name, int64_t instant,
    int64_t *run_id, enum run_state *state, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = -1;

	if (store__statement(st, STMT_RUN_FIRE_EXISTING, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, schedule_name);
	store__bind_time(stmt, 2, instant);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		err_set_code(e, EX_TEMPFAIL, "database %s: %s: the existing run "
		    "at that instant went away", st->path, schedule_name);
	else if (rc != SQLITE_ROW)
		store__fail(st, rc, schedule_name, e);
	else if (run_state_parse((const char *)sqlite3_column_text(stmt, 1),
	    state) == -1)
		err_set_code(e, EX_DATAERR, "database %s: %s: a run has an "
		    "unknown state", st->path, schedule_name);
	else {
		*run_id = sqlite3_column_int64(stmt, 0);
		ret = 0;
	}
	store__reset(stmt);
	return ret;
}

int
store_run_fire(struct store *st, int64_t schedule_id, const char *schedule_name,
    int64_t instant, const char *kind, const char *execution_name, int64_t now,
    int64_t *run_id, int *inserted, enum run_state *state, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*inserted = 0;
	if (store__statement(st, STMT_RUN_FIRE, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, schedule_id);
	store__bind_text(stmt, 2, schedule_name);
	store__bind_time(stmt, 3, instant);
	store__bind_text(stmt, 4, kind);
	store__bind_text(stmt, 5, execution_name);
	store__bind_time(stmt, 6, now);
	/*
	 * One row changed means it was inserted. Not RETURNING: that builds an
	 * ephemeral table per statement, a tenth of a burst's CPU.
	 */
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE &&
	    sqlite3_changes(st->db) == 1) {
		*run_id = sqlite3_last_insert_rowid(st->db);
		*state = RUN_PENDING;
		*inserted = 1;
	}
	if (rc != SQLITE_DONE)
		store__fail(st, rc, schedule_name, e);
	store__reset(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	if (*inserted)
		return 0;
	return run_existing(st, schedule_name, instant, run_id, state, e);
}

int
store_run_skip(struct store *st, int64_t schedule_id, const char *schedule_name,
    int64_t instant, const char *reason, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_SKIP, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, schedule_id);
	store__bind_text(stmt, 2, schedule_name);
	store__bind_time(stmt, 3, instant);
	store__bind_text(stmt, 4, reason);
	store__bind_time(stmt, 5, now);
	return store__step_done(st, stmt, schedule_name, e);
}

int
store_run_result(struct store *st, int64_t run_id, enum run_state state,
    const char *execution_name, long http_status, const char *error,
    int attempts, int64_t sent_at, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_RESULT, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 8, execution_name);
	sqlite3_bind_int64(stmt, 1, run_id);
	/* Out of range: NULL, which the NOT NULL constraint refuses. */
	store__bind_text(stmt, 2, run_state_name(state));
	if (http_status > 0)
		sqlite3_bind_int64(stmt, 3, http_status);
	store__bind_text(stmt, 4, error);
	sqlite3_bind_int(stmt, 5, attempts);
	if (sent_at > 0)
		store__bind_time(stmt, 6, sent_at);
	store__bind_time(stmt, 7, now);
	return store__step_done(st, stmt, "", e);
}

int
store_run_request_body(struct store *st, int64_t run_id, const char *request,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_REQUEST_BODY, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	store__bind_text(stmt, 2, request);
	return store__step_done(st, stmt, "", e);
}

int
store_run_withdraw(struct store *st, int64_t run_id, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_WITHDRAW, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	return store__step_done(st, stmt, "", e);
}

int
store_run_peer(struct store *st, int64_t run_id, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_PEER, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	return store__step_done(st, stmt, "", e);
}

int
store_run_phase(struct store *st, int64_t run_id, const char *phase,
    int64_t started_at, int64_t ended_at, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_RUN_PHASE, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	store__bind_text(stmt, 2, phase);
	if (started_at > 0)
		store__bind_time(stmt, 3, started_at);
	if (ended_at > 0)
		store__bind_time(stmt, 4, ended_at);
	return store__step_done(st, stmt, "", e);
}

int
store_watch_each(struct store *st, int64_t since, store_watch_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt		*stmt;
	struct store_watch	 w;
	int			 rc, ret = 0;

	if (store__statement(st, STMT_WATCH_EACH, &stmt, e) == -1)
		return -1;
	store__bind_time(stmt, 1, since);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		w.run_id = sqlite3_column_int64(stmt, 0);
		w.schedule_id = sqlite3_column_int64(stmt, 1);
		w.request = (const char *)sqlite3_column_text(stmt, 2);
		w.phase = (const char *)sqlite3_column_text(stmt, 3);
		if ((ret = cb(&w, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_pending_each(struct store *st, int64_t after, store_pending_cb cb,
    void *arg, struct err *e)
{
	sqlite3_stmt		*stmt;
	struct store_pending	 p;
	int			 rc, ret = 0;

	if (store__statement(st, STMT_PENDING_EACH, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		p.run_id = sqlite3_column_int64(stmt, 0);
		p.schedule_id = sqlite3_column_int64(stmt, 1);
		p.schedule_name = (const char *)sqlite3_column_text(stmt, 2);
		p.scheduled_at = store__column_time(stmt, 3);
		p.kind = (const char *)sqlite3_column_text(stmt, 4);
		p.execution_name = (const char *)sqlite3_column_text(stmt, 5);
		p.attempts = sqlite3_column_int(stmt, 6);
		p.request = (const char *)sqlite3_column_text(stmt, 7);
		p.recorded_at = store__column_time(stmt, 8);
		if ((ret = cb(&p, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}
