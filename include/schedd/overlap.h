/* overlap.h: what a schedule's overlap policy does with a fire while the previous execution may still run. Pure. */
#ifndef SCHEDD_OVERLAP_H
#define SCHEDD_OVERLAP_H

enum overlap_policy {
	OVERLAP_ALLOW,		/* fire regardless */
	OVERLAP_SKIP,		/* skip while the previous execution runs */
	OVERLAP_BUFFER_ONE,	/* one fire waits for it; more are skipped */
	OVERLAP_CANCEL,		/* terminate the previous execution, then fire */
};

/* What is known of the schedule's previous execution. */
enum overlap_previous {
	OVERLAP_PREVIOUS_DONE,		/* none, final, or unknown (Admin unreachable, gone): nothing to wait for */
	OVERLAP_PREVIOUS_RUNNING,	/* not final, or its create has not been answered yet */
};

enum overlap_action {
	OVERLAP_GO,		/* send the fire */
	OVERLAP_SKIPS,		/* record it skipped */
	OVERLAP_WAITS,		/* hold it until the previous execution is final */
	OVERLAP_CANCELS,	/* terminate the previous execution, then send */
	OVERLAP_RELEASES,	/* buffer-one: the held fire goes now, this one is held behind it */
};

/* "allow" | "skip" | "buffer-one" | "cancel-previous". Returns 0, or -1 for anything else. */
int		 overlap_parse(const char *text, enum overlap_policy *policy);
const char	*overlap_name(enum overlap_policy policy);

/*
 * The decision for one fire: by policy, what is known of the previous
 * execution, and whether another fire of the schedule is held already
 * (buffer-one holds at most one; a further one is skipped).
 */
enum overlap_action	overlap_decide(enum overlap_policy policy,
			    enum overlap_previous previous, int one_held);

#endif
