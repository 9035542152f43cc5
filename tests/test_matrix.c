/*
 * test_matrix.c: matrix expansion as GitHub Actions' matrix does it (the
 * product, exclude, include: the examples of GitHub's documentation), the
 * counting before expansion, the messages, and {key} substitution.
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

#include "schedd/matrix.h"

/* The combinations of a matrix (JSON text) as their JSON texts, one a line. */
static char *
combinations(const char *text, size_t limit, struct err *e)
{
	cJSON		*node = cJSON_Parse(text);
	struct matrix	*m;
	char		*out = NULL;
	size_t		 len = 0;

	assert_non_null(node);
	memset(e, 0, sizeof(*e));
	if (matrix_parse(node, limit, &m, e) == -1) {
		cJSON_Delete(node);
		return NULL;
	}
	cJSON_Delete(node);
	out = calloc(1, 1);
	for (size_t i = 0; i < matrix_count(m); i++) {
		cJSON	*c = matrix_combination(m, i);
		char	*line = cJSON_PrintUnformatted(c);

		out = realloc(out, len + strlen(line) + 2);
		memcpy(out + len, line, strlen(line));
		len += strlen(line);
		out[len++] = '\n';
		out[len] = '\0';
		free(line);
		cJSON_Delete(c);
	}
	matrix_free(m);
	return out;
}

static void
expect(const char *matrix, const char *want)
{
	struct err	 e;
	char		*got = combinations(matrix, 100000, &e);

	if (got == NULL)
		fail_msg("%s: %s", matrix, e.msg);
	assert_string_equal(got, want);
	free(got);
}

static void
expect_error(const char *matrix, size_t limit, const char *message)
{
	struct err	 e;
	char		*got = combinations(matrix, limit, &e);

	assert_null(got);
	assert_int_equal(e.code, EX_DATAERR);
	assert_string_equal(e.msg, message);
}

static void
test_product_last_key_fastest(void **state)
{
	(void)state;
	expect("{\"a\": [1, 2], \"b\": [\"x\", \"y\"]}",
	    "{\"a\":1,\"b\":\"x\"}\n{\"a\":1,\"b\":\"y\"}\n"
	    "{\"a\":2,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n");
}

/* GitHub's "Expanding or adding matrix configurations" example, verbatim. */
static void
test_include_github_example(void **state)
{
	(void)state;
	expect("{\"fruit\": [\"apple\", \"pear\"], \"animal\": [\"cat\", \"dog\"],"
	    " \"include\": [{\"color\": \"green\"},"
	    " {\"color\": \"pink\", \"animal\": \"cat\"},"
	    " {\"fruit\": \"apple\", \"shape\": \"circle\"},"
	    " {\"fruit\": \"banana\"},"
	    " {\"fruit\": \"banana\", \"animal\": \"cat\"}]}",
	    "{\"fruit\":\"apple\",\"animal\":\"cat\",\"color\":\"pink\",\"shape\":\"circle\"}\n"
	    "{\"fruit\":\"apple\",\"animal\":\"dog\",\"color\":\"green\",\"shape\":\"circle\"}\n"
	    "{\"fruit\":\"pear\",\"animal\":\"cat\",\"color\":\"pink\"}\n"
	    "{\"fruit\":\"pear\",\"animal\":\"dog\",\"color\":\"green\"}\n"
	    "{\"fruit\":\"banana\"}\n"
	    "{\"fruit\":\"banana\",\"animal\":\"cat\"}\n");
}

