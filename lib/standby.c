/* standby.c: the look-ups of fires another host may have created (scheduler.ha), one ListExecutions for many. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "schedd/execution.h"
#include "engine_int.h"

#define STANDBY_BATCH	100	/* executions per ListExecutions request (names of 20 characters) */

/* One request in flight: the fires it answers for. */
struct standby_ask {
	struct engine		*eng;
	struct standby_ask	*next;		/* in the engine's asks in flight */
	size_t			 n;
	struct engine_fire	*f[STANDBY_BATCH];
};

struct standby {
	struct engine		*eng;
	struct engine_fire	*queue;		/* asked for in this turn of the loop (queue_next) */
	struct event		*soon;		/* the turn's requests, once it is over */
	struct standby_ask	*asks;		/* in flight */
	int			 one_by_one;	/* Admin refused ListExecutions: GET each */
};

/* Hand a fire Admin's answer for it, as a GET of its name would have had it. */
static void
answer(struct engine_fire *f, long status, const cJSON *found, const char *why)
{
	struct fire_input	 in = { .status = status, .why = why,
				    .attempts = 1 };
	char			*body = found != NULL ?
				    cJSON_PrintUnformatted(found) : NULL;

	if (found != NULL && body == NULL) {
		in.status = 0;		/* out of memory: the retry round asks again */
		in.why = "out of memory";
	}
	in.body = body;
	engine__fire_on(f, FIRE_EV_RESPONSE, &in);
	cJSON_free(body);
}

static void
ask_forget(struct standby *sb, struct standby_ask *ask)
{
	struct standby_ask	**p;

	for (p = &sb->asks; *p != NULL; p = &(*p)->next)
		if (*p == ask) {
			*p = ask->next;
			break;
		}
	free(ask);
}

/*
 * The list answers for every fire of the request: a name in it is there
 * (its execution, checked by the fire like a GET's), a name missing from a
 * 200 is not (404). Anything else goes to each fire as it came.
 */
static void
ask_done(const struct admin_response *r, void *arg)
{
	struct standby_ask	*ask = arg;
	struct engine		*eng = ask->eng;
	struct standby		*sb = eng->standby;
	cJSON			*doc = r->status == 200 ? cJSON_Parse(r->body) :
				    NULL;
	const cJSON		*list = cJSON_GetObjectItemCaseSensitive(doc,
				    "executions");
	const cJSON		*found[STANDBY_BATCH] = { NULL }, *item;
	char			 why[160];

	if (r->status >= 400 && !admin_transient(r->status) && ask->n > 1 &&
	    !sb->one_by_one) {
		log_event(eng->log, LOG_LEVEL_WARN, "standby", "Admin refused the "
		    "batched look-up (HTTP %ld); asking for executions one by one",
		    r->status);
		sb->one_by_one = 1;
	}
	cJSON_ArrayForEach(item, list) {
		const char	*name = execution_id_name(item);

		for (size_t i = 0; name != NULL && i < ask->n; i++)
			if (strcmp(ask->f[i]->name, name) == 0)
				found[i] = item;
	}
	for (size_t i = 0; i < ask->n; i++) {
		if (cJSON_IsArray(list))
			answer(ask->f[i], found[i] ? 200 : 404, found[i], NULL);
		else if (r->status == 200) {
			snprintf(why, sizeof(why), "ListExecutions answered "
			    "without a list of executions");
			answer(ask->f[i], 0, NULL, why);
		} else if (r->status >= 400 && !admin_transient(r->status)) {
			/* Refused as a list: the retry round asks for each by name. */
			snprintf(why, sizeof(why), "ListExecutions refused "
			    "(HTTP %ld)", r->status);
			answer(ask->f[i], 0, NULL, why);
		} else {
			struct fire_input	in = { .status = r->status,
						    .body = r->body,
						    .why = r->error,
						    .attempts = r->attempts };

			engine__fire_on(ask->f[i], FIRE_EV_RESPONSE, &in);
		}
	}
	cJSON_Delete(doc);
	ask_forget(sb, ask);
}

