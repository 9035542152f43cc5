/* engine.c: the daemon's engine: schedules in a heap, one wall-clock timer, due slices planned in transactions, reload. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>

#include "engine_int.h"
#include "schedd/civil.h"
#include "schedd/execution.h"

#define WATCH_SINCE_S	(7 * 86400)	/* at start, executions this recent are watched again */
#define PRUNE_EVERY_S	3600	/* retention: at most one batch an hour... */
#define PRUNE_BATCH	1000	/* ...of this many rows, unless more are due */

/* Fire lateness buckets (seconds): on time is milliseconds; retries come after 30 s; late is within the 60 s grace. */
static const double	lateness_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25,
			    0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600 };

int64_t
engine__now(const struct engine *eng)
{
	return (int64_t)floor(clock_now(eng->clock));
}

/* The next wait after a failed store write or read: 1, 2, 4 ... ENGINE_STORE_RETRY_MAX s. */
static int
backoff(int seconds)
{
	if (seconds == 0)
		return 1;
	return seconds * 2 > ENGINE_STORE_RETRY_MAX ? ENGINE_STORE_RETRY_MAX :
	    seconds * 2;
}

int
engine__request(struct engine *eng, enum admin_lane lane, const char *method,
    const char *path, const char *body, admin_done_cb cb, void *arg,
    struct err *e)
{
	return eng->admin.request(eng->admin.impl, lane, method, path, body, cb,
	    arg, e);
}

static int
client_request(void *impl, enum admin_lane lane, const char *method,
    const char *path, const char *body, admin_done_cb cb, void *arg,
    struct err *e)
{
	return admin_request(impl, lane, method, path, body, cb, arg, e);
}

struct engine_admin
engine_admin_client(struct admin *admin)
{
	struct engine_admin	a = { client_request, admin };

	return a;
}

/* --- the set of our run ids (open addressing, linear probing) --- */

static size_t
idset_slot(const struct idset *set, int64_t id)
{
	return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (set->cap - 1);
}

int
engine__idset_has(const struct idset *set, int64_t id)
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

int
engine__idset_add(struct idset *set, int64_t id)
{
	if ((set->used + 1) * 2 > set->cap) {
		struct idset	bigger = { NULL, set->cap ? set->cap * 2 : 64, 0 };

		if ((bigger.slots = calloc(bigger.cap, sizeof(int64_t))) == NULL)
			return -1;
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i] > 0)
				engine__idset_add(&bigger, set->slots[i]);
		free(set->slots);
		*set = bigger;
	}
	if (engine__idset_has(set, id))
		return 0;
	for (size_t i = idset_slot(set, id);; i = (i + 1) & (set->cap - 1))
		if (set->slots[i] <= 0) {
			if (set->slots[i] == 0)
				set->used++;
			set->slots[i] = id;
			return 0;
		}
}

void
engine__idset_remove(struct idset *set, int64_t id)
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

struct engine_schedule *
engine__schedule_find(const struct engine *eng, int64_t id)
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

int64_t
engine__schedule_delay(const struct engine *eng,
    const struct engine_schedule *sch)
{
	return sch->foreign ? eng->cfg.standby_delay : 0;
}

