/* metrics.c: Prometheus text exposition (format 0.0.4), histograms rendered, and the server of /metrics, /healthz and the status page on evhttp. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <cjson/cJSON.h>

#include "schedd/admin.h"
#include "schedd/clock.h"
#include "schedd/engine.h"
#include "schedd/log.h"
#include "schedd/dirapply.h"
#include "schedd/metrics.h"
#include "schedd/statuspage.h"
#include "schedd/store.h"
#include "schedd/tz.h"

#define LABELS_MAX	8	/* label pairs of one sample, le included */
#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define HTML_TYPE	"text/html; charset=utf-8"

/* --- text --- */

void
metrics_text_free(struct metrics_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

void
metrics_text_add(struct metrics_text *t, const char *s, size_t n)
{
	char	*bigger;
	size_t	 cap;

	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		for (cap = t->cap ? t->cap : 1024; cap < t->len + n + 1; cap *= 2)
			;
		if ((bigger = realloc(t->buf, cap)) == NULL) {
			t->oom = 1;
			return;
		}
		t->buf = bigger;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
text_str(struct metrics_text *t, const char *s)
{
	metrics_text_add(t, s, strlen(s));
}

void
metrics_text_printf(struct metrics_text *t, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	metrics_text_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void
metrics_text_append(struct metrics_text *t, const struct metrics_text *more)
{
	if (more->oom)
		t->oom = 1;
	else if (more->len > 0)
		metrics_text_add(t, more->buf, more->len);
}

/* s with \ and newline escaped, and " too when quoted (label values; HELP leaves quotes alone). */
static void
text_escaped(struct metrics_text *t, const char *s, int quoted)
{
	const char	*run = s;

	for (; *s != '\0'; s++) {
		const char	*esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" :
				    *s == '"' && quoted ? "\\\"" : NULL;

		if (esc == NULL)
			continue;
		metrics_text_add(t, run, (size_t)(s - run));
		text_str(t, esc);
		run = s + 1;
	}
	metrics_text_add(t, run, (size_t)(s - run));
}

void
metrics_format_value(double v, char buf[32])
{
	if (isnan(v)) {
		snprintf(buf, 32, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, 32, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Whole numbers (counts, bounds, Unix times) in plain digits: 10, not 1e+01. */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, 32, "%.0f", v);
		return;
	}
	/* Else the fewest digits that read back as the same double. */
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(buf, 32, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void
metrics_family(struct metrics_text *t, const char *name, const char *type,
    const char *help)
{
	metrics_text_printf(t, "# HELP %s ", name);
	text_escaped(t, help, 0);
	metrics_text_printf(t, "\n# TYPE %s %s\n", name, type);
}

/* name + suffix, {labels, plus le when given}, value. */
static void
sample_line(struct metrics_text *t, const char *name, const char *suffix,
    const char *const *labels, const char *le, const char *value)
{
	int	n = 0;

	text_str(t, name);
	text_str(t, suffix);
	for (int i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		text_str(t, n++ == 0 ? "{" : ",");
		text_str(t, labels[i]);
		text_str(t, "=\"");
		text_escaped(t, labels[i + 1] ? labels[i + 1] : "", 1);
		text_str(t, "\"");
	}
	if (le != NULL) {
		text_str(t, n++ == 0 ? "{" : ",");
		metrics_text_printf(t, "le=\"%s\"", le);
	}
	if (n > 0)
		text_str(t, "}");
	metrics_text_printf(t, " %s\n", value);
}

void
metrics_sample(struct metrics_text *t, const char *name,
    const char *const *labels, double value)
{
	char	v[32];

	metrics_format_value(value, v);
	sample_line(t, name, "", labels, NULL, v);
}

void
metrics_histogram_render(struct metrics_text *t, const char *name,
    const char *const *labels, const struct histogram *h)
{
	char		le[32], v[32];
	uint64_t	cumulative = 0;

	for (size_t i = 0; i < h->nbounds; i++) {
		cumulative += h->counts[i];
		metrics_format_value(h->bounds[i], le);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)cumulative);
		sample_line(t, name, "_bucket", labels, le, v);
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)h->count);
	sample_line(t, name, "_bucket", labels, "+Inf", v);
	metrics_format_value(h->sum, le);
	sample_line(t, name, "_sum", labels, NULL, le);
	sample_line(t, name, "_count", labels, NULL, v);
}

/* --- the page --- */

/* The per-schedule families, filled by one walk of the store. */
struct health_walk {
	struct engine		*engine;	/* executions by phase; NULL: left out */
	struct metrics_text	 success;
	struct metrics_text	 failures;
	struct metrics_text	 executions;
	struct metrics_text	 info;
};

/*
 * The label a schedule label `key` becomes on schedd_schedule_info:
 * "label_" and the key with every character outside [a-zA-Z0-9_] made '_'
 * (Kubernetes keys have '.', '/' and '-'). New text (caller frees), NULL
 * when out of memory.
 */
static char *
label_name(const char *key)
{
	size_t	 n = strlen(key);
	char	*name;

	if ((name = malloc(sizeof("label_") + n)) == NULL)
		return NULL;
	memcpy(name, "label_", sizeof("label_") - 1);
	for (size_t i = 0; i <= n; i++) {
		char	c = key[i];

		name[sizeof("label_") - 1 + i] = c == '\0' || c == '_' ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ? c : '_';
	}
	return name;
}

/*
 * schedd_schedule_info{schedule,project,domain,launch_plan,label_<key>...} 1:
 * the schedule's labels to join on. Two keys that become the same label
 * name: the first in the labels object wins. Returns -1 when out of memory.
 */
static int
info_sample(struct metrics_text *t, const struct store_health *h)
{
	cJSON		 *labels = cJSON_Parse(h->labels ? h->labels : "{}");
	const cJSON	 *item;
	const char	**pairs = NULL;
	int		  n = 8, ret = -1;

	if (labels == NULL)
		return -1;
	/* label_ names are owned: freed below from index 8 on, every other entry. */
	if ((pairs = calloc((size_t)cJSON_GetArraySize(labels) * 2 + 9,
	    sizeof(*pairs))) == NULL)
		goto out;
	pairs[0] = "schedule";
	pairs[1] = h->name;
	pairs[2] = "project";
	pairs[3] = h->project;
	pairs[4] = "domain";
	pairs[5] = h->domain;
	pairs[6] = "launch_plan";
	pairs[7] = h->launch_plan;
	cJSON_ArrayForEach(item, labels) {
		char	*name;
		int	 taken = 0;

		if (!cJSON_IsString(item))
			continue;
		if ((name = label_name(item->string)) == NULL)
			goto out;
		for (int i = 8; i < n && !taken; i += 2)
			taken = strcmp(pairs[i], name) == 0;
		if (taken) {
			free(name);
			continue;
		}
		pairs[n++] = name;
		pairs[n++] = item->valuestring;
	}
	metrics_sample(t, "schedd_schedule_info", pairs, 1);
	ret = 0;
 out:
	for (int i = 8; pairs != NULL && i < n; i += 2)
		free((char *)pairs[i]);
	free(pairs);
	cJSON_Delete(labels);
	return ret;
}

static int
health_one(const struct store_health *h, void *arg, struct err *e)
{
	struct health_walk	*w = arg;
	const char		*labels[] = { "schedule", h->name, NULL };
	uint64_t		 counts[ENGINE_PHASES];
	int			 ended = 0;

	/* A schedule that never succeeded has no such time: no sample, rather than 1970. */
	if (h->last_success > 0)
		metrics_sample(&w->success,
		    "schedd_schedule_last_success_timestamp_seconds", labels,
		    (double)h->last_success);
	metrics_sample(&w->failures, "schedd_schedule_consecutive_failures",
	    labels, (double)h->consecutive_failures);
	if (info_sample(&w->info, h) == -1) {
		err_set_code(e, EX_OSERR, "schedule %s: its labels are not a "
		    "JSON object, or out of memory", h->name);
		return -1;
	}
	if (w->engine == NULL ||
	    !engine_schedule_executions(w->engine, h->schedule_id, counts))
		return 0;
	for (int i = 0; i < ENGINE_PHASES; i++)
		ended |= counts[i] > 0;
	/* Schedules none of whose executions ended (yet) are left out: a million idle ones cost nothing. */
	for (int i = 0; ended && i < ENGINE_PHASES; i++) {
		const char	*by_phase[] = { "schedule", h->name, "phase",
				    engine_phase_name((enum engine_phase)i),
				    NULL };

		metrics_sample(&w->executions, "schedd_schedule_executions_total",
		    by_phase, (double)counts[i]);
	}
	return 0;
}

static void
render_store(const struct metrics_sources *src, struct metrics_text *t)
{
	struct health_walk	w;
	struct err		e;

	memset(&w, 0, sizeof(w));
	w.engine = src->engine;
	metrics_family(&w.success, "schedd_schedule_last_success_timestamp_seconds",
	    "gauge", "The scheduled instant of the schedule's last run whose "
	    "execution SUCCEEDED (Unix seconds); absent until one has.");
	metrics_family(&w.failures, "schedd_schedule_consecutive_failures",
	    "gauge", "Finished runs of the schedule since its last successful "
	    "execution that failed: not created, or the execution ended FAILED, "
	    "ABORTED or TIMED_OUT. 0: not failing.");
	metrics_family(&w.executions, "schedd_schedule_executions_total",
	    "counter", "Executions of the schedule this process saw end, by "
	    "final phase.");
	metrics_family(&w.info, "schedd_schedule_info", "gauge", "Always 1: "
	    "the schedule's launch plan and labels (label_<key>), to join other "
	    "series on.");
	if (store_schedule_health_each(src->store, health_one, &w, &e) == -1) {
		/* Leave the families out rather than half of them; say why. */
		text_str(t, "# schedd: per-schedule metrics left out: ");
		text_escaped(t, e.msg, 0);
		text_str(t, "\n");
		if (src->log != NULL)
			log_event(src->log, LOG_LEVEL_WARN, "metrics", "%s", e.msg);
	} else {
		metrics_text_append(t, &w.success);
		metrics_text_append(t, &w.failures);
		if (src->engine != NULL)
			metrics_text_append(t, &w.executions);
		metrics_text_append(t, &w.info);
	}
	metrics_text_free(&w.success);
	metrics_text_free(&w.failures);
	metrics_text_free(&w.executions);
	metrics_text_free(&w.info);
}

static void
render_engine(struct engine *eng, struct metrics_text *t)
{
	struct engine_stats	 st;
	struct engine_state	 now;
	const char		*created[] = { "outcome", "created", NULL };
	const char		*failed[] = { "outcome", "failed", NULL };
	const char		*skipped[] = { "outcome", "skipped", NULL };
	const char		*by_peer[] = { "by", "peer", NULL };
	const char		*by_standby[] = { "by", "standby", NULL };
	char			 shard[16], shards[16];
	const char		*shard_labels[] = { "shard", shard, "shards",
				    shards, NULL };

	engine_stats(eng, &st);
	engine_state(eng, &now);
	metrics_family(t, "schedd_fires_total", "counter", "Runs this process "
	    "finished, by outcome: created (Admin has the execution), failed, "
	    "skipped (by a catch-up or overlap policy).");
	metrics_sample(t, "schedd_fires_total", created, (double)st.created);
	metrics_sample(t, "schedd_fires_total", failed, (double)st.failed);
	metrics_sample(t, "schedd_fires_total", skipped, (double)st.skipped);
	metrics_family(t, "schedd_fires_in_flight", "gauge", "Runs started and "
	    "not finished: waiting for Admin, a retry round or a previous "
	    "execution.");
	metrics_sample(t, "schedd_fires_in_flight", NULL, (double)st.inflight);
	metrics_family(t, "schedd_executions_watched", "gauge", "Created "
	    "executions whose phase is looked up until it is final.");
	metrics_sample(t, "schedd_executions_watched", NULL, (double)st.watching);
	metrics_family(t, "schedd_executions_unknown_total", "counter",
	    "Executions of created runs that a phase look-up found Admin does "
	    "not have; their runs' phase is recorded UNKNOWN.");
	metrics_sample(t, "schedd_executions_unknown_total", NULL,
	    (double)st.unknown);
	metrics_family(t, "schedd_phase_lookups_total", "counter", "Phase "
	    "look-up requests sent to Admin (one ListExecutions covers many "
	    "executions); divide by created fires for look-ups per execution.");
	metrics_sample(t, "schedd_phase_lookups_total", NULL, (double)st.lookups);
	metrics_family(t, "schedd_ha_fires_total", "counter", "Runs of other "
	    "hosts' work (scheduler.ha): by=\"peer\": found at Admin, created by "
	    "another host; by=\"standby\": another shard's instants this host "
	    "created in its host's place.");
	metrics_sample(t, "schedd_ha_fires_total", by_peer,
	    (double)st.peer_created);
	metrics_sample(t, "schedd_ha_fires_total", by_standby,
	    (double)st.standby_created);
	snprintf(shard, sizeof(shard), "%d", now.shard);
	snprintf(shards, sizeof(shards), "%d", now.shards);
	metrics_family(t, "schedd_ha_shard", "gauge", "This host's shard of "
	    "the schedules and how many there are (scheduler.ha); the value is "
	    "how many schedules belong to other shards.");
	metrics_sample(t, "schedd_ha_shard", shard_labels, (double)now.foreign);
	metrics_family(t, "schedd_queue_length", "gauge", "Schedules waiting in "
	    "the timer heap for their next instant.");
	metrics_sample(t, "schedd_queue_length", NULL, (double)now.queued);
	metrics_family(t, "schedd_schedules", "gauge", "Schedules loaded (valid "
	    "ones), paused included.");
	metrics_sample(t, "schedd_schedules", NULL, (double)now.schedules);
	metrics_family(t, "schedd_schedules_paused", "gauge", "Schedules loaded "
	    "and paused.");
	metrics_sample(t, "schedd_schedules_paused", NULL, (double)now.paused);
	metrics_family(t, "schedd_timer_last_run_timestamp_seconds", "gauge",
	    "When the engine last looked at what is due (Unix seconds).");
	metrics_sample(t, "schedd_timer_last_run_timestamp_seconds", NULL,
	    now.last_tick);
	metrics_family(t, "schedd_fire_lateness_seconds", "histogram", "From a "
	    "scheduled instant to its create request being handed to the Admin "
	    "client (scheduled fires only, not catch-up, trigger or backfill).");
	metrics_histogram_render(t, "schedd_fire_lateness_seconds", NULL,
	    engine_lateness(eng));
}

static void
render_admin(struct admin *admin, struct metrics_text *t)
{
	const struct histogram	*h;
	const char			*method;

	metrics_family(t, "schedd_admin_requests_pending", "gauge", "Requests "
	    "to Admin queued, in flight or waiting for a retry.");
	metrics_sample(t, "schedd_admin_requests_pending", NULL,
	    (double)admin_pending(admin));
	metrics_family(t, "schedd_admin_request_duration_seconds", "histogram",
	    "Time of one attempt of a request to Admin (or its token endpoint), "
	    "start to completion, whatever the outcome.");
	for (size_t i = 0; (h = admin_latency(admin, i, &method)) != NULL; i++) {
		const char	*labels[] = { "method", method, NULL };

		metrics_histogram_render(t,
		    "schedd_admin_request_duration_seconds", labels, h);
	}
}

/* Hosts of a group that hold the same schedules show the same digest. */
static void
render_digest(const struct metrics_sources *src, struct metrics_text *t)
{
	struct metrics_digest	*d = src->digest;
	struct err		 e;
	int64_t			 last;
	char			 hex[24];
	const char		*labels[] = { "digest", hex, NULL };

	if (store_changes_since(src->store, d->known ? d->change_id : 0, &last,
	    NULL, NULL, &e) == -1 || ((!d->known || last != d->change_id) &&
	    store_schedules_digest(src->store, &d->value, &d->count, &e) == -1)) {
		d->known = 0;
		text_str(t, "# schedd: schedules digest left out: ");
		text_escaped(t, e.msg, 0);
		text_str(t, "\n");
		return;
	}
	d->change_id = last;
	d->known = 1;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)d->value);
	metrics_family(t, "schedd_schedules_digest", "gauge", "A digest of "
	    "every schedule's definition (as schedctl status shows it); hosts of "
	    "a group holding the same schedules show the same digest label. The "
	    "value is how many schedules there are.");
	metrics_sample(t, "schedd_schedules_digest", labels, (double)d->count);
}

