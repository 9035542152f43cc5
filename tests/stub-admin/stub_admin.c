/* stub_admin.c: a strict stub of Flyte Admin's REST API for end-to-end tests: server, faults, records. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "pjson.h"
#include "stub.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: stub_admin --catalog FILE [--port N] [--port-file FILE] [--record FILE]\n"
	    "         [--log FILE] [--fail-rate P] [--fail-seed N] [--lost-reply-rate P]\n"
	    "         [--latency-ms N] [--outage START_S:END_S] [--close-during-outage]\n"
	    "         [--phase-after S [--phase-spread W]] [--no-records]\n"
	    "         [--auth --client-id ID (--client-secret S | --client-secret-file F)\n"
	    "         [--token-ttl S] [--auth-header NAME]]\n"
	    "         [--hostile-create html|empty|invalid-json|error-object] [--hostile-token crlf]\n");
	exit(2);
}

/* --- clocks and randomness ------------------------------------------- */

double
stub_elapsed(const struct stub *st)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - st->start.tv_sec) +
	    (double)(now.tv_nsec - st->start.tv_nsec) / 1e9;
}

double
stub_random(struct stub *st)
{
	unsigned long long	z;

	/* splitmix64: a fixed --fail-seed replays the same faults. */
	z = (st->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

void
stub_wallclock(long long *secs, int *nanos)
{
	struct timespec	now;

	clock_gettime(CLOCK_REALTIME, &now);
	*secs = now.tv_sec;
	/* Admin keeps Postgres timestamps: microseconds. */
	*nanos = (int)(now.tv_nsec / 1000 * 1000);
}

static long long
wall_ms(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* A wall clock instant in ms as RFC 3339 UTC with milliseconds. */
static void
format_ms(long long ms, char *buf, size_t len)
{
	char	tmp[64];
	size_t	n;

	pjson_format_timestamp(ms / 1000, 0, tmp, sizeof(tmp));
	n = strlen(tmp);
	if (n > 0)
		tmp[n - 1] = '\0';	/* drop the Z */
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(ms % 1000));
}

static void
rfc3339_ms(char *buf, size_t len)
{
	format_ms(wall_ms(), buf, len);
}

/* --- answering ------------------------------------------------------- */

static void
call_set(struct call *c, int status, char *text, const char *ctype)
{
	free(c->resp);
	c->resp = text;
	c->status = status;
	c->ctype = ctype;
}

void
call_json(struct call *c, int status, cJSON *body)
{
	char	*text = body ? cJSON_PrintUnformatted(body) : NULL;

	cJSON_Delete(body);
	if (text == NULL) {
		call_set(c, 500, strdup("{\"code\":13,\"message\":\"stub: out of memory\",\"details\":[]}"),
		    "application/json");
		return;
	}
	call_set(c, status, text, "application/json");
}

void
call_raw(struct call *c, int status, char *text, const char *ctype)
{
	if (text == NULL) {
		call_set(c, 500, strdup("{\"code\":13,\"message\":\"stub: out of memory\",\"details\":[]}"),
		    "application/json");
		return;
	}
	call_set(c, status, text, ctype);
}

void
call_raw_json(struct call *c, int status, char *text)
{
	call_raw(c, status, text, "application/json");
}

void
call_error(struct call *c, int status, int code, const char *fmt, ...)
{
	va_list	 ap;
	cJSON	*body;

	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
	/* google.rpc.Status as grpc-gateway writes it. */
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "code", code);
	cJSON_AddStringToObject(body, "message", c->note);
	cJSON_AddItemToObject(body, "details", cJSON_CreateArray());
	call_json(c, status, body);
}

void
call_message(struct call *c, int status, const char *msg, cJSON *sparse)
{
	char	 err[512];
	cJSON	*out;
	int	 flags = PJ_OUT_UNPOPULATED;

	if (c->flags & CALL_CAMEL)
		flags |= PJ_OUT_CAMEL;
	out = pjson_convert(pjson_message(msg), sparse, flags, msg, err, sizeof(err));
	cJSON_Delete(sparse);
	if (out == NULL) {
		/* The stub built something its own schema refuses: a stub bug. */
		call_error(c, 500, 13, "stub: response does not fit %s: %s", msg, err);
		return;
	}
	call_json(c, status, out);
}

cJSON *
call_body_json(struct call *c)
{
	const char	*end = NULL;
	cJSON		*j;

	if (c->bodylen == 0)
		return cJSON_CreateObject();
	if (strlen(c->body) != c->bodylen) {
		call_error(c, 400, 3, "proto: syntax error: NUL byte in body");
		return NULL;
	}
	j = cJSON_ParseWithOpts(c->body, &end, 1);
	if (j == NULL)
		call_error(c, 400, 3, "proto: syntax error (offset %ld): invalid JSON",
		    end ? (long)(end - c->body) : 0L);
	return j;
}

char *
call_query(const struct call *c, const char *key)
{
	struct evkeyvalq	 q;
	const char		*v;
	char			*out = NULL;

	if (c->query == NULL)
		return NULL;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(c->query, &q) == 0 &&
	    (v = evhttp_find_header(&q, key)) != NULL)
		out = strdup(v);
	evhttp_clear_headers(&q);
	return out;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:	return "OK";
	case 400:	return "Bad Request";
	case 401:	return "Unauthorized";
	case 404:	return "Not Found";
	case 405:	return "Method Not Allowed";
	case 406:	return "Not Acceptable";
	case 409:	return "Conflict";
	case 415:	return "Unsupported Media Type";
	case 500:	return "Internal Server Error";
	case 503:	return "Service Unavailable";
	default:	return "Status";
	}
}

