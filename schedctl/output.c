/* output.c: schedctl's documents on stdout: -o json as one line, -o yaml as the same document in block YAML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "schedd/json.h"
#include "ctl.h"

/*
 * A key or string that YAML reads back as the same string when written
 * plain: a letter or '_' first, then letters, digits and "_./@-", and not
 * a word YAML 1.1 readers take for a boolean or null. Anything else
 * (digits first, as in times, which YAML 1.1 takes for timestamps) is
 * quoted.
 */
static int
plain_ok(const char *s)
{
	static const char *const words[] = { "y", "n", "yes", "no", "on", "off",
	    "true", "false", "null" };

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("_./@-", *p) != NULL))
			return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	return 1;
}

/* A string as a plain or a double-quoted scalar (JSON's escapes are YAML's). */
static int
print_string(FILE *out, const char *s)
{
	cJSON	*item;
	char	*text;

	if (plain_ok(s))
		return fputs(s, out) < 0 ? -1 : 0;
	if ((item = cJSON_CreateString(s)) == NULL)
		return -1;
	text = json_print(item, 0);
	cJSON_Delete(item);
	if (text == NULL)
		return -1;
	fputs(text, out);
	free(text);
	return 0;
}

/* A scalar, or an empty object or array, on the current line. */
static int
print_scalar(FILE *out, const cJSON *item)
{
	char	*text;

	if (cJSON_IsString(item))
		return print_string(out, item->valuestring);
	if ((text = json_print(item, 0)) == NULL)
		return -1;
	fputs(text, out);
	free(text);
	return 0;
}

static int
is_block(const cJSON *item)
{
	return (cJSON_IsObject(item) || cJSON_IsArray(item)) &&
	    item->child != NULL;
}

/*
 * The members of a non-empty object or array, one a line at indent; the
 * first line's indent is already written when inline (after "- ").
 */
static int
print_block(FILE *out, const cJSON *node, int indent, int inline_first)
{
	const cJSON	*item;
	int		 first = 1;

	cJSON_ArrayForEach(item, node) {
		if (!(first && inline_first))
			fprintf(out, "%*s", indent, "");
		first = 0;
		if (cJSON_IsObject(node)) {
			if (print_string(out, item->string) == -1)
				return -1;
			fputc(':', out);
			if (is_block(item)) {
				fputc('\n', out);
				/* A list under a key needs no more indent, but reads better with it. */
				if (print_block(out, item, indent + 2, 0) == -1)
					return -1;
				continue;
			}
		} else {
			fputc('-', out);
			if (is_block(item)) {
				fputc(' ', out);
				if (print_block(out, item, indent + 2, 1) == -1)
					return -1;
				continue;
			}
		}
		fputc(' ', out);
		if (print_scalar(out, item) == -1)
			return -1;
		fputc('\n', out);
	}
	return 0;
}

int
ctl_print_doc(const struct ctl *ctl, cJSON *doc)
{
	char	*text = NULL;
	int	 rc = 0;

	if (doc == NULL)
		rc = -1;
	else if (!ctl->yaml) {
		if ((text = cJSON_PrintUnformatted(doc)) == NULL)
			rc = -1;
		else
			printf("%s\n", text);
	} else if (is_block(doc))
		rc = print_block(stdout, doc, 0, 0);
	else if ((rc = print_scalar(stdout, doc)) == 0)
		putchar('\n');
	free(text);
	cJSON_Delete(doc);
	if (rc == -1)
		return ctl_fail(EX_OSERR, "out of memory");
	return EX_OK;
}
