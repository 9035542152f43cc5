/* engine.c: the daemon's engine: schedules in a heap, one wall-clock timer, fires into Admin, hot reload. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/engine.h"
#include "schedd/execution.h"
#include "schedd/fire.h"
#include "schedd/literal.h"
#include "schedd/sched.h"
#include "schedd/template.h"
#include "schedd/tz.h"

#define LP_CACHE_MAX	256	/* launch plans remembered */
#define FLUSH_RETRY_S	1	/* after a failed batch commit */
#define DUE_RETRY_MAX_S	8	/* longest wait before planning a failed due batch again */
#define WATCH_FIRST_S	5	/* first look at a new execution's phase */
#define WATCH_MAX_S	60	/* longest wait between looks (doubling up to it) */
#define WATCH_SINCE_S	(7 * 86400)	/* at start, executions this recent are watched again */
#define PRUNE_EVERY_S	3600	/* retention: at most one batch an hour... */
#define PRUNE_BATCH	1000	/* ...of this many rows, unless more are due */

/* Fire lateness buckets (seconds): on time is milliseconds; retries come after 30 s; late is within the 60 s grace. */
static const double	lateness_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25,
			    0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600 };

enum overlap { OVERLAP_ALLOW, OVERLAP_SKIP, OVERLAP_BUFFER, OVERLAP_CANCEL };

struct engine_watch;
struct engine_fire;

/* A schedule as the engine keeps it: what computing its instants needs, no more. */
struct engine_schedule {
	int64_t			 id;
	uint32_t		 gen;		/* bumped on change: older heap items are stale */
	int			 live;		/* 0 once removed */
	int			 paused;
	enum fire_catchup	 catchup;
	int64_t			 window;
	int64_t			 last;		/* newest instant handled (fired or skipped) */
	enum overlap		 overlap;
	struct engine_watch	*latest;	/* its newest execution, while not final */
	struct engine_fire	*creating;	/* a fire being built or sent: the newest, not yet known to Admin */
	struct engine_fire	*held;		/* buffer-one: the fire waiting for it */
	struct cron_expr	 expr;
	const struct tz_zone	*zone;
};

/* An execution schedd created, looked at with backoff until its phase is final. */
struct engine_watch {
	struct engine		*eng;
	struct engine_watch	*prev, *next;
	int64_t			 run_id;
	int64_t			 schedule_id;
	char			 path[800];	/* /api/v1/executions/p/d/name */
	char			 phase[16];
	double			 due;		/* monotonic: next look */
	double			 interval;
	int			 asking;	/* a GET in flight */
};

struct lp_entry;

/* One run on its way to Admin, from its pending row to its result. */
struct engine_fire {
	struct engine		*eng;
	struct engine_fire	*prev, *next;	/* the in-flight list */
	struct engine_fire	*lp_next;	/* waiting for a launch plan lookup */
	int64_t			 run_id;
	int64_t			 instant;
	char			 kind[16];
	char			 name[FIRE_NAME_LENGTH + 1];
	char			*schedule_name;
	struct schedule		 s;		/* the row, read when the fire starts */
	int			 attempts;	/* create requests sent this time */
	int64_t			 sent_at;
	int64_t			 since;		/* when the run was asked for: the retry horizon counts from it */
	char			*request;	/* the body, once committed to its run row */
	struct engine_fire	*send_next;	/* waiting for its request to be committed */
	int			 held;		/* buffer-one: waiting for the previous execution */
	char			 cancel[800];	/* cancel-previous: the execution to terminate */
	double			 started;	/* monotonic, for the latency in the log */
	struct event		*later;		/* the next round of retries */
};

/* A launch plan lookup, shared by the fires that need it. */
struct lp_entry {
	char			 key[800];	/* "p/d/n" (latest) or "p/d/n@v" */
	char			*version;
	cJSON			*parameters;	/* expected_inputs.parameters; NULL: none */
	int64_t			 fetched_at;
	int			 fetching;
	struct engine_fire	*waiters;
};

/* A run's outcome waiting for the batch commit. */
struct engine_result {
	int64_t	 run_id;
	char	 state[16];
	char	 name[FIRE_NAME_LENGTH + 1];
	long	 status;
	char	*error;
	int	 attempts;
	int64_t	 sent_at;
};

/* Run ids that are ours: in flight, or finished with the result not yet committed. */
struct idset {
	int64_t	*slots;		/* 0 empty, -1 deleted */
	size_t	 cap;
	size_t	 used;		/* live + deleted */
};

struct engine {
	struct event_base	*base;
	struct store		*st;
	struct admin		*admin;
	const struct log	*log;
	struct engine_config	 cfg;
	char			*db_path;
	char			*tzdir;
	struct tz_cache		*zones;
	struct engine_schedule	*sched;		/* sorted by id */
	size_t			 nsched;
	size_t			 capsched;
	struct sched		 queue;
	int			 timerfd;
	struct event		*timer_ev;
	int			 inotify_fd;
	struct event		*inotify_ev;
	struct event		*fallback_ev;
	struct event		*flush_ev;
	struct event		*idle_ev;
	int64_t			 data_version;
	int64_t			 last_change_id;
	int64_t			 last_pending_id;
	struct engine_fire	*fires;		/* in flight */
	struct idset		 ours;
	struct lp_entry		*lps;
	size_t			 nlps;
	struct engine_fire	*to_send;	/* built, request not yet committed */
	struct engine_watch	*watches;	/* executions not known final */
	struct event		*watch_ev;
	struct event		*send_ev;
	struct engine_result	*results;
	size_t			 nresults;
	size_t			 capresults;
	int64_t			 pruned_at;	/* retention: the last batch */
	int			 stopping;
	engine_idle_cb		 idle;
	void			*idle_arg;
	struct engine_stats	 stats;
	struct histogram	 lateness;	/* of "scheduled" fires, at their first send */
	double			 last_tick;	/* wall clock of the last process_due */
	int64_t			 owed_since;	/* a due batch could not be recorded since then; 0: none */
	int64_t			 due_retry;	/* seconds before the next try of that batch */
};

static void	fire_begin(struct engine_fire *);
static void	fire_resolve(struct engine_fire *);
static void	watch_add(struct engine *, int64_t, int64_t, const char *,
		    const char *);
static void	engine_maybe_idle(struct engine *);
static void	engine_arm(struct engine *);

static int64_t
engine_now(const struct engine *eng)
{
	return eng->cfg.fake_now != 0 ? eng->cfg.fake_now : (int64_t)time(NULL);
}

static double
monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The wall clock with sub-second precision (instants are wall-clock seconds). */
static double
wall_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *
instant_text(int64_t t, char buf[32])
{
	if (civil_format_rfc3339(t, 0, buf, 32) == -1)
		snprintf(buf, 32, "%" PRId64, t);
	return buf;
}

/* --- the set of our run ids (open addressing, linear probing) --- */

static size_t
idset_slot(const struct idset *set, int64_t id)
{
	return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (set->cap - 1);
}

static int
idset_has(const struct idset *set, int64_t id)
{
	if (set->cap == 0)
		return 0;
	for (size_t i = idset_slot(set, id);; i = (i + 1) & (set->cap - 1)) {
		if (set->slots[i] == id)
			return 1;
		if (set->slots[i] == 0)
			return 0;
	}
}

static int
idset_add(struct idset *set, int64_t id)
{
	if ((set->used + 1) * 2 > set->cap) {
		struct idset	bigger = { NULL, set->cap ? set->cap * 2 : 64, 0 };

		if ((bigger.slots = calloc(bigger.cap, sizeof(int64_t))) == NULL)
			return -1;
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i] > 0)
				idset_add(&bigger, set->slots[i]);
		free(set->slots);
		*set = bigger;
	}
	if (idset_has(set, id))
		return 0;
	for (size_t i = idset_slot(set, id);; i = (i + 1) & (set->cap - 1))
		if (set->slots[i] <= 0) {
			if (set->slots[i] == 0)
				set->used++;
			set->slots[i] = id;
			return 0;
		}
}

