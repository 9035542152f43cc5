/* test_protojson.c: protojson_member: proto names, lowerCamelCase names, nulls, non-objects, one table row per case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "schedd/protojson.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A document (JSON, ' for ") and a name: the member found, as JSON text, or NULL. */
static const struct {
	const char	*doc;
	const char	*name;
	const char	*want;
} cases[] = {
	/* Either spelling of a name with '_'. */
	{ "{'expected_inputs':1}", "expected_inputs", "1" },
	{ "{'expectedInputs':2}", "expected_inputs", "2" },
	{ "{'structuredDatasetType':{}}", "structured_dataset_type", "{}" },
	/* Both: the proto name wins. */
	{ "{'expectedInputs':2,'expected_inputs':1}", "expected_inputs", "1" },
	/* null is absent (protojson's unset field): the other spelling, or nothing. */
	{ "{'expected_inputs':null,'expectedInputs':2}", "expected_inputs", "2" },
	{ "{'expected_inputs':null}", "expected_inputs", NULL },
	{ "{'phase':null}", "phase", NULL },
	/* A name without '_' is its own JSON name. */
	{ "{'phase':'RUNNING'}", "phase", "\"RUNNING\"" },
	{ "{'Phase':'RUNNING'}", "phase", NULL },
	/* Case counts, and only the letter after '_' is upper-cased. */
	{ "{'ExpectedInputs':2}", "expected_inputs", NULL },
	{ "{'expectedinputs':2}", "expected_inputs", NULL },
	{ "{'expectedINPUTS':2}", "expected_inputs", NULL },
	/* As protoc: a digit after '_' stays, the '_' goes. */
	{ "{'value1':3}", "value_1", "3" },
	/* The snake name is looked up as given, never a camel one as snake. */
	{ "{'expected_inputs':1}", "expectedInputs", NULL },
	/* Neither there. */
	{ "{}", "expected_inputs", NULL },
	{ "{'other':1}", "expected_inputs", NULL },
	/* Not an object: nothing. */
	{ "[1,2]", "expected_inputs", NULL },
	{ "'expected_inputs'", "expected_inputs", NULL },
	{ "null", "expected_inputs", NULL },
};

/* s with ' turned into ", in a static buffer. */
static const char *
q(const char *s)
{
	static char	buf[256];
	size_t		i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
		buf[i] = s[i] == '\'' ? '"' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
test_member_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		cJSON		*doc = cJSON_Parse(q(cases[i].doc));
		const cJSON	*got;
		char		*text;

		assert_non_null(doc);
		got = protojson_member(doc, cases[i].name);
		text = got ? cJSON_PrintUnformatted(got) : NULL;
		if ((text == NULL) != (cases[i].want == NULL) ||
		    (text != NULL && strcmp(text, cases[i].want) != 0)) {
			print_error("row %zu: %s in %s: got %s, want %s\n", i,
			    cases[i].name, cases[i].doc, text ? text : "NULL",
			    cases[i].want ? cases[i].want : "NULL");
			fail();
		}
		cJSON_free(text);
		cJSON_Delete(doc);
	}
}

/* The member returned is the object's own, not a copy; NULL objects are fine. */
static void
test_member_points_into_object(void **state)
{
	cJSON	*doc = cJSON_Parse("{\"launchPlan\":{\"name\":\"a\"}}");

	(void)state;
	assert_ptr_equal(protojson_member(doc, "launch_plan"),
	    cJSON_GetObjectItemCaseSensitive(doc, "launchPlan"));
	assert_null(protojson_member(NULL, "launch_plan"));
	cJSON_Delete(doc);
}

/* A name longer than any field: the proto name is still found, the camel one is not made up. */
static void
test_member_long_name(void **state)
{
	char	name[300], json[400];
	cJSON	*doc;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[1] = '_';
	snprintf(json, sizeof(json), "{\"%s\":7}", name);
	assert_non_null(doc = cJSON_Parse(json));
	assert_int_equal(protojson_member(doc, name)->valueint, 7);
	cJSON_Delete(doc);
	snprintf(json, sizeof(json), "{\"aA%s\":7}", name + 3);
	assert_non_null(doc = cJSON_Parse(json));
	assert_null(protojson_member(doc, name));
	cJSON_Delete(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_table),
		cmocka_unit_test(test_member_points_into_object),
		cmocka_unit_test(test_member_long_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
