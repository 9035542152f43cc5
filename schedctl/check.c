/* check.c: schedules checked against Flyte Admin before they are written: launch plan, version, inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "schedd/admin.h"
#include "schedd/execution.h"
#include "schedd/protojson.h"
#include "schedd/template.h"
#include "ctl.h"

#define CHECK_PATH_MAX	1200	/* a launch plan's GET path */

/* One launch plan asked for, shared by every schedule that uses it. */
struct check_plan {
	char			 path[CHECK_PATH_MAX];
	struct ctl_answer	 answer;
};

/* A check in progress: the launch plans asked for. */
struct check_run {
	struct check_plan	*plans;
	size_t			 count;
};

/* The Admin client of one schedctl run and its loop. */
struct ctl_admin {
	struct event_base	*base;
	struct admin		*admin;
	size_t			 pending;
};

/* A request's end, and the client's pending count. */
struct ctl_call {
	struct ctl_admin	*ca;
	struct ctl_answer	*answer;
};

int
ctl_admin_open(struct ctl *ctl, struct ctl_admin **out, struct err *e)
{
	struct admin_config	 ac = {
		.timeout_ms = 10000,
		.connect_timeout_ms = 5000,
		.max_inflight = 8,
		.burst = 8,
		.max_attempts = 3,
		.backoff_ms = 200,
	};
	struct ctl_admin	*ca;
	char			*secret = NULL;
	int			 rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set_code(e, EX_OSERR, "cannot initialize libcurl");
		return -1;
	}
	if ((*out = ca = calloc(1, sizeof(*ca))) == NULL) {
		curl_global_cleanup();
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (config_admin_ready(&ctl->conf, ctl->conf.endpoint, "admin.endpoint",
	    &secret, e) == -1)
		goto fail;
	config_admin_settings(&ctl->conf, secret, &ac);
	if ((ca->base = event_base_new()) == NULL) {
		err_set_code(e, EX_OSERR, "cannot create the event loop");
		goto fail;
	}
	rc = admin_new(ca->base, &ac, &ca->admin, e);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
		secret = NULL;
	}
	if (rc == 0)
		return 0;
 fail:
	free(secret);
	ctl_admin_close(ca);
	*out = NULL;
	return -1;
}

void
ctl_admin_close(struct ctl_admin *ca)
{
	if (ca == NULL)
		return;
	admin_free(ca->admin);
	if (ca->base != NULL)
		event_base_free(ca->base);
	free(ca);
	curl_global_cleanup();
}

static void
call_done(const struct admin_response *r, void *arg)
{
	struct ctl_call	*call = arg;

	call->answer->status = r->status;
	call->answer->attempts = r->attempts;
	call->answer->body = strdup(r->status == 0 && r->error != NULL ?
	    r->error : r->body);
	if (--call->ca->pending == 0)
		event_base_loopexit(call->ca->base, NULL);
	free(call);
}

