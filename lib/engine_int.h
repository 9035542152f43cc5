/* engine_int.h: what the engine's files share (engine.c, engine_fire.c, lpcache.c, execwatch.c, dbwatch.c); nothing else includes it. */
#ifndef SCHEDD_ENGINE_INT_H
#define SCHEDD_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/admin.h"
#include "schedd/clock.h"
#include "schedd/cron.h"
#include "schedd/engine.h"
#include "schedd/fire.h"
#include "schedd/histogram.h"
#include "schedd/log.h"
#include "schedd/overlap.h"
#include "schedd/sched.h"
#include "schedd/schedule.h"
#include "schedd/store.h"
#include "schedd/tz.h"

struct cJSON;
struct event;

#define ENGINE_SLICE		2048	/* due schedules planned per transaction, at most */
#define ENGINE_SLICE_FIRST	64	/* ...and in a wake-up's first: its requests leave at once */
#define ENGINE_LEAD		0.5	/* seconds: instants are recorded this far ahead, sent on time */
#define ENGINE_BACKLOG		8192	/* fires planned and not yet sent: more waits in the heap */
#define ENGINE_STORE_RETRY_MAX	8	/* seconds: longest wait before a failed write is tried again */
#define ENGINE_FLUSH_WAIT	0.1	/* seconds an outcome waits for the answers of creates in flight */
#define ENGINE_FLUSH_BATCH	1024	/* ...or until this many outcomes are gathered */
#define ENGINE_PATH_MAX		800	/* /api/v1/executions/p/d/name and launch plan paths */

/* --- schedules --- */

/* A schedule as the engine keeps it: what computing its instants needs, no more (SPEC 9: < 300 B each). */
struct engine_schedule {
	int64_t			 id;
	uint32_t		 gen;		/* bumped on change: older heap items are stale */
	unsigned		 live:1;	/* 0 once removed or not loadable */
	unsigned		 paused:1;
	unsigned		 foreign:1;	/* another host's shard: this one stands by */
	enum fire_catchup	 catchup;
	enum overlap_policy	 overlap;
	int64_t			 window;
	int64_t			 last;		/* newest instant handled (fired or skipped) */
	struct engine_watch	*latest;	/* its newest execution, while not final */
	struct engine_fire	*creating;	/* its newest fire, not yet known to Admin */
	struct engine_fire	*held;		/* buffer-one: the fire waiting for the previous execution */
	struct cron_expr	 expr;
	const struct tz_zone	*zone;
	uint32_t		 ended[ENGINE_PHASES];	/* its executions that ended, by final phase */
};

struct engine_schedule	*engine__schedule_find(const struct engine *eng,
			    int64_t id);
/* Seconds a schedule's instants wait before this host handles them: standby_delay when another host's. */
int64_t			 engine__schedule_delay(const struct engine *eng,
			    const struct engine_schedule *sch);
/* Count an execution of schedule id that ended in phase (not final: nothing). */
void			 engine__schedule_ended(struct engine *eng, int64_t id,
			    const char *phase);

/* --- fires --- */

/*
 * A fire's life, one run row from pending to its outcome. Every change of
 * state goes through engine__fire_on (engine_fire.c); the state says which
 * request or queue holds the fire.
 */
enum fire_state {
	FIRE_NEW,		/* its pending row is committed; nothing asked yet */
	FIRE_OVERLAP,		/* GET of the schedule's previous execution in flight */
	FIRE_HELD,		/* buffer-one: waits for the previous execution to end */
	FIRE_CANCELLING,	/* cancel-previous: DELETE of the previous execution in flight */
	FIRE_PLAN,		/* waits for its launch plan's version and interface */
	FIRE_RECORD,		/* request built, waits for its commit to the run row */
	FIRE_CREATE,		/* POST in flight */
	FIRE_CONFIRM,		/* Admin said AlreadyExists: GET in flight to see whether it is this fire */
	FIRE_LOOKUP,		/* sent before (a restart, an unknown outcome): GET in flight; absent means send */
	FIRE_RETRY,		/* Admin unavailable: waits for the next round */
	FIRE_DONE,		/* outcome queued for the batch commit; the fire is gone */
	FIRE_STATES
};

