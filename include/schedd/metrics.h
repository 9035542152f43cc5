/* metrics.h: Prometheus text exposition (format 0.0.4) and the /metrics and /healthz server. */
#ifndef SCHEDD_METRICS_H
#define SCHEDD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"
#include "schedd/histogram.h"

/*
 * Text being rendered: a growable string. Allocation failures are remembered
 * in oom and further writes dropped, so a page is built without checks and
 * tested once at the end.
 */
struct metrics_text {
	char	*buf;		/* NUL-terminated once anything is written; caller frees with metrics_text_free */
	size_t	 len;
	size_t	 cap;
	int	 oom;		/* an allocation failed: the text is incomplete */
};

void	metrics_text_free(struct metrics_text *t);
/* Append n bytes of s. */
void	metrics_text_add(struct metrics_text *t, const char *s, size_t n);
/* Append formatted text (at most 511 bytes of it). */
void	metrics_text_printf(struct metrics_text *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Append another text (a family built apart, kept only when it completed). */
void	metrics_text_append(struct metrics_text *t, const struct metrics_text *more);

/* "# HELP name help" (help escaped) and "# TYPE name type" (counter, gauge, histogram). */
void	metrics_family(struct metrics_text *t, const char *name, const char *type,
	    const char *help);
/*
 * One sample line: name{k="v",...} value. labels: NULL, or key and value
 * pairs ending with a NULL key; values are escaped (\\, \", \n).
 */
void	metrics_sample(struct metrics_text *t, const char *name,
	    const char *const *labels, double value);
/* A histogram's samples: cumulative name_bucket{...,le="..."} lines up to +Inf, then name_sum and name_count. */
void	metrics_histogram_render(struct metrics_text *t, const char *name,
	    const char *const *labels, const struct histogram *h);
/* A number as the exposition format writes it: shortest round-trip form, +Inf, -Inf, NaN. */
void	metrics_format_value(double v, char buf[32]);

/* --- the HTTP server --- */

struct event_base;
struct engine;
struct dirapply;
struct admin;
struct store;
struct log;
struct metrics_server;		/* opaque: the evhttp server and its sources */

/* What a scrape reads; the server uses, never owns, these. */
/*
 * The digest of the schedules (store_schedules_digest), read again only
 * when the change feed has moved past change_id: a scrape of a million
 * schedules does not read them all each time.
 */
struct metrics_digest {
	uint64_t	value;
	int64_t		count;
	int64_t		change_id;
	int		known;
};

struct clock;

struct metrics_sources {
	struct engine		*engine;	/* fires, in flight, heap, schedules, lateness; NULL: left out */
	struct admin		*admin;		/* pending requests, request latency; NULL: left out */
	struct store		*store;		/* per-schedule health, /healthz writability; NULL: left out */
	const struct log	*log;		/* for a failed scrape query; NULL: silent */
	struct dirapply		*schedules_dir;	/* scheduler.schedulesDir's last apply; NULL: left out */
	struct metrics_digest	*digest;	/* with store: the schedules' digest, cached; NULL: left out */
	/* The status page (/, /schedules/NAME, /missed): served when store and clock are set. */
	struct clock		*clock;		/* now, for next fires and the timeline */
	const char		*tzdir;		/* zones; NULL: the system's */
	const char		*console_url;	/* admin.consoleUrl: runs link to the Flyte Console; NULL: no links */
};

#define METRICS_HEALTH_OVERDUE_S	30	/* /healthz fails when the timer is this late for a due instant */

/*
 * Render the whole /metrics page from src into t (families of NULL sources
 * are left out). A failing store query leaves its families out and says why
 * in a comment line. Returns 0, or -1 with e when out of memory.
 */
int	metrics_render(const struct metrics_sources *src, struct metrics_text *t,
	    struct err *e);

/*
 * Serve GET /metrics, GET /healthz and the status page on addr ("host:port", "[v6]:port") in
 * base's loop. Returns 0, or -1 with e: EX_CONFIG for an address that is not
 * host:port, EX_UNAVAILABLE when it cannot be bound (in use, no such address).
 */
int	metrics_server_new(struct event_base *base, const char *addr,
	    const struct metrics_sources *src, struct metrics_server **out,
	    struct err *e);
/* The port bound (the kernel's choice for port 0). */
int	metrics_server_port(const struct metrics_server *ms);
/* Stop listening; NULL is fine. */
void	metrics_server_free(struct metrics_server *ms);

#endif