int
ctl_admin_queue(struct ctl_admin *ca, const char *method, const char *path,
    const char *body, struct ctl_answer *answer, struct err *e)
{
	struct ctl_call	*call;

	memset(answer, 0, sizeof(*answer));
	if ((call = calloc(1, sizeof(*call))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	call->ca = ca;
	call->answer = answer;
	if (admin_request(ca->admin, ADMIN_LANE_FIRE, method, path, body,
	    call_done, call, e) == -1) {
		free(call);
		return -1;
	}
	ca->pending++;
	return 0;
}

int
ctl_admin_wait(struct ctl_admin *ca, struct err *e)
{
	if (ca->pending > 0 && event_base_dispatch(ca->base) == -1) {
		err_set_code(e, EX_OSERR, "the event loop failed");
		return -1;
	}
	return 0;
}

int
ctl_admin_unavailable(const struct ctl *ctl, const struct ctl_answer *a,
    struct err *e)
{
	char	why[1100];

	if (a->status == 0)
		snprintf(why, sizeof(why), "%s", a->body ? a->body :
		    "no response");
	else if (a->status == 200)
		snprintf(why, sizeof(why), "the answer is not JSON");
	else
		execution_error_message(a->body ? a->body : "", a->status, why,
		    sizeof(why));
	err_set_code(e, EX_UNAVAILABLE, "Flyte Admin %s: %s (%d attempt%s); "
	    "nothing written (--offline skips the check)", ctl->conf.endpoint,
	    why, a->attempts, a->attempts == 1 ? "" : "s");
	return -1;
}

/* A schedule's launch plan path, sorted to find the schedules that share one. */
struct check_key {
	const char	*path;
	size_t		 schedule;
};

static int
key_order(const void *x, const void *y)
{
	const struct check_key	*a = x, *b = y;
	int			 c = strcmp(a->path, b->path);

	return c != 0 ? c : (a->schedule > b->schedule) -
	    (a->schedule < b->schedule);
}

/*
 * The launch plans of list, each once, in run->plans; of_schedule[i] is
 * list[i]'s. Returns 0, or -1 with e.
 */
static int
plans_make(struct check_run *run, const struct schedule *const *list,
    size_t n, size_t *of_schedule, struct err *e)
{
	char			(*paths)[CHECK_PATH_MAX] = NULL;
	struct check_key	*keys = NULL;
	int			 rc = -1;

	if ((paths = calloc(n, sizeof(*paths))) == NULL ||
	    (keys = calloc(n, sizeof(*keys))) == NULL ||
	    (run->plans = calloc(n, sizeof(*run->plans))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (execution_launch_plan_path(list[i], paths[i],
		    sizeof(paths[i])) == -1) {
			err_set_code(e, EX_DATAERR, "schedule %s: launch plan "
			    "reference too long", list[i]->name);
			goto out;
		}
		keys[i].path = paths[i];
		keys[i].schedule = i;
	}
	/* Sorted, so a file of 100,000 schedules groups them in n log n. */
	qsort(keys, n, sizeof(*keys), key_order);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(keys[i].path, keys[i - 1].path) != 0) {
			memcpy(run->plans[run->count++].path, keys[i].path,
			    CHECK_PATH_MAX);
		}
		of_schedule[keys[i].schedule] = run->count - 1;
	}
	rc = 0;
 out:
	free(paths);
	free(keys);
	return rc;
}

/* The launch plan as a schedule names it: p/d/n or p/d/n@v. */
static void
plan_name(const struct schedule *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s%s%s", s->project, s->domain,
	    s->launch_plan, s->version ? "@" : "", s->version ? s->version : "");
}

/* One schedule against its launch plan's answer. */
static void
verdict_make(const struct ctl *ctl, const struct schedule *s,
    const cJSON *doc, struct ctl_verdict *v)
{
	/* Any instant does: the type of what a template gives does not depend on it. */
	struct template_context	 ctx = {
		.kickoff = { .at = ctl->now, .known = 1 },
		.prev_kickoff = { .at = ctl->now, .known = 1 },
		.last_success = { .at = ctl->now, .known = 1 },
		.schedule_name = s->name,
	};
	const cJSON		*parameters, *plan = doc;
	const char		*version;
	cJSON			*literals = NULL;
	struct err		 e;
	char			 lp[1100];

	plan_name(s, lp, sizeof(lp));
	if (doc == NULL || execution_launch_plan(doc, &version, &parameters,
	    &e) == -1) {
		v->code = EX_DATAERR;
		snprintf(v->why, sizeof(v->why), "launch plan %s not found", lp);
		return;
	}
	snprintf(v->version, sizeof(v->version), "%s", version);
	/* The "latest" query answers a list, newest first. */
	if (cJSON_IsArray(protojson_member(doc, "launch_plans")))
		plan = cJSON_GetArrayItem(protojson_member(doc, "launch_plans"),
		    0);
	v->native = execution_native_schedule(plan);
	if (execution_inputs(s, &ctx, parameters, &literals, &e) == -1) {
		v->code = e.code ? e.code : EX_DATAERR;
		snprintf(v->why, sizeof(v->why), "%s", e.msg);
	}
	cJSON_Delete(literals);
}