/* scheduler.schedulesDir: did its last apply work, and when. */
static void
render_schedules_dir(struct dirapply *dir, struct metrics_text *t)
{
	struct dirapply_state	st;

	dirapply_state(dir, &st);
	metrics_family(t, "schedd_schedules_dir_applied", "gauge", "1 when the "
	    "last apply of scheduler.schedulesDir worked, 0 when it was refused "
	    "(the schedules in effect stay; the log says why).");
	metrics_sample(t, "schedd_schedules_dir_applied", NULL,
	    st.applied_at != 0 && st.ok ? 1 : 0);
	metrics_family(t, "schedd_schedules_dir_apply_timestamp_seconds",
	    "gauge", "When the last apply of scheduler.schedulesDir ended (Unix "
	    "seconds); 0 before the first.");
	metrics_sample(t, "schedd_schedules_dir_apply_timestamp_seconds", NULL,
	    (double)st.applied_at);
}

int
metrics_render(const struct metrics_sources *src, struct metrics_text *t,
    struct err *e)
{
	if (src->engine != NULL)
		render_engine(src->engine, t);
	if (src->admin != NULL)
		render_admin(src->admin, t);
	if (src->store != NULL)
		render_store(src, t);
	if (src->store != NULL && src->digest != NULL)
		render_digest(src, t);
	if (src->schedules_dir != NULL)
		render_schedules_dir(src->schedules_dir, t);
	if (t->oom) {
		err_set_code(e, EX_OSERR, "metrics: out of memory");
		return -1;
	}
	return 0;
}

