/* executions.c: executions created through the stub: Admin's create checks, phases over time, terminate, ListExecutions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "pjson.h"
#include "stub.h"

/*
 * One execution. Kept small, so a million of them fit: the spec as the
 * compact JSON text Admin would store (parsed again for a GET), the launch
 * plan as a pointer into the catalog.
 */
struct exec {
	char		*project;	/* "project\0domain\0name\0", one allocation */
	const char	*domain;
	const char	*name;
	uint32_t	 hash;
	char		*spec;		/* canonical sparse ExecutionSpec, printed */
	const cJSON	*plan;		/* the catalog's admin.LaunchPlan */
	long long	 wall_s;	/* created_at */
	int		 wall_ns;
	double		 t0;		/* stub_elapsed() at creation */
	double		 spread;	/* seconds of --phase-spread before the end */
	int		 fails;		/* launch plan name ends in _fails */
	double		 t_abort;	/* < 0: not aborted */
	char		*cause;
	const char	*forced;	/* phase set through /stub, or NULL */
	double		 t_forced;
	size_t		 seq;		/* creation order */
	struct exec	*next;		/* hash chain */
	struct exec	*plan_next;	/* same launch plan name, newest first */
};

/* Executions by launch plan name (project, domain, name), for concurrency limits. */
struct plan_execs {
	const char	*project, *domain, *name;	/* into the catalog */
	struct exec	*head;
};

struct execs {
	struct stub		*st;
	struct exec		**b;	/* hash buckets, a power of two */
	size_t			 nb;
	struct exec		**all;	/* creation order */
	size_t			 n, cap;
	struct plan_execs	*plans;
	size_t			 nplans;
	unsigned long long	 seq;	/* for generated names */
};

/* Where an execution stands at a moment. */
struct state {
	const char	*phase;
	double		 started;	/* < 0: not started */
	double		 updated;
};

static const cJSON *
get(const cJSON *j, const char *key)
{
	return j ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
}

