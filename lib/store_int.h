/* store_int.h: what the store's files (lib/store*.c) share; nothing else includes it. */
#ifndef SCHEDD_STORE_INT_H
#define SCHEDD_STORE_INT_H

#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "schedd/err.h"
#include "schedd/store.h"

/*
 * Every statement the store runs, by id. Each file owns a range and keeps
 * the SQL of its range in a table of its own (struct store__sql below),
 * indexed from the range's first id.
 */
enum store__stmt {
	/* store.c: transactions and pragmas */
	STMT_BEGIN,
	STMT_BEGIN_READ,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_APPLICATION_ID,
	STMT_USER_VERSION,
	STMT_OBJECTS,
	STMT_DATA_VERSION,
	/* store_schedules.c */
	STMT_SCHEDULES_FIRST,
	STMT_SCHEDULE_GET = STMT_SCHEDULES_FIRST,
	STMT_SCHEDULE_GET_ID,
	STMT_SCHEDULE_INSERT,
	STMT_SCHEDULE_UPDATE,
	STMT_SCHEDULE_DELETE,
	STMT_SCHEDULE_EACH,
	STMT_CHANGE_RECORD,
	STMT_CHANGES_SINCE,
	STMT_CHANGES_LAST,
	STMT_TIMING_EACH,
	STMT_TIMING_GET_ID,
	STMT_TIMING_GET_NAME,
	STMT_MATRIX_ENTRY_FIND,
	STMT_MATRIX_ENTRY_INSERT,
	STMT_MATRIX_ENTRY_GET,
	STMT_MATRIX_ENTRIES_PRUNE,
	/* store_runs.c */
	STMT_RUNS_FIRST,
	STMT_RUN_EACH = STMT_RUNS_FIRST,
	STMT_RUN_EACH_NAME,
	STMT_RUN_GET,
	STMT_RUN_REQUEST,
	STMT_RUNS_PRUNE,
	STMT_RUN_FIRE,
	STMT_RUN_FIRE_EXISTING,
	STMT_RUN_SKIP,
	STMT_RUN_RESULT,
	STMT_RUN_REQUEST_BODY,
	STMT_RUN_WITHDRAW,
	STMT_RUN_PEER,
	STMT_RUN_PHASE,
	STMT_WATCH_EACH,
	STMT_PENDING_EACH,
	/* store_status.c */
	STMT_STATUS_FIRST,
	STMT_HEARTBEAT = STMT_STATUS_FIRST,
	STMT_HEARTBEAT_TOUCH,
	STMT_STATUS,
	STMT_FAILING_EACH,
	STMT_HEALTH_EACH,
	STMT_LAST_SUCCESS,
	/* store_page.c: what the status page reads */
	STMT_PAGE_FIRST,
	STMT_PAGE_NAMES = STMT_PAGE_FIRST,
	STMT_PAGE_ROWS,
	STMT_PAGE_RECENT,
	STMT_PAGE_HISTORY,
	STMT_PAGE_CHANGES,
	STMT_PAGE_MISSED,
	STMT_COUNT
};

/* One statement's SQL. */
struct store__sql {
	const char	*name;	/* "run_fire": for error messages and tests */
	const char	*text;
};

/* The tables of store_schedules.c, store_runs.c, store_status.c and store_page.c, in id order. */
extern const struct store__sql	store__schedules_sql[STMT_RUNS_FIRST -
				    STMT_SCHEDULES_FIRST];
extern const struct store__sql	store__runs_sql[STMT_STATUS_FIRST -
				    STMT_RUNS_FIRST];
extern const struct store__sql	store__status_sql[STMT_PAGE_FIRST -
				    STMT_STATUS_FIRST];
extern const struct store__sql	store__page_sql[STMT_COUNT -
				    STMT_PAGE_FIRST];

/* Which file a path named when the store was opened (stat's device and inode). */
struct store__file {
	int		 known;		/* 0: there was none (no WAL yet, a database in memory) */
	dev_t		 dev;
	ino_t		 ino;
};

struct store {
	sqlite3			*db;
	char			*path;			/* as given: for messages and store_check_file */
	sqlite3_stmt		*stmts[STMT_COUNT];	/* prepared on first use; NULL before */
	int			 busy_ms;		/* how long a statement waits for a lock */
	struct store__file	 file;			/* the database as opened */
	struct store__file	 wal;			/* PATH-wal as opened */
	struct store__file	 shm;			/* PATH-shm (the WAL's index) as opened */
	int			 lost;			/* the path names another file now, or none */
};

/*
 * Fill e from the connection's last error (rc: the failed call's result),
 * with a sysexits code for its kind; what names the row or the file, or is
 * "". Returns -1.
 */
int	store__fail(struct store *st, int rc, const char *what, struct err *e);

/*
 * The prepared statement id, prepared on its first use and kept until
 * store_close. The caller binds and steps it and hands it back with
 * store__reset (or store__step_done, store__walk_end) before returning, so
 * that no read stays open and the next use starts clean. Returns 0, or -1
 * with e filled in: SQLite refused the SQL, or the statement is in use
 * already (a callback called the store function that is walking).
 */
int	store__statement(struct store *st, enum store__stmt id,
	    sqlite3_stmt **stmt, struct err *e);
/* Reset stmt and clear its bindings; NULL is fine. */
void	store__reset(sqlite3_stmt *stmt);
/* Step a one-shot write, then reset it. Returns 0, or -1 with e (what names the row). */
int	store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
	    struct err *e);
/*
 * The end of a walk over rows: rc is the last step's result, ret the
 * callbacks' (-1 stopped the walk). A step error fails; stmt is reset.
 */
int	store__walk_end(struct store *st, sqlite3_stmt *stmt, int rc, int ret,
	    struct err *e);

/* Bind text (NULL: SQL NULL) or an instant as RFC 3339 text; an SQLite result code. */
int	store__bind_text(sqlite3_stmt *stmt, int i, const char *text);
int	store__bind_time(sqlite3_stmt *stmt, int i, int64_t t);
/* A column as a new string, or NULL for SQL NULL. Sets *oom on allocation failure. */
char	*store__column_text(sqlite3_stmt *stmt, int i, int *oom);
/* An RFC 3339 column as Unix seconds; 0 for NULL. */
int64_t	 store__column_time(sqlite3_stmt *stmt, int i);

#endif
