/* executions.c: executions created through the stub: Admin's create checks, phases over time, terminate. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "pjson.h"
#include "stub.h"

#define NBUCKETS	4096

struct exec {
	char		*project;
	char		*domain;
	char		*name;
	cJSON		*spec;		/* canonical sparse ExecutionSpec as stored */
	cJSON		*workflow_id;	/* the launch plan's workflow */
	long long	 wall_s;	/* created_at */
	int		 wall_ns;
	double		 t0;		/* stub_elapsed() at creation */
	int		 fails;		/* launch plan name ends in _fails */
	double		 t_abort;	/* < 0: not aborted */
	char		*cause;
	const char	*forced;	/* phase set through /stub, or NULL */
	double		 t_forced;
	struct exec	*next;		/* hash chain */
};

struct execs {
	struct stub		*st;
	struct exec		*b[NBUCKETS];
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

static unsigned
bucket(const char *p, const char *d, const char *n)
{
	uint32_t	 h = 2166136261u;
	const char	*parts[3] = { p, d, n }, *s;
	int		 i;

	for (i = 0; i < 3; i++) {
		for (s = parts[i]; *s; s++)
			h = (h ^ (unsigned char)*s) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h % NBUCKETS;
}

static struct exec *
lookup(struct execs *xs, const char *p, const char *d, const char *n)
{
	struct exec	*x;

	for (x = xs->b[bucket(p, d, n)]; x; x = x->next)
		if (strcmp(x->project, p) == 0 && strcmp(x->domain, d) == 0 &&
		    strcmp(x->name, n) == 0)
			return x;
	return NULL;
}

static void
exec_free(struct exec *x)
{
	free(x->project);
	free(x->domain);
	free(x->name);
	free(x->cause);
	cJSON_Delete(x->spec);
	cJSON_Delete(x->workflow_id);
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
	struct exec	*x;
	int		 i;

	for (i = 0; i < NBUCKETS; i++)
		while ((x = xs->b[i]) != NULL) {
			xs->b[i] = x->next;
			exec_free(x);
		}
}

void
execs_free(struct execs *xs)
{
	if (xs == NULL)
		return;
	execs_reset(xs);
	free(xs);
}

/*
 * QUEUED, RUNNING after --phase-after seconds, SUCCEEDED (FAILED for a
 * launch plan named *_fails) after twice that. An abort or a forced phase
 * freezes that timeline; the later of the two wins.
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
	if (S > 0 && stop - x->t0 >= 2 * S) {
		s->phase = x->fails ? "FAILED" : "SUCCEEDED";
		s->updated = x->t0 + 2 * S;
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
	cJSON_AddItemToObject(e, "spec", cJSON_Duplicate(x->spec, 1));
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
	cJSON_AddItemToObject(cl, "workflow_id", cJSON_Duplicate(x->workflow_id, 1));
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
active_of_plan(struct execs *xs, const char *p, const char *d, const char *n)
{
	struct exec	*x;
	struct state	 s;
	double		 now = stub_elapsed(xs->st);
	int		 i, count = 0;

	for (i = 0; i < NBUCKETS; i++)
		for (x = xs->b[i]; x; x = x->next) {
			const cJSON *lp = get(x->spec, "launch_plan");

			if (strcmp(str(lp, "project"), p) || strcmp(str(lp, "domain"), d) ||
			    strcmp(str(lp, "name"), n))
				continue;
			exec_state(xs, x, now, &s);
			if (!terminal(s.phase))
				count++;
		}
	return count;
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
	struct exec	*x;
	size_t		 i;
	unsigned	 h;

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
	    active_of_plan(xs, str(lpid, "project"), str(lpid, "domain"),
	    str(lpid, "name")) >= get(policy, "max")->valueint) {
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
	if ((x = calloc(1, sizeof(*x))) == NULL || (x->project = strdup(p)) == NULL ||
	    (x->domain = strdup(d)) == NULL || (x->name = strdup(n)) == NULL ||
	    (x->spec = cJSON_Duplicate(spec, 1)) == NULL) {
		if (x)
			exec_free(x);
		call_error(c, 500, 13, "stub: out of memory");
		goto out;
	}
	/* Admin stores the authenticated user as principal, whatever was sent. */
	{
		cJSON *md = cJSON_GetObjectItemCaseSensitive(x->spec, "metadata");

		if (md == NULL)
			md = cJSON_AddObjectToObject(x->spec, "metadata");
		cJSON_DeleteItemFromObjectCaseSensitive(md, "principal");
		if (st->o.auth)
			cJSON_AddStringToObject(md, "principal", st->o.client_id);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(x->spec, "inputs");
	x->workflow_id = cJSON_Duplicate(get(get(plan, "spec"), "workflow_id"), 1);
	stub_wallclock(&x->wall_s, &x->wall_ns);
	x->t0 = stub_elapsed(st);
	x->t_abort = -1;
	i = strlen(str(lpid, "name"));
	x->fails = i >= 6 && strcmp(str(lpid, "name") + i - 6, "_fails") == 0;
	h = bucket(p, d, n);
	x->next = xs->b[h];
	xs->b[h] = x;
	{
		cJSON *resp = cJSON_CreateObject(), *id = cJSON_AddObjectToObject(resp, "id");

		cJSON_AddStringToObject(id, "project", p);
		cJSON_AddStringToObject(id, "domain", d);
		cJSON_AddStringToObject(id, "name", n);
		call_message(c, 200, "flyteidl.admin.ExecutionCreateResponse", resp);
	}
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
		call_error(c, 501, 12, "stub: ListExecutions is not implemented");
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
