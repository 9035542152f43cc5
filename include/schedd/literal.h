/* literal.h: plain JSON inputs to the protojson of a LiteralMap, typed by a launch plan. */
#ifndef SCHEDD_LITERAL_H
#define SCHEDD_LITERAL_H

#include <stdint.h>

#include "schedd/err.h"

struct cJSON;

/* Types and values nested deeper than this are refused, not recursed into. */
#define LITERAL_DEPTH_MAX	32

/*
 * Build {"literals": {...}} for ExecutionCreateRequest.inputs from plain
 * JSON inputs (an object; NULL or null for none), the launch plan's
 * closure.expected_inputs.parameters (an object name -> Parameter
 * {var: {type: LiteralType}, default?, required?}, snake_case or
 * lowerCamelCase keys) and, when kickoff_input is not NULL, the input that
 * gets the instant kickoff as a datetime. Inputs the launch plan does not
 * declare are an error; so is a required input with no value and no
 * default. Absent inputs with a default are left out: Admin fills them.
 * Returns 0 and a new tree in *out (caller cJSON_Deletes it), or -1 with e
 * (EX_DATAERR) naming the input and what was expected:
 * "input retries: expected integer, got \"x\"".
 */
int	literal_inputs(const struct cJSON *inputs,
	    const struct cJSON *parameters, const char *kickoff_input,
	    int64_t kickoff, struct cJSON **out, struct err *e);

/*
 * Convert one plain JSON value against one LiteralType into a Literal.
 * Returns 0 and a new tree in *out (caller cJSON_Deletes it), or -1 with e
 * (EX_DATAERR; messages name the value "value", as in
 * "value[2]: expected integer, got \"x\"").
 */
int	literal_from_value(const struct cJSON *value, const struct cJSON *type,
	    struct cJSON **out, struct err *e);

/*
 * The plain JSON value a Literal was made from, as schedd stores inputs:
 * primitives (int64 beyond 2^53 as a string), none as null, structs,
 * unions by their value, collections and maps. Returns 0 and a new tree in
 * *out, or -1 with e (EX_DATAERR: blobs, schemas and the like).
 */
int	literal_to_plain(const struct cJSON *literal, struct cJSON **out,
	    struct err *e);

#endif