/* A slot for id, kept sorted; ids mostly arrive in increasing order. */
static struct engine_schedule *
schedule_slot(struct engine *eng, int64_t id)
{
	struct engine_schedule	*sch;
	size_t			 pos;

	if ((sch = engine__schedule_find(eng, id)) != NULL)
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
	enum overlap_policy	 overlap = OVERLAP_ALLOW;
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
	if (t->overlap != NULL)
		overlap_parse(t->overlap, &overlap);
	expr.anchor = t->created_at;
	sch->expr = expr;
	sch->zone = zone;
	sch->catchup = catchup;
	sch->window = t->catchup_window;
	sch->paused = t->paused != 0;
	sch->overlap = overlap;
	sch->foreign = eng->cfg.shards > 1 &&
	    fire_shard(t->name, eng->cfg.shards) != eng->cfg.shard;
	sch->live = 1;
	if (t->last_instant > sch->last)
		sch->last = t->last_instant;
	if (from > sch->last)
		sch->last = from;
	if (sch->paused)
		return 0;
	/* Another host's instant is queued for when this one stands in for it. */
	if (cron_next(&sch->expr, sch->zone, sch->last, &next) == 0 &&
	    sched_push(&eng->queue, next + engine__schedule_delay(eng, sch),
	    sch->id, sch->gen, e) == -1)
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

/* A heap item that will fire: its schedule is live, active and unchanged since the push. */
static int
item_live(const struct engine *eng, const struct sched_item *it)
{
	const struct engine_schedule	*sch = engine__schedule_find(eng, it->id);

	return sch != NULL && sch->live && !sch->paused && sch->gen == it->gen;
}

/* --- results: batched commits --- */

int
engine__result_add(struct engine *eng, const struct engine_fire *f,
    enum run_state state, long status, const char *error)
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
	r->state = state;
	snprintf(r->name, sizeof(r->name), "%s", f->name);
	r->status = status;
	if (error != NULL && (r->error = strdup(error)) == NULL)
		return -1;
	r->attempts = f->attempts;
	r->sent_at = f->sent_at;
	r->peer = state == RUN_CREATED && engine__fire_by_peer(f);
	if (eng->nresults++ == 0)
		eng->results_since = clock_now(eng->clock);
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
	if (engine__begin(eng, &e) == -1 ||
	    store_runs_prune(eng->st, now - eng->cfg.retention, PRUNE_BATCH,
	    &deleted, &e) == -1 || store_commit(eng->st, &e) == -1) {
		store_rollback(eng->st);
		if (!eng->lost)
			log_event(eng->log, LOG_LEVEL_WARN, "retention", "%s",
			    e.msg);
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
flush(struct engine *eng)
{
	struct err	e;
	int64_t		now = engine__now(eng);

	if (eng->nresults == 0)
		goto idle;
	if (engine__begin(eng, &e) == -1)
		goto fail;
	/* A commit proves the daemon alive: schedctl status reads the heartbeat. */
	if (!eng->cfg.once && store_heartbeat_touch(eng->st, now, &e) == -1) {
		store_rollback(eng->st);
		goto fail;
	}
	for (size_t i = 0; i < eng->nresults; i++) {
		struct engine_result	*r = &eng->results[i];

		if (store_run_result(eng->st, r->run_id, r->state, r->name,
		    r->status, r->error, r->attempts, r->sent_at, now, &e) == -1 ||
		    (r->peer && store_run_peer(eng->st, r->run_id, &e) == -1)) {
			store_rollback(eng->st);
			goto fail;
		}
	}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	clock_timer_cancel(eng->flush_wait);
	for (size_t i = 0; i < eng->nresults; i++) {
		if (eng->results[i].state != RUN_PENDING)
			engine__idset_remove(&eng->ours, eng->results[i].run_id);
		free(eng->results[i].error);
	}
	eng->nresults = 0;
	engine_prune(eng, now);
 idle:
	engine__maybe_idle(eng);
	return;
 fail:
	if (eng->lost)
		return;		/* nothing more is written: the owner exits */
	/* The outcomes stay in memory and are written on the next try. */
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording %zu results: "
	    "%s; retrying", eng->nresults, e.msg);
	if (eng->cfg.once && eng->stopping) {
		/* Nothing will try again: the runs stay pending for the next start. */
		for (size_t i = 0; i < eng->nresults; i++)
			free(eng->results[i].error);
		eng->nresults = 0;
		engine__maybe_idle(eng);
		return;
	}
	clock_timer_at(eng->flush_timer, clock_now(eng->clock) + 1);
}

/*
 * While creates are in flight their answers come within milliseconds: the
 * outcomes wait for them (at most ENGINE_FLUSH_WAIT, ENGINE_FLUSH_BATCH
 * of them), so a second's fires cost one commit, and one fsync, not one
 * per turn of the loop.
 */
static void
flush_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;

	(void)fd;
	(void)what;
	if (eng->posting > 0 && eng->nresults < ENGINE_FLUSH_BATCH &&
	    !eng->stopping) {
		if (!clock_timer_armed(eng->flush_wait))
			clock_timer_at(eng->flush_wait, eng->results_since +
			    ENGINE_FLUSH_WAIT);
		return;
	}
	flush(eng);
}

static void
flush_timer_cb(void *arg)
{
	flush(arg);
}

void
engine__flush_soon(struct engine *eng)
{
	if (!clock_timer_armed(eng->flush_timer))
		event_active(eng->flush_soon, EV_TIMEOUT, 0);
}

static void
record_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;

	(void)fd;
	(void)what;
	if (!clock_timer_armed(eng->record_timer))
		engine__fire_record(eng);
}

static void
record_timer_cb(void *arg)
{
	engine__fire_record(arg);
}

static void
retry_timer_cb(void *arg)
{
	engine__fire_retry_due(arg);
}

/* --- what is due: slices of the heap, each planned in one transaction --- */

/* One due schedule of a slice, and what planning it made. */
struct due_slot {
	struct engine_schedule	*sch;
	int64_t			 due;		/* the instant it was queued for */
	int64_t			 saved_last;	/* restored when the slice fails */
	int64_t			 next;		/* queued once the slice commits; -1: none */
};

