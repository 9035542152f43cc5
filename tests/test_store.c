/*
 * test_store.c: the SQLite store: opening, migrations, refusals, constraints,
 * schedules, runs, the audit table, the views, and concurrent writers.
 *
 * Every test works in its own directory made with mkdtemp under /tmp and
 * removes it. Rows are checked with a raw sqlite3 connection of the test's
 * own, not through the store, so a store that wrote the wrong thing cannot
 * also read it back "right".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "schedd/civil.h"
#include "schedd/schema.h"
#include "schedd/schedule.h"
#include "schedd/store.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define APPLICATION_ID	1396918340	/* "SCHD" */

/* ------------------------------------------------------------ fixture */

struct fx {
	char	dir[64];
	char	path[128];	/* dir/schedd.db, not created */
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/schedd-test-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/schedd.db", f->dir);
	*state = f;
	return 0;
}

/* rm -r dir (files and directories made by the tests only). */
static void
remove_tree(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*ent;
	char		 path[512];
	struct stat	 sb;

	if (d == NULL)
		return;
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 ||
		    strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	remove_tree(f->dir);
	free(f);
	return 0;
}

#define TEST(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ------------------------------------------------------------ helpers */

static int64_t
T(const char *text)
{
	int64_t		t;
	struct err	e;

	if (civil_parse_rfc3339(text, &t, &e) == -1)
		fail_msg("bad time in test: %s: %s", text, e.msg);
	return t;
}

static char *
xstrdup(const char *s)
{
	char	*copy;

	if (s == NULL)
		return NULL;
	copy = strdup(s);
	assert_non_null(copy);
	return copy;
}

/* The file's bytes (malloc'd), *len set; NULL when it does not exist. */
static unsigned char *
read_bytes(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	unsigned char	*data = NULL;
	size_t		 cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			assert_non_null(data);
		}
		if ((n = fread(data + *len, 1, cap - *len, f)) == 0)
			break;
		*len += n;
	}
	fclose(f);
	return data ? data : malloc(1);
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The names in dir, sorted, joined by spaces (to see leftover -wal/-shm files). */
static void
list_dir(const char *dir, char *out, size_t len)
{
	struct dirent	**names;
	int		  n = scandir(dir, &names, NULL, alphasort);

	out[0] = '\0';
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (out[0] != '\0')
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, names[i]->d_name, len - strlen(out) - 1);
		}
		free(names[i]);
	}
	free(names);
}

/* A file's bytes before and after something that must not touch it. */
struct snapshot {
	unsigned char	*data;
	size_t		 len;
	char		 listing[512];
};

static void
snapshot_take(struct snapshot *s, const struct fx *f)
{
	s->data = read_bytes(f->path, &s->len);
	assert_non_null(s->data);
	list_dir(f->dir, s->listing, sizeof(s->listing));
}

/* The file and the directory listing are exactly as in before; frees before. */
static void
snapshot_same(struct snapshot *before, const struct fx *f)
{
	struct snapshot	after;
	int		same;

	snapshot_take(&after, f);
	same = after.len == before->len &&
	    memcmp(after.data, before->data, after.len) == 0;
	free(after.data);
	free(before->data);
	if (!same)
		fail_msg("%s changed (%zu bytes before, %zu after)", f->path,
		    before->len, after.len);
	assert_string_equal(after.listing, before->listing);
}

/* ---- a raw sqlite3 connection of the test's own */

static sqlite3 *
raw_open(const char *path)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open_v2 %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
	return db;
}

static void
raw_close(sqlite3 *db)
{
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
raw_exec_at(sqlite3 *db, const char *sql, const char *file, int line)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("%s:%d: %s\n  -> %s\n", file, line, sql,
		    msg ? msg : "?");
		sqlite3_free(msg);
		_fail(file, line);
	}
}
#define raw_exec(db, sql)	raw_exec_at((db), (sql), __FILE__, __LINE__)

/* Run sql that must fail; return its primary result code and copy the message. */
static int
raw_exec_fails(sqlite3 *db, const char *sql, char *msg, size_t len)
{
	char	*m = NULL;
	int	 rc = sqlite3_exec(db, sql, NULL, NULL, &m);

	snprintf(msg, len, "%s", m ? m : "");
	sqlite3_free(m);
	return rc & 0xff;
}

static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*stmt;
	int64_t		 v;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) != SQLITE_ROW)
		fail_msg("%s: no row: %s", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

struct text {
	char	*s;
	size_t	 len, cap;
};

static void
text_add(struct text *t, const char *s)
{
	size_t	n = strlen(s);

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/* Every row of sql: columns joined by '|', NULL as "NULL", each row ending in '\n'. */
static char *
raw_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*stmt;
	struct text	 t = { NULL, 0, 0 };
	int		 rc;

	text_add(&t, "");
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(stmt); i++) {
			const unsigned char *v = sqlite3_column_text(stmt, i);

			if (i > 0)
				text_add(&t, "|");
			text_add(&t, v ? (const char *)v : "NULL");
		}
		text_add(&t, "\n");
	}
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
	return t.s;
}

static void
check_rows_at(sqlite3 *db, const char *sql, const char *want,
    const char *file, int line)
{
	char	*got = raw_rows(db, sql);
	int	 same = strcmp(got, want) == 0;

	if (!same)
		print_error("%s:%d: %s\n--- got:\n%s--- want:\n%s---\n",
		    file, line, sql, got, want);
	free(got);
	if (!same)
		_fail(file, line);
}
#define check_rows(db, sql, want) \
	check_rows_at((db), (sql), (want), __FILE__, __LINE__)

/* The schema as text: every object's type, name and SQL, in name order. */
static char *
schema_dump(sqlite3 *db)
{
	return raw_rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master "
	    "ORDER BY type, name");
}

/* ---- the store */

static struct store *
open_store(const char *path, int flags)
{
	struct store	*st = NULL;
	struct err	 e = { "", 0 };

	if (store_open(path, flags, &st, &e) == -1)
		fail_msg("store_open %s: %s (code %d)", path, e.msg, e.code);
	assert_non_null(st);
	return st;
}

/* store_open must fail with code and exactly msg; st stays untouched. */
static void
open_fails_at(const char *path, int flags, int code, const char *msg,
    const char *file, int line)
{
	struct store	*st = NULL;
	struct err	 e = { "", 0 };
	int		 rc = store_open(path, flags, &st, &e);

	if (rc != -1 || e.code != code || strcmp(e.msg, msg) != 0) {
		print_error("%s:%d: store_open %s: rc %d, code %d, \"%s\"\n"
		    "  want rc -1, code %d, \"%s\"\n", file, line, path, rc,
		    e.code, e.msg, code, msg);
		if (rc == 0)
			store_close(st);
		_fail(file, line);
	}
	assert_null(st);
}
#define open_fails(path, flags, code, msg) \
	open_fails_at((path), (flags), (code), (msg), __FILE__, __LINE__)

/* A schedule with every field set. */
static void
full_schedule(struct schedule *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->project = xstrdup("flytesnacks");
	s->domain = xstrdup("development");
	s->launch_plan = xstrdup("data_sync_wf");
	s->version = xstrdup("v3");
	s->cron = xstrdup("0 */6 * * *");
	s->tz = xstrdup("Asia/Shanghai");
	s->inputs = xstrdup("{\"site_id\":\"site_a\",\"since\":"
	    "\"{{kickoff_time}}\"}");
	s->kickoff_input = xstrdup("kickoff");
	s->labels = xstrdup("{\"team\":\"data\",\"site\":\"site_a\"}");
	s->annotations = xstrdup("{\"owner\":\"ana@example.com\"}");
	s->service_account = xstrdup("data-sa");
	s->catchup = xstrdup("all");
	s->catchup_window = 7200;
	s->overlap = xstrdup("buffer-one");
	s->paused = 1;
	s->note = xstrdup("owned by data");
	s->created_at = T("2026-11-26T06:00:00Z");
	s->updated_at = T("2026-11-27T07:30:15Z");
	s->active_since = T("2026-11-28T08:00:01Z");
}

/* A schedule with only what is required: optional fields NULL. */
static void
bare_schedule(struct schedule *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->project = xstrdup("p");
	s->domain = xstrdup("d");
	s->launch_plan = xstrdup("lp");
	s->cron = xstrdup("@hourly");
	s->tz = xstrdup("UTC");
	s->inputs = xstrdup("{}");
	s->labels = xstrdup("{}");
	s->annotations = xstrdup("{}");
	s->catchup = xstrdup("latest");
	s->catchup_window = 3600;
	s->overlap = xstrdup("allow");
	s->created_at = T("2026-01-01T00:00:00Z");
	s->updated_at = T("2026-01-01T00:00:00Z");
	s->active_since = T("2026-01-01T00:00:00Z");
}

static void
put_ok(struct store *st, struct schedule *s)
{
	struct err	e = { "", 0 };

	if (store_schedule_put(st, s, &e) == -1)
		fail_msg("store_schedule_put %s: %s (code %d)", s->name,
		    e.msg, e.code);
}

static void
put_bare(struct store *st, const char *name)
{
	struct schedule	s;

	bare_schedule(&s, name);
	put_ok(st, &s);
	schedule_clear(&s);
}

/* Two strings, either possibly NULL, are equal. */
static void
assert_same_string(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void
assert_same_schedule(const struct schedule *got, const struct schedule *want)
{
	assert_int_equal(got->id, want->id);
	assert_same_string(got->name, want->name);
	assert_same_string(got->project, want->project);
	assert_same_string(got->domain, want->domain);
	assert_same_string(got->launch_plan, want->launch_plan);
	assert_same_string(got->version, want->version);
	assert_same_string(got->cron, want->cron);
	assert_same_string(got->tz, want->tz);
	assert_same_string(got->inputs, want->inputs);
	assert_same_string(got->kickoff_input, want->kickoff_input);
	assert_same_string(got->labels, want->labels);
	assert_same_string(got->annotations, want->annotations);
	assert_same_string(got->service_account, want->service_account);
	assert_same_string(got->catchup, want->catchup);
	assert_int_equal(got->catchup_window, want->catchup_window);
	assert_same_string(got->overlap, want->overlap);
	assert_int_equal(got->paused, want->paused);
	assert_same_string(got->note, want->note);
	assert_int_equal(got->created_at, want->created_at);
	assert_int_equal(got->updated_at, want->updated_at);
	assert_int_equal(got->active_since, want->active_since);
}

/* A DB made by the store, then closed. */
static void
make_db(const struct fx *f)
{
	store_close(open_store(f->path, STORE_CREATE));
}

/* ------------------------------------------------------------ opening */

static void
test_open_missing(void **state)
{
	struct fx	*f = *state;
	char		 msg[256];

	snprintf(msg, sizeof(msg), "database %s does not exist", f->path);
	open_fails(f->path, 0, EX_NOINPUT, msg);
	open_fails(f->path, STORE_READONLY, EX_NOINPUT, msg);
	assert_false(exists(f->path));
}

static void
test_open_create_missing_dir(void **state)
{
	struct fx	*f = *state;
	char		 path[256], msg[512];

	snprintf(path, sizeof(path), "%s/no/such/dir/schedd.db", f->dir);
	snprintf(msg, sizeof(msg), "cannot create database %s: %s", path,
	    strerror(ENOENT));
	open_fails(path, STORE_CREATE, EX_CANTCREAT, msg);
	/* Without STORE_CREATE it is simply missing. */
	snprintf(msg, sizeof(msg), "database %s does not exist", path);
	open_fails(path, 0, EX_NOINPUT, msg);
}

static void
test_open_create_applies_schema(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	sqlite3		*db;

	st = open_store(f->path, STORE_CREATE);
	assert_true(exists(f->path));
	assert_int_equal(store_schema_version(st), schema_migration_count);
	store_close(st);

	assert_true(schema_migration_count >= 1);
	for (int i = 0; i < schema_migration_count; i++)
		assert_int_equal(schema_migrations[i].version, i + 1);
	assert_string_equal(schema_migrations[0].file, "001_init.sql");

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
	    schema_migration_count);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), APPLICATION_ID);
	check_rows(db, "PRAGMA journal_mode", "wal\n");
	check_rows(db, "SELECT type, name FROM sqlite_master WHERE name IN "
	    "('schedules', 'runs', 'changes', 'last_runs', "
	    "'failing_schedules', 'late_fires', 'schedule_health') ORDER BY "
	    "type, name",
	    "table|changes\n"
	    "table|runs\n"
	    "table|schedules\n"
	    "view|failing_schedules\n"
	    "view|last_runs\n"
	    "view|late_fires\n"
	    "view|schedule_health\n");
	/* STRICT tables: a wrong type is refused, not converted. */
	check_rows(db, "SELECT name, strict FROM pragma_table_list "
	    "WHERE name IN ('schedules', 'runs', 'changes') ORDER BY name",
	    "changes|1\nruns|1\nschedules|1\n");
	/* The views run. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM last_runs"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM failing_schedules"),
	    0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM late_fires"), 0);
	raw_close(db);
}

/* Reopening an up-to-date database changes nothing: not the schema, not a row, not a byte. */
static void
test_reopen_changes_nothing(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s;
	struct snapshot	 snap;
	sqlite3		*db;
	char		*schema_before, *rows_before, *after;
	const char	*rows_sql = "SELECT (SELECT group_concat(name) FROM "
	    "schedules), (SELECT count(*) FROM runs), (SELECT count(*) FROM "
	    "changes), (SELECT max(id) FROM schedules)";

	st = open_store(f->path, STORE_CREATE);
	bare_schedule(&s, "one");
	put_ok(st, &s);
	assert_int_equal(store_change_record(st, T("2026-01-01T00:00:00Z"),
	    "add", &s, NULL, "{}", NULL), 0);
	schedule_clear(&s);
	store_close(st);

	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, recorded_at) VALUES (1, 'one', "
	    "'2026-01-01T01:00:00Z', '2026-01-01T01:00:00Z')");
	schema_before = schema_dump(db);
	rows_before = raw_rows(db, rows_sql);
	raw_close(db);

	snapshot_take(&snap, f);
	/*
	 * Read-only first: a read-only connection cannot remove the -wal and
	 * -shm files it makes (SQLite's rule); the next writer does.
	 */
	for (int i = 0; i < 3; i++) {
		st = open_store(f->path, i == 0 ? STORE_READONLY : 0);
		assert_int_equal(store_schema_version(st),
		    schema_migration_count);
		store_close(st);
	}
	snapshot_same(&snap, f);

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"),
	    schema_migration_count);
	after = schema_dump(db);
	assert_string_equal(after, schema_before);
	free(after);
	after = raw_rows(db, rows_sql);
	assert_string_equal(after, rows_before);
	assert_string_equal(after, "one|1|1|1\n");
	free(after);
	raw_close(db);
	free(schema_before);
	free(rows_before);
}

