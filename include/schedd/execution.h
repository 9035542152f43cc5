/* execution.h: Flyte Admin's JSON for a fire: the create request, the launch plan, the existing execution. */
#ifndef SCHEDD_EXECUTION_H
#define SCHEDD_EXECUTION_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"
#include "schedd/schedule.h"
#include "schedd/template.h"

struct cJSON;

/*
 * The body of POST /api/v1/executions (protojson of
 * flyteidl.admin.ExecutionCreateRequest) for schedule s fired at instant,
 * with the launch plan version to use and the inputs as a LiteralMap
 * ({"literals": ...}, NULL for none). manual: metadata.mode MANUAL (a fire
 * asked for by hand, now), else SCHEDULED; scheduled_at is the instant
 * either way. Returns 0 and new text in *out (caller frees), or -1 with e.
 */
int	execution_create_body(const struct schedule *s, const char *version,
	    int64_t instant, int manual, const char *execution_name,
	    const struct cJSON *literal_map, char **out, struct err *e);

/*
 * From a LaunchPlan (GET .../launch_plans/p/d/n/v) or a list of them (the
 * "latest" query, newest first): its version and its
 * closure.expected_inputs.parameters (NULL when it declares none; points
 * into doc). Accepts snake_case and lowerCamelCase. Returns 0, or -1 with e.
 */
int	execution_launch_plan(const struct cJSON *doc, const char **version,
	    const struct cJSON **parameters, struct err *e);

/*
 * The path of the GET that gives s's launch plan: its pinned version, else
 * the newest version (the list query, newest first, one item). Returns 0,
 * or -1 when it does not fit in len.
 */
int	execution_launch_plan_path(const struct schedule *s, char *buf,
	    size_t len);

/*
 * s's inputs for a fire as ctx fills them in: its templates expanded, then
 * converted against the launch plan's parameters (literal_inputs, with
 * s->kickoff_input set to ctx->kickoff). The one conversion both the daemon
 * and schedctl's check use. Returns 0 and a new LiteralMap in *literals
 * (caller cJSON_Deletes it), or -1 with e (EX_DATAERR naming the input).
 */
int	execution_inputs(const struct schedule *s,
	    const struct template_context *ctx, const struct cJSON *parameters,
	    struct cJSON **literals, struct err *e);

/*
 * Whether a LaunchPlan fires by itself in Flyte: closure.state ACTIVE and
 * spec.entity_metadata.schedule set. Returns 1 or 0.
 */
int	execution_native_schedule(const struct cJSON *launch_plan);

/*
 * Whether an Execution (GET /api/v1/executions/p/d/name) is the one a create
 * request (its body) asked for: same launch plan (project, domain, name; and
 * version when the schedule pins one, `pinned`: an unpinned one's "latest"
 * may have been another version for another host) and same scheduled_at.
 * Returns 1 or 0; *why says what differs when 0.
 */
int	execution_is_fire(const char *execution_json, const char *request_json,
	    int pinned, const char **why);

/*
 * Whether a 2xx answer to a create is Admin's ExecutionCreateResponse for
 * this execution ({"id": {..., "name": execution_name}}): a proxy's login
 * page, an empty body or an error object in a 200 is not. Returns 1 or 0.
 */
int	execution_created(const char *response_json, const char *execution_name);

/* The name in an Execution's id, or NULL. Points into doc. */
const char	*execution_id_name(const struct cJSON *doc);

/* The project, domain and name of a create request's body; 0, or -1 when it lacks them. */
int	execution_request_id(const char *request_json, char *project,
	    char *domain, char *name, size_t len);

/*
 * The phase of an Execution: one of flyteidl's WorkflowExecution.Phase names
 * (UNDEFINED, QUEUED, RUNNING, SUCCEEDING, SUCCEEDED, FAILING, FAILED,
 * ABORTED, TIMED_OUT, ABORTING; by name or number), as a static string; NULL
 * when it has none or says anything else (a proxy's text, "SUCCEEDED\n..."):
 * an answer not to store or act on.
 */
const char	*execution_phase(const struct cJSON *doc);

/* closure.phase as JSON text, unchecked, for messages (escaped: one line); NULL when absent. Caller frees. */
char	*execution_phase_json(const struct cJSON *doc);

/*
 * A phase as runs.phase holds it, by its name in any case: flyteidl's
 * WorkflowExecution.Phase names and UNKNOWN (Admin no longer has the
 * execution). A static string, or NULL for anything else.
 */
const char	*execution_phase_lookup(const char *text);

/* 1 for the phases an execution never leaves: SUCCEEDED, FAILED, ABORTED, TIMED_OUT. */
int	execution_phase_final(const char *phase);

/* The closure's started_at and (once final) updated_at as the end; 0 when absent. */
void	execution_times(const struct cJSON *doc, int64_t *started,
	    int64_t *ended);

/* Admin's error message from an error body ({"code":..,"message":..}), or the body itself. */
void	execution_error_message(const char *body, long status, char *buf,
	    size_t len);

#endif
