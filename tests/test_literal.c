/*
 * test_literal.c: plain JSON inputs to Literal protojson, one table row per
 * kind of LiteralType and per mismatch with its exact message, then whole
 * input maps against launch plan parameters.
 *
 * Tables write JSON with ' for " so rows stay readable; q() swaps them back.
 * Expected literals follow flyteidl's literals.proto under protojson with
 * proto names (int64 as strings, Timestamp/Duration as strings).
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
#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/literal.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* s with ' turned into ", in a static buffer (one of four, round robin). */
static const char *
q(const char *s)
{
	static char	buf[4][4096];
	static int	next;
	char		*out = buf[next++ % 4];
	size_t		i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf[0]); i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	out[i] = '\0';
	return out;
}

static cJSON *
parse(const char *text)
{
	cJSON	*doc = cJSON_Parse(q(text));

	if (doc == NULL)
		fail_msg("bad JSON in test: %s", text);
	return doc;
}

/* Convert value against type; the result's text (caller frees), or NULL with e. */
static char *
convert(const char *value, const char *type, struct err *e)
{
	cJSON	*v = parse(value), *t = parse(type), *out = NULL;
	char	*text = NULL;

	memset(e, 0, sizeof(*e));
	if (literal_from_value(v, t, &out, e) == 0) {
		text = cJSON_PrintUnformatted(out);
		assert_non_null(text);
	}
	cJSON_Delete(out);
	cJSON_Delete(v);
	cJSON_Delete(t);
	return text;
}

struct row {
	const char	*value;
	const char	*type;
	const char	*want;		/* the literal, or the error message */
};

#define INT	"{'simple':'INTEGER'}"
#define OPT(t)	"{'union_type':{'variants':[" t ",{'simple':'NONE','structure':{'tag':'none'}}]}}"
#define PRIM(k, v)	"{'scalar':{'primitive':{'" k "':" v "}}}"

