/* store.c: the SQLite database: schema migrations, schedules, runs and changes. All SQL lives here. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schedd/civil.h"
#include "schedd/schema.h"
#include "schedd/store.h"

#define APPLICATION_ID	1396918340	/* "SCHD", set by 001_init.sql */

struct store {
	sqlite3	*db;
	char	*path;
};

#define SCHEDULE_COLUMNS						\
	"id, name, project, domain, launch_plan, version, cron, tz, "	\
	"inputs, kickoff_input, labels, annotations, service_account, "	\
	"catchup, catchup_window, overlap, paused, note, created_at, "	\
	"updated_at, active_since"

/* Fill e from the connection's last error, with a sysexits code for its kind. */
static int
fail_sqlite(struct store *st, int rc, const char *what, struct err *e)
{
	int	code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err_set_code(e, EX_TEMPFAIL, "database %s is locked (still "
		    "busy after %d ms); try again", st->path,
		    STORE_BUSY_TIMEOUT_MS);
		return -1;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
		code = EX_DATAERR;
		break;
	case SQLITE_NOMEM:
	case SQLITE_INTERNAL:
	case SQLITE_MISUSE:
	case SQLITE_ERROR:
		code = EX_SOFTWARE;
		break;
	default:	/* NOTADB, CORRUPT, READONLY, IOERR, FULL, CANTOPEN, PERM, ... */
		code = EX_IOERR;
		break;
	}
	err_set_code(e, code, "database %s: %s%s%s", st->path, what,
	    *what ? ": " : "", sqlite3_errmsg(st->db));
	return -1;
}

static int
exec_sql(struct store *st, const char *sql, const char *what, struct err *e)
{
	int	rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return fail_sqlite(st, rc, what, e);
	return 0;
}

/* Step a one-shot write and finalize it. Returns 0, or -1 with e (what names the row). */
static int
step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *e)
{
	int	rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : fail_sqlite(st, rc, what, e);
}

/*
 * The end of a walk over rows: rc is the last step's result, ret the
 * callbacks' (-1 stopped the walk). A step error fails; stmt is finalized.
 */
static int
walk_end(struct store *st, sqlite3_stmt *stmt, int rc, int ret, struct err *e)
{
	if (ret == 0 && rc != SQLITE_DONE)
		ret = fail_sqlite(st, rc, "", e);
	sqlite3_finalize(stmt);
	return ret;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
	int	rc;

	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL)) != SQLITE_OK)
		return fail_sqlite(st, rc, "", e);
	return 0;
}

/* One integer from a query without parameters (a PRAGMA). */
static int
query_int(struct store *st, const char *sql, int64_t *value, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (prepare(st, sql, &stmt, e) == -1)
		return -1;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		fail_sqlite(st, rc, "", e);
		sqlite3_finalize(stmt);
		return -1;
	}
	*value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int
bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, text, -1, SQLITE_TRANSIENT);
}

static int
bind_time(sqlite3_stmt *stmt, int i, int64_t t)
{
	char	buf[32];

	if (civil_format_rfc3339(t, 0, buf, sizeof(buf)) == -1)
		return SQLITE_RANGE;
	return sqlite3_bind_text(stmt, i, buf, -1, SQLITE_TRANSIENT);
}

/* A column as a new string, or NULL for SQL NULL. Sets *oom on allocation failure. */
static char *
column_text(sqlite3_stmt *stmt, int i, int *oom)
{
	const unsigned char	*text = sqlite3_column_text(stmt, i);
	char			*copy;

	if (text == NULL)
		return NULL;
	if ((copy = strdup((const char *)text)) == NULL)
		*oom = 1;
	return copy;
}

static int64_t
column_time(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*text = sqlite3_column_text(stmt, i);
	int64_t			 t = 0;

	if (text != NULL)
		civil_parse_rfc3339((const char *)text, &t, NULL);
	return t;
}