/* GitHub's "Excluding matrix configurations" example: 12 less 3. */
static void
test_exclude_github_example(void **state)
{
	struct err	 e;
	char		*got;

	(void)state;
	got = combinations("{\"os\": [\"macos-latest\", \"windows-latest\"],"
	    " \"version\": [12, 14, 16],"
	    " \"environment\": [\"staging\", \"production\"],"
	    " \"exclude\": [{\"os\": \"macos-latest\", \"version\": 12,"
	    " \"environment\": \"production\"},"
	    " {\"os\": \"windows-latest\", \"version\": 16}]}", 100000, &e);
	assert_non_null(got);
	assert_string_equal(got,
	    "{\"os\":\"macos-latest\",\"version\":12,\"environment\":\"staging\"}\n"
	    "{\"os\":\"macos-latest\",\"version\":14,\"environment\":\"staging\"}\n"
	    "{\"os\":\"macos-latest\",\"version\":14,\"environment\":\"production\"}\n"
	    "{\"os\":\"macos-latest\",\"version\":16,\"environment\":\"staging\"}\n"
	    "{\"os\":\"macos-latest\",\"version\":16,\"environment\":\"production\"}\n"
	    "{\"os\":\"windows-latest\",\"version\":12,\"environment\":\"staging\"}\n"
	    "{\"os\":\"windows-latest\",\"version\":12,\"environment\":\"production\"}\n"
	    "{\"os\":\"windows-latest\",\"version\":14,\"environment\":\"staging\"}\n"
	    "{\"os\":\"windows-latest\",\"version\":14,\"environment\":\"production\"}\n");
	free(got);
}

/* Include after exclude: an excluded combination comes back as an include of its own. */
static void
test_include_adds_back_excluded(void **state)
{
	(void)state;
	expect("{\"site\": [\"001\", \"002\"], \"exclude\": [{\"site\": \"002\"}],"
	    " \"include\": [{\"site\": \"002\", \"tz\": \"Asia/Tokyo\"},"
	    " {\"site\": \"001\", \"tz\": \"UTC\"}, {\"site\": \"001\", \"tz\": \"Europe/Berlin\"}]}",
	    "{\"site\":\"001\",\"tz\":\"Europe/Berlin\"}\n"
	    "{\"site\":\"002\",\"tz\":\"Asia/Tokyo\"}\n");
}

/* Only include: each mapping is a combination (forty sites, each with its own zone). */
static void
test_include_only(void **state)
{
	(void)state;
	expect("{\"include\": [{\"site\": \"001\", \"tz\": \"Asia/Shanghai\"},"
	    " {\"site\": \"002\", \"tz\": \"Europe/Berlin\", \"version\": \"v3\"}]}",
	    "{\"site\":\"001\",\"tz\":\"Asia/Shanghai\"}\n"
	    "{\"site\":\"002\",\"tz\":\"Europe/Berlin\",\"version\":\"v3\"}\n");
}

/* A value twice in a list matches an exclude as the first one does. */
static void
test_repeated_value_excluded(void **state)
{
	(void)state;
	expect("{\"a\": [\"x\", \"y\", \"x\"], \"exclude\": [{\"a\": \"x\"}]}",
	    "{\"a\":\"y\"}\n");
	/* Types differ: 1 is not "1". */
	expect("{\"a\": [1, \"1\"], \"exclude\": [{\"a\": \"1\"}]}", "{\"a\":1}\n");
}

static void
test_counted_before_expansion(void **state)
{
	(void)state;
	expect_error("{\"a\": [1, 2, 3], \"b\": [1, 2]}", 5,
	    "matrix: 6 combinations; a file expands to at most 5 schedules");
	/* The product is refused before exclude: it is never walked. */
	expect_error("{\"a\": [1, 2, 3], \"b\": [1, 2], \"exclude\": [{\"a\": 1}]}",
	    5, "matrix: 6 combinations before exclude; a file expands to at "
	    "most 5 schedules");
	/* Includes that extend none are combinations of their own, and count. */
	expect_error("{\"a\": [1, 2], \"include\": [{\"a\": 3}, {\"a\": 4}, "
	    "{\"a\": 1, \"b\": 2}]}", 3,
	    "matrix: 4 combinations; a file expands to at most 3 schedules");
	expect("{\"a\": [1, 2, 3, 4, 5, 6], \"exclude\": [{\"a\": 1}],"
	    " \"include\": [{\"a\": 7}]}",
	    "{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{\"a\":5}\n{\"a\":6}\n{\"a\":7}\n");
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("[]", 10, "matrix: not a mapping of lists");
	expect_error("{}", 10, "matrix: not a mapping of lists");
	expect_error("{\"a\": []}", 10,
	    "matrix: a: not a non-empty list (at most 16 keys)");
	expect_error("{\"a\": [{\"b\": 1}]}", 10,
	    "matrix: a: values must be strings, numbers or booleans");
	expect_error("{\"a\": [1], \"exclude\": [{\"b\": 1}]}", 10,
	    "matrix: exclude 1: b is not a list of the matrix");
	expect_error("{\"a\": [1], \"exclude\": {\"a\": 1}}", 10,
	    "matrix: exclude: not a non-empty list of mappings");
	expect_error("{\"a\": [1], \"include\": [{\"a\": 1}, 3]}", 10,
	    "matrix: include 2: not a non-empty mapping");
	expect_error("{\"a\": [1], \"include\": [{\"z\": [1]}]}", 10,
	    "matrix: include 1: z: values must be strings, numbers or booleans");
}