/* One request for fires of one project and domain. */
static void
ask_send(struct standby *sb, struct standby_ask *ask)
{
	struct engine	*eng = sb->eng;
	struct err	 e;
	char		*path;
	size_t		 len = 256 + strlen(ask->f[0]->project) +
			    strlen(ask->f[0]->domain) + ask->n * (FIRE_NAME_LENGTH + 3);
	int		 n;

	if ((path = malloc(len)) == NULL) {
		for (size_t i = 0; i < ask->n; i++)
			answer(ask->f[i], 0, NULL, "out of memory");
		free(ask);
		return;
	}
	n = snprintf(path, len, "/api/v1/executions/%s/%s?limit=%zu&"
	    "filters=value_in(execution_name,", ask->f[0]->project,
	    ask->f[0]->domain, ask->n);
	for (size_t i = 0; i < ask->n; i++)
		n += snprintf(path + n, len - (size_t)n, "%s%s", i ? "%3B" : "",
		    ask->f[i]->name);
	snprintf(path + n, len - (size_t)n, ")");
	ask->next = sb->asks;
	sb->asks = ask;
	if (engine__request(eng, ADMIN_LANE_FIRE, "GET", path, NULL, ask_done,
	    ask, &e) == -1) {
		for (size_t i = 0; i < ask->n; i++)
			answer(ask->f[i], 0, NULL, e.msg);
		ask_forget(sb, ask);
	}
	free(path);
}

static int
same_place(const struct engine_fire *a, const struct engine_fire *b)
{
	return strcmp(a->project, b->project) == 0 &&
	    strcmp(a->domain, b->domain) == 0;
}

/* The turn is over: its look-ups leave, one request per project and domain and STANDBY_BATCH names. */
static void
soon_cb(evutil_socket_t fd, short what, void *arg)
{
	struct standby		*sb = arg;
	struct engine_fire	*f, *rest, **p;
	struct standby_ask	*ask;

	(void)fd;
	(void)what;
	while ((f = sb->queue) != NULL) {
		if ((ask = calloc(1, sizeof(*ask))) == NULL) {
			sb->queue = f->queue_next;
			f->queue_next = NULL;
			answer(f, 0, NULL, "out of memory");
			continue;
		}
		ask->eng = sb->eng;
		/* Take the first fire's place, up to a batch; the rest wait for their own request. */
		rest = NULL;
		p = &rest;
		while ((f = sb->queue) != NULL) {
			sb->queue = f->queue_next;
			f->queue_next = NULL;
			if (ask->n < STANDBY_BATCH && (ask->n == 0 ||
			    same_place(f, ask->f[0])))
				ask->f[ask->n++] = f;
			else {
				*p = f;
				p = &f->queue_next;
			}
		}
		sb->queue = rest;
		ask_send(sb, ask);
	}
}

int
engine__standby_ask(struct engine_fire *f)
{
	struct standby	*sb = f->eng->standby;

	if (sb->one_by_one)
		return -1;
	f->queue_next = sb->queue;
	sb->queue = f;
	event_active(sb->soon, EV_TIMEOUT, 0);
	return 0;
}

int
engine__standby_new(struct engine *eng, struct standby **out, struct err *e)
{
	struct standby	*sb;

	if ((sb = calloc(1, sizeof(*sb))) == NULL ||
	    (sb->soon = event_new(eng->base, -1, 0, soon_cb, sb)) == NULL) {
		free(sb);
		err_set_code(e, EX_OSERR, "engine: out of memory");
		return -1;
	}
	sb->eng = eng;
	*out = sb;
	return 0;
}

void
engine__standby_free(struct standby *sb)
{
	struct standby_ask	*ask;

	if (sb == NULL)
		return;
	/* The client is freed with its requests; the fires are freed by the engine. */
	while ((ask = sb->asks) != NULL) {
		sb->asks = ask->next;
		free(ask);
	}
	event_free(sb->soon);
	free(sb);
}
