/* fire.h: what a schedule owes after downtime (catch-up policies), and execution names. Pure. */
#ifndef SCHEDD_FIRE_H
#define SCHEDD_FIRE_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/cron.h"
#include "schedd/tz.h"

enum fire_catchup {
	FIRE_CATCHUP_ALL,	/* every missed instant within the window, at most FIRE_CATCHUP_MAX */
	FIRE_CATCHUP_LATEST,	/* only the newest missed instant within the window */
	FIRE_CATCHUP_NONE,	/* none */
};

#define FIRE_CATCHUP_MAX	100	/* fires one plan may send per schedule, late ones included */
#define FIRE_SKIP_MAX		100	/* skipped instants recorded one by one */
#define FIRE_NAME_LENGTH	20	/* execution names: "s" + 19 base-36 digits */

/*
 * The decision about the instants in (from, now] that a schedule has not
 * handled: fire these, record those as skipped, and come back at next.
 */
struct fire_plan {
	int64_t	fire[FIRE_CATCHUP_MAX];	/* to send, oldest first */
	int	nfire;
	int64_t	skip[FIRE_SKIP_MAX];	/* to record as skipped, oldest first */
	int	nskip;
	int	more_skipped;		/* instants older than skip[0] were skipped too */
	int64_t	next;			/* first instant after now; -1 if none */
};

/* "all" / "latest" / "none". Returns 0, or -1 for anything else. */
int	fire_catchup_parse(const char *text, enum fire_catchup *policy);

/*
 * Plan the instants in (from, now]: those within grace of now are late, not
 * missed, and fire under every policy; of the older ones inside the window
 * [now - window, now] the policy says which fire ("latest": only the newest
 * of all); the rest are skipped. At most FIRE_CATCHUP_MAX fire, the newest.
 * Walks backwards from now, so the work is bounded by what is fired and
 * listed, not by the length of the downtime.
 */
void	fire_plan(const struct cron_expr *expr, const struct tz_zone *zone,
	    enum fire_catchup policy, int64_t window, int64_t grace,
	    int64_t from, int64_t now, struct fire_plan *plan);

/*
 * The execution name of a fire: deterministic from (schedule name, instant),
 * so a resend, a retry or a second schedd gets Admin's AlreadyExists;
 * ^[a-z][a-z0-9]*$, FIRE_NAME_LENGTH characters: "s" and 19 base-36 digits
 * of a 128-bit FNV-1a hash (98 bits kept). buf needs FIRE_NAME_LENGTH + 1.
 */
void	fire_execution_name(const char *schedule_name, int64_t instant,
	    char *buf, size_t len);

/*
 * The shard a schedule belongs to, of shards (>= 1): a 64-bit FNV-1a hash
 * of its name, mod shards. Every host computes the same, whatever else it
 * holds, so hosts of one group split the schedules without talking.
 */
int	fire_shard(const char *schedule_name, int shards);

#endif
