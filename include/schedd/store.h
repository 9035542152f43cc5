/* store.h: the SQLite database (schedules, runs, changes): lib/store*.c, the only users of sqlite3. */
#ifndef SCHEDD_STORE_H
#define SCHEDD_STORE_H

#include <stdint.h>

#include "schedd/err.h"
#include "schedd/schedule.h"

struct store;			/* opaque: a connection and its prepared statements */

#define STORE_CREATE	0x01	/* create the file if it does not exist */
#define STORE_READONLY	0x02	/* open for reading only; never migrates */

#define STORE_BUSY_TIMEOUT_MS	5000	/* how long a statement waits for a lock, unless set otherwise */
#define STORE_HEALTH_TIMEOUT_MS	100	/* store_writable waits no longer for the write lock */

/*
 * Open the database at path, in WAL mode with foreign keys on, and bring its
 * schema up to date (unless STORE_READONLY). A database from a newer schedd,
 * or a file that is not a schedd database, is refused and left as it is.
 * Returns 0, or -1 with e filled in and e->code one of EX_NOINPUT (missing),
 * EX_CANTCREAT, EX_IOERR (unreadable, corrupt, read-only), EX_DATAERR
 * (newer schema, foreign file), EX_TEMPFAIL (locked past the busy timeout).
 */
int	store_open(const char *path, int flags, struct store **st, struct err *e);
/*
 * Close; a transaction still open is rolled back. NULL is fine. After
 * store_check_file found the path naming another file (or none), nothing
 * of this store is left for whoever opens the path next: its WAL is
 * checkpointed into its own file (wherever that went) and the WAL and its
 * index at the path are removed when they are still this store's.
 */
void	store_close(struct store *st);

/*
 * How long a statement waits for another connection's lock before it fails
 * with EX_TEMPFAIL (store_open sets STORE_BUSY_TIMEOUT_MS). The daemon sets
 * a few milliseconds once its loop runs: a lock is then waited out by its
 * timers, not by a loop standing still.
 */
void	store_set_busy_timeout(struct store *st, int ms);

/*
 * Does the path still name the database this store opened (the same device
 * and inode)? For a long-lived connection (the daemon): after `mv other.db
 * PATH` or `rm PATH` its writes would go to a file nobody reads, and its WAL
 * at the path would be read into the new file. Returns 0 (also for a
 * database in memory), or -1 with e (EX_IOERR) when the path is gone or
 * names another file; store_close then leaves the path clean.
 */
int	store_check_file(struct store *st, struct err *e);

/* The schema version of an open database (PRAGMA user_version). */
int	store_schema_version(struct store *st);

/* Transactions: store_begin takes the write lock at once (BEGIN IMMEDIATE). */
int	store_begin(struct store *st, struct err *e);
int	store_commit(struct store *st, struct err *e);
void	store_rollback(struct store *st);

/*
 * Schedules. store_schedule_get returns 0 and fills s (caller clears it), or
 * -1 with e->code EX_NOINPUT when there is no such schedule.
 */
int	store_schedule_get(struct store *st, const char *name,
	    struct schedule *s, struct err *e);
/* The same by id (the primary key), as the daemon reads a schedule whose fire is due. */
int	store_schedule_get_id(struct store *st, int64_t id, struct schedule *s,
	    struct err *e);
/* Insert s (s->id == 0; sets it) or update the row with s->id. */
int	store_schedule_put(struct store *st, struct schedule *s, struct err *e);
int	store_schedule_delete(struct store *st, int64_t id, struct err *e);

/* Called for each schedule in name order; returning -1 stops the walk (and fails it). */
typedef int	(*store_schedule_cb)(const struct schedule *s, void *arg,
		    struct err *e);
int	store_schedule_each(struct store *st, store_schedule_cb cb, void *arg,
	    struct err *e);

/*
 * The digest of every schedule's definition (the sum of schedule_digest,
 * so row order does not matter) and how many there are: the same on every
 * host of a group holding the same schedules. Returns 0, or -1 with e.
 */
