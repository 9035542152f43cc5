/* engine_fire.c: a fire's life from its pending row to its outcome: one state enum, one transition function. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "engine_int.h"
#include "schedd/civil.h"
#include "schedd/execution.h"
#include "schedd/template.h"

static const char *const state_names[FIRE_STATES] = {
	[FIRE_NEW] = "new",
	[FIRE_OVERLAP] = "overlap",
	[FIRE_HELD] = "held",
	[FIRE_CANCELLING] = "cancelling",
	[FIRE_PLAN] = "plan",
	[FIRE_RECORD] = "record",
	[FIRE_CREATE] = "create",
	[FIRE_CONFIRM] = "confirm",
	[FIRE_LOOKUP] = "lookup",
	[FIRE_RETRY] = "retry",
	[FIRE_DONE] = "done",
};

static const char *const kind_names[] = {
	[FIRE_SCHEDULED] = "scheduled",
	[FIRE_CATCHUP] = "catchup",
	[FIRE_TRIGGER] = "trigger",
	[FIRE_BACKFILL] = "backfill",
};

const char *
engine__fire_state_name(enum fire_state state)
{
	return state_names[state];
}

const char *
engine__fire_kind_name(enum fire_kind kind)
{
	return kind_names[kind];
}

int
engine__fire_kind_parse(const char *text, enum fire_kind *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(text, kind_names[i]) == 0) {
			*kind = (enum fire_kind)i;
			return 0;
		}
	return -1;
}

static void
fire_set(struct engine_fire *f, enum fire_state state)
{
	f->eng->transitions[f->state][state]++;
	/* Outcomes wait for the answers of creates in flight (engine.c, flush_soon_cb). */
	if (f->state == FIRE_CREATE)
		f->eng->posting--;
	if (state == FIRE_CREATE)
		f->eng->posting++;
	f->state = state;
}

static const char *
instant_text(int64_t t, char buf[32])
{
	if (civil_format_rfc3339(t, 0, buf, 32) == -1)
		snprintf(buf, 32, "%" PRId64, t);
	return buf;
}

/*
 * An adopted fire: its recorded request says where it went and under which
 * name (parsed once here). Without them fire_get records the run failed.
 */
static void
fire_where_recorded(struct engine_fire *f)
{
	char	project[256], domain[256], name[256];

	if (execution_request_id(f->request, project, domain, name,
	    sizeof(project)) == -1 || strlen(name) >= sizeof(f->name))
		return;
	memcpy(f->name, name, strlen(name) + 1);	/* fits: checked above */
	f->project = strdup(project);
	f->domain = strdup(domain);
}

struct engine_fire *
engine__fire_new(struct engine *eng, int64_t run_id, int64_t schedule_id,
    const char *schedule_name, int64_t instant, enum fire_kind kind,
    const char *request, int64_t since, uint32_t gen)
{
	struct engine_fire	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->schedule_name = strdup(schedule_name)) == NULL ||
	    (request != NULL && (f->request = strdup(request)) == NULL) ||
	    engine__idset_add(&eng->ours, run_id) == -1) {
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
	f->state = FIRE_NEW;
	f->pinned = -1;
	f->run_id = run_id;
	f->schedule_id = schedule_id;
	f->instant = instant;
	f->gen = gen;
	f->kind = kind;
	f->since = since;
	fire_execution_name(schedule_name, instant, f->name, sizeof(f->name));
	if (request != NULL)
		fire_where_recorded(f);
	f->started = clock_now(eng->clock);
	f->next = eng->fires;
	if (eng->fires != NULL)
		eng->fires->prev = f;
	eng->fires = f;
	eng->unsent++;
	eng->stats.inflight++;
	eng->stats.fires++;
	return f;
}

void
engine__fire_take_row(struct engine_fire *f, struct schedule *row)
{
	schedule_clear(&f->row);
	f->row = *row;
	memset(row, 0, sizeof(*row));
	f->have_row = 1;
}

/* Forget a fire: from the list of fires, and its memory. */
void
engine__fire_free(struct engine_fire *f)
{
	struct engine	*eng = f->eng;

	if (f->prev != NULL)
		f->prev->next = f->next;
	else if (eng->fires == f)
		eng->fires = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	if (f->sent_at == 0)
		eng->unsent--;
	eng->stats.inflight--;
	schedule_clear(&f->row);
	free(f->schedule_name);
	free(f->request);
	free(f->project);
	free(f->domain);
	free(f->previous);
	free(f->skip_reason);
	free(f);
}

