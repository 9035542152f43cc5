/* admin.c: HTTP to Flyte Admin: libcurl multi driven by libevent, as curl's hiperfifo.c, hardened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "schedd/admin.h"

#define BODY_MAX	(4 << 20)	/* largest response we keep */
#define BACKOFF_CAP_MS	30000
#define REFRESH_S	60	/* refresh a token this long before it expires */
#define OAUTH_GIVE_UP	3	/* failed token fetches before waiting requests fail */

/* Request latency: the methods measured apart (the last catches the rest), and the buckets (s). */
static const char *const	latency_methods[] = { "GET", "POST", "DELETE",
				    "other" };
#define NMETHODS	(sizeof(latency_methods) / sizeof(latency_methods[0]))
static const double		latency_bounds[] = { 0.005, 0.01, 0.025, 0.05,
				    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

/* One request, from admin_request until its callback. */
struct admin_request {
	struct admin		*admin;
	struct admin_request	*next;		/* queue link */
	struct admin_request	*live_prev;	/* every request not yet called back */
	struct admin_request	*live_next;
	char			*method;
	char			*url;
	char			*body;		/* NULL: none */
	admin_done_cb		 cb;
	void			*arg;
	int			 attempts;
	CURL			*easy;		/* while in flight */
	struct curl_slist	*headers;
	char			*response;
	size_t			 length;
	char			 error[CURL_ERROR_SIZE];
	struct event		*retry;		/* waiting for a retry */
	const char		*content_type;	/* of the body; NULL: JSON */
	int			 internal;	/* the token flow's own: no bearer, not queued */
	int			 reauthorized;	/* resent once after a 401 already */
	unsigned		 bearer_gen;	/* the token it was sent with */
	double			 attempt_started;	/* monotonic: the current attempt's start */
};

/* One socket curl asked us to watch. */
struct admin_socket {
	struct event	*ev;
};

struct admin {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;		/* curl's timeout */
	struct event		*pump;		/* start queued requests when tokens refill */
	struct admin_config	 cfg;
	char			*endpoint;
	char			*auth_header;
	char			*ca_file;
	char			*token;
	struct admin_request	*queue_head;	/* waiting to start */
	struct admin_request	*queue_tail;
	size_t			 inflight;	/* started, not finished */
	size_t			 waiting;	/* between attempts */
	double			 tokens;	/* token bucket */
	double			 refilled_at;	/* monotonic seconds */
	unsigned		 seed;		/* jitter */
	struct admin_request	*live;		/* requests not yet called back */
	size_t			 nlive;
	/* OAuth2 client credentials. */
	int			 oauth;		/* configured */
	enum { OAUTH_NONE, OAUTH_FETCHING, OAUTH_VALID } oauth_state;
	double			 oauth_expiry;	/* monotonic: refresh from then on */
	unsigned		 bearer_gen;	/* bumped with each new token */
	int			 oauth_failures;
	struct event		*oauth_retry;
	char			*client_id;
	char			*client_secret;
	char			*token_url;
	char			*scopes;
	char			*audience;
	struct histogram	 latency[NMETHODS];	/* per attempt, by method */
};

static void	admin_pump(struct admin *);
static int	request_start(struct admin *, struct admin_request *);
static void	request_finish(struct admin_request *, long);
static void	percent_encode(const char *, char *, size_t);

static double
monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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
	if (r->easy != NULL) {
		curl_multi_remove_handle(r->admin->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	if (r->retry != NULL)
		event_free(r->retry);
	curl_slist_free_all(r->headers);
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

static void
queue_push(struct admin *a, struct admin_request *r, int front)
{
	r->next = NULL;
	if (a->queue_head == NULL)
		a->queue_head = a->queue_tail = r;
	else if (front) {
		r->next = a->queue_head;
		a->queue_head = r;
	} else {
		a->queue_tail->next = r;
		a->queue_tail = r;
	}
}

/* Start one attempt of r. Returns 0, or -1 with r->error filled. */
static int
request_start(struct admin *a, struct admin_request *r)
{
	char	header[4200];

	r->attempts++;
	free(r->response);
	r->response = NULL;
	r->length = 0;
	r->error[0] = '\0';
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	if ((r->easy = curl_easy_init()) == NULL)
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
	/*
	 * The token request authenticates the client with HTTP Basic, id and
	 * secret form-encoded first (RFC 6749 2.3.1): a '+' or '%' in a secret
	 * must reach the server as itself.
	 */
	if (r->internal && r->body != NULL && a->client_id != NULL) {
		char	id[1024], secret[1024];
		int	bad;

		percent_encode(a->client_id, id, sizeof(id));
		percent_encode(a->client_secret, secret, sizeof(secret));
		bad = curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH,
		    (long)CURLAUTH_BASIC) ||
		    curl_easy_setopt(r->easy, CURLOPT_USERNAME, id) ||
		    curl_easy_setopt(r->easy, CURLOPT_PASSWORD, secret);
		explicit_bzero(secret, sizeof(secret));
		if (bad)
			goto fail;
	}
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
	r->attempt_started = monotonic();
	if (curl_multi_add_handle(a->multi, r->easy) != CURLM_OK)
		goto fail;
	a->inflight++;
	return 0;
 fail:
	if (r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "cannot start request");
	if (r->easy != NULL) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	return -1;
}

/* The final outcome: call back and forget. */
static void
request_finish(struct admin_request *r, long status)
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

static int
retryable(long status)
{
	return status == 0 || status == 429 || status >= 500;
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
		if (request_start(a, r) == -1)
			request_finish(r, 0);
		return;
	}
	queue_push(a, r, 1);
	admin_pump(a);
}

/* An attempt ended: retry after a backoff, or finish. */
static void
request_done(struct admin *a, struct admin_request *r, long status)
{
	struct timeval	tv;
	long		delay;

	if (status == 401 && a->oauth && !r->internal && !r->reauthorized) {
		/* Expired or revoked: a new token (unless one came meanwhile), then once more. */
		r->reauthorized = 1;
		/* One fetch for many 401s: only the first one with this token starts it. */
		if (r->bearer_gen == a->bearer_gen && a->oauth_state == OAUTH_VALID)
			a->oauth_state = OAUTH_NONE;
		queue_push(a, r, 1);
		return;
	}
	if (!retryable(status) || r->attempts >= a->cfg.max_attempts) {
		request_finish(r, status);
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
		request_finish(r, status);
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

	for (i = 0; i + 1 < NMETHODS; i++)
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
		curl_multi_remove_handle(a->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		a->inflight--;
		histogram_observe(&a->latency[method_index(r->method)],
		    monotonic() - r->attempt_started);
		request_done(a, r, status);
	}
	admin_pump(a);
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
	admin_pump(arg);
}

/* --- OAuth2 client credentials --- */

static int
oauth_ready(const struct admin *a)
{
	return !a->oauth || (a->oauth_state == OAUTH_VALID &&
	    monotonic() < a->oauth_expiry);
}

static void
oauth_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	admin_pump(arg);
}

/*
 * No token: try again after a backoff; after a few failures in a row the
 * requests waiting for one fail (their callers retry later) rather than wait.
 */
static void
oauth_failed(struct admin *a, const char *why)
{
	struct timeval	tv = { 1, 0 };

	a->oauth_state = OAUTH_NONE;
	if (++a->oauth_failures >= OAUTH_GIVE_UP) {
		/* Detach the queue first: a callback may queue a new request, which waits. */
		struct admin_request	*r, *list = a->queue_head;

		a->queue_head = a->queue_tail = NULL;
		while ((r = list) != NULL) {
			list = r->next;
			snprintf(r->error, sizeof(r->error), "no OAuth2 token: %s",
			    why);
			request_finish(r, 0);
		}
	}
	for (int i = 1; i < a->oauth_failures && tv.tv_sec < 30; i++)
		tv.tv_sec *= 2;
	evtimer_add(a->oauth_retry, &tv);
}

/* Percent-encode value into buf (RFC 3986 unreserved kept), as form encoding wants. */
static void
percent_encode(const char *value, char *buf, size_t len)
{
	size_t	n = 0;

	for (const unsigned char *p = (const unsigned char *)value;
	    *p != '\0' && n + 4 < len; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			buf[n++] = (char)*p;
		else
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", *p);
	buf[n] = '\0';
}

/* Append "&key=value" to a form body, the value percent-encoded. */
static void
form_append(char *buf, size_t len, const char *key, const char *value)
{
	size_t	n = strlen(buf);

	n += (size_t)snprintf(buf + n, len - n, "&%s=", key);
	if (n < len)
		percent_encode(value, buf + n, len - n);
}

static void	oauth_token_done(const struct admin_response *, void *);
static void	oauth_discovery_done(const struct admin_response *, void *);

/* A request of the token flow: started at once, outside the queue and the rate limit. */
static int
oauth_request(struct admin *a, const char *method, const char *url,
    const char *body, admin_done_cb cb)
{
	struct admin_request	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->method = strdup(method)) == NULL ||
	    (r->url = strdup(url)) == NULL ||
	    (body != NULL && (r->body = strdup(body)) == NULL)) {
		if (r != NULL) {
			free(r->method);
			free(r->url);
		}
		free(r);
		return -1;
	}
	r->admin = a;
	r->live_next = a->live;
	if (a->live != NULL)
		a->live->live_prev = r;
	a->live = r;
	a->nlive++;
	r->internal = 1;
	r->content_type = "application/x-www-form-urlencoded";
	r->cb = cb;
	r->arg = a;
	if (request_start(a, r) == -1) {
		request_finish(r, 0);
		return 0;
	}
	return 0;
}

