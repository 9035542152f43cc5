/*
 * test_schedule.c: schedule names, launch plan references, validation with
 * its exact messages, the JSON form, and label selectors.
 *
 * Zones other than UTC are read from the system's /usr/share/zoneinfo, as in
 * test_tz.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/json.h"
#include "schedd/schedule.h"
#include "schedd/selector.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
T(const char *text)
{
	int64_t		t;
	struct err	e;

	if (civil_parse_rfc3339(text, &t, &e) == -1)
		fail_msg("bad time in test: %s: %s", text, e.msg);
	return t;
}

static char *
xstrdup(const char *s)
{
	char	*copy;

	if (s == NULL)
		return NULL;
	copy = strdup(s);
	assert_non_null(copy);
	return copy;
}

/* A string of n copies of c (static buffer, n < 512). */
static const char *
repeat(char c, size_t n)
{
	static char	buf[4][512];
	static int	which;
	char		*b = buf[which++ % 4];

	assert_true(n < sizeof(buf[0]));
	memset(b, c, n);
	b[n] = '\0';
	return b;
}

/* A schedule with every field set to a valid value. */
static void
full_schedule(struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	s->id = 7;
	s->name = xstrdup("data_sync_site-a.1");
	s->project = xstrdup("flytesnacks");
	s->domain = xstrdup("development");
	s->launch_plan = xstrdup("data_sync_wf");
	s->version = xstrdup("v3");
	s->cron = xstrdup("0 */6 * * *");
	s->tz = xstrdup("Asia/Shanghai");
	s->inputs = xstrdup("{\"site_id\": \"site_a\", \"since\": "
	    "\"{{kickoff_time}}\", \"n\": 3, \"ratio\": 0.5, "
	    "\"tags\": [\"a\", \"b\"], \"opt\": null}");
	s->kickoff_input = xstrdup("kickoff_time");
	s->labels = xstrdup("{\"team\": \"data\", \"site\": \"site_a\", "
	    "\"example.com/tier\": \"gold\", \"empty\": \"\"}");
	s->annotations = xstrdup("{\"owner\": \"Ana <ana@example.com>\"}");
	s->service_account = xstrdup("data-sa");
	s->catchup = xstrdup("all");
	s->catchup_window = 7200;
	s->overlap = xstrdup("buffer-one");
	s->paused = 1;
	s->note = xstrdup("owned by \"data\"");
	s->created_at = T("2026-11-26T06:00:00Z");
	s->updated_at = T("2026-11-27T07:30:15Z");
	s->active_since = T("2026-11-28T08:00:01Z");
}

/* ------------------------------------------------------------ names */

