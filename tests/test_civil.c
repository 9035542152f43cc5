/*
 * test_civil.c: proleptic Gregorian arithmetic and RFC 3339 text.
 *
 * Known values were computed with Python's datetime (years 1-9999) and, for
 * years outside it, by counting 365/366-day years from 0001-01-01; the loops check
 * the calendar against itself day by day, so they need no table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "schedd/civil.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct known_day {
	int64_t	year;
	int	month, day;
	int64_t	days;		/* since 1970-01-01 */
	int	weekday;	/* 0 = Sunday */
};

static const struct known_day known_days[] = {
	{ 1970, 1, 1, 0, 4 },
	{ 1969, 12, 31, -1, 3 },
	{ 2000, 2, 29, 11016, 2 },
	{ 2000, 3, 1, 11017, 3 },
	{ 2026, 11, 26, 20783, 4 },
	{ 1900, 1, 1, -25567, 1 },
	{ 2100, 3, 1, 47541, 1 },
	{ 2400, 2, 29, 157113, 2 },
	{ 1, 1, 1, -719162, 1 },
	{ 9999, 12, 31, 2932896, 5 },
	{ 10000, 1, 1, 2932897, 6 },
	{ 0, 1, 1, -719528, 6 },
	{ 0, 2, 29, -719469, 2 },	/* year 0 (1 BC) is a leap year */
	{ 0, 3, 1, -719468, 3 },
	{ -1, 12, 31, -719529, 5 },
	{ -1, 1, 1, -719893, 5 },
	{ -4, 2, 29, -720930, 4 },
	{ -100, 3, 1, -755993, 4 },
	{ -400, 2, 29, -865566, 2 },
	{ -1000, 1, 1, -1084770, 3 },
};

static void
test_known_days(void **state)
{
	size_t	i;
	int	y, m, d;

	(void)state;
	for (i = 0; i < NELEM(known_days); i++) {
		const struct known_day *k = &known_days[i];

		assert_int_equal(civil_days_from_date(k->year, k->month, k->day), k->days);
		civil_date_from_days(k->days, &y, &m, &d);
		assert_int_equal(y, k->year);
		assert_int_equal(m, k->month);
		assert_int_equal(d, k->day);
		assert_int_equal(civil_weekday(k->days), k->weekday);
	}
}

