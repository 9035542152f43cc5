/* sched.c: the daemon's queue of due instants, a binary min-heap ordered by (due, seq). Pure. */
#include <stdlib.h>
#include <sysexits.h>

#include "schedd/sched.h"

static int
item_less(const struct sched_item *a, const struct sched_item *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
sift_up(struct sched *q, size_t i)
{
	struct sched_item	item = q->items[i];

	while (i > 0) {
		size_t	parent = (i - 1) / 2;

		if (!item_less(&item, &q->items[parent]))
			break;
		q->items[i] = q->items[parent];
		i = parent;
	}
	q->items[i] = item;
}

static void
sift_down(struct sched *q, size_t i)
{
	struct sched_item	item = q->items[i];

	for (;;) {
		size_t	child = 2 * i + 1;

		if (child >= q->count)
			break;
		if (child + 1 < q->count &&
		    item_less(&q->items[child + 1], &q->items[child]))
			child++;
		if (!item_less(&q->items[child], &item))
			break;
		q->items[i] = q->items[child];
		i = child;
	}
	q->items[i] = item;
}

void
sched_init(struct sched *q)
{
	q->items = NULL;
	q->count = q->cap = 0;
	q->next_seq = 0;
}

void
sched_free(struct sched *q)
{
	free(q->items);
	sched_init(q);
}

int
sched_reserve(struct sched *q, size_t n, struct err *e)
{
	struct sched_item	*bigger;

	if (n <= q->cap)
		return 0;
	if ((bigger = realloc(q->items, n * sizeof(*bigger))) == NULL) {
		err_set_code(e, EX_OSERR, "schedule queue: out of memory");
		return -1;
	}
	q->items = bigger;
	q->cap = n;
	return 0;
}

int
sched_push(struct sched *q, int64_t due, int64_t id, uint32_t gen,
    struct err *e)
{
	if (q->count == q->cap &&
	    sched_reserve(q, q->cap ? q->cap * 2 : 64, e) == -1)
		return -1;
	q->items[q->count].due = due;
	q->items[q->count].id = id;
	q->items[q->count].seq = q->next_seq++;
	q->items[q->count].gen = gen;
	sift_up(q, q->count++);
	return 0;
}

const struct sched_item *
sched_peek(const struct sched *q)
{
	return q->count ? &q->items[0] : NULL;
}

int
sched_pop_due(struct sched *q, int64_t now, struct sched_item *out)
{
	if (q->count == 0 || q->items[0].due > now)
		return 0;
	*out = q->items[0];
	q->items[0] = q->items[--q->count];
	if (q->count > 0)
		sift_down(q, 0);
	return 1;
}
