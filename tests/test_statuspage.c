/* test_statuspage.c: the status page's renderer on fixed rows: exact HTML of a small page, every user-provided field escaped, run outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/statuspage.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
ts(const char *text)
{
	int64_t	t;

	assert_int_equal(civil_parse_rfc3339(text, &t, NULL), 0);
	return t;
}

/* The page from its <h1> on: the head is the same style sheet on every page. */
static const char *
body_of(const struct metrics_text *t)
{
	const char	*h1;

	assert_false(t->oom);
	assert_non_null(t->buf);
	assert_true(strncmp(t->buf, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>schedd: ", 66) == 0);
	assert_non_null(h1 = strstr(t->buf, "<h1>"));
	return h1;
}

static void
check_body(const struct metrics_text *t, const char *want)
{
	const char	*got = body_of(t);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "--- got:\n%s--- want:\n%s---\n", got, want);
		fail();
	}
}

/* One schedule, two runs (the newer links to the console), two next fires in New York. */
static void
test_list_exact(void **state)
{
	struct store_page_run	runs[] = {
		{ "nightly", ts("2026-03-07T11:00:00Z"), "scheduled", "created",
		  "SUCCEEDED", "f1a2", NULL, 0, 0, 0 },
		{ "nightly", ts("2026-03-06T11:00:00Z"), "scheduled", "failed",
		  NULL, NULL, "launch plan not found", 0, 0, 0 },
	};
	struct statuspage_row	row = {
		.s = { "nightly", "p", "d", "lp", "v1", "0 6 * * *",
		    "America/New_York", 0, 0, "{\"team\":\"data\"}", 0, 0, NULL },
		.words = "every day at 06:00",
		.next = { ts("2026-03-08T10:00:00Z"), ts("2026-03-09T10:00:00Z") },
		.next_offset = { -5 * 3600, -4 * 3600 },
		.nnext = 2,
		.runs = runs,
		.nruns = NELEM(runs),
	};
	struct statuspage_list	l = { "team=data", "", NULL, 2, 1,
				    "https://console.example/console/", &row, 1 };
	struct metrics_text	t = { 0 };

	(void)state;
	statuspage_render_list(&l, &t);
	check_body(&t, "<h1>schedules</h1>\n"
	    "<form method=\"get\" action=\"/\">selector <input name=\"selector\" "
	    "value=\"team=data\"> state <select name=\"state\"><option value=\"\" "
	    "selected>any</option><option value=\"failing\">failing</option>"
	    "<option value=\"paused\">paused</option><option value=\"late\">late"
	    "</option></select> <button>filter</button></form>\n"
	    "<p class=\"legend muted\"><span class=\"created\"></span>created"
	    "<span class=\"running\"></span>running<span class=\"succeeded\">"
	    "</span>succeeded<span class=\"failed\"></span>failed<span class="
	    "\"skipped\"></span>skipped<span class=\"missed\"></span>missed</p>\n"
	    "<table>\n<tr><th>schedule</th><th>launch plan</th><th>when</th>"
	    "<th>next fires (local, UTC)</th><th>last runs</th><th>health</th>"
	    "</tr>\n"
	    "<tr class=\"schedule\"><td><a href=\"/schedules/nightly\">nightly"
	    "</a><br><small>team=data</small></td><td>p/d/lp<br><small>v1"
	    "</small></td><td>every day at 06:00<br><code>0 6 * * *</code> "
	    "<small>America/New_York</small></td><td><span class=\"next\">"
	    "2026-03-08T05:00:00-05:00</span> <small>2026-03-08T10:00:00Z"
	    "</small><br><span class=\"next\">2026-03-09T06:00:00-04:00</span> "
	    "<small>2026-03-09T10:00:00Z</small></td><td><div class=\"strip\">"
	    "<span class=\"failed\" title=\"2026-03-06T11:00:00Z failed: launch "
	    "plan not found\"></span><a class=\"succeeded\" href=\"https://"
	    "console.example/console/projects/p/domains/d/executions/f1a2\" "
	    "title=\"2026-03-07T11:00:00Z succeeded (SUCCEEDED)\"></a></div>"
	    "</td><td>ok</td></tr>\n"
	    "</table>\n"
	    "<p class=\"pager\"><a href=\"/?page=1&amp;selector=team%3Ddata\">"
	    "&larr; previous</a> page 2 <a href=\"/?page=3&amp;selector="
	    "team%3Ddata\">next &rarr;</a> </p>\n"
	    "</body></html>\n");
	metrics_text_free(&t);
}

/* Each user-provided field holds its own marker with & < > " '; none may come out raw. */
#define EVIL(tag)	"<" tag "&\"'>"
#define TAME(tag)	"&lt;" tag "&amp;&quot;&#39;&gt;"

static void
check_escaped(const struct metrics_text *t, const char *const *which, size_t n)
{
	char	raw[64], tame[64];

	assert_false(t->oom);
	for (size_t i = 0; i < n; i++) {
		snprintf(raw, sizeof(raw), "<%s&", which[i]);
		snprintf(tame, sizeof(tame), "&lt;%s&amp;&quot;&#39;&gt;", which[i]);
		if (strstr(t->buf, raw) != NULL || strstr(t->buf, tame) == NULL) {
			fprintf(stderr, "%s: not escaped, or missing:\n%s\n",
			    which[i], t->buf);
			fail();
		}
	}
}