/* Walk day by day from year -1000 to 10000: every date follows the one before. */
static void
test_day_walk(void **state)
{
	int64_t	days, first = civil_days_from_date(-1000, 1, 1);
	int64_t	last = civil_days_from_date(10000, 12, 31);
	int	y = -1000, m = 1, d = 1, wd, gy, gm, gd;

	(void)state;
	wd = civil_weekday(first);
	for (days = first; days <= last; days++) {
		civil_date_from_days(days, &gy, &gm, &gd);
		if (gy != y || gm != m || gd != d)
			fail_msg("day %lld: got %d-%d-%d, expected %d-%d-%d",
			    (long long)days, gy, gm, gd, y, m, d);
		if (civil_days_from_date(y, m, d) != days)
			fail_msg("%d-%d-%d: got day %lld, expected %lld", y, m, d,
			    (long long)civil_days_from_date(y, m, d), (long long)days);
		if (civil_weekday(days) != wd)
			fail_msg("day %lld: weekday %d, expected %d", (long long)days,
			    civil_weekday(days), wd);
		wd = (wd + 1) % 7;
		if (++d > civil_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}

static void
test_leap(void **state)
{
	static const int64_t	leap[] = { 2000, 2400, 2024, 2028, 1600, 4, 0, -4, -400, 9996 };
	static const int64_t	common[] = { 1900, 2100, 2200, 2300, 2026, 2023, 1, -1, -100, 9999, 1800 };
	size_t			i;

	(void)state;
	for (i = 0; i < NELEM(leap); i++) {
		assert_true(civil_is_leap(leap[i]));
		assert_int_equal(civil_days_in_month(leap[i], 2), 29);
	}
	for (i = 0; i < NELEM(common); i++) {
		assert_false(civil_is_leap(common[i]));
		assert_int_equal(civil_days_in_month(common[i], 2), 28);
	}
	static const int	dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	for (i = 0; i < 12; i++)
		assert_int_equal(civil_days_in_month(2026, (int)i + 1), dim[i]);
	/* A day past the end of its month rolls into the next. */
	assert_int_equal(civil_days_from_date(2026, 1, 32), civil_days_from_date(2026, 2, 1));
	assert_int_equal(civil_days_from_date(2026, 2, 29), civil_days_from_date(2026, 3, 1));
	assert_int_equal(civil_days_from_date(2028, 2, 30), civil_days_from_date(2028, 3, 1));
	assert_int_equal(civil_days_from_date(2100, 2, 29), civil_days_from_date(2100, 3, 1));
	assert_int_equal(civil_days_from_date(2026, 12, 32), civil_days_from_date(2027, 1, 1));
	assert_int_equal(civil_days_from_date(2026, 4, 31), civil_days_from_date(2026, 5, 1));
}

struct known_time {
	int64_t			t;
	struct civil_time	ct;
};

static const struct known_time known_times[] = {
	{ 0, { 1970, 1, 1, 0, 0, 0 } },
	{ -1, { 1969, 12, 31, 23, 59, 59 } },
	{ -86400, { 1969, 12, 31, 0, 0, 0 } },
	{ -86401, { 1969, 12, 30, 23, 59, 59 } },
	{ 1795672800, { 2026, 11, 26, 6, 0, 0 } },
	{ 1772953200, { 2026, 3, 8, 7, 0, 0 } },
	{ 1835438400, { 2028, 2, 29, 12, 0, 0 } },
	{ -2208988800, { 1900, 1, 1, 0, 0, 0 } },
	{ CIVIL_MIN_SECONDS, { 1, 1, 1, 0, 0, 0 } },
	{ CIVIL_MAX_SECONDS, { 9999, 12, 31, 23, 59, 59 } },
};

static void
test_seconds(void **state)
{
	struct civil_time	ct;
	size_t			i;
	uint64_t		h = 88172645463325252ULL;
	int64_t			t;

	(void)state;
	for (i = 0; i < NELEM(known_times); i++) {
		const struct known_time *k = &known_times[i];

		memset(&ct, 0xff, sizeof(ct));
		civil_from_seconds(k->t, &ct);
		assert_int_equal(ct.year, k->ct.year);
		assert_int_equal(ct.month, k->ct.month);
		assert_int_equal(ct.day, k->ct.day);
		assert_int_equal(ct.hour, k->ct.hour);
		assert_int_equal(ct.minute, k->ct.minute);
		assert_int_equal(ct.second, k->ct.second);
		assert_int_equal(civil_to_seconds(&k->ct), k->t);
	}
	/* Round trips over the whole range (xorshift sample). */
	for (i = 0; i < 200000; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		t = CIVIL_MIN_SECONDS + (int64_t)(h % (uint64_t)(CIVIL_MAX_SECONDS - CIVIL_MIN_SECONDS + 1));
		civil_from_seconds(t, &ct);
		if (civil_to_seconds(&ct) != t)
			fail_msg("round trip of %lld", (long long)t);
		if (ct.hour < 0 || ct.hour > 23 || ct.minute < 0 || ct.minute > 59 ||
		    ct.second < 0 || ct.second > 59)
			fail_msg("fields of %lld", (long long)t);
	}
}

struct fmt_case {
	int64_t		t;
	int32_t		offset;
	const char	*text;		/* NULL: -1 */
};

static const struct fmt_case fmt_cases[] = {
	{ 1795672800, 0, "2026-11-26T06:00:00Z" },
	{ 1772953200, -14400, "2026-03-08T03:00:00-04:00" },
	{ 1772953199, -18000, "2026-03-08T01:59:59-05:00" },
	{ 1795672800, 19800, "2026-11-26T11:30:00+05:30" },
	{ 1795672800, 45900, "2026-11-26T18:45:00+12:45" },
	{ 1795672800, 49500, "2026-11-26T19:45:00+13:45" },
	{ 1795672800, 37800, "2026-11-26T16:30:00+10:30" },
	{ 1795672800, -34200, "2026-11-25T20:30:00-09:30" },
	{ 1795672800, 50400, "2026-11-26T20:00:00+14:00" },
	{ 1795672800, -43200, "2026-11-25T18:00:00-12:00" },
	{ 0, 0, "1970-01-01T00:00:00Z" },
	{ -1, 0, "1969-12-31T23:59:59Z" },
	{ -2208988800, 3600, "1900-01-01T01:00:00+01:00" },
	{ CIVIL_MIN_SECONDS, 0, "0001-01-01T00:00:00Z" },
	{ CIVIL_MIN_SECONDS, 3600, "0001-01-01T01:00:00+01:00" },
	{ CIVIL_MIN_SECONDS, -3600, NULL },		/* local year 0 */
	{ CIVIL_MAX_SECONDS, 0, "9999-12-31T23:59:59Z" },
	{ CIVIL_MAX_SECONDS, -3600, "9999-12-31T22:59:59-01:00" },
	{ CIVIL_MAX_SECONDS, 3600, NULL },		/* local year 10000 */
	{ CIVIL_MAX_SECONDS + 1, 0, NULL },
	{ CIVIL_MIN_SECONDS - 1, 0, NULL },
};

static void
test_format(void **state)
{
	char	buf[64];
	size_t	i;
	int	bad = 0;

	(void)state;
	for (i = 0; i < NELEM(fmt_cases); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		int rc;

		memset(buf, 0, sizeof(buf));
		rc = civil_format_rfc3339(c->t, c->offset, buf, 26);
		if (c->text == NULL) {
			if (rc != -1) {
				print_message("FAIL format(%lld, %d): got \"%s\", expected -1\n",
				    (long long)c->t, c->offset, buf);
				bad++;
			}
			continue;
		}
		if (rc != 0 || strcmp(buf, c->text) != 0) {
			print_message("FAIL format(%lld, %d): got %d \"%s\", expected \"%s\"\n",
			    (long long)c->t, c->offset, rc, buf, c->text);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d of %zu format cases failed", bad, NELEM(fmt_cases));

	/* 26 bytes are enough for the longest form; 25 are not; nothing is written past len. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(civil_format_rfc3339(1772953200, -14400, buf, 25), -1);
	assert_int_equal(buf[25], 'x');
	assert_int_equal(civil_format_rfc3339(1772953200, -14400, buf, 0), -1);
	assert_int_equal(civil_format_rfc3339(1772953200, -14400, buf, 1), -1);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(civil_format_rfc3339(1772953200, -14400, buf, 26), 0);
	assert_int_equal(buf[25], '\0');
	assert_int_equal(buf[26], 'x');
	assert_int_equal(civil_format_rfc3339(1795672800, 0, buf, 26), 0);
	assert_string_equal(buf, "2026-11-26T06:00:00Z");
}

struct parse_case {
	const char	*text;
	int		ok;
	int64_t		t;
};

static const struct parse_case parse_cases[] = {
	{ "2026-11-26T06:00:00Z", 1, 1795672800 },
	{ "2026-11-26t06:00:00Z", 1, 1795672800 },
	{ "2026-11-26 06:00:00Z", 1, 1795672800 },
	{ "2026-11-26T06:00:00z", 1, 1795672800 },	/* RFC 3339 5.6: "z" too */
	{ "2026-11-26T06:00:00+00:00", 1, 1795672800 },
	{ "2026-11-26T06:00:00-00:00", 1, 1795672800 },	/* accepted: UTC, local offset unknown (RFC 3339 4.3) */
	{ "2026-11-26T11:30:00+05:30", 1, 1795672800 },
	{ "2026-11-26T01:00:00-05:00", 1, 1795672800 },
	{ "2026-11-26T18:45:00+12:45", 1, 1795672800 },
	{ "2026-11-25T20:30:00-09:30", 1, 1795672800 },
	{ "2026-11-26T20:00:00+14:00", 1, 1795672800 },
	{ "2026-11-26T06:00:00.5Z", 1, 1795672800 },	/* fractions are dropped */
	{ "2026-11-26T06:00:00.999999999Z", 1, 1795672800 },
	{ "2026-11-26T06:00:00.000+00:00", 1, 1795672800 },
	{ "2026-11-26T11:30:00.25+05:30", 1, 1795672800 },
	{ "1969-12-31T23:59:59Z", 1, -1 },
	{ "1969-12-31T23:59:59.9Z", 1, -1 },
	{ "1970-01-01T00:00:00Z", 1, 0 },
	{ "2028-02-29T12:00:00Z", 1, 1835438400 },
	{ "2000-02-29T00:00:00Z", 1, 951782400 },
	{ "2400-02-29T00:00:00Z", 1, 13574563200 },
	{ "1900-01-01T00:00:00Z", 1, -2208988800 },
	{ "0001-01-01T00:00:00Z", 1, CIVIL_MIN_SECONDS },
	{ "0001-01-01T00:00:00+01:00", 1, CIVIL_MIN_SECONDS - 3600 },
	{ "9999-12-31T23:59:59Z", 1, CIVIL_MAX_SECONDS },
	{ "2026-03-08T02:30:00-05:00", 1, 1772955000 },	/* a New York gap time, as an instant */

	{ "", 0, 0 },
	{ "garbage", 0, 0 },
	{ "2026-11-26", 0, 0 },
	{ "2026-11-26T06:00:00", 0, 0 },		/* no offset */
	{ "2026-11-26T06:00Z", 0, 0 },			/* no seconds */
	{ "2026-11-26T6:00:00Z", 0, 0 },
	{ "2026-1-26T06:00:00Z", 0, 0 },
	{ "26-11-26T06:00:00Z", 0, 0 },
	{ "02026-11-26T06:00:00Z", 0, 0 },
	{ "2026-11-26X06:00:00Z", 0, 0 },
	{ "2026-11-26T06:00:00+0530", 0, 0 },
	{ "2026-11-26T06:00:00+05", 0, 0 },
	{ "2026-11-26T06:00:00+5:30", 0, 0 },
	{ "2026-11-26T06:00:00+24:00", 0, 0 },
	{ "2026-11-26T06:00:00+05:60", 0, 0 },
	{ "2026-11-26T06:00:00Zjunk", 0, 0 },
	{ "2026-11-26T06:00:00Z ", 0, 0 },
	{ "2026-11-26T06:00:00 Z", 0, 0 },
	{ "2026-11-26T06:00:00.Z", 0, 0 },		/* empty fraction */
	{ "2026-11-26T06:00:00,5Z", 0, 0 },
	{ "2026-00-10T00:00:00Z", 0, 0 },
	{ "2026-13-10T00:00:00Z", 0, 0 },
	{ "2026-01-00T00:00:00Z", 0, 0 },
	{ "2026-01-32T00:00:00Z", 0, 0 },
	{ "2026-02-29T00:00:00Z", 0, 0 },		/* not a leap year */
	{ "2100-02-29T00:00:00Z", 0, 0 },		/* nor is 2100 */
	{ "2026-02-30T00:00:00Z", 0, 0 },
	{ "2026-04-31T00:00:00Z", 0, 0 },
	{ "2026-11-26T24:00:00Z", 0, 0 },
	{ "2026-11-26T23:60:00Z", 0, 0 },
	{ "0000-01-01T00:00:00Z", 0, 0 },
	{ "10000-01-01T00:00:00Z", 0, 0 },
	{ "-2026-11-26T06:00:00Z", 0, 0 },
	{ "+2026-11-26T06:00:00Z", 0, 0 },
	{ "2026-11-26T06:00:00+05:30:00", 0, 0 },
	{ "2026-11-26T-6:00:00Z", 0, 0 },
	{ "2026-11-26T06:00:0xZ", 0, 0 },
};

static void
test_parse(void **state)
{
	struct err	e;
	size_t		i;
	int64_t		t;
	int		rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];

		memset(&e, 0, sizeof(e));
		t = 0x5a5a5a5a;
		rc = civil_parse_rfc3339(c->text, &t, &e);
		if (c->ok && rc != 0) {
			print_message("FAIL parse(\"%s\"): -1 (%s), expected %lld\n",
			    c->text, e.msg, (long long)c->t);
			bad++;
		} else if (c->ok && t != c->t) {
			print_message("FAIL parse(\"%s\"): %lld, expected %lld\n", c->text,
			    (long long)t, (long long)c->t);
			bad++;
		} else if (!c->ok && rc != -1) {
			print_message("FAIL parse(\"%s\"): accepted as %lld, expected -1\n",
			    c->text, (long long)t);
			bad++;
		} else if (!c->ok && e.msg[0] == '\0') {
			print_message("FAIL parse(\"%s\"): -1 without a message\n", c->text);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d of %zu parse cases failed", bad, NELEM(parse_cases));
}

/* Format then parse gives the instant back, at every offset. */
static void
test_round_trip(void **state)
{
	static const int32_t	offsets[] = { 0, 3600, -3600, 19800, -14400, -18000, 45900,
	    49500, 37800, 39600, -34200, 50400, -43200, 20700 };
	struct err		e;
	char			buf[26];
	uint64_t		h = 0x9e3779b97f4a7c15ULL;
	int64_t			t, t2;
	size_t			i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		t = CIVIL_MIN_SECONDS + 86400 +
		    (int64_t)(h % (uint64_t)(CIVIL_MAX_SECONDS - CIVIL_MIN_SECONDS - 2 * 86400));
		for (j = 0; j < NELEM(offsets); j++) {
			if (civil_format_rfc3339(t, offsets[j], buf, sizeof(buf)) != 0)
				fail_msg("format(%lld, %d)", (long long)t, offsets[j]);
			if (strlen(buf) != (offsets[j] == 0 ? 20u : 25u))
				fail_msg("format(%lld, %d): \"%s\"", (long long)t, offsets[j], buf);
			if (civil_parse_rfc3339(buf, &t2, &e) != 0 || t2 != t)
				fail_msg("\"%s\" parsed back as %lld, expected %lld", buf,
				    (long long)t2, (long long)t);
		}
	}
}

/* Durations: units d, h, m, s, each at most once and largest first; formatting reads back. */
static void
test_duration(void **state)
{
	static const struct {
		const char	*text;
		int64_t		 seconds;	/* -1: refused */
	} cases[] = {
		{ "90s", 90 }, { "5m", 300 }, { "2h", 7200 }, { "1d", 86400 },
		{ "0s", 0 }, { "1h30m", 5400 }, { "1d2h3m4s", 93784 },
		{ "1d1s", 86401 }, { "90m", 5400 }, { "366d", 366 * 86400 },
		{ "", -1 }, { "5", -1 }, { "5x", -1 }, { "-5m", -1 },
		{ "1.5h", -1 }, { "h", -1 }, { "1h30", -1 }, { "367d", -1 },
		/* a unit twice, or a smaller one first, is a slip: not summed */
		{ "1s1s", -1 }, { "1h1h", -1 }, { "30m1h", -1 }, { "1s1m", -1 },
		{ "1h2d", -1 }, { "1h30m30m", -1 }, { "0s0s", -1 },
	};
	char	buf[32];
	int64_t	seconds;
	int	rc;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		seconds = -1;
		rc = civil_parse_duration(cases[i].text, 366 * 86400, &seconds);
		if (cases[i].seconds == -1 ? rc != -1 :
		    rc != 0 || seconds != cases[i].seconds)
			fail_msg("\"%s\": rc %d, %lld seconds, want %lld",
			    cases[i].text, rc, (long long)seconds,
			    (long long)cases[i].seconds);
		if (rc == -1)
			continue;
		civil_format_duration(seconds, buf, sizeof(buf));
		if (civil_parse_duration(buf, 366 * 86400, &seconds) != 0 ||
		    seconds != cases[i].seconds)
			fail_msg("\"%s\" formats as \"%s\", which does not read "
			    "back", cases[i].text, buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_days),
		cmocka_unit_test(test_day_walk),
		cmocka_unit_test(test_leap),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
