/* histogram.h: fixed-bucket histograms of observations (latencies, lateness); a leaf: metrics.c renders them. */
#ifndef SCHEDD_HISTOGRAM_H
#define SCHEDD_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HISTOGRAM_BUCKETS_MAX	16	/* finite bounds a histogram may have */

/*
 * A histogram with fixed bucket bounds. counts[i] holds the observations v
 * with bounds[i-1] < v <= bounds[i] (not cumulative); counts[nbounds] the
 * ones above the last bound (+Inf). A value struct: tests build it by hand.
 */
struct histogram {
	double		bounds[HISTOGRAM_BUCKETS_MAX];	/* upper bounds, increasing */
	size_t		nbounds;
	uint64_t	counts[HISTOGRAM_BUCKETS_MAX + 1];
	double		sum;				/* of every observation */
	uint64_t	count;				/* observations */
};

/* Empty h with the n (<= HISTOGRAM_BUCKETS_MAX, more are dropped) increasing bounds. */
void	histogram_init(struct histogram *h, const double *bounds, size_t n);
/* Count v in its bucket (NaN is ignored). */
void	histogram_observe(struct histogram *h, double v);

#endif