static void
test_name_valid(void **state)
{
	static const char *const good[] = {
		"a", "Z", "0", "_", ".", "-", "data_sync", "data-sync.v2",
		"ABC_xyz-019.", "...", "--",
	};
	static const char *const bad[] = {
		"", " ", "a b", " a", "a ", "a/b", "a@b", "a:b", "a\tb", "a\nb",
		"caf\xc3\xa9", "a+b", "a*b", "a,b", "{{site}}", "a\\b", "a\"b",
	};
	char	name[256];

	(void)state;
	for (size_t i = 0; i < NELEM(good); i++)
		if (!schedule_name_valid(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (size_t i = 0; i < NELEM(bad); i++)
		if (schedule_name_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);

	assert_true(schedule_name_valid(repeat('x', 127)));
	assert_true(schedule_name_valid(repeat('x', 128)));
	assert_false(schedule_name_valid(repeat('x', 129)));
	assert_false(schedule_name_valid(repeat('x', 300)));

	/* Every byte: allowed exactly when in [A-Za-z0-9_.-]. */
	for (int c = 1; c < 256; c++) {
		int	want = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';

		snprintf(name, sizeof(name), "a%cb", c);
		if (schedule_name_valid(name) != want)
			fail_msg("byte 0x%02x: got %d, want %d", c,
			    schedule_name_valid(name), want);
	}
}

/* ------------------------------------------------------------ launch plans */

static void
test_launch_plan_ok(void **state)
{
	struct schedule	s;
	struct err	e = { "", 0 };
	char		ref[1024];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(schedule_set_launch_plan(&s, "p/d/n", &e), 0);
	assert_string_equal(s.project, "p");
	assert_string_equal(s.domain, "d");
	assert_string_equal(s.launch_plan, "n");
	assert_null(s.version);

	assert_int_equal(schedule_set_launch_plan(&s,
	    "flytesnacks/development/data_sync_wf@v3", &e), 0);
	assert_string_equal(s.project, "flytesnacks");
	assert_string_equal(s.domain, "development");
	assert_string_equal(s.launch_plan, "data_sync_wf");
	assert_string_equal(s.version, "v3");

	/* Unpinning replaces the version with NULL. */
	assert_int_equal(schedule_set_launch_plan(&s,
	    "my-proj/prod.eu/wf.main_lp", &e), 0);
	assert_string_equal(s.project, "my-proj");
	assert_string_equal(s.domain, "prod.eu");
	assert_string_equal(s.launch_plan, "wf.main_lp");
	assert_null(s.version);

	assert_int_equal(schedule_set_launch_plan(&s,
	    "p/d/n@2f9c1e0_abc-1.2", &e), 0);
	assert_string_equal(s.version, "2f9c1e0_abc-1.2");

	/* 255 characters per part are allowed. */
	snprintf(ref, sizeof(ref), "%s/%s/%s@%s", repeat('p', 255),
	    repeat('d', 255), repeat('n', 255), repeat('v', 255));
	assert_int_equal(schedule_set_launch_plan(&s, ref, &e), 0);
	assert_int_equal(strlen(s.project), 255);
	assert_int_equal(strlen(s.domain), 255);
	assert_int_equal(strlen(s.launch_plan), 255);
	assert_int_equal(strlen(s.version), 255);
	schedule_clear(&s);
}

static void
test_launch_plan_bad(void **state)
{
	static const char *const bad[] = {
		"a/b", "a/b/c/d", "/b/c", "a/b/c@", "a/b/c@v@w",
		"", "abc", "a//c", "a/b/", "//", "a/b/c/", "@v", "a/b/@v",
		"a b/c/d", "a/b/c d", "p@x/d/n", "p/d@x/n", "p/d/n@v/x",
		"p/d/n@v w", "p/d/caf\xc3\xa9", "p/d/n:v",
	};
	struct schedule	s;
	struct err	e;
	char		want[1024], ref[1024];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(schedule_set_launch_plan(&s, "p/d/n@v", &e), 0);
	for (size_t i = 0; i < NELEM(bad); i++) {
		e.code = 0;
		e.msg[0] = '\0';
		snprintf(want, sizeof(want), "launch plan \"%s\" is not "
		    "PROJECT/DOMAIN/NAME[@VERSION]", bad[i]);
		if (schedule_set_launch_plan(&s, bad[i], &e) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(e.code, EX_DATAERR);
		assert_string_equal(e.msg, want);
		/* A refused reference leaves the schedule as it was. */
		assert_string_equal(s.project, "p");
		assert_string_equal(s.domain, "d");
		assert_string_equal(s.launch_plan, "n");
		assert_string_equal(s.version, "v");
	}

	/* 256 characters in any part: too long. */
	for (int part = 0; part < 4; part++) {
		snprintf(ref, sizeof(ref), "%s/%s/%s@%s",
		    part == 0 ? repeat('p', 256) : "p",
		    part == 1 ? repeat('d', 256) : "d",
		    part == 2 ? repeat('n', 256) : "n",
		    part == 3 ? repeat('v', 256) : "v");
		assert_int_equal(schedule_set_launch_plan(&s, ref, &e), -1);
		assert_int_equal(e.code, EX_DATAERR);
	}
	schedule_clear(&s);
}

/* ------------------------------------------------------------ validation */

static void
test_validate_ok(void **state)
{
	struct schedule	s;
	struct err	e = { "", 0 };

	(void)state;
	full_schedule(&s);
	if (schedule_validate(&s, NULL, &e) != 0)
		fail_msg("full schedule refused: %s", e.msg);
	schedule_clear(&s);

	/* Only the required fields: optional ones NULL take their defaults. */
	memset(&s, 0, sizeof(s));
	s.name = xstrdup("minimal");
	s.project = xstrdup("p");
	s.domain = xstrdup("d");
	s.launch_plan = xstrdup("n");
	s.cron = xstrdup("@hourly");
	if (schedule_validate(&s, NULL, &e) != 0)
		fail_msg("minimal schedule refused: %s", e.msg);
	schedule_clear(&s);
}

/* Point at the string field named field, or NULL. */
static char **
field_of(struct schedule *s, const char *field)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} fields[] = {
		{ "name", offsetof(struct schedule, name) },
		{ "project", offsetof(struct schedule, project) },
		{ "domain", offsetof(struct schedule, domain) },
		{ "launch_plan", offsetof(struct schedule, launch_plan) },
		{ "version", offsetof(struct schedule, version) },
		{ "cron", offsetof(struct schedule, cron) },
		{ "tz", offsetof(struct schedule, tz) },
		{ "inputs", offsetof(struct schedule, inputs) },
		{ "kickoff_input", offsetof(struct schedule, kickoff_input) },
		{ "labels", offsetof(struct schedule, labels) },
		{ "annotations", offsetof(struct schedule, annotations) },
		{ "service_account", offsetof(struct schedule,
		    service_account) },
		{ "catchup", offsetof(struct schedule, catchup) },
		{ "overlap", offsetof(struct schedule, overlap) },
		{ "note", offsetof(struct schedule, note) },
	};

	for (size_t i = 0; i < NELEM(fields); i++)
		if (strcmp(fields[i].name, field) == 0)
			return (char **)(void *)((char *)s + fields[i].offset);
	fail_msg("no field %s", field);
	return NULL;
}

struct invalid {
	const char	*field;
	const char	*value;		/* NULL: the field unset */
	const char	*msg;		/* exact; NULL: the value is valid */
};

#define LABEL_VALUE_RULE \
	"is not a valid Kubernetes label value (at most 63 of " \
	"[A-Za-z0-9_.-], alphanumeric at both ends)"
#define SA_RULE	"(lowercase [a-z0-9.-], at most 253)"

static const struct invalid field_cases[] = {
	/* name */
	{ "name", NULL, "name \"\" must match ^[A-Za-z0-9_.-]{1,128}$" },
	{ "name", "", "name \"\" must match ^[A-Za-z0-9_.-]{1,128}$" },
	{ "name", "data sync", "name \"data sync\" must match "
	    "^[A-Za-z0-9_.-]{1,128}$" },
	{ "name", "a/b", "name \"a/b\" must match ^[A-Za-z0-9_.-]{1,128}$" },
	/* launch plan */
	{ "project", NULL, "launch plan is missing" },
	{ "domain", NULL, "launch plan is missing" },
	{ "launch_plan", NULL, "launch plan is missing" },
	{ "version", NULL, NULL },
	/* cron, with the engine's message */
	{ "cron", NULL, "cron is missing" },
	{ "cron", "0 * * * *\n", "cron must be one line" },
	{ "cron", "0 * * * *\n0 1 * * *", "cron must be one line" },
	{ "cron", "0 *\r* * *", "cron must be one line" },
	{ "cron", "0 * * * *\x7f", "cron must be one line" },
	{ "cron", "0\t*\t* * *", NULL },
	{ "cron", "", "cron \"\": empty expression" },
	{ "cron", "0 25 * * *", "cron \"0 25 * * *\": hour 25 out of range "
	    "0-23" },
	{ "cron", "0 0 * *", "cron \"0 0 * *\": expected 5 or 6 fields, got 4" },
	{ "cron", "@sometimes", "cron \"@sometimes\": unknown macro "
	    "\"@sometimes\"" },
	{ "cron", "0 0 30 2 *", "cron \"0 0 30 2 *\": never fires: "
	    "0 0 30 2 *" },
	{ "cron", "*/15 * * * *", NULL },
	{ "cron", "@every 90s", NULL },
	/* zone: the loader's message as it is */
	{ "tz", "Mars/Olympus_Mons", "unknown time zone "
	    "\"Mars/Olympus_Mons\"" },
	{ "tz", "../../etc/passwd", "unknown time zone "
	    "\"../../etc/passwd\"" },
	{ "tz", "/etc/localtime", "unknown time zone \"/etc/localtime\"" },
	{ "tz", "", "unknown time zone \"\"" },
	{ "tz", NULL, NULL },
	{ "tz", "UTC", NULL },
	{ "tz", "America/New_York", NULL },
	/* inputs: JSON, then an object */
	{ "inputs", "[1]", "inputs: not a JSON object" },
	{ "inputs", "{", "inputs: not valid JSON" },
	{ "inputs", "\"text\"", "inputs: not a JSON object" },
	{ "inputs", "", "inputs: not valid JSON" },
	{ "inputs", "null", "inputs: not a JSON object" },
	{ "inputs", "{'a': 1}", "inputs: not valid JSON" },
	{ "inputs", NULL, NULL },
	{ "inputs", "{}", NULL },
	/* numbers of 16 digits or more would be stored changed by cJSON */
	{ "inputs", "{\"n\": 12345678901234567}", "input n: numbers of 16 "
	    "digits or more cannot be kept exactly; write it as a string "
	    "(\"...\")" },
	{ "inputs", "{\"n\": -9007199254740994}", "input n: numbers of 16 "
	    "digits or more cannot be kept exactly; write it as a string "
	    "(\"...\")" },
	{ "inputs", "{\"a\": 1, \"deep\": [1, {\"b\": 1e17}]}", "input deep: "
	    "numbers of 16 digits or more cannot be kept exactly; write it as "
	    "a string (\"...\")" },
	{ "inputs", "{\"x\": 1000000000000000}", "input x: numbers of 16 "
	    "digits or more cannot be kept exactly; write it as a string "
	    "(\"...\")" },
	{ "inputs", "{\"n\": 999999999999999, \"m\": -999999999999999}",
	    NULL },
	{ "inputs", "{\"n\": \"12345678901234567\", \"f\": 0.1}", NULL },
	/* strict JSON: what cJSON alone would take and then change or cut */
	{ "inputs", "{\"site_id\": \"a\", \"site_id\": \"b\"}",
	    "inputs: duplicate key \"site_id\"" },
	{ "inputs", "{\"a\": {\"b\": 1, \"b\": 2}}",
	    "inputs: duplicate key \"b\"" },
	{ "inputs", "{\"ratio\": 1e999}", "inputs: " JSON_RANGE_MSG },
	{ "inputs", "{\"a\": \"x\\u0000y\"}", "inputs: " JSON_NUL_MSG },
	{ "inputs", "{\"a\": \"\xff\"}", "inputs: not valid UTF-8" },
	{ "inputs", "{\"site_id\": 001}", "inputs: not valid JSON" },
	/* kickoff input: also in inputs, then its name */
	{ "kickoff_input", "since", "kickoff input \"since\" is also given "
	    "in inputs" },
	{ "kickoff_input", "", "kickoff input \"\" is not an input name" },
	{ "kickoff_input", "kick-off", "kickoff input \"kick-off\" is not an "
	    "input name" },
	{ "kickoff_input", "kick off", "kickoff input \"kick off\" is not an "
	    "input name" },
	{ "kickoff_input", "2nd_run", "kickoff input \"2nd_run\" is not an "
	    "input name" },
	{ "kickoff_input", "\xc3\xa9t\xc3\xa9", "kickoff input "
	    "\"\xc3\xa9t\xc3\xa9\" is not an input name" },
	{ "kickoff_input", NULL, NULL },
	{ "kickoff_input", "run_at_2", NULL },
	{ "kickoff_input", "_run_at", NULL },
	{ "kickoff_input", "Since", NULL },	/* case-sensitive: "since" is another input */
	/* labels: Kubernetes keys and values */
	{ "labels", "[]", "labels: not a JSON object" },
	{ "labels", "{\"team\": \"a\", \"team\": \"b\"}",
	    "labels: duplicate key \"team\"" },
	{ "annotations", "{\"owner\": \"\xc3\"}",
	    "annotations: not valid UTF-8" },
	{ "labels", "{", "labels: not valid JSON" },
	{ "labels", "{\"-team\": \"x\"}", "labels: key \"-team\" is not a "
	    "valid Kubernetes label key" },
	{ "labels", "{\"team-\": \"x\"}", "labels: key \"team-\" is not a "
	    "valid Kubernetes label key" },
	{ "labels", "{\"\": \"x\"}", "labels: key \"\" is not a valid "
	    "Kubernetes label key" },
	{ "labels", "{\"team name\": \"x\"}", "labels: key \"team name\" is "
	    "not a valid Kubernetes label key" },
	{ "labels", "{\"Example.com/team\": \"x\"}", "labels: key "
	    "\"Example.com/team\" is not a valid Kubernetes label key" },
	{ "labels", "{\"/team\": \"x\"}", "labels: key \"/team\" is not a "
	    "valid Kubernetes label key" },
	{ "labels", "{\"example.com/\": \"x\"}", "labels: key "
	    "\"example.com/\" is not a valid Kubernetes label key" },
	{ "labels", "{\"a/b/c\": \"x\"}", "labels: key \"a/b/c\" is not a "
	    "valid Kubernetes label key" },
	{ "labels", "{\"team\": 1}", "labels: value of \"team\" is not a "
	    "string" },
	{ "labels", "{\"team\": null}", "labels: value of \"team\" is not a "
	    "string" },
	{ "labels", "{\"team\": \"data sync\"}", "labels: value \"data sync\" "
	    "of \"team\" " LABEL_VALUE_RULE },
	{ "labels", "{\"team\": \"-data\"}", "labels: value \"-data\" of "
	    "\"team\" " LABEL_VALUE_RULE },
	{ "labels", "{\"team\": \"data/sync\"}", "labels: value \"data/sync\" "
	    "of \"team\" " LABEL_VALUE_RULE },
	{ "labels", "{\"team\": \"\"}", NULL },
	{ "labels", "{\"team\": \"Data_Sync-1.x\"}", NULL },
	{ "labels", "{\"app.kubernetes.io/name\": \"schedd\"}", NULL },
	{ "labels", NULL, NULL },
	/* annotations: label keys, any string value */
	{ "annotations", "1", "annotations: not a JSON object" },
	{ "annotations", "{\"a\": }", "annotations: not valid JSON" },
	{ "annotations", "{\"bad key\": \"x\"}", "annotations: key \"bad key\" "
	    "is not a valid Kubernetes label key" },
	{ "annotations", "{\"owner\": true}", "annotations: value of \"owner\" "
	    "is not a string" },
	{ "annotations", "{\"note\": \"any text: even / spaces!\"}", NULL },
	/* service account: a Kubernetes DNS subdomain */
	{ "service_account", "data sa", "service account \"data sa\" is not a "
	    "Kubernetes name " SA_RULE },
	{ "service_account", "", "service account \"\" is not a Kubernetes "
	    "name " SA_RULE },
	{ "service_account", "-sa", "service account \"-sa\" is not a "
	    "Kubernetes name " SA_RULE },
	{ "service_account", "sa-", "service account \"sa-\" is not a "
	    "Kubernetes name " SA_RULE },
	{ "service_account", "sa.", "service account \"sa.\" is not a "
	    "Kubernetes name " SA_RULE },
	{ "service_account", "a..b", "service account \"a..b\" is not a "
	    "Kubernetes name " SA_RULE },
	{ "service_account", NULL, NULL },
	{ "service_account", "default", NULL },
	{ "service_account", "0sa.9", NULL },
	/* policies */
	{ "catchup", "sometimes", "catchup \"sometimes\" is not all, latest "
	    "or none" },
	{ "catchup", "ALL", "catchup \"ALL\" is not all, latest or none" },
	{ "catchup", "latest", NULL },
	{ "catchup", "none", NULL },
	{ "overlap", "never", "overlap \"never\" is not allow, skip, "
	    "buffer-one or cancel-previous" },
	{ "overlap", "buffer_one", "overlap \"buffer_one\" is not allow, skip, "
	    "buffer-one or cancel-previous" },
	{ "overlap", "allow", NULL },
	{ "overlap", "skip", NULL },
	{ "overlap", "cancel-previous", NULL },
	/* the note is free text */
	{ "note", "anything at all \xe2\x9c\x93", NULL },
	{ "note", "cut \xe2\x9c", "note: not valid UTF-8" },
	{ "note", "\xff", "note: not valid UTF-8" },
};

static void
check_case(const struct invalid *c)
{
	struct schedule	 s;
	struct err	 e = { "", 0 };
	char		**field;
	int		  rc;

	full_schedule(&s);
	field = field_of(&s, c->field);
	free(*field);
	*field = xstrdup(c->value);
	rc = schedule_validate(&s, NULL, &e);
	schedule_clear(&s);
	if (c->msg == NULL) {
		if (rc != 0)
			fail_msg("%s = \"%s\": refused: %s", c->field,
			    c->value ? c->value : "(null)", e.msg);
		return;
	}
	if (rc != -1)
		fail_msg("%s = \"%s\": accepted, want \"%s\"", c->field,
		    c->value ? c->value : "(null)", c->msg);
	if (e.code != EX_DATAERR || strcmp(e.msg, c->msg) != 0)
		fail_msg("%s = \"%s\":\n  got  %d \"%s\"\n  want %d \"%s\"",
		    c->field, c->value ? c->value : "(null)", e.code, e.msg,
		    EX_DATAERR, c->msg);
}

static void
test_validate_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(field_cases); i++)
		check_case(&field_cases[i]);
}