/* --- the server --- */

struct metrics_server {
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	struct metrics_sources		 src;
	struct statuspage_sources	 page;	/* store NULL: no status page */
	int				 port;
};

static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body, size_t len)
{
	struct evkeyvalq	*headers = evhttp_request_get_output_headers(req);

	evhttp_add_header(headers, "Content-Type", type);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	evhttp_send_reply(req, code, reason, NULL);
}

static void
serve_metrics(struct metrics_server *ms, struct evhttp_request *req)
{
	struct metrics_text	t;
	struct err		e;

	memset(&t, 0, sizeof(t));
	if (metrics_render(&ms->src, &t, &e) == -1) {
		reply(req, 500, "Internal Server Error", "text/plain", e.msg,
		    strlen(e.msg));
		goto out;
	}
	reply(req, 200, "OK", CONTENT_TYPE, t.buf ? t.buf : "", t.len);
 out:
	metrics_text_free(&t);
}

static double
wall_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * 200 "ok" when the database is still the file at its path and takes the
 * write lock (within the busy timeout: milliseconds in the daemon) and the
 * timer is not late; that the loop answers at all proves it runs. 503 with
 * the reasons else.
 */
static void
serve_health(struct metrics_server *ms, struct evhttp_request *req)
{
	struct metrics_text	t, detail;
	struct engine_state	st;
	struct err		e;
	double			now = wall_clock();
	int			ok = 1;

	memset(&t, 0, sizeof(t));
	memset(&detail, 0, sizeof(detail));
	if (ms->src.store != NULL) {
		/* Asking the engine: a replaced database also stops it. */
		if ((ms->src.engine == NULL ||
		    engine_check_store(ms->src.engine, &e) == 0) &&
		    store_writable(ms->src.store, &e) == 0)
			text_str(&detail, "store: writable\n");
		else {
			ok = 0;
			metrics_text_printf(&detail, "store: not writable: %s\n", e.msg);
		}
	}
	if (ms->src.engine != NULL) {
		engine_state(ms->src.engine, &st);
		if (st.stopping) {
			ok = 0;
			text_str(&detail, "loop: stopping\n");
		} else if (st.next_due != 0 && now - (double)st.next_due >
		    METRICS_HEALTH_OVERDUE_S) {
			ok = 0;
			metrics_text_printf(&detail, "loop: the timer is %.0f s late for "
			    "a due instant\n", now - (double)st.next_due);
		} else
			metrics_text_printf(&detail, "loop: last timer run %.3f s ago\n",
			    st.last_tick > 0 ? now - st.last_tick : 0.0);
	}
	text_str(&t, ok ? "ok\n" : "unavailable\n");
	metrics_text_append(&t, &detail);
	if (t.oom)
		reply(req, 500, "Internal Server Error", "text/plain",
		    "out of memory\n", 14);
	else if (ok)
		reply(req, 200, "OK", "text/plain; charset=utf-8", t.buf, t.len);
	else
		reply(req, 503, "Service Unavailable",
		    "text/plain; charset=utf-8", t.buf, t.len);
	metrics_text_free(&t);
	metrics_text_free(&detail);
}