static const char *
str(const cJSON *j, const char *key)
{
	const cJSON	*v = get(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static uint32_t
hash_id(const char *p, const char *d, const char *n)
{
	uint32_t	 h = 2166136261u;
	const char	*parts[3] = { p, d, n }, *s;
	int		 i;

	for (i = 0; i < 3; i++) {
		for (s = parts[i]; *s; s++)
			h = (h ^ (unsigned char)*s) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h;
}

static struct exec *
lookup(struct execs *xs, const char *p, const char *d, const char *n)
{
	uint32_t	 h = hash_id(p, d, n);
	struct exec	*x;

	if (xs->nb == 0)
		return NULL;
	for (x = xs->b[h & (xs->nb - 1)]; x; x = x->next)
		if (x->hash == h && strcmp(x->name, n) == 0 &&
		    strcmp(x->project, p) == 0 && strcmp(x->domain, d) == 0)
			return x;
	return NULL;
}

/* Room for one more execution: the buckets double past one execution per bucket. */
static int
reserve(struct execs *xs)
{
	struct exec	**nb, **all, *x, *next;
	size_t		  i, size;

	if (xs->n + 1 > xs->cap) {
		size = xs->cap ? xs->cap * 2 : 1024;
		if ((all = realloc(xs->all, size * sizeof(*all))) == NULL)
			return -1;
		xs->all = all;
		xs->cap = size;
	}
	if (xs->n + 1 <= xs->nb)
		return 0;
	size = xs->nb ? xs->nb * 2 : 1024;
	if ((nb = calloc(size, sizeof(*nb))) == NULL)
		return -1;
	for (i = 0; i < xs->nb; i++)
		for (x = xs->b[i]; x; x = next) {
			next = x->next;
			x->next = nb[x->hash & (size - 1)];
			nb[x->hash & (size - 1)] = x;
		}
	free(xs->b);
	xs->b = nb;
	xs->nb = size;
	return 0;
}

static void
exec_free(struct exec *x)
{
	free(x->project);
	free(x->cause);
	free(x->spec);
	free(x);
}

struct execs *
execs_new(struct stub *st)
{
	struct execs	*xs = calloc(1, sizeof(*xs));

	if (xs)
		xs->st = st;
	return xs;
}

void
execs_reset(struct execs *xs)
{
	size_t	i;

	for (i = 0; i < xs->n; i++)
		exec_free(xs->all[i]);
	free(xs->all);
	free(xs->b);
	free(xs->plans);
	xs->all = NULL;
	xs->b = NULL;
	xs->plans = NULL;
	xs->n = xs->cap = xs->nb = xs->nplans = 0;
}

void
execs_free(struct execs *xs)
{
	if (xs == NULL)
		return;
	execs_reset(xs);
	free(xs);
}

size_t
execs_count(const struct execs *xs)
{
	return xs->n;
}

/* The list of executions of a launch plan name, made on first use. */
static struct plan_execs *
plan_list(struct execs *xs, const cJSON *plan)
{
	const cJSON		*id = get(plan, "id");
	const char		*p = str(id, "project"), *d = str(id, "domain"), *n = str(id, "name");
	struct plan_execs	*pl;
	size_t			 i;

	/* As many as the catalog has names: a handful. */
	for (i = 0; i < xs->nplans; i++)
		if (strcmp(xs->plans[i].name, n) == 0 && strcmp(xs->plans[i].project, p) == 0 &&
		    strcmp(xs->plans[i].domain, d) == 0)
			return &xs->plans[i];
	if ((pl = realloc(xs->plans, (xs->nplans + 1) * sizeof(*pl))) == NULL)
		return NULL;
	xs->plans = pl;
	pl = &xs->plans[xs->nplans++];
	pl->project = p;
	pl->domain = d;
	pl->name = n;
	pl->head = NULL;
	return pl;
}

/*
 * QUEUED, RUNNING after --phase-after seconds, SUCCEEDED (FAILED for a
 * launch plan named *_fails) after twice that plus the execution's share of
 * --phase-spread. An abort or a forced phase freezes that timeline; the
 * later of the two wins.
 */
static void
exec_state(const struct execs *xs, const struct exec *x, double now, struct state *s)
{
	double	S = xs->st->o.phase_after, stop = now;
	int	forced = x->forced && x->t_forced <= now;
	int	aborted = x->t_abort >= 0 && x->t_abort <= now;

	if (aborted && x->t_abort < stop)
		stop = x->t_abort;
	if (forced && x->t_forced < stop)
		stop = x->t_forced;
	s->phase = "QUEUED";
	s->started = -1;
	s->updated = x->t0;
	if (S > 0 && stop - x->t0 >= S) {
		s->phase = "RUNNING";
		s->started = s->updated = x->t0 + S;
	}
	if (S > 0 && stop - x->t0 >= 2 * S + x->spread) {
		s->phase = x->fails ? "FAILED" : "SUCCEEDED";
		s->updated = x->t0 + 2 * S + x->spread;
	}
	if (forced && (!aborted || x->t_forced > x->t_abort)) {
		s->phase = x->forced;
		s->updated = x->t_forced;
		if (s->started < 0 && strcmp(x->forced, "QUEUED") != 0 &&
		    strcmp(x->forced, "UNDEFINED") != 0)
			s->started = x->t_forced;
	} else if (aborted) {
		s->phase = "ABORTED";
		s->updated = x->t_abort;
	}
}

static int
terminal(const char *phase)
{
	/* flyteadmin's terminalExecutionPhases. */
	return strcmp(phase, "SUCCEEDED") == 0 || strcmp(phase, "FAILED") == 0 ||
	    strcmp(phase, "ABORTED") == 0 || strcmp(phase, "TIMED_OUT") == 0;
}

static void
add_time(cJSON *obj, const char *key, const struct exec *x, double t)
{
	double		off = t - x->t0;
	long long	s = x->wall_s + (long long)off;
	long long	ns = x->wall_ns + (long long)((off - (double)(long long)off) * 1e9);
	char		buf[64];

	if (ns >= 1000000000LL) {
		s++;
		ns -= 1000000000LL;
	}
	/* Microseconds, as Postgres keeps them. */
	pjson_format_timestamp(s, (int)(ns / 1000 * 1000), buf, sizeof(buf));
	cJSON_AddStringToObject(obj, key, buf);
}

static cJSON *
exec_json(const struct execs *xs, const struct exec *x)
{
	struct state	 s;
	cJSON		*e = cJSON_CreateObject(), *id, *cl, *d;
	char		 buf[64];
	const char	*principal = xs->st->o.auth ? xs->st->o.client_id : "";

	exec_state(xs, x, stub_elapsed(xs->st), &s);
	id = cJSON_AddObjectToObject(e, "id");
	cJSON_AddStringToObject(id, "project", x->project);
	cJSON_AddStringToObject(id, "domain", x->domain);
	cJSON_AddStringToObject(id, "name", x->name);
	cJSON_AddItemToObject(e, "spec", cJSON_Parse(x->spec));
	cl = cJSON_AddObjectToObject(e, "closure");
	cJSON_AddStringToObject(cl, "phase", s.phase);
	if (s.started >= 0)
		add_time(cl, "started_at", x, s.started);
	if (terminal(s.phase)) {
		snprintf(buf, sizeof(buf), "%.6fs", s.updated - (s.started >= 0 ? s.started : s.updated));
		cJSON_AddStringToObject(cl, "duration", buf);
	}
	add_time(cl, "created_at", x, x->t0);
	add_time(cl, "updated_at", x, s.updated);
	cJSON_AddItemToObject(cl, "workflow_id",
	    cJSON_Duplicate(get(get(x->plan, "spec"), "workflow_id"), 1));
	d = cJSON_AddObjectToObject(cl, "state_change_details");
	cJSON_AddStringToObject(d, "state", "EXECUTION_ACTIVE");
	add_time(d, "occurred_at", x, x->t0);
	cJSON_AddStringToObject(d, "principal", principal);
	if (strcmp(s.phase, "FAILED") == 0) {
		d = cJSON_AddObjectToObject(cl, "error");
		cJSON_AddStringToObject(d, "code", "USER:StubFailure");
		cJSON_AddStringToObject(d, "message",
		    "stub: launch plans named *_fails fail after 2 * --phase-after");
		cJSON_AddStringToObject(d, "kind", "USER");
	} else if (strcmp(s.phase, "ABORTED") == 0 && x->t_abort >= 0) {
		d = cJSON_AddObjectToObject(cl, "abort_metadata");
		cJSON_AddStringToObject(d, "cause", x->cause ? x->cause : "");
		cJSON_AddStringToObject(d, "principal", principal);
	}
	return e;
}

/* --- checks ---------------------------------------------------------- */

static int
k8s_name(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9');

		if (!alnum && ((i == 0 || i == n - 1) || (ch != '-' && ch != '_' && ch != '.')))
			return 0;
	}
	return 1;
}

static int
k8s_key(const char *k)
{
	const char	*slash = strrchr(k, '/');
	size_t		 i;

	if (slash == NULL)
		return k8s_name(k, 63);
	/* prefix: a DNS-1123 subdomain. */
	if (slash == k || (size_t)(slash - k) > 253)
		return 0;
	for (i = 0; k + i < slash; i++) {
		char ch = k[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return 0;
	}
	return k8s_name(slash + 1, 63);
}

/* Labels and annotations end up on the FlyteWorkflow object in Kubernetes. */
static int
check_k8s_metadata(struct call *c, const cJSON *spec)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, get(get(spec, "labels"), "values"))
		if (!k8s_key(it->string) || (*it->valuestring && !k8s_name(it->valuestring, 63))) {
			/*
			 * Admin itself takes them; the Kubernetes API refuses the
			 * workflow object and Admin reports that as Internal.
			 */
			call_error(c, 500, 13, "failed to create workflow in propeller "
			    "FlyteWorkflow.flyte.lyft.com is invalid: metadata.labels: "
			    "Invalid value: \"%s\"", *it->valuestring && k8s_key(it->string) ?
			    it->valuestring : it->string);
			return -1;
		}
	cJSON_ArrayForEach(it, get(get(spec, "annotations"), "values"))
		if (!k8s_key(it->string)) {
			call_error(c, 500, 13, "failed to create workflow in propeller "
			    "FlyteWorkflow.flyte.lyft.com is invalid: metadata.annotations: "
			    "Invalid value: \"%s\"", it->string);
			return -1;
		}
	return 0;
}

static int
valid_name(const char *n)
{
	/* Admin: ^[a-z][a-z\-0-9]*$ (on the lower-cased name; the stub wants it lower already). */
	if (*n < 'a' || *n > 'z')
		return 0;
	for (n++; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '-'))
			return 0;
	return 1;
}

