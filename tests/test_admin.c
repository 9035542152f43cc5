/* test_admin.c: the Admin HTTP client against an evhttp server in the same loop: bodies, retries, bounds, lanes. */
#define _GNU_SOURCE	/* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <sys/socket.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "schedd/admin.h"
#include "schedd/log.h"

struct server {
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;
	int			 hits;		/* requests seen on /flaky */
	int			 concurrent;	/* requests held open now */
	int			 max_concurrent;
	char			 last_auth[256];
	char			 last_body[256];
	char			 last_method[16];
	char			 seen[256];	/* the x of each /seq/x, in arrival order */
	int			 injected;	/* requests that carried an X-Injected header */
	char			 token_auth[256];	/* Authorization of the last /token request */
	int			 poisoned;	/* requests to /poisoned-token */
};

struct outcome {
	long	status;
	int	attempts;
	char	body[256];
	int	done;
	int	order;		/* 1 for the first outcome since the last reset, ... */
};

static int	outcomes;	/* outcomes seen since the last reset */

static void
on_done(const struct admin_response *r, void *arg)
{
	struct outcome	*o = arg;

	o->status = r->status;
	o->attempts = r->attempts;
	snprintf(o->body, sizeof(o->body), "%s", r->body);
	o->done = 1;
	o->order = ++outcomes;
}

static void
reply(struct evhttp_request *req, int code, const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add_printf(b, "%s", body);
	evhttp_send_reply(req, code, "x", b);
	evbuffer_free(b);
}

struct held {
	struct server		*s;
	struct evhttp_request	*req;
};

static void
release(evutil_socket_t fd, short what, void *arg)
{
	struct held	*h = arg;

	(void)fd;
	(void)what;
	h->s->concurrent--;
	reply(h->req, 200, "{\"slow\":true}");
	free(h);
}

static void
handle(struct evhttp_request *req, void *arg)
{
	struct server	*s = arg;
	const char	*uri = evhttp_request_get_uri(req);
	const char	*auth = evhttp_find_header(evhttp_request_get_input_headers(req),
			    "authorization");
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 n = evbuffer_get_length(in);

	if (evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Injected") != NULL)
		s->injected++;
	snprintf(s->last_auth, sizeof(s->last_auth), "%s", auth ? auth : "");
	if (n >= sizeof(s->last_body))
		n = sizeof(s->last_body) - 1;
	evbuffer_copyout(in, s->last_body, n);
	s->last_body[n] = '\0';
	snprintf(s->last_method, sizeof(s->last_method), "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" :
	    evhttp_request_get_command(req) == EVHTTP_REQ_DELETE ? "DELETE" :
	    "GET");
	if (strcmp(uri, "/ok") == 0)
		reply(req, 200, "{\"ok\":true}");
	else if (strcmp(uri, "/flaky") == 0) {
		s->hits++;
		reply(req, s->hits <= 2 ? 503 : 200, s->hits <= 2 ? "busy" :
		    "{\"ok\":true}");
	}
	else if (strcmp(uri, "/bad") == 0)
		reply(req, 400, "{\"code\":3,\"message\":\"bad input\"}");
	else if (strcmp(uri, "/denied") == 0)
		reply(req, 401, "{\"code\":16,\"message\":\"unauthenticated\"}");
	else if (strcmp(uri, "/token") == 0) {
		snprintf(s->token_auth, sizeof(s->token_auth), "%s", s->last_auth);
		reply(req, 200, "{\"access_token\":\"tok\",\"expires_in\":3600}");
	}
	else if (strcmp(uri, "/poisoned-token") == 0)
		/* First a token with a header smuggled after it, then a good one. */
		reply(req, 200, ++s->poisoned == 1 ? "{\"access_token\":\"good-token"
		    "\\r\\nX-Injected: yes\",\"expires_in\":3600}" :
		    "{\"access_token\":\"good-token\",\"expires_in\":3600}");
	else if (strncmp(uri, "/seq/", 5) == 0) {
		size_t	len = strlen(s->seen);

		snprintf(s->seen + len, sizeof(s->seen) - len, "%s%s",
		    len ? " " : "", uri + 5);
		reply(req, 200, "{}");
	}
	else if (strcmp(uri, "/slow") == 0) {
		struct held	*h = malloc(sizeof(*h));
		struct timeval	 tv = { 0, 50000 };

		h->s = s;
		h->req = req;
		if (++s->concurrent > s->max_concurrent)
			s->max_concurrent = s->concurrent;
		event_base_once(s->base, -1, EV_TIMEOUT, release, h, &tv);
	} else
		reply(req, 404, "{}");
}

static struct server	srv;

static int
setup(void **state)
{
	struct evhttp_bound_socket	*sock;
	struct sockaddr_storage		 ss;
	ev_socklen_t			 len = sizeof(ss);

	memset(&srv, 0, sizeof(srv));
	srv.base = event_base_new();
	srv.http = evhttp_new(srv.base);
	evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(srv.http, handle, &srv);
	sock = evhttp_bind_socket_with_handle(srv.http, "127.0.0.1", 0);
	assert_non_null(sock);
	getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss,
	    &len);
	srv.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*state = &srv;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	evhttp_free(srv.http);
	event_base_free(srv.base);
	return 0;
}