/* ------------------------------------------------------------ refusals */

static void
test_future_db_refused(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	sqlite3		*db;
	char		 msg[512];

	/* A schedd database from a newer schedd: our schema, a higher version. */
	db = raw_open(f->path);
	for (int i = 0; i < schema_migration_count; i++)
		raw_exec(db, schema_migrations[i].sql);
	raw_exec(db, "INSERT INTO schedules (name, project, domain, "
	    "launch_plan, cron, created_at, updated_at, active_since) VALUES "
	    "('kept', 'p', 'd', 'lp', '@daily', '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	raw_exec(db, "PRAGMA user_version = 999");
	raw_close(db);

	snprintf(msg, sizeof(msg), "database %s has schema version 999, newer "
	    "than this schedd's %d; upgrade schedd", f->path,
	    schema_migration_count);
	snapshot_take(&snap, f);
	open_fails(f->path, 0, EX_DATAERR, msg);
	open_fails(f->path, STORE_CREATE, EX_DATAERR, msg);
	open_fails(f->path, STORE_READONLY, EX_DATAERR, msg);
	snapshot_same(&snap, f);

	/* Still not in WAL mode: nothing was switched either. */
	db = raw_open(f->path);
	check_rows(db, "PRAGMA journal_mode", "delete\n");
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 999);
	raw_close(db);
}

/* The same, for a database the store itself made (WAL mode) and a newer schedd then moved on. */
static void
test_future_db_refused_wal(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	sqlite3		*db;
	char		 msg[512];

	make_db(f);
	db = raw_open(f->path);
	raw_exec(db, "PRAGMA user_version = 999");
	raw_close(db);

	snprintf(msg, sizeof(msg), "database %s has schema version 999, newer "
	    "than this schedd's %d; upgrade schedd", f->path,
	    schema_migration_count);
	snapshot_take(&snap, f);
	open_fails(f->path, STORE_CREATE, EX_DATAERR, msg);
	snapshot_same(&snap, f);
}

static void
test_foreign_db_refused(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	sqlite3		*db;
	char		 msg[512];

	db = raw_open(f->path);
	raw_exec(db, "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT);"
	    "INSERT INTO photos (path) VALUES ('/home/ana/cat.jpg');");
	raw_close(db);

	snprintf(msg, sizeof(msg), "database %s is not a schedd database",
	    f->path);
	snapshot_take(&snap, f);
	open_fails(f->path, 0, EX_DATAERR, msg);
	open_fails(f->path, STORE_CREATE, EX_DATAERR, msg);
	open_fails(f->path, STORE_READONLY, EX_DATAERR, msg);
	snapshot_same(&snap, f);

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), 0);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
	check_rows(db, "SELECT name FROM sqlite_master", "photos\n");
	raw_close(db);
}

/* Another application's id on an otherwise empty file: also not ours. */
static void
test_foreign_application_id_refused(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	sqlite3		*db;
	char		 msg[512];

	db = raw_open(f->path);
	raw_exec(db, "PRAGMA application_id = 42");
	raw_close(db);

	snprintf(msg, sizeof(msg), "database %s is not a schedd database",
	    f->path);
	snapshot_take(&snap, f);
	open_fails(f->path, 0, EX_DATAERR, msg);
	snapshot_same(&snap, f);
}

static void
test_garbage_refused(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	char		 garbage[4096], msg[512];

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = "this is not an SQLite database\n"[i % 31];
	write_bytes(f->path, garbage, sizeof(garbage));

	snprintf(msg, sizeof(msg), "database %s: file is not a database",
	    f->path);
	snapshot_take(&snap, f);
	open_fails(f->path, 0, EX_IOERR, msg);
	open_fails(f->path, STORE_CREATE, EX_IOERR, msg);
	open_fails(f->path, STORE_READONLY, EX_IOERR, msg);
	snapshot_same(&snap, f);
}

/* Read-only never migrates: an empty file (version 0) is refused, untouched. */
static void
test_readonly_never_migrates(void **state)
{
	struct fx	*f = *state;
	struct snapshot	 snap;
	char		 msg[512];

	write_bytes(f->path, "", 0);
	snprintf(msg, sizeof(msg), "database %s has schema version 0, older "
	    "than this schedd's %d; open it for writing once to upgrade",
	    f->path, schema_migration_count);
	snapshot_take(&snap, f);
	open_fails(f->path, STORE_READONLY, EX_DATAERR, msg);
	snapshot_same(&snap, f);
}

/* A read-only store reads, and refuses to write with EX_IOERR. */
static void
test_readonly_refuses_writes(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s;
	struct err	 e = { "", 0 };
	char		 msg[512];

	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "one");
	store_close(st);

	st = open_store(f->path, STORE_READONLY);
	assert_int_equal(store_schedule_get(st, "one", &s, &e), 0);
	assert_string_equal(s.name, "one");
	schedule_clear(&s);
	bare_schedule(&s, "two");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_IOERR);
	snprintf(msg, sizeof(msg), "database %s: two: attempt to write a "
	    "readonly database", f->path);
	assert_string_equal(e.msg, msg);
	schedule_clear(&s);
	store_close(st);
}

/* ------------------------------------------------------------ migrations */

static void	check_timing_at(struct store *, int64_t, const char *,
		    const char *, const char *, int);
#define check_timing(st, id, name, want) \
	check_timing_at((st), (id), (name), (want), __FILE__, __LINE__)

/*
 * From every earlier version k (0 = an empty file): apply migrations 1..k by
 * hand, as an older schedd left the file, and let store_open finish the job.
 * The result must have exactly the schema of a freshly created database, and
 * the rows written at version k must still be there.
 */
