/*
 * fuzz_tz.c: libFuzzer target for tz_zone_parse, tz_span_at, tz_offset_at.
 *
 * The input is the bytes of a TZif file. When it parses, spans are asked at
 * the ends of the civil range, around 1970, at instants derived from the
 * input, and along a walk from span to span, and these must hold:
 *
 *   start <= t < end, start < end, offset == tz_offset_at(t)
 *   the span at end starts at end, and its prev_offset is this offset
 *   a fixed zone has one offset everywhere
 *
 * A few cron expressions are then walked in the zone (next > after,
 * prev < before) so that odd offsets and transitions reach cron.c too.
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

static void
fail(const char *what, int64_t t, const struct tz_span *s)
{
	fprintf(stderr, "fuzz_tz: %s: t %lld span [%lld, %lld) offset %ld prev %ld\n",
	    what, (long long)t, (long long)s->start, (long long)s->end,
	    (long)s->offset, (long)s->prev_offset);
	abort();
}

/* Check the span at t; return its end (INT64_MAX after the last transition). */
static int64_t
check_at(const struct tz_zone *z, int64_t t, int fixed, int32_t fixed_offset)
{
	struct tz_span	s, s2;

	memset(&s, 0xa5, sizeof(s));
	tz_span_at(z, t, &s);
	if (!(s.start <= t && t < s.end))
		fail("t not in its span", t, &s);
	if (tz_offset_at(z, t) != s.offset)
		fail("tz_offset_at disagrees with the span", t, &s);
	if (fixed && s.offset != fixed_offset)
		fail("fixed zone changes offset", t, &s);
	if (s.start == INT64_MIN && s.prev_offset != s.offset)
		fail("first span has a prev_offset", t, &s);
	/* Neighbours are checked inside the civil range only (tz.c need not go past 9999). */
	if (s.start != INT64_MIN && s.start > CIVIL_MIN_SECONDS) {
		tz_span_at(z, s.start, &s2);
		if (s2.start != s.start || s2.end != s.end || s2.offset != s.offset)
			fail("span at start differs", s.start, &s2);
		tz_span_at(z, s.start - 1, &s2);
		if (s2.end != s.start || s2.offset != s.prev_offset)
			fail("span before start does not end at start", s.start - 1, &s2);
	}
	if (s.end != INT64_MAX && s.end <= CIVIL_MAX_SECONDS) {
		tz_span_at(z, s.end, &s2);
		if (s2.start != s.end || s2.prev_offset != s.offset)
			fail("span at end does not start at end", s.end, &s2);
		tz_span_at(z, s.end - 1, &s2);
		if (s2.start != s.start || s2.offset != s.offset)
			fail("span at end - 1 differs", s.end - 1, &s2);
	}
	return s.end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const exprs[] = { "30 2 * * *", "*/15 * * * *", "0 0 L * *" };
	static struct cron_expr	 cx[3];
	static int		 parsed;
	struct tz_zone		*z;
	struct err		 e;
	uint64_t		 h = 1469598103934665603ULL;
	int64_t			 t, end, n;
	int32_t			 off0;
	int			 fixed, i, k;
	size_t			 j;

	if (!parsed) {
		for (k = 0; k < 3; k++)
			if (cron_parse(exprs[k], &cx[k], &e) != 0) {
				fprintf(stderr, "fuzz_tz: %s: %s\n", exprs[k], e.msg);
				abort();
			}
		parsed = 1;
	}

	memset(&e, 0, sizeof(e));
	if (tz_zone_parse("Fuzz/Zone", data, size, &z, &e) != 0) {
		if (e.msg[0] == '\0') {
			fprintf(stderr, "fuzz_tz: refused without a message\n");
			abort();
		}
		return 0;
	}
	if (strcmp(tz_zone_name(z), "Fuzz/Zone") != 0) {
		fprintf(stderr, "fuzz_tz: name \"%s\"\n", tz_zone_name(z));
		abort();
	}
	for (j = 0; j < size; j++)
		h = (h ^ data[j]) * 1099511628211ULL;

	fixed = tz_zone_is_fixed(z);
	off0 = tz_offset_at(z, 0);
	check_at(z, CIVIL_MIN_SECONDS, fixed, off0);
	check_at(z, CIVIL_MAX_SECONDS, fixed, off0);
	check_at(z, -1, fixed, off0);
	check_at(z, 0, fixed, off0);
	for (i = 0; i < 8; i++) {
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
		t = CIVIL_MIN_SECONDS +
		    (int64_t)((h >> 11) % (uint64_t)(CIVIL_MAX_SECONDS - CIVIL_MIN_SECONDS));
		check_at(z, t, fixed, off0);
	}
	/* Walk span to span from 1900 for a while (rules repeat every year). */
	t = -2208988800LL;
	for (i = 0; i < 300; i++) {
		end = check_at(z, t, fixed, off0);
		if (end == INT64_MAX || end > CIVIL_MAX_SECONDS)
			break;
		t = end;
	}

	/* Cron in this zone: just the basic promises. */
	for (k = 0; k < 3; k++) {
		int64_t from[] = { CIVIL_MIN_SECONDS + 2 * DAY, 0, 1710050400, CIVIL_MAX_SECONDS - 40 * DAY };

		for (i = 0; i < 4; i++) {
			if (cron_next(&cx[k], z, from[i], &n) == 0 && n <= from[i]) {
				fprintf(stderr, "fuzz_tz: %s: next(%lld) = %lld\n",
				    exprs[k], (long long)from[i], (long long)n);
				abort();
			}
			if (cron_prev(&cx[k], z, from[i], &n) == 0 && n >= from[i]) {
				fprintf(stderr, "fuzz_tz: %s: prev(%lld) = %lld\n",
				    exprs[k], (long long)from[i], (long long)n);
				abort();
			}
		}
	}
	tz_zone_free(z);
	return 0;
}
