/* store.c: the store's connection: open, schema migrations, WAL, transactions, and the helpers its files share. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "schedd/civil.h"
#include "schedd/schema.h"
#include "schedd/store.h"

#include "store_int.h"

#define APPLICATION_ID	1396918340	/* "SCHD", set by 001_init.sql */

static const struct store__sql	core_sql[STMT_SCHEDULES_FIRST] = {
	[STMT_BEGIN] = { "begin", "BEGIN IMMEDIATE" },
	[STMT_BEGIN_READ] = { "begin_read", "BEGIN" },
	[STMT_COMMIT] = { "commit", "COMMIT" },
	[STMT_ROLLBACK] = { "rollback", "ROLLBACK" },
	[STMT_APPLICATION_ID] = { "application_id", "PRAGMA application_id" },
	[STMT_USER_VERSION] = { "user_version", "PRAGMA user_version" },
	[STMT_OBJECTS] = { "objects", "SELECT count(*) FROM sqlite_master" },
	[STMT_DATA_VERSION] = { "data_version", "PRAGMA data_version" },
};

/* The SQL of statement id, from the table of the file that owns it. */
static const struct store__sql *
sql_of(enum store__stmt id)
{
	if (id < STMT_SCHEDULES_FIRST)
		return &core_sql[id];
	if (id < STMT_RUNS_FIRST)
		return &store__schedules_sql[id - STMT_SCHEDULES_FIRST];
	if (id < STMT_STATUS_FIRST)
		return &store__runs_sql[id - STMT_RUNS_FIRST];
	if (id < STMT_PAGE_FIRST)
		return &store__status_sql[id - STMT_STATUS_FIRST];
	return &store__page_sql[id - STMT_PAGE_FIRST];
}

int
store__fail(struct store *st, int rc, const char *what, struct err *e)
{
	int	code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err_set_code(e, EX_TEMPFAIL, "database %s is locked (still "
		    "busy after %d ms); try again", st->path, st->busy_ms);
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

/* Run SQL that runs once per open (settings, migration scripts): not worth a cached statement. */
static int
exec_sql(struct store *st, const char *sql, const char *what, struct err *e)
{
	int	rc;

	if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return store__fail(st, rc, what, e);
	return 0;
}

int
store__statement(struct store *st, enum store__stmt id, sqlite3_stmt **stmt,
    struct err *e)
{
	const struct store__sql	*sql = sql_of(id);
	int			 rc;

	if (st->stmts[id] == NULL) {
		if (sql->text == NULL) {
			err_set_code(e, EX_SOFTWARE, "database %s: statement "
			    "%d has no SQL", st->path, (int)id);
			return -1;
		}
		/* PERSISTENT: it lives as long as the connection. */
		if ((rc = sqlite3_prepare_v3(st->db, sql->text, -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmts[id], NULL)) !=
		    SQLITE_OK)
			return store__fail(st, rc, sql->name, e);
	} else if (sqlite3_stmt_busy(st->stmts[id])) {
		/* Resetting it would restart the walk that is using it. */
		err_set_code(e, EX_SOFTWARE, "database %s: %s: in use by a "
		    "walk whose callback called it again", st->path,
		    sql->name);
		return -1;
	}
	*stmt = st->stmts[id];
	return 0;
}

void
store__reset(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int
store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *e)
{
	int	rc = sqlite3_step(stmt), ret = 0;

	/* The message first: the reset replaces it. */
	if (rc != SQLITE_DONE)
		ret = store__fail(st, rc, what, e);
	store__reset(stmt);
	return ret;
}

int
store__walk_end(struct store *st, sqlite3_stmt *stmt, int rc, int ret,
    struct err *e)
{
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store__fail(st, rc, "", e);
	store__reset(stmt);
	return ret;
}

/* One integer from a statement without parameters (a PRAGMA). */
static int
query_int(struct store *st, enum store__stmt id, int64_t *value,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, ret = 0;

	if (store__statement(st, id, &stmt, e) == -1)
		return -1;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*value = sqlite3_column_int64(stmt, 0);
	else
		ret = store__fail(st, rc, "", e);
	store__reset(stmt);
	return ret;
}

/* One step of a statement without parameters that returns no row. */
static int
exec_stmt(struct store *st, enum store__stmt id, struct err *e)
{
	sqlite3_stmt	*stmt;

	if (store__statement(st, id, &stmt, e) == -1)
		return -1;
	return store__step_done(st, stmt, "", e);
}

int
store__bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, text, -1, SQLITE_TRANSIENT);
}

int
store__bind_time(sqlite3_stmt *stmt, int i, int64_t t)
{
	char	buf[32];

	if (civil_format_rfc3339(t, 0, buf, sizeof(buf)) == -1)
		return SQLITE_RANGE;
	return sqlite3_bind_text(stmt, i, buf, -1, SQLITE_TRANSIENT);
}

char *
store__column_text(sqlite3_stmt *stmt, int i, int *oom)
{
	const unsigned char	*text = sqlite3_column_text(stmt, i);
	char			*copy;

	if (text == NULL)
		return NULL;
	if ((copy = strdup((const char *)text)) == NULL)
		*oom = 1;
	return copy;
}

int64_t
store__column_time(sqlite3_stmt *stmt, int i)
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
	if (query_int(st, STMT_USER_VERSION, &version, e) == -1)
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
	return rc == SQLITE_OK ? 0 : store__fail(st, rc, "", e);
}