static void
test_migrate_from_every_version(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		*fresh, *got, path[256];

	make_db(f);
	db = raw_open(f->path);
	fresh = schema_dump(db);
	raw_close(db);

	for (int k = 0; k < schema_migration_count; k++) {
		struct store	*st;
		struct schedule	 s;
		struct err	 e = { "", 0 };

		snprintf(path, sizeof(path), "%s/v%d.db", f->dir, k);
		db = raw_open(path);
		for (int i = 0; i < k; i++) {
			char	pragma[64];

			raw_exec(db, schema_migrations[i].sql);
			snprintf(pragma, sizeof(pragma),
			    "PRAGMA user_version = %d",
			    schema_migrations[i].version);
			raw_exec(db, pragma);
		}
		if (k >= 1) {	/* version 1's columns: every later schema keeps its rows */
			raw_exec(db, "INSERT INTO schedules (name, project, "
			    "domain, launch_plan, cron, created_at, "
			    "updated_at, active_since) VALUES ('old', 'p', "
			    "'d', 'lp', '@daily', '2026-01-01T00:00:00Z', "
			    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
			raw_exec(db, "INSERT INTO changes (at, os_user, command, "
			    "schedule_name, after) VALUES ('2026-01-01T00:00:00Z', "
			    "'ana', 'add', 'old', '{}')");
			raw_exec(db, "INSERT INTO runs (schedule_id, "
			    "schedule_name, scheduled_at, kind, state, "
			    "recorded_at) VALUES (1, 'old', "
			    "'2026-01-02T00:00:00Z', 'scheduled', 'created', "
			    "'2026-01-02T00:00:00Z'), (1, 'old', "
			    "'2026-01-03T00:00:00Z', 'trigger', 'created', "
			    "'2026-01-03T00:00:00Z')");
		}
		assert_int_equal(raw_int(db, "PRAGMA user_version"), k);
		raw_close(db);

		st = open_store(path, 0);
		assert_int_equal(store_schema_version(st),
		    schema_migration_count);
		if (k >= 1) {
			assert_int_equal(store_schedule_get(st, "old", &s, &e),
			    0);
			assert_string_equal(s.cron, "@daily");
			schedule_clear(&s);
			/* Indexes a migration adds cover the rows already there. */
			check_timing(st, 1, NULL, "1 old @daily UTC "
			    "2026-01-01T00:00:00Z 0 latest 3600 allow "
			    "2026-01-02T00:00:00Z\n");
		}
		store_close(st);

		db = raw_open(path);
		assert_int_equal(raw_int(db, "PRAGMA user_version"),
		    schema_migration_count);
		assert_int_equal(raw_int(db, "PRAGMA application_id"),
		    APPLICATION_ID);
		check_rows(db, "PRAGMA journal_mode", "wal\n");
		got = schema_dump(db);
		assert_string_equal(got, fresh);
		free(got);
		/* Audit rows from before schema 003 have no schedule_id. */
		check_rows(db, "SELECT id, command, schedule_name, "
		    "quote(schedule_id) FROM changes", k >= 1 ?
		    "1|add|old|NULL\n" : "");
		raw_close(db);
	}
	free(fresh);
}

/* ------------------------------------------------------------ constraints */

/* A valid schedules row with one column's SQL value replaced. */
static void
schedule_insert_sql(char *sql, size_t len, const char *column,
    const char *value)
{
	static const char *const cols[][2] = {
		{ "name", "'ok'" },
		{ "project", "'p'" },
		{ "domain", "'d'" },
		{ "launch_plan", "'lp'" },
		{ "version", "NULL" },
		{ "cron", "'@daily'" },
		{ "tz", "'UTC'" },
		{ "inputs", "'{}'" },
		{ "labels", "'{}'" },
		{ "annotations", "'{}'" },
		{ "catchup", "'latest'" },
		{ "catchup_window", "3600" },
		{ "overlap", "'allow'" },
		{ "paused", "0" },
		{ "created_at", "'2026-01-01T00:00:00Z'" },
		{ "updated_at", "'2026-01-01T00:00:00Z'" },
		{ "active_since", "'2026-01-01T00:00:00Z'" },
	};
	char	names[512] = "", values[1024] = "";
	int	found = column == NULL;

	for (size_t i = 0; i < NELEM(cols); i++) {
		const char *v = cols[i][1];

		if (column != NULL && strcmp(cols[i][0], column) == 0) {
			v = value;
			found = 1;
		}
		if (i > 0) {
			strcat(names, ", ");
			strcat(values, ", ");
		}
		strcat(names, cols[i][0]);
		strcat(values, v);
	}
	assert_true(found);
	snprintf(sql, len, "INSERT INTO schedules (%s) VALUES (%s)", names,
	    values);
}

/* A valid runs row with one column's SQL value replaced. */
static void
run_insert_sql(char *sql, size_t len, const char *column, const char *value)
{
	static const char *const cols[][2] = {
		{ "schedule_name", "'ok'" },
		{ "scheduled_at", "'2026-01-01T06:00:00Z'" },
		{ "kind", "'scheduled'" },
		{ "state", "'pending'" },
		{ "attempts", "0" },
		{ "recorded_at", "'2026-01-01T06:00:00Z'" },
	};
	char	names[256] = "", values[512] = "";
	int	found = column == NULL;

	for (size_t i = 0; i < NELEM(cols); i++) {
		const char *v = cols[i][1];

		if (column != NULL && strcmp(cols[i][0], column) == 0) {
			v = value;
			found = 1;
		}
		if (i > 0) {
			strcat(names, ", ");
			strcat(values, ", ");
		}
		strcat(names, cols[i][0]);
		strcat(values, v);
	}
	assert_true(found);
	snprintf(sql, len, "INSERT INTO runs (%s) VALUES (%s)", names, values);
}

struct violation {
	const char	*column;
	const char	*value;		/* SQL literal */
	const char	*msg;		/* SQLite's message, exactly */
};

static const struct violation schedule_violations[] = {
	{ "catchup", "'sometimes'", "CHECK constraint failed: catchup IN "
	    "('all', 'latest', 'none')" },
	{ "overlap", "'never'", "CHECK constraint failed: overlap IN "
	    "('allow', 'skip', 'buffer-one', 'cancel-previous')" },
	{ "paused", "2", "CHECK constraint failed: paused IN (0, 1)" },
	{ "paused", "-1", "CHECK constraint failed: paused IN (0, 1)" },
	{ "paused", "'yes'", "cannot store TEXT value in INTEGER column "
	    "schedules.paused" },
	{ "inputs", "'[1]'", "CHECK constraint failed: json_valid(inputs) AND "
	    "json_type(inputs) = 'object'" },
	{ "inputs", "'{'", "CHECK constraint failed: json_valid(inputs) AND "
	    "json_type(inputs) = 'object'" },
	{ "inputs", "'\"text\"'", "CHECK constraint failed: json_valid(inputs) "
	    "AND json_type(inputs) = 'object'" },
	{ "labels", "'[]'", "CHECK constraint failed: json_valid(labels) AND "
	    "json_type(labels) = 'object'" },
	{ "annotations", "'null'", "CHECK constraint failed: "
	    "json_valid(annotations) AND json_type(annotations) = 'object'" },
	{ "name", "'with space'", "CHECK constraint failed: length(name) "
	    "BETWEEN 1 AND 128 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'" },
	{ "name", "''", "CHECK constraint failed: length(name) BETWEEN 1 AND "
	    "128 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'" },
	{ "name", "'a/b'", "CHECK constraint failed: length(name) BETWEEN 1 "
	    "AND 128 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'" },
	{ "name", "'caf\xc3\xa9'", "CHECK constraint failed: length(name) "
	    "BETWEEN 1 AND 128 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'" },
	{ "name", "printf('%.129c', 'x')", "CHECK constraint failed: "
	    "length(name) BETWEEN 1 AND 128 AND name NOT GLOB "
	    "'*[^A-Za-z0-9_.-]*'" },
	{ "name", "NULL", "NOT NULL constraint failed: schedules.name" },
	{ "project", "''", "CHECK constraint failed: length(project) > 0" },
	{ "version", "''", "CHECK constraint failed: version IS NULL OR "
	    "length(version) > 0" },
	{ "catchup_window", "-1", "CHECK constraint failed: catchup_window "
	    ">= 0" },
	{ "cron", "NULL", "NOT NULL constraint failed: schedules.cron" },
};

static const struct violation run_violations[] = {
	{ "state", "'done'", "CHECK constraint failed: state IN ('pending', "
	    "'created', 'failed', 'skipped')" },
	{ "kind", "'cron'", "CHECK constraint failed: kind IN ('scheduled', "
	    "'catchup', 'trigger', 'backfill')" },
	{ "attempts", "-1", "CHECK constraint failed: attempts >= 0" },
	{ "attempts", "'many'", "cannot store TEXT value in INTEGER column "
	    "runs.attempts" },
	{ "schedule_name", "NULL", "NOT NULL constraint failed: "
	    "runs.schedule_name" },
};

static void
test_check_constraints(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		 sql[2048], msg[512];

	make_db(f);
	db = raw_open(f->path);

	for (size_t i = 0; i < NELEM(schedule_violations); i++) {
		const struct violation *v = &schedule_violations[i];

		schedule_insert_sql(sql, sizeof(sql), v->column, v->value);
		if (raw_exec_fails(db, sql, msg, sizeof(msg)) !=
		    SQLITE_CONSTRAINT || strcmp(msg, v->msg) != 0)
			fail_msg("schedules.%s = %s: \"%s\", want "
			    "SQLITE_CONSTRAINT \"%s\"", v->column, v->value,
			    msg, v->msg);
	}
	assert_int_equal(raw_int(db, "SELECT count(*) FROM schedules"), 0);

	/* The same row with valid values goes in: the failures above were the column's. */
	schedule_insert_sql(sql, sizeof(sql), NULL, NULL);
	raw_exec(db, sql);
	schedule_insert_sql(sql, sizeof(sql), "name", "printf('%.128c', 'x')");
	raw_exec(db, sql);
	schedule_insert_sql(sql, sizeof(sql), "name", "'Az09_.-'");
	raw_exec(db, sql);
	schedule_insert_sql(sql, sizeof(sql), "catchup", "'none'");
	assert_int_equal(raw_exec_fails(db, sql, msg, sizeof(msg)),
	    SQLITE_CONSTRAINT);
	assert_string_equal(msg, "UNIQUE constraint failed: schedules.name");
	check_rows(db, "SELECT name FROM schedules ORDER BY name",
	    "Az09_.-\nok\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\n");

	for (size_t i = 0; i < NELEM(run_violations); i++) {
		const struct violation *v = &run_violations[i];

		run_insert_sql(sql, sizeof(sql), v->column, v->value);
		if (raw_exec_fails(db, sql, msg, sizeof(msg)) !=
		    SQLITE_CONSTRAINT || strcmp(msg, v->msg) != 0)
			fail_msg("runs.%s = %s: \"%s\", want "
			    "SQLITE_CONSTRAINT \"%s\"", v->column, v->value,
			    msg, v->msg);
	}
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 0);

	/* Every state and kind goes in; the same (schedule, instant) only once. */
	run_insert_sql(sql, sizeof(sql), NULL, NULL);
	raw_exec(db, sql);
	raw_exec(db, "INSERT INTO runs (schedule_name, scheduled_at, kind, "
	    "state, recorded_at) VALUES "
	    "('ok', '2026-01-01T07:00:00Z', 'catchup', 'created', 'x'), "
	    "('ok', '2026-01-01T08:00:00Z', 'trigger', 'failed', 'x'), "
	    "('ok', '2026-01-01T09:00:00Z', 'backfill', 'skipped', 'x'), "
	    "('other', '2026-01-01T06:00:00Z', 'scheduled', 'pending', 'x')");
	run_insert_sql(sql, sizeof(sql), "kind", "'trigger'");
	assert_int_equal(raw_exec_fails(db, sql, msg, sizeof(msg)),
	    SQLITE_CONSTRAINT);
	assert_string_equal(msg, "UNIQUE constraint failed: "
	    "runs.schedule_name, runs.scheduled_at");
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 5);

	/* changes: before/after must be JSON when present. */
	assert_int_equal(raw_exec_fails(db, "INSERT INTO changes (at, os_user, "
	    "command, schedule_name, before) VALUES ('x', 'u', 'add', 'ok', "
	    "'not json')", msg, sizeof(msg)), SQLITE_CONSTRAINT);
	assert_string_equal(msg, "CHECK constraint failed: before IS NULL OR "
	    "json_valid(before)");
	raw_close(db);
}

/* ------------------------------------------------------------ schedules */

static void
test_schedule_round_trip(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s, got, bare;
	struct err	 e = { "", 0 };
	sqlite3		*db;

	st = open_store(f->path, STORE_CREATE);
	full_schedule(&s, "data_sync_site-a.1");
	assert_int_equal(s.id, 0);
	put_ok(st, &s);
	assert_int_equal(s.id, 1);

	assert_int_equal(store_schedule_get(st, "data_sync_site-a.1", &got, &e),
	    0);
	assert_same_schedule(&got, &s);
	schedule_clear(&got);

	/* Optional fields NULL, and back as NULL. */
	bare_schedule(&bare, "bare");
	put_ok(st, &bare);
	assert_int_equal(bare.id, 2);
	assert_int_equal(store_schedule_get(st, "bare", &got, &e), 0);
	assert_null(got.version);
	assert_null(got.kickoff_input);
	assert_null(got.service_account);
	assert_null(got.note);
	assert_same_schedule(&got, &bare);
	schedule_clear(&got);

	/* The row as SQL readers see it: RFC 3339 UTC text, NULLs. */
	db = raw_open(f->path);
	check_rows(db, "SELECT * FROM schedules ORDER BY id",
	    "1|data_sync_site-a.1|flytesnacks|development|data_sync_wf|v3|"
	    "0 */6 * * *|Asia/Shanghai|"
	    "{\"site_id\":\"site_a\",\"since\":\"{{kickoff_time}}\"}|kickoff|"
	    "{\"team\":\"data\",\"site\":\"site_a\"}|"
	    "{\"owner\":\"ana@example.com\"}|data-sa|all|7200|buffer-one|1|"
	    "owned by data|2026-11-26T06:00:00Z|2026-11-27T07:30:15Z|"
	    "2026-11-28T08:00:01Z|NULL|NULL|0|NULL\n"
	    "2|bare|p|d|lp|NULL|@hourly|UTC|{}|NULL|{}|{}|NULL|latest|3600|"
	    "allow|0|NULL|2026-01-01T00:00:00Z|2026-01-01T00:00:00Z|"
	    "2026-01-01T00:00:00Z|NULL|NULL|0|NULL\n");

	/* Update by id: rename, unpin (version NULL), clear the note, resume. */
	free(s.name);
	s.name = xstrdup("renamed");
	free(s.version);
	s.version = NULL;
	free(s.note);
	s.note = NULL;
	free(s.service_account);
	s.service_account = NULL;
	s.paused = 0;
	s.catchup_window = 0;
	s.updated_at = T("2026-12-01T00:00:00Z");
	put_ok(st, &s);
	assert_int_equal(s.id, 1);
	assert_int_equal(store_schedule_get(st, "data_sync_site-a.1", &got, &e),
	    -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule named \"data_sync_site-a.1\"");
	assert_int_equal(store_schedule_get(st, "renamed", &got, &e), 0);
	assert_same_schedule(&got, &s);
	schedule_clear(&got);
	check_rows(db, "SELECT id, name, version, service_account, paused, "
	    "catchup_window, note, updated_at FROM schedules ORDER BY id",
	    "1|renamed|NULL|NULL|0|0|NULL|2026-12-01T00:00:00Z\n"
	    "2|bare|NULL|NULL|0|3600|NULL|2026-01-01T00:00:00Z\n");

	/* Delete. */
	assert_int_equal(store_schedule_delete(st, s.id, &e), 0);
	assert_int_equal(store_schedule_get(st, "renamed", &got, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	check_rows(db, "SELECT id, name FROM schedules", "2|bare\n");
	raw_close(db);

	schedule_clear(&s);
	schedule_clear(&bare);
	store_close(st);
}

static void
test_schedule_get_missing(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 got;
	struct err	 e = { "", 0 };

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_schedule_get(st, "x", &got, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule named \"x\"");
	assert_null(got.name);
	store_close(st);
}

static void
test_schedule_put_refused(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s;
	struct err	 e = { "", 0 };
	char		 msg[512];
	sqlite3		*db;

	put_bare(st, "dup");

	/* A second "dup": EX_DATAERR, the row count unchanged, s->id still 0. */
	bare_schedule(&s, "dup");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	snprintf(msg, sizeof(msg), "database %s: dup: UNIQUE constraint "
	    "failed: schedules.name", f->path);
	assert_string_equal(e.msg, msg);
	assert_int_equal(s.id, 0);
	schedule_clear(&s);

	/* A value the schema's CHECK refuses (schedule_validate would have caught it). */
	bare_schedule(&s, "other");
	free(s.catchup);
	s.catchup = xstrdup("sometimes");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	snprintf(msg, sizeof(msg), "database %s: other: CHECK constraint "
	    "failed: catchup IN ('all', 'latest', 'none')", f->path);
	assert_string_equal(e.msg, msg);
	schedule_clear(&s);

	/* Renaming onto an existing name. */
	put_bare(st, "third");
	assert_int_equal(store_schedule_get(st, "third", &s, &e), 0);
	free(s.name);
	s.name = xstrdup("dup");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	schedule_clear(&s);

	db = raw_open(f->path);
	check_rows(db, "SELECT id, name FROM schedules ORDER BY id",
	    "1|dup\n2|third\n");
	raw_close(db);
	store_close(st);
}

/* Writing back a schedule another process removed meanwhile: EX_NOINPUT, nothing inserted. */
static void
test_schedule_put_removed(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s;
	struct err	 e = { "", 0 };
	sqlite3		*db;

	put_bare(st, "keep");
	put_bare(st, "gone");
	assert_int_equal(store_schedule_get(st, "gone", &s, &e), 0);
	assert_int_equal(s.id, 2);

	/* Removed by someone else between our read and our write. */
	db = raw_open(f->path);
	raw_exec(db, "DELETE FROM schedules WHERE name = 'gone'");

	free(s.note);
	s.note = xstrdup("edited");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule named \"gone\" (removed "
	    "meanwhile)");
	assert_int_equal(s.id, 2);

	/* Renamed on the way: the message names what we tried to write. */
	free(s.name);
	s.name = xstrdup("renamed");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule named \"renamed\" (removed "
	    "meanwhile)");
	schedule_clear(&s);

	/* An id that never was: the same. */
	bare_schedule(&s, "ghost");
	s.id = 99;
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule named \"ghost\" (removed "
	    "meanwhile)");
	schedule_clear(&s);

	check_rows(db, "SELECT id, name, note FROM schedules ORDER BY id",
	    "1|keep|NULL\n");
	raw_close(db);
	store_close(st);
}

