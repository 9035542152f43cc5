/* yaml.c: YAML documents read into cJSON trees with libyaml's event parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <yaml.h>

#include "schedd/json.h"
#include "schedd/yaml.h"

#define YAML_MAX_DEPTH	64
#define YAML_MAX_FILE	(16 << 20)

struct yaml_reader {
	yaml_parser_t	 parser;
	const char	*name;
	struct err	*e;
};

static int
reader_fail(struct yaml_reader *r, const yaml_mark_t *mark, const char *what)
{
	err_set_code(r->e, EX_DATAERR, "%s:%zu:%zu: %s", r->name,
	    mark->line + 1, mark->column + 1, what);
	return -1;
}

static int
next_event(struct yaml_reader *r, yaml_event_t *ev)
{
	if (yaml_parser_parse(&r->parser, ev))
		return 0;
	if (r->parser.error == YAML_READER_ERROR)
		/* Bad encoding is found before lines are counted: say the byte. */
		err_set_code(r->e, EX_DATAERR, "%s: byte %zu: %s", r->name,
		    r->parser.problem_offset + 1, r->parser.problem);
	else
		err_set_code(r->e, EX_DATAERR, "%s:%zu:%zu: %s", r->name,
		    r->parser.problem_mark.line + 1,
		    r->parser.problem_mark.column + 1,
		    r->parser.problem ? r->parser.problem : "syntax error");
	return -1;
}

/*
 * A YAML 1.2 core schema number: [-+]?, digits with an optional fraction, or
 * a fraction alone, then an optional exponent. Leading zeros keep the text a
 * string (ids like 007 and 00123 are not numbers that lost their zeros).
 */
static int
is_number(const char *s)
{
	size_t	whole, fraction = 0;

	if (*s == '-' || *s == '+')
		s++;
	whole = strspn(s, "0123456789");
	if (whole > 1 && s[0] == '0')
		return 0;
	s += whole;
	if (*s == '.') {
		fraction = strspn(s + 1, "0123456789");
		s += 1 + fraction;
	}
	if (whole + fraction == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (strspn(s, "0123456789") == 0)
			return 0;
		s += strspn(s, "0123456789");
	}
	return *s == '\0';
}

