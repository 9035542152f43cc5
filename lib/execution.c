/* execution.c: Flyte Admin's JSON for a fire: the create request, the launch plan, the existing execution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/execution.h"
#include "schedd/literal.h"
#include "schedd/protojson.h"

/* A string member (either spelling); NULL when absent or not a string. */
static const char *
member_string(const cJSON *obj, const char *snake)
{
	const cJSON	*item = protojson_member(obj, snake);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* {"values": {...}} from a JSON object text of strings; NULL when empty. */
static cJSON *
string_map(const char *text)
{
	cJSON	*values = cJSON_Parse(text ? text : "{}"), *wrap;

	if (!cJSON_IsObject(values) || cJSON_GetArraySize(values) == 0) {
		cJSON_Delete(values);
		return NULL;
	}
	if ((wrap = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(values);
		return NULL;
	}
	cJSON_AddItemToObject(wrap, "values", values);
	return wrap;
}

int
execution_create_body(const struct schedule *s, const char *version,
    int64_t instant, int manual, const char *execution_name,
    const cJSON *literal_map, char **out, struct err *e)
{
	cJSON	*req = cJSON_CreateObject(), *spec, *lp, *meta, *item;
	char	 at[32];

	if (civil_format_rfc3339(instant, 0, at, sizeof(at)) == -1 ||
	    req == NULL ||
	    !cJSON_AddStringToObject(req, "project", s->project) ||
	    !cJSON_AddStringToObject(req, "domain", s->domain) ||
	    !cJSON_AddStringToObject(req, "name", execution_name) ||
	    (spec = cJSON_AddObjectToObject(req, "spec")) == NULL ||
	    (lp = cJSON_AddObjectToObject(spec, "launch_plan")) == NULL ||
	    !cJSON_AddStringToObject(lp, "resource_type", "LAUNCH_PLAN") ||
	    !cJSON_AddStringToObject(lp, "project", s->project) ||
	    !cJSON_AddStringToObject(lp, "domain", s->domain) ||
	    !cJSON_AddStringToObject(lp, "name", s->launch_plan) ||
	    !cJSON_AddStringToObject(lp, "version", version) ||
	    (meta = cJSON_AddObjectToObject(spec, "metadata")) == NULL ||
	    !cJSON_AddStringToObject(meta, "mode", manual ? "MANUAL" :
	    "SCHEDULED") ||
	    !cJSON_AddStringToObject(meta, "scheduled_at", at))
		goto nomem;
	if ((item = string_map(s->labels)) != NULL)
		cJSON_AddItemToObject(spec, "labels", item);
	if ((item = string_map(s->annotations)) != NULL)
		cJSON_AddItemToObject(spec, "annotations", item);
	if (s->service_account != NULL) {
		cJSON	*sc, *run_as;

		if ((sc = cJSON_AddObjectToObject(spec, "security_context")) ==
		    NULL || (run_as = cJSON_AddObjectToObject(sc, "run_as")) ==
		    NULL || !cJSON_AddStringToObject(run_as,
		    "k8s_service_account", s->service_account))
			goto nomem;
	}
	if (literal_map != NULL &&
	    !cJSON_AddItemToObject(req, "inputs", cJSON_Duplicate(literal_map, 1)))
		goto nomem;
	if ((*out = cJSON_PrintUnformatted(req)) == NULL)
		goto nomem;
	cJSON_Delete(req);
	return 0;
 nomem:
	cJSON_Delete(req);
	err_set_code(e, EX_OSERR, "out of memory");
	return -1;
}

int
execution_launch_plan(const cJSON *doc, const char **version,
    const cJSON **parameters, struct err *e)
{
	const cJSON	*lp = doc, *list = protojson_member(doc,
			    "launch_plans");
	const cJSON	*closure, *inputs;

	if (cJSON_IsArray(list)) {
		if ((lp = cJSON_GetArrayItem(list, 0)) == NULL) {
			err_set_code(e, EX_DATAERR, "launch plan not found");
			return -1;
		}
	}
	if ((*version = member_string(protojson_member(lp, "id"),
	    "version")) == NULL) {
		err_set_code(e, EX_DATAERR, "launch plan without id.version");
		return -1;
	}
	closure = protojson_member(lp, "closure");
	inputs = protojson_member(closure, "expected_inputs");
	*parameters = protojson_member(inputs, "parameters");
	if (*parameters != NULL && !cJSON_IsObject(*parameters))
		*parameters = NULL;
	return 0;
}

int
execution_launch_plan_path(const struct schedule *s, char *buf, size_t len)
{
	int	n;

	if (s->version != NULL)
		n = snprintf(buf, len, "/api/v1/launch_plans/%s/%s/%s/%s",
		    s->project, s->domain, s->launch_plan, s->version);
	else
		n = snprintf(buf, len, "/api/v1/launch_plans/%s/%s/%s?limit=1&"
		    "sort_by.key=created_at&sort_by.direction=DESCENDING",
		    s->project, s->domain, s->launch_plan);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
execution_inputs(const struct schedule *s, const struct template_context *ctx,
    const cJSON *parameters, cJSON **literals, struct err *e)
{
	cJSON	*inputs = NULL;
	char	*expanded = NULL;
	int	 rc = -1;

	*literals = NULL;
	if (template_expand(s->inputs ? s->inputs : "{}", ctx, &expanded,
	    e) == -1)
		goto out;
	if ((inputs = cJSON_Parse(expanded)) == NULL) {
		err_set_code(e, EX_DATAERR, "inputs are not JSON");
		goto out;
	}
	rc = literal_inputs(inputs, parameters, s->kickoff_input, ctx->kickoff.at,
	    literals, e);
 out:
	cJSON_Delete(inputs);
	free(expanded);
	return rc;
}

int
execution_native_schedule(const cJSON *launch_plan)
{
	const cJSON	*state = protojson_member(protojson_member(launch_plan,
			    "closure"), "state");
	const cJSON	*schedule = protojson_member(protojson_member(
			    protojson_member(launch_plan, "spec"),
			    "entity_metadata"), "schedule");

	/* LaunchPlanState by name or number: ACTIVE is 1. */
	return cJSON_IsObject(schedule) && ((cJSON_IsString(state) &&
	    strcmp(state->valuestring, "ACTIVE") == 0) ||
	    (cJSON_IsNumber(state) && state->valuedouble == 1));
}

/* Two strings that must both be there and equal. */
static int
same_string(const cJSON *a, const cJSON *b, const char *key)
{
	const char	*x = member_string(a, key), *y = member_string(b, key);

	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

int
execution_is_fire(const char *execution_json, const char *request_json,
    int pinned, const char **why)
{
	cJSON		*doc = cJSON_Parse(execution_json);
	cJSON		*req = cJSON_Parse(request_json);
	const cJSON	*spec = protojson_member(doc, "spec");
	const cJSON	*want_spec = protojson_member(req, "spec");
	const cJSON	*lp = protojson_member(spec, "launch_plan");
	const cJSON	*want = protojson_member(want_spec, "launch_plan");
	const char	*at = member_string(protojson_member(spec, "metadata"),
			    "scheduled_at");
	const char	*want_at = member_string(protojson_member(want_spec,
			    "metadata"), "scheduled_at");
	int64_t		 t, want_t;
	int		 ok = 0;

	if (doc == NULL || req == NULL)
		*why = "the existing execution is not JSON";
	else if (!same_string(lp, want, "project") ||
	    !same_string(lp, want, "domain") || !same_string(lp, want, "name"))
		*why = "an execution of another launch plan has this name";
	else if (pinned && !same_string(lp, want, "version"))
		*why = "an execution of another version of the launch plan has "
		    "this name";
	else if (at == NULL || want_at == NULL ||
	    civil_parse_rfc3339(at, &t, NULL) == -1 ||
	    civil_parse_rfc3339(want_at, &want_t, NULL) == -1 || t != want_t)
		*why = "the existing execution was scheduled for another instant";
	else
		ok = 1;
	cJSON_Delete(doc);
	cJSON_Delete(req);
	return ok;
}

int
execution_created(const char *response_json, const char *execution_name)
{
	cJSON		*doc = cJSON_Parse(response_json);
	const char	*name = execution_id_name(doc);
	int		 ok = name != NULL && strcmp(name, execution_name) == 0;

	cJSON_Delete(doc);
	return ok;
}

const char *
execution_id_name(const cJSON *doc)
{
	return member_string(protojson_member(doc, "id"), "name");
}

int
execution_request_id(const char *request_json, char *project, char *domain,
    char *name, size_t len)
{
	cJSON		*req = cJSON_Parse(request_json);
	const char	*p = member_string(req, "project");
	const char	*d = member_string(req, "domain");
	const char	*n = member_string(req, "name");
	int		 rc = -1;

	if (p != NULL && d != NULL && n != NULL) {
		snprintf(project, len, "%s", p);
		snprintf(domain, len, "%s", d);
		snprintf(name, len, "%s", n);
		rc = 0;
	}
	cJSON_Delete(req);
	return rc;
}

/* flyteidl.core.WorkflowExecution.Phase, by number (flyteidl/core/execution.proto). */
static const char *const phase_names[] = { "UNDEFINED", "QUEUED", "RUNNING",
    "SUCCEEDING", "SUCCEEDED", "FAILING", "FAILED", "ABORTED", "TIMED_OUT",
    "ABORTING" };

const char *
execution_phase(const cJSON *doc)
{
	const cJSON	*phase = protojson_member(protojson_member(doc, "closure"),
			    "phase");
	size_t		 n = sizeof(phase_names) / sizeof(phase_names[0]);

	/* protojson writes enums by name, and parsers take the number too. */
	if (cJSON_IsNumber(phase) && phase->valuedouble >= 0 &&
	    phase->valuedouble < (double)n &&
	    phase->valuedouble == (double)(int)phase->valuedouble)
		return phase_names[(int)phase->valuedouble];
	for (size_t i = 0; cJSON_IsString(phase) && i < n; i++)
		if (strcmp(phase->valuestring, phase_names[i]) == 0)
			return phase_names[i];
	return NULL;
}

char *
execution_phase_json(const cJSON *doc)
{
	const cJSON	*phase = protojson_member(protojson_member(doc, "closure"),
			    "phase");

	return phase != NULL ? cJSON_PrintUnformatted(phase) : NULL;
}

const char *
execution_phase_lookup(const char *text)
{
	for (size_t i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
		if (strcasecmp(text, phase_names[i]) == 0)
			return phase_names[i];
	/* execwatch.c's word for an execution Admin does not have. */
	return strcasecmp(text, "UNKNOWN") == 0 ? "UNKNOWN" : NULL;
}

int
execution_phase_final(const char *phase)
{
	return phase != NULL && (strcmp(phase, "SUCCEEDED") == 0 ||
	    strcmp(phase, "FAILED") == 0 || strcmp(phase, "ABORTED") == 0 ||
	    strcmp(phase, "TIMED_OUT") == 0);
}

void
execution_times(const cJSON *doc, int64_t *started, int64_t *ended)
{
	const cJSON	*closure = protojson_member(doc, "closure");
	const char	*s = member_string(closure, "started_at");
	const char	*u = member_string(closure, "updated_at");

	*started = *ended = 0;
	if (s != NULL)
		civil_parse_rfc3339(s, started, NULL);
	if (u != NULL && execution_phase_final(execution_phase(doc)))
		civil_parse_rfc3339(u, ended, NULL);
}

void
execution_error_message(const char *body, long status, char *buf, size_t len)
{
	cJSON		*doc = cJSON_Parse(body);
	const char	*msg = member_string(doc, "message");
	size_t		 n;

	if (msg != NULL)
		snprintf(buf, len, "HTTP %ld: %s", status, msg);
	else {
		snprintf(buf, len, "HTTP %ld: %s", status, body);
		/* One line: a proxy's HTML page must not break the history table. */
		for (n = 0; buf[n] != '\0'; n++)
			if (buf[n] == '\n' || buf[n] == '\r')
				buf[n] = ' ';
	}
	cJSON_Delete(doc);
}
