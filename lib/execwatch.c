/* execwatch.c: created executions watched until their phase is final: a heap by next look, phases asked for in batches. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "engine_int.h"
#include "schedd/execution.h"

#define WATCH_FIRST_S	5	/* first look at a new execution's phase */
#define WATCH_MAX_S	300	/* longest wait between looks of a long run (doubling up to it) */
#define WATCH_HELD_S	5	/* ...or of one a buffered fire waits for */
#define WATCH_BATCH	100	/* executions per ListExecutions request (names of 20 characters) */
#define WATCH_ASKING	4	/* look-up requests outstanding at once */
#define WATCH_QUIET_MAX_S 1	/* longest a due look-up waits for fires to leave */

struct execwatch {
	struct engine		 *eng;
	struct engine_watch	**heap;		/* by due */
	size_t			  count;
	size_t			  cap;
	size_t			  total;	/* watched: in the heap or being asked for */
	int			  asking;	/* requests outstanding */
	struct watch_ask	 *asks[WATCH_ASKING];	/* those requests: freed with the watch if never answered */
	int			  one_by_one;	/* Admin refused the batched look-up: GET each */
	struct clock_timer	 *timer;
};

/* One look-up request: the watches it asks for. */
struct watch_ask {
	struct execwatch	*xw;
	size_t			 n;
	struct engine_watch	*w[WATCH_BATCH];
};

/* --- the heap, with each watch's slot kept so one can move --- */

static void
heap_set(struct execwatch *xw, size_t i, struct engine_watch *w)
{
	xw->heap[i] = w;
	w->slot = i;
}

static void
heap_up(struct execwatch *xw, size_t i)
{
	struct engine_watch	*w = xw->heap[i];

	for (; i > 0 && w->due < xw->heap[(i - 1) / 2]->due; i = (i - 1) / 2)
		heap_set(xw, i, xw->heap[(i - 1) / 2]);
	heap_set(xw, i, w);
}

static void
heap_down(struct execwatch *xw, size_t i)
{
	struct engine_watch	*w = xw->heap[i];

	for (;;) {
		size_t	c = 2 * i + 1;

		if (c >= xw->count)
			break;
		if (c + 1 < xw->count && xw->heap[c + 1]->due < xw->heap[c]->due)
			c++;
		if (xw->heap[c]->due >= w->due)
			break;
		heap_set(xw, i, xw->heap[c]);
		i = c;
	}
	heap_set(xw, i, w);
}

static int
heap_push(struct execwatch *xw, struct engine_watch *w)
{
	if (xw->count == xw->cap) {
		size_t			  cap = xw->cap ? xw->cap * 2 : 256;
		struct engine_watch	**bigger;

		if ((bigger = realloc(xw->heap, cap * sizeof(*bigger))) == NULL)
			return -1;
		xw->heap = bigger;
		xw->cap = cap;
	}
	heap_set(xw, xw->count++, w);
	heap_up(xw, xw->count - 1);
	return 0;
}

static struct engine_watch *
heap_pop(struct execwatch *xw)
{
	struct engine_watch	*top = xw->heap[0];

	if (--xw->count > 0) {
		heap_set(xw, 0, xw->heap[xw->count]);
		heap_down(xw, 0);
	}
	top->slot = (size_t)-1;
	return top;
}

static void
watch_arm(struct execwatch *xw)
{
	if (xw->count == 0 || xw->eng->stopping ||
	    xw->asking >= WATCH_ASKING)
		clock_timer_cancel(xw->timer);
	else
		clock_timer_at(xw->timer, xw->heap[0]->due);
}

/* --- watches --- */

static void
watch_free(struct execwatch *xw, struct engine_watch *w)
{
	struct engine_schedule	*sch = engine__schedule_find(xw->eng,
				    w->schedule_id);

	if (sch != NULL && sch->latest == w)
		sch->latest = NULL;
	xw->total--;
	xw->eng->stats.watching--;
	free(w->project);
	free(w->domain);
	free(w);
}

void
engine__watch_path(const struct engine_watch *w, char *buf, size_t len)
{
	snprintf(buf, len, "/api/v1/executions/%s/%s/%s", w->project, w->domain,
	    w->name);
}