static void
oauth_fetch(struct admin *a)
{
	char	url[2048], body[4096] = "grant_type=client_credentials";
	int	rc;

	if (a->oauth_state == OAUTH_FETCHING ||
	    evtimer_pending(a->oauth_retry, NULL))
		return;
	a->oauth_state = OAUTH_FETCHING;
	if (a->token_url == NULL) {
		snprintf(url, sizeof(url), "%s/.well-known/oauth-authorization-server",
		    a->endpoint);
		rc = oauth_request(a, "GET", url, NULL, oauth_discovery_done);
	} else {
		if (a->scopes != NULL)
			form_append(body, sizeof(body), "scope", a->scopes);
		if (a->audience != NULL)
			form_append(body, sizeof(body), "audience", a->audience);
		rc = oauth_request(a, "POST", a->token_url, body,
		    oauth_token_done);
	}
	if (rc == -1)
		oauth_failed(a, "out of memory");
}

static void
oauth_discovery_done(const struct admin_response *r, void *arg)
{
	struct admin	*a = arg;
	cJSON		*doc = r->status == 200 ? cJSON_Parse(r->body) : NULL;
	const cJSON	*url = cJSON_GetObjectItemCaseSensitive(doc,
			    "token_endpoint");
	char		 why[300];

	if (!cJSON_IsString(url))
		url = cJSON_GetObjectItemCaseSensitive(doc, "tokenEndpoint");
	if (cJSON_IsString(url) && (a->token_url = strdup(url->valuestring)) !=
	    NULL) {
		cJSON_Delete(doc);
		a->oauth_state = OAUTH_NONE;
		oauth_fetch(a);
		return;
	}
	cJSON_Delete(doc);
	if (r->status == 0)
		snprintf(why, sizeof(why), "discovery: %s", r->error);
	else
		snprintf(why, sizeof(why), "discovery answered HTTP %ld without "
		    "a token_endpoint", r->status);
	oauth_failed(a, why);
}