/* The fires of a slice: begun once it commits, dropped if it fails. */
struct due_slice {
	struct due_slot		 slots[ENGINE_SLICE];
	size_t			 n;
	struct engine_fire	**fires;
	size_t			 nfires;
	size_t			 capfires;
	int64_t			 skipped;
};

static int
slice_add_fire(struct due_slice *s, struct engine_fire *f)
{
	if (s->nfires == s->capfires) {
		size_t			  cap = s->capfires ? s->capfires * 2 : 256;
		struct engine_fire	**bigger;

		if ((bigger = realloc(s->fires, cap * sizeof(*bigger))) == NULL)
			return -1;
		s->fires = bigger;
		s->capfires = cap;
	}
	s->fires[s->nfires++] = f;
	return 0;
}

/* Why the plan skips instant (oldest first: i == 0 says so when older ones went unlisted). */
static void
skip_reason(const struct engine_schedule *sch, const struct fire_plan *plan,
    int i, int64_t at, char *buf, size_t len)
{
	if (plan->skip[i] < at - sch->window)
		snprintf(buf, len, "missed by more than the catch-up window "
		    "(%" PRId64 " s)", sch->window);
	else
		snprintf(buf, len, "catch-up policy %s",
		    sch->catchup == FIRE_CATCHUP_NONE ? "none" :
		    sch->catchup == FIRE_CATCHUP_LATEST ? "latest: a newer "
		    "instant fired" : "all: more than 100 missed");
	if (i == 0 && plan->more_skipped)
		snprintf(buf + strlen(buf), len - strlen(buf), "; older "
		    "instants not listed");
}

/*
 * Record one fire of a plan as pending (inside the slice's transaction) and
 * add it to the slice; *first gets the plan's first. An existing row is
 * someone else's (or handled): left alone. skip: the plan skips this
 * instant unless Admin has it already (another host created it): looked up,
 * and recorded skipped with this reason when absent.
 */
static int
plan_fire(struct engine *eng, struct engine_schedule *sch, const char *name,
    int64_t instant, enum fire_kind kind, const char *skip, int64_t now,
    struct due_slice *slice, struct engine_fire **first, struct err *e)
{
	char			 exec[FIRE_NAME_LENGTH + 1], *reason = NULL;
	struct engine_fire	*f;
	enum run_state		 state;
	int64_t			 run_id;
	int			 inserted;

