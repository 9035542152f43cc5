/* template.h: {{kickoff_time}}, {{kickoff_time:FORMAT}} and {{schedule_name}} in string inputs. */
#ifndef SCHEDD_TEMPLATE_H
#define SCHEDD_TEMPLATE_H

#include <stdint.h>

#include "schedd/err.h"

/* What a fire fills in. */
struct template_context {
	int64_t		 kickoff;	/* the scheduled instant */
	int32_t		 offset;	/* the schedule's zone offset at kickoff */
	const char	*schedule_name;
};

/*
 * Check every string in a JSON inputs object: each {{...}} must be one of
 * kickoff_time (RFC 3339, UTC), kickoff_time:FORMAT (strftime conversions,
 * in the schedule's zone) or schedule_name. Returns 0, or -1 with e
 * (EX_DATAERR) naming the input.
 */
int	template_check(const char *inputs_json, struct err *e);

/*
 * Expand the templates in every string of a JSON inputs object. Returns 0
 * and new JSON text in *out (caller frees), or -1 with e.
 */
int	template_expand(const char *inputs_json,
	    const struct template_context *ctx, char **out, struct err *e);

#endif