void
engine__fire_forget(struct engine_fire *f)
{
	engine__idset_remove(&f->eng->ours, f->run_id);
	f->eng->stats.fires--;
	engine__fire_free(f);
}

/* --- the retry heap --- */

static int
heap_before(const struct engine_fire *a, const struct engine_fire *b)
{
	return a->retry_at < b->retry_at;
}

static int
heap_push(struct fireheap *h, struct engine_fire *f)
{
	size_t	i;

	if (h->count == h->cap) {
		size_t			  cap = h->cap ? h->cap * 2 : 64;
		struct engine_fire	**bigger;

		if ((bigger = realloc(h->items, cap * sizeof(*bigger))) == NULL)
			return -1;
		h->items = bigger;
		h->cap = cap;
	}
	for (i = h->count++; i > 0 && heap_before(f, h->items[(i - 1) / 2]);
	    i = (i - 1) / 2)
		h->items[i] = h->items[(i - 1) / 2];
	h->items[i] = f;
	return 0;
}

static struct engine_fire *
heap_pop(struct fireheap *h)
{
	struct engine_fire	*top = h->items[0], *last = h->items[--h->count];
	size_t			 i = 0;

	for (;;) {
		size_t	c = 2 * i + 1;

		if (c >= h->count)
			break;
		if (c + 1 < h->count && heap_before(h->items[c + 1], h->items[c]))
			c++;
		if (!heap_before(h->items[c], last))
			break;
		h->items[i] = h->items[c];
		i = c;
	}
	if (h->count > 0)
		h->items[i] = last;
	return top;
}

static void
retry_arm(struct engine *eng)
{
	if (eng->retries.count == 0 || eng->stopping)
		clock_timer_cancel(eng->retry_timer);
	else
		clock_timer_at(eng->retry_timer, eng->retries.items[0]->retry_at);
}

void
engine__fire_retry_due(struct engine *eng)
{
	double	now = clock_now(eng->clock);

	while (eng->retries.count > 0 && eng->retries.items[0]->retry_at <= now)
		engine__fire_on(heap_pop(&eng->retries), FIRE_EV_TIMER, NULL);
	retry_arm(eng);
}

/* --- actions: each ends in a state set here and nowhere else --- */

static void	fire_begin(struct engine_fire *);
static void	fire_resolve(struct engine_fire *);

int
engine__fire_by_peer(const struct engine_fire *f)
{
	return f->look_first && f->sent_at == 0;
}

/* The outcome: log it, queue it for the batch commit, forget the fire. */
static void
fire_done(struct engine_fire *f, enum run_state state, long status,
    const char *error)
{
	struct engine		*eng = f->eng;
	struct engine_schedule	*sch = engine__schedule_find(eng, f->schedule_id);
	char			 at[32], why[400];

	if (f->skip_reason != NULL && f->sent_at == 0 &&
	    (state == RUN_PENDING || state == RUN_FAILED)) {
		/*
		 * The policy skips it unless another host created it; left
		 * pending, the next start would send it. Not knowing, the
		 * policy has its way.
		 */
		snprintf(why, sizeof(why), "%s; Admin was not asked whether "
		    "another host created it (%s)", f->skip_reason,
		    state == RUN_PENDING ? "stopped first" : error ? error :
		    "it failed");
		state = RUN_SKIPPED;
		status = 0;
		error = why;
	}
	fire_set(f, FIRE_DONE);
	log_event(eng->log, state == RUN_CREATED ? LOG_LEVEL_INFO :
	    LOG_LEVEL_WARN, "fire", "schedule=%s instant=%s kind=%s "
	    "execution=%s outcome=%s attempts=%d latency=%.3fs%s%s",
	    f->schedule_name, instant_text(f->instant, at),
	    engine__fire_kind_name(f->kind), f->name, run_state_name(state),
	    f->attempts, clock_now(eng->clock) - f->started,
	    error ? " error=" : "", error ? error : "");
	if (state == RUN_CREATED) {
		eng->stats.created++;
		if (engine__fire_by_peer(f))
			eng->stats.peer_created++;
		else if (f->standby)
			eng->stats.standby_created++;
		/* Watched until its phase is final: history, and overlap policies. */
		if (!eng->cfg.once && !eng->stopping && f->project != NULL &&
		    f->domain != NULL)
			engine__watch_add(eng, f->run_id, f->schedule_id,
			    f->project, f->domain, f->name, NULL);
	} else if (state == RUN_FAILED)
		eng->stats.failed++;
	else if (state == RUN_SKIPPED)
		eng->stats.skipped++;
	if (sch != NULL && sch->held == f)
		sch->held = NULL;
	if (sch != NULL && sch->creating == f)
		sch->creating = NULL;
	if (engine__result_add(eng, f, state, status, error) == -1)
		log_event(eng->log, LOG_LEVEL_ERROR, "fire", "%s: out of memory "
		    "recording the result; the run stays pending", f->name);
	engine__fire_free(f);
	engine__flush_soon(eng);
	if (eng->unsent < ENGINE_BACKLOG / 2 && eng->owed_since != 0)
		engine__due_soon(eng);
}