int
ctl_check(struct ctl *ctl, const struct schedule *const *list, size_t n,
    struct ctl_verdict *out, struct err *e)
{
	struct check_run	 run;
	struct ctl_admin	*ca = NULL;
	struct ctl_answer	*a;
	size_t			*of_schedule = NULL;
	cJSON			**docs = NULL;
	int			 rc = -1;

	memset(&run, 0, sizeof(run));
	memset(out, 0, n * sizeof(*out));
	if (ctl->offline || ctl->conf.endpoint == NULL || n == 0)
		return 0;
	if ((of_schedule = calloc(n, sizeof(*of_schedule))) == NULL ||
	    (docs = calloc(n, sizeof(*docs))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	if (plans_make(&run, list, n, of_schedule, e) == -1 ||
	    ctl_admin_open(ctl, &ca, e) == -1)
		goto out;
	/* Every launch plan at once; the client bounds what is in flight. */
	for (size_t i = 0; i < run.count; i++)
		if (ctl_admin_queue(ca, "GET", run.plans[i].path, NULL,
		    &run.plans[i].answer, e) == -1)
			goto out;
	if (ctl_admin_wait(ca, e) == -1)
		goto out;
	for (size_t i = 0; i < run.count; i++) {
		a = &run.plans[i].answer;
		if (a->status == 200)
			docs[i] = cJSON_Parse(a->body ? a->body : "");
		/* 404 is an answer: no such launch plan or version. */
		if (a->status != 404 && (a->status != 200 || docs[i] == NULL)) {
			ctl_admin_unavailable(ctl, a, e);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		verdict_make(ctl, list[i], docs[of_schedule[i]], &out[i]);
	rc = 1;
 out:
	for (size_t i = 0; docs != NULL && i < run.count; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	for (size_t i = 0; i < run.count; i++)
		free(run.plans[i].answer.body);
	free(run.plans);
	free(of_schedule);
	ctl_admin_close(ca);
	return rc;
}

void
ctl_check_warn(const struct schedule *const *list, size_t n,
    const struct ctl_verdict *v)
{
	char	lp[1100], last[1100] = "";

	/* Once per launch plan: forty schedules of one plan are one warning. */
	for (size_t i = 0; i < n; i++) {
		if (!v[i].native)
			continue;
		snprintf(lp, sizeof(lp), "%s/%s/%s@%s", list[i]->project,
		    list[i]->domain, list[i]->launch_plan, v[i].version);
		if (strcmp(lp, last) == 0)
			continue;
		memcpy(last, lp, sizeof(last));
		fprintf(stderr, "schedctl: warning: launch plan %s is ACTIVE "
		    "with its own schedule in Flyte: it would fire twice "
		    "(deactivate it, or use schedctl import --deactivate)\n", lp);
	}
}

int
ctl_check_report(const struct schedule *const *list, size_t n,
    const struct ctl_verdict *v)
{
	ctl_check_warn(list, n, v);
	for (size_t i = 0; i < n; i++)
		if (v[i].code != 0)
			return ctl_fail(v[i].code, "schedule %s: %s",
			    list[i]->name, v[i].why);
	return EX_OK;
}

int
ctl_check_or_fail(struct ctl *ctl, const struct schedule *const *list,
    size_t n)
{
	struct ctl_verdict	*v;
	struct err		 e;
	int			 rc;

	if (n == 0 || ctl->offline || ctl->conf.endpoint == NULL)
		return EX_OK;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return ctl_fail(EX_OSERR, "out of memory");
	if ((rc = ctl_check(ctl, list, n, v, &e)) == -1)
		rc = ctl_fail_err(&e, EX_UNAVAILABLE);
	else
		rc = ctl_check_report(list, n, v);
	free(v);
	return rc;
}