/* Refuse files that are not ours, and schemas newer than ours, before changing anything. */
static int
check_identity(struct store *st, int64_t *version, struct err *e)
{
	int64_t	app_id, objects;

	/* One read transaction: another process may be migrating right now. */
	if (exec_stmt(st, STMT_BEGIN_READ, e) == -1)
		return -1;
	if (query_int(st, STMT_APPLICATION_ID, &app_id, e) == -1 ||
	    query_int(st, STMT_USER_VERSION, version, e) == -1 ||
	    query_int(st, STMT_OBJECTS, &objects, e) == -1) {
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

/* Which file path names now. Returns 0, or -1 with errno set. */
static int
file_at(const char *path, struct store__file *f)
{
	struct stat	sb;

	if (*path == '\0' || stat(path, &sb) == -1)
		return -1;
	f->known = 1;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	return 0;
}

static int
same_file(const struct store__file *a, const struct store__file *b)
{
	return a->known && b->known && a->dev == b->dev && a->ino == b->ino;
}

/* The open database's PATH-wal or PATH-shm, as SQLite names them; "" in memory. */
static void
side_name(struct store *st, const char *suffix, char *buf, size_t len)
{
	const char	*name = sqlite3_db_filename(st->db, "main");

	if (name == NULL || *name == '\0' ||
	    snprintf(buf, len, "%s%s", name, suffix) >= (int)len)
		buf[0] = '\0';
}

/* Note which files the database and its WAL are, while the path surely names them. */
static void
note_files(struct store *st)
{
	char	side[PATH_MAX];

	side_name(st, "-wal", side, sizeof(side));
	if (side[0] == '\0')
		return;		/* in memory: no file to lose */
	file_at(st->path, &st->file);
	file_at(side, &st->wal);
	side_name(st, "-shm", side, sizeof(side));
	file_at(side, &st->shm);
}

/*
 * Create a missing database file ourselves, 0666 less the umask. SQLite
 * would make it 0644 less the umask, and its -wal and -shm take the
 * database's mode: under the unit's UMask=0007 the schedd group could then
 * neither write nor even read the database (WAL readers write the -shm).
 */
static int
create_file(const char *path, struct err *e)
{
	int	fd;

	if (*path == '\0' || strcmp(path, ":memory:") == 0)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666)) == -1) {
		if (errno == EEXIST)
			return 0;
		err_set_code(e, EX_CANTCREAT, "cannot create database %s: %s",
		    path, strerror(errno));
		return -1;
	}
	close(fd);
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
	/* An empty file is an empty database: SQLite takes it as it is. */
	if ((flags & STORE_CREATE) && create_file(path, e) == -1)
		return -1;
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
			store__fail(st, rc, "cannot open", e);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	store_set_busy_timeout(st, STORE_BUSY_TIMEOUT_MS);
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
	note_files(st);
	*out = st;
	return 0;
 fail:
	store_close(st);
	return -1;
}

/* Unlink path if it is still the file noted as f. */
static void
remove_if(const char *path, const struct store__file *f)
{
	struct store__file	now = { 0 };

	if (path[0] != '\0' && file_at(path, &now) == 0 && same_file(&now, f))
		unlink(path);
}

void
store_close(struct store *st)
{
	char	wal[PATH_MAX] = "", shm[PATH_MAX] = "";

	if (st == NULL)
		return;
	store_rollback(st);
	if (st->lost) {
		/*
		 * SQLite does not checkpoint a moved database on close and
		 * leaves its WAL at the path, where the next opener would
		 * read it into the new file. Checkpoint through our own
		 * descriptors instead (a file moved away stays whole; an
		 * unlinked one does not matter), and remove what is ours at
		 * the path once closed.
		 */
		sqlite3_wal_checkpoint_v2(st->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		side_name(st, "-wal", wal, sizeof(wal));
		side_name(st, "-shm", shm, sizeof(shm));
	}
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close_v2(st->db);
	remove_if(wal, &st->wal);
	remove_if(shm, &st->shm);
	free(st->path);
	free(st);
}

void
store_set_busy_timeout(struct store *st, int ms)
{
	st->busy_ms = ms;
	sqlite3_busy_timeout(st->db, ms);
}

int
store_check_file(struct store *st, struct err *e)
{
	struct store__file	now = { 0 };

	if (!st->file.known)
		return 0;
	if (file_at(st->path, &now) == -1)
		err_set_code(e, EX_IOERR, "database %s was replaced or removed "
		    "under the daemon (%s)", st->path, strerror(errno));
	else if (!same_file(&now, &st->file))
		err_set_code(e, EX_IOERR, "database %s was replaced or removed "
		    "under the daemon (the path names another file now)",
		    st->path);
	else
		return 0;
	st->lost = 1;
	return -1;
}

int
store_schema_version(struct store *st)
{
	int64_t	version = -1;

	query_int(st, STMT_USER_VERSION, &version, NULL);
	return (int)version;
}

int
store_begin(struct store *st, struct err *e)
{
	return exec_stmt(st, STMT_BEGIN, e);
}

int
store_commit(struct store *st, struct err *e)
{
	if (exec_stmt(st, STMT_COMMIT, e) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st->db != NULL && !sqlite3_get_autocommit(st->db))
		exec_stmt(st, STMT_ROLLBACK, NULL);
}

int64_t
store_data_version(struct store *st)
{
	int64_t	version = -1;

	query_int(st, STMT_DATA_VERSION, &version, NULL);
	return version;
}


const char *
store_statement_sql(int i, const char **name)
{
	const struct store__sql	*sql;

	if (i < 0 || i >= STMT_COUNT)
		return NULL;
	sql = sql_of((enum store__stmt)i);
	*name = sql->name != NULL ? sql->name : "(unnamed)";
	return sql->text != NULL ? sql->text : "";
}

int
store_statements_prepared(struct store *st)
{
	sqlite3_stmt	*stmt = NULL;
	int		 n = 0;

	while ((stmt = sqlite3_next_stmt(st->db, stmt)) != NULL)
		n++;
	return n;
}