struct walk {
	char	names[256];
	int	calls;
	int	stop_at;	/* return -1 on this call (1-based), 0: never */
};

static int
walk_cb(const struct schedule *s, void *arg, struct err *e)
{
	struct walk	*w = arg;

	w->calls++;
	if (w->names[0] != '\0')
		strcat(w->names, ",");
	strcat(w->names, s->name);
	if (w->calls == w->stop_at) {
		err_set_code(e, EX_SOFTWARE, "stopped at %s", s->name);
		return -1;
	}
	return 0;
}

static void
test_schedule_each(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct walk	 w;
	struct err	 e = { "", 0 };

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), 0);
	assert_int_equal(w.calls, 0);

	/* Inserted out of order; walked by name (byte order: upper case first). */
	put_bare(st, "beta");
	put_bare(st, "alpha");
	put_bare(st, "gamma");
	put_bare(st, "Zulu");
	put_bare(st, "alpha.2");

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), 0);
	assert_string_equal(w.names, "Zulu,alpha,alpha.2,beta,gamma");
	assert_int_equal(w.calls, 5);

	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), -1);
	assert_int_equal(w.calls, 2);
	assert_string_equal(w.names, "Zulu,alpha");
	assert_int_equal(e.code, EX_SOFTWARE);
	assert_string_equal(e.msg, "stopped at alpha");
	store_close(st);
}

/* ------------------------------------------------------------ changes */