static void
idset_remove(struct idset *set, int64_t id)
{
	if (set->cap == 0)
		return;
	for (size_t i = idset_slot(set, id);; i = (i + 1) & (set->cap - 1)) {
		if (set->slots[i] == id) {
			set->slots[i] = -1;
			return;
		}
		if (set->slots[i] == 0)
			return;
	}
}

/* --- schedules --- */

static struct engine_schedule *
schedule_find(const struct engine *eng, int64_t id)
{
	size_t	lo = 0, hi = eng->nsched;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (eng->sched[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < eng->nsched && eng->sched[lo].id == id ? &eng->sched[lo] :
	    NULL;
}

/* A slot for id, kept sorted; ids mostly arrive in increasing order. */
static struct engine_schedule *
schedule_slot(struct engine *eng, int64_t id)
{
	struct engine_schedule	*sch;
	size_t			 pos;

	if ((sch = schedule_find(eng, id)) != NULL)
		return sch;
	if (eng->nsched == eng->capsched) {
		size_t			 cap = eng->capsched ? eng->capsched * 2 : 256;
		struct engine_schedule	*bigger;

		if ((bigger = realloc(eng->sched, cap * sizeof(*bigger))) == NULL)
			return NULL;
		eng->sched = bigger;
		eng->capsched = cap;
	}
	pos = eng->nsched;
	while (pos > 0 && eng->sched[pos - 1].id > id)
		pos--;
	memmove(&eng->sched[pos + 1], &eng->sched[pos],
	    (eng->nsched - pos) * sizeof(*eng->sched));
	eng->nsched++;
	sch = &eng->sched[pos];
	memset(sch, 0, sizeof(*sch));
	sch->id = id;
	return sch;
}

/*
 * Take a schedule row into the engine. `from`: the instant after which its
 * fires are owed (at start the newest handled one; on a change, now).
 */
static int
schedule_take(struct engine *eng, const struct store_timing *t, int64_t from,
    struct err *e)
{
	struct engine_schedule	*sch;
	struct cron_expr	 expr;
	const struct tz_zone	*zone;
	enum fire_catchup	 catchup;
	struct err		 sub;
	int64_t			 next;

	if ((sch = schedule_slot(eng, t->id)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (!sch->live)
		sch->last = 0;
	sch->gen++;
	sch->live = 0;
	/* One bad schedule never stops the others: log it and leave it out. */
	if (cron_parse(t->cron, &expr, &sub) == -1 ||
	    tz_cache_get(eng->zones, t->tz, &zone, &sub) == -1 ||
	    fire_catchup_parse(t->catchup, &catchup) == -1) {
		log_event(eng->log, LOG_LEVEL_ERROR, "schedule", "%s: not loaded: "
		    "%s", t->name, sub.msg);
		return 0;
	}
	expr.anchor = t->created_at;
	sch->expr = expr;
	sch->zone = zone;
	sch->catchup = catchup;
	sch->window = t->catchup_window;
	sch->paused = t->paused;
	sch->overlap = t->overlap == NULL ? OVERLAP_ALLOW :
	    strcmp(t->overlap, "skip") == 0 ? OVERLAP_SKIP :
	    strcmp(t->overlap, "buffer-one") == 0 ? OVERLAP_BUFFER :
	    strcmp(t->overlap, "cancel-previous") == 0 ? OVERLAP_CANCEL :
	    OVERLAP_ALLOW;
	sch->live = 1;
	if (t->last_instant > sch->last)
		sch->last = t->last_instant;
	if (from > sch->last)
		sch->last = from;
	if (sch->paused)
		return 0;
	if (cron_next(&sch->expr, sch->zone, sch->last, &next) == 0 &&
	    sched_push(&eng->queue, next, sch->id, sch->gen, e) == -1)
		return -1;
	return 0;
}

static int
load_one(const struct store_timing *t, void *arg, struct err *e)
{
	struct engine	*eng = arg;
	int64_t		 from = t->active_since;

	if (t->last_instant > from)
		from = t->last_instant;
	if (schedule_take(eng, t, from, e) == -1)
		return -1;
	eng->stats.schedules++;
	return 0;
}

/* --- results: batched commits --- */

static int
result_add(struct engine *eng, const struct engine_fire *f, const char *state,
    long status, const char *error)
{
	struct engine_result	*r;

	if (eng->nresults == eng->capresults) {
		size_t			 cap = eng->capresults ? eng->capresults * 2 : 64;
		struct engine_result	*bigger;

		if ((bigger = realloc(eng->results, cap * sizeof(*bigger))) == NULL)
			return -1;
		eng->results = bigger;
		eng->capresults = cap;
	}
	r = &eng->results[eng->nresults];
	memset(r, 0, sizeof(*r));
	r->run_id = f->run_id;
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->name, sizeof(r->name), "%s", f->name);
	r->status = status;
	if (error != NULL && (r->error = strdup(error)) == NULL)
		return -1;
	r->attempts = f->attempts;
	r->sent_at = f->sent_at;
	eng->nresults++;
	return 0;
}

/*
 * Retention rides on result commits, so it adds no wake-up of its own: a
 * small batch at most once an hour, at once again while batches come back full.
 */
static void
engine_prune(struct engine *eng, int64_t now)
{
	struct err	e;
	int		deleted = 0;

	if (eng->cfg.retention <= 0 || eng->cfg.once ||
	    now - eng->pruned_at < PRUNE_EVERY_S)
		return;
	if (store_begin(eng->st, &e) == -1 ||
	    store_runs_prune(eng->st, now - eng->cfg.retention, PRUNE_BATCH,
	    &deleted, &e) == -1 || store_commit(eng->st, &e) == -1) {
		store_rollback(eng->st);
		log_event(eng->log, LOG_LEVEL_WARN, "retention", "%s", e.msg);
		deleted = 0;
	}
	eng->pruned_at = deleted == PRUNE_BATCH ? 0 : now;
	if (deleted > 0)
		log_event(eng->log, LOG_LEVEL_INFO, "retention", "removed %d runs "
		    "older than %" PRId64 " days", deleted,
		    eng->cfg.retention / 86400);
}

/* Write the outcomes gathered since the last flush in one transaction. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;
	struct err	 e;
	int64_t		 now = engine_now(eng);
	struct timeval	 retry = { FLUSH_RETRY_S, 0 };

	(void)fd;
	(void)what;
	if (eng->nresults == 0)
		goto idle;
	if (store_begin(eng->st, &e) == -1)
		goto fail;
	/* A commit proves the daemon alive: schedctl status reads the heartbeat. */
	if (!eng->cfg.once && store_heartbeat_touch(eng->st, now, &e) == -1) {
		store_rollback(eng->st);
		goto fail;
	}
	for (size_t i = 0; i < eng->nresults; i++) {
		struct engine_result	*r = &eng->results[i];
		enum run_state		 state;

		if (run_state_parse(r->state, &state) == -1) {
			err_set(&e, "run %" PRId64 ": unknown state %s",
			    r->run_id, r->state);
			store_rollback(eng->st);
			goto fail;
		}
		if (store_run_result(eng->st, r->run_id, state, r->name,
		    r->status, r->error, r->attempts, r->sent_at, now, &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	for (size_t i = 0; i < eng->nresults; i++) {
		if (strcmp(eng->results[i].state, "pending") != 0)
			idset_remove(&eng->ours, eng->results[i].run_id);
		free(eng->results[i].error);
	}
	eng->nresults = 0;
	engine_prune(eng, now);
 idle:
	engine_maybe_idle(eng);
	return;
 fail:
	/* The outcomes stay in memory and are written on the next try. */
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording %zu results: "
	    "%s; retrying", eng->nresults, e.msg);
	evtimer_add(eng->flush_ev, &retry);
}

static void
flush_soon(struct engine *eng)
{
	if (!evtimer_pending(eng->flush_ev, NULL))
		event_active(eng->flush_ev, EV_TIMEOUT, 0);
}

/* --- fires --- */

static void
fire_free(struct engine_fire *f)
{
	if (f == NULL)
		return;
	if (f->later != NULL)
		event_free(f->later);
	schedule_clear(&f->s);
	free(f->schedule_name);
	free(f->request);
	free(f);
}

static void
fire_unlink(struct engine_fire *f)
{
	struct engine	*eng = f->eng;

	if (f->prev != NULL)
		f->prev->next = f->next;
	else if (eng->fires == f)
		eng->fires = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
	eng->stats.inflight--;
}

/* The run's outcome: log it, queue it for the batch commit, forget the fire. */
static void
fire_finish(struct engine_fire *f, const char *state, long status,
    const char *error)
{
	struct engine	*eng = f->eng;
	char		 at[32];

	log_event(eng->log, strcmp(state, "created") == 0 ? LOG_LEVEL_INFO :
	    LOG_LEVEL_WARN, "fire", "schedule=%s instant=%s kind=%s "
	    "execution=%s outcome=%s attempts=%d latency=%.3fs%s%s",
	    f->schedule_name, instant_text(f->instant, at), f->kind, f->name,
	    state, f->attempts, monotonic() - f->started, error ? " error=" : "",
	    error ? error : "");
	if (strcmp(state, "created") == 0) {
		eng->stats.created++;
		/* Watch it until its phase is final: history, and overlap policies. */
		if (!eng->cfg.once && !eng->stopping && f->request != NULL)
			watch_add(eng, f->run_id, f->s.id, f->request, NULL);
	}
	else if (strcmp(state, "failed") == 0)
		eng->stats.failed++;
	else if (strcmp(state, "skipped") == 0)
		eng->stats.skipped++;
	{
		struct engine_schedule	*sch = schedule_find(eng, f->s.id);

		if (sch != NULL && sch->held == f)
			sch->held = NULL;
		if (sch != NULL && sch->creating == f)
			sch->creating = NULL;
	}
	if (result_add(eng, f, state, status, error) == -1)
		log_event(eng->log, LOG_LEVEL_ERROR, "fire", "%s: out of memory "
		    "recording the result; the run stays pending", f->name);
	fire_unlink(f);
	fire_free(f);
	flush_soon(eng);
}

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine_fire	*f = arg;

	(void)fd;
	(void)what;
	event_free(f->later);
	f->later = NULL;
	if (f->eng->stopping) {
		fire_finish(f, "pending", 0, NULL);
		return;
	}
	fire_begin(f);
}

/*
 * Admin is unavailable (connection errors, timeouts, 429, 5xx past the
 * client's retries): the run stays pending and is tried again later, until
 * it is older than the retry horizon.
 */
static void
fire_retry_later(struct engine_fire *f, long status, const char *why)
{
	struct engine	*eng = f->eng;
	struct timeval	 tv = { (time_t)eng->cfg.retry_delay, 0 };
	char		 msg[512];

	if (eng->stopping || eng->cfg.once) {
		/* Left pending: the next start looks it up and sends it. */
		fire_finish(f, "pending", status, why);
		return;
	}
	if (engine_now(eng) - f->since > eng->cfg.retry_horizon) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts over "
		    "%" PRId64 " s: %.400s", f->attempts,
		    eng->cfg.retry_horizon, why);
		fire_finish(f, "failed", status, msg);
		return;
	}
	log_event(eng->log, LOG_LEVEL_WARN, "fire", "schedule=%s execution=%s "
	    "admin unavailable (%s); retrying in %" PRId64 " s",
	    f->schedule_name, f->name, why, eng->cfg.retry_delay);
	if ((f->later = evtimer_new(eng->base, later_cb, f)) == NULL ||
	    evtimer_add(f->later, &tv) == -1)
		fire_finish(f, "pending", status, why);
}

static void
transport_error(const struct admin_response *r, char *buf, size_t len)
{
	if (r->status == 0)
		snprintf(buf, len, "%s", r->error ? r->error : "no response");
	else
		execution_error_message(r->body, r->status, buf, len);
}

/* GET of an execution with our name: is it this fire? */
static void
confirm_done(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;
	const char		*why;
	char			 msg[512];

	if (r->status == 200) {
		if (execution_is_fire(r->body, f->request, &why))
			fire_finish(f, "created", 409, NULL);
		else
			fire_finish(f, "failed", 409, why);
		return;
	}
	transport_error(r, msg, sizeof(msg));
	if (r->status == 404)
		/* Admin answered 409 but has no such execution: say so, do not loop. */
		fire_finish(f, "failed", 409, "Admin answered AlreadyExists but "
		    "has no execution of that name");
	else
		fire_retry_later(f, r->status, msg);
}

/* GET the execution the run's request names (where it was sent, whatever the schedule says now). */
static void
fire_get_execution(struct engine_fire *f, admin_done_cb cb)
{
	char		project[256], domain[256], name[256], path[1024];
	struct err	e;

	if (execution_request_id(f->request, project, domain, name,
	    sizeof(project)) == -1) {
		fire_finish(f, "failed", 0, "the recorded request has no "
		    "project, domain or name");
		return;
	}
	snprintf(path, sizeof(path), "/api/v1/executions/%s/%s/%s", project,
	    domain, name);
	if (admin_request(f->eng->admin, ADMIN_LANE_FIRE, "GET", path, NULL,
	    cb, f, &e) == -1)
		fire_retry_later(f, 0, e.msg);
}

static void
create_done(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;
	char			 msg[512];

	f->attempts += r->attempts;
	if (r->status >= 200 && r->status < 300) {
		fire_finish(f, "created", r->status, NULL);
		return;
	}
	if (r->status == 409) {
		/* AlreadyExists is success only when it is this very fire. */
		fire_get_execution(f, confirm_done);
		return;
	}
	transport_error(r, msg, sizeof(msg));
	if (admin_transient(r->status))
		fire_retry_later(f, r->status, msg);
	else
		fire_finish(f, "failed", r->status, msg);
}

/* Send the committed request. */
static void
fire_post(struct engine_fire *f)
{
	struct err	e;

	if (f->sent_at == 0) {
		f->sent_at = engine_now(f->eng);
		/* Lateness: the instant to its first hand-over (a resend is not a new fire). */
		if (strcmp(f->kind, "scheduled") == 0) {
			double	late = wall_clock() - (double)f->instant;

			histogram_observe(&f->eng->lateness, late > 0 ? late : 0);
		}
	}
	if (admin_request(f->eng->admin, ADMIN_LANE_FIRE, "POST",
	    "/api/v1/executions", f->request, create_done, f, &e) == -1)
		fire_retry_later(f, 0, e.msg);
}

/* Commit the requests built since the last time in one transaction, then send them. */
static void
send_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine		*eng = arg;
	struct engine_fire	*f, *list = eng->to_send;
	struct timeval		 retry = { FLUSH_RETRY_S, 0 };
	struct err		 e;

	(void)fd;
	(void)what;
	if (list == NULL)
		return;
	if (store_begin(eng->st, &e) == -1)
		goto fail;
	for (f = list; f != NULL; f = f->send_next)
		if (store_run_request_body(eng->st, f->run_id, f->request,
		    &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	eng->to_send = NULL;
	while ((f = list) != NULL) {
		list = f->send_next;
		f->send_next = NULL;
		fire_post(f);
	}
	return;
 fail:
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording requests: %s; "
	    "retrying", e.msg);
	evtimer_add(eng->send_ev, &retry);
}

/* Build the request with the launch plan's version and interface, and queue it. */
static void
fire_create(struct engine_fire *f, const char *version, const cJSON *parameters)
{
	struct engine		*eng = f->eng;
	struct template_context	 ctx = {
		.kickoff = f->instant,
		.offset = 0,
		.schedule_name = f->schedule_name,
	};
	const struct tz_zone	*zone;
	struct err		 e;
	cJSON			*inputs = NULL, *literals = NULL;
	char			*expanded = NULL, *body = NULL;

	if (tz_cache_get(eng->zones, f->s.tz, &zone, &e) == 0)
		ctx.offset = tz_offset_at(zone, f->instant);
	if (template_expand(f->s.inputs ? f->s.inputs : "{}", &ctx, &expanded,
	    &e) == -1 || (inputs = cJSON_Parse(expanded)) == NULL ||
	    literal_inputs(inputs, parameters, f->s.kickoff_input, f->instant,
	    &literals, &e) == -1 ||
	    execution_create_body(&f->s, version, f->instant, f->name, literals,
	    &body, &e) == -1) {
		/* Bad inputs are permanent: recorded, never retried blindly. */
		fire_finish(f, "failed", 0, e.msg);
		goto out;
	}
	/* The request is committed to the run row before it leaves. */
	f->request = body;
	body = NULL;
	f->send_next = eng->to_send;
	eng->to_send = f;
	if (!evtimer_pending(eng->send_ev, NULL))
		event_active(eng->send_ev, EV_TIMEOUT, 0);
 out:
	cJSON_Delete(inputs);
	cJSON_Delete(literals);
	free(expanded);
	free(body);
}

static struct lp_entry *
lp_find(struct engine *eng, const char *key)
{
	for (size_t i = 0; i < eng->nlps; i++)
		if (strcmp(eng->lps[i].key, key) == 0)
			return &eng->lps[i];
	return NULL;
}

static void
lp_done(const struct admin_response *r, void *arg)
{
	struct lp_entry		*lp = arg;
	struct engine_fire	*f, *waiters = lp->waiters;
	const char		*version;
	const cJSON		*parameters;
	struct err		 e;
	cJSON			*doc = NULL;
	char			 msg[1100];
	int			 ok = 0;

	lp->fetching = 0;
	lp->waiters = NULL;
	if (r->status == 200 && (doc = cJSON_Parse(r->body)) != NULL &&
	    execution_launch_plan(doc, &version, &parameters, &e) == 0) {
		free(lp->version);
		cJSON_Delete(lp->parameters);
		lp->version = strdup(version);
		lp->parameters = parameters ? cJSON_Duplicate(parameters, 1) :
		    NULL;
		lp->fetched_at = waiters ? engine_now(waiters->eng) : 0;
		ok = lp->version != NULL;
	} else if (r->status == 200)
		snprintf(msg, sizeof(msg), "launch plan %s: %s", lp->key,
		    doc ? e.msg : "response is not JSON");
	else if (r->status == 404)
		snprintf(msg, sizeof(msg), "launch plan %s not found", lp->key);
	else {
		transport_error(r, msg, sizeof(msg));
		lp->fetched_at = 0;
	}
	cJSON_Delete(doc);
	while ((f = waiters) != NULL) {
		waiters = f->lp_next;
		f->lp_next = NULL;
		if (ok)
			fire_create(f, lp->version, lp->parameters);
		else if (admin_transient(r->status))
			fire_retry_later(f, r->status, msg);
		else
			fire_finish(f, "failed", r->status, msg);
	}
}

/* Find the launch plan's version and interface (cached), then create. */
static void
fire_resolve(struct engine_fire *f)
{
	struct engine	*eng = f->eng;
	struct lp_entry	*lp;
	char		 key[800], path[1200];
	struct err	 e;
	int64_t		 now = engine_now(eng);

	snprintf(key, sizeof(key), "%s/%s/%s%s%s", f->s.project, f->s.domain,
	    f->s.launch_plan, f->s.version ? "@" : "",
	    f->s.version ? f->s.version : "");
	if ((lp = lp_find(eng, key)) == NULL) {
		if (eng->nlps < LP_CACHE_MAX)
			lp = &eng->lps[eng->nlps++];
		else {
			/*
			 * Reuse the oldest idle entry in place: entries never
			 * move, since a lookup in flight holds a pointer to one.
			 */
			for (size_t i = 0; i < eng->nlps; i++)
				if (!eng->lps[i].fetching && (lp == NULL ||
				    eng->lps[i].fetched_at < lp->fetched_at))
					lp = &eng->lps[i];
			if (lp == NULL) {
				fire_retry_later(f, 0, "too many launch plans "
				    "being looked up");
				return;
			}
			free(lp->version);
			cJSON_Delete(lp->parameters);
		}
		memset(lp, 0, sizeof(*lp));
		snprintf(lp->key, sizeof(lp->key), "%s", key);
	}
	/* A pinned version never changes; "latest" is looked up again after lp_ttl. */
	if (lp->version != NULL && !lp->fetching && (f->s.version != NULL ||
	    now - lp->fetched_at < eng->cfg.lp_ttl)) {
		fire_create(f, lp->version, lp->parameters);
		return;
	}
	f->lp_next = lp->waiters;
	lp->waiters = f;
	if (lp->fetching)
		return;
	lp->fetching = 1;
	if (f->s.version != NULL)
		snprintf(path, sizeof(path), "/api/v1/launch_plans/%s/%s/%s/%s",
		    f->s.project, f->s.domain, f->s.launch_plan, f->s.version);
	else
		snprintf(path, sizeof(path), "/api/v1/launch_plans/%s/%s/%s?"
		    "limit=1&sort_by.key=created_at&sort_by.direction="
		    "DESCENDING", f->s.project, f->s.domain, f->s.launch_plan);
	if (admin_request(eng->admin, ADMIN_LANE_FIRE, "GET", path, NULL,
	    lp_done, lp, &e) == -1) {
		struct admin_response	r = { .status = 0, .body = "",
					    .error = e.msg };

		lp_done(&r, lp);
	}
}

/* A recorded request may have been sent before a restart or a retry round: Admin decides. */
static void
lookup_done(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;
	const char		*why;
	char			 msg[512];

	if (r->status == 200) {
		if (execution_is_fire(r->body, f->request, &why))
			fire_finish(f, "created", 200, NULL);
		else
			fire_finish(f, "failed", 409, why);
		return;
	}
	if (r->status == 404) {
		/* Admin lacks it: send it now, exactly as it was recorded. */
		fire_post(f);
		return;
	}
	transport_error(r, msg, sizeof(msg));
	fire_retry_later(f, r->status, msg);
}

/* --- overlap policies --- */

static void
overlap_cancelled(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;

	log_event(f->eng->log, r->status >= 200 && r->status < 300 ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN, "overlap", "schedule=%s "
	    "cancel-previous: terminate %s: HTTP %ld", f->schedule_name,
	    f->cancel, r->status);
	fire_resolve(f);
}

/* The previous execution `name` is not final (`phase`): the policy decides this fire. */
static void
overlap_busy(struct engine_fire *f, struct engine_schedule *sch,
    const char *name, const char *phase)
{
	struct engine	*eng = f->eng;
	char		 why[900], body[400];
	struct err	 e;

	snprintf(why, sizeof(why), "overlap %s: the previous execution %s is "
	    "%s", sch->overlap == OVERLAP_SKIP ? "skip" :
	    sch->overlap == OVERLAP_BUFFER ? "buffer-one" : "cancel-previous",
	    name, phase);
	switch (sch->overlap) {
	case OVERLAP_SKIP:
		fire_finish(f, "skipped", 0, why);
		return;
	case OVERLAP_BUFFER:
		if (sch->held != NULL) {
			strncat(why, "; a fire is waiting already",
			    sizeof(why) - strlen(why) - 1);
			fire_finish(f, "skipped", 0, why);
			return;
		}
		log_event(eng->log, LOG_LEVEL_INFO, "overlap", "schedule=%s "
		    "execution=%s waits: %s", f->schedule_name, f->name, why);
		f->held = 1;
		sch->held = f;
		if (sch->creating == f)
			sch->creating = NULL;
		return;
	case OVERLAP_CANCEL:
		sch->creating = f;
		snprintf(body, sizeof(body), "{\"cause\":\"schedd: superseded by "
		    "%s (schedule %s)\"}", f->name, f->schedule_name);
		if (admin_request(eng->admin, ADMIN_LANE_FIRE, "DELETE",
		    f->cancel, body, overlap_cancelled, f, &e) == -1)
			fire_resolve(f);
		return;
	case OVERLAP_ALLOW:
		break;
	}
	fire_resolve(f);
}

/* The schedule's previous execution, asked just now: what the policy does with this fire. */
static void
overlap_checked(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;
	struct engine		*eng = f->eng;
	struct engine_schedule	*sch = schedule_find(eng, f->s.id);
	cJSON			*doc = r->status == 200 ? cJSON_Parse(r->body) :
				    NULL;
	const char		*phase = execution_phase(doc);
	char			 why[32];

	if (eng->stopping) {
		/* Stopping: neither hold nor send it; the next start decides again. */
		cJSON_Delete(doc);
		fire_finish(f, "pending", 0, NULL);
		return;
	}
	/* Unknown (Admin unreachable, execution gone) or final: nothing to wait for. */
	if (sch == NULL || r->status != 200 || phase == NULL ||
	    execution_phase_final(phase)) {
		cJSON_Delete(doc);
		if (sch != NULL && sch->held != NULL) {
			/* buffer-one: the waiting fire goes first, this one waits behind it. */
			struct engine_fire	*held = sch->held;

			held->held = 0;
			f->held = 1;
			sch->held = f;
			sch->creating = held;
			log_event(eng->log, LOG_LEVEL_INFO, "overlap", "schedule=%s "
			    "execution=%s goes, execution=%s waits behind it",
			    f->schedule_name, held->name, f->name);
			fire_resolve(held);
			return;
		}
		fire_resolve(f);
		return;
	}
	snprintf(why, sizeof(why), "%s", phase);	/* doc goes; the phase stays */
	cJSON_Delete(doc);
	overlap_busy(f, sch, strrchr(f->cancel, '/') + 1, why);
}

/*
 * Before building a fire of a schedule whose policy is not allow, ask Admin
 * for the phase of its previous execution, fresh: a watch's last look may be
 * up to a minute old.
 */
static void
fire_overlap(struct engine_fire *f)
{
	struct engine_schedule	*sch = schedule_find(f->eng, f->s.id);
	struct err		 e;

	/* Triggers and backfills are asked for by hand: no policy stands in their way. */
	if (sch == NULL || sch->overlap == OVERLAP_ALLOW || f->eng->cfg.once ||
	    (strcmp(f->kind, "scheduled") != 0 &&
	    strcmp(f->kind, "catchup") != 0)) {
		fire_resolve(f);
		return;
	}
	if (sch->creating != NULL && sch->creating != f &&
	    sch->overlap != OVERLAP_CANCEL) {
		/* The previous fire is not even created yet: it is certainly running. */
		overlap_busy(f, sch, sch->creating->name, "being created");
		return;
	}
	sch->creating = f;
	if (sch->latest == NULL) {
		fire_resolve(f);
		return;
	}
	snprintf(f->cancel, sizeof(f->cancel), "%s", sch->latest->path);
	if (admin_request(f->eng->admin, ADMIN_LANE_FIRE, "GET", f->cancel,
	    NULL, overlap_checked, f, &e) == -1)
		fire_resolve(f);
}

/* --- watching executions until their phase is final --- */

static void
watch_arm(struct engine *eng)
{
	struct engine_watch	*w;
	double			 first = 0, now = monotonic();
	struct timeval		 tv;

	for (w = eng->watches; w != NULL; w = w->next)
		if (!w->asking && (first == 0 || w->due < first))
			first = w->due;
	if (first == 0 || eng->stopping) {
		evtimer_del(eng->watch_ev);
		return;
	}
	first = first > now ? first - now : 0;
	tv.tv_sec = (time_t)first;
	tv.tv_usec = (suseconds_t)((first - (double)tv.tv_sec) * 1e6);
	evtimer_add(eng->watch_ev, &tv);
}

static void
watch_free(struct engine_watch *w)
{
	struct engine		*eng = w->eng;
	struct engine_schedule	*sch = schedule_find(eng, w->schedule_id);

	if (w->prev != NULL)
		w->prev->next = w->next;
	else if (eng->watches == w)
		eng->watches = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	if (sch != NULL && sch->latest == w)
		sch->latest = NULL;
	free(w);
}

static void
watch_done(const struct admin_response *r, void *arg)
{
	struct engine_watch	*w = arg;
	struct engine		*eng = w->eng;
	struct engine_schedule	*sch = schedule_find(eng, w->schedule_id);
	cJSON			*doc = r->status == 200 ? cJSON_Parse(r->body) :
				    NULL;
	const char		*phase = execution_phase(doc);
	int64_t			 started, ended;
	struct err		 e;
	int			 final;

	w->asking = 0;
	/* 404: Admin forgot it (or never had it): nothing more to learn, as if final. */
	final = r->status == 404 || execution_phase_final(phase);
	if (phase != NULL && strcmp(phase, w->phase) != 0) {
		execution_times(doc, &started, &ended);
		if (store_run_phase(eng->st, w->run_id, phase, started, ended,
		    &e) == -1)
			log_event(eng->log, LOG_LEVEL_WARN, "watch", "%s", e.msg);
		snprintf(w->phase, sizeof(w->phase), "%s", phase);
	}
	cJSON_Delete(doc);
	if (final) {
		struct engine_fire	*held = NULL;

		if (sch != NULL && sch->latest == w && sch->held != NULL) {
			held = sch->held;
			sch->held = NULL;
			held->held = 0;
			sch->creating = held;
		}
		watch_free(w);
		if (held != NULL)
			fire_resolve(held);	/* buffer-one: its turn now */
	} else {
		w->interval = w->interval * 2 > WATCH_MAX_S ? WATCH_MAX_S :
		    w->interval * 2;
		w->due = monotonic() + w->interval;
	}
	watch_arm(eng);
}

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine		*eng = arg;
	struct engine_watch	*w;
	double			 now = monotonic();
	struct err		 e;

	(void)fd;
	(void)what;
	for (w = eng->watches; w != NULL; w = w->next) {
		if (w->asking || w->due > now)
			continue;
		w->asking = 1;
		if (admin_request(eng->admin, ADMIN_LANE_WATCH, "GET", w->path,
		    NULL, watch_done, w, &e) == -1) {
			w->asking = 0;
			w->due = now + w->interval;
		}
	}
	watch_arm(eng);
}