static struct admin *
client(struct admin_config *cfg)
{
	static char	endpoint[64];
	struct admin	*a;
	struct err	 e;

	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", srv.port);
	cfg->endpoint = endpoint;
	cfg->backoff_ms = cfg->backoff_ms ? cfg->backoff_ms : 10;
	assert_int_equal(admin_new(srv.base, cfg, &a, &e), 0);
	return a;
}

/* Queue a request whose outcome goes to o. */
static void
ask(struct admin *a, enum admin_lane lane, const char *method,
    const char *path, const char *body, struct outcome *o)
{
	struct err	e;

	assert_int_equal(admin_request(a, lane, method, path, body, on_done, o,
	    &e), 0);
}

/* Run the loop until every request has called back (bounded). */
static void
run_until_idle(struct admin *a)
{
	for (int i = 0; i < 5000 && admin_pending(a) > 0; i++)
		event_base_loop(srv.base, EVLOOP_ONCE);
	assert_int_equal(admin_pending(a), 0);
}

static void
test_body_and_headers(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 4, .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 o = { 0 };
	struct err		 e;

	(void)state;
	a = client(&cfg);
	assert_int_equal(admin_set_token(a, "tok123", &e), 0);
	ask(a, ADMIN_LANE_FIRE, "POST", "/ok", "{\"x\":1}", &o);
	run_until_idle(a);
	assert_int_equal(o.status, 200);
	assert_int_equal(o.attempts, 1);
	assert_string_equal(o.body, "{\"ok\":true}");
	assert_string_equal(srv.last_auth, "Bearer tok123");
	assert_string_equal(srv.last_body, "{\"x\":1}");
	assert_string_equal(srv.last_method, "POST");
	admin_free(a);
}

static void
test_retries(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 4, .max_attempts = 5 };
	struct admin		*a;
	struct outcome		 flaky = { 0 }, bad = { 0 };

	(void)state;
	srv.hits = 0;
	a = client(&cfg);
	ask(a, ADMIN_LANE_FIRE, "GET", "/flaky", NULL, &flaky);
	ask(a, ADMIN_LANE_FIRE, "POST", "/bad", "{}", &bad);
	run_until_idle(a);
	assert_int_equal(flaky.status, 200);	/* two 503s, then success */
	assert_int_equal(flaky.attempts, 3);
	assert_int_equal(bad.status, 400);	/* permanent: not retried */
	assert_int_equal(bad.attempts, 1);
	assert_string_equal(bad.body, "{\"code\":3,\"message\":\"bad input\"}");
	admin_free(a);
}