static void
test_change_record(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct passwd	*pw = getpwuid(geteuid());
	struct schedule	 s, unsaved;
	struct err	 e = { "", 0 };
	char		 want[1024], msg[512];
	sqlite3		*db;

	assert_non_null(pw);
	put_bare(st, "first");
	bare_schedule(&s, "sync");
	put_ok(st, &s);
	assert_int_equal(s.id, 2);
	assert_int_equal(store_change_record(st, T("2026-11-26T06:00:00Z"),
	    "add", &s, NULL, "{\"name\":\"sync\",\"paused\":false}", &e), 0);
	assert_int_equal(store_change_record(st, T("2026-11-26T06:05:30Z"),
	    "pause --note 'disk full'", &s,
	    "{\"name\":\"sync\",\"paused\":false}",
	    "{\"name\":\"sync\",\"paused\":true}", &e), 0);
	assert_int_equal(store_change_record(st, T("2026-11-26T07:00:00Z"),
	    "remove", &s, "{\"name\":\"sync\",\"paused\":true}", NULL, &e),
	    0);

	/* A schedule not (yet) in the table: no schedule_id. */
	bare_schedule(&unsaved, "draft");
	assert_int_equal(store_change_record(st, T("2026-11-26T07:30:00Z"),
	    "apply --dry-run", &unsaved, NULL, "{}", &e), 0);

	/* Not JSON: refused by the schema, nothing written. */
	assert_int_equal(store_change_record(st, T("2026-11-26T08:00:00Z"),
	    "add", &unsaved, NULL, "{not json", &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	snprintf(msg, sizeof(msg), "database %s: CHECK constraint failed: "
	    "after IS NULL OR json_valid(after)", f->path);
	assert_string_equal(e.msg, msg);
	schedule_clear(&unsaved);
	schedule_clear(&s);
	store_close(st);

	db = raw_open(f->path);
	snprintf(want, sizeof(want),
	    "1|2026-11-26T06:00:00Z|%s|add|sync|2|NULL|"
	    "{\"name\":\"sync\",\"paused\":false}\n"
	    "2|2026-11-26T06:05:30Z|%s|pause --note 'disk full'|sync|2|"
	    "{\"name\":\"sync\",\"paused\":false}|"
	    "{\"name\":\"sync\",\"paused\":true}\n"
	    "3|2026-11-26T07:00:00Z|%s|remove|sync|2|"
	    "{\"name\":\"sync\",\"paused\":true}|NULL\n"
	    "4|2026-11-26T07:30:00Z|%s|apply --dry-run|draft|NULL|NULL|{}\n",
	    pw->pw_name, pw->pw_name, pw->pw_name, pw->pw_name);
	check_rows(db, "SELECT id, at, os_user, command, schedule_name, "
	    "schedule_id, before, after FROM changes ORDER BY id", want);
	raw_close(db);
}

/* ------------------------------------------------------------ runs */

struct collected {
	char	text[2048];
	int	calls;
	int	stop_at;
};

static int
run_cb(const struct run *r, void *arg, struct err *e)
{
	struct collected	*c = arg;
	char			 sched[32], rec[32], sent[32], line[512];

	civil_format_rfc3339(r->scheduled_at, 0, sched, sizeof(sched));
	civil_format_rfc3339(r->recorded_at, 0, rec, sizeof(rec));
	if (r->sent_at != 0)
		civil_format_rfc3339(r->sent_at, 0, sent, sizeof(sent));
	else
		snprintf(sent, sizeof(sent), "0");
	snprintf(line, sizeof(line), "%lld %s %s %s %s %s %d %s %d %s %s %s\n",
	    (long long)r->id, r->schedule_name, sched, r->kind, r->state,
	    r->execution_name ? r->execution_name : "-", r->http_status,
	    r->error ? r->error : "-", r->attempts, r->phase ? r->phase : "-",
	    rec, sent);
	strncat(c->text, line, sizeof(c->text) - strlen(c->text) - 1);
	if (++c->calls == c->stop_at) {
		err_set_code(e, EX_SOFTWARE, "enough");
		return -1;
	}
	return 0;
}

/* store_run_each(filter) as text. */
static void
check_runs_at(struct store *st, const struct run_filter *f, const char *want,
    const char *file, int line)
{
	struct collected	c;
	struct err		e = { "", 0 };

	memset(&c, 0, sizeof(c));
	if (store_run_each(st, f, run_cb, &c, &e) != 0) {
		print_error("%s:%d: store_run_each: %s\n", file, line, e.msg);
		_fail(file, line);
	}
	if (strcmp(c.text, want) != 0) {
		print_error("%s:%d: store_run_each(%s, %s, %d)\n--- got:\n%s"
		    "--- want:\n%s---\n", file, line, f->name ? f->name : "NULL",
		    f->state ? f->state : "NULL", f->limit, c.text, want);
		_fail(file, line);
	}
}
#define check_runs(st, name_, state_, limit_, want) do {		\
	struct run_filter	f_ = { .name = (name_), .state = (state_),	\
				    .limit = (limit_) };			\
	check_runs_at((st), &f_, (want), __FILE__, __LINE__);		\
} while (0)
#define check_runs_filter(st, f, want) \
	check_runs_at((st), (f), (want), __FILE__, __LINE__)

static void
test_run_each(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct collected c;
	struct run_filter all = { 0 };
	struct err	 e = { "", 0 };
	sqlite3		*db;

	check_runs(st, NULL, NULL, 0, "");
	put_bare(st, "a");
	put_bare(st, "b");
	db = raw_open(f->path);
	/* Inserted in an order that is neither id nor time order. */
	raw_exec(db, "INSERT INTO runs (id, schedule_id, schedule_name, "
	    "scheduled_at, kind, state, execution_name, http_status, error, "
	    "attempts, phase, recorded_at, sent_at) VALUES "
	    "(1, 1, 'a', '2026-11-26T07:00:00Z', 'scheduled', 'created', "
	    "'a-0700', 200, NULL, 1, 'SUCCEEDED', '2026-11-26T06:59:59Z', "
	    "'2026-11-26T07:00:01Z'), "
	    "(2, 1, 'a', '2026-11-26T06:00:00Z', 'scheduled', 'failed', NULL, "
	    "500, 'internal: boom', 3, NULL, '2026-11-26T05:59:59Z', "
	    "'2026-11-26T06:00:02Z'), "
	    "(3, 2, 'b', '2026-11-26T06:30:00Z', 'trigger', 'pending', NULL, "
	    "NULL, NULL, 0, NULL, '2026-11-26T06:29:00Z', NULL), "
	    "(4, 1, 'a', '2026-11-26T08:00:00Z', 'catchup', 'skipped', NULL, "
	    "NULL, 'overlap: previous still running', 0, NULL, "
	    "'2026-11-26T08:00:00Z', NULL), "
	    "(5, 2, 'b', '2026-11-25T06:30:00Z', 'backfill', 'created', "
	    "'b-backfill', 200, NULL, 1, 'RUNNING', '2026-11-26T09:00:00Z', "
	    "'2026-11-26T09:00:01Z')");
	raw_close(db);

	check_runs(st, NULL, NULL, 0,
	    "4 a 2026-11-26T08:00:00Z catchup skipped - 0 overlap: previous "
	    "still running 0 - 2026-11-26T08:00:00Z 0\n"
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n"
	    "3 b 2026-11-26T06:30:00Z trigger pending - 0 - 0 - "
	    "2026-11-26T06:29:00Z 0\n"
	    "2 a 2026-11-26T06:00:00Z scheduled failed - 500 internal: boom 3 "
	    "- 2026-11-26T05:59:59Z 2026-11-26T06:00:02Z\n"
	    "5 b 2026-11-25T06:30:00Z backfill created b-backfill 200 - 1 "
	    "RUNNING 2026-11-26T09:00:00Z 2026-11-26T09:00:01Z\n");
	check_runs(st, "a", NULL, 0,
	    "4 a 2026-11-26T08:00:00Z catchup skipped - 0 overlap: previous "
	    "still running 0 - 2026-11-26T08:00:00Z 0\n"
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n"
	    "2 a 2026-11-26T06:00:00Z scheduled failed - 500 internal: boom 3 "
	    "- 2026-11-26T05:59:59Z 2026-11-26T06:00:02Z\n");
	check_runs(st, "a", NULL, 2,
	    "4 a 2026-11-26T08:00:00Z catchup skipped - 0 overlap: previous "
	    "still running 0 - 2026-11-26T08:00:00Z 0\n"
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n");
	check_runs(st, NULL, "created", 0,
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n"
	    "5 b 2026-11-25T06:30:00Z backfill created b-backfill 200 - 1 "
	    "RUNNING 2026-11-26T09:00:00Z 2026-11-26T09:00:01Z\n");
	check_runs(st, "b", "created", 0,
	    "5 b 2026-11-25T06:30:00Z backfill created b-backfill 200 - 1 "
	    "RUNNING 2026-11-26T09:00:00Z 2026-11-26T09:00:01Z\n");
	check_runs(st, NULL, NULL, 1,
	    "4 a 2026-11-26T08:00:00Z catchup skipped - 0 overlap: previous "
	    "still running 0 - 2026-11-26T08:00:00Z 0\n");
	check_runs(st, "b", "failed", 0, "");
	check_runs(st, "nobody", NULL, 0, "");
	/* A negative limit is no limit, like 0. */
	memset(&c, 0, sizeof(c));
	all.limit = -5;
	assert_int_equal(store_run_each(st, &all, run_cb, &c, &e), 0);
	assert_int_equal(c.calls, 5);
	all.limit = 0;

	/* By phase, scheduled since an instant, of a set of schedules; with a name and a limit. */
	check_runs_filter(st, (&(struct run_filter){ .phase = "SUCCEEDED" }),
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n");
	check_runs_filter(st, (&(struct run_filter){
	    .since = T("2026-11-26T06:30:00Z") }),
	    "4 a 2026-11-26T08:00:00Z catchup skipped - 0 overlap: previous "
	    "still running 0 - 2026-11-26T08:00:00Z 0\n"
	    "1 a 2026-11-26T07:00:00Z scheduled created a-0700 200 - 1 "
	    "SUCCEEDED 2026-11-26T06:59:59Z 2026-11-26T07:00:01Z\n"
	    "3 b 2026-11-26T06:30:00Z trigger pending - 0 - 0 - "
	    "2026-11-26T06:29:00Z 0\n");
	check_runs_filter(st, (&(struct run_filter){ .names = "[\"b\",\"x\"]" }),
	    "3 b 2026-11-26T06:30:00Z trigger pending - 0 - 0 - "
	    "2026-11-26T06:29:00Z 0\n"
	    "5 b 2026-11-25T06:30:00Z backfill created b-backfill 200 - 1 "
	    "RUNNING 2026-11-26T09:00:00Z 2026-11-26T09:00:01Z\n");
	check_runs_filter(st, (&(struct run_filter){ .names = "[]" }), "");
	check_runs_filter(st, (&(struct run_filter){ .name = "a",
	    .names = "[\"a\"]", .since = T("2026-11-26T06:00:00Z"),
	    .state = "failed", .limit = 1 }),
	    "2 a 2026-11-26T06:00:00Z scheduled failed - 500 internal: boom 3 "
	    "- 2026-11-26T05:59:59Z 2026-11-26T06:00:02Z\n");
	check_runs_filter(st, (&(struct run_filter){ .name = "a",
	    .phase = "RUNNING" }), "");

	/* One run by schedule and instant. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_run_get(st, "b", T("2026-11-26T06:30:00Z"), run_cb,
	    &c, &e), 0);
	assert_string_equal(c.text, "3 b 2026-11-26T06:30:00Z trigger pending - "
	    "0 - 0 - 2026-11-26T06:29:00Z 0\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_run_get(st, "b", T("2026-11-26T06:31:00Z"), run_cb,
	    &c, &e), 0);
	assert_int_equal(c.calls, 0);

	/* The callback stops the walk. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(store_run_each(st, &all, run_cb, &c, &e), -1);
	assert_int_equal(c.calls, 2);
	assert_string_equal(e.msg, "enough");
	assert_int_equal(e.code, EX_SOFTWARE);
	store_close(st);
}

/* Removing a schedule keeps its history: schedule_id becomes NULL, the name stays. */
static void
test_remove_keeps_runs(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s;
	struct err	 e = { "", 0 };
	sqlite3		*db;

	put_bare(st, "gone");
	put_bare(st, "stays");
	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, state, execution_name, recorded_at) VALUES "
	    "(1, 'gone', '2026-11-26T06:00:00Z', 'created', 'g1', "
	    "'2026-11-26T06:00:00Z'), "
	    "(1, 'gone', '2026-11-26T07:00:00Z', 'failed', NULL, "
	    "'2026-11-26T07:00:00Z'), "
	    "(2, 'stays', '2026-11-26T06:00:00Z', 'created', 's1', "
	    "'2026-11-26T06:00:00Z')");

	assert_int_equal(store_schedule_get(st, "gone", &s, &e), 0);
	assert_int_equal(store_schedule_delete(st, s.id, &e), 0);
	schedule_clear(&s);

	check_rows(db, "SELECT id, schedule_id, schedule_name, scheduled_at, "
	    "state, execution_name FROM runs ORDER BY id",
	    "1|NULL|gone|2026-11-26T06:00:00Z|created|g1\n"
	    "2|NULL|gone|2026-11-26T07:00:00Z|failed|NULL\n"
	    "3|2|stays|2026-11-26T06:00:00Z|created|s1\n");
	check_rows(db, "SELECT name FROM schedules", "stays\n");
	raw_close(db);

	/* And store_run_each still shows them by name. */
	check_runs(st, "gone", NULL, 0,
	    "2 gone 2026-11-26T07:00:00Z scheduled failed - 0 - 0 - "
	    "2026-11-26T07:00:00Z 0\n"
	    "1 gone 2026-11-26T06:00:00Z scheduled created g1 0 - 0 - "
	    "2026-11-26T06:00:00Z 0\n");
	/* Deleting an id that is not there is not an error. */
	assert_int_equal(store_schedule_delete(st, 99, &e), 0);
	store_close(st);
}

/* ------------------------------------------------------------ views */

static void
test_view_last_runs(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (id, schedule_name, scheduled_at, kind, "
	    "state, error, recorded_at) VALUES "
	    "(1, 'a', '2026-11-26T06:00:00Z', 'scheduled', 'created', NULL, 'x'),"
	    "(2, 'a', '2026-11-26T07:00:00Z', 'scheduled', 'failed', 'e7', 'x'),"
	    /* a later id with an earlier instant (a backfill) is not the latest */
	    "(3, 'a', '2026-11-20T05:00:00Z', 'backfill', 'created', NULL, 'x'),"
	    "(4, 'b', '2026-11-26T06:00:00Z', 'trigger', 'pending', NULL, 'x'),"
	    "(5, 'c', '2026-11-25T00:00:00Z', 'scheduled', 'skipped', 'paused', "
	    "'x'),"
	    "(6, 'c', '2026-11-24T00:00:00Z', 'scheduled', 'created', NULL, 'x')");
	check_rows(db, "SELECT id, schedule_name, scheduled_at, kind, state, "
	    "error FROM last_runs ORDER BY schedule_name",
	    "2|a|2026-11-26T07:00:00Z|scheduled|failed|e7\n"
	    "4|b|2026-11-26T06:00:00Z|trigger|pending|NULL\n"
	    "5|c|2026-11-25T00:00:00Z|scheduled|skipped|paused\n");
	raw_close(db);
}

/*
 * schedule_health, the one definition of failing: a run counts once it
 * finished (not created, or its execution's phase is final) and failed
 * when it was not created or its execution ended FAILED, ABORTED or
 * TIMED_OUT; executions not final yet, pending runs and skips are passed
 * over. failing_schedules is its failing rows.
 */
static void
test_view_schedule_health(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	sqlite3		*db;
	int64_t		 at;
	struct err	 e;

	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "a");
	put_bare(st, "b");
	put_bare(st, "c");
	put_bare(st, "d");
	put_bare(st, "g");
	store_close(st);

	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_name, scheduled_at, state, "
	    "execution_name, phase, error, recorded_at) VALUES "
	    /* a: one failure before the last success (not counted), two after */
	    "('a', '2026-11-26T00:00:00Z', 'failed', NULL, NULL, 'old error', "
	    "'x'),"
	    "('a', '2026-11-26T01:00:00Z', 'created', 'a1', 'SUCCEEDED', NULL, "
	    "'x'),"
	    "('a', '2026-11-26T02:00:00Z', 'failed', NULL, NULL, "
	    "'HTTP 500: boom', 'x'),"
	    "('a', '2026-11-26T04:00:00Z', 'skipped', NULL, NULL, 'overlap', "
	    "'x'),"
	    "('a', '2026-11-26T03:00:00Z', 'created', 'a3', 'FAILED', NULL, "
	    "'x'),"
	    /* ...and executions not finished, which are passed over */
	    "('a', '2026-11-26T05:00:00Z', 'created', 'a5', 'RUNNING', NULL, "
	    "'x'),"
	    "('a', '2026-11-26T06:00:00Z', 'created', 'a6', NULL, NULL, 'x'),"
	    "('a', '2026-11-26T07:00:00Z', 'created', 'a7', 'UNKNOWN', NULL, "
	    "'x'),"
	    "('a', '2026-11-26T08:00:00Z', 'pending', NULL, NULL, NULL, 'x'),"
	    /* b: created, never succeeded: ended TIMED_OUT, ABORTED */
	    "('b', '2026-11-26T01:00:00Z', 'created', 'b1', 'TIMED_OUT', NULL, "
	    "'x'),"
	    "('b', '2026-11-26T02:00:00Z', 'created', 'b2', 'ABORTED', NULL, "
	    "'x'),"
	    /* c: failed, then succeeded, then one still queued */
	    "('c', '2026-11-26T01:00:00Z', 'failed', NULL, NULL, 'e1', 'x'),"
	    "('c', '2026-11-26T02:00:00Z', 'created', 'c2', 'SUCCEEDED', NULL, "
	    "'x'),"
	    "('c', '2026-11-26T03:00:00Z', 'created', 'c3', 'QUEUED', NULL, "
	    "'x'),"
	    /* d: created, the outcome not known: neither */
	    "('d', '2026-11-26T01:00:00Z', 'created', 'd1', NULL, NULL, 'x'),"
	    /* e: failures of a removed schedule */
	    "('e', '2026-11-26T01:00:00Z', 'failed', NULL, NULL, 'e1', 'x'),"
	    /* g: created runs whose executions all ended FAILED (issue 9) */
	    "('g', '2026-11-26T01:00:00Z', 'created', 'g1', 'FAILED', NULL, "
	    "'x'),"
	    "('g', '2026-11-26T02:00:00Z', 'created', 'g2', 'FAILED', NULL, "
	    "'x'),"
	    "('g', '2026-11-26T03:00:00Z', 'created', 'g3', 'FAILED', NULL, "
	    "'x')");
	check_rows(db, "SELECT name, last_success_at, consecutive_failures, "
	    "last_failure_at, last_error FROM schedule_health ORDER BY name",
	    "a|2026-11-26T01:00:00Z|2|2026-11-26T03:00:00Z|execution a3 ended "
	    "FAILED\n"
	    "b|NULL|2|2026-11-26T02:00:00Z|execution b2 ended ABORTED\n"
	    "c|2026-11-26T02:00:00Z|0|NULL|NULL\n"
	    "d|NULL|0|NULL|NULL\n"
	    "g|NULL|3|2026-11-26T03:00:00Z|execution g3 ended FAILED\n");
	check_rows(db, "SELECT name, consecutive_failures, last_failure_at, "
	    "last_error FROM failing_schedules ORDER BY name",
	    "a|2|2026-11-26T03:00:00Z|execution a3 ended FAILED\n"
	    "b|2|2026-11-26T02:00:00Z|execution b2 ended ABORTED\n"
	    "g|3|2026-11-26T03:00:00Z|execution g3 ended FAILED\n");
	/* An execution still running turns out SUCCEEDED: a is well again. */
	raw_exec(db, "UPDATE runs SET phase = 'SUCCEEDED' WHERE "
	    "execution_name = 'a5'");
	check_rows(db, "SELECT name, consecutive_failures FROM "
	    "failing_schedules ORDER BY name", "b|2\ng|3\n");
	/* A creation failure after it makes it fail again, with Admin's message. */
	raw_exec(db, "UPDATE runs SET state = 'failed', error = 'HTTP 400: "
	    "bad input' WHERE schedule_name = 'a' AND state = 'pending'");
	check_rows(db, "SELECT name, consecutive_failures, last_error FROM "
	    "failing_schedules ORDER BY name",
	    "a|1|HTTP 400: bad input\nb|2|execution b2 ended ABORTED\n"
	    "g|3|execution g3 ended FAILED\n");
	raw_close(db);

	/* The fire path's look-up: the newest SUCCEEDED, none for g. */
	st = open_store(f->path, 0);
	assert_int_equal(store_last_success(st, "a", T("2026-11-27T00:00:00Z"),
	    &at, &e), 0);
	assert_int_equal(at, T("2026-11-26T05:00:00Z"));
	/* Before an instant: a backfill of the past sees the past. */
	assert_int_equal(store_last_success(st, "a", T("2026-11-26T05:00:00Z"),
	    &at, &e), 0);
	assert_int_equal(at, T("2026-11-26T01:00:00Z"));
	assert_int_equal(store_last_success(st, "a", T("2026-11-26T01:00:00Z"),
	    &at, &e), 0);
	assert_int_equal(at, 0);
	assert_int_equal(store_last_success(st, "g", T("2026-11-27T00:00:00Z"),
	    &at, &e), 0);
	assert_int_equal(at, 0);
	assert_int_equal(store_last_success(st, "nosuch",
	    T("2026-11-27T00:00:00Z"), &at, &e), 0);
	assert_int_equal(at, 0);
	store_close(st);
}

static void
test_view_late_fires(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_name, scheduled_at, kind, "
	    "state, execution_name, recorded_at, sent_at) VALUES "
	    "('a', '2026-11-26T06:00:00Z', 'scheduled', 'created', 'a-0600', "
	    "'x', '2026-11-26T06:01:01Z'),"			/* 61 s: late */
	    "('a', '2026-11-26T07:00:00Z', 'scheduled', 'created', 'a-0700', "
	    "'x', '2026-11-26T07:00:30Z'),"			/* 30 s */
	    "('a', '2026-11-26T08:00:00Z', 'scheduled', 'failed', NULL, "
	    "'x', '2026-11-26T08:10:00Z'),"			/* 600 s: late */
	    "('a', '2026-11-26T09:00:00Z', 'catchup', 'created', 'a-0900', "
	    "'x', '2026-11-26T11:00:00Z'),"			/* catch-up */
	    "('a', '2026-11-26T10:00:00Z', 'backfill', 'created', 'a-1000', "
	    "'x', '2026-11-27T10:00:00Z'),"			/* backfill */
	    "('a', '2026-11-26T10:30:00Z', 'trigger', 'created', 'a-1030', "
	    "'x', '2026-11-26T10:40:00Z'),"			/* trigger */
	    "('a', '2026-11-26T12:00:00Z', 'scheduled', 'pending', NULL, "
	    "'x', NULL),"					/* not sent */
	    "('b', '2026-11-26T23:59:30Z', 'scheduled', 'created', 'b-2359', "
	    "'x', '2026-11-27T00:01:00Z')");			/* 90 s, next day */
	check_rows(db, "SELECT schedule_name, scheduled_at, sent_at, "
	    "execution_name, state, late_seconds FROM late_fires "
	    "ORDER BY schedule_name, scheduled_at",
	    "a|2026-11-26T06:00:00Z|2026-11-26T06:01:01Z|a-0600|created|61\n"
	    "a|2026-11-26T08:00:00Z|2026-11-26T08:10:00Z|NULL|failed|600\n"
	    "b|2026-11-26T23:59:30Z|2026-11-27T00:01:00Z|b-2359|created|90\n");
	raw_close(db);
}

