/* histogram.c: fixed-bucket histograms: counting observations, no rendering and no I/O. */
#include <math.h>
#include <string.h>

#include "schedd/histogram.h"

void
histogram_init(struct histogram *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n > HISTOGRAM_BUCKETS_MAX)
		n = HISTOGRAM_BUCKETS_MAX;
	if (n > 0)
		memcpy(h->bounds, bounds, n * sizeof(*bounds));
	h->nbounds = n;
}

void
histogram_observe(struct histogram *h, double v)
{
	size_t	i;

	if (isnan(v))
		return;
	/* Buckets are few (at most 16): a linear search is as fast as any. */
	for (i = 0; i < h->nbounds && v > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}