static void
generate_name(struct execs *xs, char *buf)
{
	/* flyteadmin: "a" + 19 characters of Kubernetes' rand alphabet. */
	static const char	alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned long long	z = ++xs->seq * 0x9e3779b97f4a7c15ULL ^ (unsigned long long)time(NULL);
	int			i;

	buf[0] = 'a';
	for (i = 1; i < 20; i++) {
		z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL + 0x632be59bd9b4e019ULL;
		buf[i] = alphabet[(z >> 33) % (sizeof(alphabet) - 1)];
	}
	buf[20] = '\0';
}

static int
active_of_plan(struct execs *xs, const cJSON *plan)
{
	struct plan_execs	*pl = plan_list(xs, plan);
	struct exec		*x;
	struct state		 s;
	double			 now = stub_elapsed(xs->st);
	int			 count = 0;

	for (x = pl ? pl->head : NULL; x; x = x->plan_next) {
		exec_state(xs, x, now, &s);
		if (!terminal(s.phase))
			count++;
	}
	return count;
}

/* s as a JSON string (quoted, escaped) appended at *o; returns the new end. */
static char *
json_string(char *o, const char *s)
{
	static const char	hex[] = "0123456789abcdef";

	*o++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[ch >> 4];
			o[5] = hex[ch & 15];
			o += 6;
		} else
			*o++ = (char)ch;
	}
	*o++ = '"';
	return o;
}

/* {"id":{"project":..,"domain":..,"name":..,"org":""}}, or NULL. */
static char *
create_response(const char *p, const char *d, const char *n)
{
	size_t	 len = 64 + 6 * (strlen(p) + strlen(d) + strlen(n));
	char	*out = malloc(len), *o = out;

	if (out == NULL)
		return NULL;
	o += sprintf(o, "{\"id\":{\"project\":");
	o = json_string(o, p);
	o += sprintf(o, ",\"domain\":");
	o = json_string(o, d);
	o += sprintf(o, ",\"name\":");
	o = json_string(o, n);
	strcpy(o, ",\"org\":\"\"}}");
	return out;
}

/*
 * A hostile mode's 200 to a create, never Admin's ExecutionCreateResponse:
 * a proxy's login page or an error object (nothing was created: the call is
 * not recorded), or the answer to a create carried out (`created`, taken
 * over) lost to an empty body or cut short.
 */
static void
hostile_answer(struct stub *st, struct call *c, char *created)
{
	static const char	page[] = "<!DOCTYPE html>\n<html><head><title>Sign in"
				    "</title></head>\r\n<body><form method=\"post\" "
				    "action=\"/login\"><input name=\"user\"></form>"
				    "</body></html>\n";

	st->stats.hostile++;
	switch (st->o.hostile_create) {
	case HOSTILE_HTML:
		c->refused = 1;
		call_raw(c, 200, strdup(page), "text/html; charset=utf-8");
		break;
	case HOSTILE_ERROR_OBJECT:
		c->refused = 1;
		call_error(c, 200, 3, "stub: an error in a 200 (--hostile-create error-object)");
		break;
	case HOSTILE_EMPTY:
		call_raw_json(c, 200, strdup(""));
		break;
	case HOSTILE_INVALID_JSON:
		if (created != NULL)
			created[strlen(created) / 2] = '\0';
		call_raw_json(c, 200, created);
		created = NULL;
		break;
	}
	free(created);
	if (c->note[0] == '\0')
		snprintf(c->note, sizeof(c->note), "hostile: a 200 that is not Admin's "
		    "answer%s", c->refused ? ", nothing created" : "");
}

