/*
 * test_cron.c: the cron engine against a table of vectors computed by an
 * independent reference (tests/oracle/cron_oracle.py, which writes
 * cron_vectors.inc and cron_errors.inc through tests/oracle/gen_vectors.py).
 *
 * Every vector is checked in full and every mismatch printed, so one run shows
 * all failures; the test fails at the end when there was any.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/tz.h"

struct vector {
	const char	*expr;
	const char	*zone;
	const char	*after;		/* RFC 3339 UTC */
	const char	*next[3];	/* NULL: cron_next returns -1 */
	const char	*anchor;	/* @every/rate(): NULL means 0 */
};

/* Most lines leave out the anchor. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct vector vectors[] = {
#include "cron_vectors.inc"
};
#pragma GCC diagnostic pop

struct bad {
	const char	*expr;
	const char	*msg;
};

static const struct bad errors[] = {
#include "cron_errors.inc"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
ts(const char *text)
{
	struct err	e;
	int64_t		t = 0;

	memset(&e, 0, sizeof(e));
	if (civil_parse_rfc3339(text, &t, &e) != 0)
		fail_msg("bad time in the test itself: \"%s\": %s", text, e.msg);
	return t;
}

static void
fmt(const struct tz_zone *zone, int64_t t, char *buf, size_t len)
{
	int32_t	off = zone != NULL ? tz_offset_at(zone, t) : 0;

	if (civil_format_rfc3339(t, off, buf, len) != 0)
		snprintf(buf, len, "(%lld)", (long long)t);
}

static void
show(size_t i, const struct vector *v)
{
	print_message("  vector %zu: { \"%s\", \"%s\", \"%s\", { %s%s%s, %s%s%s, %s%s%s } }%s%s\n",
	    i, v->expr, v->zone, v->after,
	    v->next[0] ? "\"" : "", v->next[0] ? v->next[0] : "NULL", v->next[0] ? "\"" : "",
	    v->next[1] ? "\"" : "", v->next[1] ? v->next[1] : "NULL", v->next[1] ? "\"" : "",
	    v->next[2] ? "\"" : "", v->next[2] ? v->next[2] : "NULL", v->next[2] ? "\"" : "",
	    v->anchor ? " anchor " : "", v->anchor ? v->anchor : "");
}

/*
 * One vector: cron_next from `after` and then from each expected fire (so a
 * wrong first answer does not hide the later ones), and cron_prev back.
 * Returns the number of failed checks.
 */
static int
check_vector(size_t i, const struct vector *v, const struct tz_zone *zone, const char *zlabel)
{
	struct cron_expr	x;
	struct err		e;
	char			got[64];
	int64_t			from, n, p, fires[3];
	int			k, rc, bad = 0, have;

	memset(&e, 0, sizeof(e));
	if (cron_parse(v->expr, &x, &e) != 0) {
		print_message("FAIL parse (%s):\n", zlabel);
		show(i, v);
		print_message("    cron_parse: %s\n", e.msg);
		return 1;
	}
	if (v->anchor != NULL)
		x.anchor = ts(v->anchor);

	from = ts(v->after);
	for (k = 0; k < 3; k++) {
		have = v->next[k] != NULL;
		if (have)
			fires[k] = ts(v->next[k]);
		n = INT64_MIN;
		rc = cron_next(&x, zone, from, &n);
		if (!have) {
			if (rc != -1) {
				fmt(zone, n, got, sizeof(got));
				print_message("FAIL next #%d (%s): got %s, expected none (-1)\n",
				    k + 1, zlabel, got);
				show(i, v);
				bad++;
			}
			break;
		}
		if (rc != 0) {
			print_message("FAIL next #%d (%s): got none (-1), expected %s\n",
			    k + 1, zlabel, v->next[k]);
			show(i, v);
			bad++;
		} else {
			fmt(zone, n, got, sizeof(got));
			if (strcmp(got, v->next[k]) != 0) {
				print_message("FAIL next #%d (%s): got %s, expected %s\n",
				    k + 1, zlabel, got, v->next[k]);
				show(i, v);
				bad++;
			}
		}
		from = fires[k];
	}

	/* prev(next1) is at or before after (no fire in between); prev(next k+1) = next k. */
	for (k = 0; k < 3 && v->next[k] != NULL; k++) {
		p = INT64_MIN;
		rc = cron_prev(&x, zone, fires[k], &p);
		if (k == 0) {
			if (rc == 0 && p > ts(v->after)) {
				fmt(zone, p, got, sizeof(got));
				print_message("FAIL prev(next1) (%s): got %s, after `after`\n", zlabel, got);
				show(i, v);
				bad++;
			}
			continue;
		}
		if (rc != 0 || p != fires[k - 1]) {
			if (rc != 0)
				snprintf(got, sizeof(got), "none (-1)");
			else
				fmt(zone, p, got, sizeof(got));
			print_message("FAIL prev(next%d) (%s): got %s, expected %s\n",
			    k + 1, zlabel, got, v->next[k - 1]);
			show(i, v);
			bad++;
		}
	}
	return bad;
}

