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
	long			 status;	/* 0: no answer */
	int			 attempts;
	char			*body;		/* the answer, or the transport error */
	struct check_run	*run;
};

/* A check in progress: the client, its loop and the launch plans asked for. */
struct check_run {
	struct event_base	*base;
	struct admin		*admin;
	struct check_plan	*plans;
	size_t			 count;
	size_t			 pending;
	int			 failed;	/* a request could not be queued */
};

static void
plan_done(const struct admin_response *r, void *arg)
{
	struct check_plan	*plan = arg;

	plan->status = r->status;
	plan->attempts = r->attempts;
	plan->body = strdup(r->status == 0 && r->error != NULL ? r->error :
	    r->body);
	if (--plan->run->pending == 0)
		event_base_loopexit(plan->run->base, NULL);
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
			memcpy(run->plans[run->count].path, keys[i].path,
			    CHECK_PATH_MAX);
			run->plans[run->count++].run = run;
		}
		of_schedule[keys[i].schedule] = run->count - 1;
	}
	rc = 0;
 out:
	free(paths);
	free(keys);
	return rc;
}

/* Ask Admin for every launch plan at once and wait for the answers. Returns 0, or -1 with e. */
static int
plans_fetch(struct ctl *ctl, struct check_run *run, struct err *e)
{
	struct admin_config	 ac = {
		.timeout_ms = 10000,
		.connect_timeout_ms = 5000,
		.max_inflight = 8,
		.burst = 8,
		.max_attempts = 3,
		.backoff_ms = 200,
	};
	char			*secret = NULL;
	int			 rc = -1;

	if (config_admin_ready(&ctl->conf, ctl->conf.endpoint, "admin.endpoint",
	    &secret, e) == -1)
		goto out;
	config_admin_settings(&ctl->conf, secret, &ac);
	if ((run->base = event_base_new()) == NULL) {
		err_set_code(e, EX_OSERR, "cannot create the event loop");
		goto out;
	}
	if (admin_new(run->base, &ac, &run->admin, e) == -1)
		goto out;
	for (size_t i = 0; i < run->count; i++) {
		if (admin_request(run->admin, ADMIN_LANE_FIRE, "GET",
		    run->plans[i].path, NULL, plan_done, &run->plans[i],
		    e) == -1)
			goto out;
		run->pending++;
	}
	if (run->pending > 0 && event_base_dispatch(run->base) == -1) {
		err_set_code(e, EX_OSERR, "the event loop failed");
		goto out;
	}
	rc = 0;
 out:
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return rc;
}

/*
 * An answer that is no answer about the launch plan: Admin unreachable,
 * overloaded, refusing us. Returns 1 and sets e (EX_UNAVAILABLE), or 0.
 */
static int
plan_unavailable(const struct ctl *ctl, const struct check_plan *plan,
    const cJSON *doc, struct err *e)
{
	char	why[1100];

	if (plan->status == 200 && doc != NULL)
		return 0;
	if (plan->status == 404)
		return 0;
	if (plan->status == 0)
		snprintf(why, sizeof(why), "%s", plan->body ? plan->body :
		    "no response");
	else if (plan->status == 200)
		snprintf(why, sizeof(why), "the answer is not JSON");
	else
		execution_error_message(plan->body ? plan->body : "",
		    plan->status, why, sizeof(why));
	err_set_code(e, EX_UNAVAILABLE, "Flyte Admin %s: %s (%d attempt%s); "
	    "nothing written (--offline skips the check)", ctl->conf.endpoint,
	    why, plan->attempts, plan->attempts == 1 ? "" : "s");
	return 1;
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
	struct template_context	 ctx = {
		/* Any instant does: the type of what a template gives does not depend on it. */
		.kickoff = ctl->now,
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
	size_t			*of_schedule = NULL;
	cJSON			**docs = NULL;
	int			 rc = -1;

	memset(&run, 0, sizeof(run));
	memset(out, 0, n * sizeof(*out));
	if (ctl->offline || ctl->conf.endpoint == NULL || n == 0)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set_code(e, EX_OSERR, "cannot initialize libcurl");
		return -1;
	}
	if ((of_schedule = calloc(n, sizeof(*of_schedule))) == NULL ||
	    (docs = calloc(n, sizeof(*docs))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	if (plans_make(&run, list, n, of_schedule, e) == -1 ||
	    plans_fetch(ctl, &run, e) == -1)
		goto out;
	for (size_t i = 0; i < run.count; i++) {
		if (run.plans[i].status == 200)
			docs[i] = cJSON_Parse(run.plans[i].body ?
			    run.plans[i].body : "");
		if (plan_unavailable(ctl, &run.plans[i], docs[i], e))
			goto out;
	}
	for (size_t i = 0; i < n; i++)
		verdict_make(ctl, list[i], docs[of_schedule[i]], &out[i]);
	rc = 1;
 out:
	for (size_t i = 0; docs != NULL && i < run.count; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	for (size_t i = 0; i < run.count; i++)
		free(run.plans[i].body);
	free(run.plans);
	free(of_schedule);
	admin_free(run.admin);
	if (run.base != NULL)
		event_base_free(run.base);
	curl_global_cleanup();
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