/* Watch the execution a run's request created; it becomes its schedule's latest. */
static void
watch_add(struct engine *eng, int64_t run_id, int64_t schedule_id,
    const char *request, const char *phase)
{
	struct engine_watch	*w;
	struct engine_schedule	*sch;
	char			 project[256], domain[256], name[256];

	if (execution_request_id(request, project, domain, name,
	    sizeof(project)) == -1 || (w = calloc(1, sizeof(*w))) == NULL)
		return;
	w->eng = eng;
	w->run_id = run_id;
	w->schedule_id = schedule_id;
	snprintf(w->path, sizeof(w->path), "/api/v1/executions/%s/%s/%s",
	    project, domain, name);
	snprintf(w->phase, sizeof(w->phase), "%s", phase ? phase : "");
	w->interval = WATCH_FIRST_S;
	w->due = monotonic() + WATCH_FIRST_S;
	w->next = eng->watches;
	if (eng->watches != NULL)
		eng->watches->prev = w;
	eng->watches = w;
	if ((sch = schedule_find(eng, schedule_id)) != NULL)
		sch->latest = w;
	watch_arm(eng);
}

static int
rewatch_one(const struct store_watch *sw, void *arg, struct err *e)
{
	(void)e;
	watch_add(arg, sw->run_id, sw->schedule_id, sw->request, sw->phase);
	return 0;
}