/* Back into the heap for its next look. */
static void
watch_again(struct execwatch *xw, struct engine_watch *w, int longer)
{
	struct engine_schedule	*sch = engine__schedule_find(xw->eng,
				    w->schedule_id);
	double			 cap = sch != NULL && sch->latest == w &&
				    sch->held != NULL ? WATCH_HELD_S : WATCH_MAX_S;

	if (longer)
		w->interval = w->interval * 2;
	if (w->interval > cap)
		w->interval = cap;
	/*
	 * Half-way between two seconds: fires fall due on whole seconds, so
	 * a look-up's answer (a page of executions to parse) arrives while
	 * the loop is not sending them.
	 */
	w->due = floor(clock_now(xw->eng->clock) + w->interval) + 0.5;
	if (heap_push(xw, w) == -1) {
		log_event(xw->eng->log, LOG_LEVEL_ERROR, "watch", "out of memory; "
		    "no longer watching %s", w->name);
		watch_free(xw, w);
	}
}

/*
 * Its final phase is known (or Admin does not have it): the schedule's
 * previous execution has ended, so a buffered fire goes.
 */
static void
watch_end(struct execwatch *xw, struct engine_watch *w)
{
	struct engine_schedule	*sch = engine__schedule_find(xw->eng,
				    w->schedule_id);
	struct engine_fire	*held = NULL;

	if (sch != NULL && sch->latest == w)
		held = sch->held;
	watch_free(xw, w);
	if (held != NULL)
		engine__fire_on(held, FIRE_EV_RELEASE, NULL);
}

void
engine__watch_add(struct engine *eng, int64_t run_id, int64_t schedule_id,
    const char *project, const char *domain, const char *name,
    const char *phase)
{
	struct execwatch	*xw = eng->watches;
	struct engine_watch	*w;
	struct engine_schedule	*sch;

	if (strlen(name) >= sizeof(w->name))
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->project = strdup(project)) == NULL ||
	    (w->domain = strdup(domain)) == NULL) {
		if (w != NULL)
			free(w->project);
		free(w);
		log_event(eng->log, LOG_LEVEL_ERROR, "watch", "out of memory; "
		    "not watching %s", name);
		return;
	}
	w->run_id = run_id;
	w->schedule_id = schedule_id;
	/* Its length is checked above; snprintf here is refused by gcc's -Wformat-truncation under the sanitizers. */
	memcpy(w->name, name, strlen(name) + 1);
	snprintf(w->phase, sizeof(w->phase), "%s", phase ? phase : "");
	w->interval = WATCH_FIRST_S;
	xw->total++;
	eng->stats.watching++;
	if ((sch = engine__schedule_find(eng, schedule_id)) != NULL)
		sch->latest = w;
	watch_again(xw, w, 0);
	watch_arm(xw);
}

void
engine__watch_hurry(struct engine *eng, struct engine_watch *w)
{
	struct execwatch	*xw = eng->watches;
	double			 soon = clock_now(eng->clock) + WATCH_HELD_S;

	if (w->slot == (size_t)-1 || w->due <= soon)
		return;		/* being asked for now, or soon anyway */
	w->due = soon;
	w->interval = WATCH_HELD_S;
	heap_up(xw, w->slot);
	watch_arm(xw);
}

size_t
engine__watch_count(const struct engine *eng)
{
	return eng->watches != NULL ? eng->watches->total : 0;
}

/* --- asking Admin --- */

static void	watch_pump(struct execwatch *);

/*
 * Record the phases that changed in one transaction; a watch whose phase
 * could not be written is looked at again rather than forgotten.
 */
static int
phases_record(struct execwatch *xw, struct watch_ask *ask,
    const cJSON **found,
    int *missing)
{
	struct engine	*eng = xw->eng;
	struct err	 e;
	int64_t		 started, ended;

	if (engine__begin(eng, &e) == -1)
		goto fail;
	for (size_t i = 0; i < ask->n; i++) {
		const char	*phase = missing[i] ? "UNKNOWN" :
				    found[i] ? execution_phase(found[i]) : NULL;

		if (phase == NULL || strcmp(phase, ask->w[i]->phase) == 0)
			continue;
		started = ended = 0;
		if (found[i] != NULL)
			execution_times(found[i], &started, &ended);
		if (store_run_phase(eng->st, ask->w[i]->run_id, phase, started,
		    ended, &e) == -1) {
			store_rollback(eng->st);
			goto fail;
		}
	}
	if (store_commit(eng->st, &e) == -1)
		goto fail;
	return 0;
 fail:
	if (!eng->lost)
		log_event(eng->log, LOG_LEVEL_WARN, "watch", "recording phases: "
		    "%s", e.msg);
	return -1;
}

