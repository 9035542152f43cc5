/* admin.c: HTTP to Flyte Admin: libcurl multi driven by libevent, as curl's hiperfifo.c, hardened, with a FIRE and a WATCH lane. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "admin_int.h"

#define BODY_MAX	(4 << 20)	/* largest response we keep */
#define BACKOFF_CAP_MS	30000

/* Request latency: the methods measured apart (the last catches the rest), and the buckets (s). */
static const char *const	latency_methods[ADMIN__NMETHODS] = { "GET", "POST",
				    "DELETE", "other" };
static const double		latency_bounds[] = { 0.005, 0.01, 0.025, 0.05,
				    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

/* One socket curl asked us to watch. */
struct admin_socket {
	struct event	*ev;
};

double
admin__monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A handle for one attempt. Handles are reused, as curl advises: a new one
 * allocates its buffers afresh, and a burst of creates spent a third of its
 * time in malloc and free.
 */
static CURL *
easy_take(struct admin *a)
{
	if (a->nidle > 0)
		return a->idle[--a->nidle];
	return curl_easy_init();
}

/* Detach r's handle from the multi handle and keep it for the next attempt. */
static void
easy_give(struct admin_request *r)
{
	struct admin	*a = r->admin;

	if (r->easy == NULL)
		return;
	curl_multi_remove_handle(a->multi, r->easy);
	if (a->nidle < ADMIN__IDLE_MAX) {
		curl_easy_reset(r->easy);
		a->idle[a->nidle++] = r->easy;
	} else
		curl_easy_cleanup(r->easy);
	r->easy = NULL;
}

/*
 * Free r's headers. The token flow's carry the client's id and secret (its
 * HTTP Basic header, built by oauth.c): wiped first.
 */
static void
headers_free(struct admin_request *r)
{
	if (r->internal)
		for (struct curl_slist *h = r->headers; h != NULL; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(r->headers);
	r->headers = NULL;
}

/* Free r, unlinking it from the live list when it was linked. */
static void
request_free(struct admin_request *r)
{
	if (r == NULL)
		return;
	if (r->admin != NULL) {
		if (r->live_prev != NULL)
			r->live_prev->live_next = r->live_next;
		else if (r->admin->live == r)
			r->admin->live = r->live_next;
		if (r->live_next != NULL)
			r->live_next->live_prev = r->live_prev;
		r->admin->nlive--;
	}
	easy_give(r);
	if (r->retry != NULL)
		event_free(r->retry);
	headers_free(r);
	free(r->method);
	free(r->url);
	free(r->body);
	free(r->response);
	free(r);
}

static size_t
write_body(char *data, size_t size, size_t n, void *arg)
{
	struct admin_request	*r = arg;
	size_t			 len = size * n;
	char			*bigger;

	if (r->length + len > BODY_MAX)
		return 0;	/* makes the transfer fail: CURLE_WRITE_ERROR */
	if ((bigger = realloc(r->response, r->length + len + 1)) == NULL)
		return 0;
	memcpy(bigger + r->length, data, len);
	r->response = bigger;
	r->length += len;
	r->response[r->length] = '\0';
	return len;
}

void
admin__queue_push(struct admin *a, struct admin_request *r, int front)
{
	struct admin__lane	*l = &a->lanes[r->lane];

	r->next = NULL;
	if (l->head == NULL)
		l->head = l->tail = r;
	else if (front) {
		r->next = l->head;
		l->head = r;
	} else {
		l->tail->next = r;
		l->tail = r;
	}
}

void
admin__queue_fail(struct admin *a, const char *why)
{
	struct admin_request	*r, *list[ADMIN__NLANES];
	size_t			 i;

	/* Detach the queues first: a callback may queue a new request, which waits. */
	for (i = 0; i < ADMIN__NLANES; i++) {
		list[i] = a->lanes[i].head;
		a->lanes[i].head = a->lanes[i].tail = NULL;
	}
	for (i = 0; i < ADMIN__NLANES; i++)
		while ((r = list[i]) != NULL) {
			list[i] = r->next;
			snprintf(r->error, sizeof(r->error), "%s", why);
			admin__request_finish(r, 0);
		}
}

int
admin__token_valid(const char *token)
{
	size_t	n = strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~+/");

	if (n == 0)
		return 0;
	n += strspn(token + n, "=");
	return token[n] == '\0' && n <= ADMIN__TOKEN_MAX;
}

int
admin_header_name_valid(const char *name)
{
	size_t	n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789!#$%&'*+-.^_`|~");

	return n > 0 && name[n] == '\0' && n <= ADMIN_HEADER_NAME_MAX;
}

int
admin_url_valid(const char *url, char *why, size_t len)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		*scheme = NULL, *host = NULL;
	int		 ok = 0;

	for (const char *p = url; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, len, "a control character (0x%02x)",
			    (unsigned char)*p);
			return 0;
		}
	if ((u = curl_url()) == NULL) {
		snprintf(why, len, "out of memory");
		return 0;
	}
	/* The parser curl itself will use: what it refuses here it would refuse at every request. */
	if ((rc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK)
		snprintf(why, len, "%s", curl_url_strerror(rc));
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		snprintf(why, len, "not http or https");
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0')
		snprintf(why, len, "no host");
	else
		ok = 1;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

int
admin__request_start(struct admin *a, struct admin_request *r)
{
	/* Both parts checked before they get here: a header name and a b64token. */
	char	header[ADMIN_HEADER_NAME_MAX + ADMIN__TOKEN_MAX + 16];

	r->attempts++;
	free(r->response);
	r->response = NULL;
	r->length = 0;
	r->error[0] = '\0';
	headers_free(r);
	if ((r->easy = easy_take(a)) == NULL)
		goto fail;
	r->headers = curl_slist_append(r->headers, "Accept: application/json");
	if (r->body != NULL) {
		snprintf(header, sizeof(header), "Content-Type: %s",
		    r->content_type ? r->content_type : "application/json");
		r->headers = curl_slist_append(r->headers, header);
	}
	if (a->token != NULL && !r->internal) {
		snprintf(header, sizeof(header), "%s: Bearer %s",
		    a->auth_header, a->token);
		r->headers = curl_slist_append(r->headers, header);
		r->bearer_gen = a->bearer_gen;
	}
	if (r->internal && r->body != NULL &&
	    admin__oauth_client_auth(a, r) == -1)
		goto fail;
	if (r->headers == NULL ||
	    curl_easy_setopt(r->easy, CURLOPT_URL, r->url) != CURLE_OK ||
	    curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->method) ||
	    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers) ||
	    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_body) ||
	    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r) ||
	    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r) ||
	    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error) ||
	    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, a->cfg.timeout_ms) ||
	    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    a->cfg.connect_timeout_ms) ||
	    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER,
	    a->cfg.skip_verify ? 0L : 1L) ||
	    curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST,
	    a->cfg.skip_verify ? 0L : 2L) ||
	    (a->ca_file != NULL &&
	    curl_easy_setopt(r->easy, CURLOPT_CAINFO, a->ca_file)) ||
	    (r->body != NULL &&
	    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body)))
		goto fail;
	r->attempt_started = admin__monotonic();
	if (curl_multi_add_handle(a->multi, r->easy) != CURLM_OK)
		goto fail;
	a->lanes[r->lane].inflight++;
	return 0;
 fail:
	if (r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "cannot start request");
	easy_give(r);
	return -1;
}

