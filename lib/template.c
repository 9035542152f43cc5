/* template.c: {{kickoff_time}}, {{kickoff_time:FORMAT}} and {{schedule_name}} in string inputs. */
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

/*
 * strftime for the kickoff instant in the schedule's zone, with struct tm
 * filled from our own calendar: no TZ, no localtime. The format was checked
 * by check_body against format_conversions.
 */
static void
format_kickoff(const struct template_context *ctx, const char *format,
    size_t len, char *out, size_t outlen)
{
	struct civil_time	ct;
	struct tm		tm;
	char			fmt[256];
	int64_t			day;

	civil_from_seconds(ctx->kickoff + ctx->offset, &ct);
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
	tm.tm_gmtoff = ctx->offset;
	tm.tm_zone = "";
	snprintf(fmt, sizeof(fmt), "%.*s", (int)len, format);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(out, outlen, fmt, &tm) == 0)
		out[0] = '\0';
#pragma GCC diagnostic pop
}

/* Check one "{{...}}" body (between the braces). */
static int
check_body(const char *body, size_t len)
{
	if (len == 12 && strncmp(body, "kickoff_time", 12) == 0)
		return 0;
	if (len == 13 && strncmp(body, "schedule_name", 13) == 0)
		return 0;
	if (len > 13 && strncmp(body, "kickoff_time:", 13) == 0) {
		for (size_t i = 13; i < len; i++)
			if (body[i] == '%' && (i + 1 == len ||
			    strchr(format_conversions, body[++i]) == NULL))
				return -1;
		return 0;
	}
	return -1;
}

/*
 * Walk the templates of s: check each, and when out is not NULL write the
 * expansion there. Returns 0, or -1 with e.
 */
static int
walk(const char *s, const struct template_context *ctx, char *out,
    size_t outlen, const char *input, struct err *e)
{
	size_t	used = 0;

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
		if (check_body(body, blen) == -1) {
			err_set_code(e, EX_DATAERR, "input %s: unknown template "
			    "\"{{%.*s}}\" (use kickoff_time, kickoff_time:FORMAT "
			    "or schedule_name)", input, (int)blen, body);
			return -1;
		}
		if (out != NULL) {
			if (blen == 13 && strncmp(body, "schedule_name", 13) == 0)
				snprintf(piece, sizeof(piece), "%s",
				    ctx->schedule_name);
			else if (blen == 12)
				civil_format_rfc3339(ctx->kickoff, 0, piece,
				    sizeof(piece));
			else
				format_kickoff(ctx, body + 13, blen - 13, piece,
				    sizeof(piece));
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
