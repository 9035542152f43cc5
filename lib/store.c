/* store.c: the store's connection: open, schema migrations, WAL, transactions, and the helpers its files share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schedd/civil.h"
#include "schedd/schema.h"
#include "schedd/store.h"

#include "store_int.h"

#define APPLICATION_ID	1396918340	/* "SCHD", set by 001_init.sql */

/* Fill e from the connection's last error, with a sysexits code for its kind. */
int
store__fail(struct store *st, int rc, const char *what, struct err *e)
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
		return store__fail(st, rc, what, e);
	return 0;
}

/* Step a one-shot write and finalize it. Returns 0, or -1 with e (what names the row). */
int
store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
    struct err *e)
{
	int	rc = sqlite3_step(stmt);

	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store__fail(st, rc, what, e);
}

/*
 * The end of a walk over rows: rc is the last step's result, ret the
 * callbacks' (-1 stopped the walk). A step error fails; stmt is finalized.
 */
int
store__walk_end(struct store *st, sqlite3_stmt *stmt, int rc, int ret, struct err *e)
{
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store__fail(st, rc, "", e);
	sqlite3_finalize(stmt);
	return ret;
}

int
store__prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
	int	rc;

	if ((rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL)) != SQLITE_OK)
		return store__fail(st, rc, "", e);
	return 0;
}

/* One integer from a query without parameters (a PRAGMA). */
static int
query_int(struct store *st, const char *sql, int64_t *value, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (store__prepare(st, sql, &stmt, e) == -1)
		return -1;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		store__fail(st, rc, "", e);
		sqlite3_finalize(stmt);
		return -1;
	}
	*value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
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

/* A column as a new string, or NULL for SQL NULL. Sets *oom on allocation failure. */
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
	return rc == SQLITE_OK ? 0 : store__fail(st, rc, "", e);
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
			store__fail(st, rc, "cannot open", e);
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


int64_t
store_data_version(struct store *st)
{
	int64_t	version = -1;

	query_int(st, "PRAGMA data_version", &version, NULL);
	return version;
}