void
admin__request_finish(struct admin_request *r, long status)
{
	struct admin_response	resp = {
		.status = status,
		.body = r->response ? r->response : "",
		.length = r->length,
		.attempts = r->attempts,
		.error = status == 0 ? r->error : NULL,
	};

	r->cb(&resp, r->arg);
	request_free(r);
}

int
admin_transient(long status)
{
	return status == 0 || status == 401 || status == 429 || status >= 500;
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin_request	*r = arg;
	struct admin		*a = r->admin;

	(void)fd;
	(void)what;
	event_free(r->retry);
	r->retry = NULL;
	a->waiting--;
	if (r->internal) {
		/* The token flow's own requests do not wait in the queue that waits for them. */
		if (admin__request_start(a, r) == -1)
			admin__request_finish(r, 0);
		return;
	}
	admin__queue_push(a, r, 1);
	admin__pump(a);
}

/* An attempt ended: retry after a backoff, or finish. */
static void
request_done(struct admin *a, struct admin_request *r, long status)
{
	struct timeval	tv;
	long		delay;

	if (status == 401 && admin__oauth_unauthorized(a, r))
		return;
	/*
	 * A 401 is transient for the caller's later rounds, not for this
	 * loop: it has had its one token refresh (or there is no token to
	 * refresh), and the same token sent again within seconds is refused
	 * again.
	 */
	if (status == 401 || !admin_transient(status) ||
	    r->attempts >= a->cfg.max_attempts) {
		admin__request_finish(r, status);
		return;
	}
	/* Exponential backoff with full jitter in [delay/2, delay]. */
	delay = a->cfg.backoff_ms;
	for (int i = 1; i < r->attempts && delay < BACKOFF_CAP_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_CAP_MS)
		delay = BACKOFF_CAP_MS;
	delay = delay / 2 + (long)(rand_r(&a->seed) % (unsigned)(delay / 2 + 1));
	if ((r->retry = evtimer_new(a->base, retry_cb, r)) == NULL) {
		admin__request_finish(r, status);
		return;
	}
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(r->retry, &tv);
	a->waiting++;
}