/* One rule for "may succeed later": no response, 401, 429, 5xx. */
static void
test_transient(void **state)
{
	static const struct {
		long	status;
		int	transient;
	} cases[] = {
		{ 0, 1 }, { 200, 0 }, { 201, 0 }, { 400, 0 }, { 401, 1 },
		{ 403, 0 }, { 404, 0 }, { 409, 0 }, { 429, 1 }, { 499, 0 },
		{ 500, 1 }, { 502, 1 }, { 503, 1 }, { 504, 1 }, { 599, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (admin_transient(cases[i].status) != cases[i].transient) {
			print_error("status %ld\n", cases[i].status);
			fail();
		}
}

/* A 401 without client credentials: no token to refresh, no backoff resend; the caller retries later. */
static void
test_unauthorized_not_resent(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 4, .max_attempts = 5 };
	struct admin		*a;
	struct outcome		 o = { 0 };

	(void)state;
	a = client(&cfg);
	ask(a, ADMIN_LANE_FIRE, "GET", "/denied", NULL, &o);
	run_until_idle(a);
	assert_int_equal(o.status, 401);
	assert_int_equal(o.attempts, 1);
	assert_true(admin_transient(o.status));
	admin_free(a);
}

/* A loopback port nobody listens on: bind one, then close it. */
static int
closed_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_connection_refused(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 1, .max_attempts = 3 };
	struct admin		*a;
	struct outcome		 o = { 0 };
	struct err		 e;
	char			 endpoint[64];

	(void)state;
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", closed_port());
	cfg.endpoint = endpoint;
	cfg.backoff_ms = 5;
	assert_int_equal(admin_new(srv.base, &cfg, &a, &e), 0);
	ask(a, ADMIN_LANE_FIRE, "GET", "/ok", NULL, &o);
	run_until_idle(a);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.attempts, 3);
	admin_free(a);
}

static void
test_inflight_bound(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 3, .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 o[10];

	(void)state;
	memset(o, 0, sizeof(o));
	srv.max_concurrent = 0;
	a = client(&cfg);
	for (int i = 0; i < 10; i++)
		ask(a, ADMIN_LANE_FIRE, "GET", "/slow", NULL, &o[i]);
	run_until_idle(a);
	for (int i = 0; i < 10; i++)
		assert_int_equal(o[i].status, 200);
	assert_int_equal(srv.max_concurrent, 3);
	admin_free(a);
}

/* Freeing with requests queued and in flight calls nothing back and leaks nothing. */
static void
test_free_busy(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 2, .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 o[5];

	(void)state;
	memset(o, 0, sizeof(o));
	a = client(&cfg);
	for (int i = 0; i < 5; i++)
		ask(a, ADMIN_LANE_FIRE, "GET", "/slow", NULL, &o[i]);
	event_base_loop(srv.base, EVLOOP_NONBLOCK);
	admin_free(a);
	for (int i = 0; i < 5; i++)
		assert_int_equal(o[i].done, 0);
	/* Let the server finish its held replies to the closed connections. */
	for (int i = 0; i < 20 && srv.concurrent > 0; i++)
		event_base_loop(srv.base, EVLOOP_ONCE);
}

/* 20 WATCH look-ups queued do not delay a fire: it has a FIRE slot, they never take one. */
static void
test_watch_queue_apart(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 2, .watch_inflight = 1,
				    .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 watch[20], fire = { 0 };

	(void)state;
	memset(watch, 0, sizeof(watch));
	outcomes = 0;
	srv.max_concurrent = 0;
	a = client(&cfg);
	for (int i = 0; i < 20; i++)
		ask(a, ADMIN_LANE_WATCH, "GET", "/slow", NULL, &watch[i]);
	ask(a, ADMIN_LANE_FIRE, "GET", "/ok", NULL, &fire);
	run_until_idle(a);
	/* Each look-up is held 50 ms, one at a time: the fire went at once, beside the first. */
	assert_int_equal(fire.status, 200);
	assert_int_equal(fire.order, 1);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(watch[i].status, 200);
		assert_int_equal(watch[i].order, i + 2);
	}
	assert_int_equal(srv.max_concurrent, 1);
	admin_free(a);
}

