/* selector.c: Kubernetes-style label selectors matched against a schedule's labels. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/selector.h"

#define SELECTOR_MAX	32	/* requirements in one selector */
#define VALUES_MAX	64	/* values in one "in (...)" set */

enum requirement_op { REQ_EQ, REQ_NE, REQ_IN, REQ_NOTIN, REQ_EXISTS, REQ_ABSENT };

struct requirement {
	enum requirement_op	  op;
	char			 *key;
	char			**values;	/* REQ_EQ/NE: one; IN/NOTIN: nvalues */
	int			  nvalues;
};

struct selector {
	struct requirement	req[SELECTOR_MAX];
	int			count;
};

static void
skip_space(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

/* A key or value: label characters (and '/' in keys). */
static char *
read_word(const char **p)
{
	const char	*start = *p;

	while (**p != '\0' && (isalnum((unsigned char)**p) ||
	    strchr("-_./", **p) != NULL))
		(*p)++;
	return *p > start ? strndup(start, (size_t)(*p - start)) : NULL;
}

static int
add_value(struct requirement *r, char *value)
{
	char	**bigger;

	if (value == NULL || r->nvalues == VALUES_MAX ||
	    (bigger = realloc(r->values, (size_t)(r->nvalues + 1) *
	    sizeof(*bigger))) == NULL) {
		free(value);
		return -1;
	}
	r->values = bigger;
	r->values[r->nvalues++] = value;
	return 0;
}

/* One requirement at *p. Returns 0 or -1. */
static int
parse_requirement(const char **p, struct requirement *r)
{
	char	*value;

	skip_space(p);
	if (**p == '!') {
		(*p)++;
		skip_space(p);
		r->op = REQ_ABSENT;
		return (r->key = read_word(p)) ? 0 : -1;
	}
	if ((r->key = read_word(p)) == NULL)
		return -1;
	skip_space(p);
	if (**p == '\0' || **p == ',') {
		r->op = REQ_EXISTS;
		return 0;
	}
	if (strncmp(*p, "!=", 2) == 0 || strncmp(*p, "==", 2) == 0 ||
	    **p == '=') {
		r->op = **p == '!' ? REQ_NE : REQ_EQ;
		*p += (**p == '=' && (*p)[1] != '=') ? 1 : 2;
		skip_space(p);
		/* An empty value is allowed: "key=" matches key with value "". */
		if ((value = read_word(p)) == NULL)
			value = strdup("");
		return add_value(r, value);
	}
	if (strncmp(*p, "in", 2) == 0 || strncmp(*p, "notin", 5) == 0) {
		r->op = (*p)[0] == 'i' ? REQ_IN : REQ_NOTIN;
		*p += r->op == REQ_IN ? 2 : 5;
		skip_space(p);
		if (*(*p)++ != '(')
			return -1;
		for (;;) {
			skip_space(p);
			if (add_value(r, read_word(p)) == -1)
				return -1;
			skip_space(p);
			if (**p == ')')
				break;
			if (*(*p)++ != ',')
				return -1;
		}
		(*p)++;
		return 0;
	}
	return -1;
}

void
selector_free(struct selector *sel)
{
	if (sel == NULL)
		return;
	for (int i = 0; i < sel->count; i++) {
		for (int j = 0; j < sel->req[i].nvalues; j++)
			free(sel->req[i].values[j]);
		free(sel->req[i].values);
		free(sel->req[i].key);
	}
	free(sel);
}

int
selector_parse(const char *text, struct selector **out, struct err *e)
{
	struct selector	*sel;
	const char	*p = text;

	if ((sel = calloc(1, sizeof(*sel))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	for (;;) {
		if (sel->count == SELECTOR_MAX ||
		    parse_requirement(&p, &sel->req[sel->count++]) == -1)
			goto bad;
		skip_space(&p);
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	*out = sel;
	return 0;
 bad:
	selector_free(sel);
	err_set_code(e, EX_DATAERR, "selector \"%s\": expected key=value, "
	    "key!=value, key in (a,b), key notin (a,b), key or !key, "
	    "joined by commas", text);
	return -1;
}

static int
requirement_match(const struct requirement *r, const cJSON *labels)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(labels, r->key);
	const char	*value = cJSON_IsString(item) ? item->valuestring : NULL;
	int		 in = 0;

	for (int i = 0; value != NULL && i < r->nvalues; i++)
		in |= strcmp(value, r->values[i]) == 0;
	switch (r->op) {
	case REQ_EQ:
	case REQ_IN:
		return in;
	case REQ_NE:
	case REQ_NOTIN:
		return !in;	/* as in Kubernetes, a missing key satisfies != */
	case REQ_EXISTS:
		return value != NULL;
	case REQ_ABSENT:
		return value == NULL;
	}
	return 0;
}

int
selector_match(const struct selector *sel, const char *labels_json)
{
	cJSON	*labels = cJSON_Parse(labels_json ? labels_json : "{}");
	int	 match = 1;

	for (int i = 0; match && i < sel->count; i++)
		match = requirement_match(&sel->req[i], labels);
	cJSON_Delete(labels);
	return match;
}