static void
oauth_token_done(const struct admin_response *r, void *arg)
{
	struct admin	*a = arg;
	cJSON		*doc = r->status == 200 ? cJSON_Parse(r->body) : NULL;
	const cJSON	*token = cJSON_GetObjectItemCaseSensitive(doc,
			    "access_token");
	const cJSON	*expires = cJSON_GetObjectItemCaseSensitive(doc,
			    "expires_in");
	char		 why[300], *copy;
	double		 lifetime;

	if (cJSON_IsString(token) && (copy = strdup(token->valuestring)) !=
	    NULL) {
		free(a->token);
		a->token = copy;
		a->bearer_gen++;
		a->oauth_state = OAUTH_VALID;
		a->oauth_failures = 0;
		/*
		 * Refresh a minute before expiry (half the lifetime for short
		 * ones). No expires_in: assume an hour; a 401 will tell.
		 */
		lifetime = cJSON_IsNumber(expires) && expires->valuedouble > 0 ?
		    expires->valuedouble : 3600;
		a->oauth_expiry = monotonic() + lifetime - (lifetime / 2 <
		    REFRESH_S ? lifetime / 2 : REFRESH_S);
		cJSON_Delete(doc);
		admin_pump(a);
		return;
	}
	cJSON_Delete(doc);
	if (r->status == 0)
		snprintf(why, sizeof(why), "token endpoint: %s", r->error);
	else
		snprintf(why, sizeof(why), "token endpoint answered HTTP %ld",
		    r->status);
	oauth_failed(a, why);
}

