/* store_schedules.c: the schedules table, its audit (changes) and what the daemon's queue reads of it. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "schedd/store.h"

#include "store_int.h"

#define SCHEDULE_COLUMNS						\
	"id, name, project, domain, launch_plan, version, cron, tz, "	\
	"inputs, kickoff_input, labels, annotations, service_account, "	\
	"catchup, catchup_window, overlap, paused, note, created_at, "	\
	"updated_at, active_since, source, matrix_entry_id, "		\
	"paused_by_operator, repinned_from"

/* What the daemon's queue needs of a schedule (struct store_timing). */
#define TIMING_SELECT							\
	"SELECT s.id, s.name, s.cron, s.tz, s.created_at, s.active_since, "	\
	"s.paused, s.catchup, s.catchup_window, s.overlap, "		\
	"(SELECT max(r.scheduled_at) FROM runs r "			\
	"WHERE r.schedule_id = s.id AND r.kind IN ('scheduled', 'catchup')) " \
	"FROM schedules s"

#define SQL(id)	[(id) - STMT_SCHEDULES_FIRST]

const struct store__sql	store__schedules_sql[STMT_RUNS_FIRST -
			    STMT_SCHEDULES_FIRST] = {
	SQL(STMT_SCHEDULE_GET) = { "schedule_get",
	    "SELECT " SCHEDULE_COLUMNS " FROM schedules WHERE name = ?1" },
	SQL(STMT_SCHEDULE_GET_ID) = { "schedule_get_id",
	    "SELECT " SCHEDULE_COLUMNS " FROM schedules WHERE id = ?1" },
	SQL(STMT_SCHEDULE_INSERT) = { "schedule_insert",
	    "INSERT INTO schedules (name, project, domain, launch_plan, "
	    "version, cron, tz, inputs, kickoff_input, labels, annotations, "
	    "service_account, catchup, catchup_window, overlap, paused, note, "
	    "created_at, updated_at, active_since, source, matrix_entry_id, "
	    "paused_by_operator, repinned_from) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
	    "?20, ?22, ?23, ?24, ?25)" },
	SQL(STMT_SCHEDULE_UPDATE) = { "schedule_update",
	    "UPDATE schedules SET name = ?1, project = ?2, domain = ?3, "
	    "launch_plan = ?4, version = ?5, cron = ?6, tz = ?7, inputs = ?8, "
	    "kickoff_input = ?9, labels = ?10, annotations = ?11, "
	    "service_account = ?12, catchup = ?13, catchup_window = ?14, "
	    "overlap = ?15, paused = ?16, note = ?17, created_at = ?18, "
	    "updated_at = ?19, active_since = ?20, source = ?22, "
	    "matrix_entry_id = ?23, paused_by_operator = ?24, "
	    "repinned_from = ?25 WHERE id = ?21" },
	SQL(STMT_SCHEDULE_DELETE) = { "schedule_delete",
	    "DELETE FROM schedules WHERE id = ?1" },
	SQL(STMT_SCHEDULE_EACH) = { "schedule_each",
	    "SELECT " SCHEDULE_COLUMNS " FROM schedules ORDER BY name" },
	SQL(STMT_CHANGE_RECORD) = { "change_record",
	    "INSERT INTO changes (at, os_user, command, schedule_name, before, "
	    "after, schedule_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
	/*
	 * NOT INDEXED: read only the rows after ?1, by rowid. Left to itself
	 * the planner walks all of changes_schedule to skip the GROUP BY sort.
	 */
	SQL(STMT_CHANGES_SINCE) = { "changes_since",
	    "SELECT max(id), coalesce(max(schedule_id), 0), schedule_name "
	    "FROM changes NOT INDEXED WHERE id > ?1 GROUP BY schedule_name "
	    "ORDER BY max(id)" },
	SQL(STMT_CHANGES_LAST) = { "changes_last",
	    "SELECT coalesce(max(id), ?1) FROM changes WHERE id > ?1" },
	SQL(STMT_TIMING_EACH) = { "timing_each", TIMING_SELECT },
	SQL(STMT_MATRIX_ENTRY_FIND) = { "matrix_entry_find",
	    "SELECT id FROM matrix_entries WHERE source = ?1 AND entry = ?2" },
	SQL(STMT_MATRIX_ENTRY_INSERT) = { "matrix_entry_insert",
	    "INSERT INTO matrix_entries (source, entry) VALUES (?1, ?2)" },
	SQL(STMT_MATRIX_ENTRY_GET) = { "matrix_entry_get",
	    "SELECT entry FROM matrix_entries WHERE id = ?1" },
	SQL(STMT_MATRIX_ENTRIES_PRUNE) = { "matrix_entries_prune",
	    "DELETE FROM matrix_entries WHERE id NOT IN (SELECT "
	    "matrix_entry_id FROM schedules WHERE matrix_entry_id IS NOT NULL)" },
	/* Two statements, not one with (?1 IS NULL OR ...): that one scans. */
	SQL(STMT_TIMING_GET_ID) = { "timing_get_id",
	    TIMING_SELECT " WHERE s.id = ?1" },
	SQL(STMT_TIMING_GET_NAME) = { "timing_get_name",
	    TIMING_SELECT " WHERE s.name = ?1" },
};

/* Read the current row of a SCHEDULE_COLUMNS query into s. */
static int
read_schedule(sqlite3_stmt *stmt, struct schedule *s, struct err *e)
{
	int	oom = 0;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(stmt, 0);
	s->name = store__column_text(stmt, 1, &oom);
	s->project = store__column_text(stmt, 2, &oom);
	s->domain = store__column_text(stmt, 3, &oom);
	s->launch_plan = store__column_text(stmt, 4, &oom);
	s->version = store__column_text(stmt, 5, &oom);
	s->cron = store__column_text(stmt, 6, &oom);
	s->tz = store__column_text(stmt, 7, &oom);
	s->inputs = store__column_text(stmt, 8, &oom);
	s->kickoff_input = store__column_text(stmt, 9, &oom);
	s->labels = store__column_text(stmt, 10, &oom);
	s->annotations = store__column_text(stmt, 11, &oom);
	s->service_account = store__column_text(stmt, 12, &oom);
	s->catchup = store__column_text(stmt, 13, &oom);
	s->catchup_window = sqlite3_column_int64(stmt, 14);
	s->overlap = store__column_text(stmt, 15, &oom);
	s->paused = sqlite3_column_int(stmt, 16);
	s->note = store__column_text(stmt, 17, &oom);
	s->created_at = store__column_time(stmt, 18);
	s->updated_at = store__column_time(stmt, 19);
	s->active_since = store__column_time(stmt, 20);
	s->source = store__column_text(stmt, 21, &oom);
	s->matrix_entry = sqlite3_column_int64(stmt, 22);
	s->paused_by_operator = sqlite3_column_int(stmt, 23);
	s->repinned_from = store__column_text(stmt, 24, &oom);
	if (oom) {
		schedule_clear(s);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Step a look-up of one schedule, bound to name (or to id when name is
 * NULL), and read its row into s. No row: EX_NOINPUT.
 */
static int
schedule_get_one(struct store *st, sqlite3_stmt *stmt, const char *name,
    int64_t id, struct schedule *s, struct err *e)
{
	int	rc, ret = -1;

	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = read_schedule(stmt, s, e);
	else if (rc != SQLITE_DONE)
		store__fail(st, rc, "", e);
	else if (name != NULL)
		err_set_code(e, EX_NOINPUT, "no schedule named \"%s\"", name);
	else
		err_set_code(e, EX_NOINPUT, "no schedule with id %" PRId64, id);
	store__reset(stmt);
	return ret;
}

int
store_schedule_get(struct store *st, const char *name, struct schedule *s,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_SCHEDULE_GET, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, name);
	return schedule_get_one(st, stmt, name, 0, s, e);
}

int
store_schedule_get_id(struct store *st, int64_t id, struct schedule *s,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_SCHEDULE_GET_ID, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return schedule_get_one(st, stmt, NULL, id, s, e);
}

int
store_schedule_put(struct store *st, struct schedule *s, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = -1;

	if (store__statement(st, s->id == 0 ? STMT_SCHEDULE_INSERT :
	    STMT_SCHEDULE_UPDATE, &stmt, e) == -1)
		return -1;
	if (store__bind_text(stmt, 1, s->name) ||
	    store__bind_text(stmt, 2, s->project) ||
	    store__bind_text(stmt, 3, s->domain) ||
	    store__bind_text(stmt, 4, s->launch_plan) ||
	    store__bind_text(stmt, 5, s->version) ||
	    store__bind_text(stmt, 6, s->cron) ||
	    store__bind_text(stmt, 7, s->tz) ||
	    store__bind_text(stmt, 8, s->inputs) ||
	    store__bind_text(stmt, 9, s->kickoff_input) ||
	    store__bind_text(stmt, 10, s->labels) ||
	    store__bind_text(stmt, 11, s->annotations) ||
	    store__bind_text(stmt, 12, s->service_account) ||
	    store__bind_text(stmt, 13, s->catchup) ||
	    sqlite3_bind_int64(stmt, 14, s->catchup_window) ||
	    store__bind_text(stmt, 15, s->overlap) ||
	    sqlite3_bind_int(stmt, 16, s->paused) ||
	    store__bind_text(stmt, 17, s->note) ||
	    store__bind_time(stmt, 18, s->created_at) ||
	    store__bind_time(stmt, 19, s->updated_at) ||
	    store__bind_time(stmt, 20, s->active_since) ||
	    (s->id != 0 && sqlite3_bind_int64(stmt, 21, s->id)) ||
	    store__bind_text(stmt, 22, s->source) ||
	    (s->matrix_entry != 0 ? sqlite3_bind_int64(stmt, 23,
	    s->matrix_entry) : sqlite3_bind_null(stmt, 23)) ||
	    sqlite3_bind_int(stmt, 24, s->paused_by_operator) ||
	    store__bind_text(stmt, 25, s->repinned_from)) {
		store__fail(st, SQLITE_RANGE, "", e);
		goto out;
	}
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) {
		store__fail(st, rc, s->name, e);
		goto out;
	}
	if (s->id == 0)
		s->id = sqlite3_last_insert_rowid(st->db);
	else if (sqlite3_changes(st->db) == 0) {
		err_set_code(e, EX_NOINPUT, "no schedule named \"%s\" (removed "
		    "meanwhile)", s->name);
		goto out;
	}
	ret = 0;
 out:
	store__reset(stmt);
	return ret;
}

int
store_schedule_delete(struct store *st, int64_t id, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_SCHEDULE_DELETE, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store__step_done(st, stmt, "", e);
}

int
store_schedule_each(struct store *st, store_schedule_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	struct schedule	 s;
	int		 rc, ret = 0;

	if (store__statement(st, STMT_SCHEDULE_EACH, &stmt, e) == -1)
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
	return store__walk_end(st, stmt, rc, ret, e);
}

struct digest_sum {
	uint64_t	digest;
	int64_t		count;
};

static int
digest_one(const struct schedule *s, void *arg, struct err *e)
{
	struct digest_sum	*sum = arg;

	(void)e;
	sum->digest += schedule_digest(s);
	sum->count++;
	return 0;
}

int
store_schedules_digest(struct store *st, uint64_t *digest, int64_t *count,
    struct err *e)
{
	struct digest_sum	sum = { 0, 0 };

	if (store_schedule_each(st, digest_one, &sum, e) == -1)
		return -1;
	*digest = sum.digest;
	*count = sum.count;
	return 0;
}

/* Hand each row of a TIMING_SELECT statement to cb. */
static int
timing_walk(struct store *st, sqlite3_stmt *stmt, store_timing_cb cb,
    void *arg, struct err *e)
{
	struct store_timing	t;
	int			rc, ret = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		t.id = sqlite3_column_int64(stmt, 0);
		t.name = (const char *)sqlite3_column_text(stmt, 1);
		t.cron = (const char *)sqlite3_column_text(stmt, 2);
		t.tz = (const char *)sqlite3_column_text(stmt, 3);
		t.created_at = store__column_time(stmt, 4);
		t.active_since = store__column_time(stmt, 5);
		t.paused = sqlite3_column_int(stmt, 6);
		t.catchup = (const char *)sqlite3_column_text(stmt, 7);
		t.catchup_window = sqlite3_column_int64(stmt, 8);
		t.overlap = (const char *)sqlite3_column_text(stmt, 9);
		t.last_instant = store__column_time(stmt, 10);
		if ((ret = cb(&t, arg, e)) == -1)
			break;
	}
	return store__walk_end(st, stmt, rc, ret, e);
}