/* --- routes ---------------------------------------------------------- */

static void
create(struct execs *xs, struct call *c)
{
	struct stub	*st = xs->st;
	char		 err[768], gen[32];
	cJSON		*in, *req = NULL;
	const cJSON	*spec, *lpid, *literals, *plan, *policy;
	const char	*p, *d, *n, *rt;
	const char	*fields[] = { "project", "domain", "name", "version" };
	const char	*sched = NULL;
	struct exec	*x = NULL;
	struct plan_execs *pl;
	size_t		 i, plen, dlen, nlen;

	/* What stands in front of Admin answers before Admin sees the request. */
	if (st->o.hostile_create == HOSTILE_HTML ||
	    st->o.hostile_create == HOSTILE_ERROR_OBJECT) {
		hostile_answer(st, c, NULL);
		return;
	}
	if ((in = call_body_json(c)) == NULL)
		return;
	c->rec_body = in;
	req = pjson_convert(pjson_message("flyteidl.admin.ExecutionCreateRequest"), in,
	    (c->flags & CALL_LENIENT) ? PJ_IN_DISCARD_UNKNOWN : 0, "body", err, sizeof(err));
	if (req == NULL) {
		call_error(c, 400, 3, "%s", err);
		return;
	}
	/* flyteadmin's ValidateExecutionRequest, then CreateExecution, in order. */
	if ((p = str(req, "project")) == NULL || (d = str(req, "domain")) == NULL) {
		call_error(c, 400, 3, "missing %s", p ? "domain" : "project");
		goto out;
	}
	if ((n = str(req, "name")) != NULL) {
		if (strlen(n) > 63) {
			call_error(c, 400, 3, "size of name exceeded length 63 : %s", n);
			goto out;
		}
		if (!valid_name(n)) {
			call_error(c, 400, 3, "invalid name format: %s, does not match regex "
			    "'^[a-z][a-z\\-0-9]*$'", n);
			goto out;
		}
	} else {
		generate_name(xs, gen);
		n = gen;
	}
	if (!catalog_has_project(st->catalog, p, d)) {
		call_error(c, 400, 3, "failed to validate that project [%s] and domain [%s] "
		    "are registered", p, d);
		goto out;
	}
	if ((spec = get(req, "spec")) == NULL) {
		call_error(c, 400, 3, "missing spec");
		goto out;
	}
	if ((lpid = get(spec, "launch_plan")) == NULL) {
		call_error(c, 400, 3, "missing launch_plan (spec.launch_plan)");
		goto out;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (str(lpid, fields[i]) == NULL) {
			call_error(c, 400, 3, "missing %s (spec.launch_plan)", fields[i]);
			goto out;
		}
	rt = str(lpid, "resource_type");
	if (rt == NULL || (strcmp(rt, "LAUNCH_PLAN") != 0 && strcmp(rt, "TASK") != 0)) {
		call_error(c, 400, 3, "Invalid reference entity resource type %s, only "
		    "[LAUNCH_PLAN TASK] allowed", rt ? rt : "UNSPECIFIED");
		goto out;
	}
	if (strcmp(rt, "TASK") == 0) {
		call_error(c, 400, 3, "stub: only launch plan executions are served");
		goto out;
	}
	/* Top-level inputs win; spec.inputs is the pre-0.15 place. */
	literals = get(get(req, "inputs"), "literals");
	if (cJSON_GetArraySize(literals) == 0)
		literals = get(get(spec, "inputs"), "literals");
	if ((plan = catalog_find(st->catalog, str(lpid, "project"), str(lpid, "domain"),
	    str(lpid, "name"), str(lpid, "version"))) == NULL) {
		call_error(c, 404, 5, "missing entity of type LAUNCH_PLAN with identifier "
		    "project:\"%s\" domain:\"%s\" name:\"%s\" version:\"%s\"",
		    str(lpid, "project"), str(lpid, "domain"), str(lpid, "name"),
		    str(lpid, "version"));
		goto out;
	}
	if (catalog_check_inputs(plan, literals, err, sizeof(err)) == -1) {
		call_error(c, 400, 3, "%s", err);
		goto out;
	}
	policy = get(get(plan, "spec"), "concurrency_policy");
	if (policy && str(policy, "behavior") &&
	    strcmp(str(policy, "behavior"), "CONCURRENCY_LIMIT_BEHAVIOR_SKIP") == 0 &&
	    cJSON_IsNumber(get(policy, "max")) &&
	    active_of_plan(xs, plan) >= get(policy, "max")->valueint) {
		/* The other AlreadyExists: not this execution at all (SPEC section 5). */
		call_error(c, 409, 6, "concurrency limit (%d) reached for launch plan %s; "
		    "skipping execution", get(policy, "max")->valueint, str(lpid, "name"));
		goto out;
	}
	if (check_k8s_metadata(c, spec) == -1)
		goto out;
	if (lookup(xs, p, d, n) != NULL) {
		/* Postgres' unique violation, through flyteadmin's error transformer. */
		call_error(c, 409, 6, "execution already exists %s/%s/%s: value with matching "
		    "already exists (duplicate key value violates unique constraint "
		    "\"executions_pkey\")", p, d, n);
		goto out;
	}
	/* Admin stores the authenticated user as principal, whatever was sent. */
	{
		cJSON *ms = cJSON_GetObjectItemCaseSensitive(req, "spec");
		cJSON *md = cJSON_GetObjectItemCaseSensitive(ms, "metadata");

		if (md == NULL)
			md = cJSON_AddObjectToObject(ms, "metadata");
		cJSON_DeleteItemFromObjectCaseSensitive(md, "principal");
		if (st->o.auth)
			cJSON_AddStringToObject(md, "principal", st->o.client_id);
		cJSON_DeleteItemFromObjectCaseSensitive(ms, "inputs");
		sched = str(md, "scheduled_at");
	}
	plen = strlen(p) + 1;
	dlen = strlen(d) + 1;
	nlen = strlen(n) + 1;
	if (reserve(xs) == -1 || (pl = plan_list(xs, plan)) == NULL ||
	    (x = calloc(1, sizeof(*x))) == NULL ||
	    (x->project = malloc(plen + dlen + nlen)) == NULL ||
	    (x->spec = cJSON_PrintUnformatted(spec)) == NULL) {
		if (x)
			exec_free(x);
		call_error(c, 500, 13, "stub: out of memory");
		goto out;
	}
	memcpy(x->project, p, plen);
	memcpy(x->project + plen, d, dlen);
	memcpy(x->project + plen + dlen, n, nlen);
	x->domain = x->project + plen;
	x->name = x->domain + dlen;
	x->hash = hash_id(p, d, n);
	x->plan = plan;
	stub_wallclock(&x->wall_s, &x->wall_ns);
	x->t0 = stub_elapsed(st);
	/* Where in --phase-spread it ends: from its name, so a rerun ends the same way. */
	x->spread = st->o.phase_spread * (double)(hash_id(n, d, p) >> 8) / 16777216.0;
	x->t_abort = -1;
	i = strlen(str(lpid, "name"));
	x->fails = i >= 6 && strcmp(str(lpid, "name") + i - 6, "_fails") == 0;
	x->seq = xs->n;
	x->next = xs->b[x->hash & (xs->nb - 1)];
	xs->b[x->hash & (xs->nb - 1)] = x;
	xs->all[xs->n++] = x;
	x->plan_next = pl->head;
	pl->head = x;
	{
		long long	secs = 0;
		int		nanos = 0, has = sched && pjson_parse_timestamp(sched, &secs, &nanos) == 0;

		stub_note_create(st, c->recv_ms, secs * 1000 + nanos / 1000000, has);
	}
	/*
	 * ExecutionCreateResponse as call_message would marshal it (every
	 * field, proto order; the names are the same in lowerCamelCase), made
	 * directly: it is the answer to every create, and the converter's two
	 * trees showed in profiles of bursts.
	 */
	if (st->o.hostile_create != HOSTILE_NONE) {
		hostile_answer(st, c, create_response(x->project, x->domain, x->name));
		goto out;
	}
	call_raw_json(c, 200, create_response(x->project, x->domain, x->name));
	if (st->o.lost_reply_rate > 0 && stub_random(st) < st->o.lost_reply_rate) {
		/* Done and recorded, but the client hears a failure: it must retry into a 409. */
		c->accepted = 1;
		call_error(c, 503, 14, "stub: reply lost after the execution was created "
		    "(--lost-reply-rate %g)", st->o.lost_reply_rate);
	}
 out:
	cJSON_Delete(req);
}

static void
terminate(struct execs *xs, struct call *c, struct exec *x)
{
	char		 err[768];
	cJSON		*in, *req;
	struct state	 s;
	const char	*cause;

	if ((in = call_body_json(c)) == NULL)
		return;
	c->rec_body = in;
	req = pjson_convert(pjson_message("flyteidl.admin.ExecutionTerminateRequest"), in,
	    (c->flags & CALL_LENIENT) ? PJ_IN_DISCARD_UNKNOWN : 0, "body", err, sizeof(err));
	if (req == NULL) {
		call_error(c, 400, 3, "%s", err);
		return;
	}
	exec_state(xs, x, stub_elapsed(xs->st), &s);
	if (terminal(s.phase)) {
		/* NewAlreadyInTerminalStateError: FailedPrecondition, HTTP 400. */
		call_error(c, 400, 9, "Cannot abort an already terminated workflow execution "
		    "(phase %s)", s.phase);
	} else {
		cause = str(req, "cause");
		free(x->cause);
		x->cause = strdup(cause ? cause : "");
		x->t_abort = stub_elapsed(xs->st);
		call_message(c, 200, "flyteidl.admin.ExecutionTerminateResponse",
		    cJSON_CreateObject());
	}
	cJSON_Delete(req);
}

/* --- ListExecutions ------------------------------------------------- */

/* Query parameters as Go's url.ParseQuery (under net/http's ParseForm) reads them. */
struct qparam {
	char	*key;
	char	*value;
};

static int
unhex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* url.QueryUnescape: '+' is a space, %XX a byte. Returns a new string, or NULL with err. */
static char *
query_unescape(const char *s, size_t n, char *err, size_t errlen)
{
	char	*out = malloc(n + 1), *o = out;
	size_t	 i;

	if (out == NULL) {
		snprintf(err, errlen, "stub: out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0) {
				/* Go quotes the bad escape, at most three characters of it. */
				snprintf(err, errlen, "invalid URL escape \"%.*s\"",
				    (int)(n - i < 3 ? n - i : 3), s + i);
				free(out);
				return NULL;
			}
			*o++ = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static void
qparams_free(struct qparam *qp, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		free(qp[i].key);
		free(qp[i].value);
	}
	free(qp);
}

/*
 * Split the raw query. Since Go 1.17 a ';' is no separator but an error,
 * which grpc-gateway answers 400; so is a bad %-escape. Returns the count,
 * or -1 with err.
 */
static int
qparams_parse(const char *q, struct qparam **out, char *err, size_t errlen)
{
	struct qparam	*qp = NULL, *nq;
	const char	*amp, *eq, *end;
	char		 scratch[256];
	int		 n = 0, bad = 0;

	*out = NULL;
	err[0] = '\0';
	while (q != NULL && *q) {
		amp = strchr(q, '&');
		end = amp ? amp : q + strlen(q);
		if (memchr(q, ';', (size_t)(end - q)) != NULL) {
			if (!bad)
				snprintf(err, errlen, "invalid semicolon separator in query");
			bad = 1;
		} else if (end > q) {
			eq = memchr(q, '=', (size_t)(end - q));
			if ((nq = realloc(qp, (size_t)(n + 1) * sizeof(*qp))) == NULL)
				goto nomem;
			qp = nq;
			qp[n].key = qp[n].value = NULL;
			/* Go goes on past a bad pair; the first error is the one reported. */
			if ((qp[n].key = query_unescape(q, (size_t)((eq ? eq : end) - q),
			    bad ? scratch : err, bad ? sizeof(scratch) : errlen)) == NULL ||
			    (qp[n].value = query_unescape(eq ? eq + 1 : end,
			    eq ? (size_t)(end - eq - 1) : 0, bad ? scratch : err,
			    bad ? sizeof(scratch) : errlen)) == NULL) {
				free(qp[n].key);
				bad = 1;
			} else
				n++;
		}
		q = amp ? amp + 1 : NULL;
	}
	if (bad) {
		qparams_free(qp, n);
		return -1;
	}
	*out = qp;
	return n;
 nomem:
	qparams_free(qp, n);
	snprintf(err, errlen, "stub: out of memory");
	return -1;
}

/* The last value of key or of its lowerCamelCase twin (grpc-gateway takes both), or NULL. */
static const char *
qparam(const struct qparam *qp, int n, const char *snake, const char *camel)
{
	const char	*v = NULL;
	int		 i;

	for (i = 0; i < n; i++)
		if (strcmp(qp[i].key, snake) == 0 || (camel && strcmp(qp[i].key, camel) == 0))
			v = qp[i].value;
	return v;
}

/* Sort keys: any execution column is valid in Admin; these the stub can order by. */
enum { SK_SEQ, SK_CREATED, SK_UPDATED, SK_STARTED, SK_NAME, SK_PROJECT, SK_DOMAIN, SK_PHASE };

struct cand {
	struct exec	*x;
	struct state	 s;
};

static const struct execs *sort_xs;	/* qsort's context: the stub is one thread */
static int sort_key, sort_desc;

static long long
wall_us(const struct exec *x, double t)
{
	return x->wall_s * 1000000LL + x->wall_ns / 1000 + (long long)((t - x->t0) * 1e6);
}

static int
cand_cmp(const void *pa, const void *pb)
{
	const struct cand	*a = pa, *b = pb;
	long long		 ta = 0, tb = 0;
	int			 r = 0;

	(void)sort_xs;
	switch (sort_key) {
	case SK_CREATED:
		ta = wall_us(a->x, a->x->t0);
		tb = wall_us(b->x, b->x->t0);
		break;
	case SK_UPDATED:
		ta = wall_us(a->x, a->s.updated);
		tb = wall_us(b->x, b->s.updated);
		break;
	case SK_STARTED:
		/* Postgres puts NULLs last ascending, first descending. */
		ta = a->s.started < 0 ? INT64_MAX : wall_us(a->x, a->s.started);
		tb = b->s.started < 0 ? INT64_MAX : wall_us(b->x, b->s.started);
		break;
	case SK_NAME:
		r = strcmp(a->x->name, b->x->name);
		break;
	case SK_PROJECT:
		r = strcmp(a->x->project, b->x->project);
		break;
	case SK_DOMAIN:
		r = strcmp(a->x->domain, b->x->domain);
		break;
	case SK_PHASE:
		r = strcmp(a->s.phase, b->s.phase);
		break;
	default:
		break;
	}
	if (r == 0)
		r = ta < tb ? -1 : ta > tb;
	if (sort_desc)
		r = -r;
	/* Ties (and no sort_by at all) in creation order, as rows come out of the table. */
	return r ? r : (a->x->seq < b->x->seq ? -1 : a->x->seq > b->x->seq);
}

static void
fill_row(const struct exec *x, const struct state *s, struct filter_row *r)
{
	const cJSON	*id = get(x->plan, "id"), *wf = get(get(x->plan, "spec"), "workflow_id");

	r->project = x->project;
	r->domain = x->domain;
	r->name = x->name;
	r->phase = s->phase;
	r->created_us = wall_us(x, x->t0);
	r->updated_us = wall_us(x, s->updated);
	r->started_us = s->started < 0 ? -1 : wall_us(x, s->started);
	r->lp_project = str(id, "project");
	r->lp_domain = str(id, "domain");
	r->lp_name = str(id, "name");
	r->lp_version = str(id, "version");
	r->wf_project = str(wf, "project");
	r->wf_domain = str(wf, "domain");
	r->wf_name = str(wf, "name");
	r->wf_version = str(wf, "version");
}

/*
 * GET /api/v1/executions/{project}/{domain}: flyteadmin's ListExecutions.
 * Checks in Admin's order: the query (gateway), limit, filters, sort key,
 * token, then what Postgres would refuse. A page holds at most limit
 * executions; the token is offset + limit whenever the page is full (so a
 * last full page is followed by an empty one), else "".
 */
static void
list(struct execs *xs, struct call *c, const char *p, const char *d)
{
	static const struct { const char *key; int sk; } keys[] = {
		{ "id", SK_SEQ }, { "created_at", SK_CREATED },
		{ "execution_created_at", SK_CREATED }, { "updated_at", SK_UPDATED },
		{ "execution_updated_at", SK_UPDATED }, { "started_at", SK_STARTED },
		{ "execution_name", SK_NAME }, { "execution_project", SK_PROJECT },
		{ "execution_domain", SK_DOMAIN }, { "phase", SK_PHASE },
	};
	static const char *const columns[] = { "deleted_at", "launch_plan_id", "workflow_id",
	    "task_id", "closure", "spec", "duration", "abort_cause", "mode",
	    "source_execution_id", "parent_node_execution_id", "cluster", "inputs_uri",
	    "user_inputs_uri", "error_kind", "error_code", "user", "state", "launch_entity",
	    NULL };
	struct qparam		*qp = NULL;
	struct filters		 fs = { NULL, 0 };
	struct filter_error	 fe, db;
	struct filter_row	 row;
	struct cand		*cands = NULL;
	struct exec		*x;
	const char		*limit_s, *token, *filters, *key, *dir, *idname;
	char			 err[512], **names = NULL, *end, next[32] = "";
	double			 now = stub_elapsed(xs->st);
	long			 limit = 0, off = 0;
	size_t			 ncand = 0, i, k;
	int			 nq, nnames;
	cJSON			*out, *arr;

	if ((nq = qparams_parse(c->query, &qp, err, sizeof(err))) < 0) {
		call_error(c, 400, 3, "%s", err);
		return;
	}
	limit_s = qparam(qp, nq, "limit", NULL);
	token = qparam(qp, nq, "token", NULL);
	filters = qparam(qp, nq, "filters", NULL);
	key = qparam(qp, nq, "sort_by.key", "sortBy.key");
	dir = qparam(qp, nq, "sort_by.direction", "sortBy.direction");
	idname = qparam(qp, nq, "id.name", "id.name");
	if (dir && strcmp(dir, "DESCENDING") && strcmp(dir, "ASCENDING") &&
	    strcmp(dir, "0") && strcmp(dir, "1")) {
		call_error(c, 400, 3, "parsing field \"sort_by.direction\": %s is not "
		    "a valid flyteidl.admin.Sort.Direction", dir);
		goto out;
	}
	if (limit_s == NULL || (limit = strtol(limit_s, &end, 10)) <= 0 || *end ||
	    limit > 4294967295L) {
		call_error(c, 400, 3, "invalid value for limit");
		goto out;
	}
	if (filters_parse(filters, &fs, &fe, &db) == -1) {
		call_error(c, fe.status, fe.code, "%s", fe.msg);
		goto out;
	}
	/* A sort_by given at all must name a column (Admin's NewSortParameter). */
	sort_key = SK_SEQ;
	sort_desc = 0;
	if (key || dir) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (key && strcmp(keys[k].key, key) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			for (i = 0; columns[i] && key; i++)
				if (strcmp(columns[i], key) == 0)
					break;
			if (key && columns[i])
				call_error(c, 400, 3, "stub: sort key '%s' is not supported", key);
			else
				call_error(c, 400, 3, "invalid sort key '%s'", key ? key : "");
			goto out;
		}
		sort_key = keys[k].sk;
		/* DESCENDING is the enum's zero: what an absent direction means. */
		sort_desc = dir == NULL || strcmp(dir, "DESCENDING") == 0 || strcmp(dir, "0") == 0;
	}
	if (token && *token && ((off = strtol(token, &end, 10)) < 0 || *end || end == token)) {
		call_error(c, 400, 3, "invalid pagination token %s for ListExecutions", token);
		goto out;
	}
	if (db.status != 0) {
		call_error(c, db.status, db.code, "%s", db.msg);
		goto out;
	}
	/* Names pinned by eq/value_in (or id.name): hash look-ups instead of a scan. */
	if (idname && *idname) {
		names = (char **)&idname;
		nnames = 1;
	} else
		nnames = filters_names(&fs, &names);
	if ((cands = calloc(nnames >= 0 ? (size_t)nnames + 1 : xs->n + 1,
	    sizeof(*cands))) == NULL) {
		call_error(c, 500, 13, "stub: out of memory");
		goto out;
	}
	for (i = 0; nnames >= 0 ? i < (size_t)nnames : i < xs->n; i++) {
		if (nnames >= 0) {
			if ((x = lookup(xs, p, d, names[i])) == NULL)
				continue;
			for (k = 0; k < ncand && cands[k].x != x; k++)
				;
			if (k < ncand)
				continue;	/* named twice */
		} else if (strcmp((x = xs->all[i])->project, p) || strcmp(x->domain, d))
			continue;
		exec_state(xs, x, now, &cands[ncand].s);
		fill_row(x, &cands[ncand].s, &row);
		if (idname && *idname && strcmp(x->name, idname) != 0)
			continue;
		if (!filters_match(&fs, &row))
			continue;
		cands[ncand++].x = x;
	}
	sort_xs = xs;
	qsort(cands, ncand, sizeof(*cands), cand_cmp);
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "executions");
	for (i = (size_t)off; i < ncand && i < (size_t)off + (size_t)limit; i++)
		cJSON_AddItemToArray(arr, exec_json(xs, cands[i].x));
	k = (size_t)cJSON_GetArraySize(arr);
	xs->st->stats.list_returned += k;
	if (k == (size_t)limit)
		snprintf(next, sizeof(next), "%ld", off + limit);
	cJSON_AddStringToObject(out, "token", next);
	call_message(c, 200, "flyteidl.admin.ExecutionList", out);
 out:
	free(cands);
	filters_free(&fs);
	qparams_free(qp, nq < 0 ? 0 : nq);
}