/* Start queued requests while the in-flight bound and the token bucket allow. */
static void
admin_pump(struct admin *a)
{
	struct admin_request	*r;
	double			 now;

	if (a->queue_head != NULL && !oauth_ready(a)) {
		oauth_fetch(a);
		return;
	}
	while (a->queue_head != NULL &&
	    a->inflight < (size_t)a->cfg.max_inflight) {
		if (a->cfg.rate > 0) {
			now = monotonic();
			a->tokens += (now - a->refilled_at) * a->cfg.rate;
			if (a->tokens > a->cfg.burst)
				a->tokens = a->cfg.burst;
			a->refilled_at = now;
			if (a->tokens < 1) {
				double		wait = (1 - a->tokens) / a->cfg.rate;
				struct timeval	tv = { (time_t)wait,
				    (suseconds_t)((wait - (long)wait) * 1e6) + 1 };

				if (!evtimer_pending(a->pump, NULL))
					evtimer_add(a->pump, &tv);
				return;
			}
			a->tokens -= 1;
		}
		r = a->queue_head;
		a->queue_head = r->next;
		if (a->queue_head == NULL)
			a->queue_tail = NULL;
		if (request_start(a, r) == -1)
			request_finish(r, 0);
	}
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
admin_new(struct event_base *base, const struct admin_config *cfg,
    struct admin **out, struct err *e)
{
	struct admin	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto nomem;
	a->base = base;
	a->cfg = *cfg;
	if (a->cfg.max_inflight < 1)
		a->cfg.max_inflight = 1;
	if (a->cfg.max_attempts < 1)
		a->cfg.max_attempts = 1;
	if (a->cfg.burst < 1)
		a->cfg.burst = 1;
	if (a->cfg.timeout_ms <= 0)
		a->cfg.timeout_ms = 30000;
	if (a->cfg.connect_timeout_ms <= 0)
		a->cfg.connect_timeout_ms = 10000;
	if (a->cfg.backoff_ms <= 0)
		a->cfg.backoff_ms = 500;
	a->tokens = a->cfg.burst;
	a->refilled_at = monotonic();
	for (size_t i = 0; i < NMETHODS; i++)
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
	if (cfg->client_id != NULL) {
		a->oauth = 1;
		if ((a->client_id = strdup(cfg->client_id)) == NULL ||
		    (a->client_secret = strdup(cfg->client_secret ?
		    cfg->client_secret : "")) == NULL ||
		    (cfg->token_url != NULL && *cfg->token_url != '\0' &&
		    (a->token_url = strdup(cfg->token_url)) == NULL) ||
		    (cfg->scopes != NULL && *cfg->scopes != '\0' &&
		    (a->scopes = strdup(cfg->scopes)) == NULL) ||
		    (cfg->audience != NULL && *cfg->audience != '\0' &&
		    (a->audience = strdup(cfg->audience)) == NULL))
			goto nomem;
	}
	a->cfg.client_id = a->cfg.client_secret = a->cfg.token_url = NULL;
	a->cfg.scopes = a->cfg.audience = NULL;
	if ((a->multi = curl_multi_init()) == NULL ||
	    (a->timer = evtimer_new(base, timer_event_cb, a)) == NULL ||
	    (a->pump = evtimer_new(base, pump_cb, a)) == NULL ||
	    (a->oauth_retry = evtimer_new(base, oauth_retry_cb, a)) == NULL)
		goto nomem;
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	/* Keep-alive: connections are reused across requests by the multi's cache. */
	curl_multi_setopt(a->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)a->cfg.max_inflight);
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
	a->queue_head = NULL;
	a->queue_tail = NULL;
	while (a->live != NULL)
		request_free(a->live);
	if (a->multi != NULL)
		curl_multi_cleanup(a->multi);
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->pump != NULL)
		event_free(a->pump);
	if (a->oauth_retry != NULL)
		event_free(a->oauth_retry);
	if (a->client_secret != NULL)
		explicit_bzero(a->client_secret, strlen(a->client_secret));
	free(a->client_id);
	free(a->client_secret);
	free(a->token_url);
	free(a->scopes);
	free(a->audience);
	free(a->endpoint);
	free(a->auth_header);
	free(a->ca_file);
	free(a->token);
	free(a);
}

int
admin_request(struct admin *a, const char *method, const char *path,
    const char *body, admin_done_cb cb, void *arg, struct err *e)
{
	struct admin_request	*r;
	size_t			 len = strlen(a->endpoint) + strlen(path) + 1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
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
		goto nomem;
	}
	snprintf(r->url, len, "%s%s", a->endpoint, path);
	r->cb = cb;
	r->arg = arg;
	queue_push(a, r, 0);
	admin_pump(a);
	return 0;
 nomem:
	err_set_code(e, EX_OSERR, "admin client: out of memory");
	return -1;
}

void
admin_set_limits(struct admin *a, int max_inflight, double rate)
{
	a->cfg.max_inflight = max_inflight < 1 ? 1 : max_inflight;
	a->cfg.burst = a->cfg.max_inflight;
	a->cfg.rate = rate;
	admin_pump(a);
}

int
admin_set_token(struct admin *a, const char *token, struct err *e)
{
	char	*copy = dup_or_null(token);

	if (token != NULL && copy == NULL) {
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
	if (i >= NMETHODS)
		return NULL;
	*method = latency_methods[i];
	return &a->latency[i];
}