enum fire_event {
	FIRE_EV_BEGIN,		/* committed (or adopted): start */
	FIRE_EV_PREVIOUS,	/* the previous execution's phase (in->phase, NULL: unknown) */
	FIRE_EV_RELEASE,	/* buffer-one: the previous execution is final */
	FIRE_EV_CANCELLED,	/* the DELETE was answered */
	FIRE_EV_PLAN,		/* the launch plan is known (in->version, in->parameters) or not (in->status, in->why) */
	FIRE_EV_RECORDED,	/* the request is committed */
	FIRE_EV_RESPONSE,	/* Admin answered a POST or GET: in->status, in->body */
	FIRE_EV_TIMER,		/* the retry round is due */
	FIRE_EV_STOP,		/* the engine stops, or the schedule was paused or removed (in->why) */
	FIRE_EVENTS
};

/* What came with an event. */
struct fire_input {
	long			 status;	/* HTTP, 0: no response */
	const char		*body;
	const char		*why;		/* an error, a reason */
	const char		*phase;
	int64_t			 ended;		/* FIRE_EV_PREVIOUS: when it ended (Unix s), 0: not, or not known */
	const char		*version;
	const struct cJSON	*parameters;
	int			 attempts;	/* requests the client sent for this answer */
	enum run_state		 outcome;	/* FIRE_EV_STOP: pending (stopping), skipped (paused), failed (removed) */
};

enum fire_kind { FIRE_SCHEDULED, FIRE_CATCHUP, FIRE_TRIGGER, FIRE_BACKFILL };

struct engine_fire {
	struct engine		*eng;
	struct engine_fire	*prev, *next;	/* every fire not done */
	struct engine_fire	*queue_next;	/* the launch plan's waiters, the record batch, or the standby look-ups */
	enum fire_state		 state;
	enum fire_kind		 kind;
	int64_t			 run_id;
	int64_t			 schedule_id;	/* 0: the schedule was removed */
	int64_t			 instant;
	int64_t			 since;		/* when the run was asked for: the retry horizon counts from it */
	int64_t			 sent_at;	/* first POST, 0: not sent */
	double			 retry_at;	/* FIRE_RETRY: when */
	double			 started;	/* wall clock, for the latency in the log */
	int			 attempts;	/* create requests sent this time */
	int			 have_row;	/* row is read */
	int			 prepared;	/* its request was recorded with its pending row */
	int			 withdrawn;	/* recorded ahead, then its row taken back: never begun */
	int			 standby;	/* another host's instant: begun standby_delay after it */
	int			 look_first;	/* ask Admin for the execution before creating it */
	uint32_t		 gen;		/* its schedule's generation when it was recorded */
	int			 pinned;	/* its schedule pins the launch plan version: 1, 0, -1 not known yet */
	long			 garbled;	/* the 2xx of its last create that was not Admin's answer, 0: none */
	char			 name[FIRE_NAME_LENGTH + 1];
	char			*schedule_name;
	char			*request;	/* the body, once committed to the run row */
	char			*project;	/* where the request goes (or went): kept apart so */
	char			*domain;	/* look-ups never parse the body again */
	char			*previous;	/* cancel-previous: the execution path to terminate */
	char			*skip_reason;	/* a catch-up among hosts: skipped for this unless Admin has it */
	struct schedule		 row;		/* the schedule, read when the fire is planned or begins */
};

struct engine_fire	*engine__fire_new(struct engine *eng, int64_t run_id,
			    int64_t schedule_id, const char *schedule_name,
			    int64_t instant, enum fire_kind kind,
			    const char *request, int64_t since, uint32_t gen);
/* Take the schedule row read by the planner (moved: *row is cleared). */
void			 engine__fire_take_row(struct engine_fire *f,
			    struct schedule *row);
/* The one transition function: every state change of every fire. */
void			 engine__fire_on(struct engine_fire *f,
			    enum fire_event ev, const struct fire_input *in);
/*
 * Inside the transaction that records f's pending row: when f needs no
 * look at Admin first (its launch plan is cached and fresh, no overlap
 * check), build its request and record it in the same transaction, so it
 * is sent as soon as that commits. Returns -1 with e only when the write
 * fails; a fire that cannot be prepared takes the usual way.
 */
int			 engine__fire_prepare(struct engine_fire *f,
			    struct err *e);
/*
 * Start a fire whose pending row is committed: now, or at its instant when
 * it was recorded ahead (or adopted before it): never sent early.
 */
void			 engine__fire_start(struct engine_fire *f);
/*
 * Take back the fires recorded ahead of an instant that has not come (their
 * rows deleted in one transaction): all of them when stopping, so a stop
 * leaves no run the daemon was not up for; else those whose schedule
 * changed since (paused, edited, removed: a new generation), which then
 * plans that instant afresh.
 * If the write fails they stay, and go as recorded.
 */