/* Fires queue for their one slot: the look-up waits until the last fire has started. */
static void
test_watch_waits_while_fires_queue(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 1, .watch_inflight = 4,
				    .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 fire[3], watch = { 0 };

	(void)state;
	memset(fire, 0, sizeof(fire));
	outcomes = 0;
	a = client(&cfg);
	for (int i = 0; i < 3; i++)
		ask(a, ADMIN_LANE_FIRE, "GET", "/slow", NULL, &fire[i]);
	ask(a, ADMIN_LANE_WATCH, "GET", "/ok", NULL, &watch);
	run_until_idle(a);
	/* Without the wait the quick look-up would answer first; it starts beside the third fire. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(fire[i].status, 200);
	assert_int_equal(fire[0].order, 1);
	assert_int_equal(fire[1].order, 2);
	assert_int_equal(watch.status, 200);
	assert_int_equal(watch.order, 3);
	assert_int_equal(fire[2].order, 4);
	admin_free(a);
}

/* The WATCH lane's token bucket: 5/s, 5 at once, then one each 0.2 s; the FIRE lane is not slowed. */
static void
test_watch_rate(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 4, .watch_inflight = 4,
				    .watch_rate = 5, .max_attempts = 1 };
	struct admin		*a;
	struct outcome		 watch[12], fire[6];
	struct timeval		 one_second = { 1, 0 };
	int			 n = 0;

	(void)state;
	memset(watch, 0, sizeof(watch));
	memset(fire, 0, sizeof(fire));
	a = client(&cfg);
	for (int i = 0; i < 12; i++)
		ask(a, ADMIN_LANE_WATCH, "GET", "/ok", NULL, &watch[i]);
	for (int i = 0; i < 6; i++)
		ask(a, ADMIN_LANE_FIRE, "GET", "/ok", NULL, &fire[i]);
	event_base_loopexit(srv.base, &one_second);
	event_base_dispatch(srv.base);
	for (int i = 0; i < 12; i++)
		n += watch[i].done;
	/* 5 + 5 at most in a second; 8 at least even on a slow, loaded host. */
	if (n < 8 || n > 10) {
		print_error("%d look-ups answered in the first second\n", n);
		fail();
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(fire[i].status, 200);
	run_until_idle(a);
	for (int i = 0; i < 12; i++)
		assert_int_equal(watch[i].status, 200);
	admin_free(a);
}

/* Both lanes waiting (here for the first token): the FIRE lane's request goes first. */
static void
test_fire_first(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 1, .watch_inflight = 1,
				    .max_attempts = 1, .client_id = "schedd",
				    .client_secret = "secret" };
	struct admin		*a;
	struct outcome		 o[4];
	char			 token_url[64];

	(void)state;
	memset(o, 0, sizeof(o));
	srv.seen[0] = '\0';
	snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%d/token",
	    srv.port);
	cfg.token_url = token_url;
	a = client(&cfg);
	ask(a, ADMIN_LANE_WATCH, "GET", "/seq/w1", NULL, &o[0]);
	ask(a, ADMIN_LANE_WATCH, "GET", "/seq/w2", NULL, &o[1]);
	ask(a, ADMIN_LANE_FIRE, "GET", "/seq/f1", NULL, &o[2]);
	ask(a, ADMIN_LANE_FIRE, "GET", "/seq/f2", NULL, &o[3]);
	assert_string_equal(srv.seen, "");	/* all four wait for the token */
	run_until_idle(a);
	for (int i = 0; i < 4; i++)
		assert_int_equal(o[i].status, 200);
	assert_string_equal(srv.last_auth, "Bearer tok");
	if (strncmp(srv.seen, "f1 ", 3) != 0) {
		print_error("arrived: %s\n", srv.seen);
		fail();
	}
	admin_free(a);
}

/*
 * libcurl's memory, watched through curl_global_init_mem: each block it
 * frees is searched for `watched` before it goes.
 */
struct block {
	size_t	size;
	size_t	pad;		/* keeps the memory handed out 16-byte aligned */
};

static const char	*watched;	/* NULL: not looking */
static int		 curl_frees;	/* blocks libcurl freed while watching */
static int		 curl_held;	/* of those, holding `watched` */