/* A plain scalar by the YAML 1.2 core schema (but for leading zeros), into *out. */
static int
plain_scalar(struct yaml_reader *r, const yaml_event_t *ev, cJSON **out)
{
	const char	*s = (const char *)ev->data.scalar.value;
	double		 d;

	if (*s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
		*out = cJSON_CreateNull();
	else if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		*out = cJSON_CreateTrue();
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		*out = cJSON_CreateFalse();
	else if (!is_number(s))
		*out = cJSON_CreateString(s);
	else if (json_number_value(s, strlen(s), &d) == -1)
		return reader_fail(r, &ev->start_mark, JSON_RANGE_MSG);
	else
		*out = cJSON_CreateNumber(d);
	return 0;
}

/* A scalar's text ends at its first NUL: refuse one (an escape gives it) rather than cut the text. */
static int
scalar_check(struct yaml_reader *r, const yaml_event_t *ev)
{
	if (strlen((const char *)ev->data.scalar.value) ==
	    ev->data.scalar.length)
		return 0;
	return reader_fail(r, &ev->start_mark, JSON_NUL_MSG);
}

static int	read_node(struct yaml_reader *, yaml_event_t *, int, cJSON **);

/* The items of a sequence or mapping, after its start event. */
static int
read_collection(struct yaml_reader *r, int mapping, int depth, cJSON *into)
{
	yaml_event_t	 ev;
	cJSON		*value;
	char		*key;

	for (;;) {
		if (next_event(r, &ev) == -1)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (!mapping) {
			if (read_node(r, &ev, depth, &value) == -1)
				return -1;
			cJSON_AddItemToArray(into, value);
			continue;
		}
		if (ev.type != YAML_SCALAR_EVENT ||
		    scalar_check(r, &ev) == -1) {
			if (ev.type != YAML_SCALAR_EVENT)
				reader_fail(r, &ev.start_mark, "keys must be "
				    "plain strings");
			yaml_event_delete(&ev);
			return -1;
		}
		if ((key = strdup((const char *)ev.data.scalar.value)) == NULL) {
			yaml_event_delete(&ev);
			err_set_code(r->e, EX_OSERR, "out of memory");
			return -1;
		}
		if (cJSON_GetObjectItemCaseSensitive(into, key) != NULL) {
			char	msg[200];

			snprintf(msg, sizeof(msg), "duplicate key \"%.100s\"",
			    key);
			reader_fail(r, &ev.start_mark, msg);
			yaml_event_delete(&ev);
			free(key);
			return -1;
		}
		yaml_event_delete(&ev);
		if (next_event(r, &ev) == -1 ||
		    read_node(r, &ev, depth, &value) == -1) {
			free(key);
			return -1;
		}
		cJSON_AddItemToObject(into, key, value);
		free(key);
	}
}

/* One node starting with ev (consumed). */
static int
read_node(struct yaml_reader *r, yaml_event_t *ev, int depth, cJSON **out)
{
	cJSON	*node = NULL;
	int	 mapping = ev->type == YAML_MAPPING_START_EVENT;

	if (depth > YAML_MAX_DEPTH) {
		reader_fail(r, &ev->start_mark, "nested too deeply");
		goto fail;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		reader_fail(r, &ev->start_mark, "aliases are not supported");
		goto fail;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL) {
			reader_fail(r, &ev->start_mark, "anchors are not "
			    "supported");
			goto fail;
		}
		if (scalar_check(r, ev) == -1)
			goto fail;
		if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			node = cJSON_CreateString((const char *)
			    ev->data.scalar.value);
		else if (plain_scalar(r, ev, &node) == -1)
			goto fail;
		yaml_event_delete(ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((mapping ? ev->data.mapping_start.anchor :
		    ev->data.sequence_start.anchor) != NULL) {
			reader_fail(r, &ev->start_mark, "anchors are not "
			    "supported");
			goto fail;
		}
		yaml_event_delete(ev);
		node = mapping ? cJSON_CreateObject() : cJSON_CreateArray();
		if (node != NULL &&
		    read_collection(r, mapping, depth + 1, node) == -1) {
			cJSON_Delete(node);
			return -1;
		}
		break;
	default:
		reader_fail(r, &ev->start_mark, "unexpected YAML event");
		goto fail;
	}
	if (node == NULL) {
		err_set_code(r->e, EX_OSERR, "out of memory");
		return -1;
	}
	*out = node;
	return 0;
 fail:
	yaml_event_delete(ev);
	return -1;
}

int
yaml_parse(const char *name, const char *text, size_t len, cJSON **out,
    struct err *e)
{
	struct yaml_reader	 r = { .name = name, .e = e };
	yaml_event_t		 ev;
	cJSON			*doc = NULL;
	int			 rc = -1;

	if (!yaml_parser_initialize(&r.parser)) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text,
	    len);
	/* STREAM-START, DOCUMENT-START, the root node, DOCUMENT-END, then STREAM-END. */
	if (next_event(&r, &ev) == -1)
		goto out;
	yaml_event_delete(&ev);
	if (next_event(&r, &ev) == -1)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		err_set_code(e, EX_DATAERR, "%s: empty document", name);
		goto out;
	}
	yaml_event_delete(&ev);
	if (next_event(&r, &ev) == -1 || read_node(&r, &ev, 0, &doc) == -1)
		goto out;
	if (next_event(&r, &ev) == -1)	/* DOCUMENT-END */
		goto out;
	yaml_event_delete(&ev);
	if (next_event(&r, &ev) == -1)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		reader_fail(&r, &ev.start_mark, "only one document is allowed");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	*out = doc;
	doc = NULL;
	rc = 0;
 out:
	cJSON_Delete(doc);
	yaml_parser_delete(&r.parser);
	return rc;
}

int
yaml_load_stream(FILE *f, const char *name, cJSON **out, struct err *e)
{
	char	*text = NULL;
	size_t	 len = 0, cap = 0, n;
	int	 rc = -1;

	for (;;) {
		if (len + 1 >= cap) {
			char	*bigger;

			cap = cap ? cap * 2 : 8192;
			if (cap > YAML_MAX_FILE ||
			    (bigger = realloc(text, cap)) == NULL) {
				err_set_code(e, EX_DATAERR, "%s: larger than "
				    "%d bytes", name, YAML_MAX_FILE);
				goto out;
			}
			text = bigger;
		}
		if ((n = fread(text + len, 1, cap - len - 1, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		err_set_code(e, EX_IOERR, "%s: %s", name, strerror(errno));
		goto out;
	}
	text[len] = '\0';
	rc = yaml_parse(name, text, len, out, e);
 out:
	free(text);
	return rc;
}

int
yaml_load(const char *path, cJSON **out, struct err *e)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "rb")) == NULL) {
		err_set_code(e, EX_NOINPUT, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = yaml_load_stream(f, path, out, e);
	fclose(f);
	return rc;
}