void			 engine__fire_withdraw_ahead(struct engine *eng,
			    int all);
/*
 * Until when phase look-ups should wait (0: they need not): while creates
 * are in flight, and from just before fires recorded ahead are due until
 * just after, a page of executions to parse would make them late.
 */
double			 engine__fire_quiet_at(struct engine *eng);
/* Retries that are due: from the retry timer. */
void			 engine__fire_retry_due(struct engine *eng);
/* Commit the built requests in one transaction, then send them. */
void			 engine__fire_record(struct engine *eng);
void			 engine__fire_free(struct engine_fire *f);
/* Created, it was another host's doing: looked up first and found, never sent by this one. */
int			 engine__fire_by_peer(const struct engine_fire *f);
/* Free a fire whose row is gone (rolled back, taken back): as if never made. */
void			 engine__fire_forget(struct engine_fire *f);
const char		*engine__fire_kind_name(enum fire_kind kind);
int			 engine__fire_kind_parse(const char *text,
			    enum fire_kind *kind);
const char		*engine__fire_state_name(enum fire_state state);

/* --- results: outcomes written in batches --- */

struct engine_result {
	int64_t		 run_id;
	enum run_state	 state;
	char		 name[FIRE_NAME_LENGTH + 1];
	long		 status;
	char		*error;
	int		 attempts;
	int64_t		 sent_at;
	int		 peer;		/* created by another host: found at Admin, never sent */
};

/* Queue an outcome for the next batch commit. Returns 0, or -1 when out of memory. */
int	engine__result_add(struct engine *eng, const struct engine_fire *f,
	    enum run_state state, long status, const char *error);
void	engine__flush_soon(struct engine *eng);

/* --- launch plans (lpcache.c) --- */

struct lpcache;

int	engine__lp_new(struct lpcache **out, struct err *e);
void	engine__lp_free(struct lpcache *lps);
/*
 * Resolve f's launch plan: at once from the cache (engine__fire_on with
 * FIRE_EV_PLAN before returning), or after one shared GET.
 */
void	engine__lp_resolve(struct engine *eng, struct engine_fire *f);
/*
 * The launch plan's version and interface when cached and fresh (1);
 * else 0, and Admin is asked for it (once) so that later fires find it.
 */
int	engine__lp_cached(struct engine *eng, const struct schedule *row,
	    const char **version, const struct cJSON **parameters);

/* --- watching executions (execwatch.c) --- */

struct engine_watch {
	int64_t		 run_id;
	int64_t		 schedule_id;
	char		*project;
	char		*domain;
	char		 name[64];
	char		 phase[16];
	double		 due;		/* wall clock: next look */
	double		 interval;
	size_t		 slot;		/* in the heap; (size_t)-1 while a look is in flight */
};

struct execwatch;

int	engine__watch_new(struct engine *eng, struct execwatch **out,
	    struct err *e);
void	engine__watch_free(struct execwatch *w);
/* Watch a created run's execution; it becomes its schedule's latest. */
void	engine__watch_add(struct engine *eng, int64_t run_id,
	    int64_t schedule_id, const char *project, const char *domain,
	    const char *name, const char *phase);
/* Look sooner: a fire waits for this execution to end (buffer-one). */
void	engine__watch_hurry(struct engine *eng, struct engine_watch *w);
/* The path of GET/DELETE for the watched execution. */
void	engine__watch_path(const struct engine_watch *w, char *buf,
	    size_t len);
void	engine__watch_stop(struct engine *eng);
size_t	engine__watch_count(const struct engine *eng);

/* --- fires another host may have created (standby.c) --- */

struct standby;

int	engine__standby_new(struct engine *eng, struct standby **out,
	    struct err *e);
void	engine__standby_free(struct standby *sb);
/*
 * Ask Admin whether f's execution exists (f is in FIRE_LOOKUP): the fires
 * asked for in one turn of the loop go in one ListExecutions per project
 * and domain, and each gets FIRE_EV_RESPONSE as from a GET of its name
 * (200 with the execution, or 404). Returns 0, or -1 when Admin takes no
 * lists: the caller GETs it.
 */
int	engine__standby_ask(struct engine_fire *f);

/* --- the database watch (dbwatch.c) --- */

struct dbwatch;

int	engine__dbwatch_new(struct engine *eng, struct dbwatch **out,
	    struct err *e);
