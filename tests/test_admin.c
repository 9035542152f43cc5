/* test_admin.c: the Admin HTTP client against an evhttp server in the same loop: bodies, retries, bounds. */
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
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "schedd/admin.h"

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
};

struct outcome {
	long	status;
	int	attempts;
	char	body[256];
	int	done;
};

static void
on_done(const struct admin_response *r, void *arg)
{
	struct outcome	*o = arg;

	o->status = r->status;
	o->attempts = r->attempts;
	snprintf(o->body, sizeof(o->body), "%s", r->body);
	o->done = 1;
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
	assert_int_equal(admin_request(a, "POST", "/ok", "{\"x\":1}", on_done,
	    &o, &e), 0);
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
	struct err		 e;

	(void)state;
	srv.hits = 0;
	a = client(&cfg);
	assert_int_equal(admin_request(a, "GET", "/flaky", NULL, on_done, &flaky,
	    &e), 0);
	assert_int_equal(admin_request(a, "POST", "/bad", "{}", on_done, &bad,
	    &e), 0);
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
	struct err		 e;

	(void)state;
	a = client(&cfg);
	assert_int_equal(admin_request(a, "GET", "/denied", NULL, on_done, &o,
	    &e), 0);
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
	assert_int_equal(admin_request(a, "GET", "/ok", NULL, on_done, &o, &e), 0);
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
	struct err		 e;

	(void)state;
	memset(o, 0, sizeof(o));
	srv.max_concurrent = 0;
	a = client(&cfg);
	for (int i = 0; i < 10; i++)
		assert_int_equal(admin_request(a, "GET", "/slow", NULL, on_done,
		    &o[i], &e), 0);
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
	struct err		 e;

	(void)state;
	memset(o, 0, sizeof(o));
	a = client(&cfg);
	for (int i = 0; i < 5; i++)
		assert_int_equal(admin_request(a, "GET", "/slow", NULL, on_done,
		    &o[i], &e), 0);
	event_base_loop(srv.base, EVLOOP_NONBLOCK);
	admin_free(a);
	for (int i = 0; i < 5; i++)
		assert_int_equal(o[i].done, 0);
	/* Let the server finish its held replies to the closed connections. */
	for (int i = 0; i < 20 && srv.concurrent > 0; i++)
		event_base_loop(srv.base, EVLOOP_ONCE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_and_headers),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_transient),
		cmocka_unit_test(test_unauthorized_not_resent),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_inflight_bound),
		cmocka_unit_test(test_free_busy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