int
store_timing_each(struct store *st, store_timing_cb cb, void *arg,
    struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_TIMING_EACH, &stmt, e) == -1)
		return -1;
	return timing_walk(st, stmt, cb, arg, e);
}

int
store_timing_get(struct store *st, int64_t id, const char *name,
    store_timing_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, id != 0 ? STMT_TIMING_GET_ID :
	    STMT_TIMING_GET_NAME, &stmt, e) == -1)
		return -1;
	if (id != 0)
		sqlite3_bind_int64(stmt, 1, id);
	else
		store__bind_text(stmt, 1, name);
	return timing_walk(st, stmt, cb, arg, e);
}

int
store_changes_since(struct store *st, int64_t after, int64_t *last,
    store_changed_cb cb, void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = 0;

	/* Without a callback only the newest id is wanted: no grouping. */
	if (store__statement(st, cb != NULL ? STMT_CHANGES_SINCE :
	    STMT_CHANGES_LAST, &stmt, e) == -1)
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
	return store__walk_end(st, stmt, rc, ret, e);
}

/*
 * Who made a change: the real user (members of the schedd group run
 * schedctl as themselves), or for root through sudo the user sudo names.
 * SUDO_USER is anyone's to set, so only root's is believed.
 */
static void
audit_user(char *buf, size_t len)
{
	const char	*sudo = getenv("SUDO_USER");
	struct passwd	*pw;
	uid_t		 uid = getuid();

	if (uid == 0 && sudo != NULL && *sudo != '\0' && strlen(sudo) < len) {
		memcpy(buf, sudo, strlen(sudo) + 1);
		return;
	}
	if ((pw = getpwuid(uid)) != NULL && strlen(pw->pw_name) < len)
		memcpy(buf, pw->pw_name, strlen(pw->pw_name) + 1);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
}

