/* test_fire.c: catch-up plans after downtime, and execution names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/fire.h"

static int64_t
ts(const char *text)
{
	int64_t	t;

	assert_int_equal(civil_parse_rfc3339(text, &t, NULL), 0);
	return t;
}

/* A list of instants as "HH:MM:SS,..." (UTC, same day), for exact comparison. */
static void
format_list(const int64_t *list, int n, char *buf, size_t len)
{
	size_t	used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		struct civil_time	ct;

		civil_from_seconds(list[i], &ct);
		used += (size_t)snprintf(buf + used, len - used, "%s%02d:%02d:%02d",
		    i ? "," : "", ct.hour, ct.minute, ct.second);
	}
}

static const struct plan_case {
	const char	*expr;
	const char	*policy;
	int64_t		 window;
	int64_t		 grace;
	const char	*from;		/* last handled instant */
	const char	*now;
	const char	*fire;		/* expected, oldest first */
	const char	*skip;
	int		 more;
	const char	*next;
} plan_cases[] = {
	/* Hourly, down 09:30 to 13:30, window 1h: 10-12 are too old; 13:00 is in the window. */
	{ "0 * * * *", "latest", 3600, 60, "2026-11-26T09:00:00Z", "2026-11-26T13:30:00Z",
	  "13:00:00", "10:00:00,11:00:00,12:00:00", 0, "2026-11-26T14:00:00Z" },
	{ "0 * * * *", "all", 3600, 60, "2026-11-26T09:00:00Z", "2026-11-26T13:30:00Z",
	  "13:00:00", "10:00:00,11:00:00,12:00:00", 0, "2026-11-26T14:00:00Z" },
	{ "0 * * * *", "none", 3600, 60, "2026-11-26T09:00:00Z", "2026-11-26T13:30:00Z",
	  "", "10:00:00,11:00:00,12:00:00,13:00:00", 0, "2026-11-26T14:00:00Z" },
	/* A wide window: all fires every missed instant, latest only the newest. */
	{ "0 * * * *", "all", 86400, 60, "2026-11-26T09:00:00Z", "2026-11-26T13:30:00Z",
	  "10:00:00,11:00:00,12:00:00,13:00:00", "", 0, "2026-11-26T14:00:00Z" },
	{ "0 * * * *", "latest", 86400, 60, "2026-11-26T09:00:00Z", "2026-11-26T13:30:00Z",
	  "13:00:00", "10:00:00,11:00:00,12:00:00", 0, "2026-11-26T14:00:00Z" },
	/* On time (exactly now) fires under every policy; so does late within grace. */
	{ "0 * * * *", "none", 3600, 60, "2026-11-26T12:00:00Z", "2026-11-26T13:00:00Z",
	  "13:00:00", "", 0, "2026-11-26T14:00:00Z" },
	{ "0 * * * *", "none", 3600, 60, "2026-11-26T12:00:00Z", "2026-11-26T13:00:59Z",
	  "13:00:00", "", 0, "2026-11-26T14:00:00Z" },
	{ "0 * * * *", "none", 3600, 60, "2026-11-26T12:00:00Z", "2026-11-26T13:01:01Z",
	  "", "13:00:00", 0, "2026-11-26T14:00:00Z" },
	/* latest with an on-time fire: the on-time one is the newest; older ones skip. */
	{ "*/30 * * * *", "latest", 86400, 60, "2026-11-26T11:00:00Z", "2026-11-26T13:00:00Z",
	  "13:00:00", "11:30:00,12:00:00,12:30:00", 0, "2026-11-26T13:30:00Z" },
	/* Nothing missed. */
	{ "0 * * * *", "all", 3600, 60, "2026-11-26T13:00:00Z", "2026-11-26T13:30:00Z",
	  "", "", 0, "2026-11-26T14:00:00Z" },
	/* Every minute down 3 hours, all, window 1 day: the newest 100 fire, 80 skip. */
	{ "* * * * *", "all", 86400, 0, "2026-11-26T10:00:00Z", "2026-11-26T13:00:00Z",
	  NULL, NULL, 0, "2026-11-26T13:01:00Z" },
	/* Every minute down 5 hours, none: 100 skips listed, more behind them. */
	{ "* * * * *", "none", 3600, 0, "2026-11-26T08:00:00Z", "2026-11-26T13:00:30Z",
	  "", NULL, 1, "2026-11-26T13:01:00Z" },
};

