/* next.c: schedctl next: preview the fire instants of an expression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/tz.h"
#include "ctl.h"

#define NEXT_MAX	100000

static const char next_help[] =
    "usage: schedctl next EXPR [--tz ZONE] [--after RFC3339] [-n N]\n"
    "\n"
    "Print the next N (default 5) fire instants of a cron expression\n"
    "after a moment (default now), in RFC 3339 with the zone's offset,\n"
    "one a line; exactly what schedd would fire.\n"
    "\n"
    "examples:\n"
    "  schedctl next '0 */6 * * *' --tz Asia/Shanghai -n 4\n"
    "  schedctl next '30 2 * * *' --tz America/New_York "
    "--after 2026-03-07T12:00:00Z -n 2\n"
    "  schedctl next '0 0 L * *' -n 12\n"
    "  schedctl next '@every 90m' --after 2026-11-26T00:00:00Z\n";

int
cmd_next(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "tz",		required_argument,	NULL,	't' },
		{ "after",	required_argument,	NULL,	'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*zone_name = "UTC", *text;
	struct tz_zone		*zone = NULL;
	struct cron_expr	 expr;
	struct err		 e;
	int64_t			 t = ctl->now, count = 5;
	char			*end, line[64];
	cJSON			*doc = NULL, *list = NULL;
	int			 opt, rc;

	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT "n:", options,
	    next_help, &rc)) != -1) {
		switch (opt) {
		case CTL_EXIT:
			return rc;
		case 't':
			zone_name = optarg;
			break;
		case 'a':
			if (civil_parse_rfc3339(optarg, &t, &e) == -1)
				return ctl_fail(EX_DATAERR, "--after: %s",
				    e.msg);
			break;
		case 'n':
			count = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || count < 1 ||
			    count > NEXT_MAX)
				return ctl_fail(EX_USAGE,
				    "-n: \"%s\" is not a number from 1 to %d",
				    optarg, NEXT_MAX);
			break;
		}
	}
	if (argc - optind != 1)
		return ctl_usage_error("next", "expected one EXPR");
	text = argv[optind];
	if (cron_parse(text, &expr, &e) == -1)
		return ctl_fail(EX_DATAERR, "cron \"%s\": %s", text, e.msg);
	if (tz_zone_load(ctl->tzdir, zone_name, &zone, &e) == -1)
		return ctl_fail(EX_DATAERR, "--tz: %s", e.msg);
	/* A preview of @every starts counting at --after. */
	expr.anchor = t;

	if (ctl->json && ((doc = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(doc, "expression", text) == NULL ||
	    cJSON_AddStringToObject(doc, "timezone", zone_name) == NULL ||
	    (list = cJSON_AddArrayToObject(doc, "next")) == NULL))
		goto nomem;
	for (int64_t i = 0; i < count; i++) {
		if (cron_next(&expr, zone, t, &t) == -1 ||
		    civil_format_rfc3339(t, tz_offset_at(zone, t), line,
		    sizeof(line)) == -1)
			break;	/* past year 9999: nothing more to show */
		if (!ctl->json)
			printf("%s\n", line);
		else if (!cJSON_AddItemToArray(list, cJSON_CreateString(line)))
			goto nomem;
	}
	if (ctl->json) {
		rc = ctl_print_doc(ctl, doc);
		doc = NULL;
		goto out;
	}
	rc = EX_OK;
	goto out;
 nomem:
	rc = ctl_fail(EX_OSERR, "out of memory");
 out:
	cJSON_Delete(doc);
	tz_zone_free(zone);
	return rc;
}