/* The answer for the watches of one request: matched by name (a GET answers for one, a list for many). */
static void
ask_done(const struct admin_response *r, void *arg)
{
	struct watch_ask	*ask = arg;
	struct execwatch	*xw = ask->xw;
	struct engine		*eng = xw->eng;
	cJSON			*doc = r->status == 200 ? cJSON_Parse(r->body) :
				    NULL;
	const cJSON		*found[WATCH_BATCH] = { NULL };
	int			 missing[WATCH_BATCH] = { 0 };
	const cJSON		*list;
	cJSON			*item;

	xw->asking--;
	for (size_t i = 0; i < WATCH_ASKING; i++)
		if (xw->asks[i] == ask)
			xw->asks[i] = NULL;
	/* A permanent refusal of ListExecutions (an old Admin, a proxy's rules): GET each from now on. */
	if (ask->n > 1 && !xw->one_by_one && r->status >= 400 &&
	    !admin_transient(r->status)) {
		log_event(eng->log, LOG_LEVEL_WARN, "watch", "Admin refused the "
		    "batched look-up (HTTP %ld); asking for executions one by one",
		    r->status);
		xw->one_by_one = 1;
	}
	if (doc != NULL && (list = cJSON_GetObjectItemCaseSensitive(doc,
	    "executions")) != NULL) {
		cJSON_ArrayForEach(item, list) {
			const char	*name = execution_id_name(item);

			for (size_t i = 0; name != NULL && i < ask->n; i++)
				if (strcmp(ask->w[i]->name, name) == 0)
					found[i] = item;
		}
		for (size_t i = 0; i < ask->n; i++)
			missing[i] = found[i] == NULL;
	} else if (doc != NULL && ask->n == 1)
		found[0] = doc;
	else if (r->status == 404 && ask->n == 1)
		missing[0] = 1;
	if (eng->stopping) {
		/* Nothing more is written: the next start watches them again. */
		for (size_t i = 0; i < ask->n; i++)
			watch_free(xw, ask->w[i]);
	} else if (phases_record(xw, ask, found, missing) == -1) {
		for (size_t i = 0; i < ask->n; i++)
			watch_again(xw, ask->w[i], 0);
	} else {
		for (size_t i = 0; i < ask->n; i++) {
			struct engine_watch	*w = ask->w[i];
			const char		*phase = found[i] ?
						    execution_phase(found[i]) :
						    NULL;

			if (missing[i]) {
				/* Created by us, unknown to Admin: say so and stop asking. */
				log_event(eng->log, LOG_LEVEL_WARN, "watch",
				    "execution %s (run %" PRId64 ") is not known "
				    "to Admin; its phase is recorded UNKNOWN",
				    w->name, w->run_id);
				eng->stats.unknown++;
				watch_end(xw, w);
				continue;
			}
			if (found[i] != NULL && phase == NULL) {
				char	*text = execution_phase_json(found[i]);

				/* Not stored, not acted on: the next look may bring a real one. */
				log_event(eng->log, LOG_LEVEL_WARN, "watch",
				    "execution %s (run %" PRId64 "): Admin's answer "
				    "has no WorkflowExecution.Phase (closure.phase "
				    "is %.64s); the phase stays %s, asking again "
				    "later", w->name, w->run_id, text ? text :
				    "missing", w->phase[0] ? w->phase : "unknown");
				cJSON_free(text);
			}
			if (phase != NULL)
				snprintf(w->phase, sizeof(w->phase), "%s",
				    phase);
			if (execution_phase_final(phase)) {
				engine__schedule_ended(eng, w->schedule_id,
				    phase);
				watch_end(xw, w);
			} else
				/* No answer (Admin unavailable) is no reason to ask less often. */
				watch_again(xw, w, phase != NULL);
		}
	}
	cJSON_Delete(doc);
	free(ask);
	watch_pump(xw);
}

