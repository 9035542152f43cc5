/* test_json.c: strict JSON text (lib/json.c): UTF-8, the grammar, what cJSON alone lets through, and text YAML reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "schedd/json.h"
#include "schedd/yaml.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_utf8(void **state)
{
	static const struct {
		const char	*text;
		int		 valid;
	} cases[] = {
		{ "", 1 }, { "plain ascii", 1 }, { "h\xc3\xa9llo \xe2\x9c\x93", 1 },
		{ "\xf0\x9f\x98\x80", 1 },		/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 1 },		/* U+10FFFF */
		{ "\xef\xbf\xbf", 1 },			/* U+FFFF: a character */
		{ "\xff", 0 }, { "\xfe", 0 }, { "a\x80", 0 },
		{ "\xc3", 0 },				/* cut short */
		{ "\xe2\x9c", 0 },
		{ "\xc0\xaf", 0 }, { "\xc1\xbf", 0 },	/* overlong */
		{ "\xe0\x80\xaf", 0 }, { "\xf0\x80\x80\xaf", 0 },
		{ "\xed\xa0\x80", 0 },			/* U+D800, a surrogate */
		{ "\xed\xbf\xbf", 0 },
		{ "\xf4\x90\x80\x80", 0 },		/* above U+10FFFF */
		{ "\xf5\x80\x80\x80", 0 },
		{ "\xc3\x28", 0 },			/* no continuation */
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		if (json_utf8_valid(cases[i].text, strlen(cases[i].text)) !=
		    cases[i].valid)
			fail_msg("case %zu: want %d", i, cases[i].valid);
	assert_int_equal(json_utf8_char("\xe2\x9c\x93x", 4), 3);
	assert_int_equal(json_utf8_char("\xe2\x9c\x93x", 2), 0);
	assert_int_equal(json_utf8_char("x", 1), 1);
	assert_int_equal(json_utf8_char("x", 0), 0);
}

static void
test_number_value(void **state)
{
	static const struct {
		const char	*text;
		int		 rc;
		double		 value;
	} cases[] = {
		{ "0", 0, 0 }, { "-0", 0, 0 }, { "1.5", 0, 1.5 },
		{ "1e308", 0, 1e308 }, { "-1e308", 0, -1e308 },
		{ "0e999", 0, 0 }, { "0.000e-999", 0, 0 },
		{ "1e-310", 0, 1e-310 },		/* subnormal: kept */
		{ "1e999", -1, 0 }, { "-1e999", -1, 0 }, { "2e308", -1, 0 },
		{ "1e-999", -1, 0 }, { "0.0001e-999", -1, 0 },
		{ "1x", -1, 0 },			/* not read whole */
	};
	double	d;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		d = -42;
		if (json_number_value(cases[i].text, strlen(cases[i].text),
		    &d) != cases[i].rc || (cases[i].rc == 0 &&
		    d != cases[i].value))
			fail_msg("\"%s\": want %d", cases[i].text, cases[i].rc);
	}
}