static size_t
method_index(const char *method)
{
	size_t	i;

	for (i = 0; i + 1 < ADMIN__NMETHODS; i++)
		if (strcmp(method, latency_methods[i]) == 0)
			break;
	return i;
}

/* Drain curl's finished transfers: the one completion point. */
static void
check_multi_info(struct admin *a)
{
	CURLMsg			*msg;
	int			 left;
	struct admin_request	*r;
	long			 status;

	while ((msg = curl_multi_info_read(a->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		status = 0;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
		else if (r->error[0] == '\0')
			snprintf(r->error, sizeof(r->error), "%s",
			    curl_easy_strerror(msg->data.result));
		easy_give(r);
		a->lanes[r->lane].inflight--;
		histogram_observe(&a->latency[method_index(r->method)],
		    admin__monotonic() - r->attempt_started);
		request_done(a, r, status);
	}
	admin__pump(a);
}

static void
socket_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin	*a = arg;
	int		 action, running;

	action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
	    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_multi_socket_action(a->multi, fd, action, &running);
	check_multi_info(a);
}

static void
timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admin	*a = arg;
	int		 running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(a);
}

/* CURLMOPT_SOCKETFUNCTION: watch (or stop watching) a socket for curl. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *socketp)
{
	struct admin		*a = arg;
	struct admin_socket	*sock = socketp;
	short			 kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sock != NULL) {
			event_free(sock->ev);
			free(sock);
		}
		return 0;
	}
	if (sock == NULL) {
		if ((sock = calloc(1, sizeof(*sock))) == NULL)
			return -1;
		curl_multi_assign(a->multi, s, sock);
	} else if (sock->ev != NULL) {
		event_free(sock->ev);
		sock->ev = NULL;
	}
	kind = (what & CURL_POLL_IN ? EV_READ : 0) |
	    (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST;
	if ((sock->ev = event_new(a->base, s, kind, socket_event_cb, a)) == NULL ||
	    event_add(sock->ev, NULL) == -1)
		return -1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 removes the timer; 0 and up (re)arms it. */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct admin	*a = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(a->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(a->timer, &tv);
}

static void
pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	admin__pump(arg);
}

/*
 * Start l's queued requests while its in-flight bound and its token bucket
 * allow. Returns 0, or the seconds until its bucket has a token again.
 */
static double
lane_pump(struct admin *a, struct admin__lane *l)
{
	struct admin_request	*r;
	double			 now;

	while (l->head != NULL && l->inflight < l->max_inflight) {
		if (l->rate > 0) {
			now = admin__monotonic();
			l->tokens += (now - l->refilled_at) * l->rate;
			if (l->tokens > l->burst)
				l->tokens = l->burst;
			l->refilled_at = now;
			if (l->tokens < 1)
				return (1 - l->tokens) / l->rate;
			l->tokens -= 1;
		}
		r = l->head;
		l->head = r->next;
		if (l->head == NULL)
			l->tail = NULL;
		if (admin__request_start(a, r) == -1)
			admin__request_finish(r, 0);
	}
	return 0;
}

