/* template.h: {{kickoff_time}}, {{prev_kickoff_time}}, {{last_success_time|DEFAULT}} (each with :FORMAT) and {{schedule_name}} in string inputs. */
#ifndef SCHEDD_TEMPLATE_H
#define SCHEDD_TEMPLATE_H

#include <stdint.h>

#include "schedd/err.h"

/* An instant a template names, with the schedule's zone offset at it (for :FORMAT). */
struct template_instant {
	int64_t		 at;
	int32_t		 offset;
	int		 known;		/* 0: there is none (no success yet, no earlier instant) */
};

/* What a fire fills in. */
struct template_context {
	struct template_instant	 kickoff;	/* the scheduled instant */
	struct template_instant	 prev_kickoff;	/* the cron's instant before it */
	struct template_instant	 last_success;	/* scheduled_at of the last run whose execution SUCCEEDED */
	const char		*schedule_name;
};

/* What template_needs finds: the values a fire must look up. */
#define TEMPLATE_PREV_KICKOFF	0x01
#define TEMPLATE_LAST_SUCCESS	0x02

/*
 * Check every string in a JSON inputs object: each {{...}} must be one of
 * kickoff_time, prev_kickoff_time (RFC 3339, UTC), either with :FORMAT
 * (strftime conversions, in the schedule's zone), last_success_time[:FORMAT]
 * with |DEFAULT (the text used while no run has succeeded), or
 * schedule_name. Returns 0, or -1 with e (EX_DATAERR) naming the input.
 */
int	template_check(const char *inputs_json, struct err *e);

/*
 * Which of the looked-up values (TEMPLATE_*) the inputs may use, from their
 * text alone: a fire computes or reads only those.
 */
unsigned	template_needs(const char *inputs_json);

/*
 * Expand the templates in every string of a JSON inputs object. Returns 0
 * and new JSON text in *out (caller frees), or -1 with e.
 */
int	template_expand(const char *inputs_json,
	    const struct template_context *ctx, char **out, struct err *e);

#endif