static void
test_vectors(void **state)
{
	struct tz_cache		*cache;
	const struct tz_zone	*zone;
	struct err		 e;
	size_t			 i;
	int			 bad = 0, failed_vectors = 0, b;

	(void)state;
	cache = tz_cache_new(NULL);
	assert_non_null(cache);
	for (i = 0; i < NELEM(vectors); i++) {
		const struct vector *v = &vectors[i];

		memset(&e, 0, sizeof(e));
		if (tz_cache_get(cache, v->zone, &zone, &e) != 0) {
			print_message("FAIL zone %s: %s\n", v->zone, e.msg);
			show(i, v);
			bad++;
			failed_vectors++;
			continue;
		}
		b = check_vector(i, v, zone, v->zone);
		/* NULL means UTC. */
		if (strcmp(v->zone, "UTC") == 0)
			b += check_vector(i, v, NULL, "zone NULL");
		bad += b;
		failed_vectors += b != 0;
	}
	tz_cache_free(cache);
	print_message("%zu vectors, %d failed (%d failed checks)\n",
	    NELEM(vectors), failed_vectors, bad);
	if (bad != 0)
		fail_msg("%d of %zu cron vectors failed", failed_vectors, NELEM(vectors));
}

static void
test_errors(void **state)
{
	struct cron_expr	x;
	struct err		e;
	size_t			i;
	int			bad = 0;

	(void)state;
	for (i = 0; i < NELEM(errors); i++) {
		memset(&e, 0, sizeof(e));
		if (cron_parse(errors[i].expr, &x, &e) == 0) {
			print_message("FAIL \"%s\": accepted, expected \"%s\"\n",
			    errors[i].expr, errors[i].msg);
			bad++;
		} else if (strcmp(e.msg, errors[i].msg) != 0) {
			print_message("FAIL \"%s\": message \"%s\", expected \"%s\"\n",
			    errors[i].expr, e.msg, errors[i].msg);
			bad++;
		}
	}
	print_message("%zu bad expressions, %d failed\n", NELEM(errors), bad);
	if (bad != 0)
		fail_msg("%d of %zu parse errors differ", bad, NELEM(errors));
}

static uint64_t
bits(const int *list)
{
	uint64_t	b = 0;

	for (; *list >= 0; list++)
		b |= 1ULL << *list;
	return b;
}

static struct cron_expr
parsed(const char *text)
{
	struct cron_expr	x;
	struct err		e;

	memset(&x, 0, sizeof(x));
	memset(&e, 0, sizeof(e));
	if (cron_parse(text, &x, &e) != 0)
		fail_msg("cron_parse(\"%s\"): %s", text, e.msg);
	return x;
}