static void *
hook_malloc(size_t size)
{
	struct block	*b = malloc(sizeof(*b) + size);

	if (b == NULL)
		return NULL;
	b->size = size;
	return b + 1;
}

static void
hook_free(void *p)
{
	struct block	*b = p != NULL ? (struct block *)p - 1 : NULL;

	if (b == NULL)
		return;
	if (watched != NULL) {
		curl_frees++;
		if (memmem(p, b->size, watched, strlen(watched)) != NULL)
			curl_held++;
	}
	free(b);
}

static void *
hook_realloc(void *p, size_t size)
{
	void	*q;

	if (p == NULL)
		return hook_malloc(size);
	if ((q = hook_malloc(size)) == NULL)
		return NULL;
	memcpy(q, p, ((struct block *)p - 1)->size < size ?
	    ((struct block *)p - 1)->size : size);
	hook_free(p);
	return q;
}

static char *
hook_strdup(const char *s)
{
	char	*copy = hook_malloc(strlen(s) + 1);

	if (copy != NULL)
		strcpy(copy, s);
	return copy;
}

static void *
hook_calloc(size_t n, size_t size)
{
	void	*p = hook_malloc(n * size);

	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

/*
 * The client secret goes to the token endpoint as HTTP Basic (id:secret,
 * base64) in a header the client makes and wipes: libcurl never holds the
 * secret itself (it kept CURLOPT_PASSWORD's copy until the handle went, and
 * freed it unwiped).
 */
static void
test_secret_not_left_to_libcurl(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 1, .max_attempts = 1,
				    .client_id = "schedd",
				    .client_secret = "Zq7xK2-never-in-curl" };
	struct admin		*a;
	struct outcome		 o = { 0 };
	char			 token_url[64];

	(void)state;
	snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%d/token",
	    srv.port);
	cfg.token_url = token_url;
	curl_frees = curl_held = 0;
	watched = cfg.client_secret;
	a = client(&cfg);
	ask(a, ADMIN_LANE_FIRE, "GET", "/ok", NULL, &o);
	run_until_idle(a);
	admin_free(a);
	watched = NULL;
	assert_int_equal(o.status, 200);
	/* base64("schedd:Zq7xK2-never-in-curl") */
	assert_string_equal(srv.token_auth,
	    "Basic c2NoZWRkOlpxN3hLMi1uZXZlci1pbi1jdXJs");
	assert_true(curl_frees > 0);
	assert_int_equal(curl_held, 0);
}

/*
 * A token with a CRLF and a header after it is never copied into a header:
 * logged once, refused as a failed fetch, and the next fetch (after the
 * backoff) brings a good one the request goes with.
 */
static void
test_poisoned_token_refused(void **state)
{
	struct admin_config	 cfg = { .max_inflight = 1, .max_attempts = 1,
				    .client_id = "schedd", .client_secret = "secret" };
	struct admin		*a;
	struct outcome		 o = { 0 };
	struct log		 lg = { .level = LOG_LEVEL_DEBUG };
	char			 token_url[64], *logbuf = NULL;
	size_t			 loglen = 0;

	(void)state;
	srv.injected = srv.poisoned = 0;
	assert_non_null(lg.out = open_memstream(&logbuf, &loglen));
	snprintf(token_url, sizeof(token_url), "http://127.0.0.1:%d/poisoned-token",
	    srv.port);
	cfg.token_url = token_url;
	cfg.log = &lg;
	a = client(&cfg);
	ask(a, ADMIN_LANE_FIRE, "GET", "/ok", NULL, &o);
	run_until_idle(a);
	admin_free(a);
	fclose(lg.out);
	assert_int_equal(o.status, 200);
	assert_int_equal(srv.poisoned, 2);
	assert_int_equal(srv.injected, 0);
	assert_string_equal(srv.last_auth, "Bearer good-token");
	assert_string_equal(logbuf, "<4>oauth: token endpoint answered a token that "
	    "is not an RFC 6750 b64token (27 characters); refused, fetching "
	    "another after a backoff\n");
	free(logbuf);
}