/*
 * A run whose request is recorded may have been sent: look it up, and
 * resend it as recorded if Admin lacks it. Otherwise read the schedule row
 * and build the request.
 */
static void
fire_begin(struct engine_fire *f)
{
	struct engine	*eng = f->eng;
	struct err	 e;

	if (f->request != NULL) {
		fire_get_execution(f, lookup_done);
		return;
	}
	schedule_clear(&f->s);
	if (store_schedule_get(eng->st, f->schedule_name, &f->s, &e) == -1) {
		if (e.code == EX_NOINPUT)
			fire_finish(f, "failed", 0, "the schedule was removed "
			    "before its run was sent");
		else
			fire_retry_later(f, 0, e.msg);
		return;
	}
	fire_overlap(f);
}

/* A new fire for a pending run row (not started: the caller commits first). */
static struct engine_fire *
fire_new(struct engine *eng, int64_t run_id, const char *schedule_name,
    int64_t instant, const char *kind, const char *request, int64_t since)
{
	struct engine_fire	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->schedule_name = strdup(schedule_name)) == NULL ||
	    (request != NULL && (f->request = strdup(request)) == NULL) ||
	    idset_add(&eng->ours, run_id) == -1) {
		if (f != NULL) {
			free(f->schedule_name);
			free(f->request);
		}
		free(f);
		log_event(eng->log, LOG_LEVEL_ERROR, "fire", "out of memory; "
		    "run %" PRId64 " stays pending", run_id);
		return NULL;
	}
	f->eng = eng;
	f->run_id = run_id;
	f->instant = instant;
	f->since = since;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	fire_execution_name(schedule_name, instant, f->name, sizeof(f->name));
	f->started = monotonic();
	f->next = eng->fires;
	if (eng->fires != NULL)
		eng->fires->prev = f;
	eng->fires = f;
	eng->stats.inflight++;
	eng->stats.fires++;
	return f;
}

