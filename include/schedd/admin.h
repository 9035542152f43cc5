/* admin.h: HTTP to Flyte Admin: libcurl multi driven by libevent (curl's hiperfifo pattern), with OAuth2 tokens; only lib/admin.c and lib/oauth.c send with libcurl. */
#ifndef SCHEDD_ADMIN_H
#define SCHEDD_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"
#include "schedd/histogram.h"

struct event_base;
struct log;
struct admin;			/* opaque: the multi handle, its sockets, timer and queues */

/*
 * The queue a request waits in. Each lane has its own in-flight bound and
 * token bucket, so look-ups of running executions, however many, never
 * hold up a fire, and fires never starve the look-ups.
 */
enum admin_lane {
	ADMIN_LANE_FIRE,	/* creates and what a fire waits on: launch plans, confirming and overlap GETs, DELETEs */
	ADMIN_LANE_WATCH,	/* phase look-ups of running executions */
};

#define ADMIN_WATCH_INFLIGHT	4	/* default WATCH lane in-flight bound */
#define ADMIN_HEADER_NAME_MAX	128	/* longest authorization header name taken */
#define ADMIN_WATCH_RATE	20	/* default WATCH lane requests per second */

struct admin_config {
	const char	*endpoint;	/* "http://127.0.0.1:8088", no trailing slash */
	int		 skip_verify;	/* insecureSkipVerify: no TLS verification (only as configured) */
	const char	*ca_file;	/* NULL: the system's CA store */
	const char	*auth_header;	/* header name for the bearer token, default "authorization" (admin_header_name_valid) */
	long		 timeout_ms;	/* per request, whole transfer */
	long		 connect_timeout_ms;
	int		 max_inflight;	/* FIRE lane: concurrent requests; more wait in its queue */
	double		 rate;		/* FIRE lane: requests started per second (token bucket), 0: no limit */
	int		 burst;		/* FIRE lane: token bucket size */
	int		 watch_inflight;	/* WATCH lane: concurrent requests; 0: ADMIN_WATCH_INFLIGHT */
	double		 watch_rate;	/* WATCH lane: requests started per second, bucket max(1, rate); 0: ADMIN_WATCH_RATE */
	int		 max_attempts;	/* 1 = no retry */
	long		 backoff_ms;	/* first retry delay; doubles, with jitter, capped at 30 s */
	/* OAuth2 client credentials (RFC 6749 4.4); client_id NULL: no auth. */
	const char	*client_id;
	const char	*client_secret;
	const char	*token_url;	/* NULL: discovered at /.well-known/oauth-authorization-server */
	const char	*scopes;	/* space-separated, NULL: none */
	const char	*audience;	/* NULL: none */
	const struct log *log;		/* what the client itself has to say (a refused token); NULL: nothing */
};

/* What a request ended with, after its retries. */
struct admin_response {
	long		 status;	/* HTTP status, 0 when no response */
	const char	*body;		/* response body, NUL-terminated ("" if none) */
	size_t		 length;
	int		 attempts;	/* requests sent */
	const char	*error;		/* transport error text when status is 0, else NULL */
};

typedef void	(*admin_done_cb)(const struct admin_response *r, void *arg);

/*
 * Whether url is one the client can send to: no control characters, curl's
 * URL parser takes it, http or https, a host. Returns 1, or 0 with why.
 */
int	admin_url_valid(const char *url, char *why, size_t len);

/* 1 when name is an HTTP header name (RFC 9110 token) of at most ADMIN_HEADER_NAME_MAX characters. */
int	admin_header_name_valid(const char *name);

/* Returns 0 and a client bound to base, or -1 with e (EX_CONFIG: an endpoint or header name admin_url_valid or admin_header_name_valid refuses). */
int	admin_new(struct event_base *base, const struct admin_config *cfg,
	    struct admin **out, struct err *e);
/* Abandons queued and in-flight requests without calling their callbacks. */
void	admin_free(struct admin *a);

/*
 * Send METHOD path (appended to the endpoint) with an optional JSON body,
 * queued in lane; when both lanes can start a request the FIRE lane's goes
 * first. Connection errors, timeouts, 429 and 5xx are retried with
 * exponential backoff and jitter up to max_attempts (admin_transient but
 * 401), back at the front of the lane; the callback runs once, from the
 * event loop, with the final outcome. With client credentials, requests wait
 * for a token (fetched, cached, refreshed a minute before it expires), and a
 * 401 refreshes it and resends the request once. A token that is not an RFC
 * 6750 b64token is logged and refused as a failed fetch. Returns 0, or -1
 * with e (out of memory, no such lane).
 */
int	admin_request(struct admin *a, enum admin_lane lane,
	    const char *method, const char *path, const char *body,
	    admin_done_cb cb, void *arg, struct err *e);

/*
 * 1 when a request that ended with status (0: no response, a connection
 * error or a timeout) may succeed if sent again later: 0, 401, 429 and 5xx.
 * Other 4xx are permanent, 0 (409 is the caller's to decide). 401 is
 * transient for the caller: it comes after the client's one token refresh
 * and resend, and a token refused now (a secret or key being rotated, an
 * identity provider catching up) may be accepted by a later round; the
 * client itself never resends a 401 in its backoff loop.
 */
int	admin_transient(long status);

/*
 * Change the FIRE lane's in-flight bound (also its bucket size) and rate
 * limit, and the WATCH lane's rate limit (<= 0: ADMIN_WATCH_RATE): a config
 * reload.
 */
void	admin_set_limits(struct admin *a, int max_inflight, double rate,
	    double watch_rate);

/* Set the bearer token sent with every request (NULL: none); -1 with e when it is not an RFC 6750 b64token. */
int	admin_set_token(struct admin *a, const char *token, struct err *e);

/* Requests queued or in flight (in flight includes waiting for a retry), both lanes. */
size_t	admin_pending(const struct admin *a);

/*
 * Request latency per attempt (start to completion, whatever the outcome),
 * by method: the i-th method's histogram with *method its name ("GET",
 * "POST", "DELETE", "other"), or NULL when i is past the last.
 */
const struct histogram	*admin_latency(const struct admin *a, size_t i,
		    const char **method);

#endif