static const struct row kinds[] = {
	/* INTEGER: a JSON integer, or a string of digits; int64 is a JSON string */
	{ "42", INT, PRIM("integer", "'42'") },
	{ "-7", INT, PRIM("integer", "'-7'") },
	{ "3.0", INT, PRIM("integer", "'3'") },
	{ "9007199254740992", INT, PRIM("integer", "'9007199254740992'") },
	{ "'007'", INT, PRIM("integer", "'7'") },
	{ "'+5'", INT, PRIM("integer", "'5'") },
	{ "'9223372036854775807'", INT, PRIM("integer", "'9223372036854775807'") },
	{ "'-9223372036854775808'", INT, PRIM("integer", "'-9223372036854775808'") },
	{ "1", "{'simple':1}", PRIM("integer", "'1'") },	/* enum by number */
	/* FLOAT */
	{ "1.5", "{'simple':'FLOAT'}", PRIM("float_value", "1.5") },
	{ "2", "{'simple':'FLOAT'}", PRIM("float_value", "2") },
	{ "-0.1", "{'simple':'FLOAT'}", PRIM("float_value", "-0.1") },
	{ "'2.5e3'", "{'simple':'FLOAT'}", PRIM("float_value", "2500") },
	{ "'NaN'", "{'simple':'FLOAT'}", PRIM("float_value", "'NaN'") },
	{ "'-inf'", "{'simple':'FLOAT'}", PRIM("float_value", "'-Infinity'") },
	{ "'Infinity'", "{'simple':'FLOAT'}", PRIM("float_value", "'Infinity'") },
	/* STRING */
	{ "'site_a'", "{'simple':'STRING'}", PRIM("string_value", "'site_a'") },
	{ "''", "{'simple':'STRING'}", PRIM("string_value", "''") },
	{ "'caf\\u00e9 \\n'", "{'simple':'STRING'}", PRIM("string_value", "'caf\xc3\xa9 \\n'") },
	/* BOOLEAN: JSON booleans, and Go's ParseBool strings */
	{ "true", "{'simple':'BOOLEAN'}", PRIM("boolean", "true") },
	{ "false", "{'simple':'BOOLEAN'}", PRIM("boolean", "false") },
	{ "'False'", "{'simple':'BOOLEAN'}", PRIM("boolean", "false") },
	{ "'1'", "{'simple':'BOOLEAN'}", PRIM("boolean", "true") },
	/* DATETIME: RFC 3339 in, UTC with Z out, fraction as 0/3/6/9 digits */
	{ "'2026-11-26T06:00:00Z'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T06:00:00Z'") },
	{ "'2026-11-26T07:30:00+01:30'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T06:00:00Z'") },
	{ "'2026-11-26T06:00:00.5-05:00'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T11:00:00.500Z'") },
	{ "'2026-11-26T06:00:00.000120Z'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T06:00:00.000120Z'") },
	{ "'2026-11-26T06:00:00.1234567891Z'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T06:00:00.123456789Z'") },
	{ "'2026-11-26T06:00:00.000Z'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'2026-11-26T06:00:00Z'") },
	{ "'0001-01-01T00:00:00Z'", "{'simple':'DATETIME'}",
	  PRIM("datetime", "'0001-01-01T00:00:00Z'") },
	/* DURATION: Go's ParseDuration in, protojson's seconds out */
	{ "'90s'", "{'simple':'DURATION'}", PRIM("duration", "'90s'") },
	{ "'1h30m'", "{'simple':'DURATION'}", PRIM("duration", "'5400s'") },
	{ "'300ms'", "{'simple':'DURATION'}", PRIM("duration", "'0.300s'") },
	{ "'-1.5h'", "{'simple':'DURATION'}", PRIM("duration", "'-5400s'") },
	{ "'-0.5s'", "{'simple':'DURATION'}", PRIM("duration", "'-0.500s'") },
	{ "'2h45m30.5s'", "{'simple':'DURATION'}", PRIM("duration", "'9930.500s'") },
	{ "'1us'", "{'simple':'DURATION'}", PRIM("duration", "'0.000001s'") },
	{ "'1\xc2\xb5s'", "{'simple':'DURATION'}", PRIM("duration", "'0.000001s'") },
	{ "'7ns'", "{'simple':'DURATION'}", PRIM("duration", "'0.000000007s'") },
	{ "'.5m'", "{'simple':'DURATION'}", PRIM("duration", "'30s'") },
	{ "'0'", "{'simple':'DURATION'}", PRIM("duration", "'0s'") },
	{ "'-0s'", "{'simple':'DURATION'}", PRIM("duration", "'0s'") },
	{ "'+1m'", "{'simple':'DURATION'}", PRIM("duration", "'60s'") },
	{ "'-9223372036854775808ns'", "{'simple':'DURATION'}",
	  PRIM("duration", "'-9223372036.854775808s'") },
	{ "'9223372036854775807ns'", "{'simple':'DURATION'}",
	  PRIM("duration", "'9223372036.854775807s'") },
	/* NONE */
	{ "null", "{'simple':'NONE'}", "{'scalar':{'none_type':{}}}" },
	/* STRUCT: google.protobuf.Struct is the object itself; a string is read as JSON */
	{ "{'a':1,'b':[true,null,'x'],'c':{'d':{}}}", "{'simple':'STRUCT'}",
	  "{'scalar':{'generic':{'a':1,'b':[true,null,'x'],'c':{'d':{}}}}}" },
	{ "'{\\'a\\': 1}'", "{'simple':'STRUCT'}", "{'scalar':{'generic':{'a':1}}}" },
	{ "{}", "{'simple':'STRUCT'}", "{'scalar':{'generic':{}}}" },
	/* collections */
	{ "[1,'2']", "{'collection_type':" INT "}",
	  "{'collection':{'literals':[" PRIM("integer", "'1'") "," PRIM("integer", "'2'") "]}}" },
	{ "[]", "{'collection_type':" INT "}", "{'collection':{'literals':[]}}" },
	{ "[[1],[]]", "{'collection_type':{'collection_type':" INT "}}",
	  "{'collection':{'literals':[{'collection':{'literals':[" PRIM("integer", "'1'")
	  "]}},{'collection':{'literals':[]}}]}}" },
	{ "['a']", "{'collectionType':{'simple':'STRING'}}",
	  "{'collection':{'literals':[" PRIM("string_value", "'a'") "]}}" },
	/* maps */
	{ "{'x':1.5,'y':2}", "{'map_value_type':{'simple':'FLOAT'}}",
	  "{'map':{'literals':{'x':" PRIM("float_value", "1.5") ",'y':" PRIM("float_value", "2") "}}}" },
	{ "{}", "{'mapValueType':{'simple':'BOOLEAN'}}", "{'map':{'literals':{}}}" },
	{ "{'a':['x']}", "{'map_value_type':{'collection_type':{'simple':'STRING'}}}",
	  "{'map':{'literals':{'a':{'collection':{'literals':[" PRIM("string_value", "'x'") "]}}}}}" },
	/* enums: a plain string_value, as flytectl sends them */
	{ "'red'", "{'enum_type':{'values':['red','green']}}", PRIM("string_value", "'red'") },
	{ "'green'", "{'enumType':{'values':['red','green']}}", PRIM("string_value", "'green'") },
	/* blobs: the URI and the blob type, proto field order */
	{ "'s3://b/k.csv'", "{'blob':{'format':'csv','dimensionality':'SINGLE'}}",
	  "{'scalar':{'blob':{'metadata':{'type':{'format':'csv','dimensionality':'SINGLE'}},"
	  "'uri':'s3://b/k.csv'}}}" },
	{ "'s3://b/dir'", "{'blob':{'format':'','dimensionality':1}}",
	  "{'scalar':{'blob':{'metadata':{'type':{'format':'','dimensionality':'MULTIPART'}},"
	  "'uri':'s3://b/dir'}}}" },
	/* structured datasets and schemas */
	{ "'s3://b/d'", "{'structured_dataset_type':{'columns':[{'name':'a','literal_type':" INT "}],"
	  "'format':'parquet','external_schema_type':'','external_schema_bytes':''}}",
	  "{'scalar':{'structured_dataset':{'uri':'s3://b/d','metadata':{'structured_dataset_type':"
	  "{'columns':[{'name':'a','literal_type':" INT "}],'format':'parquet',"
	  "'external_schema_type':'','external_schema_bytes':''}}}}}" },
	{ "'s3://b/d'", "{'structuredDatasetType':{'columns':[{'name':'a','literalType':"
	  "{'simple':'INTEGER','metadata':null}}],'format':'parquet','externalSchemaType':null}}",
	  "{'scalar':{'structured_dataset':{'uri':'s3://b/d','metadata':{'structured_dataset_type':"
	  "{'columns':[{'name':'a','literal_type':" INT "}],'format':'parquet'}}}}}" },
	{ "'s3://b/s'", "{'schema':{'columns':[{'name':'a','type':'INTEGER'},{'name':'b','type':4}]}}",
	  "{'scalar':{'schema':{'uri':'s3://b/s','type':{'columns':[{'name':'a','type':'INTEGER'},"
	  "{'name':'b','type':'DATETIME'}]}}}}" },
	/* unions: first variant that takes the value, wrapped with that variant's type */
	{ "5", OPT("{'simple':'INTEGER','structure':{'tag':'int'}}"),
	  "{'scalar':{'union':{'value':" PRIM("integer", "'5'") ",'type':"
	  "{'simple':'INTEGER','structure':{'tag':'int'}}}}}" },
	{ "null", OPT("{'simple':'INTEGER','structure':{'tag':'int'}}"),
	  "{'scalar':{'union':{'value':{'scalar':{'none_type':{}}},'type':"
	  "{'simple':'NONE','structure':{'tag':'none'}}}}}" },
	{ "'x'", "{'union_type':{'variants':[" INT ",{'simple':'STRING'}]}}",
	  "{'scalar':{'union':{'value':" PRIM("string_value", "'x'") ",'type':{'simple':'STRING'}}}}" },
	{ "[1]", "{'unionType':{'variants':[{'collectionType':{'simple':'STRING'}},"
	  "{'collectionType':" INT ",'metadata':null,'annotation':null,"
	  "'structure':{'tag':'','dataclassType':{}}}]}}",
	  "{'scalar':{'union':{'value':{'collection':{'literals':[" PRIM("integer", "'1'") "]}},"
	  "'type':{'collection_type':" INT ",'structure':{'tag':'','dataclass_type':{}}}}}}" },
	/* Struct-valued type fields keep their keys; unknown type fields pass through */
	{ "{}", "{'union_type':{'variants':[{'simple':'STRUCT','metadata':{'someKey':{'innerKey':1}},"
	  "'annotation':{'annotations':{'camelCase':true}},'futureField':[1]}]}}",
	  "{'scalar':{'union':{'value':{'scalar':{'generic':{}}},'type':{'simple':'STRUCT',"
	  "'metadata':{'someKey':{'innerKey':1}},'annotation':{'annotations':{'camelCase':true}},"
	  "'futureField':[1]}}}}" },
	/* a null oneof member is unset, as Admin's EmitUnpopulated writes it */
	{ "[2]", "{'simple':null,'collection_type':" INT ",'metadata':null}",
	  "{'collection':{'literals':[" PRIM("integer", "'2'") "]}}" },
};