/* --- calls ----------------------------------------------------------- */

static void
call_free(struct call *c)
{
	int	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsegs && i < 8; i++)
		free(c->segs[i]);
	if (c->timer)
		event_free(c->timer);
	free(c->path);
	free(c->query);
	free(c->body);
	free(c->resp);
	free(c->www_auth);
	cJSON_Delete(c->rec_body);
	free(c);
}

static const char *
method_name(int m)
{
	switch (m) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	default:			return "OTHER";
	}
}

/* Media type without parameters, lower case, for marshaler selection. */
static void
media_type(const char *v, char *buf, size_t len)
{
	size_t	n = 0;

	buf[0] = '\0';
	if (v == NULL)
		return;
	while (*v == ' ')
		v++;
	while (*v && *v != ';' && *v != ' ' && n + 1 < len) {
		char ch = *v++;

		buf[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	buf[n] = '\0';
}

static struct call *
call_new(struct stub *st, struct evhttp_request *req)
{
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*buf = evhttp_request_get_input_buffer(req);
	const char		*p, *q, *accept;
	char			 ctype[128], *s, *tok, *save;
	struct call		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->recv_ms = wall_ms();
	c->st = st;
	c->req = req;
	c->method = evhttp_request_get_command(req);
	c->method_name = method_name(c->method);
	p = u ? evhttp_uri_get_path(u) : NULL;
	q = u ? evhttp_uri_get_query(u) : NULL;
	c->path = strdup(p && *p ? p : "/");
	c->query = q ? strdup(q) : NULL;
	c->bodylen = evbuffer_get_length(buf);
	c->body = malloc(c->bodylen + 1);
	if (c->path == NULL || (q && c->query == NULL) || c->body == NULL)
		goto fail;
	evbuffer_copyout(buf, c->body, c->bodylen);
	c->body[c->bodylen] = '\0';
	if ((s = strdup(c->path)) == NULL)
		goto fail;
	for (tok = strtok_r(s, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (c->nsegs < 8 &&
		    (c->segs[c->nsegs] = evhttp_uridecode(tok, 0, NULL)) == NULL) {
			free(s);
			goto fail;
		}
		c->nsegs++;	/* beyond 8 no route matches */
	}
	free(s);
	/*
	 * grpc-gateway: the outbound marshaler is the one registered for the
	 * exact Accept value, else the inbound one (by Content-Type), else the
	 * default: lowerCamelCase, and unknown fields discarded.
	 */
	accept = evhttp_find_header(in, "Accept");
	media_type(evhttp_find_header(in, "Content-Type"), ctype, sizeof(ctype));
	if (strcmp(ctype, "application/json") != 0)
		c->flags |= CALL_LENIENT;
	if (accept == NULL || strcmp(accept, "application/json") != 0) {
		if (c->flags & CALL_LENIENT)
			c->flags |= CALL_CAMEL;
	}
	return c;
 fail:
	call_free(c);
	return NULL;
}

/* --- records and log ------------------------------------------------- */

/* An accepted request as /stub/requests shows it: its JSON line, and what the query filters on. */
struct record {
	char	 method[8];
	char	*path;
	char	*line;
};

static void
records_clear(struct stub *st)
{
	size_t	i;

	for (i = 0; i < st->nrecords; i++) {
		free(st->records[i].path);
		free(st->records[i].line);
	}
	free(st->records);
	st->records = NULL;
	st->nrecords = st->caprecords = 0;
}

/*
 * Record and log lines are buffered and written once per pass of the event
 * loop, by an event of the highest priority: it runs before the replies of
 * that pass reach their sockets, so a client that has its answer finds the
 * line in the file, and a burst costs one write, not one per request.
 */
static void
flush_soon(struct stub *st)
{
	if (st->flush_ev && !event_pending(st->flush_ev, EV_TIMEOUT, NULL))
		event_active(st->flush_ev, EV_TIMEOUT, 0);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct stub	*st = arg;

	(void)fd;
	(void)what;
	if (st->record)
		fflush(st->record);
	if (st->log)
		fflush(st->log);
}

static void
log_call(struct stub *st, struct call *c)
{
	char	 at[64], *line;
	cJSON	*j;

	if (st->log == NULL)
		return;
	rfc3339_ms(at, sizeof(at));
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "at", at);
	cJSON_AddStringToObject(j, "method", c->method_name);
	cJSON_AddStringToObject(j, "path", c->path);
	if (c->query)
		cJSON_AddStringToObject(j, "query", c->query);
	if (c->close)
		cJSON_AddNullToObject(j, "status");
	else
		cJSON_AddNumberToObject(j, "status", c->status);
	if (c->note[0])
		cJSON_AddStringToObject(j, "note", c->note);
	if ((line = cJSON_PrintUnformatted(j)) != NULL) {
		fprintf(st->log, "%s\n", line);
		cJSON_free(line);
		flush_soon(st);
	}
	cJSON_Delete(j);
}

static void
record_call(struct stub *st, struct call *c)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(c->req);
	const char		*h;
	char			 at[64], *line;
	cJSON			*j, *body;
	struct record		*r;

	if (st->record == NULL && st->o.no_records)
		return;
	rfc3339_ms(at, sizeof(at));
	if (c->rec_body) {
		body = c->rec_body;
		c->rec_body = NULL;
	} else if (c->bodylen == 0)
		body = cJSON_CreateNull();
	else if ((body = cJSON_ParseWithOpts(c->body, NULL, 1)) == NULL)
		body = cJSON_CreateString(c->body);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "method", c->method_name);
	cJSON_AddStringToObject(j, "path", c->path);
	if (c->query)
		cJSON_AddStringToObject(j, "query", c->query);
	cJSON_AddItemToObject(j, "body", body);
	cJSON_AddStringToObject(j, "at", at);
	cJSON_AddNumberToObject(j, "status", c->status);
	/* Headers a test may want to assert on (SPEC section 6). */
	if ((h = evhttp_find_header(in, "Content-Type")) != NULL)
		cJSON_AddStringToObject(j, "content_type", h);
	if ((h = evhttp_find_header(in, "Accept")) != NULL)
		cJSON_AddStringToObject(j, "accept", h);
	if (c->auth_header)
		cJSON_AddStringToObject(j, "auth_header", c->auth_header);
	line = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (line == NULL)
		return;
	if (st->record) {
		fprintf(st->record, "%s\n", line);
		flush_soon(st);
	}
	/* Kept as text: a tenth of the memory of the parsed tree, parsed again when asked for. */
	if (!st->o.no_records) {
		if (st->nrecords == st->caprecords) {
			size_t	 cap = st->caprecords ? st->caprecords * 2 : 256;

			if ((r = realloc(st->records, cap * sizeof(*r))) == NULL) {
				cJSON_free(line);
				return;
			}
			st->records = r;
			st->caprecords = cap;
		}
		r = &st->records[st->nrecords];
		snprintf(r->method, sizeof(r->method), "%s", c->method_name);
		if ((r->path = strdup(c->path)) == NULL) {
			cJSON_free(line);
			return;
		}
		r->line = line;
		st->nrecords++;
	} else
		cJSON_free(line);
}

