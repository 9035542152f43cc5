/* oauth.c: the Admin client's OAuth2 client-credentials tokens: discovery, fetch, cache, refresh, one resend on 401. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "schedd/log.h"
#include "schedd/protojson.h"
#include "admin_int.h"

#define REFRESH_S	60	/* refresh a token this long before it expires */
#define OAUTH_GIVE_UP	3	/* failed token fetches before waiting requests fail */

static void	token_done(const struct admin_response *, void *);
static void	discovery_done(const struct admin_response *, void *);

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	admin__pump(arg);
}

/*
 * No token: try again after a backoff; after a few failures in a row the
 * requests waiting for one fail (their callers retry later) rather than wait.
 */
static void
oauth_failed(struct admin *a, const char *why)
{
	struct timeval	tv = { 1, 0 };
	char		msg[400];	/* "no OAuth2 token: " and why; cut to a request's error size */

	a->oauth.state = ADMIN__OAUTH_NONE;
	if (++a->oauth.failures >= OAUTH_GIVE_UP) {
		snprintf(msg, sizeof(msg), "no OAuth2 token: %s", why);
		admin__queue_fail(a, msg);
	}
	for (int i = 1; i < a->oauth.failures && tv.tv_sec < 30; i++)
		tv.tv_sec *= 2;
	evtimer_add(a->oauth.retry, &tv);
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

/* A request of the token flow: started at once, outside the queue and the rate limit. */
static int
oauth_request(struct admin *a, const char *method, const char *url,
    const char *body, admin_done_cb cb)
{
	struct admin_request	*r;

	if ((r = admin__request_new(a, method, url, "", body)) == NULL)
		return -1;
	r->internal = 1;
	r->content_type = "application/x-www-form-urlencoded";
	r->cb = cb;
	r->arg = a;
	if (admin__request_start(a, r) == -1)
		admin__request_finish(r, 0);
	return 0;
}

void
admin__oauth_fetch(struct admin *a)
{
	char	url[2048], body[4096] = "grant_type=client_credentials";
	int	rc;

	if (a->oauth.state == ADMIN__OAUTH_FETCHING ||
	    evtimer_pending(a->oauth.retry, NULL))
		return;
	a->oauth.state = ADMIN__OAUTH_FETCHING;
	if (a->oauth.token_url == NULL) {
		snprintf(url, sizeof(url), "%s/.well-known/oauth-authorization-server",
		    a->endpoint);
		rc = oauth_request(a, "GET", url, NULL, discovery_done);
	} else {
		if (a->oauth.scopes != NULL)
			form_append(body, sizeof(body), "scope", a->oauth.scopes);
		if (a->oauth.audience != NULL)
			form_append(body, sizeof(body), "audience",
			    a->oauth.audience);
		rc = oauth_request(a, "POST", a->oauth.token_url, body,
		    token_done);
	}
	if (rc == -1)
		oauth_failed(a, "out of memory");
}

static void
discovery_done(const struct admin_response *r, void *arg)
{
	struct admin	*a = arg;
	cJSON		*doc = r->status == 200 ? cJSON_Parse(r->body) : NULL;
	const cJSON	*url = protojson_member(doc, "token_endpoint");
	char		 why[300];

	if (cJSON_IsString(url) && (a->oauth.token_url =
	    strdup(url->valuestring)) != NULL) {
		cJSON_Delete(doc);
		a->oauth.state = ADMIN__OAUTH_NONE;
		admin__oauth_fetch(a);
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
token_done(const struct admin_response *r, void *arg)
{
	struct admin	*a = arg;
	cJSON		*doc = r->status == 200 ? cJSON_Parse(r->body) : NULL;
	const cJSON	*token = cJSON_GetObjectItemCaseSensitive(doc,
			    "access_token");
	const cJSON	*expires = cJSON_GetObjectItemCaseSensitive(doc,
			    "expires_in");
	const char	*why = NULL;
	char		 buf[300], *copy = NULL;
	double		 lifetime;

	if (!cJSON_IsString(token)) {
		if (r->status == 0)
			snprintf(buf, sizeof(buf), "token endpoint: %s", r->error);
		else
			snprintf(buf, sizeof(buf), "token endpoint answered HTTP %ld",
			    r->status);
		why = buf;
	} else if (!admin__token_valid(token->valuestring)) {
		/* It goes into a header: a CRLF in it would add headers of the token endpoint's choosing. */
		why = "token endpoint answered a token that is not an RFC 6750 "
		    "b64token";
		log_event(a->cfg.log, LOG_LEVEL_WARN, "oauth", "%s (%zu characters); "
		    "refused, fetching another after a backoff", why,
		    strlen(token->valuestring));
	} else if ((copy = strdup(token->valuestring)) == NULL)
		why = "out of memory";
	if (why != NULL) {
		cJSON_Delete(doc);
		oauth_failed(a, why);
		return;
	}
	free(a->token);
	a->token = copy;
	a->bearer_gen++;
	a->oauth.state = ADMIN__OAUTH_VALID;
	a->oauth.failures = 0;
	/*
	 * Refresh a minute before expiry (half the lifetime for short ones).
	 * No expires_in: assume an hour; a 401 will tell.
	 */
	lifetime = cJSON_IsNumber(expires) && expires->valuedouble > 0 ?
	    expires->valuedouble : 3600;
	a->oauth.expiry = admin__monotonic() + lifetime -
	    (lifetime / 2 < REFRESH_S ? lifetime / 2 : REFRESH_S);
	cJSON_Delete(doc);
	admin__pump(a);
}

int
admin__oauth_ready(const struct admin *a)
{
	return !a->oauth.configured || (a->oauth.state == ADMIN__OAUTH_VALID &&
	    admin__monotonic() < a->oauth.expiry);
}

/* RFC 4648 base64 of len bytes of in, NUL-terminated, into out (room for 4 * ((len + 2) / 3) + 1). */
static void
base64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = digits[in[i] >> 2];
		*out++ = digits[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = digits[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*out++ = digits[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = digits[in[i] >> 2];
		*out++ = digits[(in[i] & 3) << 4 | (i + 1 < len ? in[i + 1] >> 4 : 0)];
		*out++ = i + 1 < len ? digits[(in[i + 1] & 15) << 2] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/*
 * The token request authenticates the client with HTTP Basic, id and secret
 * form-encoded first (RFC 6749 2.3.1): a '+' or '%' in a secret must reach
 * the server as itself. The header is made here, not by libcurl from
 * CURLOPT_USERNAME and CURLOPT_PASSWORD: libcurl keeps copies of those (and
 * the header it makes of them) until the handle goes and frees them without
 * wiping. This one is wiped with the request's headers (admin.c), and every
 * buffer on the way here before returning.
 */
int
admin__oauth_client_auth(struct admin *a, struct admin_request *r)
{
	char			 id[1024], secret[1024], pair[2048];
	char			 header[sizeof("Authorization: Basic ") +
				    4 * (sizeof(pair) + 2) / 3];
	struct curl_slist	*headers;
	int			 n;

	if (a->oauth.client_id == NULL)
		return 0;
	percent_encode(a->oauth.client_id, id, sizeof(id));
	percent_encode(a->oauth.client_secret, secret, sizeof(secret));
	n = snprintf(pair, sizeof(pair), "%s:%s", id, secret);
	strcpy(header, "Authorization: Basic ");
	base64_encode((const unsigned char *)pair, n < (int)sizeof(pair) ?
	    (size_t)n : sizeof(pair) - 1, header + strlen(header));
	headers = curl_slist_append(r->headers, header);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(pair, sizeof(pair));
	explicit_bzero(header, sizeof(header));
	if (headers == NULL)
		return -1;
	r->headers = headers;
	return 0;
}

int
admin__oauth_unauthorized(struct admin *a, struct admin_request *r)
{
	if (!a->oauth.configured || r->internal || r->reauthorized)
		return 0;
	/* Expired or revoked: a new token (unless one came meanwhile), then once more. */
	r->reauthorized = 1;
	/* One fetch for many 401s: only the first one with this token starts it. */
	if (r->bearer_gen == a->bearer_gen &&
	    a->oauth.state == ADMIN__OAUTH_VALID)
		a->oauth.state = ADMIN__OAUTH_NONE;
	admin__queue_push(a, r, 1);
	return 1;
}

int
admin__oauth_init(struct admin *a, const struct admin_config *cfg)
{
	if ((a->oauth.retry = evtimer_new(a->base, retry_cb, a)) == NULL)
		return -1;
	if (cfg->client_id == NULL)
		return 0;
	a->oauth.configured = 1;
	if ((a->oauth.client_id = strdup(cfg->client_id)) == NULL ||
	    (a->oauth.client_secret = strdup(cfg->client_secret ?
	    cfg->client_secret : "")) == NULL ||
	    (cfg->token_url != NULL && *cfg->token_url != '\0' &&
	    (a->oauth.token_url = strdup(cfg->token_url)) == NULL) ||
	    (cfg->scopes != NULL && *cfg->scopes != '\0' &&
	    (a->oauth.scopes = strdup(cfg->scopes)) == NULL) ||
	    (cfg->audience != NULL && *cfg->audience != '\0' &&
	    (a->oauth.audience = strdup(cfg->audience)) == NULL))
		return -1;
	return 0;
}

void
admin__oauth_free(struct admin *a)
{
	if (a->oauth.retry != NULL)
		event_free(a->oauth.retry);
	if (a->oauth.client_secret != NULL)
		explicit_bzero(a->oauth.client_secret,
		    strlen(a->oauth.client_secret));
	free(a->oauth.client_id);
	free(a->oauth.client_secret);
	free(a->oauth.token_url);
	free(a->oauth.scopes);
	free(a->oauth.audience);
}
