/* dirapply.h: keep the database's schedules as a directory of apply files says (scheduler.schedulesDir). */
#ifndef SCHEDD_DIRAPPLY_H
#define SCHEDD_DIRAPPLY_H

#include <stdint.h>

#include "schedd/err.h"
#include "schedd/log.h"

struct event_base;
struct dirapply;		/* opaque */

struct dirapply_config {
	const char	*dir;		/* the schedules directory */
	const char	*schedctl;	/* the schedctl program that applies it */
	const char	*db;		/* the database it applies to */
};

/* What the last apply came to, for status and metrics. */
struct dirapply_state {
	int64_t	applied_at;		/* Unix seconds of the last apply that ended, 0: none yet */
	int	ok;			/* it applied (or changed nothing) */
	char	message[512];		/* its summary line, or its error */
};

/*
 * Watch the directory: on dirapply_run (at start, once the engine watches
 * the database; SIGHUP) and on every change in it (inotify, settled for
 * 100 ms) it is applied with schedctl --db DB --offline apply DIR --prune:
 * one source, the same rules as an operator's apply. The apply runs in a
 * child process, so the loop never waits for it; a file that is refused is
 * logged with its place, and the schedules in effect stay. Returns 0, or
 * -1 with e (EX_CONFIG: no such directory, no schedctl).
 */
int	dirapply_new(struct event_base *base, const struct log *lg,
	    const struct dirapply_config *cfg, struct dirapply **out,
	    struct err *e);
/* Apply: now, or as soon as the apply running ends. */
void	dirapply_run(struct dirapply *d);
void	dirapply_state(const struct dirapply *d, struct dirapply_state *out);
/* Stop watching; an apply running is left to finish (its commit is whole or nothing). */
void	dirapply_free(struct dirapply *d);

#endif