void
admin__pump(struct admin *a)
{
	struct timeval	tv;
	double		wait, first = 0;
	int		queued = 0;
	size_t		i;

	for (i = 0; i < ADMIN__NLANES; i++)
		queued |= a->lanes[i].head != NULL;
	if (queued && !admin__oauth_ready(a)) {
		admin__oauth_fetch(a);
		return;
	}
	/*
	 * FIRE first: when both lanes may start one, a fire's request goes
	 * before a look-up, and no look-up starts while fires queue for a
	 * slot (a burst): its answer would take the loop's time from them.
	 */
	for (i = 0; i < ADMIN__NLANES; i++)
		if ((i != ADMIN_LANE_WATCH ||
		    a->lanes[ADMIN_LANE_FIRE].head == NULL) &&
		    (wait = lane_pump(a, &a->lanes[i])) > 0 &&
		    (first == 0 || wait < first))
			first = wait;
	if (first == 0)
		return;
	/* One timer for both lanes: armed for whichever bucket refills first. */
	tv.tv_sec = (time_t)first;
	tv.tv_usec = (suseconds_t)((first - (double)tv.tv_sec) * 1e6) + 1;
	evtimer_add(a->pump, &tv);
}

/* A lane's bounds; its bucket keeps the tokens it has, up to the new size. */
static void
lane_limit(struct admin__lane *l, int max_inflight, double rate, double burst)
{
	l->max_inflight = max_inflight < 1 ? 1 : (size_t)max_inflight;
	l->rate = rate > 0 ? rate : 0;
	l->burst = burst < 1 ? 1 : burst;
	if (l->tokens > l->burst)
		l->tokens = l->burst;
}

/* The WATCH lane's bucket holds a second's worth, at least one. */
static void
watch_limit(struct admin *a, int max_inflight, double rate)
{
	if (rate <= 0)
		rate = ADMIN_WATCH_RATE;
	lane_limit(&a->lanes[ADMIN_LANE_WATCH], max_inflight, rate, rate);
}

/*
 * As many connections to Admin as both lanes may have requests in flight:
 * a request over curl's bound would wait inside curl for another lane's
 * connection, its timeout running.
 */