int
execs_route(struct execs *xs, struct call *c)
{
	struct exec	*x;

	if (c->nsegs < 3 || strcmp(c->segs[0], "api") || strcmp(c->segs[1], "v1") ||
	    strcmp(c->segs[2], "executions"))
		return 0;
	if (c->nsegs == 3) {
		if (c->method == EVHTTP_REQ_POST)
			create(xs, c);
		else
			call_error(c, 405, 12, "Method Not Allowed");
		return 1;
	}
	if (c->nsegs == 5 && c->method == EVHTTP_REQ_GET) {
		list(xs, c, c->segs[3], c->segs[4]);
		return 1;
	}
	if (c->nsegs != 6)
		return 0;
	if (c->method != EVHTTP_REQ_GET && c->method != EVHTTP_REQ_DELETE) {
		call_error(c, 405, 12, "Method Not Allowed");
		return 1;
	}
	if ((x = lookup(xs, c->segs[3], c->segs[4], c->segs[5])) == NULL) {
		call_error(c, 404, 5, "missing entity of type execution with identifier "
		    "project:\"%s\" domain:\"%s\" name:\"%s\"", c->segs[3], c->segs[4],
		    c->segs[5]);
		return 1;
	}
	if (c->method == EVHTTP_REQ_GET)
		call_message(c, 200, "flyteidl.admin.Execution", exec_json(xs, x));
	else
		terminate(xs, c, x);
	return 1;
}