/*
 * "More than 60 s late" in whole seconds (schema 004): a fire sent exactly
 * 60 s after its instant is never listed, whatever the instant (julianday()
 * differences made 00:05:00Z -> 00:06:00Z come out as 60.0000038 s and
 * 06:00:00Z -> 06:01:00Z as 59.99999 s); 61 s always is, as an integer.
 */
static void
test_view_late_fires_exactly_60s(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_name, scheduled_at, kind, "
	    "state, recorded_at, sent_at) VALUES "
	    "('a', '2026-11-26T00:05:00Z', 'scheduled', 'created', 'x', "
	    "'2026-11-26T00:06:00Z'),"
	    "('a', '2026-11-26T06:00:00Z', 'scheduled', 'created', 'x', "
	    "'2026-11-26T06:01:00Z'),"
	    "('a', '2026-11-26T23:59:00Z', 'scheduled', 'created', 'x', "
	    "'2026-11-27T00:00:00Z'),"
	    "('b', '2026-11-26T00:05:00Z', 'scheduled', 'created', 'x', "
	    "'2026-11-26T00:06:01Z'),"
	    "('b', '2026-11-26T06:00:00Z', 'scheduled', 'created', 'x', "
	    "'2026-11-26T06:01:01Z'),"
	    "('b', '2026-12-31T23:59:59Z', 'scheduled', 'failed', 'x', "
	    "'2027-01-01T00:01:00Z')");
	check_rows(db, "SELECT schedule_name, scheduled_at, late_seconds, "
	    "typeof(late_seconds) FROM late_fires ORDER BY schedule_name, "
	    "scheduled_at",
	    "b|2026-11-26T00:05:00Z|61|integer\n"
	    "b|2026-11-26T06:00:00Z|61|integer\n"
	    "b|2026-12-31T23:59:59Z|61|integer\n");
	raw_close(db);
}

/* ------------------------------------------------------------ concurrency */

#define WRITES_PER_CHILD	200

/* In a child: WRITES_PER_CHILD read-increment-write transactions of the counter in note. */
static int
increment_counter(const char *path, int start_fd)
{
	struct store	*st;
	struct err	 e = { "", 0 };
	char		 go, buf[32];
	int		 done = 0, retries = 0;

	if (read(start_fd, &go, 1) != 0)	/* the parent closes it: go */
		return 2;
	if (store_open(path, 0, &st, &e) == -1) {
		fprintf(stderr, "child %d: %s\n", (int)getpid(), e.msg);
		return 3;
	}
	while (done < WRITES_PER_CHILD) {
		struct schedule	s;

		if (store_begin(st, &e) == -1) {
			if (e.code == EX_TEMPFAIL && ++retries < 1000)
				continue;
			fprintf(stderr, "child: begin: %s\n", e.msg);
			store_close(st);
			return 4;
		}
		if (store_schedule_get(st, "counter", &s, &e) == -1) {
			fprintf(stderr, "child: get: %s\n", e.msg);
			store_rollback(st);
			store_close(st);
			return 5;
		}
		snprintf(buf, sizeof(buf), "%ld", strtol(s.note, NULL, 10) + 1);
		free(s.note);
		s.note = strdup(buf);
		s.updated_at++;
		if (s.note == NULL || store_schedule_put(st, &s, &e) == -1) {
			fprintf(stderr, "child: put: %s\n", e.msg);
			schedule_clear(&s);
			store_rollback(st);
			store_close(st);
			return 6;
		}
		schedule_clear(&s);
		if (store_commit(st, &e) == -1) {
			if (e.code == EX_TEMPFAIL && ++retries < 1000)
				continue;
			fprintf(stderr, "child: commit: %s\n", e.msg);
			store_close(st);
			return 7;
		}
		done++;
	}
	store_close(st);
	return 0;
}

static void
test_concurrent_writers(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s;
	struct err	 e = { "", 0 };
	pid_t		 pids[2];
	int		 fds[2], status;
	sqlite3		*db;

	st = open_store(f->path, STORE_CREATE);
	bare_schedule(&s, "counter");
	s.note = xstrdup("0");
	put_ok(st, &s);
	schedule_clear(&s);
	store_close(st);

	assert_int_equal(pipe(fds), 0);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[1]);
			_exit(increment_counter(f->path, fds[0]));
		}
	}
	close(fds[0]);
	close(fds[1]);			/* both start now */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	st = open_store(f->path, 0);
	assert_int_equal(store_schedule_get(st, "counter", &s, &e), 0);
	assert_string_equal(s.note, "400");
	assert_int_equal(s.updated_at,
	    T("2026-01-01T00:00:00Z") + 2 * WRITES_PER_CHILD);
	schedule_clear(&s);
	store_close(st);

	db = raw_open(f->path);
	check_rows(db, "SELECT id, name, note FROM schedules", "1|counter|400\n");
	check_rows(db, "PRAGMA integrity_check", "ok\n");
	raw_close(db);
}

/*
 * Several processes opening the same new database with STORE_CREATE at once
 * (the daemon's first start and a schedctl add, say) all succeed, and the
 * schema is applied once: check_identity reads application_id, user_version
 * and the objects in one read transaction (it used to see application_id 0
 * from before another process's migration committed and the tables from
 * after: "not a schedd database"), and switching to WAL waits for the other
 * openers. The race is repeated in ROUNDS fresh files so that a regression
 * fails reliably.
 */
#define CREATE_ROUNDS		20
#define CREATE_PROCESSES	4

static void
test_concurrent_create(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		*fresh, *got, path[256];
	int		 failures = 0;

	make_db(f);
	db = raw_open(f->path);
	fresh = schema_dump(db);
	raw_close(db);

	for (int round = 0; round < CREATE_ROUNDS; round++) {
		pid_t	pids[CREATE_PROCESSES];
		int	fds[2], status;

		snprintf(path, sizeof(path), "%s/race%d.db", f->dir, round);
		assert_int_equal(pipe(fds), 0);
		for (int i = 0; i < CREATE_PROCESSES; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct store	*st;
				struct err	 e = { "", 0 };
				char		 go;
				int		 rc = 0;

				close(fds[1]);
				if (read(fds[0], &go, 1) != 0)
					_exit(2);
				if (store_open(path, STORE_CREATE, &st,
				    &e) == -1) {
					fprintf(stderr, "round %d, process %d: "
					    "%s (code %d)\n", round, i, e.msg,
					    e.code);
					_exit(3);
				}
				if (store_schema_version(st) !=
				    schema_migration_count)
					rc = 4;
				store_close(st);
				_exit(rc);
			}
		}
		close(fds[0]);
		close(fds[1]);		/* all start now */
		for (int i = 0; i < CREATE_PROCESSES; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failures++;
		}
		db = raw_open(path);
		got = schema_dump(db);
		raw_close(db);
		if (strcmp(got, fresh) != 0)
			failures++;
		free(got);
		if (failures > 0)
			break;
	}
	free(fresh);
	if (failures > 0)
		fail_msg("concurrent store_open(STORE_CREATE) of a new "
		    "database failed (see above)");
}

static double
now_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* store_check_file must fail with EX_IOERR and "database PATH was replaced or removed under the daemon (why)". */
static void
check_file_fails(struct store *st, const char *path, const char *why)
{
	struct err	e = { "", 0 };
	char		want[512];

	assert_int_equal(store_check_file(st, &e), -1);
	assert_int_equal(e.code, EX_IOERR);
	snprintf(want, sizeof(want), "database %s was replaced or removed "
	    "under the daemon (%s)", path, why);
	assert_string_equal(e.msg, want);
}

/*
 * Another database moved over ours: the check says so, and closing takes
 * our WAL and its index away from the path, so that the new file is read
 * as it is (byte for byte the same), not with our pages over it.
 */
static void
test_check_file_replaced(void **state)
{
	struct fx	*f = *state;
	struct store	*st, *other;
	struct err	 e = { "", 0 };
	unsigned char	*before, *after;
	size_t		 nbefore, nafter;
	char		 path[160], listing[512];
	sqlite3		*db;

	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "ours");
	assert_int_equal(store_check_file(st, &e), 0);
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	other = open_store(path, STORE_CREATE);
	put_bare(other, "theirs");
	store_close(other);
	assert_non_null(before = read_bytes(path, &nbefore));
	assert_int_equal(rename(path, f->path), 0);
	check_file_fails(st, f->path, "the path names another file now");
	put_bare(st, "ours_too");	/* what a running daemon did */
	check_file_fails(st, f->path, "the path names another file now");
	store_close(st);
	list_dir(f->dir, listing, sizeof(listing));
	assert_string_equal(listing, "schedd.db");
	assert_non_null(after = read_bytes(f->path, &nafter));
	assert_int_equal(nafter, nbefore);
	assert_memory_equal(after, before, nbefore);
	free(before);
	free(after);
	db = raw_open(f->path);
	check_rows(db, "PRAGMA integrity_check", "ok\n");
	check_rows(db, "SELECT name FROM schedules", "theirs\n");
	raw_close(db);
}

/* Ours removed: the check says so, closing leaves nothing behind, and a database made at the path starts empty. */
static void
test_check_file_removed(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct err	 e = { "", 0 };
	char		 listing[512];
	sqlite3		*db;

	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "ours");
	assert_int_equal(unlink(f->path), 0);
	check_file_fails(st, f->path, "No such file or directory");
	store_close(st);
	list_dir(f->dir, listing, sizeof(listing));
	assert_string_equal(listing, "");
	store_close(open_store(f->path, STORE_CREATE));
	db = raw_open(f->path);
	check_rows(db, "SELECT count(*) FROM schedules", "0\n");
	raw_close(db);
	/* A database in memory has no path to lose. */
	st = open_store(":memory:", STORE_CREATE);
	assert_int_equal(store_check_file(st, &e), 0);
	store_close(st);
}

/*
 * Ours moved away with its WAL, a stranger's file put at the WAL's name:
 * the moved database is made whole (checkpointed through our own
 * descriptors), and what is not ours at the path is left alone.
 */
static void
test_check_file_leaves_what_is_not_ours(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	char		 wal[160], moved[140], moved_wal[160], listing[512];
	unsigned char	*data;
	size_t		 len;
	sqlite3		*db;

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	snprintf(moved, sizeof(moved), "%s/moved.db", f->dir);
	snprintf(moved_wal, sizeof(moved_wal), "%s-wal", moved);
	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "ours");
	assert_int_equal(rename(f->path, moved), 0);
	assert_int_equal(rename(wal, moved_wal), 0);
	write_bytes(wal, "not ours", 8);
	check_file_fails(st, f->path, "No such file or directory");
	store_close(st);
	list_dir(f->dir, listing, sizeof(listing));
	assert_string_equal(listing, "moved.db moved.db-wal schedd.db-wal");
	assert_non_null(data = read_bytes(wal, &len));
	assert_int_equal(len, 8);
	assert_memory_equal(data, "not ours", 8);
	free(data);
	assert_non_null(data = read_bytes(moved_wal, &len));
	assert_int_equal(len, 0);
	free(data);
	db = raw_open(moved);
	check_rows(db, "PRAGMA integrity_check", "ok\n");
	check_rows(db, "SELECT name FROM schedules", "ours\n");
	raw_close(db);
}

/* A writer holding the lock past the busy timeout: EX_TEMPFAIL, and reads still work. */
static void
test_locked_tempfail(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s;
	struct err	 e = { "", 0 };
	sqlite3		*db;
	double		 t0, waited;
	char		 msg[512];

	st = open_store(f->path, STORE_CREATE);
	put_bare(st, "one");

	db = raw_open(f->path);
	raw_exec(db, "BEGIN IMMEDIATE");

	t0 = now_seconds();
	assert_int_equal(store_begin(st, &e), -1);
	waited = now_seconds() - t0;
	assert_int_equal(e.code, EX_TEMPFAIL);
	snprintf(msg, sizeof(msg), "database %s is locked (still busy after "
	    "5000 ms); try again", f->path);
	assert_string_equal(e.msg, msg);
	if (waited < 4.5 || waited > 30)
		fail_msg("store_begin gave up after %.2f s, want about %.1f s",
		    waited, STORE_BUSY_TIMEOUT_MS / 1000.0);

	/* WAL: readers are not blocked by the writer. */
	assert_int_equal(store_schedule_get(st, "one", &s, &e), 0);
	schedule_clear(&s);

	/* Once the other writer is done, the store writes again. */
	raw_exec(db, "ROLLBACK");
	assert_int_equal(store_begin(st, &e), 0);
	put_bare(st, "two");
	assert_int_equal(store_commit(st, &e), 0);
	check_rows(db, "SELECT name FROM schedules ORDER BY name",
	    "one\ntwo\n");
	raw_close(db);
	store_close(st);
}

