/*
 * fuzz_cron.c: libFuzzer target for cron_parse, cron_next and cron_prev.
 *
 * The input is a cron expression. When it parses, next and prev are asked
 * from a few instants (near year 1, near 9999, around 2024's New York DST
 * changes, and one derived from the input) in UTC and in America/New_York,
 * and these must hold for the set of fire instants F that both walk:
 *
 *   next(t) = n        =>  n > t, and no fire in (t, n): so prev(n) <= t,
 *                          and next(prev(n)) == n
 *   prev(t) = p        =>  p < t, and next(p) >= t
 *   next from n again  =>  strictly increasing
 *   in UTC             =>  the fields of n match the expression's bitsets
 *   in New York        =>  the local fields match, or n starts a DST gap
 *                          (a fixed-time fire moved to the gap's end)
 *   CRON_EVERY         =>  n == anchor + k * every with k >= 1, n - t <= every
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/tz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY	86400LL

static struct tz_zone *ny;

static void
fail(const char *what, const char *text, const char *zone, int64_t a, int64_t b)
{
	fprintf(stderr, "fuzz_cron: %s: expr \"%s\" zone %s: %lld %lld\n",
	    what, text, zone, (long long)a, (long long)b);
	abort();
}

#define CHECK(cond, what, a, b) do {					\
	if (!(cond))							\
		fail(what, text, zname, (a), (b));			\
} while (0)

static int
bit64(uint64_t set, int n)
{
	return n >= 0 && n < 64 && ((set >> n) & 1) != 0;
}

/* The weekday ("nW") nearest day n of a month of dim days starting on weekday wd1. */
static int
nearest_weekday(int n, int dim, int wd1)
{
	int	wd;

	if (n > dim)
		n = dim;
	wd = (wd1 + n - 1) % 7;
	if (wd == 6)			/* Saturday: Friday before, or Monday after the 1st */
		return n == 1 ? 3 : n - 1;
	if (wd == 0)			/* Sunday: Monday after, or Friday before the last */
		return n == dim ? n - 2 : n + 1;
	return n;
}

/* Does day `day` of (year, month) match the expression's day rules? */
static int
day_matches(const struct cron_expr *x, int year, int month, int day)
{
	int64_t	days = civil_days_from_date(year, month, day);
	int	dim = civil_days_in_month(year, month);
	int	wd = civil_weekday(days);
	int	wd1 = civil_weekday(days - (day - 1));
	int	dom_ok = 0, dow_ok = 0, n;

	if (bit64(x->dom, day) || bit64(x->dom_last, dim - day))
		dom_ok = 1;
	for (n = 1; n <= 31 && !dom_ok; n++)
		if (bit64(x->dom_weekday, n) && nearest_weekday(n, dim, wd1) == day)
			dom_ok = 1;
	if ((x->flags & CRON_DOM_LAST_WEEKDAY) != 0) {
		int	lw = dim, lwd = civil_weekday(days + (dim - day));

		while (lwd == 0 || lwd == 6) {
			lw--;
			lwd = (lwd + 6) % 7;
		}
		if (lw == day)
			dom_ok = 1;
	}
	if (bit64(x->dow, wd) || (bit64(x->dow_last, wd) && day + 7 > dim) ||
	    bit64(x->dow_nth[wd], (day - 1) / 7 + 1))
		dow_ok = 1;

	if ((x->flags & CRON_DOM_STAR) && (x->flags & CRON_DOW_STAR))
		return 1;
	if (x->flags & CRON_DOM_STAR)
		return dow_ok;
	if (x->flags & CRON_DOW_STAR)
		return dom_ok;
	return dom_ok || dow_ok;
}

/* Do local fields ct match the expression (every field but the day rules are bitsets)? */
static int
fields_match(const struct cron_expr *x, const struct civil_time *ct)
{
	return bit64(x->second, ct->second) && bit64(x->minute, ct->minute) &&
	    bit64(x->hour, ct->hour) && bit64(x->month, ct->month) &&
	    day_matches(x, ct->year, ct->month, ct->day);
}

/* Is n a fire the zone's rules allow: local fields match, or n ends a gap? */
static int
fire_is_plausible(const struct cron_expr *x, const struct tz_zone *zone, int64_t n)
{
	struct civil_time	ct;
	struct tz_span		span;

	tz_span_at(zone, n, &span);
	civil_from_seconds(n + span.offset, &ct);
	if (fields_match(x, &ct))
		return 1;
	/* A fixed-time fire skipped by a spring-forward gap fires at its end. */
	return (x->flags & CRON_WILDCARD) == 0 && span.start == n &&
	    span.offset > span.prev_offset;
}