/*
 * Admin is unavailable (connection errors, timeouts, 429, 5xx past the
 * client's retries): the run stays pending and is tried again later, until
 * it is older than the retry horizon.
 */
static void
fire_retry(struct engine_fire *f, long status, const char *why)
{
	struct engine	*eng = f->eng;
	char		 msg[512];

	f->garbled = 0;		/* the next round's look-up decides afresh */
	if (eng->stopping || eng->cfg.once) {
		/* Left pending: the next start looks it up and sends it. */
		fire_done(f, RUN_PENDING, status, why);
		return;
	}
	if (engine__now(eng) - f->since > eng->cfg.retry_horizon) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts over "
		    "%" PRId64 " s: %.400s", f->attempts,
		    eng->cfg.retry_horizon, why);
		fire_done(f, RUN_FAILED, status, msg);
		return;
	}
	log_event(eng->log, LOG_LEVEL_WARN, "fire", "schedule=%s execution=%s "
	    "admin unavailable (%s); retrying in %" PRId64 " s",
	    f->schedule_name, f->name, why, eng->cfg.retry_delay);
	f->retry_at = clock_now(eng->clock) + (double)eng->cfg.retry_delay;
	if (heap_push(&eng->retries, f) == -1) {
		fire_done(f, RUN_PENDING, status, why);
		return;
	}
	fire_set(f, FIRE_RETRY);
	retry_arm(eng);
}

static void
transport_error(long status, const char *body, const char *error, char *buf,
    size_t len)
{
	if (status == 0)
		snprintf(buf, len, "%s", error ? error : "no response");
	else
		execution_error_message(body, status, buf, len);
}

static void
response_cb(const struct admin_response *r, void *arg)
{
	struct fire_input	in = { .status = r->status, .body = r->body,
				    .why = r->error, .attempts = r->attempts };

	engine__fire_on(arg, FIRE_EV_RESPONSE, &in);
}

/* GET the execution the run's request names (where it was sent, whatever the schedule says now). */
static void
fire_get(struct engine_fire *f, enum fire_state state)
{
	char		path[1024];
	struct err	e;

	if (f->project == NULL || f->domain == NULL) {
		fire_done(f, RUN_FAILED, 0, "the recorded request has no "
		    "project, domain or name");
		return;
	}
	snprintf(path, sizeof(path), "/api/v1/executions/%s/%s/%s",
	    f->project, f->domain, f->name);
	fire_set(f, state);
	if (engine__request(f->eng, ADMIN_LANE_FIRE, "GET", path, NULL,
	    response_cb, f, &e) == -1)
		fire_retry(f, 0, e.msg);
}

/* Send the committed request. */
static void
fire_post(struct engine_fire *f)
{
	struct engine	*eng = f->eng;
	struct err	 e;

	if (f->sent_at == 0) {
		f->sent_at = engine__now(eng);
		eng->unsent--;
		eng->burst_sending = 1;
		/* Lateness: the instant to its first hand-over (a resend is not a new fire). */
		if (f->kind == FIRE_SCHEDULED && !f->standby) {
			double	late = clock_now(eng->clock) - (double)f->instant;

			histogram_observe(&eng->lateness, late > 0 ? late : 0);
		}
		if (eng->owed_since != 0 && eng->unsent < ENGINE_BACKLOG / 2)
			engine__due_soon(eng);
	}
	fire_set(f, FIRE_CREATE);
	if (engine__request(eng, ADMIN_LANE_FIRE, "POST", "/api/v1/executions",
	    f->request, response_cb, f, &e) == -1)
		fire_retry(f, 0, e.msg);
}

/*
 * Send the committed request; one that may be at Admin already (another
 * host's instant, a catch-up among hosts) is looked up first, and sent
 * only if Admin lacks it (FIRE_LOOKUP's 404).
 */
static void
fire_send(struct engine_fire *f)
{
	if (!f->look_first || f->sent_at != 0) {
		fire_post(f);
		return;
	}
	/* Many at once (a second's instants of other shards): asked for in batches. */
	if (f->project != NULL && f->domain != NULL &&
	    engine__standby_ask(f) == 0)
		fire_set(f, FIRE_LOOKUP);
	else
		fire_get(f, FIRE_LOOKUP);
}

