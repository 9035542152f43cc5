/*
 * fuzz_literal.c: libFuzzer target for literal_from_value and literal_inputs.
 * The input is a value and a type (or inputs and parameters) as JSON text,
 * split at the first NUL byte. Whatever they are, conversion returns a tree
 * that prints as a JSON object, or a one-line message; nothing leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/literal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result prints, parses back, and is an object; a refusal says why on one line. */
static void
check(int rc, cJSON *out, const struct err *e, const char *what)
{
	char	*text;
	cJSON	*back;

	if (rc == 0) {
		if (!cJSON_IsObject(out) || (text = cJSON_PrintUnformatted(out)) == NULL) {
			fprintf(stderr, "fuzz_literal: %s: no object\n", what);
			abort();
		}
		back = cJSON_Parse(text);
		if (!cJSON_IsObject(back)) {
			fprintf(stderr, "fuzz_literal: %s: output does not parse: %s\n", what, text);
			abort();
		}
		cJSON_Delete(back);
		free(text);
	} else if (out != NULL || e->msg[0] == '\0' || strchr(e->msg, '\n') != NULL) {
		fprintf(stderr, "fuzz_literal: %s: bad refusal \"%s\"\n", what, e->msg);
		abort();
	}
	cJSON_Delete(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*text, *second;
	cJSON		*value, *type, *out = NULL;
	struct err	 e;
	size_t		 first;

	if (size > 8192)
		return 0;
	/* one copy, NUL-terminated twice: first part, then the rest */
	if ((text = malloc(size + 2)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	first = strlen(text);
	second = first < size ? text + first + 1 : text + size + 1;
	value = cJSON_Parse(text);
	type = cJSON_Parse(second);

	memset(&e, 0, sizeof(e));
	check(literal_from_value(value, type, &out, &e), out, &e, "value");
	out = NULL;
	memset(&e, 0, sizeof(e));
	check(literal_inputs(value, type, "kickoff", 1764136800, &out, &e), out,
	    &e, "inputs");
	out = NULL;
	memset(&e, 0, sizeof(e));
	check(literal_inputs(value, type, NULL, 0, &out, &e), out, &e, "inputs");

	cJSON_Delete(value);
	cJSON_Delete(type);
	free(text);
	return 0;
}