/* Apply the migrations the database lacks, in one transaction. */
static int
migrate(struct store *st, struct err *e)
{
	int64_t	version;

	if (store_begin(st, e) == -1)
		return -1;
	/* Read again under the write lock: another process may have migrated. */
	if (query_int(st, "PRAGMA user_version", &version, e) == -1)
		goto fail;
	if (version > schema_migration_count) {
		err_set_code(e, EX_DATAERR, "database %s has schema version "
		    "%lld, newer than this schedd's %d; upgrade schedd",
		    st->path, (long long)version, schema_migration_count);
		goto fail;
	}
	for (int i = 0; i < schema_migration_count; i++) {
		char	pragma[64];

		if (schema_migrations[i].version <= version)
			continue;
		if (exec_sql(st, schema_migrations[i].sql,
		    schema_migrations[i].file, e) == -1)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    schema_migrations[i].version);
		if (exec_sql(st, pragma, "", e) == -1)
			goto fail;
	}
	return store_commit(st, e);
 fail:
	store_rollback(st);
	return -1;
}

/*
 * Switch to WAL. Changing the journal mode does not wait on the busy
 * handler, so a process opening the file at the same moment is waited for
 * here, up to the busy timeout.
 */
static int
set_wal(struct store *st, struct err *e)
{
	int	rc = SQLITE_OK;

	for (int waited = 0; waited <= STORE_BUSY_TIMEOUT_MS; waited += 20) {
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL,
		    NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		sqlite3_sleep(20);
	}
	return rc == SQLITE_OK ? 0 : fail_sqlite(st, rc, "", e);
}

/* Refuse files that are not ours, and schemas newer than ours, before changing anything. */
static int
check_identity(struct store *st, int64_t *version, struct err *e)
{
	int64_t	app_id, objects;

	/* One read transaction: another process may be migrating right now. */
	if (exec_sql(st, "BEGIN", "", e) == -1)
		return -1;
	if (query_int(st, "PRAGMA application_id", &app_id, e) == -1 ||
	    query_int(st, "PRAGMA user_version", version, e) == -1 ||
	    query_int(st, "SELECT count(*) FROM sqlite_master", &objects,
	    e) == -1) {
		store_rollback(st);
		return -1;
	}
	store_rollback(st);
	if (app_id != APPLICATION_ID && (app_id != 0 || objects > 0)) {
		err_set_code(e, EX_DATAERR, "database %s is not a schedd "
		    "database", st->path);
		return -1;
	}
	if (*version > schema_migration_count) {
		err_set_code(e, EX_DATAERR, "database %s has schema version "
		    "%lld, newer than this schedd's %d; upgrade schedd",
		    st->path, (long long)*version, schema_migration_count);
		return -1;
	}
	return 0;
}

