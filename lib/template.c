/* template.c: {{kickoff_time}}, {{prev_kickoff_time}}, {{last_success_time|DEFAULT}} (each with :FORMAT) and {{schedule_name}} in string inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/template.h"

#define EXPANDED_MAX	4096	/* one expanded string */

/* strftime conversions that depend only on the fields we set. */
static const char	format_conversions[] = "aAbBcCdDeFgGhHIjmMnpRStTuUVwWyYzZ%";

/* What a template may name. */
enum template_name {
	NAME_KICKOFF,
	NAME_PREV_KICKOFF,
	NAME_LAST_SUCCESS,
	NAME_SCHEDULE
};

static const char *const template_names[] = {
	[NAME_KICKOFF] = "kickoff_time",
	[NAME_PREV_KICKOFF] = "prev_kickoff_time",
	[NAME_LAST_SUCCESS] = "last_success_time",
	[NAME_SCHEDULE] = "schedule_name",
};

#define TEMPLATE_USE	"use kickoff_time, prev_kickoff_time or "	\
			"last_success_time|DEFAULT, each with :FORMAT, or "	\
			"schedule_name"

/* One "{{...}}" body, parsed: NAME[:FORMAT][|DEFAULT]. */
struct template_ref {
	enum template_name	 name;
	const char		*format;	/* NULL: RFC 3339, UTC */
	size_t			 format_len;
	const char		*fallback;	/* the DEFAULT; NULL: none given */
	size_t			 fallback_len;
};

/*
 * strftime for an instant in the schedule's zone, with struct tm filled
 * from our own calendar: no TZ, no localtime. The format was checked by
 * ref_parse against format_conversions.
 */
static void
format_instant(const struct template_instant *at, const char *format,
    size_t len, char *out, size_t outlen)
{
	struct civil_time	ct;
	struct tm		tm;
	char			fmt[256];
	int64_t			day;

	civil_from_seconds(at->at + at->offset, &ct);
	day = civil_days_from_date(ct.year, ct.month, ct.day);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = ct.year - 1900;
	tm.tm_mon = ct.month - 1;
	tm.tm_mday = ct.day;
	tm.tm_hour = ct.hour;
	tm.tm_min = ct.minute;
	tm.tm_sec = ct.second;
	tm.tm_wday = civil_weekday(day);
	tm.tm_yday = (int)(day - civil_days_from_date(ct.year, 1, 1));
	tm.tm_gmtoff = at->offset;
	tm.tm_zone = "";
	snprintf(fmt, sizeof(fmt), "%.*s", (int)len, format);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(out, outlen, fmt, &tm) == 0)
		out[0] = '\0';
#pragma GCC diagnostic pop
}

/*
 * Parse one "{{...}}" body (between the braces, blanks trimmed): the
 * DEFAULT begins at the first '|', the FORMAT at the first ':' before it.
 * Returns 0, or -1 with e naming the input.
 */
static int
ref_parse(const char *body, size_t len, struct template_ref *ref,
    const char *input, struct err *e)
{
	const char	*bar = memchr(body, '|', len), *colon;
	size_t		 head = bar ? (size_t)(bar - body) : len, name_len;
	size_t		 i;

	memset(ref, 0, sizeof(*ref));
	if (bar != NULL) {
		ref->fallback = bar + 1;
		ref->fallback_len = len - head - 1;
		while (ref->fallback_len > 0 && *ref->fallback == ' ') {
			ref->fallback++;
			ref->fallback_len--;
		}
		while (head > 0 && body[head - 1] == ' ')
			head--;
	}
	colon = memchr(body, ':', head);
	name_len = colon ? (size_t)(colon - body) : head;
	for (i = 0; i < sizeof(template_names) / sizeof(template_names[0]); i++)
		if (strlen(template_names[i]) == name_len &&
		    strncmp(body, template_names[i], name_len) == 0)
			break;
	if (i == sizeof(template_names) / sizeof(template_names[0]) ||
	    (i == NAME_SCHEDULE && (colon != NULL || bar != NULL)) ||
	    (colon != NULL && colon + 1 == body + head))
		goto unknown;
	ref->name = (enum template_name)i;
	if (colon != NULL) {
		ref->format = colon + 1;
		ref->format_len = head - name_len - 1;
		for (i = 0; i < ref->format_len; i++)
			if (ref->format[i] == '%' && (i + 1 == ref->format_len ||
			    strchr(format_conversions, ref->format[++i]) == NULL))
				goto unknown;
	}
	if (ref->name == NAME_LAST_SUCCESS && bar == NULL) {
		err_set_code(e, EX_DATAERR, "input %s: \"{{%.*s}}\" needs a "
		    "default for while no run has succeeded, e.g. "
		    "{{last_success_time|1970-01-01T00:00:00Z}}", input,
		    (int)len, body);
		return -1;
	}
	if (ref->name != NAME_LAST_SUCCESS && bar != NULL) {
		err_set_code(e, EX_DATAERR, "input %s: \"{{%.*s}}\": only "
		    "last_success_time takes a |DEFAULT", input, (int)len, body);
		return -1;
	}
	return 0;
 unknown:
	err_set_code(e, EX_DATAERR, "input %s: unknown template \"{{%.*s}}\" "
	    "(" TEMPLATE_USE ")", input, (int)len, body);
	return -1;
}