	fire_execution_name(name, instant, exec, sizeof(exec));
	if (store_run_fire(eng->st, sch->id, name, instant,
	    engine__fire_kind_name(kind), exec, now, &run_id, &inserted, &state,
	    e) == -1)
		return -1;
	if (instant > sch->last)
		sch->last = instant;
	if (!inserted)
		return 0;
	if ((skip != NULL && (reason = strdup(skip)) == NULL) ||
	    (f = engine__fire_new(eng, run_id, sch->id, name, instant, kind,
	    NULL, now, sch->gen)) == NULL) {
		free(reason);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	f->skip_reason = reason;
	if (slice_add_fire(slice, f) == -1) {
		engine__fire_forget(f);		/* the slice rolls back */
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	/*
	 * Another host's: looked up before it is created. This host's own
	 * among several hosts too, when it comes so late (a restart, an
	 * outage) that a peer may have stood in for it: half the standby
	 * delay, so clocks may disagree by less than that.
	 */
	f->standby = sch->foreign;
	f->look_first = sch->foreign || (eng->cfg.shards > 1 && now -
	    instant >= (eng->cfg.standby_delay + 1) / 2);
	if (*first == NULL)
		*first = f;
	return 0;
}

/*
 * Record one schedule's owed instants (inside the slice's transaction): its
 * row is read by primary key once and handed to its first fire. Nothing is
 * queued here: the heap changes only once the transaction commits, so a
 * failed slice cannot leave a second item per schedule behind.
 */
static int
plan_schedule(struct engine *eng, struct due_slot *slot, int64_t now,
    int64_t grace, struct due_slice *slice, struct err *e)
{
	/*
	 * Planned as at its instant when that is ahead (ENGINE_LEAD); recorded
	 * now. Another host's schedule is planned standby_delay behind.
	 */
	struct engine_schedule	*sch = slot->sch;
	int64_t			 delay = engine__schedule_delay(eng, sch);
	int64_t			 at = (slot->due > now ? slot->due : now) - delay;
	struct fire_plan	 plan;
	struct schedule		 row;
	struct engine_fire	*first = NULL;
	char			 reason[160];
	int			 rc = -1;

	memset(&row, 0, sizeof(row));
	if (store_schedule_get_id(eng->st, sch->id, &row, e) == -1) {
		if (e->code != EX_NOINPUT)
			return -1;
		/* Removed by another process: the change feed will say so; nothing is owed. */
		return 0;
	}
	fire_plan(&sch->expr, sch->zone, sch->catchup, sch->window, grace,
	    sch->last, at, &plan);
	for (int i = 0; i < plan.nskip; i++) {
		skip_reason(sch, &plan, i, at, reason, sizeof(reason));
		/* Among hosts, one within the window may have been created by a peer: Admin says. */
		if (eng->cfg.shards > 1 && plan.skip[i] >= at - sch->window) {
			if (plan_fire(eng, sch, row.name, plan.skip[i],
			    FIRE_CATCHUP, reason, now, slice, &first, e) == -1)
				goto out;
			continue;
		}
		if (store_run_skip(eng->st, sch->id, row.name, plan.skip[i],
		    reason, now, e) == -1)
			goto out;
		slice->skipped++;
		if (plan.skip[i] > sch->last)
			sch->last = plan.skip[i];
	}
	for (int i = 0; i < plan.nfire; i++)
		if (plan_fire(eng, sch, row.name, plan.fire[i],
		    plan.fire[i] >= at - grace ? FIRE_SCHEDULED : FIRE_CATCHUP,
		    NULL, now, slice, &first, e) == -1)
			goto out;
	/* The row goes to the first fire; more fires of one plan (catch-up) read it again. */
	if (first != NULL) {
		engine__fire_take_row(first, &row);
		if (engine__fire_prepare(first, e) == -1)
			goto out;
	}
	slot->next = plan.next == -1 ? -1 : plan.next + delay;
	rc = 0;
 out:
	schedule_clear(&row);
	return rc;
}

/* Arm the due timer for the earliest live item (stale ones are dropped on the way). */
static void
due_arm(struct engine *eng)
{
	const struct sched_item	*top;
	struct sched_item	 dropped;

	while ((top = sched_peek(&eng->queue)) != NULL && !item_live(eng, top))
		sched_pop_due(&eng->queue, INT64_MAX, &dropped);
	if (top == NULL || eng->stopping)
		clock_timer_cancel(eng->due_timer);
	else
		clock_timer_at(eng->due_timer, (double)top->due -
		    (eng->cfg.once ? 0 : ENGINE_LEAD));
}

/*
 * The next slice at the loop's next turn: a zero timeout, not
 * event_active, which libevent would run in this same pass, so sockets,
 * signals and scrapes are served between two slices.
 */
void
engine__due_soon(struct engine *eng)
{
	struct timeval	now = { 0, 0 };

	if (!eng->stopping && !evtimer_pending(eng->due_soon, NULL))
		evtimer_add(eng->due_soon, &now);
}

/* What "now" is for what is due: --once looks at one instant, the one it started at. */
static int64_t
due_now(const struct engine *eng)
{
	return eng->cfg.once ? eng->once_at : engine__now(eng);
}

/*
 * The newest instant planned now: ENGINE_LEAD ahead, so a second's fires
 * are recorded (and their requests built) before it and leave at it.
 * --once plans its one instant only.
 */
static int64_t
due_horizon(const struct engine *eng)
{
	if (eng->cfg.once)
		return eng->once_at;
	return (int64_t)floor(clock_now(eng->clock) + ENGINE_LEAD);
}

/* Something due at or before the horizon is still in the heap. */
static int
due_left(const struct engine *eng, int64_t horizon)
{
	const struct sched_item	*top = sched_peek(&eng->queue);

	return top != NULL && top->due <= horizon;
}

/*
 * One slice of what is due at or before now, in one transaction: pending
 * rows (and skipped ones) are committed before any request leaves. More
 * than a slice is due (a burst): the next slice is planned at the loop's
 * next turn, after Admin's answers, signals and scrapes were served, and
 * only while fewer than ENGINE_BACKLOG fires wait to be sent. Instants left
 * in the heap meanwhile are owed, not missed: they came due while the daemon
 * was up, so the grace stretches over the wait. A slice that cannot be
 * recorded (disk full, a lock, an I/O error) puts each of its schedules back
 * once, unchanged, and is tried again with backoff.
 */
static void
due_slice(struct engine *eng)
{
	struct due_slice	*slice = NULL;
	struct sched_item	 item;
	struct err		 e;
	int64_t			 now = due_now(eng);
	int64_t			 horizon = due_horizon(eng);
	int64_t			 grace = eng->cfg.grace;

	eng->last_tick = clock_now(eng->clock);
	if (eng->stopping)
		return;
	if (eng->unsent >= ENGINE_BACKLOG) {
		/* Resumed by sends (engine_fire.c), not by the timer. */
		if (!due_left(eng, horizon))
			due_arm(eng);
		else {
			if (eng->owed_since == 0)
				eng->owed_since = now;
			clock_timer_cancel(eng->due_timer);
		}
		return;
	}
	if (eng->owed_since != 0 && now - eng->owed_since + eng->cfg.grace > grace)
		grace = now - eng->owed_since + eng->cfg.grace;
	if ((slice = calloc(1, sizeof(*slice))) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	/*
	 * A burst starts with a small slice, so its first requests leave
	 * within milliseconds, and grows to ENGINE_SLICE, where one commit
	 * (one fsync) covers many fires.
	 */
	if (eng->slice_size < ENGINE_SLICE_FIRST)
		eng->slice_size = ENGINE_SLICE_FIRST;
	while (slice->n < eng->slice_size &&
	    sched_pop_due(&eng->queue, horizon, &item))
		if (item_live(eng, &item)) {
			struct due_slot	*slot = &slice->slots[slice->n++];

			slot->due = item.due;
			slot->sch = engine__schedule_find(eng, item.id);
			slot->saved_last = slot->sch->last;
			slot->next = -1;
		}
	if (slice->n == 0)
		goto done;
	if (engine__begin(eng, &e) == -1)
		goto fail;
	for (size_t i = 0; i < slice->n; i++)
		if (plan_schedule(eng, &slice->slots[i], now, grace, slice,
		    &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	if (eng->store_retry != 0)
		log_event(eng->log, LOG_LEVEL_INFO, "store", "due schedules "
		    "recorded again");
	eng->store_retry = 0;
	for (size_t i = 0; i < slice->n; i++) {
		struct due_slot	*slot = &slice->slots[i];

		if (slot->next != -1 && sched_push(&eng->queue, slot->next,
		    slot->sch->id, slot->sch->gen, &e) == -1)
			log_event(eng->log, LOG_LEVEL_ERROR, "schedule", "%s",
			    e.msg);
	}
	eng->stats.skipped += slice->skipped;
	for (size_t i = 0; i < slice->nfires; i++)
		engine__fire_start(slice->fires[i]);
 done:
	if (due_left(eng, horizon)) {
		/* More is due, or due within the lead: the next slice at the loop's next turn. */
		if (due_left(eng, now) && eng->owed_since == 0)
			eng->owed_since = now;
		/* Small until the first requests are out, then doubling. */
		if (eng->slice_size < ENGINE_SLICE && eng->burst_sending)
			eng->slice_size *= 2;
		engine__due_soon(eng);
	} else {
		eng->owed_since = 0;
		eng->slice_size = ENGINE_SLICE_FIRST;
		eng->burst_sending = 0;
	}
	goto out;
 fail:
	if (eng->owed_since == 0)
		eng->owed_since = now;
	eng->store_retry = backoff(eng->store_retry);
	if (!eng->lost)
		log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording %zu "
		    "due schedules: %s; retrying in %d s", slice ? slice->n : 0,
		    e.msg, eng->store_retry);
	for (size_t i = 0; slice != NULL && i < slice->nfires; i++)
		engine__fire_forget(slice->fires[i]);
	for (size_t i = 0; slice != NULL && i < slice->n; i++) {
		struct due_slot	*slot = &slice->slots[i];

		slot->sch->last = slot->saved_last;
		sched_push(&eng->queue, horizon + eng->store_retry,
		    slot->sch->id, slot->sch->gen, NULL);
	}
 out:
	if (slice != NULL)
		free(slice->fires);
	free(slice);
	if (eng->cfg.once)
		engine__maybe_idle(eng);
	else if (!due_left(eng, horizon))
		due_arm(eng);
}

static void
due_timer_cb(void *arg)
{
	due_slice(arg);
}

static void
due_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	due_slice(arg);
}

/* --- hot reload: work proportional to what changed --- */

static int
reload_one(const struct store_timing *t, void *arg, struct err *e)
{
	struct engine		*eng = arg;
	struct engine_schedule	*sch = engine__schedule_find(eng, t->id);
	struct fire_input	 in = { 0 };
	int			 known = sch != NULL && sch->live;
	int64_t			 now = engine__now(eng);

	/* A changed schedule owes nothing for the past: its next fire is from now on. */
	if (schedule_take(eng, t, known ? now - 1 : (t->active_since >
	    t->last_instant ? t->active_since : t->last_instant), e) == -1)
		return -1;
	if (!known)
		eng->stats.schedules++;
	/* A fire waiting its turn follows the change: dropped when paused, sent when no longer buffered. */
	if ((sch = engine__schedule_find(eng, t->id)) != NULL &&
	    sch->held != NULL) {
		if (sch->paused) {
			in.outcome = RUN_SKIPPED;
			in.why = "the schedule was paused while this fire waited";
			engine__fire_on(sch->held, FIRE_EV_STOP, &in);
		} else if (sch->overlap != OVERLAP_BUFFER_ONE)
			engine__fire_on(sch->held, FIRE_EV_RELEASE, NULL);
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
	struct fire_input	 in = { .outcome = RUN_FAILED,
				    .why = "the schedule was removed before its "
				    "run was sent" };

	/* By id: a schedule removed and added again under its name is two changes. */
	if (store_timing_get(eng->st, id, id == 0 ? name : NULL, reload_found,
	    &w, e) == -1)
		return -1;
	if (!w.found && (sch = engine__schedule_find(eng, id)) != NULL &&
	    sch->live) {
		if (sch->held != NULL)
			engine__fire_on(sch->held, FIRE_EV_STOP, &in);
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
	struct engine_schedule	*sch;
	struct engine_fire	*f;
	enum fire_kind		 kind = FIRE_TRIGGER;

	(void)e;
	if (p->run_id > eng->last_pending_id)
		eng->last_pending_id = p->run_id;
	if (engine__idset_has(&eng->ours, p->run_id))
		return 0;
	engine__fire_kind_parse(p->kind, &kind);
	/* A recorded request may have been sent before: the fire asks Admin first. */
	sch = engine__schedule_find(eng, p->schedule_id);
	if ((f = engine__fire_new(eng, p->run_id, p->schedule_id,
	    p->schedule_name, p->scheduled_at, kind, p->request,
	    p->recorded_at, sch != NULL ? sch->gen : 0)) == NULL)
		return 0;
	if (sch != NULL && sch->foreign && (kind == FIRE_SCHEDULED ||
	    kind == FIRE_CATCHUP))
		f->standby = f->look_first = 1;
	engine__fire_start(f);		/* recorded ahead of its instant: not before it */
	return 0;
}

/*
 * Every look at the change feed (a change in the database's directory, the
 * fallback check, SIGHUP, a retry) first asks whether the path still names
 * our file. A look that fails (a lock, an I/O error) is tried again from a
 * timer with backoff: no further change in the directory may come to wake
 * us, and what it missed must not wait for the fallback check.
 */
void
engine__reload(struct engine *eng)
{
	struct err	e;
	int64_t		version, last;

	if (engine__check_file(eng, &e) == -1 || eng->stopping)
		return;
	version = store_data_version(eng->st);
	if (version != -1 && version == eng->data_version)
		return;		/* only our own writes since the last look */
	if (store_changes_since(eng->st, eng->last_change_id, &last, changed_one,
	    eng, &e) == -1 ||
	    store_pending_each(eng->st, eng->last_pending_id, adopt_pending, eng,
	    &e) == -1) {
		eng->reload_retry = backoff(eng->reload_retry);
		log_event(eng->log, LOG_LEVEL_ERROR, "reload", "%s; looking "
		    "again in %d s", e.msg, eng->reload_retry);
		clock_timer_at(eng->reload_timer, clock_now(eng->clock) +
		    eng->reload_retry);
		return;
	}
	eng->data_version = version;
	eng->last_change_id = last;
	eng->reload_retry = 0;
	clock_timer_cancel(eng->reload_timer);
	/* A change applies to the instants still to come, those recorded ahead too. */
	engine__fire_withdraw_ahead(eng, 0);
	due_slice(eng);
}

static void
reload_timer_cb(void *arg)
{
	engine__reload(arg);
}

void
engine_reload(struct engine *eng)
{
	engine__reload(eng);
}

/* --- life cycle --- */

/* Take no new fires, look at nothing more: what engine_stop and a lost file share. */
static void
engine_quiet(struct engine *eng)
{
	eng->stopping = 1;
	clock_timer_cancel(eng->due_timer);
	clock_timer_cancel(eng->record_timer);
	clock_timer_cancel(eng->retry_timer);
	clock_timer_cancel(eng->reload_timer);
	event_del(eng->due_soon);
	engine__dbwatch_stop(eng->dbwatch);
	engine__watch_stop(eng);
}

static void
fatal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;

	(void)fd;
	(void)what;
	if (eng->fatal != NULL)
		eng->fatal(&eng->lost_why, eng->fatal_arg);
}

/*
 * Our file is not at its path any more: whatever we write would be lost
 * with it, or (through the WAL at the path) read into the file that is
 * there now. Nothing more is written; fires in flight stay as they are in
 * the old file. The owner is told from the loop, not from inside a write.
 */
int
engine__check_file(struct engine *eng, struct err *e)
{
	if (eng->lost) {
		*e = eng->lost_why;
		return -1;
	}
	if (store_check_file(eng->st, e) == 0)
		return 0;
	eng->lost = 1;
	eng->lost_why = *e;
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "%s; exiting so it is "
	    "reopened", e->msg);
	engine_quiet(eng);
	clock_timer_cancel(eng->flush_timer);
	clock_timer_cancel(eng->flush_wait);
	event_active(eng->fatal_ev, EV_TIMEOUT, 0);
	return -1;
}

int
engine__begin(struct engine *eng, struct err *e)
{
	if (engine__check_file(eng, e) == -1)
		return -1;
	return store_begin(eng->st, e);
}

int
engine_check_store(struct engine *eng, struct err *e)
{
	return engine__check_file(eng, e);
}

void
engine_on_fatal(struct engine *eng, engine_fatal_cb cb, void *arg)
{
	eng->fatal = cb;
	eng->fatal_arg = arg;
}

static int
engine_idle_now(const struct engine *eng)
{
	return eng->fires == NULL && eng->nresults == 0 && (eng->stopping ||
	    !due_left(eng, due_now(eng)));
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*eng = arg;
	engine_idle_cb	 cb = eng->idle;

	(void)fd;
	(void)what;
	if (cb == NULL || !engine_idle_now(eng))
		return;
	eng->idle = NULL;
	cb(eng->idle_arg);
}

void
engine__maybe_idle(struct engine *eng)
{
	if (eng->idle != NULL && (eng->stopping || eng->cfg.once) &&
	    engine_idle_now(eng))
		event_active(eng->idle_ev, EV_TIMEOUT, 0);
}

int
engine_new(struct event_base *base, struct store *st, struct engine_admin admin,
    struct clock *clock, const struct log *lg, const struct engine_config *cfg,
    struct engine **out, struct err *e)
{
	struct engine	*eng;

	if ((eng = calloc(1, sizeof(*eng))) == NULL)
		goto nomem;
	eng->base = base;
	eng->st = st;
	eng->admin = admin;
	eng->clock = clock;
	eng->log = lg;
	eng->cfg = *cfg;
	eng->data_version = -1;
	sched_init(&eng->queue);
	histogram_init(&eng->lateness, lateness_bounds,
	    sizeof(lateness_bounds) / sizeof(lateness_bounds[0]));
	if ((eng->db_path = strdup(cfg->db_path)) == NULL ||
	    (cfg->tzdir != NULL && (eng->tzdir = strdup(cfg->tzdir)) == NULL) ||
	    (eng->zones = tz_cache_new(cfg->tzdir)) == NULL ||
	    engine__lp_new(&eng->lps, e) == -1 ||
	    engine__watch_new(eng, &eng->watches, e) == -1 ||
	    engine__standby_new(eng, &eng->standby, e) == -1 ||
	    (eng->due_timer = clock_timer_new(clock, due_timer_cb, eng)) == NULL ||
	    (eng->retry_timer = clock_timer_new(clock, retry_timer_cb, eng)) ==
	    NULL ||
	    (eng->record_timer = clock_timer_new(clock, record_timer_cb, eng)) ==
	    NULL ||
	    (eng->flush_timer = clock_timer_new(clock, flush_timer_cb, eng)) ==
	    NULL ||
	    (eng->flush_wait = clock_timer_new(clock, flush_timer_cb, eng)) ==
	    NULL ||
	    (eng->reload_timer = clock_timer_new(clock, reload_timer_cb, eng)) ==
	    NULL ||
	    (eng->due_soon = event_new(base, -1, 0, due_soon_cb, eng)) == NULL ||
	    (eng->record_soon = event_new(base, -1, 0, record_soon_cb, eng)) ==
	    NULL ||
	    (eng->flush_soon = event_new(base, -1, 0, flush_soon_cb, eng)) ==
	    NULL ||
	    (eng->idle_ev = event_new(base, -1, 0, idle_cb, eng)) == NULL ||
	    (eng->fatal_ev = event_new(base, -1, 0, fatal_cb, eng)) == NULL)
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

static int
rewatch_one(const struct store_watch *sw, void *arg, struct err *e)
{
	char	project[256], domain[256], name[256];

	(void)e;
	if (execution_request_id(sw->request, project, domain, name,
	    sizeof(project)) == 0)
		engine__watch_add(arg, sw->run_id, sw->schedule_id, project,
		    domain, name, sw->phase);
	return 0;
}

int
engine_start(struct engine *eng, engine_idle_cb idle, void *arg,
    struct err *e)
{
	int64_t	now = engine__now(eng), last;

	eng->idle = idle;
	eng->idle_arg = arg;
	eng->once_at = now;
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
	if (!eng->cfg.once && engine__dbwatch_new(eng, &eng->dbwatch, e) == -1)
		return -1;
	log_event(eng->log, LOG_LEVEL_INFO, "start", "%" PRId64 " schedules, "
	    "%" PRId64 " pending runs picked up", eng->stats.schedules,
	    eng->stats.inflight);
	due_slice(eng);
	engine__maybe_idle(eng);
	return 0;
}

void
engine_stop(struct engine *eng, engine_idle_cb idle, void *arg)
{
	struct fire_input	 in = { .outcome = RUN_PENDING };
	struct engine_fire	*list = eng->to_record, *f, *next;

	engine_quiet(eng);
	eng->idle = idle;
	eng->idle_arg = arg;
	/* Requests built but not yet recorded are not sent: the runs stay pending, unsent. */
	eng->to_record = NULL;
	while ((f = list) != NULL) {
		list = f->queue_next;
		f->queue_next = NULL;
		engine__fire_on(f, FIRE_EV_STOP, &in);
	}
	engine__fire_withdraw_ahead(eng, 1);
	/* Fires waiting for a retry round or their turn are left pending for the next start. */
	eng->retries.count = 0;
	for (f = eng->fires; f != NULL; f = next) {
		next = f->next;
		if (f->state == FIRE_HELD || f->state == FIRE_RETRY ||
		    f->state == FIRE_NEW)
			engine__fire_on(f, FIRE_EV_STOP, &in);
	}
	engine__flush_soon(eng);
	engine__maybe_idle(eng);
}

void
engine_set_retention(struct engine *eng, int64_t seconds)
{
	eng->cfg.retention = seconds;
	eng->pruned_at = 0;
}

static const char *const engine_phases[ENGINE_PHASES] = {
	[ENGINE_PHASE_SUCCEEDED] = "SUCCEEDED",
	[ENGINE_PHASE_FAILED] = "FAILED",
	[ENGINE_PHASE_ABORTED] = "ABORTED",
	[ENGINE_PHASE_TIMED_OUT] = "TIMED_OUT",
};

const char *
engine_phase_name(enum engine_phase phase)
{
	return (size_t)phase < ENGINE_PHASES ? engine_phases[phase] : NULL;
}

void
engine__schedule_ended(struct engine *eng, int64_t id, const char *phase)
{
	struct engine_schedule	*sch = engine__schedule_find(eng, id);

	for (int i = 0; sch != NULL && phase != NULL && i < ENGINE_PHASES; i++)
		if (strcmp(phase, engine_phases[i]) == 0)
			sch->ended[i]++;
}

int
engine_schedule_executions(const struct engine *eng, int64_t id,
    uint64_t counts[ENGINE_PHASES])
{
	const struct engine_schedule	*sch = engine__schedule_find(eng, id);

	for (int i = 0; i < ENGINE_PHASES; i++)
		counts[i] = sch != NULL ? sch->ended[i] : 0;
	return sch != NULL;
}

void
engine_stats(const struct engine *eng, struct engine_stats *out)
{
	*out = eng->stats;
}

void
engine_state(const struct engine *eng, struct engine_state *out)
{
	memset(out, 0, sizeof(*out));
	out->shard = eng->cfg.shards > 1 ? eng->cfg.shard : 0;
	out->shards = eng->cfg.shards > 1 ? eng->cfg.shards : 1;
	for (size_t i = 0; i < eng->nsched; i++)
		if (eng->sched[i].live) {
			out->schedules++;
			if (eng->sched[i].paused)
				out->paused++;
			if (eng->sched[i].foreign)
				out->foreign++;
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

uint64_t
engine_transitions(const struct engine *eng, int from, int to)
{
	if (from < 0 || to < 0 || from >= FIRE_STATES || to >= FIRE_STATES)
		return 0;
	return eng->transitions[from][to];
}

void
engine_free(struct engine *eng)
{
	if (eng == NULL)
		return;
	while (eng->fires != NULL)
		engine__fire_free(eng->fires);
	engine__watch_free(eng->watches);
	engine__standby_free(eng->standby);
	engine__lp_free(eng->lps);
	engine__dbwatch_free(eng->dbwatch);
	for (size_t i = 0; i < eng->nresults; i++)
		free(eng->results[i].error);
	clock_timer_free(eng->due_timer);
	clock_timer_free(eng->retry_timer);
	clock_timer_free(eng->record_timer);
	clock_timer_free(eng->flush_timer);
	clock_timer_free(eng->flush_wait);
	clock_timer_free(eng->reload_timer);
	if (eng->due_soon != NULL)
		event_free(eng->due_soon);
	if (eng->record_soon != NULL)
		event_free(eng->record_soon);
	if (eng->flush_soon != NULL)
		event_free(eng->flush_soon);
	if (eng->idle_ev != NULL)
		event_free(eng->idle_ev);
	if (eng->fatal_ev != NULL)
		event_free(eng->fatal_ev);
	sched_free(&eng->queue);
	tz_cache_free(eng->zones);
	free(eng->retries.items);
	free(eng->sched);
	free(eng->results);
	free(eng->ours.slots);
	free(eng->db_path);
	free(eng->tzdir);
	free(eng);
}