/* --- what is due --- */

/* Fires made inside a transaction wait here until it commits. */
struct due_batch {
	struct engine_fire	**fires;
	size_t			  n;
	size_t			  cap;
	int64_t			  skipped;	/* skipped rows written: counted once committed */
};

static int
batch_add(struct due_batch *b, struct engine_fire *f)
{
	if (b->n == b->cap) {
		size_t			  cap = b->cap ? b->cap * 2 : 64;
		struct engine_fire	**bigger;

		if ((bigger = realloc(b->fires, cap * sizeof(*bigger))) == NULL)
			return -1;
		b->fires = bigger;
		b->cap = cap;
	}
	b->fires[b->n++] = f;
	return 0;
}

/*
 * Record one schedule's owed instants (inside the caller's transaction) and
 * say in *next when it is due again. Nothing is queued here: the heap
 * changes only once the transaction commits, so a failed batch cannot leave
 * a second item per schedule behind.
 */
static int
plan_schedule(struct engine *eng, struct engine_schedule *sch,
    const char *name, int64_t now, int64_t grace, struct due_batch *batch,
    int64_t *next, struct err *e)
{
	struct fire_plan	plan;
	char			reason[160];
	enum run_state		state;
	int64_t			run_id;
	int			inserted;

	fire_plan(&sch->expr, sch->zone, sch->catchup, sch->window, grace,
	    sch->last, now, &plan);
	for (int i = 0; i < plan.nskip; i++) {
		if (plan.skip[i] < now - sch->window)
			snprintf(reason, sizeof(reason), "missed by more than "
			    "the catch-up window (%" PRId64 " s)", sch->window);
		else
			snprintf(reason, sizeof(reason), "catch-up policy %s",
			    sch->catchup == FIRE_CATCHUP_NONE ? "none" :
			    sch->catchup == FIRE_CATCHUP_LATEST ? "latest: a "
			    "newer instant fired" : "all: more than 100 missed");
		if (i == 0 && plan.more_skipped)
			snprintf(reason + strlen(reason), sizeof(reason) -
			    strlen(reason), "; older instants not listed");
		if (store_run_skip(eng->st, sch->id, name, plan.skip[i], reason,
		    now, e) == -1)
			return -1;
		batch->skipped++;
		if (plan.skip[i] > sch->last)
			sch->last = plan.skip[i];
	}
	for (int i = 0; i < plan.nfire; i++) {
		const char		*kind = plan.fire[i] >= now - grace ?
					    "scheduled" : "catchup";
		char			 exec[FIRE_NAME_LENGTH + 1];
		struct engine_fire	*f;

		fire_execution_name(name, plan.fire[i], exec, sizeof(exec));
		if (store_run_fire(eng->st, sch->id, name, plan.fire[i], kind,
		    exec, now, &run_id, &inserted, &state, e) == -1)
			return -1;
		if (plan.fire[i] > sch->last)
			sch->last = plan.fire[i];
		/* An existing row is someone else's (or handled): leave it. */
		if (!inserted)
			continue;
		if ((f = fire_new(eng, run_id, name, plan.fire[i], kind, NULL,
		    now)) ==
		    NULL || batch_add(batch, f) == -1) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
	}
	*next = plan.next;
	return 0;
}