int	store_schedules_digest(struct store *st, uint64_t *digest,
	    int64_t *count, struct err *e);

/*
 * The matrix entries of apply files (matrix_entries): the entry as its file
 * said it (JSON text), so export can write back the schedules it made as
 * that one entry. store_matrix_entry_put finds the row of source and entry
 * text, or inserts it, and sets *id. store_matrix_entry_get reads the text
 * of a row (caller frees; EX_NOINPUT when there is none).
 * store_matrix_entries_prune removes the rows no schedule refers to.
 */
int	store_matrix_entry_put(struct store *st, const char *source,
	    const char *entry, int64_t *id, struct err *e);
int	store_matrix_entry_get(struct store *st, int64_t id, char **entry,
	    struct err *e);
int	store_matrix_entries_prune(struct store *st, struct err *e);

/* The state of a run: the runs.state column. */
enum run_state {
	RUN_PENDING,	/* asked for, not yet created (or to be sent again) */
	RUN_CREATED,	/* Admin has the execution */
	RUN_FAILED,	/* the request failed for good */
	RUN_SKIPPED	/* not sent: a catch-up or overlap policy dropped it */
};

/* "pending", "created", "failed", "skipped"; NULL for a value out of range. */
const char	*run_state_name(enum run_state state);
/* The state called name. Returns 0, or -1 when there is none. */
int		 run_state_parse(const char *name, enum run_state *state);

/* One row of runs, as store_run_each hands it over: strings valid during the callback only. */
struct run {
	int64_t		 id;
	const char	*schedule_name;
	int64_t		 scheduled_at;
	const char	*kind;			/* scheduled | catchup | trigger | backfill */
	const char	*state;			/* pending | created | failed | skipped */
	const char	*execution_name;	/* NULL until known */
	int		 http_status;		/* 0 when none */
	const char	*error;			/* NULL or Admin's message / the skip reason */
	int		 attempts;
	const char	*phase;			/* NULL or the Flyte phase */
	int64_t		 recorded_at;
	int64_t		 sent_at;		/* 0 when not sent */
};

typedef int	(*store_run_cb)(const struct run *r, void *arg, struct err *e);

/* Which runs store_run_each hands over; a member that is NULL or 0 is no condition. */
struct run_filter {
	const char	*name;		/* of this schedule */
	const char	*names;		/* of these schedules: a JSON array of names */
	const char	*state;		/* in this state */
	const char	*phase;		/* whose execution is in this Flyte phase */
	int64_t		 since;		/* scheduled at or after this instant */
	int		 limit;		/* at most this many rows */
};

/* Runs the filter lets through, newest scheduled first. */
int	store_run_each(struct store *st, const struct run_filter *f,
	    store_run_cb cb, void *arg, struct err *e);

/* The run of schedule name at scheduled_at: cb is called once, or not at all when there is none. */
int	store_run_get(struct store *st, const char *name, int64_t scheduled_at,
	    store_run_cb cb, void *arg, struct err *e);

/*
 * Ask for a fire: insert a pending run of schedule s at scheduled_at, of kind
 * "trigger", "backfill", "scheduled" or "catchup", recorded at now. When a run
 * of s at that instant exists already nothing is written and *inserted is 0.
 */
int	store_run_request(struct store *st, const struct schedule *s,
	    int64_t scheduled_at, const char *kind, int64_t now, int *inserted,
	    struct err *e);

/*
 * Retention: delete at most batch finished runs (not pending) scheduled
 * before cutoff, oldest first, in one short transaction of the caller's.
 * *deleted says how many went; call again while it equals batch.
 */
int	store_runs_prune(struct store *st, int64_t cutoff, int batch,
	    int *deleted, struct err *e);

/* --- what the daemon reads and writes --- */

/* A schedule as the daemon's queue needs it; strings valid during the callback only. */
struct store_timing {
	int64_t		 id;
	const char	*name;
	const char	*cron;
	const char	*tz;
	int64_t		 created_at;
	int64_t		 active_since;
	int		 paused;
	const char	*catchup;
	int64_t		 catchup_window;
	const char	*overlap;	/* allow | skip | buffer-one | cancel-previous */
	int64_t		 last_instant;	/* newest scheduled/catch-up run, 0 if none */
};