/* The grammar alone: what is JSON text, whatever it holds. */
static void
test_valid(void **state)
{
	static const char *const good[] = {
		"0", "-0", "1", "-1", "12", "1.5", "1e5", "1E+5", "1e-5",
		"0.5e10", "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
		"\"\\u00e9\"", "\"\\ud83d\\ude00\"", "true", "false", "null",
		"[]", "{}", " [ 1 , 2 ] ", "{\"a\":{\"b\":[1,{}]}}",
		"\t\r\n1\n",
		/* content faults are JSON text still */
		"1e999", "\"a\\u0000b\"", "{\"a\":1,\"a\":2}", "\"\\ud800\"",
	};
	static const char *const bad[] = {
		"", " ", "001", "01", "-01", "1.", ".5", "+1", "0x10", "1e",
		"1e+", "-", "--1", "1-2", "Infinity", "NaN", "-inf", "tru",
		"nul", "True", "'a'", "\"a", "\"\\x\"", "\"\\u12\"",
		"\"\\u12g4\"", "\"a\tb\"", "\"a\nb\"", "[1,]", "[,1]", "[1 2]",
		"{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "{1:1}", "[",
		"]", "{}}", "[1] x", "1 2", "\"a\" \"b\"", "12abc", "true x",
	};

	(void)state;
	for (size_t i = 0; i < NELEM(good); i++)
		if (!json_valid(good[i]))
			fail_msg("\"%s\" is JSON", good[i]);
	for (size_t i = 0; i < NELEM(bad); i++)
		if (json_valid(bad[i]))
			fail_msg("\"%s\" is not JSON", bad[i]);
}

static void
test_valid_depth(void **state)
{
	char	text[2 * 600 + 1];

	(void)state;
	for (int depth = 511; depth <= 513; depth++) {
		memset(text, '[', (size_t)depth);
		memset(text + depth, ']', (size_t)depth);
		text[2 * depth] = '\0';
		assert_int_equal(json_valid(text), depth <= 512);
	}
}

static void
test_parse_strict(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;	/* NULL: accepted */
	} cases[] = {
		{ "{\"site_id\":\"a\"}", NULL },
		{ "{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"}", NULL },
		{ "\"\\ud83d\\ude00\"", NULL },
		{ "{\"site_id\":\"a\",\"site_id\":\"b\"}",
		    "duplicate key \"site_id\"" },
		{ "{\"a\":{\"x\":1,\"y\":2,\"x\":3}}", "duplicate key \"x\"" },
		{ "[{\"a\":1},{\"b\":1,\"b\":2}]", "duplicate key \"b\"" },
		{ "{\"a\":1,\"A\":2}", NULL },		/* keys are case-sensitive */
		{ "{\"ratio\":1e999}", JSON_RANGE_MSG },
		{ "[-1e999]", JSON_RANGE_MSG },
		{ "1e-400", JSON_RANGE_MSG },
		{ "\"a\\u0000b\"", JSON_NUL_MSG },
		{ "{\"a\\u0000\":1}", JSON_NUL_MSG },
		{ "\"\\\\u0000\"", NULL },		/* a backslash, then u0000 */
		{ "\"\\ud800\"", "a \\u escape is half of a UTF-16 surrogate "
		    "pair" },
		{ "\"\\udc00\\ud800\"", "a \\u escape is half of a UTF-16 "
		    "surrogate pair" },
		{ "\"a\xff\"", "not valid UTF-8" },
		{ "{\"\xc3\":1}", "not valid UTF-8" },
		{ "{\"a\":001}", "not valid JSON" },
		{ "{\"a\":1.}", "not valid JSON" },
		{ "{\"a\":\"x\ty\"}", "not valid JSON" },
		{ "{\"a\":1e999} x", "not valid JSON" },	/* the grammar first */
		{ "", "not valid JSON" },
	};
	struct err	 e;
	cJSON		*doc;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		memset(&e, 0, sizeof(e));
		doc = (cJSON *)&e;	/* set to NULL on failure */
		if (json_parse_strict(cases[i].text, &doc, &e) == 0) {
			if (cases[i].msg != NULL)
				fail_msg("\"%s\" accepted, want \"%s\"",
				    cases[i].text, cases[i].msg);
			assert_non_null(doc);
			cJSON_Delete(doc);
			continue;
		}
		if (cases[i].msg == NULL)
			fail_msg("\"%s\" refused: %s", cases[i].text, e.msg);
		assert_null(doc);
		assert_int_equal(e.code, EX_DATAERR);
		if (strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"",
			    cases[i].text, e.msg, cases[i].msg);
	}
}

/* Many keys: the duplicate is found by sorting, wherever it is. */
static void
test_unique_keys_many(void **state)
{
	cJSON		*obj = cJSON_CreateObject();
	struct err	 e;
	char		 key[32];

	(void)state;
	for (int i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cJSON_AddNumberToObject(obj, key, i);
	}
	assert_int_equal(json_unique_keys(obj, &e), 0);
	cJSON_AddNumberToObject(obj, "k31337", 0);
	assert_int_equal(json_unique_keys(obj, &e), -1);
	assert_string_equal(e.msg, "duplicate key \"k31337\"");
	cJSON_Delete(obj);
}

/*
 * json_print escapes what libyaml takes only escaped; everything it prints
 * reads back through the YAML reader (as apply reads export) unchanged.
 */
