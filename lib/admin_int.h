/* admin_int.h: the Admin client's insides, shared by admin.c (HTTP) and oauth.c (tokens) only, as libuv's uv-common.h. */
#ifndef SCHEDD_ADMIN_INT_H
#define SCHEDD_ADMIN_INT_H

#include <stddef.h>

#include <curl/curl.h>

#include "schedd/admin.h"
#include "schedd/histogram.h"

struct event;
struct event_base;

#define ADMIN__NMETHODS	4	/* latency measured apart: GET, POST, DELETE, other */
#define ADMIN__NLANES	2	/* enum admin_lane */
#define ADMIN__IDLE_MAX	128	/* finished curl handles kept for the next requests */
#define ADMIN__TOKEN_MAX	8192	/* longest bearer token taken (JWTs with many claims run to a few KB) */

/* One request, from admin_request (or the token flow) until its callback. */
struct admin_request {
	struct admin		*admin;
	enum admin_lane		 lane;		/* its queue and bounds (the token flow's: FIRE's count, never queued) */
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

/* OAuth2 client credentials (RFC 6749 4.4): oauth.c's part of the client. */
struct admin__oauth {
	int		 configured;	/* a client id was given */
	enum { ADMIN__OAUTH_NONE, ADMIN__OAUTH_FETCHING, ADMIN__OAUTH_VALID } state;
	double		 expiry;	/* monotonic: refresh from then on */
	int		 failures;	/* token fetches failed in a row */
	struct event	*retry;		/* the next fetch after a failure */
	char		*client_id;
	char		*client_secret;	/* wiped before it is freed */
	char		*token_url;	/* NULL until discovered */
	char		*scopes;
	char		*audience;
};

/* A lane: the requests waiting to start, their in-flight bound and their token bucket. */
struct admin__lane {
	struct admin_request	*head;		/* waiting to start */
	struct admin_request	*tail;
	size_t			 inflight;	/* started, not finished */
	size_t			 max_inflight;
	double			 rate;		/* requests started per second, 0: no limit */
	double			 burst;		/* bucket size */
	double			 tokens;
	double			 refilled_at;	/* monotonic seconds */
};

struct admin {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;		/* curl's timeout */
	struct event		*pump;		/* start queued requests when a lane's tokens refill */
	struct admin_config	 cfg;		/* as given, defaults filled; the lanes hold the limits in force */
	char			*endpoint;
	char			*auth_header;
	char			*ca_file;
	char			*token;		/* the bearer token, NULL: none */
	unsigned		 bearer_gen;	/* bumped with each new token */
	struct admin__lane	 lanes[ADMIN__NLANES];	/* by enum admin_lane; FIRE first */
	size_t			 waiting;	/* between attempts */
	unsigned		 seed;		/* jitter */
	CURL			*idle[ADMIN__IDLE_MAX];	/* reset handles: a burst reuses them */
	size_t			 nidle;
	struct admin_request	*live;		/* requests not yet called back */
	size_t			 nlive;
	struct admin__oauth	 oauth;
	struct histogram	 latency[ADMIN__NMETHODS];	/* per attempt, by method */
};

/* --- admin.c --- */

/* Monotonic seconds. */
double	admin__monotonic(void);
/*
 * 1 when token may go into a header: RFC 6750's b64token
 * ([A-Za-z0-9-._~+/]+=*), at most ADMIN__TOKEN_MAX characters.
 */
int	admin__token_valid(const char *token);
/*
 * A new request for METHOD base+path with an optional body (copied), linked
 * on the live list; the caller sets its callback. NULL when out of memory.
 */
struct admin_request	*admin__request_new(struct admin *a, const char *method,
			    const char *base, const char *path, const char *body);
/* Start one attempt of r. Returns 0, or -1 with r->error filled. */
int	admin__request_start(struct admin *a, struct admin_request *r);
/* The final outcome: call r back and free it. */
void	admin__request_finish(struct admin_request *r, long status);
/* Queue r in its lane to start when the lane allows: at the front (a resend), or the back. */
void	admin__queue_push(struct admin *a, struct admin_request *r, int front);
/* Fail every queued request, both lanes, with status 0 and the error why. */
void	admin__queue_fail(struct admin *a, const char *why);
/* Start queued requests, FIRE lane first, while each lane's bound and bucket allow. */
void	admin__pump(struct admin *a);

/* --- oauth.c --- */

/* Take the client credentials of cfg (none when client_id is NULL). Returns 0, or -1 (out of memory). */
int	admin__oauth_init(struct admin *a, const struct admin_config *cfg);
/* Free what admin__oauth_init took, the secret wiped first. */
void	admin__oauth_free(struct admin *a);
/* 1 when requests may go: no auth configured, or a token that is not due for a refresh. */
int	admin__oauth_ready(const struct admin *a);
/* Start fetching a token unless a fetch is running or waits for its backoff. */
void	admin__oauth_fetch(struct admin *a);
/* Authenticate the token request r with the client id and secret (HTTP Basic). Returns 0 or -1. */
int	admin__oauth_client_auth(struct admin *a, struct admin_request *r);
/*
 * r was answered 401: with client credentials and not resent yet, forget the
 * token it was sent with and queue r to go again with a new one; returns 1.
 * Otherwise returns 0 and r's outcome stands.
 */
int	admin__oauth_unauthorized(struct admin *a, struct admin_request *r);

#endif