typedef int	(*store_timing_cb)(const struct store_timing *t, void *arg,
		    struct err *e);

/* Every schedule, in no particular order (the daemon's start-up: one walk). */
int	store_timing_each(struct store *st, store_timing_cb cb, void *arg,
	    struct err *e);
/*
 * One schedule: by id (the primary key) when id != 0, else by name (its
 * unique index). cb is called once, or not at all when there is none.
 */
int	store_timing_get(struct store *st, int64_t id, const char *name,
	    store_timing_cb cb, void *arg, struct err *e);

/* The change feed: schedules changed after change id `after` (cb may be NULL); *last gets the newest id. */
typedef int	(*store_changed_cb)(int64_t schedule_id, const char *schedule_name,
		    void *arg, struct err *e);
int	store_changes_since(struct store *st, int64_t after, int64_t *last,
	    store_changed_cb cb, void *arg, struct err *e);

/* PRAGMA data_version: changes when another connection commits. */
int64_t	store_data_version(struct store *st);

/*
 * Record a fire as pending before its request leaves (the caller commits).
 * A new row gives *inserted 1 (and *state RUN_PENDING); when a run of
 * (schedule, instant) exists already nothing is written, *inserted is 0 and
 * *state the existing row's state. Either way *run_id is the row's id.
 */
int	store_run_fire(struct store *st, int64_t schedule_id,
	    const char *schedule_name, int64_t instant, const char *kind,
	    const char *execution_name, int64_t now, int64_t *run_id,
	    int *inserted, enum run_state *state, struct err *e);

/* Record a skipped instant (a catch-up policy dropped it) with the reason. */
int	store_run_skip(struct store *st, int64_t schedule_id,
	    const char *schedule_name, int64_t instant, const char *reason,
	    int64_t now, struct err *e);

/*
 * The outcome of a run's request: state created, failed or skipped (or
 * pending again), the execution name it was sent under, attempts made this
 * time.
 */
int	store_run_result(struct store *st, int64_t run_id, enum run_state state,
	    const char *execution_name, long http_status, const char *error,
	    int attempts, int64_t sent_at, int64_t now, struct err *e);

/* Record the request of a run before it is sent (the caller commits). */
int	store_run_request_body(struct store *st, int64_t run_id,
	    const char *request, struct err *e);

/*
 * Take back a pending run that was never sent (recorded ahead of an instant
 * the daemon stops before): as if it had not been recorded. The caller commits.
 */
int	store_run_withdraw(struct store *st, int64_t run_id, struct err *e);

/* Mark a run as created by another host (scheduler.ha): its execution was found at Admin. The caller commits. */
int	store_run_peer(struct store *st, int64_t run_id, struct err *e);

/* What Admin says of a created run's execution: its phase, and start and end once known (0: not). */
int	store_run_phase(struct store *st, int64_t run_id, const char *phase,
	    int64_t started_at, int64_t ended_at, struct err *e);

/* A created run whose execution may still be running, as store_watch_each hands it over. */
struct store_watch {
	int64_t		 run_id;
	int64_t		 schedule_id;	/* 0 when the schedule was removed */
	const char	*request;	/* the body it was created with */
	const char	*phase;		/* NULL: never looked at */
};

typedef int	(*store_watch_cb)(const struct store_watch *w, void *arg,
		    struct err *e);
/* Created runs recorded since `since` whose phase is not final, oldest first. */
int	store_watch_each(struct store *st, int64_t since, store_watch_cb cb,
	    void *arg, struct err *e);

/* A pending run to send (or look up), as store_pending_each hands it over. */
struct store_pending {
	int64_t		 run_id;
	int64_t		 schedule_id;	/* 0 when the schedule was removed */
	const char	*schedule_name;
	int64_t		 scheduled_at;
	const char	*kind;
	const char	*execution_name;	/* NULL: never sent */
	const char	*request;	/* the body as committed before sending; NULL: never sent */
	int		 attempts;
	int64_t		 recorded_at;	/* when the run was asked for */
};

