/* store_int.h: what the store's files (lib/store*.c) share; nothing else includes it. */
#ifndef SCHEDD_STORE_INT_H
#define SCHEDD_STORE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "schedd/err.h"
#include "schedd/store.h"

struct store {
	sqlite3	*db;
	char	*path;		/* for error messages */
};

/*
 * Fill e from the connection's last error (rc: the failed call's result),
 * with a sysexits code for its kind; what names the row or the file, or is
 * "". Returns -1.
 */
int	store__fail(struct store *st, int rc, const char *what, struct err *e);

int	store__prepare(struct store *st, const char *sql, sqlite3_stmt **stmt,
	    struct err *e);
/* Step a one-shot write and finalize it. Returns 0, or -1 with e (what names the row). */
int	store__step_done(struct store *st, sqlite3_stmt *stmt, const char *what,
	    struct err *e);
/*
 * The end of a walk over rows: rc is the last step's result, ret the
 * callbacks' (-1 stopped the walk). A step error fails; stmt is finalized.
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