static const char *
reason_of(int status)
{
	return status == 200 ? "OK" : status == 400 ? "Bad Request" :
	    status == 404 ? "Not Found" : "Internal Server Error";
}

/*
 * A page of the status page (path decoded): its query decoded, rendered
 * from the store in the loop (bounded reads: a page at a time).
 */
static void
serve_page(struct metrics_server *ms, struct evhttp_request *req,
    const struct evhttp_uri *uri, const char *path)
{
	struct evkeyvalq	 params;
	struct statuspage_query	 q;
	struct metrics_text	 t;
	struct err		 e;
	const char		*query = evhttp_uri_get_query(uri);
	int			 status;

	memset(&t, 0, sizeof(t));
	TAILQ_INIT(&params);
	if (query != NULL && evhttp_parse_query_str(query, &params) == -1) {
		statuspage_render_problem("bad request", "the query is not "
		    "name=value pairs", &t);
		reply(req, 400, reason_of(400), HTML_TYPE, t.buf ? t.buf : "",
		    t.len);
		goto out;
	}
	q.selector = evhttp_find_header(&params, "selector");
	q.state = evhttp_find_header(&params, "state");
	q.page = evhttp_find_header(&params, "page");
	if (statuspage_serve(&ms->page, path, &q,
	    (int64_t)clock_now(ms->src.clock), &t, &status, &e) == -1) {
		if (ms->src.log != NULL)
			log_event(ms->src.log, LOG_LEVEL_WARN, "page", "%s",
			    e.msg);
		metrics_text_free(&t);
		statuspage_render_problem("error", e.msg, &t);
	}
	reply(req, status, reason_of(status), HTML_TYPE, t.buf ? t.buf : "",
	    t.len);
 out:
	evhttp_clear_headers(&params);
	metrics_text_free(&t);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics_server		*ms = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const char			*raw = uri ? evhttp_uri_get_path(uri) : NULL;
	char				*path = NULL;
	static const char		 missing[] = "not found: try /, /metrics "
					    "or /healthz\n";

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		reply(req, 405, "Method Not Allowed", "text/plain; charset=utf-8",
		    "only GET and HEAD\n", 18);
		return;
	}
	/* %2F and the like decoded; NULL (out of memory) is answered 404. */
	if (raw != NULL)
		path = evhttp_uridecode(raw, 0, NULL);
	if (path != NULL && strcmp(path, "/metrics") == 0)
		serve_metrics(ms, req);
	else if (path != NULL && strcmp(path, "/healthz") == 0)
		serve_health(ms, req);
	else if (path != NULL && ms->page.store != NULL &&
	    statuspage_path(path))
		serve_page(ms, req, uri, path);
	else
		reply(req, 404, "Not Found", "text/plain; charset=utf-8",
		    missing, sizeof(missing) - 1);
	free(path);
}

