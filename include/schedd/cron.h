/* cron.h: parse cron expressions and compute fire instants in a time zone. Pure. */
#ifndef SCHEDD_CRON_H
#define SCHEDD_CRON_H

#include <stdint.h>

#include "schedd/err.h"
#include "schedd/tz.h"

#define CRON_DOM_STAR		0x01	/* day-of-month is exactly "*" or "?" */
#define CRON_DOW_STAR		0x02	/* day-of-week is exactly "*" or "?" */
#define CRON_DOM_LAST_WEEKDAY	0x04	/* "LW": last Monday-Friday of the month */
#define CRON_WILDCARD		0x08	/* minute or hour begins with '*': follows real time across DST */
#define CRON_EVERY		0x10	/* "@every" / "rate()": fixed interval, see every/anchor */

/*
 * A parsed expression: one bitset per field, plus the day rules that a bitset
 * cannot hold. Built by cron_parse; plain data, safe to copy.
 */
struct cron_expr {
	uint64_t	second;		/* bit n: second n (0-59); {0} for 5 fields */
	uint64_t	minute;		/* bit n: minute n (0-59) */
	uint32_t	hour;		/* bit n: hour n (0-23) */
	uint32_t	dom;		/* bit n: day n of the month (1-31) */
	uint32_t	dom_last;	/* bit n: "L-n", n days before the last day ("L" is n = 0) */
	uint32_t	dom_weekday;	/* bit n: "nW", the weekday nearest day n */
	uint16_t	month;		/* bit n: month n (1-12) */
	uint8_t		dow;		/* bit n: weekday n (0-6, Sunday = 0) */
	uint8_t		dow_last;	/* bit n: "nL", the last weekday n of the month */
	uint8_t		dow_nth[7];	/* bit k of [n]: "n#k", the k-th weekday n (k 1-5) */
	unsigned	flags;		/* CRON_* above */
	int64_t		every;		/* CRON_EVERY: interval in seconds, > 0 */
	int64_t		anchor;		/* CRON_EVERY: fires at anchor + k * every, k >= 1 */
};

/*
 * Parse text: 5 fields (min hour dom mon dow), 6 fields (sec first), a macro
 * (@daily ...), "@every 1h30m" or "rate(5 minutes)". Expressions that can
 * never fire are refused. Returns 0, or -1 with e naming the field and token
 * ("hour 25 out of range 0-23"). For CRON_EVERY the anchor is 0; callers set it.
 */
int	cron_parse(const char *text, struct cron_expr *expr, struct err *e);

/*
 * The first fire instant strictly after `after`, in zone (NULL means UTC),
 * with the DST rules of cron(8): fixed-time schedules fire once for a local
 * time skipped by a gap (at the gap's end) and once for a repeated one (the
 * first); wildcard schedules follow real time. Allocates nothing.
 * Returns 0, or -1 when there is none before year 10000.
 */
int	cron_next(const struct cron_expr *expr, const struct tz_zone *zone,
	    int64_t after, int64_t *next);

/* The last fire instant strictly before `before`; same rules. Returns 0 or -1 (none after year 1). */
int	cron_prev(const struct cron_expr *expr, const struct tz_zone *zone,
	    int64_t before, int64_t *prev);

/*
 * A schedule's next n fire instants after `after` into out: text parsed,
 * @every and rate() anchored at anchor (the schedule's created_at). The one
 * helper schedctl (list, show, add) and the status page compute next fires
 * with. Returns how many were written (fewer past year 9999), or -1 with e.
 */
int	cron_next_fires(const char *text, const struct tz_zone *zone,
	    int64_t anchor, int64_t after, int n, int64_t *out, struct err *e);

/*
 * The expression in words for the common shapes ("every 15 minutes",
 * "every day at 06:30", "weekdays at 09:00", "on day 1 of every month at
 * 00:00"); any other shape is the text itself. Cut to fit buf. Pure
 * (lib/cron_words.c).
 */
void	cron_words(const char *text, char *buf, size_t len);

#endif