typedef int	(*store_pending_cb)(const struct store_pending *p, void *arg,
		    struct err *e);
/* Pending runs with id > after, oldest first. */
int	store_pending_each(struct store *st, int64_t after, store_pending_cb cb,
	    void *arg, struct err *e);

/* The daemon's heartbeat row (schedctl status reads it). stopped: a clean exit; shard: "I/N" or NULL. */
int	store_heartbeat(struct store *st, int64_t pid, const char *host,
	    const char *version, int64_t started_at, int64_t now, int stopped,
	    const char *shard, struct err *e);

/* What schedctl status reports. */
struct store_status {
	int64_t	schedules;		/* rows in schedules */
	int64_t	paused;
	int64_t	pending;		/* runs waiting to be sent or confirmed */
	int64_t	oldest_pending;		/* scheduled_at of the oldest, 0 if none */
	int64_t	failing;		/* schedules whose latest finished runs failed (failing_schedules) */
	int64_t	late_day;		/* late fires scheduled in the last 24 h */
	int64_t	unknown_day;		/* runs of the last 24 h whose execution Admin did not have (phase UNKNOWN) */
	int	daemon_known;		/* a daemon has written its heartbeat */
	int64_t	daemon_pid;
	char	daemon_host[256];
	int64_t	daemon_heartbeat;
	int64_t	daemon_stopped;		/* 0 while running */
	char	daemon_shard[32];	/* "I/N" (scheduler.ha), "" for one host alone */
};

/* late_day counts scheduled fires of the last 24 h sent more than late_threshold seconds late. */
int	store_status(struct store *st, int64_t now, int64_t late_threshold,
	    struct store_status *out, struct err *e);

/* The daemon is alive: refresh its heartbeat (inside the caller's transaction). */
int	store_heartbeat_touch(struct store *st, int64_t now, struct err *e);

/* Called for each failing schedule, most failures first. */
typedef int	(*store_failing_cb)(const char *name, int64_t failures,
		    int64_t last_failure, const char *last_error, void *arg,
		    struct err *e);
int	store_failing_each(struct store *st, store_failing_cb cb, void *arg,
	    struct err *e);

/*
 * Per-schedule health (the view schedule_health, the one definition of
 * failing) and what metrics label a schedule with; strings valid during
 * the callback only.
 */
struct store_health {
	int64_t		 schedule_id;
	const char	*name;
	int64_t		 last_success;		/* scheduled_at of the last run whose execution SUCCEEDED; 0: none */
	int64_t		 consecutive_failures;	/* failed finished runs since (0: not failing) */
	int64_t		 last_failure;		/* scheduled_at of the newest of them; 0: none */
	const char	*project;
	const char	*domain;
	const char	*launch_plan;
	const char	*labels;		/* a JSON object */
};

/* Called for each schedule in name order. Cheap: index probes only, a few per schedule. */
typedef int	(*store_health_cb)(const struct store_health *h, void *arg,
		    struct err *e);
int	store_schedule_health_each(struct store *st, store_health_cb cb,
	    void *arg, struct err *e);

/*
 * The scheduled_at of schedule name's last run before `before` whose
 * execution SUCCEEDED in *at (0: none), in one index probe
 * ({{last_success_time}} at fire time).
 */
int	store_last_success(struct store *st, const char *name, int64_t before,
	    int64_t *at, struct err *e);

/*
 * Can we write? Takes the write lock (BEGIN IMMEDIATE) and gives it back,
 * waiting for it no longer than the busy timeout nor STORE_HEALTH_TIMEOUT_MS.
 * Inside a transaction of our own the answer is yes. Returns 0, or -1 with
 * e saying why not ("database is locked: ..." when another connection holds
 * the lock).
 */
int	store_writable(struct store *st, struct err *e);

/* Audit: record one change of a schedule (before/after may be NULL) by the current OS user. */
int	store_change_record(struct store *st, int64_t at, const char *command,
	    const struct schedule *s, const char *before, const char *after,
	    struct err *e);