/* Split "host:port" or "[v6]:port" into host (brackets dropped) and port. */
static int
parse_addr(const char *addr, char *host, size_t len, int *port, struct err *e)
{
	const char	*colon, *start = addr, *end;
	char		*stop;
	long		 p;

	if (*addr == '[') {
		start = addr + 1;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			goto bad;
		colon = end + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    memchr(addr, ':', (size_t)(colon - addr)) != NULL)
			goto bad;
		end = colon;
	}
	if (end == start || (size_t)(end - start) >= len)
		goto bad;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	errno = 0;
	p = strtol(colon + 1, &stop, 10);
	if (colon[1] < '0' || colon[1] > '9' || *stop != '\0' || errno != 0 ||
	    p < 0 || p > 65535)
		goto bad;
	*port = (int)p;
	return 0;
 bad:
	err_set_code(e, EX_CONFIG, "scheduler.metrics: \"%s\" is not "
	    "host:port (e.g. 127.0.0.1:9464, [::1]:9464)", addr);
	return -1;
}

int
metrics_server_new(struct event_base *base, const char *addr,
    const struct metrics_sources *src, struct metrics_server **out,
    struct err *e)
{
	struct metrics_server	*ms = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host[256];
	int			 port, saved;

	if (parse_addr(addr, host, sizeof(host), &port, e) == -1)
		return -1;
	if ((ms = calloc(1, sizeof(*ms))) == NULL ||
	    (ms->http = evhttp_new(base)) == NULL) {
		err_set_code(e, EX_OSERR, "metrics: out of memory");
		goto fail;
	}
	ms->src = *src;
	if (src->store != NULL && src->clock != NULL) {
		ms->page.store = src->store;
		ms->page.console_url = src->console_url;
		if ((ms->page.zones = tz_cache_new(src->tzdir)) == NULL) {
			err_set_code(e, EX_OSERR, "metrics: out of memory");
			goto fail;
		}
	}
	/* Every method reaches request_cb, which answers 405 (not evhttp's 501) to all but GET and HEAD. */
	evhttp_set_allowed_methods(ms->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_timeout(ms->http, 10);
	evhttp_set_max_headers_size(ms->http, 8192);
	evhttp_set_max_body_size(ms->http, 1024);
	evhttp_set_gencb(ms->http, request_cb, ms);
	errno = 0;
	if ((ms->sock = evhttp_bind_socket_with_handle(ms->http, host,
	    (ev_uint16_t)port)) == NULL) {
		saved = errno;
		err_set_code(e, EX_UNAVAILABLE, "metrics: cannot listen on %s: "
		    "%s", addr, saved ? strerror(saved) : "no such address");
		goto fail;
	}
	ms->port = port;
	if (getsockname(evhttp_bound_socket_get_fd(ms->sock),
	    (struct sockaddr *)&ss, &sslen) == 0)
		ms->port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*out = ms;
	return 0;
 fail:
	metrics_server_free(ms);
	return -1;
}

int
metrics_server_port(const struct metrics_server *ms)
{
	return ms->port;
}

void
metrics_server_free(struct metrics_server *ms)
{
	if (ms == NULL)
		return;
	if (ms->http != NULL)
		evhttp_free(ms->http);
	tz_cache_free(ms->page.zones);
	free(ms);
}