static void
test_escaping(void **state)
{
	struct store_page_run		 runs[] = {
		{ EVIL("name"), ts("2026-03-07T11:00:00Z"), EVIL("kind"),
		  "created", EVIL("phase"), EVIL("exec"), EVIL("runerror"),
		  ts("2026-03-07T11:00:05Z"), ts("2026-03-07T11:10:05Z"), 0 },
		{ EVIL("name"), ts("2026-03-07T10:00:00Z"), "catchup",
		  "skipped", NULL, NULL, EVIL("runerror"), 0, 0, 0 },
	};
	struct store_page_change	 changes[] = {
		{ ts("2026-03-01T00:00:00Z"), EVIL("user"), EVIL("command"),
		  "{\"k\":\"" EVIL("before") "\"}",
		  "{\"k\":\"" EVIL("after") "\"}" },
	};
	struct statuspage_row		 row = {
		.s = { EVIL("name"), EVIL("project"), EVIL("domain"),
		    EVIL("lp"), EVIL("version"), EVIL("cron"), EVIL("tz"), 0, 0,
		    "{\"" EVIL("labelkey") "\":\"" EVIL("labelvalue") "\"}", 2,
		    0, EVIL("lasterror") },
		.words = EVIL("words"),
		.runs = runs,
		.nruns = NELEM(runs),
	};
	struct schedule			 s = {
		.name = EVIL("name"), .project = EVIL("project"),
		.domain = EVIL("domain"), .launch_plan = EVIL("lp"),
		.inputs = "{\"a\":\"" EVIL("inputs") "\"}",
		.kickoff_input = EVIL("kickoff"),
		.labels = "{\"" EVIL("labelkey") "\":\"" EVIL("labelvalue") "\"}",
		.annotations = "{\"" EVIL("annokey") "\":\"" EVIL("annovalue")
		    "\"}",
		.service_account = EVIL("sa"), .catchup = EVIL("catchup"),
		.overlap = EVIL("overlap"), .note = EVIL("note"),
		.source = EVIL("source"), .cron = EVIL("cron"), .tz = EVIL("tz"),
	};
	struct statuspage_list		 l = { EVIL("selector"), "", NULL, 1, 0,
					    EVIL("console"), &row, 1 };
	struct statuspage_detail	 d = {
		.row = &row, .s = &s, .now = ts("2026-03-07T12:00:00Z"),
		.history = runs, .nhistory = NELEM(runs),
		.window = runs, .nwindow = NELEM(runs),
		.changes = changes, .nchanges = NELEM(changes),
		.console_url = EVIL("console"),
	};
	struct statuspage_missed	 m = { runs + 1, 1, 1, 0 };
	struct metrics_text		 t = { 0 };
	static const char *const	 in_list[] = { "name", "project",
		"domain", "lp", "version", "cron", "tz", "labelkey",
		"labelvalue", "lasterror", "runerror", "phase", "selector",
		"words", "console" };
	static const char *const	 in_detail[] = { "name", "project",
		"domain", "lp", "version", "cron", "tz", "labelkey",
		"labelvalue", "lasterror", "runerror", "phase", "exec", "inputs",
		"kickoff", "annokey", "annovalue", "sa", "note", "source",
		"user", "command", "before", "after", "catchup", "overlap",
		"words", "kind", "console" };
	static const char *const	 in_missed[] = { "name", "runerror" };

	(void)state;
	statuspage_render_list(&l, &t);
	check_escaped(&t, in_list, NELEM(in_list));
	metrics_text_free(&t);

	statuspage_render_schedule(&d, &t);
	check_escaped(&t, in_detail, NELEM(in_detail));
	metrics_text_free(&t);

	statuspage_render_missed(&m, &t);
	check_escaped(&t, in_missed, NELEM(in_missed));
	metrics_text_free(&t);

	statuspage_render_problem(EVIL("name"), EVIL("runerror"), &t);
	check_escaped(&t, in_missed, NELEM(in_missed));
	metrics_text_free(&t);
}

static void
test_outcomes(void **state)
{
	static const struct {
		const char	*kind, *state, *phase, *want;
	} table[] = {
		{ "scheduled", "pending", NULL, "created" },
		{ "scheduled", "created", NULL, "created" },
		{ "scheduled", "created", "UNKNOWN", "created" },
		{ "scheduled", "created", "QUEUED", "running" },
		{ "scheduled", "created", "RUNNING", "running" },
		{ "scheduled", "created", "SUCCEEDED", "succeeded" },
		{ "scheduled", "created", "FAILED", "failed" },
		{ "scheduled", "created", "ABORTED", "failed" },
		{ "scheduled", "created", "TIMED_OUT", "failed" },
		{ "trigger", "failed", NULL, "failed" },
		{ "scheduled", "skipped", NULL, "skipped" },
		{ "catchup", "skipped", NULL, "missed" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(table); i++) {
		struct store_page_run	r = { "s", 0, table[i].kind,
					    table[i].state, table[i].phase,
					    NULL, NULL, 0, 0, 0 };

		assert_string_equal(statuspage_outcome(&r), table[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_exact),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