/* store_timing_each callback: the name of a due schedule, then its plan. */
struct due_walk {
	struct engine		*eng;
	struct engine_schedule	*sch;
	int64_t			 now;
	int64_t			 grace;
	struct due_batch	*batch;
	int64_t			*next;
};

static int
due_one(const struct store_timing *t, void *arg, struct err *e)
{
	struct due_walk	*w = arg;

	return plan_schedule(w->eng, w->sch, t->name, w->now, w->grace,
	    w->batch, w->next, e);
}

/* Drop what a failed transaction made; the schedules are retried shortly. */
static void
batch_abandon(struct engine *eng, struct due_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		idset_remove(&eng->ours, b->fires[i]->run_id);
		fire_unlink(b->fires[i]);
		fire_free(b->fires[i]);
		eng->stats.fires--;
	}
	b->n = 0;
}

/*
 * Everything due at or before now, in one transaction: pending rows (and
 * skipped ones) are committed before any request leaves. When the batch
 * cannot be recorded (disk full, a lock, an I/O error) each of its
 * schedules goes back into the heap once, unchanged, and the batch is tried
 * again with backoff; the instants it owed stay owed (they fire late, they
 * are not missed), since they came due while the daemon was up.
 */
static void
process_due(struct engine *eng, int64_t now)
{
	struct sched_item	 item;
	struct due_batch	 batch = { NULL, 0, 0, 0 };
	struct err		 e;
	int64_t			*ids = NULL, *saved = NULL, *nexts = NULL;
	int64_t			 grace = eng->cfg.grace;
	size_t			 n = 0, cap = 0;

	eng->last_tick = wall_clock();
	if (eng->owed_since != 0 && now - eng->owed_since + eng->cfg.grace > grace)
		grace = now - eng->owed_since + eng->cfg.grace;
	while (sched_pop_due(&eng->queue, now, &item)) {
		struct engine_schedule	*sch = schedule_find(eng, item.id);

		if (sch == NULL || !sch->live || sch->paused ||
		    sch->gen != item.gen)
			continue;	/* stale: the schedule changed or went */
		if (n == cap) {
			size_t	 c = cap ? cap * 2 : 64;
			int64_t	*bi = realloc(ids, c * sizeof(*bi));
			int64_t	*bs = bi ? realloc(saved, c * sizeof(*bs)) : NULL;
			int64_t	*bn = bs ? realloc(nexts, c * sizeof(*bn)) : NULL;

			if (bi != NULL)
				ids = bi;
			if (bs != NULL)
				saved = bs;
			if (bn == NULL) {
				/* Put it back and let the next wake-up try. */
				sched_push(&eng->queue, item.due, item.id,
				    item.gen, NULL);
				break;
			}
			nexts = bn;
			cap = c;
		}
		ids[n] = item.id;
		nexts[n] = -1;
		saved[n++] = sch->last;
	}
	if (n == 0)
		goto out;
	if (store_begin(eng->st, &e) == -1)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct due_walk	w = { eng, schedule_find(eng, ids[i]), now,
				    grace, &batch, &nexts[i] };

		if (store_timing_get(eng->st, ids[i], NULL, due_one, &w,
		    &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	if (eng->owed_since != 0)
		log_event(eng->log, LOG_LEVEL_INFO, "store", "due schedules "
		    "recorded again after %" PRId64 " s", now - eng->owed_since);
	eng->owed_since = 0;
	eng->due_retry = 0;
	for (size_t i = 0; i < n; i++) {
		struct engine_schedule	*sch = schedule_find(eng, ids[i]);

		if (nexts[i] != -1 && sched_push(&eng->queue, nexts[i], sch->id,
		    sch->gen, &e) == -1)
			log_event(eng->log, LOG_LEVEL_ERROR, "schedule", "%s",
			    e.msg);
	}
	eng->stats.skipped += batch.skipped;
	for (size_t i = 0; i < batch.n; i++)
		fire_begin(batch.fires[i]);
	goto out;
 fail:
	if (eng->owed_since == 0)
		eng->owed_since = now;
	eng->due_retry = eng->due_retry == 0 ? 1 : eng->due_retry * 2 >
	    DUE_RETRY_MAX_S ? DUE_RETRY_MAX_S : eng->due_retry * 2;
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording %zu due "
	    "schedules: %s; retrying in %" PRId64 " s", n, e.msg,
	    eng->due_retry);
	batch_abandon(eng, &batch);
	for (size_t i = 0; i < n; i++) {
		struct engine_schedule	*sch = schedule_find(eng, ids[i]);

		sch->last = saved[i];
		sched_push(&eng->queue, now + eng->due_retry, sch->id, sch->gen,
		    NULL);
	}
 out:
	free(batch.fires);
	free(ids);
	free(saved);
	free(nexts);
	engine_arm(eng);
}

/* --- the timer: a timerfd on the wall clock --- */

static void
engine_arm(struct engine *eng)
{
	const struct sched_item	*top;
	struct itimerspec	 its;

	if (eng->timerfd == -1)
		return;
	memset(&its, 0, sizeof(its));
	/* Drop stale items so the timer is armed for a real fire. */
	while ((top = sched_peek(&eng->queue)) != NULL) {
		struct engine_schedule	*sch = schedule_find(eng, top->id);
		struct sched_item	 dropped;

		if (sch != NULL && sch->live && !sch->paused &&
		    sch->gen == top->gen)
			break;
		sched_pop_due(&eng->queue, INT64_MAX, &dropped);
	}
	if (top != NULL && !eng->stopping)
		its.it_value.tv_sec = (time_t)(top->due > 0 ? top->due : 1);
	/* CANCEL_ON_SET: a clock change wakes us, so a jump is seen at once. */
	timerfd_settime(eng->timerfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	    &its, NULL);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;
	uint64_t	 ticks;

	(void)what;
	if (read(fd, &ticks, sizeof(ticks)) == -1 && errno == ECANCELED)
		log_event(eng->log, LOG_LEVEL_WARN, "clock", "the system clock "
		    "was set; re-planning from %" PRId64, engine_now(eng));
	process_due(eng, engine_now(eng));
}

/* --- hot reload --- */

static int
reload_one(const struct store_timing *t, void *arg, struct err *e)
{
	struct engine		*eng = arg;
	struct engine_schedule	*sch;
	int			 known = schedule_find(eng, t->id) != NULL &&
				    schedule_find(eng, t->id)->live;
	int64_t		 now = engine_now(eng);

	/* A changed schedule owes nothing for the past: its next fire is from now on. */
	if (schedule_take(eng, t, known ? now - 1 : (t->active_since >
	    t->last_instant ? t->active_since : t->last_instant), e) == -1)
		return -1;
	if (!known)
		eng->stats.schedules++;
	/* A fire waiting its turn follows the change: dropped when paused, sent when no longer buffered. */
	if ((sch = schedule_find(eng, t->id)) != NULL && sch->held != NULL) {
		struct engine_fire	*held = sch->held;

		if (sch->paused)
			fire_finish(held, "skipped", 0, "the schedule was paused "
			    "while this fire waited");
		else if (sch->overlap != OVERLAP_BUFFER) {
			sch->held = NULL;
			held->held = 0;
			fire_resolve(held);
		}
	}
	log_event(eng->log, LOG_LEVEL_INFO, "reload", "schedule %s %s%s",
	    t->name, known ? "changed" : "added", t->paused ? " (paused)" : "");
	return 0;
}

struct reload_walk {
	struct engine	*eng;
	int		 found;
};

static int
reload_found(const struct store_timing *t, void *arg, struct err *e)
{
	struct reload_walk	*w = arg;

	w->found = 1;
	return reload_one(t, w->eng, e);
}

static int
changed_one(int64_t id, const char *name, void *arg, struct err *e)
{
	struct engine		*eng = arg;
	struct reload_walk	 w = { eng, 0 };
	struct engine_schedule	*sch;

	if (store_timing_get(eng->st, 0, name, reload_found, &w, e) == -1)
		return -1;
	if (!w.found && (sch = schedule_find(eng, id)) != NULL && sch->live) {
		if (sch->held != NULL)
			fire_finish(sch->held, "failed", 0, "the schedule was "
			    "removed before its run was sent");
		sch->live = 0;
		sch->gen++;
		eng->stats.schedules--;
		log_event(eng->log, LOG_LEVEL_INFO, "reload", "schedule %s "
		    "removed", name);
	}
	return 0;
}

static int
adopt_pending(const struct store_pending *p, void *arg, struct err *e)
{
	struct engine		*eng = arg;
	struct engine_fire	*f;

	(void)e;
	if (p->run_id > eng->last_pending_id)
		eng->last_pending_id = p->run_id;
	if (idset_has(&eng->ours, p->run_id))
		return 0;
	/* A recorded request may have been sent before: fire_begin asks Admin first. */
	if ((f = fire_new(eng, p->run_id, p->schedule_name, p->scheduled_at,
	    p->kind, p->request, p->recorded_at)) != NULL)
		fire_begin(f);
	return 0;
}

void
engine_reload(struct engine *eng)
{
	struct err	e;
	int64_t		version, last;

	if (eng->stopping)
		return;
	version = store_data_version(eng->st);
	if (version == eng->data_version)
		return;		/* only our own writes since the last look */
	eng->data_version = version;
	if (store_changes_since(eng->st, eng->last_change_id, &last, changed_one,
	    eng, &e) == -1 ||
	    store_pending_each(eng->st, eng->last_pending_id, adopt_pending, eng,
	    &e) == -1) {
		log_event(eng->log, LOG_LEVEL_ERROR, "reload", "%s", e.msg);
		eng->data_version = -1;		/* look again next time */
		return;
	}
	eng->last_change_id = last;
	process_due(eng, engine_now(eng));
}

static void
inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* drain: any change in the directory means "look" */
	engine_reload(arg);
}