static void
test_print_reads_back_as_yaml(void **state)
{
	static const char *const strings[] = {
		"plain", "tab\tnew\nline\r", "quote \" backslash \\ slash /",
		"del \x7f", "c1 \xc2\x80 \xc2\x85 nel \xc2\x9f",
		"ls \xe2\x80\xa8 ps \xe2\x80\xa9", "bom \xef\xbb\xbf",
		"nonchars \xef\xbf\xbe \xef\xbf\xbf", "nbsp \xc2\xa0",
		"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", "\x01\x1f",
		"{braces} {{kickoff_time}}", "# not a comment", "- not a list",
	};
	cJSON		*doc = cJSON_CreateObject(), *back;
	struct err	 e;
	char		*text;

	(void)state;
	for (size_t i = 0; i < NELEM(strings); i++) {
		char	key[16];

		snprintf(key, sizeof(key), "s%zu", i);
		cJSON_AddStringToObject(doc, key, strings[i]);
	}
	cJSON_AddItemToObject(doc, "nested", cJSON_Duplicate(doc, 1));
	for (int formatted = 0; formatted <= 1; formatted++) {
		assert_non_null(text = json_print(doc, formatted));
		assert_true(json_utf8_valid(text, strlen(text)));
		assert_null(strstr(text, "\xe2\x80\xa8"));
		assert_null(strstr(text, "\x7f"));
		if (yaml_parse("t", text, strlen(text), &back, &e) != 0)
			fail_msg("%s: %s", text, e.msg);
		assert_true(cJSON_Compare(doc, back, 1));
		cJSON_Delete(back);
		free(text);
	}
	/* Nothing to escape: cJSON's own text. */
	assert_non_null(text = json_print(cJSON_GetObjectItem(doc, "s0"), 0));
	assert_string_equal(text, "\"plain\"");
	free(text);
	cJSON_Delete(doc);
}

/* The YAML reader: leading zeros keep text, numbers out of range and NULs are refused. */
static void
test_yaml_scalars(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*json;	/* NULL: refused with msg */
		const char	*msg;
	} cases[] = {
		{ "[001, 010, 00123, -007, 00.5, 0, -0, 0.5, 1.5, 1., .5, +1, "
		    "1e3, 0x10, 0o17, 1_000]",
		    "[\"001\",\"010\",\"00123\",\"-007\",\"00.5\",0,-0,0.5,1.5,1,"
		    "0.5,1,1000,\"0x10\",\"0o17\",\"1_000\"]", NULL },
		{ "[\"001\", '010']", "[\"001\",\"010\"]", NULL },
		{ "{a: 1e999}", NULL, "t:1:5: " JSON_RANGE_MSG },
		{ "{a: -1e999}", NULL, "t:1:5: " JSON_RANGE_MSG },
		{ "[1e-999]", NULL, "t:1:2: " JSON_RANGE_MSG },
		{ "[\"1e999\"]", "[\"1e999\"]", NULL },
		{ "{a: \"x\\0y\"}", NULL, "t:1:5: " JSON_NUL_MSG },
		{ "{a: \"x\\u0000y\"}", NULL, "t:1:5: " JSON_NUL_MSG },
		{ "{\"k\\u0000\": 1}", NULL, "t:1:2: " JSON_NUL_MSG },
		{ "{a: 1, a: 2}", NULL, "t:1:8: duplicate key \"a\"" },
		{ "[\"a\xff\"]", NULL, "t: byte 4: invalid leading UTF-8 "
		    "octet" },
	};
	struct err	 e;
	cJSON		*doc;
	char		*text;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		memset(&e, 0, sizeof(e));
		if (yaml_parse("t", cases[i].yaml, strlen(cases[i].yaml), &doc,
		    &e) != 0) {
			if (cases[i].json != NULL)
				fail_msg("%s: refused: %s", cases[i].yaml,
				    e.msg);
			if (e.code != EX_DATAERR ||
			    strcmp(e.msg, cases[i].msg) != 0)
				fail_msg("%s: got \"%s\", want \"%s\"",
				    cases[i].yaml, e.msg, cases[i].msg);
			continue;
		}
		if (cases[i].json == NULL)
			fail_msg("%s: accepted, want \"%s\"", cases[i].yaml,
			    cases[i].msg);
		text = cJSON_PrintUnformatted(doc);
		if (strcmp(text, cases[i].json) != 0)
			fail_msg("%s: got %s, want %s", cases[i].yaml, text,
			    cases[i].json);
		free(text);
		cJSON_Delete(doc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_number_value),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_depth),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_unique_keys_many),
		cmocka_unit_test(test_print_reads_back_as_yaml),
		cmocka_unit_test(test_yaml_scalars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