static void
connections_limit(struct admin *a)
{
	long	n = 0;

	for (size_t i = 0; i < ADMIN__NLANES; i++)
		n += (long)a->lanes[i].max_inflight;
	curl_multi_setopt(a->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
}

int
admin_new(struct event_base *base, const struct admin_config *cfg,
    struct admin **out, struct err *e)
{
	struct admin	*a;
	char		 why[256];

	/* Both go into every request (its URL, a header): refused here, whoever built cfg. */
	if (cfg->auth_header != NULL && !admin_header_name_valid(cfg->auth_header)) {
		err_set_code(e, EX_CONFIG, "admin client: the authorization header "
		    "is not an HTTP header name");
		return -1;
	}
	if (!admin_url_valid(cfg->endpoint, why, sizeof(why))) {
		err_set_code(e, EX_CONFIG, "admin client: %s", why);
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto nomem;
	a->base = base;
	a->cfg = *cfg;
	if (a->cfg.max_attempts < 1)
		a->cfg.max_attempts = 1;
	if (a->cfg.timeout_ms <= 0)
		a->cfg.timeout_ms = 30000;
	if (a->cfg.connect_timeout_ms <= 0)
		a->cfg.connect_timeout_ms = 10000;
	if (a->cfg.backoff_ms <= 0)
		a->cfg.backoff_ms = 500;
	lane_limit(&a->lanes[ADMIN_LANE_FIRE], cfg->max_inflight, cfg->rate,
	    cfg->burst);
	watch_limit(a, cfg->watch_inflight > 0 ? cfg->watch_inflight :
	    ADMIN_WATCH_INFLIGHT, cfg->watch_rate);
	for (size_t i = 0; i < ADMIN__NLANES; i++) {
		a->lanes[i].tokens = a->lanes[i].burst;
		a->lanes[i].refilled_at = admin__monotonic();
	}
	for (size_t i = 0; i < ADMIN__NMETHODS; i++)
		histogram_init(&a->latency[i], latency_bounds,
		    sizeof(latency_bounds) / sizeof(latency_bounds[0]));
	a->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	if ((a->endpoint = strdup(cfg->endpoint)) == NULL ||
	    (a->auth_header = strdup(cfg->auth_header ? cfg->auth_header :
	    "authorization")) == NULL ||
	    (cfg->ca_file != NULL && (a->ca_file = strdup(cfg->ca_file)) == NULL))
		goto nomem;
	a->cfg.endpoint = a->endpoint;
	a->cfg.auth_header = a->auth_header;
	a->cfg.ca_file = a->ca_file;
	if (admin__oauth_init(a, cfg) == -1)
		goto nomem;
	/* The credentials live in a->oauth only, the secret never in two places. */
	a->cfg.client_id = a->cfg.client_secret = a->cfg.token_url = NULL;
	a->cfg.scopes = a->cfg.audience = NULL;
	if ((a->multi = curl_multi_init()) == NULL ||
	    (a->timer = evtimer_new(base, timer_event_cb, a)) == NULL ||
	    (a->pump = evtimer_new(base, pump_cb, a)) == NULL)
		goto nomem;
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	/* Keep-alive: connections are reused across requests by the multi's cache. */
	connections_limit(a);
	*out = a;
	return 0;
 nomem:
	admin_free(a);
	err_set_code(e, EX_OSERR, "admin client: out of memory");
	return -1;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	/* Every request, queued, in flight or waiting to retry, is on the live list. */
	for (size_t i = 0; i < ADMIN__NLANES; i++)
		a->lanes[i].head = a->lanes[i].tail = NULL;
	while (a->live != NULL)
		request_free(a->live);
	while (a->nidle > 0)
		curl_easy_cleanup(a->idle[--a->nidle]);
	if (a->multi != NULL)
		curl_multi_cleanup(a->multi);
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->pump != NULL)
		event_free(a->pump);
	admin__oauth_free(a);
	free(a->endpoint);
	free(a->auth_header);
	free(a->ca_file);
	free(a->token);
	free(a);
}

struct admin_request *
admin__request_new(struct admin *a, const char *method, const char *base,
    const char *path, const char *body)
{
	struct admin_request	*r;
	size_t			 len = strlen(base) + strlen(path) + 1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->admin = a;
	r->live_next = a->live;
	if (a->live != NULL)
		a->live->live_prev = r;
	a->live = r;
	a->nlive++;
	if ((r->method = strdup(method)) == NULL ||
	    (r->url = malloc(len)) == NULL ||
	    (body != NULL && (r->body = strdup(body)) == NULL)) {
		request_free(r);
		return NULL;
	}
	snprintf(r->url, len, "%s%s", base, path);
	return r;
}

int
admin_request(struct admin *a, enum admin_lane lane, const char *method,
    const char *path, const char *body, admin_done_cb cb, void *arg,
    struct err *e)
{
	struct admin_request	*r;

	if ((unsigned)lane >= ADMIN__NLANES) {
		err_set_code(e, EX_SOFTWARE, "admin client: no lane %d",
		    (int)lane);
		return -1;
	}
	if ((r = admin__request_new(a, method, a->endpoint, path, body)) ==
	    NULL) {
		err_set_code(e, EX_OSERR, "admin client: out of memory");
		return -1;
	}
	r->lane = lane;
	r->cb = cb;
	r->arg = arg;
	admin__queue_push(a, r, 0);
	admin__pump(a);
	return 0;
}

void
admin_set_limits(struct admin *a, int max_inflight, double rate,
    double watch_rate)
{
	lane_limit(&a->lanes[ADMIN_LANE_FIRE], max_inflight, rate,
	    max_inflight);
	watch_limit(a, (int)a->lanes[ADMIN_LANE_WATCH].max_inflight,
	    watch_rate);
	connections_limit(a);
	admin__pump(a);
}

int
admin_set_token(struct admin *a, const char *token, struct err *e)
{
	char	*copy = NULL;

	if (token != NULL && !admin__token_valid(token)) {
		err_set_code(e, EX_DATAERR, "admin client: the token is not an RFC "
		    "6750 b64token");
		return -1;
	}
	if (token != NULL && (copy = strdup(token)) == NULL) {
		err_set_code(e, EX_OSERR, "admin client: out of memory");
		return -1;
	}
	free(a->token);
	a->token = copy;
	return 0;
}

size_t
admin_pending(const struct admin *a)
{
	return a->nlive;
}

const struct histogram *
admin_latency(const struct admin *a, size_t i, const char **method)
{
	if (i >= ADMIN__NMETHODS)
		return NULL;
	*method = latency_methods[i];
	return &a->latency[i];
}