/* --- what the status page reads (lib/store_page.c): bounded, by index --- */

/* The states /?state= filters on. */
enum store_page_state {
	STORE_PAGE_ALL,
	STORE_PAGE_PAUSED,
	STORE_PAGE_FAILING,	/* failing_schedules: the one definition of failing */
	STORE_PAGE_LATE		/* a late fire (late_fires) scheduled since `since`, late_threshold s late */
};

/* Called for each schedule in name order with its labels (a JSON object); 1 stops the walk, -1 fails it. */
typedef int	(*store_page_name_cb)(const char *name, const char *labels,
		    void *arg, struct err *e);
int	store_page_names(struct store *st, enum store_page_state state,
	    int64_t since, int64_t late_threshold, store_page_name_cb cb,
	    void *arg, struct err *e);

/* A schedule as a row of the page: its definition's summary and health. Strings valid during the callback only. */
struct store_page_row {
	const char	*name;
	const char	*project;
	const char	*domain;
	const char	*launch_plan;
	const char	*version;		/* NULL: latest */
	const char	*cron;
	const char	*tz;
	int64_t		 created_at;		/* anchors @every */
	int		 paused;
	const char	*labels;		/* a JSON object */
	int64_t		 consecutive_failures;	/* schedule_health */
	int64_t		 last_success;		/* 0: none */
	const char	*last_error;		/* NULL: not failing */
};

typedef int	(*store_page_row_cb)(const struct store_page_row *r, void *arg,
		    struct err *e);
/* The rows of the schedules named in names (a JSON array), in its order; names not found are left out. */
int	store_page_rows(struct store *st, const char *names,
	    store_page_row_cb cb, void *arg, struct err *e);

/* A run as the page shows it. Strings valid during the callback only. */
struct store_page_run {
	const char	*schedule_name;
	int64_t		 scheduled_at;
	const char	*kind;
	const char	*state;
	const char	*phase;			/* NULL: not known */
	const char	*execution_name;	/* NULL: none */
	const char	*error;			/* NULL, Admin's message or the skip reason */
	int64_t		 started_at;		/* 0: not known */
	int64_t		 ended_at;		/* 0: not known */
	int64_t		 late_seconds;		/* a scheduled fire: sent this late; else 0 */
};

typedef int	(*store_page_run_cb)(const struct store_page_run *r, void *arg,
		    struct err *e);
/*
 * The last `per` runs of each schedule named in names (a JSON array), in
 * the array's order, newest first within each: one statement, two probes
 * of the (schedule_name, scheduled_at) index per schedule.
 */
int	store_page_recent(struct store *st, const char *names, int per,
	    store_page_run_cb cb, void *arg, struct err *e);
/* Runs of schedule name scheduled at or after since, newest first, at most limit. */
int	store_page_history(struct store *st, const char *name, int64_t since,
	    int limit, store_page_run_cb cb, void *arg, struct err *e);
/* Skipped runs and late fires (more than 60 s), newest first: limit of them after the first offset. */
int	store_page_missed(struct store *st, int64_t offset, int limit,
	    store_page_run_cb cb, void *arg, struct err *e);

/* One row of changes (the audit trail). Strings valid during the callback only. */
struct store_page_change {
	int64_t		 at;
	const char	*os_user;
	const char	*command;
	const char	*before;	/* JSON or NULL */
	const char	*after;		/* JSON or NULL */
};

typedef int	(*store_page_change_cb)(const struct store_page_change *c,
		    void *arg, struct err *e);
/* Schedule name's changes, newest first, at most limit. */
int	store_page_changes(struct store *st, const char *name, int limit,
	    store_page_change_cb cb, void *arg, struct err *e);

/* --- for tests --- */

/*
 * The SQL text of the store's i-th statement (i from 0; NULL past the last)
 * and in *name its name ("run_fire"), so that a test can ask SQLite for its
 * query plan over a connection of its own.
 */
const char	*store_statement_sql(int i, const char **name);
/* How many statements st holds prepared (each is prepared on its first use, once). */
int		 store_statements_prepared(struct store *st);

#endif