/* The text ref stands for in ctx, into piece. Returns 0, or -1 with e. */
static int
ref_expand(const struct template_ref *ref, const struct template_context *ctx,
    char *piece, size_t len, const char *input, struct err *e)
{
	const struct template_instant	*at;

	switch (ref->name) {
	case NAME_SCHEDULE:
		snprintf(piece, len, "%s", ctx->schedule_name);
		return 0;
	case NAME_KICKOFF:
		at = &ctx->kickoff;
		break;
	case NAME_PREV_KICKOFF:
		at = &ctx->prev_kickoff;
		break;
	default:
		at = &ctx->last_success;
		break;
	}
	if (!at->known && ref->fallback != NULL) {
		snprintf(piece, len, "%.*s", (int)ref->fallback_len,
		    ref->fallback);
		return 0;
	}
	if (!at->known) {
		err_set_code(e, EX_DATAERR, "input %s: {{%s}}: the schedule has "
		    "no such instant", input, template_names[ref->name]);
		return -1;
	}
	if (ref->format == NULL)
		civil_format_rfc3339(at->at, 0, piece, len);
	else
		format_instant(at, ref->format, ref->format_len, piece, len);
	return 0;
}

/*
 * Walk the templates of s: check each, and when out is not NULL write the
 * expansion there. Returns 0, or -1 with e.
 */
static int
walk(const char *s, const struct template_context *ctx, char *out,
    size_t outlen, const char *input, struct err *e)
{
	struct template_ref	ref;
	size_t			used = 0;

	while (*s != '\0') {
		const char	*open = strstr(s, "{{"), *close, *body;
		char		 piece[256];
		size_t		 n, blen;

		n = open ? (size_t)(open - s) : strlen(s);
		if (out != NULL) {
			if (used + n >= outlen)
				goto toolong;
			memcpy(out + used, s, n);
			used += n;
		}
		if (open == NULL)
			break;
		if ((close = strstr(open + 2, "}}")) == NULL) {
			err_set_code(e, EX_DATAERR, "input %s: \"{{\" without "
			    "\"}}\"", input);
			return -1;
		}
		body = open + 2;
		blen = (size_t)(close - body);
		while (blen > 0 && *body == ' ') {
			body++;
			blen--;
		}
		while (blen > 0 && body[blen - 1] == ' ')
			blen--;
		if (ref_parse(body, blen, &ref, input, e) == -1)
			return -1;
		if (out != NULL) {
			if (ref_expand(&ref, ctx, piece, sizeof(piece), input,
			    e) == -1)
				return -1;
			n = strlen(piece);
			if (used + n >= outlen)
				goto toolong;
			memcpy(out + used, piece, n);
			used += n;
		}
		s = close + 2;
	}
	if (out != NULL)
		out[used] = '\0';
	return 0;
 toolong:
	err_set_code(e, EX_DATAERR, "input %s: longer than %d characters "
	    "once expanded", input, EXPANDED_MAX);
	return -1;
}

/* Check or expand every string under node (in place when expanding). */
static int
walk_json(cJSON *node, const struct template_context *ctx, const char *input,
    struct err *e)
{
	cJSON	*child;
	char	 buf[EXPANDED_MAX];

	if (cJSON_IsString(node)) {
		if (walk(node->valuestring, ctx, ctx ? buf : NULL, sizeof(buf),
		    input, e) == -1)
			return -1;
		if (ctx != NULL && strcmp(buf, node->valuestring) != 0 &&
		    cJSON_SetValuestring(node, buf) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		return 0;
	}
	cJSON_ArrayForEach(child, node)
		if (walk_json(child, ctx, input ? input : child->string,
		    e) == -1)
			return -1;
	return 0;
}

int
template_check(const char *inputs_json, struct err *e)
{
	cJSON	*doc = cJSON_Parse(inputs_json);
	int	 rc;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		err_set_code(e, EX_DATAERR, "inputs: not a JSON object");
		return -1;
	}
	rc = walk_json(doc, NULL, NULL, e);
	cJSON_Delete(doc);
	return rc;
}

unsigned
template_needs(const char *inputs_json)
{
	unsigned	needs = 0;

	if (strstr(inputs_json, template_names[NAME_PREV_KICKOFF]) != NULL)
		needs |= TEMPLATE_PREV_KICKOFF;
	if (strstr(inputs_json, template_names[NAME_LAST_SUCCESS]) != NULL)
		needs |= TEMPLATE_LAST_SUCCESS;
	return needs;
}

int
template_expand(const char *inputs_json, const struct template_context *ctx,
    char **out, struct err *e)
{
	cJSON	*doc = cJSON_Parse(inputs_json);
	int	 rc = -1;

	if (!cJSON_IsObject(doc)) {
		err_set_code(e, EX_DATAERR, "inputs: not a JSON object");
		goto out;
	}
	if (walk_json(doc, ctx, NULL, e) == -1)
		goto out;
	if ((*out = cJSON_PrintUnformatted(doc)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	rc = 0;
 out:
	cJSON_Delete(doc);
	return rc;
}