/* store_rollback undoes the transaction. */
static void
test_rollback(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct err	 e = { "", 0 };
	sqlite3		*db;

	assert_int_equal(store_begin(st, &e), 0);
	put_bare(st, "never");
	store_rollback(st);
	store_rollback(st);	/* outside a transaction: harmless */
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM schedules"), 0);
	raw_close(db);
	store_close(st);
}

/* ------------------------------------------------------------ statements */

/* Every statement of the store's tables prepares on a fresh schema, under a name of its own. */
static void
test_statements_prepare(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	const char	*sql, *name, *names[128];
	int		 n = 0;

	make_db(f);
	db = raw_open(f->path);
	while ((sql = store_statement_sql(n, &name)) != NULL) {
		sqlite3_stmt	*stmt = NULL;

		if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK ||
		    stmt == NULL)
			fail_msg("statement %d (%s) does not prepare: %s", n,
			    name, sqlite3_errmsg(db));
		sqlite3_finalize(stmt);
		for (int i = 0; i < n; i++)
			if (strcmp(names[i], name) == 0)
				fail_msg("two statements named %s", name);
		assert_true(n < (int)NELEM(names));
		names[n++] = name;
	}
	assert_true(n >= 30);
	assert_null(store_statement_sql(-1, &name));
	raw_close(db);
}

/* A walk's callback that walks the same statement again. */
static int
nested_cb(const struct schedule *s, void *arg, struct err *e)
{
	struct walk	w;

	(void)s;
	memset(&w, 0, sizeof(w));
	return store_schedule_each(arg, walk_cb, &w, e);
}

/*
 * Statements are prepared once and reused: after a row, after no row,
 * after a failed step, after a walk stopped half way (reset: no read left
 * open), with no binding left over from the previous use, and refused
 * while a walk of the same statement is under way.
 */
static void
test_statement_cache(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s;
	struct walk	 w;
	struct err	 e = { "", 0 };
	sqlite3		*db;
	int		 n;

	put_bare(st, "a");
	n = store_statements_prepared(st);
	assert_int_equal(store_schedule_get(st, "a", &s, &e), 0);
	schedule_clear(&s);
	assert_int_equal(store_statements_prepared(st), n + 1);
	assert_int_equal(store_schedule_get(st, "a", &s, &e), 0);
	assert_string_equal(s.name, "a");
	schedule_clear(&s);
	assert_int_equal(store_schedule_get(st, "b", &s, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_int_equal(store_schedule_get(st, "a", &s, &e), 0);
	schedule_clear(&s);
	assert_int_equal(store_statements_prepared(st), n + 1);

	/* A CHECK constraint fails the step; the statement serves the next put. */
	bare_schedule(&s, "bad name");
	assert_int_equal(store_schedule_put(st, &s, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	schedule_clear(&s);
	put_bare(st, "c");
	assert_int_equal(store_statements_prepared(st), n + 1);

	/* Bindings are cleared: a schedule_id bound once is not bound again. */
	bare_schedule(&s, "a");
	s.id = 7;
	assert_int_equal(store_change_record(st, T("2026-01-01T00:00:00Z"),
	    "add", &s, NULL, "{}", &e), 0);
	s.id = 0;
	assert_int_equal(store_change_record(st, T("2026-01-01T00:00:01Z"),
	    "add", &s, NULL, "{}", &e), 0);
	schedule_clear(&s);
	db = raw_open(f->path);
	check_rows(db, "SELECT quote(schedule_id) FROM changes ORDER BY id",
	    "7\nNULL\n");

	/* A walk stopped by its callback is reset: the WAL can be checkpointed whole. */
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), -1);
	check_rows(db, "PRAGMA wal_checkpoint(TRUNCATE)", "0|0|0\n");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), 0);
	assert_string_equal(w.names, "a,c");

	/* Reentry would restart the outer walk: refused. */
	assert_int_equal(store_schedule_each(st, nested_cb, st, &e), -1);
	assert_int_equal(e.code, EX_SOFTWARE);
	assert_non_null(strstr(e.msg, ": schedule_each: in use by a walk"));
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), 0);
	assert_string_equal(w.names, "a,c");
	raw_close(db);
	store_close(st);
}

/* store_close finalizes every statement: SQLite gives back all it took. */
static void
test_statement_close(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	struct schedule	 s;
	struct walk	 w;
	struct err	 e = { "", 0 };
	sqlite3_int64	 before;
	int		 n;

	make_db(f);
	before = sqlite3_memory_used();
	st = open_store(f->path, 0);
	n = store_statements_prepared(st);
	put_bare(st, "a");
	assert_int_equal(store_schedule_get(st, "a", &s, &e), 0);
	schedule_clear(&s);
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	assert_int_equal(store_schedule_each(st, walk_cb, &w, &e), -1);
	assert_int_equal(store_statements_prepared(st), n + 3);
	store_close(st);
	assert_int_equal(sqlite3_memory_used(), before);

	/* A new connection prepares again, on first use. */
	st = open_store(f->path, 0);
	assert_int_equal(store_statements_prepared(st), n);
	assert_int_equal(store_schedule_get(st, "a", &s, &e), 0);
	schedule_clear(&s);
	assert_int_equal(store_statements_prepared(st), n + 1);
	store_close(st);
}

/* ------------------------------------------------------------ the daemon's reads and writes */

/* Each state by name and back; anything else refused. */
static void
test_run_state_names(void **state)
{
	static const char *const names[] = {
		"pending", "created", "failed", "skipped"
	};
	static const char *const bad[] = {
		"new", "", "Pending", "pending ", "created\n", "skip"
	};
	enum run_state	 rs;

	(void)state;
	assert_int_equal(RUN_PENDING, 0);
	for (size_t i = 0; i < NELEM(names); i++) {
		assert_string_equal(run_state_name((enum run_state)i),
		    names[i]);
		rs = (enum run_state)99;
		assert_int_equal(run_state_parse(names[i], &rs), 0);
		assert_int_equal(rs, (int)i);
	}
	assert_int_equal(run_state_parse("failed", &rs), 0);
	assert_int_equal(rs, RUN_FAILED);
	for (size_t i = 0; i < NELEM(bad); i++) {
		rs = RUN_CREATED;
		assert_int_equal(run_state_parse(bad[i], &rs), -1);
		assert_int_equal(rs, RUN_CREATED);
	}
	assert_int_equal(run_state_parse(NULL, &rs), -1);
	assert_null(run_state_name((enum run_state)4));
	assert_null(run_state_name((enum run_state)99));
}

/* A fire's row: new, then found with the state each result left in it. */
static void
test_run_fire_states(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct err	 e = { "", 0 };
	enum run_state	 rs, want;
	int64_t		 id, again, t = T("2026-11-26T06:00:00Z");
	int		 inserted;
	sqlite3		*db;

	put_bare(st, "a");
	assert_int_equal(store_run_fire(st, 1, "a", t, "scheduled", "a-0600",
	    t + 1, &id, &inserted, &rs, &e), 0);
	assert_int_equal(inserted, 1);
	assert_int_equal(rs, RUN_PENDING);
	assert_int_equal(id, 1);
	/* A second fire of the same instant writes nothing. */
	inserted = -1;
	assert_int_equal(store_run_fire(st, 1, "a", t, "catchup", "other",
	    t + 2, &again, &inserted, &rs, &e), 0);
	assert_int_equal(inserted, 0);
	assert_int_equal(again, id);
	assert_int_equal(rs, RUN_PENDING);

	db = raw_open(f->path);
	for (want = RUN_CREATED; ; want = RUN_PENDING) {
		assert_int_equal(store_run_result(st, id, want, "a-0600",
		    want == RUN_CREATED ? 200 : 0, NULL, 1, t + 3, t + 4, &e),
		    0);
		assert_int_equal(store_run_fire(st, 1, "a", t, "scheduled",
		    "a-0600", t + 5, &again, &inserted, &rs, &e), 0);
		assert_int_equal(inserted, 0);
		assert_int_equal(again, id);
		assert_int_equal(rs, want);
		if (want == RUN_PENDING)
			break;
	}
	check_rows(db, "SELECT kind, state, execution_name, http_status, "
	    "attempts, sent_at, quote(finished_at) FROM runs",
	    "scheduled|pending|a-0600|NULL|2|2026-11-26T06:00:03Z|NULL\n");
	for (want = RUN_FAILED; want <= RUN_SKIPPED; want++) {
		assert_int_equal(store_run_result(st, id, want, NULL, 0, "why",
		    0, 0, t + 6, &e), 0);
		assert_int_equal(store_run_fire(st, 1, "a", t, "scheduled",
		    "a-0600", t + 7, &again, &inserted, &rs, &e), 0);
		assert_int_equal(rs, want);
	}
	check_rows(db, "SELECT state, error, finished_at FROM runs",
	    "skipped|why|2026-11-26T06:00:06Z\n");
	/* A state out of range is refused by the schema, not written. */
	assert_int_equal(store_run_result(st, id, (enum run_state)7, NULL, 0,
	    NULL, 0, 0, t + 8, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	check_rows(db, "SELECT state FROM runs", "skipped\n");
	raw_close(db);
	store_close(st);
}

/* store_timing_get's callback: the rows it was handed, as text. */
static int
timing_cb(const struct store_timing *t, void *arg, struct err *e)
{
	struct collected	*c = arg;
	char			 line[256], since[32], last[32];

	(void)e;
	civil_format_rfc3339(t->active_since, 0, since, sizeof(since));
	if (t->last_instant != 0)
		civil_format_rfc3339(t->last_instant, 0, last, sizeof(last));
	else
		snprintf(last, sizeof(last), "0");
	snprintf(line, sizeof(line), "%lld %s %s %s %s %d %s %lld %s %s\n",
	    (long long)t->id, t->name, t->cron, t->tz, since, t->paused,
	    t->catchup, (long long)t->catchup_window, t->overlap, last);
	strncat(c->text, line, sizeof(c->text) - strlen(c->text) - 1);
	c->calls++;
	return 0;
}

/* store_timing_get(id, name) as text. */
static void
check_timing_at(struct store *st, int64_t id, const char *name,
    const char *want, const char *file, int line)
{
	struct collected	c;
	struct err		e = { "", 0 };

	memset(&c, 0, sizeof(c));
	if (store_timing_get(st, id, name, timing_cb, &c, &e) != 0) {
		print_error("%s:%d: store_timing_get: %s\n", file, line, e.msg);
		_fail(file, line);
	}
	if (strcmp(c.text, want) != 0) {
		print_error("%s:%d: store_timing_get(%lld, %s)\n--- got:\n%s"
		    "--- want:\n%s---\n", file, line, (long long)id,
		    name ? name : "NULL", c.text, want);
		_fail(file, line);
	}
}

/*
 * One schedule by id or by name, none for a missing one; last_instant is
 * the newest scheduled or catch-up run, whatever triggers and backfills
 * came after it. store_timing_each hands over every schedule.
 */
static void
test_timing_get(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s;
	struct collected c;
	struct err	 e = { "", 0 };
	sqlite3		*db;
	const char	*a = "1 a @hourly UTC 2026-01-01T00:00:00Z 0 latest "
			    "3600 allow ";
	const char	*b = "2 b 0 */6 * * * Asia/Shanghai "
			    "2026-11-28T08:00:01Z 1 all 7200 buffer-one ";
	char		 want[256];

	put_bare(st, "a");
	full_schedule(&s, "b");
	put_ok(st, &s);
	schedule_clear(&s);

	snprintf(want, sizeof(want), "%s0\n", a);
	check_timing(st, 1, NULL, want);
	check_timing(st, 0, "a", want);
	/* The id wins over the name. */
	check_timing(st, 1, "b", want);
	snprintf(want, sizeof(want), "%s0\n", b);
	check_timing(st, 2, NULL, want);
	check_timing(st, 0, "b", want);
	check_timing(st, 3, NULL, "");
	check_timing(st, -1, NULL, "");
	check_timing(st, 0, "c", "");
	check_timing(st, 0, NULL, "");

	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (schedule_id, schedule_name, "
	    "scheduled_at, kind, state, recorded_at) VALUES "
	    "(1, 'a', '2026-11-26T06:00:00Z', 'scheduled', 'created', "
	    "'2026-11-26T06:00:00Z'), "
	    "(1, 'a', '2026-11-26T07:00:00Z', 'catchup', 'skipped', "
	    "'2026-11-26T07:00:00Z'), "
	    "(1, 'a', '2026-11-26T08:00:00Z', 'trigger', 'created', "
	    "'2026-11-26T08:00:00Z'), "
	    "(1, 'a', '2026-11-26T09:00:00Z', 'backfill', 'created', "
	    "'2026-11-26T09:00:00Z'), "
	    "(2, 'b', '2026-11-20T00:00:00Z', 'scheduled', 'failed', "
	    "'2026-11-20T00:00:00Z'), "
	    "(NULL, 'gone', '2026-11-29T00:00:00Z', 'scheduled', 'failed', "
	    "'2026-11-29T00:00:00Z')");
	raw_close(db);
	snprintf(want, sizeof(want), "%s2026-11-26T07:00:00Z\n", a);
	check_timing(st, 1, NULL, want);
	check_timing(st, 0, "a", want);
	snprintf(want, sizeof(want), "%s2026-11-20T00:00:00Z\n", b);
	check_timing(st, 2, NULL, want);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_timing_each(st, timing_cb, &c, &e), 0);
	assert_int_equal(c.calls, 2);
	snprintf(want, sizeof(want), "%s2026-11-26T07:00:00Z\n"
	    "%s2026-11-20T00:00:00Z\n", a, b);
	assert_string_equal(c.text, want);
	store_close(st);
}

/* The full row by primary key; a missing id is EX_NOINPUT. */
static void
test_schedule_get_id(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct schedule	 s, got;
	struct err	 e = { "", 0 };

	put_bare(st, "a");
	full_schedule(&s, "b");
	put_ok(st, &s);
	assert_int_equal(s.id, 2);
	assert_int_equal(store_schedule_get_id(st, 2, &got, &e), 0);
	assert_same_schedule(&got, &s);
	schedule_clear(&got);
	assert_int_equal(store_schedule_get_id(st, 1, &got, &e), 0);
	assert_string_equal(got.name, "a");
	assert_null(got.version);
	schedule_clear(&got);

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_schedule_get_id(st, 3, &got, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	assert_string_equal(e.msg, "no schedule with id 3");
	assert_null(got.name);
	assert_int_equal(store_schedule_delete(st, 2, &e), 0);
	assert_int_equal(store_schedule_get_id(st, 2, &got, &e), -1);
	assert_int_equal(e.code, EX_NOINPUT);
	schedule_clear(&s);
	store_close(st);
}

/* store_changes_since's callback: "id name" lines. */
static int
changed_cb(int64_t id, const char *name, void *arg, struct err *e)
{
	struct collected	*c = arg;
	char			 line[160];

	(void)e;
	snprintf(line, sizeof(line), "%lld %s\n", (long long)id, name);
	strncat(c->text, line, sizeof(c->text) - strlen(c->text) - 1);
	c->calls++;
	return 0;
}

/* The change feed: each schedule changed after an id once, newest change last. */
static void
test_changes_since(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct collected c;
	struct schedule	 a, b;
	struct err	 e = { "", 0 };
	int64_t		 last, t = T("2026-11-26T06:00:00Z");

	bare_schedule(&a, "a");
	bare_schedule(&b, "b");
	put_ok(st, &a);
	put_ok(st, &b);
	assert_int_equal(store_changes_since(st, 0, &last, changed_cb, &c,
	    &e), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_change_record(st, t, "add", &a, NULL, "{}",
	    &e), 0);
	assert_int_equal(store_change_record(st, t, "add", &b, NULL, "{}",
	    &e), 0);
	assert_int_equal(store_change_record(st, t, "pause", &a, "{}", "{}",
	    &e), 0);
	b.id = 0;	/* removed: its name is all the feed has */
	assert_int_equal(store_change_record(st, t, "remove", &b, "{}", NULL,
	    &e), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_changes_since(st, 0, &last, changed_cb, &c,
	    &e), 0);
	assert_string_equal(c.text, "1 a\n2 b\n");
	assert_int_equal(last, 4);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_changes_since(st, 3, &last, changed_cb, &c,
	    &e), 0);
	assert_string_equal(c.text, "0 b\n");
	assert_int_equal(last, 4);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_changes_since(st, 4, &last, changed_cb, &c,
	    &e), 0);
	assert_int_equal(c.calls, 0);
	assert_int_equal(last, 4);
	/* No callback: only where the feed stands. */
	assert_int_equal(store_changes_since(st, 0, &last, NULL, NULL, &e), 0);
	assert_int_equal(last, 4);
	assert_int_equal(store_changes_since(st, 2, &last, NULL, NULL, &e), 0);
	assert_int_equal(last, 4);
	assert_int_equal(store_changes_since(st, 9, &last, NULL, NULL, &e), 0);
	assert_int_equal(last, 9);
	schedule_clear(&a);
	schedule_clear(&b);
	store_close(st);
}