static void
test_validate_lengths(void **state)
{
	char		 text[1024], msg[2048];
	struct invalid	 c;

	(void)state;
	/* name: 128 characters ok, 129 not. */
	c = (struct invalid){ "name", repeat('n', 128), NULL };
	check_case(&c);
	snprintf(msg, sizeof(msg), "name \"%s\" must match "
	    "^[A-Za-z0-9_.-]{1,128}$", repeat('n', 129));
	c = (struct invalid){ "name", repeat('n', 129), msg };
	check_case(&c);

	/* label names and values: 63 ok, 64 not. */
	snprintf(text, sizeof(text), "{\"%s\": \"%s\"}", repeat('k', 63),
	    repeat('v', 63));
	c = (struct invalid){ "labels", text, NULL };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"%s\": \"v\"}", repeat('k', 64));
	snprintf(msg, sizeof(msg), "labels: key \"%s\" is not a valid "
	    "Kubernetes label key", repeat('k', 64));
	c = (struct invalid){ "labels", text, msg };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"k\": \"%s\"}", repeat('v', 64));
	snprintf(msg, sizeof(msg), "labels: value \"%s\" of \"k\" "
	    LABEL_VALUE_RULE, repeat('v', 64));
	c = (struct invalid){ "labels", text, msg };
	check_case(&c);

	/*
	 * A key prefix: a DNS subdomain of at most 253 characters, each
	 * dot-separated label at most 63.
	 */
	snprintf(text, sizeof(text), "{\"%s.%s.%s.%s/k\": \"v\"}",
	    repeat('a', 63), repeat('b', 63), repeat('c', 63), repeat('d', 61));
	c = (struct invalid){ "labels", text, NULL };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"%s.%s.%s.%s/k\": \"v\"}",
	    repeat('a', 63), repeat('b', 63), repeat('c', 63), repeat('d', 62));
	/* The message is longer than err's 256-byte buffer: cut at 255. */
	snprintf(msg, sizeof(msg), "labels: key \"%s.%s.%s.%s/k\" is not a "
	    "valid Kubernetes label key", repeat('a', 63), repeat('b', 63),
	    repeat('c', 63), repeat('d', 62));
	msg[255] = '\0';
	c = (struct invalid){ "labels", text, msg };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"%s.io/k\": \"v\"}", repeat('p', 63));
	c = (struct invalid){ "labels", text, NULL };
	check_case(&c);
	/* Kubernetes limits the prefix as a whole (253), not its parts. */
	snprintf(text, sizeof(text), "{\"%s.io/k\": \"v\"}", repeat('p', 64));
	c = (struct invalid){ "labels", text, NULL };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"%s/k\": \"v\"}", repeat('p', 253));
	c = (struct invalid){ "labels", text, NULL };
	check_case(&c);
	snprintf(text, sizeof(text), "{\"%s/k\": \"v\"}", repeat('p', 254));
	snprintf(msg, sizeof(msg), "labels: key \"%s/k\" is not a valid "
	    "Kubernetes label key", repeat('p', 254));
	msg[255] = '\0';
	c = (struct invalid){ "labels", text, msg };
	check_case(&c);

	/* An input value nested 32 levels deep fires; 33 cannot (literal.h). */
	for (int depth = 32; depth <= 33; depth++) {
		snprintf(text, sizeof(text), "{\"deep\": %s1%s}",
		    repeat('[', (size_t)depth - 1), repeat(']', (size_t)depth - 1));
		c = (struct invalid){ "inputs", text, depth == 32 ? NULL :
		    "input deep: nested deeper than 32 levels" };
		check_case(&c);
	}

	/* A service account: at most 253 characters. */
	snprintf(text, sizeof(text), "%s.%s.%s.%s", repeat('a', 63),
	    repeat('b', 63), repeat('c', 63), repeat('d', 61));
	c = (struct invalid){ "service_account", text, NULL };
	check_case(&c);
	snprintf(text, sizeof(text), "%s.%s.%s.%s", repeat('a', 63),
	    repeat('b', 63), repeat('c', 63), repeat('d', 62));
	snprintf(msg, sizeof(msg), "service account \"%s\" is not a Kubernetes "
	    "name " SA_RULE, text);
	msg[255] = '\0';
	c = (struct invalid){ "service_account", text, msg };
	check_case(&c);
}