/* --- statistics ------------------------------------------------------ */

void
stub_note_create(struct stub *st, long long recv_ms, long long sched_ms, int has_sched)
{
	struct stub_stats	*ss = &st->stats;
	long long		 late;
	int32_t			*nl;

	ss->creates++;
	if (ss->first_create_ms == 0)
		ss->first_create_ms = recv_ms;
	ss->last_create_ms = recv_ms;
	if (!has_sched)
		return;
	if (ss->nlate == ss->caplate) {
		size_t	cap = ss->caplate ? ss->caplate * 2 : 4096;

		if ((nl = realloc(ss->late, cap * sizeof(*nl))) == NULL)
			return;
		ss->late = nl;
		ss->caplate = cap;
	}
	late = recv_ms - sched_ms;
	if (late > INT32_MAX)
		late = INT32_MAX;
	if (late < INT32_MIN)
		late = INT32_MIN;
	ss->late[ss->nlate++] = (int32_t)late;
}

/* The k-th smallest of v[0..n) (0-based); v is reordered. Quickselect: a million in a few ms. */
static int32_t
select_kth(int32_t *v, size_t n, size_t k)
{
	size_t	lo = 0, hi = n - 1, i, j;
	int32_t	pivot, t;

	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Nearest-rank percentile p (0 < p <= 100) of n samples. */
static size_t
rank(size_t n, double p)
{
	size_t	r = (size_t)(p / 100.0 * (double)n + 0.999999999);

	return r == 0 ? 0 : r - 1;
}

static cJSON *
stats_json(struct stub *st)
{
	struct stub_stats	*ss = &st->stats;
	cJSON			*j = cJSON_CreateObject(), *o;
	int32_t			*copy, mn, mx;
	char			 at[64];
	size_t			 i;

	o = cJSON_AddObjectToObject(j, "creates");
	cJSON_AddNumberToObject(o, "requests", (double)ss->create_requests);
	cJSON_AddNumberToObject(o, "accepted", (double)ss->creates);
	if (ss->first_create_ms) {
		format_ms(ss->first_create_ms, at, sizeof(at));
		cJSON_AddStringToObject(o, "first_at", at);
		format_ms(ss->last_create_ms, at, sizeof(at));
		cJSON_AddStringToObject(o, "last_at", at);
	} else {
		cJSON_AddNullToObject(o, "first_at");
		cJSON_AddNullToObject(o, "last_at");
	}
	cJSON_AddNumberToObject(j, "execution_gets", (double)ss->execution_gets);
	o = cJSON_AddObjectToObject(j, "list_executions");
	cJSON_AddNumberToObject(o, "requests", (double)ss->list_requests);
	cJSON_AddNumberToObject(o, "returned", (double)ss->list_returned);
	cJSON_AddNumberToObject(j, "deletes", (double)ss->deletes);
	cJSON_AddNumberToObject(j, "launch_plan_gets", (double)ss->launch_plan_gets);
	cJSON_AddNumberToObject(j, "executions", (double)execs_count(st->execs));
	cJSON_AddNumberToObject(j, "hostile_answers", (double)ss->hostile);
	cJSON_AddNumberToObject(j, "injected_headers", (double)ss->injected);
	o = cJSON_AddObjectToObject(j, "lateness_ms");
	cJSON_AddNumberToObject(o, "count", (double)ss->nlate);
	if (ss->nlate > 0 && (copy = malloc(ss->nlate * sizeof(*copy))) != NULL) {
		memcpy(copy, ss->late, ss->nlate * sizeof(*copy));
		mn = mx = copy[0];
		for (i = 1; i < ss->nlate; i++) {
			if (copy[i] < mn)
				mn = copy[i];
			if (copy[i] > mx)
				mx = copy[i];
		}
		cJSON_AddNumberToObject(o, "min", mn);
		cJSON_AddNumberToObject(o, "p50", select_kth(copy, ss->nlate, rank(ss->nlate, 50)));
		cJSON_AddNumberToObject(o, "p99", select_kth(copy, ss->nlate, rank(ss->nlate, 99)));
		cJSON_AddNumberToObject(o, "max", mx);
		free(copy);
	} else {
		cJSON_AddNullToObject(o, "min");
		cJSON_AddNullToObject(o, "p50");
		cJSON_AddNullToObject(o, "p99");
		cJSON_AddNullToObject(o, "max");
	}
	rfc3339_ms(at, sizeof(at));
	cJSON_AddStringToObject(j, "now", at);
	return j;
}

static void
stats_reset(struct stub *st)
{
	free(st->stats.late);
	memset(&st->stats, 0, sizeof(st->stats));
}

/* Count a request on its route, whatever becomes of it (faults included). */
static void
count_route(struct stub *st, const struct call *c)
{
	struct stub_stats	*ss = &st->stats;
	int			 api = c->nsegs >= 3 && strcmp(c->segs[0], "api") == 0 &&
				    strcmp(c->segs[1], "v1") == 0;

	if (!api)
		return;
	if (strcmp(c->segs[2], "executions") == 0) {
		if (c->nsegs == 3 && c->method == EVHTTP_REQ_POST)
			ss->create_requests++;
		else if (c->nsegs == 5 && c->method == EVHTTP_REQ_GET)
			ss->list_requests++;
		else if (c->nsegs == 6 && c->method == EVHTTP_REQ_GET)
			ss->execution_gets++;
		else if (c->nsegs == 6 && c->method == EVHTTP_REQ_DELETE)
			ss->deletes++;
	} else if ((strcmp(c->segs[2], "launch_plans") == 0 ||
	    strcmp(c->segs[2], "active_launch_plans") == 0) && c->method == EVHTTP_REQ_GET)
		ss->launch_plan_gets++;
}

/* --- sending --------------------------------------------------------- */

static void
send_now(struct call *c)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(c->req);
	struct evbuffer		*b;

	if (c->close) {
		struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);

		/* A connection dropped without a reply, like a crashed Admin. */
		if (evcon)
			evhttp_connection_free(evcon);
		else
			evhttp_request_free(c->req);
		return;
	}
	evhttp_add_header(out, "Content-Type", c->ctype ? c->ctype : "application/json");
	if (c->www_auth)
		evhttp_add_header(out, "WWW-Authenticate", c->www_auth);
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(c->req, 500, NULL);
		return;
	}
	if (c->resp)
		evbuffer_add(b, c->resp, strlen(c->resp));
	evhttp_send_reply(c->req, c->status, reason(c->status), b);
	evbuffer_free(b);
}

