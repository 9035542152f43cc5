/* engine.h: the daemon's engine: schedules in a heap, one wall-clock timer, fires into Admin, hot reload. */
#ifndef SCHEDD_ENGINE_H
#define SCHEDD_ENGINE_H

#include <stdint.h>

#include "schedd/admin.h"
#include "schedd/clock.h"
#include "schedd/err.h"
#include "schedd/histogram.h"
#include "schedd/log.h"
#include "schedd/store.h"

struct event_base;
struct engine;			/* opaque */

/*
 * What the engine needs of Flyte Admin: one call, as admin_request. The
 * daemon passes engine_admin_client(admin); tests pass a fake.
 */
struct engine_admin {
	int	(*request)(void *impl, enum admin_lane lane, const char *method,
		    const char *path, const char *body, admin_done_cb cb,
		    void *arg, struct err *e);
	void	*impl;
};

struct engine_admin	engine_admin_client(struct admin *admin);

struct engine_config {
	const char	*db_path;	/* watched for changes by other processes */
	const char	*tzdir;		/* NULL: the system's */
	int64_t		 grace;		/* seconds: a fire this late is late, not missed */
	int64_t		 retry_horizon;	/* seconds: stop retrying a run this old */
	int64_t		 retry_delay;	/* seconds between rounds of retries */
	int64_t		 lp_ttl;	/* seconds a "latest version" lookup is kept */
	int64_t		 fallback;	/* seconds between change checks inotify may have missed */
	int64_t		 retention;	/* seconds runs are kept; 0 keeps all */
	int		 once;		/* fire what is due now, then stop */
	int		 shard;		/* this host's shard of the schedules, 0 .. shards - 1 */
	int		 shards;	/* 0 or 1: one host fires everything */
	int64_t		 standby_delay;	/* seconds another shard's instant is left to its host */
};

/* Counters for logs, status and metrics. */
struct engine_stats {
	int64_t	schedules;		/* loaded and valid */
	int64_t	fires;			/* runs started */
	int64_t	created;
	int64_t	failed;
	int64_t	skipped;
	int64_t	inflight;		/* runs started and not finished */
	int64_t	watching;		/* executions whose phase is looked up until final */
	int64_t	lookups;		/* phase look-up requests sent to Admin */
	int64_t	unknown;		/* created executions Admin turned out not to have (phase UNKNOWN) */
	int64_t	peer_created;		/* runs another host had created: found at Admin (scheduler.ha) */
	int64_t	standby_created;	/* another host's instants this host created in its place */
};

typedef void	(*engine_idle_cb)(void *arg);
/* The engine cannot go on; e says why, e->code with what status to exit. */
typedef void	(*engine_fatal_cb)(const struct err *e, void *arg);

/* Returns 0 and an engine bound to base, or -1 with e. The engine uses, never owns, st, clock and lg. */
int	engine_new(struct event_base *base, struct store *st,
	    struct engine_admin admin, struct clock *clock,
	    const struct log *lg, const struct engine_config *cfg,
	    struct engine **out, struct err *e);

/*
 * Load the schedules, record what was missed while down (per catch-up
 * policy), look up runs left pending by a previous run, fire what is due,
 * and arm the timer. With cfg.once, calls idle once nothing is in flight.
 */
int	engine_start(struct engine *eng, engine_idle_cb idle, void *arg,
	    struct err *e);

/* Look at the change feed now (a signal, a test). */
void	engine_reload(struct engine *eng);

/*
 * Call cb (once, from the loop) when the engine cannot go on: its database
 * file was replaced or removed (see engine_check_store). The engine has
 * stopped by then and writes nothing more; the owner exits, so that the
 * service manager starts schedd again on the file now at the path.
 */
void	engine_on_fatal(struct engine *eng, engine_fatal_cb cb, void *arg);

/*
 * Is the database file the engine writes still the one at its path? It is
 * asked before every write transaction, on every look at the change feed
 * (a change in the database's directory, the fallback check, SIGHUP) and
 * here (a health check). Returns 0, or -1 with e and the engine stopped.
 */
int	engine_check_store(struct engine *eng, struct err *e);

/* Take no new fires; call idle once nothing is in flight (maybe at once). */
void	engine_stop(struct engine *eng, engine_idle_cb idle, void *arg);

void	engine_stats(const struct engine *eng, struct engine_stats *out);

/* The phases an execution ends in, as engine_schedule_executions counts them. */
enum engine_phase {
	ENGINE_PHASE_SUCCEEDED,
	ENGINE_PHASE_FAILED,
	ENGINE_PHASE_ABORTED,
	ENGINE_PHASE_TIMED_OUT,
	ENGINE_PHASES
};

/* "SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"; NULL past the last. */
const char	*engine_phase_name(enum engine_phase phase);

/*
 * How many executions of schedule id this process saw end in each final
 * phase (counters: they start at 0 with the process). Returns 1 when the
 * engine knows the schedule, else 0 with counts all 0.
 */
int	engine_schedule_executions(const struct engine *eng, int64_t id,
	    uint64_t counts[ENGINE_PHASES]);

/* What the engine holds now, counted at the call (O(schedules + heap)): for metrics and health. */
struct engine_state {
	int64_t	schedules;		/* loaded and valid */
	int64_t	paused;			/* of those, paused */
	int64_t	queued;			/* live items in the heap: schedules waiting for an instant */
	int64_t	next_due;		/* the earliest of those instants, 0 when none */
	double	last_tick;		/* wall clock (s) of the last look at what is due, 0: none yet */
	int	stopping;		/* engine_stop was called */
	int	shard;			/* scheduler.ha: this host's shard, of shards */
	int	shards;			/* 1: one host fires everything */
	int64_t	foreign;		/* schedules of other shards: this host stands by for them */
};

void	engine_state(const struct engine *eng, struct engine_state *out);

/*
 * Fire lateness: seconds from a "scheduled" run's instant to the moment its
 * create request is first handed to the Admin client by this process.
 */
const struct histogram	*engine_lateness(const struct engine *eng);

/*
 * How often fires went from state `from` to state `to` (the values of
 * engine_int.h's enum fire_state, < ENGINE_FIRE_STATES): for tests that
 * check each transition is exercised.
 */
#define ENGINE_FIRE_STATES	11
uint64_t	engine_transitions(const struct engine *eng, int from, int to);

/* Change how long runs are kept (a config reload); 0 keeps all. */
void	engine_set_retention(struct engine *eng, int64_t seconds);
void	engine_free(struct engine *eng);

#endif
