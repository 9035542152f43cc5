/* oauth.c: Admin's client-credentials token endpoint, auth discovery documents and bearer-token checks. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "stub.h"

struct token {
	char		 value[48];
	double		 expires;	/* stub_elapsed() */
	int		 revoked;
	struct token	*next;
};

struct oauth {
	struct stub		*st;
	struct token		*tokens;
	unsigned long long	 seq;
};

struct oauth *
oauth_new(struct stub *st)
{
	struct oauth	*o = calloc(1, sizeof(*o));

	if (o) {
		o->st = st;
		o->seq = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	}
	return o;
}

void
oauth_free(struct oauth *o)
{
	struct token	*t;

	if (o == NULL)
		return;
	while ((t = o->tokens) != NULL) {
		o->tokens = t->next;
		free(t);
	}
	free(o);
}

void
oauth_revoke(struct oauth *o)
{
	struct token	*t;

	for (t = o->tokens; t; t = t->next)
		t->revoked = 1;
}

/* An RFC 6749 error: {"error": ..., "error_description": ...}. */
static void
token_error(struct call *c, int status, const char *error, const char *desc)
{
	cJSON	*j = cJSON_CreateObject();

	snprintf(c->note, sizeof(c->note), "%s: %s", error, desc);
	cJSON_AddStringToObject(j, "error", error);
	cJSON_AddStringToObject(j, "error_description", desc);
	if (status == 401)
		c->www_auth = strdup("Basic realm=\"stub_admin\"");
	call_json(c, status, j);
}

static int
b64dec(const char *in, char *out, size_t outlen)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	unsigned		 acc = 0;
	int			 bits = 0;
	size_t			 n = 0;

	for (; *in && *in != '='; in++) {
		if ((p = strchr(tab, *in)) == NULL || *in == '\0')
			return -1;
		acc = (acc << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return 0;
}

static void
issue(struct oauth *o, struct call *c)
{
	struct stub_opts	*opt = &o->st->o;
	struct evkeyvalq	 form;
	const char		*grant, *fid, *fsecret, *scope, *auth;
	char			 ctype[64] = "", basic[512], *id = NULL, *secret = NULL, *colon;
	struct token		*t;
	cJSON			*j, *rec;
	unsigned long long	 z;
	int			 i;

	TAILQ_INIT(&form);
	auth = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
	snprintf(ctype, sizeof(ctype), "%s",
	    evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type") ?
	    evhttp_find_header(evhttp_request_get_input_headers(c->req), "Content-Type") : "");
	if (strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0 ||
	    strlen(c->body) != c->bodylen || evhttp_parse_query_str(c->body, &form) == -1) {
		token_error(c, 400, "invalid_request", "want a form-encoded body");
		goto out;
	}
	grant = evhttp_find_header(&form, "grant_type");
	fid = evhttp_find_header(&form, "client_id");
	fsecret = evhttp_find_header(&form, "client_secret");
	scope = evhttp_find_header(&form, "scope");
	if (grant == NULL || strcmp(grant, "client_credentials") != 0) {
		token_error(c, 400, "unsupported_grant_type", "only client_credentials");
		goto out;
	}
	/* RFC 6749 2.3.1: HTTP Basic (form-urlencoded id and secret) or form fields, not both. */
	if (auth && strncasecmp(auth, "Basic ", 6) == 0) {
		if (fsecret) {
			token_error(c, 400, "invalid_request", "client authenticated twice");
			goto out;
		}
		if (b64dec(auth + 6, basic, sizeof(basic)) == -1 ||
		    (colon = strchr(basic, ':')) == NULL) {
			token_error(c, 401, "invalid_client", "bad Basic credentials");
			goto out;
		}
		*colon = '\0';
		id = evhttp_uridecode(basic, 1, NULL);
		secret = evhttp_uridecode(colon + 1, 1, NULL);
	} else if (fid && fsecret) {
		id = strdup(fid);
		secret = strdup(fsecret);
	}
	if (id == NULL || secret == NULL || strcmp(id, opt->client_id) != 0 ||
	    strcmp(secret, opt->client_secret) != 0) {
		token_error(c, 401, "invalid_client", "unknown client or wrong secret");
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		token_error(c, 500, "server_error", "out of memory");
		goto out;
	}
	z = ++o->seq * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	i = snprintf(t->value, sizeof(t->value), "stub.%016llx", z ^ (z >> 27));
	snprintf(t->value + i, sizeof(t->value) - (size_t)i, ".%llu", o->seq);
	t->expires = stub_elapsed(o->st) + opt->token_ttl;
	t->next = o->tokens;
	o->tokens = t;
	j = cJSON_CreateObject();
	if (opt->hostile_token) {
		char	poisoned[96];

		/* A live token with a header smuggled after it: a client must refuse it whole. */
		snprintf(poisoned, sizeof(poisoned), "%s\r\nX-Injected: yes", t->value);
		cJSON_AddStringToObject(j, "access_token", poisoned);
		snprintf(c->note, sizeof(c->note), "hostile: token with CRLF (--hostile-token crlf)");
	} else
		cJSON_AddStringToObject(j, "access_token", t->value);
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	cJSON_AddNumberToObject(j, "expires_in", opt->token_ttl);
	cJSON_AddStringToObject(j, "scope", scope ? scope : "all");
	call_json(c, 200, j);
	/* Recorded without the secret. */
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "grant_type", grant);
	cJSON_AddStringToObject(rec, "client_id", id);
	cJSON_AddStringToObject(rec, "client_auth", fsecret ? "form" : "basic");
	if (scope)
		cJSON_AddStringToObject(rec, "scope", scope);
	if (evhttp_find_header(&form, "audience"))
		cJSON_AddStringToObject(rec, "audience", evhttp_find_header(&form, "audience"));
	c->rec_body = rec;
 out:
	free(id);
	free(secret);
	evhttp_clear_headers(&form);
}