static void
fallback_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	engine_reload(arg);
}

/* --- life cycle --- */

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;
	engine_idle_cb	 cb = eng->idle;

	(void)fd;
	(void)what;
	if (cb == NULL || eng->fires != NULL || eng->nresults != 0)
		return;
	eng->idle = NULL;
	cb(eng->idle_arg);
}

static void
engine_maybe_idle(struct engine *eng)
{
	if (eng->idle != NULL && (eng->stopping || eng->cfg.once) &&
	    eng->fires == NULL && eng->nresults == 0)
		event_active(eng->idle_ev, EV_TIMEOUT, 0);
}

int
engine_new(struct event_base *base, struct store *st, struct admin *admin,
    const struct log *lg, const struct engine_config *cfg,
    struct engine **out, struct err *e)
{
	struct engine	*eng;

	if ((eng = calloc(1, sizeof(*eng))) == NULL)
		goto nomem;
	eng->timerfd = eng->inotify_fd = -1;
	eng->base = base;
	eng->st = st;
	eng->admin = admin;
	eng->log = lg;
	eng->cfg = *cfg;
	eng->data_version = -1;
	sched_init(&eng->queue);
	histogram_init(&eng->lateness, lateness_bounds,
	    sizeof(lateness_bounds) / sizeof(lateness_bounds[0]));
	if ((eng->db_path = strdup(cfg->db_path)) == NULL ||
	    (cfg->tzdir != NULL && (eng->tzdir = strdup(cfg->tzdir)) == NULL) ||
	    (eng->zones = tz_cache_new(cfg->tzdir)) == NULL ||
	    (eng->lps = calloc(LP_CACHE_MAX, sizeof(*eng->lps))) == NULL ||
	    (eng->flush_ev = evtimer_new(base, flush_cb, eng)) == NULL ||
	    (eng->send_ev = evtimer_new(base, send_cb, eng)) == NULL ||
	    (eng->watch_ev = evtimer_new(base, watch_cb, eng)) == NULL ||
	    (eng->idle_ev = evtimer_new(base, idle_cb, eng)) == NULL)
		goto nomem;
	eng->cfg.db_path = eng->db_path;
	eng->cfg.tzdir = eng->tzdir;
	*out = eng;
	return 0;
 nomem:
	engine_free(eng);
	err_set_code(e, EX_OSERR, "engine: out of memory");
	return -1;
}

