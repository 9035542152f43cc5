/* ctl.c: helpers every schedctl subcommand uses: messages, global options, next fires. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/tz.h"
#include "ctl.h"

int
ctl_fail(int code, const char *fmt, ...)
{
	va_list	ap;

	fputs("schedctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
ctl_global_option(struct ctl *ctl, int opt, const char *arg)
{
	switch (opt) {
	case 'D':
		ctl->db_path = arg;
		return 0;
	case 'C':
		ctl->config_path = arg;
		return 0;
	case 'o':
		if (strcmp(arg, "json") == 0)
			ctl->json = 1;
		else if (strcmp(arg, "table") == 0)
			ctl->json = 0;
		else
			return ctl_fail(EX_USAGE,
			    "-o: \"%s\" is not table or json", arg);
		return 0;
	case 'h':
		return 1;
	default:
		return EX_USAGE;
	}
}

int
ctl_next_fires(struct ctl *ctl, const struct schedule *s, int n,
    char (*out)[CTL_TIME_MAX], struct err *e)
{
	struct cron_expr	 expr;
	struct tz_zone		*zone = NULL;
	int64_t			 t = ctl->now;
	int			 count = 0;

	if (cron_parse(s->cron, &expr, e) == -1 ||
	    tz_zone_load(ctl->tzdir, s->tz, &zone, e) == -1)
		return -1;
	expr.anchor = s->created_at;
	while (count < n && cron_next(&expr, zone, t, &t) == 0 &&
	    civil_format_rfc3339(t, tz_offset_at(zone, t), out[count],
	    CTL_TIME_MAX) == 0)
		count++;
	tz_zone_free(zone);
	return count;
}