/* The parsed bitsets and flags, as cron.h documents them. */
static void
test_parse_fields(void **state)
{
	static const int	q[] = { 0, 15, 30, 45, -1 }, fss[] = { 5, 6, 0, -1 };
	struct cron_expr	x, y;
	int			k;

	(void)state;
	x = parsed("*/15 * * * *");
	assert_int_equal(x.second, 1);
	assert_int_equal(x.minute, bits(q));
	assert_int_equal(x.hour, 0xFFFFFF);
	assert_int_equal(x.month, 0x1FFE);
	assert_true(x.flags & CRON_WILDCARD);
	assert_true(x.flags & CRON_DOM_STAR);
	assert_true(x.flags & CRON_DOW_STAR);
	assert_false(x.flags & CRON_EVERY);

	x = parsed("30 0 0 * * *");
	assert_int_equal(x.second, 1ULL << 30);
	assert_int_equal(x.minute, 1);
	assert_int_equal(x.hour, 1);
	assert_false(x.flags & CRON_WILDCARD);

	x = parsed("0 0 * * 7");
	assert_int_equal(x.dow, 1);
	assert_true(x.flags & CRON_DOM_STAR);
	assert_false(x.flags & CRON_DOW_STAR);
	x = parsed("0 0 * * FRI-SUN");
	assert_int_equal(x.dow, bits(fss));
	x = parsed("0 0 * * 0-7");
	assert_int_equal(x.dow, 0x7F);
	x = parsed("0 0 * jan-MAR mon");
	assert_int_equal(x.month, 0xE);
	assert_int_equal(x.dow, 2);

	x = parsed("0 0 L * *");
	assert_int_equal(x.dom_last, 1);
	assert_int_equal(x.dom, 0);
	assert_false(x.flags & CRON_DOM_STAR);
	x = parsed("0 0 L-3 * *");
	assert_int_equal(x.dom_last, 1u << 3);
	x = parsed("0 0 15W * *");
	assert_int_equal(x.dom_weekday, 1u << 15);
	assert_int_equal(x.dom, 0);
	x = parsed("0 0 LW * *");
	assert_true(x.flags & CRON_DOM_LAST_WEEKDAY);
	x = parsed("0 0 * * 5L");
	assert_int_equal(x.dow_last, 1u << 5);
	x = parsed("0 0 * * 7L");
	assert_int_equal(x.dow_last, 1);
	x = parsed("0 0 * * 1#2");
	assert_int_equal(x.dow_nth[1], 1u << 2);
	for (k = 0; k < 7; k++)
		if (k != 1)
			assert_int_equal(x.dow_nth[k], 0);

	x = parsed("0 0 */2 * 1");
	assert_false(x.flags & CRON_DOM_STAR);
	assert_false(x.flags & CRON_DOW_STAR);
	x = parsed("0 0 ? * ?");
	assert_true(x.flags & CRON_DOM_STAR);
	assert_true(x.flags & CRON_DOW_STAR);
	x = parsed("0 0 1-31 * *");
	assert_false(x.flags & CRON_DOM_STAR);

	/* Wildcard: the minute or hour text begins with '*'. */
	assert_true(parsed("0 * * * *").flags & CRON_WILDCARD);
	assert_true(parsed("0 */2 * * *").flags & CRON_WILDCARD);
	assert_true(parsed("0-59 * * * *").flags & CRON_WILDCARD);
	assert_true(parsed("@hourly").flags & CRON_WILDCARD);
	assert_false(parsed("0-59 0-23 * * *").flags & CRON_WILDCARD);
	assert_false(parsed("30 2 * * *").flags & CRON_WILDCARD);
	assert_false(parsed("@daily").flags & CRON_WILDCARD);
	assert_false(parsed("* 0 0 * * *").flags & CRON_WILDCARD);
	assert_true(parsed("0 */5 1 * * *").flags & CRON_WILDCARD);

	x = parsed("@every 1h30m");
	assert_true(x.flags & CRON_EVERY);
	assert_int_equal(x.every, 5400);
	assert_int_equal(x.anchor, 0);
	assert_int_equal(parsed("@every 90s").every, 90);
	assert_int_equal(parsed("@every 1d").every, 86400);
	assert_int_equal(parsed("@every 2h").every, 7200);
	assert_int_equal(parsed("rate(5 minutes)").every, 300);
	assert_int_equal(parsed("rate(1 hour)").every, 3600);
	assert_int_equal(parsed("rate(2 days)").every, 2 * 86400);
	assert_true(parsed("rate(1 minute)").flags & CRON_EVERY);

	/* Macros equal their expansion. */
	x = parsed("@weekly");
	y = parsed("0 0 * * 0");
	assert_int_equal(x.minute, y.minute);
	assert_int_equal(x.hour, y.hour);
	assert_int_equal(x.dow, y.dow);
	assert_int_equal(x.flags, y.flags);

	/* Blanks: leading, trailing, repeated, tabs. */
	x = parsed("  0\t0   1 * *  ");
	y = parsed("0 0 1 * *");
	assert_int_equal(x.minute, y.minute);
	assert_int_equal(x.hour, y.hour);
	assert_int_equal(x.dom, y.dom);
	assert_int_equal(x.flags, y.flags);
}

/*
 * cron_prev by hand, as {{prev_kickoff_time}} uses it: the instant before a
 * scheduled one, in the schedule's zone, across DST and for sparse
 * expressions (a year, four years back).
 */