int
store_change_record(struct store *st, int64_t at, const char *command,
    const struct schedule *s, const char *before, const char *after,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	char		 user[64];

	audit_user(user, sizeof(user));
	if (store__statement(st, STMT_CHANGE_RECORD, &stmt, e) == -1)
		return -1;
	store__bind_time(stmt, 1, at);
	store__bind_text(stmt, 2, user);
	store__bind_text(stmt, 3, command);
	store__bind_text(stmt, 4, s->name);
	store__bind_text(stmt, 5, before);
	store__bind_text(stmt, 6, after);
	if (s->id != 0)
		sqlite3_bind_int64(stmt, 7, s->id);
	return store__step_done(st, stmt, "", e);
}


int
store_matrix_entry_put(struct store *st, const char *source, const char *entry,
    int64_t *id, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (store__statement(st, STMT_MATRIX_ENTRY_FIND, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, source);
	store__bind_text(stmt, 2, entry);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		store__reset(stmt);
		return 0;
	}
	if (rc != SQLITE_DONE) {
		store__fail(st, rc, "", e);
		store__reset(stmt);
		return -1;
	}
	store__reset(stmt);
	if (store__statement(st, STMT_MATRIX_ENTRY_INSERT, &stmt, e) == -1)
		return -1;
	store__bind_text(stmt, 1, source);
	store__bind_text(stmt, 2, entry);
	if (store__step_done(st, stmt, "", e) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_matrix_entry_get(struct store *st, int64_t id, char **entry,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, oom = 0, ret = -1;

	if (store__statement(st, STMT_MATRIX_ENTRY_GET, &stmt, e) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((*entry = store__column_text(stmt, 0, &oom)) == NULL || oom)
			err_set_code(e, EX_OSERR, "out of memory");
		else
			ret = 0;
	} else if (rc != SQLITE_DONE)
		store__fail(st, rc, "", e);
	else
		err_set_code(e, EX_NOINPUT, "no matrix entry with id %" PRId64,
		    id);
	store__reset(stmt);
	return ret;
}

int
store_matrix_entries_prune(struct store *st, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, STMT_MATRIX_ENTRIES_PRUNE, &stmt, e) == -1)
		return -1;
	return store__step_done(st, stmt, "", e);
}
