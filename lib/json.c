/* json.c: strict JSON text (RFC 8259) checked before cJSON reads it, and JSON text a YAML reader takes back. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "schedd/json.h"

#define JSON_DEPTH_MAX	512	/* containers; cJSON itself stops at 1000 */
#define KEY_SHOWN	100	/* bytes of a duplicate key a message shows */

/* What a scan found wrong, from the grammar's view or the content's. */
enum scan_fault {
	SCAN_OK,
	SCAN_SYNTAX,		/* not JSON by the grammar */
	SCAN_NUL,		/* \u0000 in a string */
	SCAN_SURROGATE,		/* \uD800-\uDFFF not in a pair */
	SCAN_RANGE,		/* a number a double cannot hold */
};

struct scan {
	const char	*p;		/* the next byte to read */
	int		 depth;		/* containers open */
	enum scan_fault	 fault;	/* the first fault of content, or SCAN_SYNTAX */
};

size_t
json_utf8_char(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp, min;
	size_t			 n;

	if (len == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2, cp = u[0] & 0x1f, min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3, cp = u[0] & 0x0f, min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4, cp = u[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
json_utf8_valid(const char *s, size_t len)
{
	size_t	n;

	for (size_t i = 0; i < len; i += n)
		if ((n = json_utf8_char(s + i, len - i)) == 0)
			return 0;
	return 1;
}

int
json_number_value(const char *text, size_t len, double *out)
{
	char	*end;
	double	 d = strtod(text, &end);

	if (end != text + len || !isfinite(d))
		return -1;
	/* strtod rounds what is too small to zero: refuse unless it was zero. */
	if (d == 0)
		for (const char *p = text; p < end && *p != 'e' && *p != 'E'; p++)
			if (*p >= '1' && *p <= '9')
				return -1;
	*out = d;
	return 0;
}

/* Note a fault of content; scanning goes on, as the grammar may still fail. */
static void
scan_note(struct scan *s, enum scan_fault f)
{
	if (s->fault == SCAN_OK)
		s->fault = f;
}

static int
scan_syntax(struct scan *s)
{
	s->fault = SCAN_SYNTAX;
	return -1;
}

static void
scan_space(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
		s->p++;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Four hex digits at p as a number, or -1. */
static long
hex4(const char *p)
{
	long	v = 0;

	for (int i = 0; i < 4; i++) {
		char	c = p[i];

		if (is_digit(c))
			v = v << 4 | (c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v << 4 | ((c | 0x20) - 'a' + 10);
		else
			return -1;	/* also at the end of the text */
	}
	return v;
}

static int
scan_string(struct scan *s)
{
	long	cp, low;

	for (s->p++; *s->p != '"'; ) {
		if ((unsigned char)*s->p < 0x20)	/* also the end */
			return scan_syntax(s);
		if (*s->p++ != '\\')
			continue;
		if (*s->p != '\0' && strchr("\"\\/bfnrt", *s->p) != NULL) {
			s->p++;
			continue;
		}
		if (*s->p != 'u' || (cp = hex4(s->p + 1)) == -1)
			return scan_syntax(s);
		s->p += 5;
		if (cp == 0)
			scan_note(s, SCAN_NUL);
		else if (cp >= 0xd800 && cp <= 0xdbff && s->p[0] == '\\' &&
		    s->p[1] == 'u' && (low = hex4(s->p + 2)) >= 0xdc00 &&
		    low <= 0xdfff)
			s->p += 6;
		else if (cp >= 0xd800 && cp <= 0xdfff)
			scan_note(s, SCAN_SURROGATE);
	}
	s->p++;
	return 0;
}

static int
scan_number(struct scan *s)
{
	const char	*start = s->p;
	double		 d;

	if (*s->p == '-')
		s->p++;
	if (!is_digit(*s->p))
		return scan_syntax(s);
	/* A leading zero stands alone: 007 is not a JSON number. */
	if (*s->p++ != '0')
		while (is_digit(*s->p))
			s->p++;
	if (*s->p == '.') {
		if (!is_digit(*++s->p))
			return scan_syntax(s);
		while (is_digit(*s->p))
			s->p++;
	}
	if (*s->p == 'e' || *s->p == 'E') {
		s->p++;
		if (*s->p == '+' || *s->p == '-')
			s->p++;
		if (!is_digit(*s->p))
			return scan_syntax(s);
		while (is_digit(*s->p))
			s->p++;
	}
	if (json_number_value(start, (size_t)(s->p - start), &d) == -1)
		scan_note(s, SCAN_RANGE);
	return 0;
}

static int	scan_value(struct scan *);

/* An object or an array, from its opening bracket. */
static int
scan_container(struct scan *s)
{
	char	close = *s->p == '{' ? '}' : ']';

	if (++s->depth > JSON_DEPTH_MAX)
		return scan_syntax(s);
	s->p++;
	scan_space(s);
	if (*s->p != close)
		for (;;) {
			if (close == '}') {
				scan_space(s);
				if (*s->p != '"' || scan_string(s) == -1)
					return scan_syntax(s);
				scan_space(s);
				if (*s->p != ':')
					return scan_syntax(s);
				s->p++;
			}
			if (scan_value(s) == -1)
				return -1;
			scan_space(s);
			if (*s->p == close)
				break;
			if (*s->p != ',')
				return scan_syntax(s);
			s->p++;
		}
	s->p++;
	s->depth--;
	return 0;
}

/* A literal word: true, false or null. */
static int
scan_word(struct scan *s, const char *word)
{
	size_t	n = strlen(word);

	if (strncmp(s->p, word, n) != 0)
		return scan_syntax(s);
	s->p += n;
	return 0;
}

static int
scan_value(struct scan *s)
{
	scan_space(s);
	switch (*s->p) {
	case '{':
	case '[':
		return scan_container(s);
	case '"':
		return scan_string(s);
	case 't':
		return scan_word(s, "true");
	case 'f':
		return scan_word(s, "false");
	case 'n':
		return scan_word(s, "null");
	default:
		return scan_number(s);
	}
}

/* Scan the whole of text: one value and white space around it. */
static enum scan_fault
scan_text(const char *text)
{
	struct scan	s = { .p = text };

	if (scan_value(&s) == -1)
		return SCAN_SYNTAX;
	scan_space(&s);
	return *s.p == '\0' ? s.fault : SCAN_SYNTAX;
}

int
json_valid(const char *text)
{
	return scan_text(text) != SCAN_SYNTAX;
}

static int
key_compare(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
json_unique_keys(const cJSON *node, struct err *e)
{
	const cJSON	 *child;
	const char	**keys = NULL;
	size_t		  n = 0;
	int		  rc = -1;

	if (cJSON_IsObject(node) && node->child != NULL &&
	    node->child->next != NULL) {
		/* Sorted, a repeated key sits next to its twin: n log n, not n². */
		cJSON_ArrayForEach(child, node)
			n++;
		if ((keys = malloc(n * sizeof(*keys))) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		n = 0;
		cJSON_ArrayForEach(child, node)
			keys[n++] = child->string;
		qsort(keys, n, sizeof(*keys), key_compare);
		for (size_t i = 1; i < n; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0) {
				err_set_code(e, EX_DATAERR, "duplicate key "
				    "\"%.*s\"", KEY_SHOWN, keys[i]);
				goto out;
			}
	}
	cJSON_ArrayForEach(child, node)
		if (json_unique_keys(child, e) == -1)
			goto out;
	rc = 0;
 out:
	free(keys);
	return rc;
}

int
json_parse_strict(const char *text, cJSON **out, struct err *e)
{
	static const char *const faults[] = {
		[SCAN_SYNTAX] = "not valid JSON",
		[SCAN_NUL] = JSON_NUL_MSG,
		[SCAN_SURROGATE] = "a \\u escape is half of a UTF-16 surrogate "
		    "pair",
		[SCAN_RANGE] = JSON_RANGE_MSG,
	};
	enum scan_fault	 fault;
	cJSON		*doc;

	*out = NULL;
	if (!json_utf8_valid(text, strlen(text))) {
		err_set_code(e, EX_DATAERR, "not valid UTF-8");
		return -1;
	}
	if ((fault = scan_text(text)) != SCAN_OK) {
		err_set_code(e, EX_DATAERR, "%s", faults[fault]);
		return -1;
	}
	if ((doc = cJSON_ParseWithOpts(text, NULL, 1)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (json_unique_keys(doc, e) == -1) {
		cJSON_Delete(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

/* The code point YAML takes only as an escape at the UTF-8 character s, or -1. */
static long
yaml_unsafe(const unsigned char *s)
{
	if (s[0] == 0x7f)
		return 0x7f;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return s[1];
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 0x2000 | (s[2] - 0x80);
	if (s[0] == 0xef && ((s[1] == 0xbb && s[2] == 0xbf) ||
	    (s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))))
		return 0xf000 | (s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return -1;
}

/*
 * Copy the len bytes of text to out with the characters yaml_unsafe names
 * escaped; with out NULL only count. Returns the length of the copy.
 */
static size_t
escape_unsafe(const char *text, size_t len, char *out)
{
	size_t	used = 0, n;
	long	cp;
	char	esc[8];

	for (size_t i = 0; i < len; i += n) {
		n = json_utf8_char(text + i, len - i);
		n = n ? n : 1;
		cp = n > 1 || text[i] == 0x7f ?
		    yaml_unsafe((const unsigned char *)text + i) : -1;
		if (cp == -1) {
			if (out != NULL)
				memcpy(out + used, text + i, n);
			used += n;
			continue;
		}
		snprintf(esc, sizeof(esc), "\\u%04lX", cp);
		if (out != NULL)
			memcpy(out + used, esc, 6);
		used += 6;
	}
	return used;
}

char *
json_print(const cJSON *item, int formatted)
{
	char	*text, *out;
	size_t	 len, escaped;

	if ((text = formatted ? cJSON_Print(item) :
	    cJSON_PrintUnformatted(item)) == NULL)
		return NULL;
	/* cJSON writes only ASCII outside strings: what is escaped is inside one. */
	len = strlen(text);
	if ((escaped = escape_unsafe(text, len, NULL)) == len)
		return text;
	if ((out = malloc(escaped + 1)) != NULL) {
		escape_unsafe(text, len, out);
		out[escaped] = '\0';
	}
	free(text);
	return out;
}