/* Ask for the due watches: the same project and domain in one ListExecutions, at most WATCH_BATCH. */
static void
watch_ask(struct execwatch *xw, struct watch_ask *ask)
{
	struct engine	*eng = xw->eng;
	char		*path;
	size_t		 len = 256 + strlen(ask->w[0]->project) +
			    strlen(ask->w[0]->domain) + ask->n * (64 + 3);
	struct err	 e;
	int		 n;

	if ((path = malloc(len)) == NULL)
		goto fail;
	if (ask->n == 1)
		engine__watch_path(ask->w[0], path, len);
	else {
		n = snprintf(path, len, "/api/v1/executions/%s/%s?limit=%zu&"
		    "filters=value_in(execution_name,", ask->w[0]->project,
		    ask->w[0]->domain, ask->n);
		for (size_t i = 0; i < ask->n; i++)
			n += snprintf(path + n, len - (size_t)n, "%s%s",
			    i ? "%3B" : "", ask->w[i]->name);
		snprintf(path + n, len - (size_t)n, ")");
	}
	/* Counted before it is sent: an answer may come at once (a fake Admin). */
	xw->asking++;
	eng->stats.lookups++;
	for (size_t i = 0; i < WATCH_ASKING; i++)
		if (xw->asks[i] == NULL) {
			xw->asks[i] = ask;
			break;
		}
	if (engine__request(eng, ADMIN_LANE_WATCH, "GET", path, NULL, ask_done,
	    ask, &e) == -1) {
		xw->asking--;
		eng->stats.lookups--;
		for (size_t i = 0; i < WATCH_ASKING; i++)
			if (xw->asks[i] == ask)
				xw->asks[i] = NULL;
		goto fail;
	}
	free(path);
	return;
 fail:
	free(path);
	for (size_t i = 0; i < ask->n; i++)
		watch_again(xw, ask->w[i], 0);
	free(ask);
}

static int
same_place(const struct engine_watch *a, const struct engine_watch *b)
{
	return strcmp(a->project, b->project) == 0 &&
	    strcmp(a->domain, b->domain) == 0;
}

static void
watch_pump(struct execwatch *xw)
{
	double	now = clock_now(xw->eng->clock);
	double	quiet = engine__fire_quiet_at(xw->eng);

	/*
	 * Creates come first, in time as in slots: look-ups wait while fires
	 * leave, a second at most (Admin may be slow enough to be always busy).
	 */
	if (quiet > now && xw->count > 0 && xw->heap[0]->due <= now &&
	    xw->heap[0]->due > now - WATCH_QUIET_MAX_S && !xw->eng->stopping) {
		clock_timer_at(xw->timer, quiet);
		return;
	}

	while (!xw->eng->stopping && xw->asking < WATCH_ASKING &&
	    xw->count > 0 && xw->heap[0]->due <= now) {
		struct watch_ask	*ask;
		size_t			 limit = xw->one_by_one ? 1 : WATCH_BATCH;
		struct engine_watch	*skipped[WATCH_BATCH];
		size_t			 nskipped = 0;

		if ((ask = calloc(1, sizeof(*ask))) == NULL)
			break;
		ask->xw = xw;
		ask->w[ask->n++] = heap_pop(xw);
		/* Due watches of other projects wait for a request of their own. */
		while (ask->n < limit && nskipped < WATCH_BATCH &&
		    xw->count > 0 && xw->heap[0]->due <= now) {
			struct engine_watch	*w = heap_pop(xw);

			if (same_place(w, ask->w[0]))
				ask->w[ask->n++] = w;
			else
				skipped[nskipped++] = w;
		}
		for (size_t i = 0; i < nskipped; i++)
			heap_push(xw, skipped[i]);
		watch_ask(xw, ask);
	}
	watch_arm(xw);
}

static void
watch_timer_cb(void *arg)
{
	watch_pump(arg);
}

int
engine__watch_new(struct engine *eng, struct execwatch **out, struct err *e)
{
	struct execwatch	*xw;

	if ((xw = calloc(1, sizeof(*xw))) == NULL ||
	    (xw->timer = clock_timer_new(eng->clock, watch_timer_cb, xw)) ==
	    NULL) {
		free(xw);
		err_set_code(e, EX_OSERR, "engine: out of memory");
		return -1;
	}
	xw->eng = eng;
	*out = xw;
	return 0;
}

void
engine__watch_stop(struct engine *eng)
{
	clock_timer_cancel(eng->watches->timer);
}

void
engine__watch_free(struct execwatch *xw)
{
	if (xw == NULL)
		return;
	while (xw->count > 0)
		watch_free(xw, heap_pop(xw));
	for (size_t i = 0; i < WATCH_ASKING; i++)
		if (xw->asks[i] != NULL) {
			for (size_t j = 0; j < xw->asks[i]->n; j++)
				watch_free(xw, xw->asks[i]->w[j]);
			free(xw->asks[i]);
		}
	clock_timer_free(xw->timer);
	free(xw->heap);
	free(xw);
}
