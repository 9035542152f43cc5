/* sched.h: the daemon's queue of due instants: a binary min-heap ordered by (due, seq). Pure. */
#ifndef SCHEDD_SCHED_H
#define SCHEDD_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"

/*
 * One queued fire: schedule `id` is next due at `due`. A change to a schedule
 * does not search the heap: the caller bumps its generation and pushes a new
 * item, and items whose gen is stale are dropped when they come out.
 */
struct sched_item {
	int64_t		due;		/* instant, seconds */
	int64_t		id;		/* schedules.id */
	uint64_t	seq;		/* insertion order: equal dues pop in it */
	uint32_t	gen;		/* the schedule's generation when pushed */
};

struct sched {
	struct sched_item	*items;
	size_t			 count;
	size_t			 cap;
	uint64_t		 next_seq;
};

void	sched_init(struct sched *q);
void	sched_free(struct sched *q);
/* Reserve room for n items in all (start-up with many schedules). Returns 0 or -1 with e. */
int	sched_reserve(struct sched *q, size_t n, struct err *e);
/* Queue schedule id (at generation gen) at due. Returns 0, or -1 with e when out of memory. */
int	sched_push(struct sched *q, int64_t due, int64_t id, uint32_t gen,
	    struct err *e);
/* The earliest item, or NULL when empty. */
const struct sched_item	*sched_peek(const struct sched *q);
/* Remove the earliest item into *out when it is due at or before now. Returns 1 if removed, else 0. */
int	sched_pop_due(struct sched *q, int64_t now, struct sched_item *out);

#endif
