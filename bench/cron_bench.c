/*
 * cron_bench.c: nanoseconds per cron_next, per expression, in UTC and in a
 * DST zone; and per cron_parse + cron_next of a fresh expression.
 *
 *   cron_bench [-t MS] [-s START] [-z ZONE] CORPUS
 *
 * For each line of CORPUS (one expression a line), three measurements:
 *   next  UTC   iterate t = cron_next(t) from START, resetting to START when
 *               t passes 2100 (so sparse schedules stay in a realistic range)
 *   next  ZONE  the same in ZONE (America/New_York by default)
 *   parse_next  cron_parse(text) then one cron_next from START, in UTC
 * Each is timed with clock_gettime(CLOCK_MONOTONIC) over batches until MS
 * milliseconds (default 100) have passed, after a short warm-up.
 *
 * Output, one line per measurement (tab-separated, as the peers print it):
 *   RESULT <impl> <zone> <kind> <index> <ns per op> <ops> <first 3 fires, comma-separated>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "schedd/cron.h"
#include "schedd/tz.h"

#define HORIZON		4102444800LL	/* 2100-01-01T00:00:00Z */
#define BATCH		1000

static volatile int64_t	sink;

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
first_fires(const struct cron_expr *x, const struct tz_zone *z, int64_t start,
    char *buf, size_t len)
{
	int64_t	t = start;
	size_t	off = 0;

	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (cron_next(x, z, t, &t) != 0)
			break;
		off += (size_t)snprintf(buf + off, len - off, "%s%lld",
		    i ? "," : "", (long long)t);
		if (off >= len)
			break;
	}
}

/* ns per cron_next, iterating from start. */
static double
bench_next(const struct cron_expr *x, const struct tz_zone *z, int64_t start,
    int64_t budget_ns, long long *ops)
{
	int64_t	t = start, t0, elapsed = 0;
	long long n = 0;

	for (int i = 0; i < BATCH; i++)		/* warm-up */
		if (cron_next(x, z, t, &t) != 0 || t > HORIZON)
			t = start;
	t = start;
	t0 = now_ns();
	do {
		for (int i = 0; i < BATCH; i++)
			if (cron_next(x, z, t, &t) != 0 || t > HORIZON)
				t = start;
		n += BATCH;
		elapsed = now_ns() - t0;
	} while (elapsed < budget_ns);
	sink = t;
	*ops = n;
	return (double)elapsed / (double)n;
}

/* ns per cron_parse + one cron_next. */
static double
bench_parse_next(const char *text, int64_t start, int64_t budget_ns,
    long long *ops)
{
	struct cron_expr	x;
	struct err		e;
	int64_t			t = 0, t0, elapsed = 0;
	long long		n = 0;

	t0 = now_ns();
	do {
		for (int i = 0; i < BATCH; i++) {
			if (cron_parse(text, &x, &e) != 0 ||
			    cron_next(&x, NULL, start, &t) != 0)
				t = -1;
		}
		n += BATCH;
		elapsed = now_ns() - t0;
	} while (elapsed < budget_ns);
	sink = t;
	*ops = n;
	return (double)elapsed / (double)n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: cron_bench [-t MS] [-s START] [-z ZONE] CORPUS\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char	*zname = "America/New_York";
	int64_t		 start = 1767225600;	/* 2026-01-01T00:00:00Z */
	int64_t		 budget = 100 * 1000000LL;
	struct tz_zone	*zone;
	struct err	 e;
	char		 line[512], first[128];
	FILE		*f;
	int		 c, idx = 0;

	while ((c = getopt(argc, argv, "t:s:z:")) != -1) {
		switch (c) {
		case 't':	budget = atoll(optarg) * 1000000LL;	break;
		case 's':	start = atoll(optarg);			break;
		case 'z':	zname = optarg;				break;
		default:	usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	if ((f = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return 66;
	}
	if (tz_zone_load(NULL, zname, &zone, &e) != 0) {
		fprintf(stderr, "cron_bench: %s: %s\n", zname, e.msg);
		return 65;
	}
	printf("# cron_bench: start %lld, %lld ms per measurement, zone %s\n",
	    (long long)start, (long long)(budget / 1000000), zname);
	while (fgets(line, sizeof(line), f) != NULL) {
		struct cron_expr	x;
		long long		ops;
		double			ns;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (cron_parse(line, &x, &e) != 0) {
			printf("RESULT\tschedd\tUTC\tnext\t%d\tnan\t0\tERR %s\n", idx, e.msg);
			idx++;
			continue;
		}
		first_fires(&x, NULL, start, first, sizeof(first));
		ns = bench_next(&x, NULL, start, budget, &ops);
		printf("RESULT\tschedd\tUTC\tnext\t%d\t%.1f\t%lld\t%s\n", idx, ns, ops, first);
		first_fires(&x, zone, start, first, sizeof(first));
		ns = bench_next(&x, zone, start, budget, &ops);
		printf("RESULT\tschedd\t%s\tnext\t%d\t%.1f\t%lld\t%s\n", zname, idx, ns, ops, first);
		ns = bench_parse_next(line, start, budget, &ops);
		printf("RESULT\tschedd\tUTC\tparse_next\t%d\t%.1f\t%lld\t\n", idx, ns, ops);
		fflush(stdout);
		idx++;
	}
	fclose(f);
	tz_zone_free(zone);
	return 0;
}