static void
unlink_pending(struct stub *st, struct call *c)
{
	struct call	**pp;

	for (pp = &st->pending; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

static void
on_delayed(evutil_socket_t fd, short what, void *arg)
{
	struct call	*c = arg;

	(void)fd;
	(void)what;
	unlink_pending(c->st, c);
	send_now(c);
	call_free(c);
}

/* Log, record, then reply now or after the latency (closes are deferred out of evhttp's callback). */
static void
finish(struct call *c, int control)
{
	struct stub	*st = c->st;
	struct timeval	 tv = { 0, 0 };
	int		 delay_ms = control ? 0 : st->o.latency_ms;

	if (c->status == 0 && !c->close)
		call_error(c, 500, 13, "stub: no handler answered");
	log_call(st, c);
	if (!control && !c->close && !c->refused &&
	    (c->accepted || (c->status >= 200 && c->status < 300)))
		record_call(st, c);
	if (delay_ms == 0 && !c->close) {
		send_now(c);
		call_free(c);
		return;
	}
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	if ((c->timer = evtimer_new(st->base, on_delayed, c)) == NULL ||
	    evtimer_add(c->timer, &tv) == -1) {
		c->close = 0;
		send_now(c);
		call_free(c);
		return;
	}
	c->next = st->pending;
	st->pending = c;
}

/* --- routes ---------------------------------------------------------- */

static int
seg(const struct call *c, int i, const char *s)
{
	return i < c->nsegs && i < 8 && strcmp(c->segs[i], s) == 0;
}

static const char *const hostile_create_names[] = { "none", "html", "empty",
    "invalid-json", "error-object", NULL };
static const char *const hostile_token_names[] = { "none", "crlf", NULL };

/* The index of name in names, or -1. */
static int
name_index(const char *const *names, const char *name)
{
	for (int i = 0; name != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* POST /stub/hostile {"create": MODE, "token": MODE}: a key left out (or null) is "none". */
static void
hostile_set(struct stub *st, struct call *c)
{
	cJSON		*in;
	const cJSON	*create, *token;
	int		 cm = 0, tm = 0;

	if ((in = call_body_json(c)) == NULL)
		return;
	create = cJSON_GetObjectItemCaseSensitive(in, "create");
	token = cJSON_GetObjectItemCaseSensitive(in, "token");
	if ((create != NULL && !cJSON_IsNull(create) &&
	    (cm = name_index(hostile_create_names, cJSON_GetStringValue(create))) < 0) ||
	    (token != NULL && !cJSON_IsNull(token) &&
	    (tm = name_index(hostile_token_names, cJSON_GetStringValue(token))) < 0))
		call_error(c, 400, 3, "stub: want {\"create\": none|html|empty|invalid-json|"
		    "error-object, \"token\": none|crlf}");
	else {
		st->o.hostile_create = cm;
		st->o.hostile_token = tm;
		call_json(c, 200, cJSON_CreateObject());
	}
	cJSON_Delete(in);
}

static void
control(struct stub *st, struct call *c)
{
	if (c->nsegs == 2 && seg(c, 1, "requests") && c->method == EVHTTP_REQ_GET) {
		char	*method = call_query(c, "method"), *path = call_query(c, "path");
		cJSON	*out = cJSON_CreateArray(), *r;
		size_t	 i;

		for (i = 0; i < st->nrecords; i++) {
			const struct record *rec = &st->records[i];

			if (method && strcmp(method, rec->method) != 0)
				continue;
			if (path && strncmp(path, rec->path, strlen(path)) != 0)
				continue;
			if ((r = cJSON_Parse(rec->line)) != NULL)
				cJSON_AddItemToArray(out, r);
		}
		free(method);
		free(path);
		if (st->o.no_records) {
			cJSON_Delete(out);
			call_error(c, 404, 5, "stub: started with --no-records");
		} else
			call_json(c, 200, out);
	} else if (c->nsegs == 2 && seg(c, 1, "stats") && c->method == EVHTTP_REQ_GET) {
		call_json(c, 200, stats_json(st));
	} else if (c->nsegs == 2 && seg(c, 1, "reset") && c->method == EVHTTP_REQ_POST) {
		execs_reset(st->execs);
		records_clear(st);
		stats_reset(st);
		/* Lines still buffered belong to before the reset: out, then truncated. */
		if (st->record && (fflush(st->record) != 0 ||
		    ftruncate(fileno(st->record), 0) == -1))
			fprintf(stderr, "stub_admin: truncate record: %s\n", strerror(errno));
		call_json(c, 200, cJSON_CreateObject());
	} else if (c->nsegs == 2 && seg(c, 1, "revoke-tokens") && c->method == EVHTTP_REQ_POST) {
		oauth_revoke(st->oauth);
		call_json(c, 200, cJSON_CreateObject());
	} else if (c->nsegs == 6 && seg(c, 1, "executions") && seg(c, 5, "phase") &&
	    c->method == EVHTTP_REQ_POST) {
		execs_force_phase(st->execs, c);
	} else if (c->nsegs == 6 && seg(c, 1, "executions") && seg(c, 5, "forget") &&
	    c->method == EVHTTP_REQ_POST) {
		execs_forget(st->execs, c);
	} else if (c->nsegs == 2 && seg(c, 1, "hostile") && c->method == EVHTTP_REQ_POST) {
		hostile_set(st, c);
	} else
		call_error(c, 404, 5, "stub: no control endpoint %s %s", c->method_name, c->path);
}

static void
serve(struct stub *st, struct call *c)
{
	double	t = stub_elapsed(st);

	if (st->o.outage_start >= 0 && t >= st->o.outage_start && t < st->o.outage_end) {
		if (st->o.close_during_outage) {
			c->close = 1;
			snprintf(c->note, sizeof(c->note), "outage: connection closed");
		} else
			call_error(c, 503, 14, "stub: outage (%g s to %g s after start)",
			    st->o.outage_start, st->o.outage_end);
		return;
	}
	if (st->o.fail_rate > 0 && stub_random(st) < st->o.fail_rate) {
		call_error(c, 503, 14, "stub: injected failure (--fail-rate %g)", st->o.fail_rate);
		return;
	}
	if (c->nsegs >= 1 && seg(c, 0, "api") && st->o.auth && oauth_check(st->oauth, c) == -1)
		return;
	if (oauth_route(st->oauth, c) || execs_route(st->execs, c) ||
	    catalog_route(st->catalog, c))
		return;
	if (c->nsegs == 1 && seg(c, 0, "healthcheck") && c->method == EVHTTP_REQ_GET) {
		call_set(c, 200, strdup(""), "text/plain");
		return;
	}
	call_error(c, 404, 5, "Not Found");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct stub	*st = arg;
	struct call	*c;
	int		 control_path;

	if ((c = call_new(st, req)) == NULL) {
		evhttp_send_error(req, 500, "stub: out of memory");
		return;
	}
	control_path = c->nsegs >= 1 && seg(c, 0, "stub");
	if (!control_path)
		count_route(st, c);
	/* A header smuggled in through a poisoned token (--hostile-token crlf) is counted wherever it goes. */
	if (!control_path && evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Injected") != NULL)
		st->stats.injected++;
	if (control_path)
		control(st, c);
	else
		serve(st, c);
	finish(c, control_path);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct stub	*st = arg;

	(void)what;
	fprintf(stderr, "stub_admin: signal %d, exiting\n", (int)sig);
	event_base_loopexit(st->base, NULL);
}

/* --- setup ----------------------------------------------------------- */

static double
parse_double(const char *s, const char *opt, double lo, double hi)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "stub_admin: %s: bad value %s\n", opt, s);
		exit(2);
	}
	return v;
}

static char *
read_secret(const char *path)
{
	char	 buf[512];
	FILE	*f = fopen(path, "r");
	size_t	 n;

	if (f == NULL) {
		fprintf(stderr, "stub_admin: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Like the Go client: surrounding whitespace is not part of the secret. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return strdup(buf);
}

static void
parse_args(struct stub_opts *o, int argc, char **argv)
{
	enum { O_PORT = 1, O_PORT_FILE, O_CATALOG, O_RECORD, O_LOG, O_FAIL_RATE,
	    O_FAIL_SEED, O_LOST, O_LATENCY, O_OUTAGE, O_CLOSE, O_PHASE, O_SPREAD,
	    O_NO_RECORDS, O_AUTH,
	    O_CLIENT_ID, O_SECRET, O_SECRET_FILE, O_TTL, O_AUTH_HEADER, O_HOSTILE_CREATE,
	    O_HOSTILE_TOKEN, O_HELP };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "port-file", required_argument, NULL, O_PORT_FILE },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "record", required_argument, NULL, O_RECORD },
		{ "log", required_argument, NULL, O_LOG },
		{ "fail-rate", required_argument, NULL, O_FAIL_RATE },
		{ "fail-seed", required_argument, NULL, O_FAIL_SEED },
		{ "lost-reply-rate", required_argument, NULL, O_LOST },
		{ "latency-ms", required_argument, NULL, O_LATENCY },
		{ "outage", required_argument, NULL, O_OUTAGE },
		{ "close-during-outage", no_argument, NULL, O_CLOSE },
		{ "phase-after", required_argument, NULL, O_PHASE },
		{ "phase-spread", required_argument, NULL, O_SPREAD },
		{ "no-records", no_argument, NULL, O_NO_RECORDS },
		{ "auth", no_argument, NULL, O_AUTH },
		{ "client-id", required_argument, NULL, O_CLIENT_ID },
		{ "client-secret", required_argument, NULL, O_SECRET },
		{ "client-secret-file", required_argument, NULL, O_SECRET_FILE },
		{ "token-ttl", required_argument, NULL, O_TTL },
		{ "auth-header", required_argument, NULL, O_AUTH_HEADER },
		{ "hostile-create", required_argument, NULL, O_HOSTILE_CREATE },
		{ "hostile-token", required_argument, NULL, O_HOSTILE_TOKEN },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	char	*colon, *end;
	int	 ch;

	o->outage_start = o->outage_end = -1;
	o->token_ttl = 3600;
	o->fail_seed = 1;
	o->auth_header = "flyte-authorization";
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PORT:
			o->port = (int)parse_double(optarg, "--port", 0, 65535);
			break;
		case O_PORT_FILE:
			o->port_file = optarg;
			break;
		case O_CATALOG:
			o->catalog = optarg;
			break;
		case O_RECORD:
			o->record = optarg;
			break;
		case O_LOG:
			o->log = optarg;
			break;
		case O_FAIL_RATE:
			o->fail_rate = parse_double(optarg, "--fail-rate", 0, 1);
			break;
		case O_FAIL_SEED:
			errno = 0;
			o->fail_seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-') {
				fprintf(stderr, "stub_admin: --fail-seed: bad value %s\n", optarg);
				exit(2);
			}
			break;
		case O_LOST:
			o->lost_reply_rate = parse_double(optarg, "--lost-reply-rate", 0, 1);
			break;
		case O_LATENCY:
			o->latency_ms = (int)parse_double(optarg, "--latency-ms", 0, 600000);
			break;
		case O_OUTAGE:
			if ((colon = strchr(optarg, ':')) == NULL)
				usage();
			*colon = '\0';
			o->outage_start = parse_double(optarg, "--outage", 0, 1e9);
			o->outage_end = parse_double(colon + 1, "--outage", o->outage_start, 1e9);
			*colon = ':';
			break;
		case O_CLOSE:
			o->close_during_outage = 1;
			break;
		case O_PHASE:
			o->phase_after = parse_double(optarg, "--phase-after", 0, 1e9);
			break;
		case O_SPREAD:
			o->phase_spread = parse_double(optarg, "--phase-spread", 0, 1e9);
			break;
		case O_NO_RECORDS:
			o->no_records = 1;
			break;
		case O_AUTH:
			o->auth = 1;
			break;
		case O_CLIENT_ID:
			o->client_id = optarg;
			break;
		case O_SECRET:
			free(o->client_secret);
			o->client_secret = strdup(optarg);
			break;
		case O_SECRET_FILE:
			free(o->client_secret);
			o->client_secret = read_secret(optarg);
			break;
		case O_TTL:
			o->token_ttl = (int)parse_double(optarg, "--token-ttl", 1, 1e7);
			break;
		case O_AUTH_HEADER:
			o->auth_header = optarg;
			break;
		case O_HOSTILE_CREATE:
			if ((o->hostile_create = name_index(hostile_create_names, optarg)) < 0)
				usage();
			break;
		case O_HOSTILE_TOKEN:
			if ((o->hostile_token = name_index(hostile_token_names, optarg)) < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->catalog == NULL)
		usage();
	if (o->auth && (o->client_id == NULL || o->client_secret == NULL)) {
		fprintf(stderr, "stub_admin: --auth needs --client-id and a client secret\n");
		exit(2);
	}
}

/* Write the port to a temporary file and rename it, so a poller never reads half. */
static int
write_port_file(const char *path, int port)
{
	char	 tmp[PATH_MAX];
	FILE	*f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static FILE *
open_append(const char *path)
{
	FILE	*f;

	if (path == NULL)
		return NULL;
	if ((f = fopen(path, "a")) == NULL) {
		fprintf(stderr, "stub_admin: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	/* Written out by on_flush once per loop pass, never fsynced: a test file, not a journal. */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

int
main(int argc, char **argv)
{
	struct stub			 st;
	struct evhttp_bound_socket	*sock;
	struct event			*ev_term = NULL, *ev_int = NULL;
	struct sigaction		 sa;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof(sin);
	struct call			*c;
	char				 err[1024];
	int				 rc = 1;

	memset(&st, 0, sizeof(st));
	parse_args(&st.o, argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &st.start);
	st.rng = st.o.fail_seed;

	if ((st.catalog = catalog_load(st.o.catalog, err, sizeof(err))) == NULL) {
		fprintf(stderr, "stub_admin: %s: %s\n", st.o.catalog, err);
		goto out;
	}
	st.record = open_append(st.o.record);
	st.log = open_append(st.o.log);
	/* Two priorities: the flush (0) runs before the socket writes of a pass (1, the default). */
	if ((st.base = event_base_new()) == NULL || event_base_priority_init(st.base, 2) == -1 ||
	    (st.flush_ev = event_new(st.base, -1, 0, on_flush, &st)) == NULL ||
	    event_priority_set(st.flush_ev, 0) == -1 ||
	    (st.http = evhttp_new(st.base)) == NULL) {
		fprintf(stderr, "stub_admin: libevent setup failed\n");
		goto out;
	}
	evhttp_set_allowed_methods(st.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(st.http, 8 << 20);
	evhttp_set_gencb(st.http, on_request, &st);
	/* Loopback only: the stub has no business on other interfaces. */
	if ((sock = evhttp_bind_socket_with_handle(st.http, "127.0.0.1",
	    (ev_uint16_t)st.o.port)) == NULL) {
		fprintf(stderr, "stub_admin: bind 127.0.0.1:%d: %s\n", st.o.port, strerror(errno));
		goto out;
	}
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == -1) {
		fprintf(stderr, "stub_admin: getsockname: %s\n", strerror(errno));
		goto out;
	}
	st.port = ntohs(sin.sin_port);
	if ((st.execs = execs_new(&st)) == NULL || (st.oauth = oauth_new(&st)) == NULL) {
		fprintf(stderr, "stub_admin: out of memory\n");
		goto out;
	}
	if ((ev_term = evsignal_new(st.base, SIGTERM, on_signal, &st)) == NULL ||
	    (ev_int = evsignal_new(st.base, SIGINT, on_signal, &st)) == NULL ||
	    event_add(ev_term, NULL) == -1 || event_add(ev_int, NULL) == -1) {
		fprintf(stderr, "stub_admin: signal setup failed\n");
		goto out;
	}
	if (st.o.port_file && write_port_file(st.o.port_file, st.port) == -1) {
		fprintf(stderr, "stub_admin: %s: %s\n", st.o.port_file, strerror(errno));
		goto out;
	}
	fprintf(stderr, "stub_admin: listening on 127.0.0.1:%d (flyteidl %s)\n",
	    st.port, pjson_flyteidl_version());
	event_base_dispatch(st.base);
	rc = 0;
 out:
	/* Replies still waiting: requests whose client left are ours to free. */
	while ((c = st.pending) != NULL) {
		st.pending = c->next;
		if (evhttp_request_get_connection(c->req) == NULL)
			evhttp_request_free(c->req);
		call_free(c);
	}
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	if (st.http)
		evhttp_free(st.http);
	execs_free(st.execs);
	oauth_free(st.oauth);
	catalog_free(st.catalog);
	records_clear(&st);
	stats_reset(&st);
	if (st.flush_ev)
		event_free(st.flush_ev);
	if (st.record)
		fclose(st.record);
	if (st.log)
		fclose(st.log);
	if (st.base)
		event_base_free(st.base);
	libevent_global_shutdown();
	free(st.o.client_secret);
	return rc;
}