/* What may go into a header or a URL: RFC 6750 tokens, RFC 9110 header names, URLs curl takes. */
static void
test_header_and_url_checks(void **state)
{
	static const struct {
		const char	*token;
		int		 ok;
	} tokens[] = {
		{ "abc", 1 }, { "eyJh.eyJz-_~+/x", 1 }, { "tok==", 1 }, { "", 0 },
		{ "=", 0 }, { "a=b", 0 }, { "a b", 0 }, { "good\r\nX-Injected: yes", 0 },
		{ "tok\n", 0 }, { "t\xc3\xa9", 0 }, { "a,b", 0 },
	};
	static const struct {
		const char	*url;
		const char	*why;
	} urls[] = {
		{ "http://127.0.0.1:8088", NULL }, { "https://flyte.example.com", NULL },
		{ "http://[::1]:8088", NULL },
		{ "http://[::1", "Bad IPv6 address" },
		{ "http://127.0.0.1:1\r\nX: y", "a control character (0x0d)" },
		{ "http://h\x7f", "a control character (0x7f)" },
		{ "ftp://host", "not http or https" },
		{ "http://", "No host part in the URL" },
		{ "http://host:99999", "Port number was not a decimal number between 0 and 65535" },
	};
	struct admin_config	 cfg = { .max_inflight = 1, .max_attempts = 1 };
	struct admin		*a;
	struct err		 e;
	char			 why[256];
	char			 long_name[ADMIN_HEADER_NAME_MAX + 2];

	(void)state;
	a = client(&cfg);
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if ((admin_set_token(a, tokens[i].token, &e) == 0) != tokens[i].ok) {
			print_error("token %zu: want %s\n", i, tokens[i].ok ? "ok" :
			    "refused");
			fail();
		}
	admin_free(a);
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		why[0] = '\0';
		assert_int_equal(admin_url_valid(urls[i].url, why, sizeof(why)),
		    urls[i].why == NULL);
		if (urls[i].why != NULL)
			assert_string_equal(why, urls[i].why);
	}
	assert_true(admin_header_name_valid("authorization"));
	assert_true(admin_header_name_valid("flyte-authorization"));
	assert_false(admin_header_name_valid(""));
	assert_false(admin_header_name_valid("x-auth\r\nX-Injected"));
	assert_false(admin_header_name_valid("x auth"));
	assert_false(admin_header_name_valid("x-auth:"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(admin_header_name_valid(long_name));
	long_name[sizeof(long_name) - 2] = '\0';
	assert_true(admin_header_name_valid(long_name));
	/* The client refuses them as well as the config does. */
	cfg.auth_header = "x-auth\r\nX-Injected: yes";
	{
		static char	endpoint[64];

		snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", srv.port);
		cfg.endpoint = endpoint;
		assert_int_equal(admin_new(srv.base, &cfg, &a, &e), -1);
		assert_string_equal(e.msg, "admin client: the authorization header is "
		    "not an HTTP header name");
		cfg.auth_header = NULL;
		cfg.endpoint = "http://[::1";
		assert_int_equal(admin_new(srv.base, &cfg, &a, &e), -1);
		assert_string_equal(e.msg, "admin client: Bad IPv6 address");
	}
}

int
main(void)
{
	/* Before any other use of libcurl: its memory goes through the hooks (test_secret_not_left_to_libcurl). */
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, hook_malloc, hook_free,
	    hook_realloc, hook_strdup, hook_calloc) != CURLE_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_and_headers),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_transient),
		cmocka_unit_test(test_unauthorized_not_resent),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_inflight_bound),
		cmocka_unit_test(test_watch_waits_while_fires_queue),
		cmocka_unit_test(test_free_busy),
		cmocka_unit_test(test_watch_queue_apart),
		cmocka_unit_test(test_watch_rate),
		cmocka_unit_test(test_fire_first),
		cmocka_unit_test(test_secret_not_left_to_libcurl),
		cmocka_unit_test(test_poisoned_token_refused),
		cmocka_unit_test(test_header_and_url_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