/*
 * The context of f's templates: its instant and, only when its inputs use
 * them, the cron's instant before it (from the schedule as the engine
 * holds it) and the last success (one index probe). Returns 0, or -1 with e.
 */
static int
fire_template_context(struct engine_fire *f, struct template_context *ctx,
    struct err *e)
{
	struct engine			*eng = f->eng;
	const struct engine_schedule	*sch;
	const struct tz_zone		*zone = NULL;
	unsigned			 needs;

	memset(ctx, 0, sizeof(*ctx));
	ctx->schedule_name = f->schedule_name;
	ctx->kickoff.at = f->instant;
	ctx->kickoff.known = 1;
	if (tz_cache_get(eng->zones, f->row.tz, &zone, e) == 0)
		ctx->kickoff.offset = tz_offset_at(zone, f->instant);
	needs = template_needs(f->row.inputs ? f->row.inputs : "{}");
	if ((needs & TEMPLATE_PREV_KICKOFF) &&
	    (sch = engine__schedule_find(eng, f->schedule_id)) != NULL &&
	    cron_prev(&sch->expr, sch->zone, f->instant,
	    &ctx->prev_kickoff.at) == 0) {
		ctx->prev_kickoff.known = 1;
		ctx->prev_kickoff.offset = zone != NULL ?
		    tz_offset_at(zone, ctx->prev_kickoff.at) : 0;
	}
	if (needs & TEMPLATE_LAST_SUCCESS) {
		if (store_last_success(eng->st, f->schedule_name, f->instant,
		    &ctx->last_success.at, e) == -1)
			return -1;
		ctx->last_success.known = ctx->last_success.at != 0;
		ctx->last_success.offset = zone != NULL ?
		    tz_offset_at(zone, ctx->last_success.at) : 0;
	}
	return 0;
}

/*
 * The request of f's row with the launch plan's version and interface,
 * kept in f (which then holds its request, not its row). Returns 0, or -1
 * with e: bad inputs (permanent), out of memory or a failed read of the
 * store (EX_OSERR, EX_IOERR, EX_TEMPFAIL: not the fire's fault).
 */