void	engine__dbwatch_free(struct dbwatch *w);
void	engine__dbwatch_stop(struct dbwatch *w);

/* --- the engine --- */

/* A set of run ids (open addressing): the runs that are ours, in flight or with an uncommitted result. */
struct idset {
	int64_t	*slots;		/* 0 empty, -1 deleted */
	size_t	 cap;
	size_t	 used;		/* live + deleted */
};

int	engine__idset_add(struct idset *set, int64_t id);
int	engine__idset_has(const struct idset *set, int64_t id);
void	engine__idset_remove(struct idset *set, int64_t id);

/* Fires waiting for a retry round: a binary min-heap on retry_at. */
struct fireheap {
	struct engine_fire	**items;
	size_t			  count;
	size_t			  cap;
};

struct engine {
	struct event_base	*base;
	struct store		*st;
	struct engine_admin	 admin;
	const struct log	*log;
	struct clock		*clock;
	struct engine_config	 cfg;
	char			*db_path;
	char			*tzdir;
	struct tz_cache		*zones;

	struct engine_schedule	*sched;		/* sorted by id */
	size_t			 nsched;
	size_t			 capsched;
	struct sched		 queue;		/* due instants */
	struct clock_timer	*due_timer;
	struct event		*due_soon;	/* the next slice, after the loop has served others */
	int64_t			 once_at;	/* --once: the instant it looks at */
	int64_t			 owed_since;	/* due schedules were left unplanned since then; 0: none */
	size_t			 slice_size;	/* the next slice's: doubles from ENGINE_SLICE_FIRST */
	int			 burst_sending;	/* a fire of this burst was sent: slices may grow */
	int			 store_retry;	/* seconds before a failed slice is tried again */

	struct engine_fire	*fires;		/* every fire not done */
	size_t			 unsent;	/* fires planned, not yet handed to Admin */
	struct idset		 ours;
	struct lpcache		*lps;
	struct engine_fire	*to_record;	/* built, request not yet committed */
	struct event		*record_soon;
	struct clock_timer	*record_timer;	/* after a failed commit */
	struct fireheap		 retries;
	struct clock_timer	*retry_timer;

	struct engine_result	*results;
	size_t			 nresults;
	size_t			 capresults;
	struct event		*flush_soon;
	struct clock_timer	*flush_timer;	/* after a failed commit */
	struct clock_timer	*flush_wait;	/* outcomes waiting for creates in flight */
	double			 results_since;	/* when the oldest unwritten outcome came */
	size_t			 posting;	/* fires in FIRE_CREATE */
	int64_t			 pruned_at;

	struct execwatch	*watches;
	struct standby		*standby;
	struct dbwatch		*dbwatch;
	int64_t			 data_version;
	int64_t			 last_change_id;
	int64_t			 last_pending_id;
	struct clock_timer	*reload_timer;	/* after a failed look at the change feed */
	int			 reload_retry;	/* seconds before that look is tried again */

	int			 stopping;
	engine_idle_cb		 idle;
	void			*idle_arg;
	struct event		*idle_ev;
	int			 lost;		/* the database file is no longer at its path */
	struct err		 lost_why;	/* what store_check_file said */
	engine_fatal_cb		 fatal;
	void			*fatal_arg;
	struct event		*fatal_ev;	/* tells the owner, from the loop */
	struct engine_stats	 stats;
	struct histogram	 lateness;	/* of "scheduled" fires, at their first send */
	double			 last_tick;	/* wall clock of the last look at what is due */
	uint64_t		 transitions[FIRE_STATES][FIRE_STATES];
};

int64_t	engine__now(const struct engine *eng);
/* Send a request to Admin on a lane; 0, or -1 with e. */
int	engine__request(struct engine *eng, enum admin_lane lane,
	    const char *method, const char *path, const char *body,
	    admin_done_cb cb, void *arg, struct err *e);
/* Look at what is due, soon (from the loop). */
void	engine__due_soon(struct engine *eng);
/* The change feed moved: take changed schedules and new pending runs. */
void	engine__reload(struct engine *eng);
/*
 * Is the database file still the one at its path? When not, the engine
 * stops at once and tells its owner (engine_on_fatal). Returns 0, or -1
 * with e; once lost, always -1.
 */
int	engine__check_file(struct engine *eng, struct err *e);
/* Begin a write transaction, never on a file that is no longer at its path. Returns 0, or -1 with e. */
int	engine__begin(struct engine *eng, struct err *e);
void	engine__maybe_idle(struct engine *eng);

#endif