static void
test_validate_catchup_window(void **state)
{
	struct schedule	s;
	struct err	e = { "", 0 };

	(void)state;
	full_schedule(&s);
	s.catchup_window = 0;
	assert_int_equal(schedule_validate(&s, NULL, &e), 0);
	s.catchup_window = 366 * 86400;
	assert_int_equal(schedule_validate(&s, NULL, &e), 0);
	s.catchup_window = -1;
	assert_int_equal(schedule_validate(&s, NULL, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	assert_string_equal(e.msg, "catchup window -1 is negative");
	s.catchup_window = -3600;
	assert_int_equal(schedule_validate(&s, NULL, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	assert_string_equal(e.msg, "catchup window -3600 is negative");
	schedule_clear(&s);
}

/* A spec's catchup_window: a duration ("0s" included), seconds, or absent (1h). */
static void
test_from_spec_catchup_window(void **state)
{
	static const struct {
		const char	*value;		/* JSON; NULL: absent */
		int64_t		 seconds;	/* -1: refused with msg */
		const char	*msg;
	} cases[] = {
		{ NULL, 3600, NULL },
		{ "null", 3600, NULL },
		{ "\"0s\"", 0, NULL },
		{ "\"0m\"", 0, NULL },
		{ "\"0\"", 0, NULL },
		{ "0", 0, NULL },
		{ "\"1h30m\"", 5400, NULL },
		{ "600", 600, NULL },
		{ "\"366d\"", 366 * 86400, NULL },
		{ "\"367d\"", -1, "catchup_window: \"367d\" is not a duration like "
		    "30m, 2h, 1d (at most 366d)" },
		{ "\"-1h\"", -1, "catchup_window: \"-1h\" is not a duration like "
		    "30m, 2h, 1d (at most 366d)" },
		{ "true", -1, "catchup_window: not a duration like 30m, 2h, 1d" },
	};
	char		 text[256];
	struct schedule	 s;
	struct err	 e;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		cJSON	*spec;
		int	 rc;

		snprintf(text, sizeof(text), "{\"name\": \"w\", \"lp\": "
		    "\"p/d/l\", \"cron\": \"@daily\"%s%s}",
		    cases[i].value ? ", \"catchup_window\": " : "",
		    cases[i].value ? cases[i].value : "");
		spec = cJSON_Parse(text);
		assert_non_null(spec);
		memset(&s, 0, sizeof(s));
		e.code = 0;
		e.msg[0] = '\0';
		rc = schedule_from_spec(spec, &s, &e);
		cJSON_Delete(spec);
		if (cases[i].seconds >= 0) {
			if (rc != 0 || s.catchup_window != cases[i].seconds)
				fail_msg("%s: rc %d, %lld (%s), want %lld", text,
				    rc, (long long)s.catchup_window, e.msg,
				    (long long)cases[i].seconds);
			if (schedule_validate(&s, NULL, &e) != 0)
				fail_msg("%s: refused: %s", text, e.msg);
		} else if (rc != -1 || e.code != EX_DATAERR ||
		    strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("%s: rc %d, %d \"%s\", want -1, %d \"%s\"", text,
			    rc, e.code, e.msg, EX_DATAERR, cases[i].msg);
		schedule_clear(&s);
	}
}

/* Fields are checked in order: the first bad one is named. */
static void
test_validate_first_error_wins(void **state)
{
	struct schedule	s;
	struct err	e = { "", 0 };

	(void)state;
	full_schedule(&s);
	free(s.cron);
	s.cron = xstrdup("bad");
	free(s.overlap);
	s.overlap = xstrdup("never");
	assert_int_equal(schedule_validate(&s, NULL, &e), -1);
	assert_string_equal(e.msg, "cron \"bad\": expected 5 or 6 fields, "
	    "got 1");
	schedule_clear(&s);
}

/*
 * Text after the JSON value is not JSON: inputs `{"a": 1} x` is refused with
 * the field's message (not later by the store's CHECK with SQLite's).
 * Whitespace after it is fine.
 */
static void
test_validate_json_trailing_garbage(void **state)
{
	static const struct invalid cases[] = {
		{ "inputs", "{\"a\": 1} x", "inputs: not valid JSON" },
		{ "inputs", "{}}", "inputs: not valid JSON" },
		{ "labels", "{\"team\": \"data\"},", "labels: not valid JSON" },
		{ "annotations", "{} []", "annotations: not valid JSON" },
		{ "inputs", "{\"a\": 1} \n", NULL },
		{ "labels", " {} ", NULL },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_case(&cases[i]);
}

/*
 * Flyte input names are case-sensitive: kickoff input "since" with inputs
 * {"Since": "x"} is two inputs; with {"since": "x"} it is given twice.
 */
static void
test_validate_kickoff_input_case(void **state)
{
	struct schedule	s;
	struct err	e = { "", 0 };
	int		rc;

	(void)state;
	full_schedule(&s);
	free(s.inputs);
	s.inputs = xstrdup("{\"Since\": \"x\"}");
	free(s.kickoff_input);
	s.kickoff_input = xstrdup("since");
	rc = schedule_validate(&s, NULL, &e);
	if (rc != 0)
		fail_msg("kickoff input \"since\" with inputs {\"Since\": ...} "
		    "refused: %s", e.msg);
	free(s.inputs);
	s.inputs = xstrdup("{\"Since\": \"x\", \"since\": \"y\"}");
	assert_int_equal(schedule_validate(&s, NULL, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	assert_string_equal(e.msg, "kickoff input \"since\" is also given in "
	    "inputs");
	schedule_clear(&s);
}

/*
 * A service account name is a Kubernetes DNS-1123 subdomain: lowercase
 * alphanumerics, '-' and '.', alphanumeric at both ends of each part.
 */
static void
test_validate_service_account_rules(void **state)
{
	struct invalid	 c;

	(void)state;
	c = (struct invalid){ "service_account", "Data_SA",
	    "service account \"Data_SA\" is not a Kubernetes name " SA_RULE };
	check_case(&c);
	c = (struct invalid){ "service_account", "data_sa",
	    "service account \"data_sa\" is not a Kubernetes name " SA_RULE };
	check_case(&c);
	c = (struct invalid){ "service_account", "Data-SA",
	    "service account \"Data-SA\" is not a Kubernetes name " SA_RULE };
	check_case(&c);
	c = (struct invalid){ "service_account", "flyte.data-sa", NULL };
	check_case(&c);
	c = (struct invalid){ "service_account", repeat('s', 63), NULL };
	check_case(&c);
}

/*
 * Regression (lib/schedule.c, dns_subdomain_valid): service accounts were checked
 * with the label-key prefix rule, which limits each dot-separated part to
 * 63 characters; a Kubernetes service account name (IsDNS1123Subdomain) has
 * no limit per part, only 253 in all, and the message itself says
 * "lowercase [a-z0-9.-], at most 253". A valid 64-character name is refused
 * with a message it satisfies.
 */
static void
test_validate_service_account_64(void **state)
{
	struct invalid	 c;

	(void)state;
	c = (struct invalid){ "service_account", repeat('s', 64), NULL };
	check_case(&c);
}

/*
 * A key prefix is a DNS subdomain: each dot-separated part [a-z0-9-],
 * alphanumeric at both ends, at most 63.
 */
static void
test_validate_label_prefix_parts(void **state)
{
	static const struct invalid cases[] = {
		{ "labels", "{\"a..b/team\": \"x\"}", "labels: key \"a..b/team\" "
		    "is not a valid Kubernetes label key" },
		{ "labels", "{\"a-.b/team\": \"x\"}", "labels: key \"a-.b/team\" "
		    "is not a valid Kubernetes label key" },
		{ "labels", "{\"a.-b/team\": \"x\"}", "labels: key \"a.-b/team\" "
		    "is not a valid Kubernetes label key" },
		{ "labels", "{\".a/team\": \"x\"}", "labels: key \".a/team\" "
		    "is not a valid Kubernetes label key" },
		{ "labels", "{\"a./team\": \"x\"}", "labels: key \"a./team\" "
		    "is not a valid Kubernetes label key" },
		{ "labels", "{\"a_b.io/team\": \"x\"}", "labels: key "
		    "\"a_b.io/team\" is not a valid Kubernetes label key" },
		{ "annotations", "{\"a..b/team\": \"x\"}", "annotations: key "
		    "\"a..b/team\" is not a valid Kubernetes label key" },
		{ "labels", "{\"a-1.b-2.io/team\": \"x\"}", NULL },
		{ "labels", "{\"0.9/team\": \"x\"}", NULL },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_case(&cases[i]);
}

/* ------------------------------------------------------------ JSON */

static void
test_to_json_full(void **state)
{
	struct schedule	 s;
	char		*json;

	(void)state;
	full_schedule(&s);
	json = schedule_to_json(&s);
	assert_non_null(json);
	assert_string_equal(json,
	    "{\"name\":\"data_sync_site-a.1\",\"project\":\"flytesnacks\","
	    "\"domain\":\"development\",\"launch_plan\":\"data_sync_wf\","
	    "\"version\":\"v3\",\"cron\":\"0 */6 * * *\","
	    "\"tz\":\"Asia/Shanghai\","
	    "\"inputs\":{\"site_id\":\"site_a\",\"since\":\"{{kickoff_time}}\","
	    "\"n\":3,\"ratio\":0.5,\"tags\":[\"a\",\"b\"],\"opt\":null},"
	    "\"kickoff_input\":\"kickoff_time\","
	    "\"labels\":{\"team\":\"data\",\"site\":\"site_a\","
	    "\"example.com/tier\":\"gold\",\"empty\":\"\"},"
	    "\"annotations\":{\"owner\":\"Ana <ana@example.com>\"},"
	    "\"service_account\":\"data-sa\",\"catchup\":\"all\","
	    "\"catchup_window_seconds\":7200,\"overlap\":\"buffer-one\","
	    "\"paused\":true,\"note\":\"owned by \\\"data\\\"\","
	    "\"created_at\":\"2026-11-26T06:00:00Z\","
	    "\"updated_at\":\"2026-11-27T07:30:15Z\","
	    "\"active_since\":\"2026-11-28T08:00:01Z\",\"source\":null}");
	free(json);
	schedule_clear(&s);
}

static void
test_to_json_unset(void **state)
{
	struct schedule	 s;
	char		*json;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.name = xstrdup("bare");
	s.project = xstrdup("p");
	s.domain = xstrdup("d");
	s.launch_plan = xstrdup("n");
	s.cron = xstrdup("@daily");
	s.tz = xstrdup("UTC");
	s.catchup = xstrdup("latest");
	s.catchup_window = 3600;
	s.overlap = xstrdup("allow");
	json = schedule_to_json(&s);
	assert_non_null(json);
	assert_string_equal(json,
	    "{\"name\":\"bare\",\"project\":\"p\",\"domain\":\"d\","
	    "\"launch_plan\":\"n\",\"version\":null,\"cron\":\"@daily\","
	    "\"tz\":\"UTC\",\"inputs\":{},\"kickoff_input\":null,"
	    "\"labels\":{},\"annotations\":{},\"service_account\":null,"
	    "\"catchup\":\"latest\",\"catchup_window_seconds\":3600,"
	    "\"overlap\":\"allow\",\"paused\":false,\"note\":null,"
	    "\"created_at\":\"1970-01-01T00:00:00Z\","
	    "\"updated_at\":\"1970-01-01T00:00:00Z\","
	    "\"active_since\":\"1970-01-01T00:00:00Z\",\"source\":null}");
	free(json);
	schedule_clear(&s);
}

static void
test_clear(void **state)
{
	struct schedule	s, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	full_schedule(&s);
	schedule_clear(&s);
	assert_memory_equal(&s, &zero, sizeof(s));
	schedule_clear(&s);		/* twice: harmless */
	assert_memory_equal(&s, &zero, sizeof(s));
}

/* ------------------------------------------------------------ selectors */

struct match_case {
	const char	*selector;
	const char	*labels;	/* JSON; NULL: no labels */
	int		 match;
};

static const struct match_case match_cases[] = {
	{ "team=data", "{\"team\":\"data\"}", 1 },
	{ "team=data", "{\"team\":\"ml\"}", 0 },
	{ "team=data", "{}", 0 },
	{ "team=data", NULL, 0 },
	{ "team=data", "{\"team\":\"Data\"}", 0 },
	{ "team=data", "{\"Team\":\"data\"}", 0 },
	{ "team=data", "{\"team\":\"data-eng\"}", 0 },
	{ "team=data", "{\"team\":1}", 0 },
	{ "team==data", "{\"team\":\"data\"}", 1 },
	{ "team==data", "{\"team\":\"ml\"}", 0 },
	{ "team!=data", "{\"team\":\"ml\"}", 1 },
	{ "team!=data", "{\"team\":\"data\"}", 0 },
	{ "team!=data", "{}", 1 },		/* as in Kubernetes */
	{ "team=", "{\"team\":\"\"}", 1 },
	{ "team=", "{\"team\":\"x\"}", 0 },
	{ "team=", "{}", 0 },
	{ "site in (a,b)", "{\"site\":\"a\"}", 1 },
	{ "site in (a,b)", "{\"site\":\"b\"}", 1 },
	{ "site in (a,b)", "{\"site\":\"c\"}", 0 },
	{ "site in (a,b)", "{\"site\":\"ab\"}", 0 },
	{ "site in (a,b)", "{}", 0 },
	{ "site in (a)", "{\"site\":\"a\"}", 1 },
	{ "site notin (a,b)", "{\"site\":\"c\"}", 1 },
	{ "site notin (a,b)", "{\"site\":\"a\"}", 0 },
	{ "site notin (a,b)", "{\"site\":\"b\"}", 0 },
	{ "site notin (a,b)", "{}", 1 },
	{ "team", "{\"team\":\"\"}", 1 },
	{ "team", "{\"team\":\"data\"}", 1 },
	{ "team", "{\"site\":\"a\"}", 0 },
	{ "!team", "{\"site\":\"a\"}", 1 },
	{ "!team", "{\"team\":\"data\"}", 0 },
	{ "!team", NULL, 1 },
	{ "example.com/tier=gold", "{\"example.com/tier\":\"gold\"}", 1 },
	/* All requirements must hold. */
	{ "team=data,site in (a,b)", "{\"team\":\"data\",\"site\":\"b\"}", 1 },
	{ "team=data,site in (a,b)", "{\"team\":\"data\",\"site\":\"c\"}", 0 },
	{ "team=data,site in (a,b)", "{\"team\":\"ml\",\"site\":\"a\"}", 0 },
	{ "team=data,!paused,tier", "{\"team\":\"data\",\"tier\":\"1\"}", 1 },
	{ "team=data,!paused,tier",
	    "{\"team\":\"data\",\"tier\":\"1\",\"paused\":\"y\"}", 0 },
	/* Spaces anywhere between tokens. */
	{ "  team = data ,  site  in  ( a , b )  ,  ! paused  ",
	    "{\"team\":\"data\",\"site\":\"b\"}", 1 },
	{ "team != data", "{\"team\":\"ml\"}", 1 },
	{ "site notin(a,b)", "{\"site\":\"c\"}", 1 },
	{ "site in(a,b)", "{\"site\":\"a\"}", 1 },
};

static void
test_selector_match(void **state)
{
	struct selector	*sel;
	struct err	 e = { "", 0 };

	(void)state;
	for (size_t i = 0; i < NELEM(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		int m;

		sel = NULL;
		if (selector_parse(c->selector, &sel, &e) != 0)
			fail_msg("\"%s\": %s", c->selector, e.msg);
		m = selector_match(sel, c->labels);
		selector_free(sel);
		if (m != c->match)
			fail_msg("\"%s\" on %s: got %d, want %d", c->selector,
			    c->labels ? c->labels : "(null)", m, c->match);
	}
}

static void
test_selector_bad(void **state)
{
	static const char *const bad[] = {
		"", " ", ",", "team=data,", ",team=data", "team=data,,site=a",
		"=data", "team=da ta", "team=data site=a", "team in a,b",
		"team in (a,b", "team in ()", "team in (a,)", "team in (,a)",
		"team notin", "team in", "!", "!team=data", "team=data=x",
		"team =! data", "team<data", "team>1", "team in (a b)",
		"site in (a,b)x", "team=(data)", "team index (a)",
	};
	struct selector	*sel;
	struct err	 e;
	char		 want[512];

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		sel = NULL;
		e.code = 0;
		snprintf(want, sizeof(want), "selector \"%s\": expected "
		    "key=value, key!=value, key in (a,b), key notin (a,b), "
		    "key or !key, joined by commas", bad[i]);
		if (selector_parse(bad[i], &sel, &e) != -1) {
			selector_free(sel);
			fail_msg("\"%s\" accepted", bad[i]);
		}
		assert_null(sel);
		assert_int_equal(e.code, EX_DATAERR);
		assert_string_equal(e.msg, want);
	}
}

/* At most 32 requirements, at most 64 values in a set. */
static void
test_selector_limits(void **state)
{
	struct selector	*sel = NULL;
	struct err	 e = { "", 0 };
	char		 text[1024];

	(void)state;
	text[0] = '\0';
	for (int i = 0; i < 32; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%sk%d", i ? "," : "", i);
	assert_int_equal(selector_parse(text, &sel, &e), 0);
	assert_int_equal(selector_match(sel, "{\"k0\":\"\",\"k31\":\"\"}"), 0);
	selector_free(sel);
	strcat(text, ",k32");
	assert_int_equal(selector_parse(text, &sel, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);

	snprintf(text, sizeof(text), "site in (");
	for (int i = 0; i < 64; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%sv%d", i ? "," : "", i);
	strcat(text, ")");
	assert_int_equal(selector_parse(text, &sel, &e), 0);
	assert_int_equal(selector_match(sel, "{\"site\":\"v63\"}"), 1);
	assert_int_equal(selector_match(sel, "{\"site\":\"v64\"}"), 0);
	selector_free(sel);
	text[strlen(text) - 1] = '\0';
	strcat(text, ",v64)");
	assert_int_equal(selector_parse(text, &sel, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	selector_free(NULL);	/* harmless */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_launch_plan_ok),
		cmocka_unit_test(test_launch_plan_bad),
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_fields),
		cmocka_unit_test(test_validate_lengths),
		cmocka_unit_test(test_validate_catchup_window),
		cmocka_unit_test(test_validate_first_error_wins),
		cmocka_unit_test(test_from_spec_catchup_window),
		cmocka_unit_test(test_validate_json_trailing_garbage),
		cmocka_unit_test(test_validate_kickoff_input_case),
		cmocka_unit_test(test_validate_service_account_rules),
		cmocka_unit_test(test_validate_service_account_64),
		cmocka_unit_test(test_validate_label_prefix_parts),
		cmocka_unit_test(test_to_json_full),
		cmocka_unit_test(test_to_json_unset),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_selector_match),
		cmocka_unit_test(test_selector_bad),
		cmocka_unit_test(test_selector_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