static void
test_prev_table(void **state)
{
	static const struct {
		const char	*expr;
		const char	*zone;
		const char	*before;	/* RFC 3339 with the zone's offset */
		const char	*prev;		/* NULL: none */
	} table[] = {
		/* The first example: every 6 hours in Shanghai. */
		{ "0 */6 * * *", "Asia/Shanghai", "2026-11-26T12:00:00+08:00",
		  "2026-11-26T06:00:00+08:00" },
		{ "0 */6 * * *", "Asia/Shanghai", "2026-11-26T00:00:00+08:00",
		  "2026-11-25T18:00:00+08:00" },
		/* Not on an instant: the last one before. */
		{ "0 */6 * * *", "Asia/Shanghai", "2026-11-26T05:59:59+08:00",
		  "2026-11-26T00:00:00+08:00" },
		{ "*/5 * * * * *", "UTC", "2026-11-26T06:00:00Z",
		  "2026-11-26T05:59:55Z" },
		/* Weekly, monthly, yearly, and Feb 29 four years back. */
		{ "0 9 * * 1", "Europe/Berlin", "2026-11-30T09:00:00+01:00",
		  "2026-11-23T09:00:00+01:00" },
		{ "0 0 L * *", "UTC", "2026-03-31T00:00:00Z",
		  "2026-02-28T00:00:00Z" },
		{ "0 0 1 1 *", "UTC", "2026-01-01T00:00:00Z",
		  "2025-01-01T00:00:00Z" },
		{ "0 0 29 2 *", "UTC", "2028-02-29T00:00:00Z",
		  "2024-02-29T00:00:00Z" },
		{ "0 12 29 2 *", "America/New_York", "2028-03-01T00:00:00-05:00",
		  "2028-02-29T12:00:00-05:00" },
		/* Spring forward: 02:30 does not exist on 2026-03-08, it fired at 03:00 EDT. */
		{ "30 2 * * *", "America/New_York", "2026-03-09T02:30:00-04:00",
		  "2026-03-08T03:00:00-04:00" },
		{ "0 1 * * *", "Europe/London", "2026-03-30T01:00:00+01:00",
		  "2026-03-29T02:00:00+01:00" },
		/* Fall back: 01:30 happens twice on 2026-11-01 and fired the first time. */
		{ "30 1 * * *", "America/New_York", "2026-11-02T01:30:00-05:00",
		  "2026-11-01T01:30:00-04:00" },
		/* ...while a wildcard schedule follows real time through both. */
		{ "*/30 * * * *", "America/New_York", "2026-11-01T01:00:00-05:00",
		  "2026-11-01T01:30:00-04:00" },
		{ "*/30 * * * *", "America/New_York", "2026-11-01T01:30:00-05:00",
		  "2026-11-01T01:00:00-05:00" },
		/* Half-hour DST (Lord Howe): 02:00 to 02:30 is skipped on 2026-10-04. */
		{ "15 2 * * *", "Australia/Lord_Howe", "2026-10-05T02:15:00+11:00",
		  "2026-10-04T02:30:00+11:00" },
		/* A fixed interval: the anchor's grid. */
		{ "@every 90m", "UTC", "2026-11-26T03:00:00Z",
		  "2026-11-26T01:30:00Z" },
		/* Nothing before year 1. */
		{ "0 0 1 1 *", "UTC", "0001-01-01T00:00:00Z", NULL },
	};
	struct tz_cache		*cache;
	const struct tz_zone	*zone;
	struct cron_expr	 x;
	struct err		 e;
	char			 got[64];
	int64_t			 prev;
	int			 bad = 0;

	(void)state;
	assert_non_null(cache = tz_cache_new(NULL));
	for (size_t i = 0; i < NELEM(table); i++) {
		memset(&e, 0, sizeof(e));
		if (cron_parse(table[i].expr, &x, &e) != 0 ||
		    tz_cache_get(cache, table[i].zone, &zone, &e) != 0)
			fail_msg("%s %s: %s", table[i].expr, table[i].zone, e.msg);
		x.anchor = ts("2026-11-26T00:00:00Z");
		if (cron_prev(&x, zone, ts(table[i].before), &prev) != 0)
			snprintf(got, sizeof(got), "none");
		else
			fmt(zone, prev, got, sizeof(got));
		if (strcmp(got, table[i].prev ? table[i].prev : "none") != 0) {
			print_message("FAIL cron_prev(\"%s\", %s, %s): got %s, "
			    "expected %s\n", table[i].expr, table[i].zone,
			    table[i].before, got,
			    table[i].prev ? table[i].prev : "none");
			bad++;
		}
	}
	tz_cache_free(cache);
	if (bad != 0)
		fail_msg("%d of %zu cron_prev cases failed", bad, NELEM(table));
}