/* Retention: the oldest finished runs before the cutoff go, a batch at a time; pending ones stay. */
static void
test_runs_prune(void **state)
{
	struct fx	*f = *state;
	struct store	*st = open_store(f->path, STORE_CREATE);
	struct err	 e = { "", 0 };
	sqlite3		*db;
	int		 deleted;

	put_bare(st, "a");
	db = raw_open(f->path);
	raw_exec(db, "INSERT INTO runs (id, schedule_id, schedule_name, "
	    "scheduled_at, kind, state, recorded_at) VALUES "
	    "(1, 1, 'a', '2026-03-01T00:00:00Z', 'scheduled', 'created', 'x'), "
	    "(2, 1, 'a', '2026-01-01T00:00:00Z', 'scheduled', 'pending', 'x'), "
	    "(3, 1, 'a', '2026-02-01T00:00:00Z', 'backfill', 'failed', 'x'), "
	    "(4, 1, 'a', '2026-01-15T00:00:00Z', 'catchup', 'skipped', 'x'), "
	    "(5, 1, 'a', '2026-06-01T00:00:00Z', 'scheduled', 'created', 'x')");
	assert_int_equal(store_runs_prune(st, T("2026-05-01T00:00:00Z"), 2,
	    &deleted, &e), 0);
	assert_int_equal(deleted, 2);
	check_rows(db, "SELECT id FROM runs ORDER BY id", "1\n2\n5\n");
	assert_int_equal(store_runs_prune(st, T("2026-05-01T00:00:00Z"), 2,
	    &deleted, &e), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(store_runs_prune(st, T("2026-05-01T00:00:00Z"), 2,
	    &deleted, &e), 0);
	assert_int_equal(deleted, 0);
	check_rows(db, "SELECT id FROM runs ORDER BY id", "2\n5\n");
	raw_close(db);
	store_close(st);
}

/* The query plan of the store's statement called name, one detail a line (caller frees). */
static char *
statement_plan(sqlite3 *db, const char *name)
{
	const char	*sql = NULL, *got;
	char		*eqp, *plan;

	for (int j = 0; (sql = store_statement_sql(j, &got)) != NULL; j++)
		if (strcmp(got, name) == 0)
			break;
	if (sql == NULL)
		fail_msg("no statement named %s", name);
	if ((eqp = malloc(strlen(sql) + 32)) == NULL)
		fail_msg("out of memory");
	sprintf(eqp, "EXPLAIN QUERY PLAN %s", sql);
	/* id|parent|notused|detail: the details, one a line. */
	plan = raw_rows(db, eqp);
	free(eqp);
	return plan;
}

/*
 * What the daemon runs per fire, per result, per watched execution and
 * per reload is an index look-up: no statement's query plan scans a table,
 * and the ones the migrations added an index for use it. The plans are
 * those of a fresh database without statistics, as the daemon's are.
 */
static void
test_hot_statements_use_indexes(void **state)
{
	static const struct {
		const char	*name;
		const char	*index;	/* the plan must name it; NULL: any */
	} hot[] = {
		{ "timing_get_id", "runs_last_instant" },
		{ "timing_get_name", "runs_last_instant" },
		{ "schedule_get", NULL },
		{ "schedule_get_id", NULL },
		{ "run_fire", NULL },
		{ "run_fire_existing", NULL },
		{ "run_skip", NULL },
		{ "run_result", NULL },
		{ "run_request_body", NULL },
		{ "run_withdraw", NULL },
		{ "run_phase", NULL },
		{ "runs_prune", "runs_scheduled_at" },
		{ "heartbeat_touch", NULL },
		{ "changes_since", NULL },
		{ "changes_last", NULL },
		{ "pending_each", "runs_pending" },
		{ "last_success", "runs_succeeded" },
	};
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	for (size_t i = 0; i < NELEM(hot); i++) {
		char	*plan = statement_plan(db, hot[i].name);

		if (strstr(plan, "|SCAN ") != NULL || (hot[i].index != NULL &&
		    strstr(plan, hot[i].index) == NULL))
			fail_msg("%s: plan:\n%s", hot[i].name, plan);
		free(plan);
	}
	raw_close(db);
}

/*
 * What a scrape and schedctl status read of schedule_health walks the
 * schedules once, and each schedule's runs only through the two partial
 * indexes of 007_health.sql: never a scan of runs, never a sort of them.
 */
static void
test_health_uses_indexes(void **state)
{
	static const char *const names[] = { "health_each", "failing_each" };
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	for (size_t i = 0; i < NELEM(names); i++) {
		char	*plan = statement_plan(db, names[i]);

		if (strstr(plan, "SCAN r") != NULL ||
		    strstr(plan, "SCAN runs") != NULL ||
		    strstr(plan, "USING INDEX runs_succeeded") == NULL ||
		    strstr(plan, "USING INDEX runs_failed") == NULL)
			fail_msg("%s: plan:\n%s", names[i], plan);
		free(plan);
	}
	raw_close(db);
}

/*
 * The status page reads a page at a time by index: its last runs per
 * schedule probe the (schedule_name, scheduled_at) index, /missed walks
 * runs_missed, one schedule's history and audit are range walks; no
 * statement scans runs or changes.
 */
static void
test_page_uses_indexes(void **state)
{
	static const struct {
		const char	*name;
		const char	*index;
	} page[] = {
		{ "page_names", "sqlite_autoindex_schedules_1" },
		{ "page_rows", "runs_failed" },
		{ "page_recent", "sqlite_autoindex_runs_1" },
		{ "page_history", "sqlite_autoindex_runs_1" },
		{ "page_changes", "changes_schedule" },
		{ "page_missed", "runs_missed" },
	};
	struct fx	*f = *state;
	sqlite3		*db;

	make_db(f);
	db = raw_open(f->path);
	for (size_t i = 0; i < NELEM(page); i++) {
		char	*plan = statement_plan(db, page[i].name);

		if (strstr(plan, "SCAN r\n") != NULL ||
		    strstr(plan, "SCAN runs") != NULL ||
		    strstr(plan, "SCAN changes") != NULL ||
		    (strstr(plan, "SCAN r ") != NULL &&
		    strstr(plan, "SCAN r USING INDEX runs_missed") == NULL) ||
		    strstr(plan, page[i].index) == NULL)
			fail_msg("%s: plan:\n%s", page[i].name, plan);
		free(plan);
	}
	raw_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_page_uses_indexes),
		TEST(test_open_missing),
		TEST(test_open_create_missing_dir),
		TEST(test_open_create_applies_schema),
		TEST(test_reopen_changes_nothing),
		TEST(test_future_db_refused),
		TEST(test_future_db_refused_wal),
		TEST(test_foreign_db_refused),
		TEST(test_foreign_application_id_refused),
		TEST(test_garbage_refused),
		TEST(test_readonly_never_migrates),
		TEST(test_readonly_refuses_writes),
		TEST(test_migrate_from_every_version),
		TEST(test_check_constraints),
		TEST(test_schedule_round_trip),
		TEST(test_schedule_get_missing),
		TEST(test_schedule_put_refused),
		TEST(test_schedule_put_removed),
		TEST(test_schedule_each),
		TEST(test_change_record),
		TEST(test_run_each),
		TEST(test_remove_keeps_runs),
		TEST(test_view_last_runs),
		TEST(test_view_schedule_health),
		TEST(test_view_late_fires),
		TEST(test_view_late_fires_exactly_60s),
		TEST(test_concurrent_writers),
		TEST(test_concurrent_create),
		TEST(test_locked_tempfail),
		TEST(test_check_file_replaced),
		TEST(test_check_file_removed),
		TEST(test_check_file_leaves_what_is_not_ours),
		TEST(test_rollback),
		TEST(test_statements_prepare),
		TEST(test_statement_cache),
		TEST(test_statement_close),
		TEST(test_run_state_names),
		TEST(test_run_fire_states),
		TEST(test_timing_get),
		TEST(test_schedule_get_id),
		TEST(test_changes_since),
		TEST(test_runs_prune),
		TEST(test_hot_statements_use_indexes),
		TEST(test_health_uses_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