static int
collect(const cJSON *spec, void *arg, struct err *e)
{
	char	**out = arg, *line = cJSON_PrintUnformatted(spec);
	size_t	 len = *out ? strlen(*out) : 0;

	(void)e;
	*out = realloc(*out, len + strlen(line) + 2);
	snprintf(*out + len, strlen(line) + 2, "%s\n", line);
	free(line);
	return 0;
}

static void
test_expand_substitutes(void **state)
{
	cJSON		*entry = cJSON_Parse("{\"name\": \"s_{site}\","
			    " \"tz\": \"{tz}\", \"inputs\": {\"n\": \"{n}\","
			    " \"since\": \"{{kickoff_time}}\", \"t\": \"{site}-{n}\"},"
			    " \"matrix\": {\"site\": [\"a\", \"b\"], \"n\": [1],"
			    " \"include\": [{\"site\": \"b\", \"tz\": \"Asia/Tokyo\"}],"
			    " \"exclude\": [{\"site\": \"a\"}]}}");
	char		*out = NULL;
	struct err	 e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(matrix_expand(entry, 0, 10, collect, &out, &e), 0);
	assert_string_equal(out, "{\"name\":\"s_b\",\"tz\":\"Asia/Tokyo\","
	    "\"inputs\":{\"n\":1,\"since\":\"{{kickoff_time}}\",\"t\":\"b-1\"}}\n");
	free(out);
	out = NULL;
	/* The cap counts what came before. */
	assert_int_equal(matrix_expand(entry, 10, 10, collect, &out, &e), -1);
	assert_string_equal(e.msg, "matrix: 1 combinations; a file expands to "
	    "at most 10 schedules");
	cJSON_Delete(entry);
	/* A key a combination lacks, after one that has it (regression: the expansion stopped, and said nothing). */
	entry = cJSON_Parse("{\"name\": \"s_{site}\", \"tz\": \"{tz}\","
	    " \"matrix\": {\"site\": [\"a\"], \"include\": [{\"site\": \"a\","
	    " \"tz\": \"UTC\"}, {\"site\": \"b\"}]}}");
	memset(&e, 0, sizeof(e));
	assert_int_equal(matrix_expand(entry, 0, 10, collect, &out, &e), -1);
	assert_int_equal(e.code, EX_DATAERR);
	assert_string_equal(e.msg, "\"{tz}\" is not a matrix key");
	assert_string_equal(out, "{\"name\":\"s_a\",\"tz\":\"UTC\"}\n");
	free(out);
	cJSON_Delete(entry);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_product_last_key_fastest),
		cmocka_unit_test(test_include_github_example),
		cmocka_unit_test(test_exclude_github_example),
		cmocka_unit_test(test_include_adds_back_excluded),
		cmocka_unit_test(test_include_only),
		cmocka_unit_test(test_repeated_value_excluded),
		cmocka_unit_test(test_counted_before_expansion),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_expand_substitutes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