static void
test_plans(void **state)
{
	struct tz_cache	*zones = tz_cache_new(NULL);
	char		 got[4096];
	int		 failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case	*c = &plan_cases[i];
		struct cron_expr	 x;
		struct fire_plan	 p;
		enum fire_catchup	 policy;
		struct err		 e;

		assert_int_equal(cron_parse(c->expr, &x, &e), 0);
		assert_int_equal(fire_catchup_parse(c->policy, &policy), 0);
		fire_plan(&x, NULL, policy, c->window, c->grace, ts(c->from),
		    ts(c->now), &p);
		if (c->fire != NULL) {
			format_list(p.fire, p.nfire, got, sizeof(got));
			if (strcmp(got, c->fire) != 0) {
				printf("case %zu fire: got %s want %s\n", i, got,
				    c->fire);
				failed++;
			}
		}
		if (c->skip != NULL) {
			format_list(p.skip, p.nskip, got, sizeof(got));
			if (strcmp(got, c->skip) != 0) {
				printf("case %zu skip: got %s want %s\n", i, got,
				    c->skip);
				failed++;
			}
		}
		if (p.more_skipped != c->more || p.next != ts(c->next)) {
			printf("case %zu: more %d next %lld\n", i, p.more_skipped,
			    (long long)p.next);
			failed++;
		}
	}
	tz_cache_free(zones);
	assert_int_equal(failed, 0);
}

/* The dense cases, counted exactly. */
static void
test_plan_counts(void **state)
{
	struct cron_expr	x;
	struct fire_plan	p;
	struct err		e;

	(void)state;
	assert_int_equal(cron_parse("* * * * *", &x, &e), 0);
	fire_plan(&x, NULL, FIRE_CATCHUP_ALL, 86400, 0,
	    ts("2026-11-26T10:00:00Z"), ts("2026-11-26T13:00:00Z"), &p);
	assert_int_equal(p.nfire, 100);
	assert_int_equal(p.fire[0], ts("2026-11-26T11:21:00Z"));
	assert_int_equal(p.fire[99], ts("2026-11-26T13:00:00Z"));
	assert_int_equal(p.nskip, 80);
	assert_int_equal(p.skip[0], ts("2026-11-26T10:01:00Z"));
	assert_int_equal(p.skip[79], ts("2026-11-26T11:20:00Z"));
	assert_int_equal(p.more_skipped, 0);

	fire_plan(&x, NULL, FIRE_CATCHUP_NONE, 3600, 0,
	    ts("2026-11-26T08:00:00Z"), ts("2026-11-26T13:00:30Z"), &p);
	assert_int_equal(p.nfire, 0);
	assert_int_equal(p.nskip, FIRE_SKIP_MAX);
	assert_int_equal(p.skip[99], ts("2026-11-26T13:00:00Z"));
	assert_int_equal(p.skip[0], ts("2026-11-26T11:21:00Z"));
	assert_int_equal(p.more_skipped, 1);
}

static void
test_names(void **state)
{
	char	a[FIRE_NAME_LENGTH + 1], b[FIRE_NAME_LENGTH + 1];
	int64_t	t0 = ts("2026-11-26T06:00:00Z");

	(void)state;
	fire_execution_name("data_sync_site_a", t0, a, sizeof(a));
	fire_execution_name("data_sync_site_a", t0, b, sizeof(b));
	assert_string_equal(a, b);			/* deterministic */
	assert_int_equal(strlen(a), FIRE_NAME_LENGTH);
	assert_true(a[0] == 's');
	assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789"),
	    FIRE_NAME_LENGTH);
	fire_execution_name("data_sync_site_b", t0, b, sizeof(b));
	assert_string_not_equal(a, b);
	fire_execution_name("data_sync_site_a", t0 + 1, b, sizeof(b));
	assert_string_not_equal(a, b);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* 200 000 fires of 20 schedules: no two names alike. */
static void
test_names_distinct(void **state)
{
	enum { SCHEDULES = 20, FIRES = 10000 };
	char	(*names)[FIRE_NAME_LENGTH + 1];
	char	 schedule[32];
	size_t	 n = 0;

	(void)state;
	names = malloc((size_t)SCHEDULES * FIRES * sizeof(*names));
	assert_non_null(names);
	for (int s = 0; s < SCHEDULES; s++) {
		snprintf(schedule, sizeof(schedule), "data_sync_site_%d", s);
		for (int f = 0; f < FIRES; f++)
			fire_execution_name(schedule, 1764115200 + 60LL * f,
			    names[n++], FIRE_NAME_LENGTH + 1);
	}
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(names[i - 1], names[i]);
	free(names);
}

/* Shards: fixed values (every host of a group must agree, across versions too) and an even split. */
static void
test_shards(void **state)
{
	static const struct {
		const char	*name;
		int		 shards;
		int		 shard;
	} cases[] = {
		{ "data_sync_site_a",	2,	1 },
		{ "data_sync_site_b",	2,	0 },
		{ "data_sync_site_a",	3,	2 },
		{ "b1",			2,	0 },
		{ "b2",			2,	1 },
		{ "x",			1,	0 },
		{ "x",			0,	0 },
		{ "",			5,	2 },
	};
	int	count[3] = { 0, 0, 0 };
	char	name[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(fire_shard(cases[i].name, cases[i].shards),
		    cases[i].shard);
	for (int i = 0; i < 30000; i++) {
		snprintf(name, sizeof(name), "data_sync_%05d", i);
		count[fire_shard(name, 3)]++;
	}
	for (int s = 0; s < 3; s++)
		assert_in_range(count[s], 9500, 10500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_plan_counts),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_distinct),
		cmocka_unit_test(test_shards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