/* Watch the database's directory (the -wal file changes on every commit) and keep a slow fallback. */
static int
engine_watch(struct engine *eng, struct err *e)
{
	char		 dir[PATH_MAX], *slash;
	struct timeval	 tv = { (time_t)eng->cfg.fallback, 0 };

	snprintf(dir, sizeof(dir), "%s", eng->db_path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((eng->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(eng->inotify_fd, dir, IN_MODIFY | IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_CREATE) == -1) {
		log_event(eng->log, LOG_LEVEL_WARN, "reload", "cannot watch %s "
		    "(%s); changes are seen every %" PRId64 " s", dir,
		    strerror(errno), eng->cfg.fallback);
		if (eng->inotify_fd != -1)
			close(eng->inotify_fd);
		eng->inotify_fd = -1;
	} else if ((eng->inotify_ev = event_new(eng->base, eng->inotify_fd,
	    EV_READ | EV_PERSIST, inotify_cb, eng)) == NULL ||
	    event_add(eng->inotify_ev, NULL) == -1)
		goto fail;
	if ((eng->fallback_ev = event_new(eng->base, -1, EV_PERSIST,
	    fallback_cb, eng)) == NULL || event_add(eng->fallback_ev, &tv) == -1)
		goto fail;
	return 0;
 fail:
	err_set_code(e, EX_OSERR, "engine: cannot set up change watching");
	return -1;
}

int
engine_start(struct engine *eng, engine_idle_cb idle, void *arg,
    struct err *e)
{
	int64_t	now = engine_now(eng), last;

	eng->idle = idle;
	eng->idle_arg = arg;
	/* Where the change feed stands now: everything before is in the load. */
	eng->data_version = store_data_version(eng->st);
	if (store_changes_since(eng->st, 0, &last, NULL, NULL, e) == -1)
		return -1;
	eng->last_change_id = last;
	if (store_timing_each(eng->st, load_one, eng, e) == -1)
		return -1;
	/* Executions an earlier run created and never saw finish: watch them again. */
	if (!eng->cfg.once && store_watch_each(eng->st, now - WATCH_SINCE_S,
	    rewatch_one, eng, e) == -1)
		return -1;
	/* Runs left pending by an earlier run: look them up before anything else. */
	if (store_pending_each(eng->st, 0, adopt_pending, eng, e) == -1)
		return -1;
	if (!eng->cfg.once) {
		if ((eng->timerfd = timerfd_create(CLOCK_REALTIME,
		    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
		    (eng->timer_ev = event_new(eng->base, eng->timerfd,
		    EV_READ | EV_PERSIST, timer_cb, eng)) == NULL ||
		    event_add(eng->timer_ev, NULL) == -1) {
			err_set_code(e, EX_OSERR, "engine: cannot create the "
			    "timer: %s", strerror(errno));
			return -1;
		}
		if (engine_watch(eng, e) == -1)
			return -1;
	}
	log_event(eng->log, LOG_LEVEL_INFO, "start", "%" PRId64 " schedules, "
	    "%" PRId64 " pending runs picked up", eng->stats.schedules,
	    eng->stats.inflight);
	process_due(eng, now);
	engine_maybe_idle(eng);
	return 0;
}

void
engine_stop(struct engine *eng, engine_idle_cb idle, void *arg)
{
	eng->stopping = 1;
	eng->idle = idle;
	eng->idle_arg = arg;
	engine_arm(eng);		/* disarms: stopping */
	if (eng->inotify_ev != NULL)
		event_del(eng->inotify_ev);
	if (eng->fallback_ev != NULL)
		event_del(eng->fallback_ev);
	/* Requests built but not yet recorded are not sent: the runs stay pending, unsent. */
	while (eng->to_send != NULL) {
		struct engine_fire	*f = eng->to_send;

		eng->to_send = f->send_next;
		free(f->request);
		f->request = NULL;
		fire_finish(f, "pending", 0, NULL);
	}
	evtimer_del(eng->watch_ev);
	/* Fires waiting for a retry round or their turn are left pending for the next start. */
	for (struct engine_fire *f = eng->fires, *next; f != NULL; f = next) {
		next = f->next;
		if (f->held) {
			fire_finish(f, "pending", 0, NULL);
			continue;
		}
		if (f->later != NULL) {
			event_del(f->later);
			fire_finish(f, "pending", 0, NULL);
		}
	}
	flush_soon(eng);
	engine_maybe_idle(eng);
}

void
engine_set_retention(struct engine *eng, int64_t seconds)
{
	eng->cfg.retention = seconds;
	eng->pruned_at = 0;
}

void
engine_stats(const struct engine *eng, struct engine_stats *out)
{
	*out = eng->stats;
}

/* A heap item that will fire: its schedule is live, active and unchanged since the push. */
static int
item_live(const struct engine *eng, const struct sched_item *it)
{
	const struct engine_schedule	*sch;

	sch = schedule_find(eng, it->id);
	return sch != NULL && sch->live && !sch->paused && sch->gen == it->gen;
}

void
engine_state(const struct engine *eng, struct engine_state *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < eng->nsched; i++)
		if (eng->sched[i].live) {
			out->schedules++;
			if (eng->sched[i].paused)
				out->paused++;
		}
	for (size_t i = 0; i < eng->queue.count; i++) {
		const struct sched_item	*it = &eng->queue.items[i];

		if (!item_live(eng, it))
			continue;
		out->queued++;
		if (out->next_due == 0 || it->due < out->next_due)
			out->next_due = it->due;
	}
	out->last_tick = eng->last_tick;
	out->stopping = eng->stopping;
}

const struct histogram *
engine_lateness(const struct engine *eng)
{
	return &eng->lateness;
}

void
engine_free(struct engine *eng)
{
	if (eng == NULL)
		return;
	while (eng->fires != NULL) {
		struct engine_fire	*f = eng->fires;

		fire_unlink(f);
		fire_free(f);
	}
	while (eng->watches != NULL)
		watch_free(eng->watches);
	for (size_t i = 0; i < eng->nlps; i++) {
		free(eng->lps[i].version);
		cJSON_Delete(eng->lps[i].parameters);
	}
	for (size_t i = 0; i < eng->nresults; i++)
		free(eng->results[i].error);
	if (eng->timer_ev != NULL)
		event_free(eng->timer_ev);
	if (eng->inotify_ev != NULL)
		event_free(eng->inotify_ev);
	if (eng->fallback_ev != NULL)
		event_free(eng->fallback_ev);
	if (eng->flush_ev != NULL)
		event_free(eng->flush_ev);
	if (eng->send_ev != NULL)
		event_free(eng->send_ev);
	if (eng->watch_ev != NULL)
		event_free(eng->watch_ev);
	if (eng->idle_ev != NULL)
		event_free(eng->idle_ev);
	if (eng->timerfd != -1)
		close(eng->timerfd);
	if (eng->inotify_fd != -1)
		close(eng->inotify_fd);
	sched_free(&eng->queue);
	tz_cache_free(eng->zones);
	free(eng->sched);
	free(eng->lps);
	free(eng->results);
	free(eng->ours.slots);
	free(eng->db_path);
	free(eng->tzdir);
	free(eng);
}
