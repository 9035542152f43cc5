/* ctl.c: helpers every schedctl subcommand uses: messages, global options, next fires, selected schedules. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/json.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "schedd/tz.h"
#include "ctl.h"

int
ctl_fail(int code, const char *fmt, ...)
{
	va_list	ap;
	char	msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line of UTF-8 text, whatever the user typed into a name or value. */
	for (size_t i = 0, len = strlen(msg), n; i < len; i += n)
		if ((n = json_utf8_char(msg + i, len - i)) == 0 ||
		    (unsigned char)msg[i] < 0x20 || msg[i] == 0x7f) {
			msg[i] = '?';
			n = 1;
		}
	fprintf(stderr, "schedctl: %s\n", msg);
	return code;
}

int
ctl_fail_err(const struct err *e, int fallback)
{
	return ctl_fail(e->code ? e->code : fallback, "%s", e->msg);
}

int
ctl_usage_error(const char *command, const char *what)
{
	return ctl_fail(EX_USAGE, "%s: %s (see schedctl %s --help)", command,
	    what, command);
}

void
ctl_bad_option(int argc, char **argv, char *buf, size_t len)
{
	/*
	 * A long option is the word getopt just passed; a short one may sit
	 * inside a cluster ("-Zq"), so name it by optopt.
	 */
	if (optind > 0 && optind <= argc &&
	    strncmp(argv[optind - 1], "--", 2) == 0)
		snprintf(buf, len, "unknown option or missing value: %s",
		    argv[optind - 1]);
	else
		snprintf(buf, len, "unknown option or missing value: -%c",
		    optopt ? optopt : '?');
}

int
ctl_getopt(struct ctl *ctl, int argc, char **argv, const char *shorts,
    const struct option *options, const char *help, int *code)
{
	int	opt, rc;

	opterr = 0;	/* we say it ourselves, in one line */
	for (;;) {
		if ((opt = getopt_long(argc, argv, shorts, options, NULL)) == -1) {
			struct err	e;

			if (ctl_configure(ctl, &e) == 0)
				return -1;
			*code = ctl_fail(e.code ? e.code : EX_CONFIG, "config: %s",
			    e.msg);
			return CTL_EXIT;
		}
		if (opt == '?') {
			char	what[300];

			ctl_bad_option(argc, argv, what, sizeof(what));
			*code = ctl_usage_error(ctl->command, what);
			return CTL_EXIT;
		}
		if (opt != 'D' && opt != 'C' && opt != 'F' && opt != 'o' &&
		    opt != 'h')
			return opt;
		if ((rc = ctl_global_option(ctl, opt, optarg)) == 0)
			continue;
		if (rc == 1)
			fputs(help, stdout);
		*code = rc == 1 ? EX_OK : rc;
		return CTL_EXIT;
	}
}

int
ctl_global_option(struct ctl *ctl, int opt, const char *arg)
{
	switch (opt) {
	case 'D':
		ctl->db_option = arg;
		return 0;
	case 'C':
		ctl->config_path = arg;
		return 0;
	case 'F':
		ctl->offline = 1;
		return 0;
	case 'o':
		if (strcmp(arg, "table") != 0 && strcmp(arg, "json") != 0 &&
		    strcmp(arg, "yaml") != 0)
			return ctl_fail(EX_USAGE,
			    "-o: \"%s\" is not table, json or yaml", arg);
		ctl->json = strcmp(arg, "table") != 0;
		ctl->yaml = strcmp(arg, "yaml") == 0;
		return 0;
	case 'h':
		return 1;
	default:
		return EX_USAGE;
	}
}

int
ctl_configure(struct ctl *ctl, struct err *e)
{
	const char	*path = ctl->config_path, *env = getenv("SCHEDD_DB");

	config_clear(&ctl->conf);
	if (config_defaults(&ctl->conf, e) == -1)
		return -1;
	/* The default file is optional; a named one must exist. */
	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path != NULL && config_load(path, &ctl->conf, NULL, e) == -1)
		return -1;
	if (ctl->db_option != NULL)
		ctl->db_path = ctl->db_option;
	else if (env != NULL && *env != '\0')
		ctl->db_path = env;
	else
		ctl->db_path = ctl->conf.db;
	return 0;
}

int
ctl_next_fires(struct ctl *ctl, const struct schedule *s, int n,
    char (*out)[CTL_TIME_MAX], struct err *e)
{
	struct tz_zone	*zone = NULL;
	int64_t		 at[CTL_NEXT_MAX];
	int		 count;

	if (n > CTL_NEXT_MAX)
		n = CTL_NEXT_MAX;
	if (tz_zone_load(ctl->tzdir, s->tz, &zone, e) == -1)
		return -1;
	count = cron_next_fires(s->cron, zone, s->created_at, ctl->now, n, at,
	    e);
	for (int i = 0; i < count; i++)
		if (civil_format_rfc3339(at[i], tz_offset_at(zone, at[i]),
		    out[i], CTL_TIME_MAX) == -1) {
			count = i;
			break;
		}
	tz_zone_free(zone);
	return count;
}

struct selected {
	const struct selector	*sel;
	cJSON			*names;
};

static int
selected_one(const struct schedule *s, void *arg, struct err *e)
{
	struct selected	*sd = arg;

	if (selector_match(sd->sel, s->labels) &&
	    !cJSON_AddItemToArray(sd->names, cJSON_CreateString(s->name))) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

int
ctl_selected_names(struct store *st, const struct selector *sel,
    cJSON **names, struct err *e)
{
	struct selected	sd = { sel, cJSON_CreateArray() };

	if (sd.names == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (store_schedule_each(st, selected_one, &sd, e) == -1) {
		cJSON_Delete(sd.names);
		return -1;
	}
	*names = sd.names;
	return 0;
}