/* The ends of the civil range. */
static void
test_limits(void **state)
{
	struct cron_expr	x = parsed("* * * * *");
	int64_t			t;

	(void)state;
	assert_int_equal(cron_next(&x, NULL, CIVIL_MAX_SECONDS, &t), -1);
	assert_int_equal(cron_next(&x, NULL, CIVIL_MAX_SECONDS - 60, &t), 0);
	assert_int_equal(t, CIVIL_MAX_SECONDS - 59);
	assert_int_equal(cron_prev(&x, NULL, CIVIL_MIN_SECONDS, &t), -1);
	assert_int_equal(cron_prev(&x, NULL, CIVIL_MIN_SECONDS + 1, &t), 0);
	assert_int_equal(t, CIVIL_MIN_SECONDS);
	x = parsed("0 0 1 1 *");
	assert_int_equal(cron_prev(&x, NULL, CIVIL_MIN_SECONDS + 86400, &t), 0);
	assert_int_equal(t, CIVIL_MIN_SECONDS);
	assert_int_equal(cron_prev(&x, NULL, CIVIL_MIN_SECONDS, &t), -1);
	assert_int_equal(cron_next(&x, NULL, ts("9999-01-01T00:00:00Z"), &t), -1);
}

/* cron_words: each common shape, and the text itself for the rest. */
static void
test_words(void **state)
{
	static const struct {
		const char	*expr;
		const char	*words;
	} table[] = {
		{ "* * * * *",		"every minute" },
		{ "*/15 * * * *",	"every 15 minutes" },
		{ "5 * * * *",		"every hour at minute 5" },
		{ "0 */6 * * *",	"every 6 hours at minute 0" },
		{ "30 6 * * *",		"every day at 06:30" },
		{ "0 30 6 * * *",	"every day at 06:30" },
		{ "* * * * * *",	"every second" },
		{ "*/5 * * * * *",	"every 5 seconds" },
		{ "*/5 1 * * * *",	"*/5 1 * * * *" },
		{ "0 9 * * 1-5",	"weekdays at 09:00" },
		{ "0 9 ? * MON-FRI",	"weekdays at 09:00" },
		{ "0 10 * * 0,6",	"weekends at 10:00" },
		{ "15 8 * * 1",		"every Monday at 08:15" },
		{ "15 8 * * fri",	"every Friday at 08:15" },
		{ "15 8 * * 7",		"every Sunday at 08:15" },
		{ "0 2 1 * *",		"on day 1 of every month at 02:00" },
		{ "0 23 L * *",		"on the last day of every month at 23:00" },
		{ "@daily",		"every day at 00:00" },
		{ "@hourly",		"every hour at minute 0" },
		{ "@weekly",		"every Sunday at 00:00" },
		{ "@monthly",		"on day 1 of every month at 00:00" },
		{ "@yearly",		"every year on January 1 at 00:00" },
		{ "@every 90m",		"every 90m" },
		{ "rate(5 minutes)",	"every 5 minutes" },
		/* No common shape: the expression as written. */
		{ "0 9,17 * * *",	"0 9,17 * * *" },
		{ "0 0 1 1 *",		"0 0 1 1 *" },
		{ "30 0 9 * * *",	"30 0 9 * * *" },
		{ "0 12 * * 1#2",	"0 12 * * 1#2" },
		{ "0 0 15W * *",	"0 0 15W * *" },
		{ "*/1 * * * *",	"*/1 * * * *" },
		{ "0 9 1 * 1",		"0 9 1 * 1" },
	};
	char	buf[80];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(table); i++) {
		cron_words(table[i].expr, buf, sizeof(buf));
		if (strcmp(buf, table[i].words) != 0) {
			print_error("cron_words(\"%s\") = \"%s\", want \"%s\"\n",
			    table[i].expr, buf, table[i].words);
			bad++;
		}
	}
	/* Cut to fit, still terminated. */
	cron_words("*/15 * * * *", buf, 6);
	assert_string_equal(buf, "every");
	if (bad != 0)
		fail_msg("%d of %zu cron_words cases failed", bad, NELEM(table));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_prev_table),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