int
store_open(const char *path, int flags, struct store **out, struct err *e)
{
	struct store	*st;
	int		 oflags, rc;
	int64_t		 version;

	if (!(flags & STORE_CREATE) && access(path, F_OK) == -1) {
		err_set_code(e, EX_NOINPUT, "database %s does not exist",
		    path);
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | ((flags & STORE_CREATE) ?
	    SQLITE_OPEN_CREATE : 0);
	if ((rc = sqlite3_open_v2(path, &st->db, oflags, NULL)) != SQLITE_OK) {
		int	saved = errno;

		if ((flags & STORE_CREATE) && access(path, F_OK) == -1)
			err_set_code(e, EX_CANTCREAT, "cannot create database "
			    "%s: %s", path, strerror(saved ? saved : EACCES));
		else
			fail_sqlite(st, rc, "cannot open", e);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (check_identity(st, &version, e) == -1 ||
	    exec_sql(st, "PRAGMA foreign_keys = ON", "", e) == -1)
		goto fail;
	if (!(flags & STORE_READONLY)) {
		/* FULL: a committed pending run survives power loss. */
		if (set_wal(st, e) == -1 ||
		    exec_sql(st, "PRAGMA synchronous = FULL", "", e) == -1)
			goto fail;
		if (version < schema_migration_count && migrate(st, e) == -1)
			goto fail;
	} else if (version < schema_migration_count) {
		err_set_code(e, EX_DATAERR, "database %s has schema version "
		    "%lld, older than this schedd's %d; open it for writing "
		    "once to upgrade", path, (long long)version,
		    schema_migration_count);
		goto fail;
	}
	*out = st;
	return 0;
 fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_rollback(st);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

int
store_schema_version(struct store *st)
{
	int64_t	version = -1;

	query_int(st, "PRAGMA user_version", &version, NULL);
	return (int)version;
}

int
store_begin(struct store *st, struct err *e)
{
	return exec_sql(st, "BEGIN IMMEDIATE", "", e);
}

int
store_commit(struct store *st, struct err *e)
{
	if (exec_sql(st, "COMMIT", "", e) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Read the current row of a SCHEDULE_COLUMNS query into s. */
static int
read_schedule(sqlite3_stmt *stmt, struct schedule *s, struct err *e)
{
	int	oom = 0;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(stmt, 0);
	s->name = column_text(stmt, 1, &oom);
	s->project = column_text(stmt, 2, &oom);
	s->domain = column_text(stmt, 3, &oom);
	s->launch_plan = column_text(stmt, 4, &oom);
	s->version = column_text(stmt, 5, &oom);
	s->cron = column_text(stmt, 6, &oom);
	s->tz = column_text(stmt, 7, &oom);
	s->inputs = column_text(stmt, 8, &oom);
	s->kickoff_input = column_text(stmt, 9, &oom);
	s->labels = column_text(stmt, 10, &oom);
	s->annotations = column_text(stmt, 11, &oom);
	s->service_account = column_text(stmt, 12, &oom);
	s->catchup = column_text(stmt, 13, &oom);
	s->catchup_window = sqlite3_column_int64(stmt, 14);
	s->overlap = column_text(stmt, 15, &oom);
	s->paused = sqlite3_column_int(stmt, 16);
	s->note = column_text(stmt, 17, &oom);
	s->created_at = column_time(stmt, 18);
	s->updated_at = column_time(stmt, 19);
	s->active_since = column_time(stmt, 20);
	if (oom) {
		schedule_clear(s);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

int
store_schedule_get(struct store *st, const char *name, struct schedule *s,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, ret = -1;

	if (prepare(st, "SELECT " SCHEDULE_COLUMNS
	    " FROM schedules WHERE name = ?1", &stmt, e) == -1)
		return -1;
	bind_text(stmt, 1, name);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = read_schedule(stmt, s, e);
	else if (rc == SQLITE_DONE)
		err_set_code(e, EX_NOINPUT, "no schedule named \"%s\"", name);
	else
		fail_sqlite(st, rc, "", e);
	sqlite3_finalize(stmt);
	return ret;
}

int
store_schedule_put(struct store *st, struct schedule *s, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (prepare(st, s->id == 0 ?
	    "INSERT INTO schedules (name, project, domain, launch_plan, "
	    "version, cron, tz, inputs, kickoff_input, labels, annotations, "
	    "service_account, catchup, catchup_window, overlap, paused, note, "
	    "created_at, updated_at, active_since) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	    "?19, ?20)" :
	    "UPDATE schedules SET name = ?1, project = ?2, domain = ?3, "
	    "launch_plan = ?4, version = ?5, cron = ?6, tz = ?7, inputs = ?8, "
	    "kickoff_input = ?9, labels = ?10, annotations = ?11, "
	    "service_account = ?12, catchup = ?13, catchup_window = ?14, "
	    "overlap = ?15, paused = ?16, note = ?17, created_at = ?18, "
	    "updated_at = ?19, active_since = ?20 WHERE id = ?21",
	    &stmt, e) == -1)
		return -1;
	if (bind_text(stmt, 1, s->name) || bind_text(stmt, 2, s->project) ||
	    bind_text(stmt, 3, s->domain) ||
	    bind_text(stmt, 4, s->launch_plan) ||
	    bind_text(stmt, 5, s->version) || bind_text(stmt, 6, s->cron) ||
	    bind_text(stmt, 7, s->tz) || bind_text(stmt, 8, s->inputs) ||
	    bind_text(stmt, 9, s->kickoff_input) ||
	    bind_text(stmt, 10, s->labels) ||
	    bind_text(stmt, 11, s->annotations) ||
	    bind_text(stmt, 12, s->service_account) ||
	    bind_text(stmt, 13, s->catchup) ||
	    sqlite3_bind_int64(stmt, 14, s->catchup_window) ||
	    bind_text(stmt, 15, s->overlap) ||
	    sqlite3_bind_int(stmt, 16, s->paused) ||
	    bind_text(stmt, 17, s->note) || bind_time(stmt, 18, s->created_at) ||
	    bind_time(stmt, 19, s->updated_at) ||
	    bind_time(stmt, 20, s->active_since) ||
	    (s->id != 0 && sqlite3_bind_int64(stmt, 21, s->id))) {
		fail_sqlite(st, SQLITE_RANGE, "", e);
		goto fail;
	}
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		fail_sqlite(st, rc, s->name, e);
		goto fail;
	}
	if (s->id == 0)
		s->id = sqlite3_last_insert_rowid(st->db);
	else if (sqlite3_changes(st->db) == 0) {
		err_set_code(e, EX_NOINPUT, "no schedule named \"%s\" (removed "
		    "meanwhile)", s->name);
		goto fail;
	}
	sqlite3_finalize(stmt);
	return 0;
 fail:
	sqlite3_finalize(stmt);
	return -1;
}

int
store_schedule_delete(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "DELETE FROM schedules WHERE id = ?1", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return step_done(st, stmt, "", e);
}

int
store_schedule_each(struct store *st, store_schedule_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	struct schedule	 s;
	int		 rc, ret = 0;

	if (prepare(st, "SELECT " SCHEDULE_COLUMNS
	    " FROM schedules ORDER BY name", &stmt, e) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (read_schedule(stmt, &s, e) == -1) {
			ret = -1;
			break;
		}
		ret = cb(&s, arg, e);
		schedule_clear(&s);
		if (ret == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int
store_run_each(struct store *st, const char *name, const char *state,
    int limit, store_run_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	struct run	 r;
	int		 rc, ret = 0;

	if (prepare(st, "SELECT id, schedule_name, scheduled_at, kind, state, "
	    "execution_name, http_status, error, attempts, phase, recorded_at, "
	    "sent_at FROM runs WHERE (?1 IS NULL OR schedule_name = ?1) AND "
	    "(?2 IS NULL OR state = ?2) ORDER BY scheduled_at DESC, id DESC "
	    "LIMIT ?3", &stmt, e) == -1)
		return -1;
	bind_text(stmt, 1, name);
	bind_text(stmt, 2, state);
	sqlite3_bind_int(stmt, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(stmt, 0);
		r.schedule_name = (const char *)sqlite3_column_text(stmt, 1);
		r.scheduled_at = column_time(stmt, 2);
		r.kind = (const char *)sqlite3_column_text(stmt, 3);
		r.state = (const char *)sqlite3_column_text(stmt, 4);
		r.execution_name = (const char *)sqlite3_column_text(stmt, 5);
		r.http_status = sqlite3_column_int(stmt, 6);
		r.error = (const char *)sqlite3_column_text(stmt, 7);
		r.attempts = sqlite3_column_int(stmt, 8);
		r.phase = (const char *)sqlite3_column_text(stmt, 9);
		r.recorded_at = column_time(stmt, 10);
		r.sent_at = column_time(stmt, 11);
		if ((ret = cb(&r, arg, e)) == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int
store_run_request(struct store *st, const struct schedule *s,
    int64_t scheduled_at, const char *kind, int64_t now, int *inserted,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (prepare(st, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, kind, state, recorded_at) VALUES (?1, ?2, ?3, ?4, "
	    "'pending', ?5) ON CONFLICT (schedule_name, scheduled_at) DO "
	    "NOTHING", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, s->id);
	bind_text(stmt, 2, s->name);
	bind_time(stmt, 3, scheduled_at);
	bind_text(stmt, 4, kind);
	bind_time(stmt, 5, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return fail_sqlite(st, rc, s->name, e);
	*inserted = sqlite3_changes(st->db) > 0;
	return 0;
}

int
store_runs_prune(struct store *st, int64_t cutoff, int batch, int *deleted,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (prepare(st, "DELETE FROM runs WHERE id IN (SELECT id FROM runs "
	    "WHERE scheduled_at < ?1 AND state != 'pending' ORDER BY "
	    "scheduled_at LIMIT ?2)", &stmt, e) == -1)
		return -1;
	bind_time(stmt, 1, cutoff);
	sqlite3_bind_int(stmt, 2, batch);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return fail_sqlite(st, rc, "", e);
	*deleted = sqlite3_changes(st->db);
	return 0;
}

int
store_timing_each(struct store *st, int64_t id, const char *name,
    store_timing_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_timing	 t;
	int			 rc, ret = 0;

	if (prepare(st, "SELECT s.id, s.name, s.cron, s.tz, s.created_at, "
	    "s.active_since, s.paused, s.catchup, s.catchup_window, s.overlap, "
	    "(SELECT max(r.scheduled_at) FROM runs r WHERE r.schedule_id = s.id "
	    "AND r.kind IN ('scheduled', 'catchup')) FROM schedules s "
	    "WHERE (?1 IS NULL OR s.name = ?1) AND (?2 = 0 OR s.id = ?2)",
	    &stmt, e) == -1)
		return -1;
	bind_text(stmt, 1, name);
	sqlite3_bind_int64(stmt, 2, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(stmt, 0);
		t.name = (const char *)sqlite3_column_text(stmt, 1);
		t.cron = (const char *)sqlite3_column_text(stmt, 2);
		t.tz = (const char *)sqlite3_column_text(stmt, 3);
		t.created_at = column_time(stmt, 4);
		t.active_since = column_time(stmt, 5);
		t.paused = sqlite3_column_int(stmt, 6);
		t.catchup = (const char *)sqlite3_column_text(stmt, 7);
		t.catchup_window = sqlite3_column_int64(stmt, 8);
		t.overlap = (const char *)sqlite3_column_text(stmt, 9);
		t.last_instant = column_time(stmt, 10);
		if ((ret = cb(&t, arg, e)) == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int
store_changes_since(struct store *st, int64_t after, int64_t *last,
    store_changed_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, ret = 0;

	if (prepare(st, "SELECT max(id), coalesce(max(schedule_id), 0), "
	    "schedule_name FROM changes WHERE id > ?1 GROUP BY schedule_name "
	    "ORDER BY max(id)", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	*last = after;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_int64(stmt, 0) > *last)
			*last = sqlite3_column_int64(stmt, 0);
		if (cb != NULL && (ret = cb(sqlite3_column_int64(stmt, 1),
		    (const char *)sqlite3_column_text(stmt, 2), arg, e)) == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int64_t
store_data_version(struct store *st)
{
	int64_t	version = -1;

	query_int(st, "PRAGMA data_version", &version, NULL);
	return version;
}

int
store_run_fire(struct store *st, int64_t schedule_id, const char *schedule_name,
    int64_t instant, const char *kind, const char *execution_name, int64_t now,
    int64_t *run_id, char state[16], struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	state[0] = '\0';
	/* RETURNING gives a row only when the insert happened. */
	if (prepare(st, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, kind, state, execution_name, recorded_at) VALUES "
	    "(?1, ?2, ?3, ?4, 'pending', ?5, ?6) ON CONFLICT (schedule_name, "
	    "scheduled_at) DO NOTHING RETURNING id", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, schedule_id);
	bind_text(stmt, 2, schedule_name);
	bind_time(stmt, 3, instant);
	bind_text(stmt, 4, kind);
	bind_text(stmt, 5, execution_name);
	bind_time(stmt, 6, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*run_id = sqlite3_column_int64(stmt, 0);
		snprintf(state, 16, "new");
		rc = sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return fail_sqlite(st, rc, schedule_name, e);
	if (strcmp(state, "new") == 0)
		return 0;
	if (prepare(st, "SELECT id, state FROM runs WHERE schedule_name = ?1 "
	    "AND scheduled_at = ?2", &stmt, e) == -1)
		return -1;
	bind_text(stmt, 1, schedule_name);
	bind_time(stmt, 2, instant);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*run_id = sqlite3_column_int64(stmt, 0);
		snprintf(state, 16, "%s", sqlite3_column_text(stmt, 1));
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : fail_sqlite(st, rc, schedule_name, e);
}

int
store_run_skip(struct store *st, int64_t schedule_id, const char *schedule_name,
    int64_t instant, const char *reason, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, kind, state, error, recorded_at, finished_at) VALUES "
	    "(?1, ?2, ?3, 'catchup', 'skipped', ?4, ?5, ?5) ON CONFLICT "
	    "(schedule_name, scheduled_at) DO NOTHING", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, schedule_id);
	bind_text(stmt, 2, schedule_name);
	bind_time(stmt, 3, instant);
	bind_text(stmt, 4, reason);
	bind_time(stmt, 5, now);
	return step_done(st, stmt, schedule_name, e);
}

int
store_run_result(struct store *st, int64_t run_id, const char *state,
    const char *execution_name, long http_status, const char *error,
    int attempts, int64_t sent_at, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "UPDATE runs SET state = ?2, http_status = ?3, "
	    "error = ?4, attempts = attempts + ?5, sent_at = coalesce(sent_at, "
	    "?6), finished_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?7 END, "
	    "execution_name = coalesce(execution_name, ?8) WHERE id = ?1",
	    &stmt, e) == -1)
		return -1;
	bind_text(stmt, 8, execution_name);
	sqlite3_bind_int64(stmt, 1, run_id);
	bind_text(stmt, 2, state);
	if (http_status > 0)
		sqlite3_bind_int64(stmt, 3, http_status);
	bind_text(stmt, 4, error);
	sqlite3_bind_int(stmt, 5, attempts);
	if (sent_at > 0)
		bind_time(stmt, 6, sent_at);
	bind_time(stmt, 7, now);
	return step_done(st, stmt, "", e);
}

int
store_run_request_body(struct store *st, int64_t run_id, const char *request,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "UPDATE runs SET request = ?2 WHERE id = ?1", &stmt,
	    e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	bind_text(stmt, 2, request);
	return step_done(st, stmt, "", e);
}

int
store_run_phase(struct store *st, int64_t run_id, const char *phase,
    int64_t started_at, int64_t ended_at, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "UPDATE runs SET phase = ?2, started_at = coalesce(?3, "
	    "started_at), ended_at = coalesce(?4, ended_at) WHERE id = ?1",
	    &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, run_id);
	bind_text(stmt, 2, phase);
	if (started_at > 0)
		bind_time(stmt, 3, started_at);
	if (ended_at > 0)
		bind_time(stmt, 4, ended_at);
	return step_done(st, stmt, "", e);
}

int
store_watch_each(struct store *st, int64_t since, store_watch_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_watch	 w;
	int			 rc, ret = 0;

	if (prepare(st, "SELECT id, coalesce(schedule_id, 0), request, phase "
	    "FROM runs WHERE state = 'created' AND request IS NOT NULL AND "
	    "recorded_at >= ?1 AND (phase IS NULL OR phase NOT IN ('SUCCEEDED', "
	    "'FAILED', 'ABORTED', 'TIMED_OUT')) ORDER BY scheduled_at, id",
	    &stmt, e) == -1)
		return -1;
	bind_time(stmt, 1, since);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		w.run_id = sqlite3_column_int64(stmt, 0);
		w.schedule_id = sqlite3_column_int64(stmt, 1);
		w.request = (const char *)sqlite3_column_text(stmt, 2);
		w.phase = (const char *)sqlite3_column_text(stmt, 3);
		if ((ret = cb(&w, arg, e)) == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int
store_pending_each(struct store *st, int64_t after, store_pending_cb cb,
    void *arg, struct err *e)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_pending	 p;
	int			 rc, ret = 0;

	if (prepare(st, "SELECT id, coalesce(schedule_id, 0), schedule_name, "
	    "scheduled_at, kind, execution_name, attempts, request, recorded_at "
	    "FROM runs "
	    "WHERE state = 'pending' AND id > ?1 ORDER BY id", &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, after);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		p.run_id = sqlite3_column_int64(stmt, 0);
		p.schedule_id = sqlite3_column_int64(stmt, 1);
		p.schedule_name = (const char *)sqlite3_column_text(stmt, 2);
		p.scheduled_at = column_time(stmt, 3);
		p.kind = (const char *)sqlite3_column_text(stmt, 4);
		p.execution_name = (const char *)sqlite3_column_text(stmt, 5);
		p.attempts = sqlite3_column_int(stmt, 6);
		p.request = (const char *)sqlite3_column_text(stmt, 7);
		p.recorded_at = column_time(stmt, 8);
		if ((ret = cb(&p, arg, e)) == -1)
			break;
	}
	return walk_end(st, stmt, rc, ret, e);
}

int
store_heartbeat(struct store *st, int64_t pid, const char *host,
    const char *version, int64_t started_at, int64_t now, int stopped,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "INSERT INTO daemon (id, pid, host, version, "
	    "started_at, heartbeat_at, stopped_at) VALUES (1, ?1, ?2, ?3, ?4, "
	    "?5, CASE WHEN ?6 THEN ?5 END) ON CONFLICT (id) DO UPDATE SET "
	    "pid = excluded.pid, host = excluded.host, version = "
	    "excluded.version, started_at = excluded.started_at, heartbeat_at "
	    "= excluded.heartbeat_at, stopped_at = excluded.stopped_at",
	    &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, pid);
	bind_text(stmt, 2, host);
	bind_text(stmt, 3, version);
	bind_time(stmt, 4, started_at);
	bind_time(stmt, 5, now);
	sqlite3_bind_int(stmt, 6, stopped);
	return step_done(st, stmt, "", e);
}

int
store_heartbeat_touch(struct store *st, int64_t now, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;

	if (prepare(st, "UPDATE daemon SET heartbeat_at = ?1 WHERE id = 1",
	    &stmt, e) == -1)
		return -1;
	bind_time(stmt, 1, now);
	return step_done(st, stmt, "", e);
}

int
store_status(struct store *st, int64_t now, int64_t late_threshold,
    struct store_status *out, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	char		 since[32];
	int		 rc;

	memset(out, 0, sizeof(*out));
	civil_format_rfc3339(now - 86400, 0, since, sizeof(since));
	if (prepare(st, "SELECT (SELECT count(*) FROM schedules), "
	    "(SELECT count(*) FROM schedules WHERE paused), "
	    "(SELECT count(*) FROM runs WHERE state = 'pending'), "
	    "(SELECT min(scheduled_at) FROM runs WHERE state = 'pending'), "
	    "(SELECT count(*) FROM failing_schedules), "
	    "(SELECT count(*) FROM late_fires WHERE scheduled_at >= ?1 AND "
	    "late_seconds > ?2), "
	    "(SELECT pid FROM daemon), (SELECT host FROM daemon), "
	    "(SELECT heartbeat_at FROM daemon), (SELECT stopped_at FROM daemon)",
	    &stmt, e) == -1)
		return -1;
	bind_text(stmt, 1, since);
	sqlite3_bind_int64(stmt, 2, late_threshold);
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return fail_sqlite(st, rc, "", e);
	}
	out->schedules = sqlite3_column_int64(stmt, 0);
	out->paused = sqlite3_column_int64(stmt, 1);
	out->pending = sqlite3_column_int64(stmt, 2);
	out->oldest_pending = column_time(stmt, 3);
	out->failing = sqlite3_column_int64(stmt, 4);
	out->late_day = sqlite3_column_int64(stmt, 5);
	out->daemon_known = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
	out->daemon_pid = sqlite3_column_int64(stmt, 6);
	if (sqlite3_column_text(stmt, 7) != NULL)
		snprintf(out->daemon_host, sizeof(out->daemon_host), "%s",
		    sqlite3_column_text(stmt, 7));
	out->daemon_heartbeat = column_time(stmt, 8);
	out->daemon_stopped = column_time(stmt, 9);
	sqlite3_finalize(stmt);
	return 0;
}

int
store_failing_each(struct store *st, store_failing_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, ret = 0;

	if (prepare(st, "SELECT name, consecutive_failures, last_failure_at, "
	    "last_error FROM failing_schedules ORDER BY consecutive_failures "
	    "DESC, name", &stmt, e) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), column_time(stmt, 2),
		    (const char *)sqlite3_column_text(stmt, 3), arg, e)) == -1)
			break;
	return walk_end(st, stmt, rc, ret, e);
}

int
store_schedule_health_each(struct store *st, store_health_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, ret = 0;

	/*
	 * failing_schedules' counts, computed so that a scrape stays cheap:
	 * the view scans every run (2 s for a million, in the loop), this
	 * walks the (schedule_name, scheduled_at) index back from the newest
	 * run to the latest created one, then counts the failed runs after it.
	 */
	if (prepare(st, "SELECT x.name, (SELECT r.finished_at FROM runs r "
	    "WHERE r.schedule_name = x.name AND r.scheduled_at = x.created), "
	    "(SELECT count(*) FROM runs r WHERE r.schedule_name = x.name AND "
	    "r.scheduled_at > coalesce(x.created, '') AND r.state = 'failed') "
	    "FROM (SELECT s.name, (SELECT r.scheduled_at FROM runs r WHERE "
	    "r.schedule_name = s.name AND r.state = 'created' ORDER BY "
	    "r.scheduled_at DESC LIMIT 1) AS created FROM schedules s) x "
	    "ORDER BY x.name", &stmt, e) == -1)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((ret = cb((const char *)sqlite3_column_text(stmt, 0),
		    column_time(stmt, 1), sqlite3_column_int64(stmt, 2), arg,
		    e)) == -1)
			break;
	return walk_end(st, stmt, rc, ret, e);
}

int
store_writable(struct store *st, struct err *e)
{
	int	rc;

	if (!sqlite3_get_autocommit(st->db))
		return 0;	/* a transaction of ours is open: we hold the lock */
	/* A health check must not hold up the loop for the whole busy timeout. */
	sqlite3_busy_timeout(st->db, STORE_HEALTH_TIMEOUT_MS);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK) {
		store_rollback(st);
		return 0;
	}
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		err_set_code(e, EX_TEMPFAIL, "database %s is locked by another "
		    "connection (no write lock within %d ms)", st->path,
		    STORE_HEALTH_TIMEOUT_MS);
		return -1;
	}
	return fail_sqlite(st, rc, "cannot take the write lock", e);
}

int
store_change_record(struct store *st, int64_t at, const char *command,
    const struct schedule *s, const char *before, const char *after,
    struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	struct passwd	*pw = getpwuid(geteuid());
	char		 user[64];

	if (pw != NULL)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid %u", (unsigned)geteuid());
	if (prepare(st, "INSERT INTO changes (at, os_user, command, "
	    "schedule_name, before, after, schedule_id) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7)", &stmt, e) == -1)
		return -1;
	bind_time(stmt, 1, at);
	bind_text(stmt, 2, user);
	bind_text(stmt, 3, command);
	bind_text(stmt, 4, s->name);
	bind_text(stmt, 5, before);
	bind_text(stmt, 6, after);
	if (s->id != 0)
		sqlite3_bind_int64(stmt, 7, s->id);
	return step_done(st, stmt, "", e);
}
