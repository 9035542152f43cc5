/* test_template.c: template_check, template_needs and template_expand (template.c), exact texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/template.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
T(const char *text)
{
	struct err	e;
	int64_t		t = 0;

	if (civil_parse_rfc3339(text, &t, &e) != 0)
		fail_msg("bad time in the test itself: \"%s\": %s", text, e.msg);
	return t;
}

/* A fire of "site_a" in Asia/Shanghai (+08:00) at 12:00 local, the cron every 6 hours. */
static struct template_context
context(int with_success)
{
	struct template_context	ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.schedule_name = "site_a";
	ctx.kickoff = (struct template_instant){ T("2026-11-26T04:00:00Z"),
	    8 * 3600, 1 };
	ctx.prev_kickoff = (struct template_instant){ T("2026-11-25T22:00:00Z"),
	    8 * 3600, 1 };
	if (with_success)
		ctx.last_success = (struct template_instant){
		    T("2026-11-25T16:00:00Z"), 8 * 3600, 1 };
	return ctx;
}

static void
test_expand(void **state)
{
	static const struct {
		const char	*in;
		int		 success;	/* a run has succeeded */
		const char	*out;
	} table[] = {
		{ "{\"since\":\"{{kickoff_time}}\"}", 1,
		  "{\"since\":\"2026-11-26T04:00:00Z\"}" },
		{ "{\"since\":\"{{prev_kickoff_time}}\"}", 1,
		  "{\"since\":\"2026-11-25T22:00:00Z\"}" },
		{ "{\"d\":\"{{prev_kickoff_time:%Y-%m-%d %H:%M %z}}\"}", 1,
		  "{\"d\":\"2026-11-26 06:00 +0800\"}" },
		{ "{\"since\":\"{{last_success_time|1970-01-01T00:00:00Z}}\"}", 1,
		  "{\"since\":\"2026-11-25T16:00:00Z\"}" },
		{ "{\"since\":\"{{last_success_time|1970-01-01T00:00:00Z}}\"}", 0,
		  "{\"since\":\"1970-01-01T00:00:00Z\"}" },
		{ "{\"d\":\"{{ last_success_time:%d/%m %H:%M | never }}\"}", 1,
		  "{\"d\":\"26/11 00:00\"}" },
		{ "{\"d\":\"{{ last_success_time:%d/%m %H:%M | never }}\"}", 0,
		  "{\"d\":\"never\"}" },
		{ "{\"w\":\"{{schedule_name}} {{prev_kickoff_time:%H}}-"
		  "{{kickoff_time:%H}}\",\"n\":[\"{{kickoff_time:%F}}\"]}", 1,
		  "{\"w\":\"site_a 06-12\",\"n\":[\"2026-11-26\"]}" },
	};
	struct template_context	ctx;
	struct err		e;
	char			*out;

	(void)state;
	for (size_t i = 0; i < NELEM(table); i++) {
		ctx = context(table[i].success);
		if (template_check(table[i].in, &e) != 0)
			fail_msg("check %s: %s", table[i].in, e.msg);
		if (template_expand(table[i].in, &ctx, &out, &e) != 0)
			fail_msg("expand %s: %s", table[i].in, e.msg);
		if (strcmp(out, table[i].out) != 0)
			fail_msg("expand %s: got %s, expected %s", table[i].in,
			    out, table[i].out);
		free(out);
	}
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} table[] = {
		{ "{\"x\":\"{{kickof}}\"}", "input x: unknown template "
		  "\"{{kickof}}\" (use kickoff_time, prev_kickoff_time or "
		  "last_success_time|DEFAULT, each with :FORMAT, or "
		  "schedule_name)" },
		{ "{\"x\":\"{{prev_kickoff_time:}}\"}", "input x: unknown "
		  "template \"{{prev_kickoff_time:}}\" (use kickoff_time, "
		  "prev_kickoff_time or last_success_time|DEFAULT, each with "
		  ":FORMAT, or schedule_name)" },
		{ "{\"x\":\"{{prev_kickoff_time:%Q}}\"}", "input x: unknown "
		  "template \"{{prev_kickoff_time:%Q}}\" (use kickoff_time, "
		  "prev_kickoff_time or last_success_time|DEFAULT, each with "
		  ":FORMAT, or schedule_name)" },
		{ "{\"x\":\"{{schedule_name:%Y}}\"}", "input x: unknown "
		  "template \"{{schedule_name:%Y}}\" (use kickoff_time, "
		  "prev_kickoff_time or last_success_time|DEFAULT, each with "
		  ":FORMAT, or schedule_name)" },
		{ "{\"since\":\"{{last_success_time}}\"}", "input since: "
		  "\"{{last_success_time}}\" needs a default for while no run "
		  "has succeeded, e.g. {{last_success_time|1970-01-01T00:00:00Z}}" },
		{ "{\"since\":\"{{last_success_time:%F}}\"}", "input since: "
		  "\"{{last_success_time:%F}}\" needs a default for while no run "
		  "has succeeded, e.g. {{last_success_time|1970-01-01T00:00:00Z}}" },
		{ "{\"since\":\"{{kickoff_time|x}}\"}", "input since: "
		  "\"{{kickoff_time|x}}\": only last_success_time takes a "
		  "|DEFAULT" },
	};
	struct err	e;

	(void)state;
	for (size_t i = 0; i < NELEM(table); i++) {
		memset(&e, 0, sizeof(e));
		if (template_check(table[i].in, &e) != -1)
			fail_msg("check %s: accepted", table[i].in);
		if (strcmp(e.msg, table[i].msg) != 0)
			fail_msg("check %s: got \"%s\", expected \"%s\"",
			    table[i].in, e.msg, table[i].msg);
	}
}

/* A fire reads the store and computes cron_prev only for inputs that name them. */
static void
test_needs(void **state)
{
	(void)state;
	assert_int_equal(template_needs("{\"s\":\"{{kickoff_time}}\"}"), 0);
	assert_int_equal(template_needs("{\"s\":\"{{prev_kickoff_time}}\"}"),
	    TEMPLATE_PREV_KICKOFF);
	assert_int_equal(template_needs("{\"s\":\"{{last_success_time|x}}\","
	    "\"t\":\"{{prev_kickoff_time:%F}}\"}"),
	    TEMPLATE_PREV_KICKOFF | TEMPLATE_LAST_SUCCESS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_needs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