static void
check_from(const char *text, const struct cron_expr *x, const struct tz_zone *zone,
    const char *zname, int64_t t)
{
	int64_t	n, n2, p, q;
	int	i;

	if (cron_next(x, zone, t, &n) == 0) {
		CHECK(n > t, "next <= after", t, n);
		CHECK(n <= CIVIL_MAX_SECONDS + 2 * DAY, "next past year 9999", t, n);
		if (x->flags & CRON_EVERY) {
			CHECK(t < x->anchor || n - t <= x->every,
			    "every: gap longer than interval", t, n);
			CHECK((n - x->anchor) % x->every == 0, "every: off the grid", t, n);
			CHECK(n - x->anchor >= x->every, "every: before anchor + every", t, n);
		} else if (zone == NULL) {
			struct civil_time	ct;

			civil_from_seconds(n, &ct);
			CHECK(fields_match(x, &ct), "UTC next does not match fields", t, n);
		} else
			CHECK(fire_is_plausible(x, zone, n), "local next does not match fields", t, n);

		/* No fire in (t, n): the last fire before n is at or before t. */
		if (cron_prev(x, zone, n, &p) == 0) {
			CHECK(p < n, "prev >= before", n, p);
			CHECK(p <= t, "prev(next(t)) > t: a fire was skipped", t, p);
			CHECK(cron_next(x, zone, p, &q) == 0, "next(prev(n)) failed", p, n);
			CHECK(q == n, "next(prev(n)) != n", n, q);
		}

		/* A short walk forward is strictly increasing. */
		for (i = 0; i < 4; i++) {
			if (cron_next(x, zone, n, &n2) != 0)
				break;
			CHECK(n2 > n, "walk: next <= previous fire", n, n2);
			if (cron_prev(x, zone, n2, &p) == 0)
				CHECK(p == n, "walk: prev(next(fire)) != fire", n2, p);
			n = n2;
		}
	}

	if (cron_prev(x, zone, t, &p) == 0) {
		CHECK(p < t, "prev >= before", t, p);
		CHECK(p >= CIVIL_MIN_SECONDS - 2 * DAY, "prev before year 1", t, p);
		if (zone == NULL && (x->flags & CRON_EVERY) == 0) {
			struct civil_time	ct;

			civil_from_seconds(p, &ct);
			CHECK(fields_match(x, &ct), "UTC prev does not match fields", t, p);
		} else if (zone != NULL && (x->flags & CRON_EVERY) == 0)
			CHECK(fire_is_plausible(x, zone, p), "local prev does not match fields", t, p);
		/* No fire in (p, t): the first fire after p, if any, is at or after t. */
		if (cron_next(x, zone, p, &q) == 0)
			CHECK(q >= t, "next(prev(t)) < t: a fire was skipped", t, q);
		for (i = 0; i < 4; i++) {
			if (cron_prev(x, zone, p, &q) != 0)
				break;
			CHECK(q < p, "walk back: prev >= later fire", p, q);
			p = q;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	fixed[] = {
		CIVIL_MIN_SECONDS, CIVIL_MIN_SECONDS + 1, CIVIL_MIN_SECONDS + 40 * DAY,
		-1, 0,
		1710050400,	/* 2024-03-10T06:00:00Z, 01:00 EST: NY gap at 07:00Z */
		1730604600,	/* 2024-11-03T03:30:00Z: NY repeated hour from 05:00Z */
		1764136800,	/* 2025-11-26T06:00:00Z */
		CIVIL_MAX_SECONDS - 40 * DAY, CIVIL_MAX_SECONDS - 1, CIVIL_MAX_SECONDS,
	};
	struct cron_expr	x;
	struct err		e;
	char			*text;
	uint64_t		h = 1469598103934665603ULL;
	int64_t			t;
	size_t			i;

	if (size > 256)
		return 0;
	if (ny == NULL && tz_zone_load(NULL, "America/New_York", &ny, &e) != 0) {
		fprintf(stderr, "fuzz_cron: America/New_York: %s\n", e.msg);
		abort();
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;

	memset(&e, 0, sizeof(e));
	if (cron_parse(text, &x, &e) != 0) {
		if (e.msg[0] == '\0' || strlen(e.msg) >= sizeof(e.msg)) {
			fprintf(stderr, "fuzz_cron: \"%s\" refused without a message\n", text);
			abort();
		}
		free(text);
		return 0;
	}
	if (x.flags & CRON_EVERY) {
		if (x.every <= 0) {
			fprintf(stderr, "fuzz_cron: \"%s\": every %lld\n", text, (long long)x.every);
			abort();
		}
		/* Anchor somewhere in 1970-2100, as callers would. */
		x.anchor = (int64_t)(h % (4102444800ULL));
	}

	t = CIVIL_MIN_SECONDS + (int64_t)(h % (uint64_t)(CIVIL_MAX_SECONDS - CIVIL_MIN_SECONDS));
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_from(text, &x, NULL, "UTC", fixed[i]);
		check_from(text, &x, ny, "America/New_York", fixed[i]);
	}
	check_from(text, &x, NULL, "UTC", t);
	check_from(text, &x, ny, "America/New_York", t);
	free(text);
	return 0;
}