static int
fire_make_request(struct engine_fire *f, const char *version,
    const cJSON *parameters, struct err *e)
{
	struct template_context	 ctx;
	cJSON			*literals = NULL;
	char			*body = NULL;
	int			 rc = -1;

	if (fire_template_context(f, &ctx, e) == -1 ||
	    execution_inputs(&f->row, &ctx, parameters, &literals, e) == -1 ||
	    execution_create_body(&f->row, version, f->instant,
	    f->kind == FIRE_TRIGGER, f->name, literals, &body, e) == -1)
		goto out;
	if ((f->project = strdup(f->row.project)) == NULL ||
	    (f->domain = strdup(f->row.domain)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	f->request = body;
	body = NULL;
	f->pinned = f->row.version != NULL;
	/* The row has served: what a fire holds from here on is its request. */
	schedule_clear(&f->row);
	f->have_row = 0;
	rc = 0;
 out:
	if (rc == -1) {
		free(f->project);
		free(f->domain);
		f->project = f->domain = NULL;
	}
	cJSON_Delete(literals);
	free(body);
	return rc;
}

/* Build the request with the launch plan's version and interface, and queue it for its commit. */
static void
fire_build(struct engine_fire *f, const char *version, const cJSON *parameters)
{
	struct engine	*eng = f->eng;
	struct err	 e;

	if (fire_make_request(f, version, parameters, &e) == -1) {
		/* Bad inputs are permanent: recorded, never retried blindly. */
		if (e.code == EX_OSERR || e.code == EX_IOERR ||
		    e.code == EX_TEMPFAIL)
			fire_done(f, RUN_PENDING, 0, NULL);	/* the next start tries again */
		else
			fire_done(f, RUN_FAILED, 0, e.msg);
		return;
	}
	fire_set(f, FIRE_RECORD);
	f->queue_next = eng->to_record;
	eng->to_record = f;
	event_active(eng->record_soon, EV_TIMEOUT, 0);
}

/* Whether f goes to its launch plan without asking Admin about the previous execution first. */
static int
fire_needs_no_overlap_check(const struct engine_fire *f,
    const struct engine_schedule *sch)
{
	/* Triggers and backfills are asked for by hand: no policy stands in their way. */
	return sch == NULL || sch->overlap == OVERLAP_ALLOW ||
	    f->eng->cfg.once || f->skip_reason != NULL ||
	    (f->kind != FIRE_SCHEDULED && f->kind != FIRE_CATCHUP);
}

double
engine__fire_quiet_at(struct engine *eng)
{
	double	now = clock_now(eng->clock), next;

	if (eng->posting > 0)
		return now + 0.05;
	if (eng->retries.count > 0 &&
	    (next = eng->retries.items[0]->retry_at) - now < 0.2)
		return next + 0.1;
	return 0;
}

/* When f may leave: its instant, or standby_delay after it for another host's. */
static double
fire_due(const struct engine_fire *f)
{
	return (double)f->instant + (f->standby ?
	    (double)f->eng->cfg.standby_delay : 0);
}

void
engine__fire_start(struct engine_fire *f)
{
	struct engine	*eng = f->eng;
	double		 at = fire_due(f);

	if (at <= clock_now(eng->clock) || eng->cfg.once) {
		engine__fire_on(f, FIRE_EV_BEGIN, NULL);
		return;
	}
	/* NEW until its instant (or its standby's): the retry heap's timer begins it then (FIRE_EV_TIMER). */
	f->retry_at = at;
	if (heap_push(&eng->retries, f) == -1) {
		fire_done(f, RUN_PENDING, 0, NULL);	/* the next start sends it */
		return;
	}
	retry_arm(eng);
}

/* A fire recorded ahead that a stop or a change takes back. */
static int
fire_ahead(const struct engine_fire *f, double now, int all)
{
	struct engine_schedule	*sch;

	if (f->state != FIRE_NEW || f->withdrawn || fire_due(f) <= now)
		return 0;
	if (all)
		return 1;
	sch = engine__schedule_find(f->eng, f->schedule_id);
	return sch == NULL || !sch->live || sch->gen != f->gen;
}

void
engine__fire_withdraw_ahead(struct engine *eng, int all)
{
	double			 now = clock_now(eng->clock);
	struct engine_fire	*f, *next;
	struct err		 e;
	size_t			 n = 0;

	for (f = eng->fires; f != NULL; f = f->next)
		n += fire_ahead(f, now, all);
	if (n == 0)
		return;
	if (engine__begin(eng, &e) == -1)
		goto fail;
	for (f = eng->fires; f != NULL; f = f->next)
		if (fire_ahead(f, now, all) &&
		    store_run_withdraw(eng->st, f->run_id, &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	for (f = eng->fires; f != NULL; f = next) {
		next = f->next;
		if (!fire_ahead(f, now, all))
			continue;
		if (all)
			engine__fire_forget(f);
		else
			f->withdrawn = 1;	/* forgotten when the timer heap gives it back */
	}
	return;
 fail:
	log_event(eng->log, LOG_LEVEL_WARN, "reload", "%zu runs recorded ahead "
	    "of their instants stay as recorded: %s", n, e.msg);
}

int
engine__fire_prepare(struct engine_fire *f, struct err *e)
{
	struct engine		*eng = f->eng;
	const char		*version;
	const cJSON		*parameters;
	struct err		 ignored;

	if (!f->have_row || f->request != NULL ||
	    !fire_needs_no_overlap_check(f, engine__schedule_find(eng,
	    f->schedule_id)) ||
	    !engine__lp_cached(eng, &f->row, &version, &parameters))
		return 0;
	/* What cannot be built here is built (and fails, with its message) the usual way. */
	if (fire_make_request(f, version, parameters, &ignored) == -1)
		return 0;
	if (store_run_request_body(eng->st, f->run_id, f->request, e) == -1)
		return -1;
	f->prepared = 1;
	return 0;
}

static void
fire_resolve(struct engine_fire *f)
{
	fire_set(f, FIRE_PLAN);
	engine__lp_resolve(f->eng, f);		/* FIRE_EV_PLAN now or later */
}

static void
previous_cb(const struct admin_response *r, void *arg)
{
	cJSON			*doc = r->status == 200 ? cJSON_Parse(r->body) :
				    NULL;
	struct fire_input	 in = { .status = r->status,
				    .phase = execution_phase(doc) };
	char			 phase[32];
	int64_t			 started;

	/* The document goes; the phase (and when it ended) stays. */
	execution_times(doc, &started, &in.ended);
	if (in.phase != NULL) {
		snprintf(phase, sizeof(phase), "%s", in.phase);
		in.phase = phase;
	}
	cJSON_Delete(doc);
	engine__fire_on(arg, FIRE_EV_PREVIOUS, &in);
}

static void
cancelled_cb(const struct admin_response *r, void *arg)
{
	struct engine_fire	*f = arg;

	log_event(f->eng->log, r->status >= 200 && r->status < 300 ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN, "overlap", "schedule=%s "
	    "cancel-previous: terminate %s: HTTP %ld", f->schedule_name,
	    f->previous, r->status);
	engine__fire_on(f, FIRE_EV_CANCELLED, NULL);
}

/* What the policy does with this fire, the previous execution (`previous`) being `phase`. */
static void
fire_overlap(struct engine_fire *f, struct engine_schedule *sch,
    enum overlap_previous previous, const char *name, const char *phase)
{
	struct engine		*eng = f->eng;
	struct engine_fire	*held = sch->held;
	enum overlap_action	 action;
	char			 why[900], body[400];
	struct err		 e;

	action = overlap_decide(sch->overlap, previous, held != NULL &&
	    held != f);
	snprintf(why, sizeof(why), "overlap %s: the previous execution %s is "
	    "%s%s", overlap_name(sch->overlap), name, phase,
	    held != NULL && held != f ? "; a fire is waiting already" : "");
	switch (action) {
	case OVERLAP_GO:
		fire_resolve(f);
		return;
	case OVERLAP_SKIPS:
		fire_done(f, RUN_SKIPPED, 0, why);
		return;
	case OVERLAP_WAITS:
		log_event(eng->log, LOG_LEVEL_INFO, "overlap", "schedule=%s "
		    "execution=%s waits: %s", f->schedule_name, f->name, why);
		sch->held = f;
		if (sch->creating == f)
			sch->creating = NULL;
		fire_set(f, FIRE_HELD);
		if (sch->latest != NULL)
			engine__watch_hurry(eng, sch->latest);
		return;
	case OVERLAP_RELEASES:
		/* buffer-one: the waiting fire goes first, this one waits behind it. */
		log_event(eng->log, LOG_LEVEL_INFO, "overlap", "schedule=%s "
		    "execution=%s goes, execution=%s waits behind it",
		    f->schedule_name, held->name, f->name);
		sch->held = f;
		sch->creating = held;
		fire_set(f, FIRE_HELD);
		engine__fire_on(held, FIRE_EV_RELEASE, NULL);
		return;
	case OVERLAP_CANCELS:
		sch->creating = f;
		fire_set(f, FIRE_CANCELLING);
		snprintf(body, sizeof(body), "{\"cause\":\"schedd: superseded by "
		    "%s (schedule %s)\"}", f->name, f->schedule_name);
		if (engine__request(eng, ADMIN_LANE_FIRE, "DELETE", f->previous,
		    body, cancelled_cb, f, &e) == -1)
			fire_resolve(f);
		return;
	}
}

/*
 * A run whose request is recorded may have been sent: look it up, and
 * resend it as recorded if Admin lacks it. Otherwise read the schedule row
 * (unless the planner handed it over) and apply the overlap policy: for a
 * policy other than allow, ask Admin for the phase of the previous
 * execution, fresh (a watch's last look may be minutes old).
 */
static void
fire_begin(struct engine_fire *f)
{
	struct engine		*eng = f->eng;
	struct engine_schedule	*sch;
	char			 path[ENGINE_PATH_MAX];
	struct err		 e;

	if (f->prepared) {
		/* Recorded with its pending row: sent now. A later round looks it up first. */
		f->prepared = 0;
		sch = engine__schedule_find(eng, f->schedule_id);
		if (sch == NULL || !sch->live)
			fire_done(f, RUN_FAILED, 0, "the schedule was removed "
			    "before its run was sent");
		else
			fire_send(f);
		return;
	}
	if (f->request != NULL) {
		fire_get(f, FIRE_LOOKUP);
		return;
	}
	if (!f->have_row) {
		if (f->schedule_id == 0 || store_schedule_get_id(eng->st,
		    f->schedule_id, &f->row, &e) == -1) {
			if (f->schedule_id == 0 || e.code == EX_NOINPUT)
				fire_done(f, RUN_FAILED, 0, "the schedule was "
				    "removed before its run was sent");
			else
				fire_retry(f, 0, e.msg);
			return;
		}
		f->have_row = 1;
	}
	sch = engine__schedule_find(eng, f->schedule_id);
	if (fire_needs_no_overlap_check(f, sch)) {
		fire_resolve(f);
		return;
	}
	if (sch->creating != NULL && sch->creating != f &&
	    sch->overlap != OVERLAP_CANCEL) {
		/* The previous fire is not even created yet: it is certainly running. */
		fire_overlap(f, sch, OVERLAP_PREVIOUS_RUNNING, sch->creating->name,
		    "being created");
		return;
	}
	sch->creating = f;
	if (sch->latest == NULL) {
		fire_overlap(f, sch, OVERLAP_PREVIOUS_DONE, "", "");
		return;
	}
	engine__watch_path(sch->latest, path, sizeof(path));
	free(f->previous);
	if ((f->previous = strdup(path)) == NULL) {
		fire_retry(f, 0, "out of memory");
		return;
	}
	fire_set(f, FIRE_OVERLAP);
	if (engine__request(eng, ADMIN_LANE_FIRE, "GET", f->previous, NULL,
	    previous_cb, f, &e) == -1)
		fire_resolve(f);
}

/*
 * Whether the fire's schedule pins its launch plan version: known once the
 * fire is built; for a run adopted at start, from the schedule as it is now.
 */
static int
fire_pinned(struct engine_fire *f)
{
	struct schedule	row;
	struct err	e;

	if (f->pinned < 0) {
		memset(&row, 0, sizeof(row));
		f->pinned = f->schedule_id != 0 && store_schedule_get_id(
		    f->eng->st, f->schedule_id, &row, &e) == 0 &&
		    row.version != NULL;
		schedule_clear(&row);
	}
	return f->pinned;
}

/* Admin's answer to a POST, or to a GET of the execution with our name. */
static void
fire_answered(struct engine_fire *f, const struct fire_input *in)
{
	const char	*why;
	char		 msg[512];

	switch (f->state) {
	case FIRE_CREATE:
		f->attempts += in->attempts;
		if (in->status >= 200 && in->status < 300) {
			if (execution_created(in->body, f->name)) {
				fire_done(f, RUN_CREATED, in->status, NULL);
				return;
			}
			/* A proxy's page, an empty or error body: the outcome is unknown until Admin says. */
			log_event(f->eng->log, LOG_LEVEL_WARN, "fire", "schedule=%s "
			    "execution=%s HTTP %ld is not Admin's answer to a "
			    "create; looking it up", f->schedule_name, f->name,
			    in->status);
			f->garbled = in->status;
			fire_get(f, FIRE_LOOKUP);
			return;
		}
		if (in->status == 409) {
			/* AlreadyExists is success only when it is this very fire. */
			fire_get(f, FIRE_CONFIRM);
			return;
		}
		transport_error(in->status, in->body, in->why, msg, sizeof(msg));
		if (admin_transient(in->status))
			fire_retry(f, in->status, msg);
		else
			fire_done(f, RUN_FAILED, in->status, msg);
		return;
	case FIRE_CONFIRM:
	case FIRE_LOOKUP:
		if (in->status == 200) {
			if (execution_is_fire(in->body, f->request, fire_pinned(f),
			    &why))
				fire_done(f, RUN_CREATED, f->state ==
				    FIRE_CONFIRM ? 409 : 200, NULL);
			else
				fire_done(f, RUN_FAILED, 409, why);
			return;
		}
		if (in->status == 404 && f->state == FIRE_LOOKUP &&
		    f->garbled != 0) {
			/*
			 * Not created, though answered 2xx (a proxy's login
			 * page): sent again at once, it would go round as fast
			 * as the proxy answers. The next round looks again.
			 */
			snprintf(msg, sizeof(msg), "HTTP %ld to the create was "
			    "not Admin's answer, and Admin has no such execution",
			    f->garbled);
			fire_retry(f, in->status, msg);
			return;
		}
		if (in->status == 404 && f->state == FIRE_LOOKUP &&
		    f->skip_reason != NULL && f->sent_at == 0) {
			/* No host created it: the catch-up policy skips it. */
			fire_done(f, RUN_SKIPPED, 0, f->skip_reason);
			return;
		}
		if (in->status == 404 && f->state == FIRE_LOOKUP) {
			/* Admin lacks it: send it now, exactly as it was recorded. */
			fire_post(f);
			return;
		}
		if (in->status == 404) {
			/* Admin answered 409 but has no such execution: say so, do not loop. */
			fire_done(f, RUN_FAILED, 409, "Admin answered "
			    "AlreadyExists but has no execution of that name");
			return;
		}
		transport_error(in->status, in->body, in->why, msg, sizeof(msg));
		fire_retry(f, in->status, msg);
		return;
	default:
		break;
	}
}

void
engine__fire_on(struct engine_fire *f, enum fire_event ev,
    const struct fire_input *in)
{
	struct engine		*eng = f->eng;
	struct engine_schedule	*sch = engine__schedule_find(eng, f->schedule_id);
	char			 msg[512];

	switch (ev) {
	case FIRE_EV_BEGIN:		/* NEW */
		fire_begin(f);
		return;
	case FIRE_EV_PREVIOUS:		/* OVERLAP */
		if (eng->stopping || sch == NULL) {
			/* Stopping: neither hold nor send it; the next start decides again. */
			fire_done(f, eng->stopping ? RUN_PENDING : RUN_FAILED, 0,
			    eng->stopping ? NULL : "the schedule was removed "
			    "before its run was sent");
			return;
		}
		/*
		 * Unknown (Admin unreachable, execution gone) or final: nothing
		 * to wait for. A standby decides as the schedule's own host did
		 * at the instant: one that ended after it was running then.
		 */
		if (in->phase != NULL && execution_phase_final(in->phase) &&
		    f->standby && in->ended > f->instant) {
			char	ended[32];

			snprintf(msg, sizeof(msg), "running at the instant (%s "
			    "at %s)", in->phase, instant_text(in->ended, ended));
			fire_overlap(f, sch, OVERLAP_PREVIOUS_RUNNING,
			    strrchr(f->previous, '/') + 1, msg);
			return;
		}
		fire_overlap(f, sch, in->phase != NULL &&
		    !execution_phase_final(in->phase) ?
		    OVERLAP_PREVIOUS_RUNNING : OVERLAP_PREVIOUS_DONE,
		    strrchr(f->previous, '/') + 1, in->phase ? in->phase : "");
		return;
	case FIRE_EV_RELEASE:		/* HELD: the previous execution ended */
		if (sch != NULL && sch->held == f)
			sch->held = NULL;
		if (sch != NULL)
			sch->creating = f;	/* the newest now, until Admin has it */
		fire_resolve(f);
		return;
	case FIRE_EV_CANCELLED:		/* CANCELLING */
	case FIRE_EV_PLAN:		/* PLAN */
		if (eng->stopping) {
			fire_done(f, RUN_PENDING, 0, NULL);
			return;
		}
		if (ev == FIRE_EV_CANCELLED)
			fire_resolve(f);
		else if (in->version != NULL)
			fire_build(f, in->version, in->parameters);
		else if (admin_transient(in->status))
			fire_retry(f, in->status, in->why);
		else
			fire_done(f, RUN_FAILED, in->status, in->why);
		return;
	case FIRE_EV_RECORDED:		/* RECORD */
		fire_send(f);
		return;
	case FIRE_EV_RESPONSE:		/* CREATE, CONFIRM, LOOKUP */
		fire_answered(f, in);
		return;
	case FIRE_EV_TIMER:		/* RETRY, or NEW recorded ahead of its instant */
		if (eng->stopping) {
			fire_done(f, RUN_PENDING, 0, NULL);
			return;
		}
		if (f->withdrawn) {
			engine__fire_forget(f);
			return;
		}
		if (f->state == FIRE_NEW)
			f->started = clock_now(eng->clock);
		fire_begin(f);
		return;
	case FIRE_EV_STOP:		/* NEW, HELD, RECORD, RETRY */
		if (f->withdrawn) {
			engine__fire_forget(f);	/* its row is gone already */
			return;
		}
		snprintf(msg, sizeof(msg), "%s", in && in->why ? in->why : "");
		if (f->state == FIRE_RECORD) {
			/* Built, never recorded: the run stays pending, unsent. */
			free(f->request);
			f->request = NULL;
		}
		fire_done(f, in ? in->outcome : RUN_PENDING, 0,
		    in && in->why ? msg : NULL);
		return;
	case FIRE_EVENTS:
		break;
	}
}

/* Commit the requests built since the last time in one transaction, then send them. */
void
engine__fire_record(struct engine *eng)
{
	struct engine_fire	*f, *list = eng->to_record;
	struct err		 e;

	if (list == NULL)
		return;
	if (engine__begin(eng, &e) == -1)
		goto fail;
	for (f = list; f != NULL; f = f->queue_next)
		if (store_run_request_body(eng->st, f->run_id, f->request,
		    &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	eng->to_record = NULL;
	while ((f = list) != NULL) {
		list = f->queue_next;
		f->queue_next = NULL;
		engine__fire_on(f, FIRE_EV_RECORDED, NULL);
	}
	return;
 fail:
	if (eng->lost)
		return;		/* nothing more is written: the owner exits */
	log_event(eng->log, LOG_LEVEL_ERROR, "store", "recording requests: %s; "
	    "retrying", e.msg);
	clock_timer_at(eng->record_timer, clock_now(eng->clock) + 1);
}
