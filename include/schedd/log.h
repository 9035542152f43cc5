/* log.h: one line per event on stderr, as text for journald or JSON for shippers. */
#ifndef SCHEDD_LOG_H
#define SCHEDD_LOG_H

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Where and how to log; owned by main (no global state in the library). */
struct log {
	FILE		*out;		/* stderr */
	int		 json;		/* --log-format json */
	enum log_level	 level;		/* lines above this level are dropped */
};

/*
 * Log one event: `event` is a short fixed word ("fire", "reload"), the
 * message a printf format. Text lines look like "<6>fire: ..." (the level
 * prefix journald understands); JSON lines {"level":..,"event":..,"msg":..}.
 */
void	log_event(const struct log *lg, enum log_level level, const char *event,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