void
execs_force_phase(struct execs *xs, struct call *c)
{
	static const char *const phases[] = { "UNDEFINED", "QUEUED", "RUNNING",
	    "SUCCEEDING", "SUCCEEDED", "FAILING", "FAILED", "ABORTED", "TIMED_OUT",
	    "ABORTING", NULL };
	struct exec	*x;
	cJSON		*in;
	const char	*ph;
	int		 i;

	if ((in = call_body_json(c)) == NULL)
		return;
	ph = str(in, "phase");
	for (i = 0; phases[i] && ph; i++)
		if (strcmp(phases[i], ph) == 0)
			break;
	if (ph == NULL || phases[i] == NULL)
		call_error(c, 400, 3, "stub: want {\"phase\": a WorkflowExecution.Phase name}");
	else if ((x = lookup(xs, c->segs[2], c->segs[3], c->segs[4])) == NULL)
		call_error(c, 404, 5, "stub: no execution %s/%s/%s", c->segs[2], c->segs[3],
		    c->segs[4]);
	else {
		x->forced = phases[i];
		x->t_forced = stub_elapsed(xs->st);
		call_json(c, 200, cJSON_CreateObject());
	}
	cJSON_Delete(in);
}

void
execs_forget(struct execs *xs, struct call *c)
{
	struct exec		*x, **pp;
	struct plan_execs	*pl;
	size_t			 i;

	if ((x = lookup(xs, c->segs[2], c->segs[3], c->segs[4])) == NULL) {
		call_error(c, 404, 5, "stub: no execution %s/%s/%s", c->segs[2], c->segs[3],
		    c->segs[4]);
		return;
	}
	for (pp = &xs->b[x->hash & (xs->nb - 1)]; *pp != x; pp = &(*pp)->next)
		;
	*pp = x->next;
	if ((pl = plan_list(xs, x->plan)) != NULL) {
		for (pp = &pl->head; *pp != NULL && *pp != x; pp = &(*pp)->plan_next)
			;
		if (*pp == x)
			*pp = x->plan_next;
	}
	/* Creation order stays: the rest move down one (a test's few executions). */
	for (i = 0; i < xs->n && xs->all[i] != x; i++)
		;
	memmove(&xs->all[i], &xs->all[i + 1], (xs->n - i - 1) * sizeof(*xs->all));
	xs->n--;
	exec_free(x);
	call_json(c, 200, cJSON_CreateObject());
}