static const struct row mismatches[] = {
	{ "'x'", INT, "value: expected integer, got 'x'" },
	{ "1.5", INT, "value: expected integer, got 1.5" },
	{ "true", INT, "value: expected integer, got true" },
	{ "null", INT, "value: expected integer, got null" },
	{ "[1]", INT, "value: expected integer, got an array" },
	{ "'1.0'", INT, "value: expected integer, got '1.0'" },
	{ "' 1'", INT, "value: expected integer, got ' 1'" },
	{ "'-'", INT, "value: expected integer, got '-'" },
	{ "'9223372036854775808'", INT, "value: expected integer, got '9223372036854775808'" },
	{ "'-9223372036854775809'", INT, "value: expected integer, got '-9223372036854775809'" },
	{ "1e20", INT, "value: expected integer, got 1e+20 (beyond 2^53 a JSON "
	  "number is inexact: write it as a string)" },
	{ "'" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" "'", INT,
	  "value: expected integer, got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." },
	{ "'abc'", "{'simple':'FLOAT'}", "value: expected float, got 'abc'" },
	{ "'0x10'", "{'simple':'FLOAT'}", "value: expected float, got '0x10'" },
	{ "'1e999'", "{'simple':'FLOAT'}", "value: expected float, got '1e999'" },
	{ "false", "{'simple':'FLOAT'}", "value: expected float, got false" },
	{ "5", "{'simple':'STRING'}", "value: expected string, got 5" },
	{ "{}", "{'simple':'STRING'}", "value: expected string, got an object" },
	{ "'yes'", "{'simple':'BOOLEAN'}", "value: expected boolean, got 'yes'" },
	{ "1", "{'simple':'BOOLEAN'}", "value: expected boolean, got 1" },
	{ "'2026-13-01T00:00:00Z'", "{'simple':'DATETIME'}",
	  "value: expected datetime (RFC 3339), got '2026-13-01T00:00:00Z'" },
	{ "'2026-11-26'", "{'simple':'DATETIME'}",
	  "value: expected datetime (RFC 3339), got '2026-11-26'" },
	{ "1700000000", "{'simple':'DATETIME'}",
	  "value: expected datetime (RFC 3339), got 1700000000" },
	{ "'0001-01-01T00:00:00+01:00'", "{'simple':'DATETIME'}",
	  "value: expected datetime between years 1 and 9999 in UTC, got '0001-01-01T00:00:00+01:00'" },
	{ "90", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got 90" },
	{ "'1d'", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got '1d'" },
	{ "'5'", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got '5'" },
	{ "''", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got ''" },
	{ "'.s'", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got '.s'" },
	{ "'1h 30m'", "{'simple':'DURATION'}", "value: expected duration (like '1h30m'), got '1h 30m'" },
	{ "'3000000h'", "{'simple':'DURATION'}",
	  "value: expected duration (like '1h30m'), got '3000000h'" },
	{ "'9223372036854775808ns'", "{'simple':'DURATION'}",
	  "value: expected duration (like '1h30m'), got '9223372036854775808ns'" },
	{ "5", "{'simple':'NONE'}", "value: expected null, got 5" },
	{ "[1]", "{'simple':'STRUCT'}", "value: expected object, got an array" },
	{ "'[1]'", "{'simple':'STRUCT'}", "value: expected object, got '[1]'" },
	{ "'x'", "{'simple':'BINARY'}", "value: inputs of type BINARY are not supported" },
	{ "'x'", "{'simple':'ERROR'}", "value: inputs of type ERROR are not supported" },
	{ "{'a':1}", "{'collection_type':" INT "}", "value: expected list, got an object" },
	{ "[1,'x']", "{'collection_type':" INT "}", "value[1]: expected integer, got 'x'" },
	{ "[[1],[2,[]]]", "{'collection_type':{'collection_type':" INT "}}",
	  "value[1][1]: expected integer, got an array" },
	{ "[1]", "{'map_value_type':" INT "}", "value: expected map (object), got an array" },
	{ "{'k':'x'}", "{'map_value_type':" INT "}", "value.k: expected integer, got 'x'" },
	{ "{'a\\nb':'x'}", "{'map_value_type':" INT "}", "value.a?b: expected integer, got 'x'" },
	{ "{'k':1,'k':2}", "{'map_value_type':" INT "}", "value.k: key given twice" },
	{ "'blue'", "{'enum_type':{'values':['red','green']}}",
	  "value: expected one of [red, green], got 'blue'" },
	{ "'b'", "{'enum_type':{'values':['a\\nb','\\u0007']}}",
	  "value: expected one of [a?b, ?], got 'b'" },	/* one line, whatever the type says */
	{ "{'" "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" "':'x'}",
	  "{'map_value_type':" INT "}",
	  "value.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...: expected integer, got 'x'" },
	{ "null", "{'enum_type':{'values':['red','green']}}",
	  "value: expected one of [red, green], got null" },
	{ "5", "{'blob':{'format':'csv'}}", "value: expected blob URI, got 5" },
	{ "''", "{'blob':{'format':'csv'}}", "value: expected blob URI, got ''" },
	{ "5", "{'structured_dataset_type':{'format':'parquet'}}",
	  "value: expected structured dataset URI, got 5" },
	{ "true", "{'schema':{'columns':[]}}", "value: expected schema URI, got true" },
	{ "'x'", OPT(INT), "value: expected integer or null, got 'x'" },
	{ "[1,'x']", OPT("{'collection_type':" INT "}"), "value[1]: expected integer, got 'x'" },
	{ "'x'", "{'union_type':{'variants':[" INT ",{'enum_type':{'values':['a']}},"
	  "{'simple':'DATETIME'}]}}",
	  "value: expected integer or one of [a] or datetime (RFC 3339), got 'x'" },
	/* types we cannot read */
	{ "1", "{'simple':'FOO'}",
	  "value: unsupported launch plan type {'simple':'FOO'} (unknown simple type)" },
	{ "1", "{'simple':12}",
	  "value: unsupported launch plan type {'simple':12} (unknown simple type)" },
	{ "1", "{}", "value: unsupported launch plan type {} (no kind of type set)" },
	{ "1", "[]", "value: unsupported launch plan type [] (no kind of type set)" },
	{ "1", "{'union_type':{'variants':[]}}",
	  "value: unsupported launch plan type {'union_type':{'variants':[]}} (a union without variants)" },
	{ "'a'", "{'enum_type':{'values':[]}}",
	  "value: unsupported launch plan type {'enum_type':{'values':[]}} (an enum without values)" },
	{ "'s3://x'", "{'blob':{'dimensionality':'TRIPLE'}}",
	  "value: unsupported launch plan type 'TRIPLE' (in dimensionality)" },
	{ "'s3://x'", "{'blob':{'format':'csv','format':'tsv'}}",
	  "value: unsupported launch plan type {'format':'csv','format':'tsv'} (a field given twice)" },
	{ "1", "{'union_type':{'variants':[{'simple':'INTEGER','metadata':[1]}]}}",
	  "value: unsupported launch plan type [1] (in metadata)" },
};

static void
test_kinds(void **state)
{
	struct err	e;
	char		*got, want[2048];

	(void)state;
	for (size_t i = 0; i < NELEM(kinds); i++) {
		snprintf(want, sizeof(want), "%s", q(kinds[i].want));
		got = convert(kinds[i].value, kinds[i].type, &e);
		if (got == NULL)
			fail_msg("row %zu: %s as %s: %s", i, kinds[i].value,
			    kinds[i].type, e.msg);
		if (strcmp(got, want) != 0)
			fail_msg("row %zu: %s as %s:\n got  %s\n want %s", i,
			    kinds[i].value, kinds[i].type, got, want);
		free(got);
	}
}

static void
test_mismatches(void **state)
{
	struct err	e;
	char		*got, want[512];

	(void)state;
	for (size_t i = 0; i < NELEM(mismatches); i++) {
		snprintf(want, sizeof(want), "%s", q(mismatches[i].want));
		got = convert(mismatches[i].value, mismatches[i].type, &e);
		if (got != NULL)
			fail_msg("row %zu: %s as %s: accepted as %s", i,
			    mismatches[i].value, mismatches[i].type, got);
		if (strcmp(e.msg, want) != 0)
			fail_msg("row %zu: %s as %s:\n got  %s\n want %s", i,
			    mismatches[i].value, mismatches[i].type, e.msg, want);
		assert_int_equal(e.code, EX_DATAERR);
	}
}

/* n nested lists around 7, and the type of it (len must fit them). */
static void
nested(int n, char *value, char *type, size_t len)
{
	value[0] = type[0] = '\0';
	for (int i = 0; i < n; i++) {
		strncat(value, "[", len - strlen(value) - 1);
		strncat(type, "{'collection_type':", len - strlen(type) - 1);
	}
	strncat(value, "7", len - strlen(value) - 1);
	strncat(type, INT, len - strlen(type) - 1);
	for (int i = 0; i < n; i++) {
		strncat(value, "]", len - strlen(value) - 1);
		strncat(type, "}", len - strlen(type) - 1);
	}
}

static void
test_depth(void **state)
{
	char		value[4096], type[4096], where[256] = "value";
	struct err	e;
	char		*got;

	(void)state;
	/* 32 LiteralType levels: 31 lists around an integer */
	nested(LITERAL_DEPTH_MAX - 1, value, type, sizeof(value));
	got = convert(value, type, &e);
	assert_non_null(got);
	free(got);

	nested(LITERAL_DEPTH_MAX, value, type, sizeof(value));
	assert_null(convert(value, type, &e));
	for (int i = 0; i < LITERAL_DEPTH_MAX; i++)
		strcat(where, "[0]");
	strcat(where, ": nested deeper than 32 levels");
	assert_string_equal(e.msg, where);

	/* a deep type inside a union stops the search: no "expected ..." guess */
	nested(LITERAL_DEPTH_MAX + 5, value, type, sizeof(value));
	{
		char	u[8192];

		snprintf(u, sizeof(u), "{'union_type':{'variants':[%s,{'simple':'NONE'}]}}", type);
		assert_null(convert(value, u, &e));
		assert_non_null(strstr(e.msg, "nested deeper than 32 levels"));
	}

	/* a deep type the value never reaches is fine */
	assert_non_null(got = convert("[]", type, &e));
	free(got);
}

/* Admin's JSON for closure.expected_inputs.parameters, snake_case with nulls. */
static const char params_snake[] =
    "{'site_id':{'var':{'type':{'simple':'STRING','metadata':null,'annotation':null,"
    "'structure':null},'description':'site_id','artifact_partial_id':null},'required':true},"
    "'retries':{'var':{'type':{'simple':'INTEGER'}},'default':{'scalar':{'primitive':"
    "{'integer':'3'}},'hash':'','metadata':{}}},"
    "'kickoff':{'var':{'type':{'simple':'DATETIME'}},'required':true}}";

/* inputs and kickoff input against params; the output text, or NULL with e. */
static char *
inputs_to_text(const char *inputs, const char *params, const char *kickoff_input,
    int64_t kickoff, struct err *e)
{
	cJSON	*in = inputs ? parse(inputs) : NULL;
	cJSON	*p = params ? parse(params) : NULL, *out = NULL;
	char	*text = NULL;

	memset(e, 0, sizeof(*e));
	if (literal_inputs(in, p, kickoff_input, kickoff, &out, e) == 0) {
		text = cJSON_PrintUnformatted(out);
		assert_non_null(text);
	} else
		assert_null(out);
	cJSON_Delete(out);
	cJSON_Delete(in);
	cJSON_Delete(p);
	return text;
}

static int64_t
T(const char *text)
{
	int64_t		t;
	struct err	e;

	if (civil_parse_rfc3339(text, &t, &e) == -1)
		fail_msg("bad time in test: %s: %s", text, e.msg);
	return t;
}

static void
expect_inputs(const char *inputs, const char *params, const char *kickoff_input,
    int64_t kickoff, const char *want)
{
	struct err	 e;
	char		*got = inputs_to_text(inputs, params, kickoff_input, kickoff, &e);
	char		 w[4096];

	snprintf(w, sizeof(w), "%s", q(want));
	if (got == NULL)
		fail_msg("%s: %s", inputs, e.msg);
	if (strcmp(got, w) != 0)
		fail_msg("%s:\n got  %s\n want %s", inputs ? inputs : "NULL", got, w);
	free(got);
}

static void
expect_inputs_error(const char *inputs, const char *params,
    const char *kickoff_input, const char *want)
{
	struct err	 e;
	char		*got = inputs_to_text(inputs, params, kickoff_input,
			    T("2026-11-26T06:00:00Z"), &e);
	char		 w[512];

	snprintf(w, sizeof(w), "%s", q(want));
	if (got != NULL)
		fail_msg("%s: accepted as %s", inputs, got);
	assert_string_equal(e.msg, w);
	assert_int_equal(e.code, EX_DATAERR);
}

static void
test_inputs_kickoff(void **state)
{
	(void)state;
	/* retries has a default: left out for Admin; kickoff filled, UTC */
	expect_inputs("{'site_id':'site_a'}", params_snake, "kickoff",
	    T("2026-11-26T07:00:00+01:00"),
	    "{'literals':{'site_id':" PRIM("string_value", "'site_a'") ","
	    "'kickoff':" PRIM("datetime", "'2026-11-26T06:00:00Z'") "}}");
	/* a given default-able input is sent; order is the launch plan's */
	expect_inputs("{'retries':'5','site_id':'b'}", params_snake, "kickoff",
	    T("2026-01-01T00:00:00Z"),
	    "{'literals':{'site_id':" PRIM("string_value", "'b'") ","
	    "'retries':" PRIM("integer", "'5'") ","
	    "'kickoff':" PRIM("datetime", "'2026-01-01T00:00:00Z'") "}}");
	/* an Optional[datetime] kickoff input gets the union wrapping */
	expect_inputs(NULL, "{'when':{'var':{'type':" OPT("{'simple':'DATETIME'}") "},"
	    "'default':{'scalar':{'union':{'value':{'scalar':{'none_type':{}}},"
	    "'type':{'simple':'NONE'}}}}}}", "when", T("2026-11-26T06:00:00Z"),
	    "{'literals':{'when':{'scalar':{'union':{'value':"
	    PRIM("datetime", "'2026-11-26T06:00:00Z'") ",'type':{'simple':'DATETIME'}}}}}}");
}

static void
test_inputs_errors(void **state)
{
	(void)state;
	expect_inputs_error("{'site_id':'a','retries':'x'}", params_snake, "kickoff",
	    "input retries: expected integer, got 'x'");
	expect_inputs_error("{'site_id':'a','sites':'b'}", params_snake, "kickoff",
	    "input sites: not an input of the launch plan (it has site_id, retries, kickoff)");
	expect_inputs_error("{'site_id':'a'}", "{}", NULL,
	    "input site_id: not an input of the launch plan (it has none)");
	expect_inputs_error("{'site_id':'a'}", NULL, NULL,
	    "input site_id: not an input of the launch plan (it has none)");
	expect_inputs_error("{}", params_snake, "kickoff",
	    "input site_id: required, and not given");
	expect_inputs_error("{'site_id':'a'}", params_snake, NULL,
	    "input kickoff: required, and not given");
	expect_inputs_error("{'site_id':'a','kickoff':'2026-01-01T00:00:00Z'}",
	    params_snake, "kickoff",
	    "input kickoff: is the kickoff input, set to the scheduled instant: "
	    "leave it out of inputs");
	expect_inputs_error("{'site_id':'a'}", params_snake, "when",
	    "kickoff input when: not an input of the launch plan (it has site_id, retries, kickoff)");
	expect_inputs_error("{}", params_snake, "site_id",
	    "input site_id: the kickoff input must be a datetime, the launch plan has string");
	expect_inputs_error("{'site_id':'a','site_id':'b'}", params_snake, "kickoff",
	    "input site_id: given twice");
	expect_inputs_error("[1]", params_snake, "kickoff", "inputs: not a JSON object");
	expect_inputs_error("{}", "[]", NULL, "launch plan inputs: not a JSON object");
	expect_inputs_error("{'x':1}", "{'x':{'var':{'description':'no type'},'required':true}}",
	    NULL, "input x: the launch plan gives no type");
	/* default: null is no default */
	expect_inputs_error("{}", "{'x':{'var':{'type':" INT "},'default':null,'required':true}}",
	    NULL, "input x: required, and not given");
}

static void
test_inputs_camel_case(void **state)
{
	(void)state;
	/* Admin without Accept: application/json answers in lowerCamelCase */
	expect_inputs("{'xs':[1,'2'],'m':{'a':null,'b':0.5}}",
	    "{'xs':{'var':{'type':{'collectionType':" INT "}},'required':true},"
	    "'m':{'var':{'type':{'mapValueType':{'unionType':{'variants':["
	    "{'simple':'FLOAT'},{'simple':'NONE'}]}}}},'default':{'map':{'literals':{}}}},"
	    "'d':{'var':{'type':{'structuredDatasetType':{'format':'parquet'}}},'required':false},"
	    "'e':{'var':{'type':{'enumType':{'values':['x']}}},'artifactQuery':{}}}",
	    NULL, 0,
	    "{'literals':{'xs':{'collection':{'literals':[" PRIM("integer", "'1'") ","
	    PRIM("integer", "'2'") "]}},'m':{'map':{'literals':{"
	    "'a':{'scalar':{'union':{'value':{'scalar':{'none_type':{}}},'type':{'simple':'NONE'}}}},"
	    "'b':{'scalar':{'union':{'value':" PRIM("float_value", "0.5") ",'type':{'simple':'FLOAT'}}}}"
	    "}}}}}");
	/* no inputs, no parameters: an empty map */
	expect_inputs(NULL, NULL, NULL, 0, "{'literals':{}}");
	expect_inputs("null", "null", NULL, 0, "{'literals':{}}");
}

/* The error buffer may be NULL; a NULL value is refused, never dereferenced. */
static void
test_null_arguments(void **state)
{
	cJSON	*type = parse(INT), *out = (cJSON *)1;
	struct err	e;

	(void)state;
	assert_int_equal(literal_from_value(NULL, type, &out, NULL), -1);
	assert_null(out);
	assert_int_equal(literal_from_value(NULL, type, &out, &e), -1);
	assert_string_equal(e.msg, "value: expected integer, got nothing");
	assert_int_equal(literal_from_value(type, NULL, &out, &e), -1);
	assert_string_equal(e.msg, "value: unsupported launch plan type nothing (no kind of type set)");
	cJSON_Delete(type);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_mismatches),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_inputs_kickoff),
		cmocka_unit_test(test_inputs_errors),
		cmocka_unit_test(test_inputs_camel_case),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