static cJSON *
strings(const char *const *v)
{
	cJSON	*a = cJSON_CreateArray();

	for (; *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

int
oauth_route(struct oauth *o, struct call *c)
{
	static const char *const responses[] = { "code", "token", "code token", NULL };
	static const char *const scopes[] = { "all", "offline", "access_token", NULL };
	static const char *const methods[] = { "client_secret_basic", NULL };
	static const char *const challenges[] = { "S256", NULL };
	static const char *const grants[] = { "client_credentials", "refresh_token",
	    "authorization_code", NULL };
	char	 base[64], buf[128];
	cJSON	*j;
	int	 token = c->nsegs == 2 && !strcmp(c->segs[0], "oauth2") && !strcmp(c->segs[1], "token");
	int	 meta = c->nsegs == 2 && !strcmp(c->segs[0], ".well-known") &&
		    !strcmp(c->segs[1], "oauth-authorization-server");
	int	 client = c->nsegs == 3 && !strcmp(c->segs[0], "config") &&
		    !strcmp(c->segs[1], "v1") && !strcmp(c->segs[2], "flyte_client");

	/* Admin serves these only with auth on. */
	if (!o->st->o.auth || !(token || meta || client))
		return 0;
	if (c->method != (token ? EVHTTP_REQ_POST : EVHTTP_REQ_GET)) {
		call_error(c, 405, 12, "Method Not Allowed");
		return 1;
	}
	if (token) {
		issue(o, c);
		return 1;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", o->st->port);
	j = cJSON_CreateObject();
	if (meta) {
		/* flyteidl.service.OAuth2MetadataResponse: RFC 8414 through the gateway. */
		cJSON_AddStringToObject(j, "issuer", base);
		snprintf(buf, sizeof(buf), "%s/oauth2/authorize", base);
		cJSON_AddStringToObject(j, "authorization_endpoint", buf);
		snprintf(buf, sizeof(buf), "%s/oauth2/token", base);
		cJSON_AddStringToObject(j, "token_endpoint", buf);
		cJSON_AddItemToObject(j, "response_types_supported", strings(responses));
		cJSON_AddItemToObject(j, "scopes_supported", strings(scopes));
		cJSON_AddItemToObject(j, "token_endpoint_auth_methods_supported", strings(methods));
		snprintf(buf, sizeof(buf), "%s/oauth2/jwks", base);
		cJSON_AddStringToObject(j, "jwks_uri", buf);
		cJSON_AddItemToObject(j, "code_challenge_methods_supported", strings(challenges));
		cJSON_AddItemToObject(j, "grant_types_supported", strings(grants));
		call_message(c, 200, "flyteidl.service.OAuth2MetadataResponse", j);
	} else {
		static const char *const all[] = { "all", NULL };

		cJSON_AddStringToObject(j, "client_id", "flytectl");
		cJSON_AddStringToObject(j, "redirect_uri", "http://localhost:53593/callback");
		cJSON_AddItemToObject(j, "scopes", strings(all));
		cJSON_AddStringToObject(j, "authorization_metadata_key", o->st->o.auth_header);
		cJSON_AddStringToObject(j, "audience", base);
		call_message(c, 200, "flyteidl.service.PublicClientAuthConfigResponse", j);
	}
	return 1;
}

static int
unauthenticated(struct call *c, const char *msg)
{
	call_error(c, 401, 16, "%s", msg);
	/* grpc-gateway puts the status message in WWW-Authenticate. */
	free(c->www_auth);
	c->www_auth = strdup(msg);
	return -1;
}

int
oauth_check(struct oauth *o, struct call *c)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(c->req);
	const char		*v, *name = "authorization";
	struct token		*t;

	/*
	 * Admin reads the first "authorization" metadata value: the HTTP
	 * Authorization header, else its own header (flyte-authorization).
	 */
	if ((v = evhttp_find_header(in, "Authorization")) == NULL &&
	    (v = evhttp_find_header(in, o->st->o.auth_header)) != NULL)
		name = o->st->o.auth_header;
	if (v == NULL)
		return unauthenticated(c, "Request unauthenticated: no bearer token "
		    "(authorization header missing)");
	if (strncasecmp(v, "Bearer ", 7) != 0)
		return unauthenticated(c, "Request unauthenticated: bad authorization "
		    "scheme, want Bearer");
	for (t = o->tokens; t; t = t->next)
		if (strcmp(t->value, v + 7) == 0)
			break;
	if (t == NULL || t->revoked)
		return unauthenticated(c, "Request unauthenticated: token is not valid");
	if (stub_elapsed(o->st) >= t->expires)
		return unauthenticated(c, "Request unauthenticated: token is expired");
	c->auth_header = name;
	return 0;
}
