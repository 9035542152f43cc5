/* statuspage.h: the status page's HTML (/, /schedules/NAME, /missed) rendered from plain rows. Pure: no SQL, no HTTP. */
#ifndef SCHEDD_STATUSPAGE_H
#define SCHEDD_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/metrics.h"
#include "schedd/schedule.h"
#include "schedd/store.h"

#define STATUSPAGE_ROWS		100	/* schedules (and missed fires) per page */
#define STATUSPAGE_RECENT	30	/* runs in a row's strip */
#define STATUSPAGE_NEXT		3	/* next fires in a row */
#define STATUSPAGE_WORDS	160	/* cron_words' buffer */

/* One schedule as a row of /, and the head of /schedules/NAME. */
struct statuspage_row {
	struct store_page_row		 s;		/* its strings the caller's */
	char				 words[STATUSPAGE_WORDS];	/* cron_words */
	int64_t				 next[STATUSPAGE_NEXT];
	int32_t				 next_offset[STATUSPAGE_NEXT];	/* the zone's UTC offset at each */
	int				 nnext;		/* 0: paused, or never again */
	const struct store_page_run	*runs;		/* newest first, at most STATUSPAGE_RECENT */
	size_t				 nruns;
};

/* The page /. */
struct statuspage_list {
	const char			*selector;	/* ?selector= as given; "" none */
	const char			*state;		/* ?state=: "", failing, paused or late */
	const char			*problem;	/* a bad query, said above the table; NULL: none */
	int				 page;		/* from 1 */
	int				 more;		/* there is a next page */
	const char			*console_url;	/* admin.consoleUrl; NULL: no links to runs */
	const struct statuspage_row	*rows;
	size_t				 nrows;
};

/* A change of the zone's UTC offset inside the timeline. */
struct statuspage_dst {
	int64_t	at;
	int32_t	from;		/* offset before, seconds east of UTC */
	int32_t	to;		/* offset after */
};

/* The page /schedules/NAME. */
struct statuspage_detail {
	const struct statuspage_row	*row;		/* next fires, words, health */
	const struct schedule		*s;		/* the whole definition */
	int64_t				 now;		/* the timeline's middle */
	const int64_t			*instants;	/* the schedule's instants from now - 24 h to now + 24 h, ascending */
	size_t				 ninstants;
	const struct statuspage_dst	*dst;
	size_t				 ndst;
	const struct store_page_run	*history;	/* newest first */
	size_t				 nhistory;
	const struct store_page_run	*window;	/* the runs of the last 24 h: the timeline's outcomes */
	size_t				 nwindow;
	const struct store_page_change	*changes;	/* newest first */
	size_t				 nchanges;
	const char			*console_url;	/* NULL: no links */
};

/* The page /missed. */
struct statuspage_missed {
	const struct store_page_run	*runs;		/* newest first */
	size_t				 nruns;
	int				 page;		/* from 1 */
	int				 more;
};

/*
 * What became of a run, as the strip colours it: "created" (pending or
 * created, phase not known yet), "running" (a phase not final), "succeeded",
 * "failed" (not created, or ended FAILED, ABORTED, TIMED_OUT), "skipped" (by
 * the overlap policy) or "missed" (a catch-up instant not fired).
 */
const char	*statuspage_outcome(const struct store_page_run *r);

/* The pages, appended to t; every user-provided text escaped (&<>"'). t->oom says whether it completed. */
void	statuspage_render_list(const struct statuspage_list *l,
	    struct metrics_text *t);
void	statuspage_render_schedule(const struct statuspage_detail *d,
	    struct metrics_text *t);
void	statuspage_render_missed(const struct statuspage_missed *m,
	    struct metrics_text *t);
/* A page saying what went wrong (404: no such schedule, 400, 500). */
void	statuspage_render_problem(const char *title, const char *what,
	    struct metrics_text *t);

/* --- serving them (lib/statuspage_serve.c): store reads, next fires, then the renderer --- */

struct tz_cache;

/* What the pages are read from; the caller owns these. */
struct statuspage_sources {
	struct store		*store;
	struct tz_cache		*zones;		/* zones by name, loaded once */
	const char		*console_url;	/* admin.consoleUrl; NULL: no links */
};

/* A request's query, decoded: NULL for what it leaves out. */
struct statuspage_query {
	const char	*selector;
	const char	*state;
	const char	*page;
};

#define STATUSPAGE_TIMELINE_MAX	500	/* instants drawn on a timeline */
#define STATUSPAGE_HISTORY	100	/* runs in a schedule's table */
#define STATUSPAGE_CHANGES	50	/* changes in its audit trail */

/*
 * 1 when path (decoded) is one of the page's: "/", "/missed",
 * "/schedules/NAME".
 */
int	statuspage_path(const char *path);

/*
 * Render the page at path (statuspage_path) with query q at instant now
 * into t, and its HTTP status in *status: 200, 400 (a bad selector, state
 * or page number: the page says why), 404 (no such schedule). Returns 0, or
 * -1 with e when the store failed or memory ran out (*status 500).
 */
int	statuspage_serve(const struct statuspage_sources *src, const char *path,
	    const struct statuspage_query *q, int64_t now,
	    struct metrics_text *t, int *status, struct err *e);

#endif
