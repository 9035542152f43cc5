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
	    "         [--phase-after S] [--auth --client-id ID (--client-secret S |\n"
	    "         --client-secret-file F) [--token-ttl S] [--auth-header NAME]]\n");
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

static void
rfc3339_ms(char *buf, size_t len)
{
	long long	secs;
	int		nanos;
	char		tmp[64];
	size_t		n;

	stub_wallclock(&secs, &nanos);
	pjson_format_timestamp(secs, 0, tmp, sizeof(tmp));
	n = strlen(tmp);
	if (n > 0)
		tmp[n - 1] = '\0';	/* drop the Z */
	snprintf(buf, len, "%s.%03dZ", tmp, nanos / 1000000);
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
		fflush(st->log);
		cJSON_free(line);
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
	if (st->record && (line = cJSON_PrintUnformatted(j)) != NULL) {
		fprintf(st->record, "%s\n", line);
		fflush(st->record);
		cJSON_free(line);
	}
	cJSON_AddItemToArray(st->records, j);
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
	if (!control && !c->close && (c->accepted || (c->status >= 200 && c->status < 300)))
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

static void
control(struct stub *st, struct call *c)
{
	if (c->nsegs == 2 && seg(c, 1, "requests") && c->method == EVHTTP_REQ_GET) {
		char	*method = call_query(c, "method"), *path = call_query(c, "path");
		cJSON	*out = cJSON_CreateArray(), *r;

		cJSON_ArrayForEach(r, st->records) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "method");
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "path");

			if (method && strcmp(method, m->valuestring) != 0)
				continue;
			if (path && strncmp(path, p->valuestring, strlen(path)) != 0)
				continue;
			cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1));
		}
		free(method);
		free(path);
		call_json(c, 200, out);
	} else if (c->nsegs == 2 && seg(c, 1, "reset") && c->method == EVHTTP_REQ_POST) {
		execs_reset(st->execs);
		cJSON_Delete(st->records);
		st->records = cJSON_CreateArray();
		if (st->record && ftruncate(fileno(st->record), 0) == -1)
			fprintf(stderr, "stub_admin: truncate record: %s\n", strerror(errno));
		call_json(c, 200, cJSON_CreateObject());
	} else if (c->nsegs == 2 && seg(c, 1, "revoke-tokens") && c->method == EVHTTP_REQ_POST) {
		oauth_revoke(st->oauth);
		call_json(c, 200, cJSON_CreateObject());
	} else if (c->nsegs == 6 && seg(c, 1, "executions") && seg(c, 5, "phase") &&
	    c->method == EVHTTP_REQ_POST) {
		execs_force_phase(st->execs, c);
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
	    O_FAIL_SEED, O_LOST, O_LATENCY, O_OUTAGE, O_CLOSE, O_PHASE, O_AUTH,
	    O_CLIENT_ID, O_SECRET, O_SECRET_FILE, O_TTL, O_AUTH_HEADER, O_HELP };
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
		{ "auth", no_argument, NULL, O_AUTH },
		{ "client-id", required_argument, NULL, O_CLIENT_ID },
		{ "client-secret", required_argument, NULL, O_SECRET },
		{ "client-secret-file", required_argument, NULL, O_SECRET_FILE },
		{ "token-ttl", required_argument, NULL, O_TTL },
		{ "auth-header", required_argument, NULL, O_AUTH_HEADER },
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
	st.records = cJSON_CreateArray();
	if ((st.base = event_base_new()) == NULL || (st.http = evhttp_new(st.base)) == NULL) {
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
	cJSON_Delete(st.records);
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
