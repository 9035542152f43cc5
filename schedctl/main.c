/* main.c: schedctl's entry: global options, then one subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedd/civil.h"
#include "ctl.h"

static const struct {
	const char	*name;
	int		(*run)(struct ctl *, int, char **);
	const char	*summary;
} commands[] = {
	{ "add",	cmd_add,	"add a schedule" },
	{ "update",	cmd_update,	"change fields of a schedule" },
	{ "remove",	cmd_remove,	"remove schedules (by name or --selector)" },
	{ "pause",	cmd_pause,	"stop firing schedules until resumed" },
	{ "resume",	cmd_resume,	"fire paused schedules again, from now on" },
	{ "repin",	cmd_repin,	"move pinned schedules of a launch plan to a version" },
	{ "list",	cmd_list,	"list schedules (optionally by --selector)" },
	{ "show",	cmd_show,	"show a schedule, its next fires and last runs" },
	{ "history",	cmd_history,	"show runs, newest first" },
	{ "trigger",	cmd_trigger,	"fire a schedule once, now" },
	{ "backfill",	cmd_backfill,	"fire a schedule's instants in a past range" },
	{ "apply",	cmd_apply,	"make the schedules match a YAML or JSON file" },
	{ "export",	cmd_export,	"write schedules as a file apply reads back" },
	{ "import",	cmd_import,	"turn launch plans' native schedules into schedules" },
	{ "status",	cmd_status,	"daemon liveness, pending, late and failing schedules" },
	{ "next",	cmd_next,	"print the next fire instants of a cron expression" },
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: schedctl [--db PATH] [--config FILE] [--offline] "
	    "[-o table|json|yaml] COMMAND [ARGS]\n       schedctl --version\n"
	    "\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(out,
	    "\nRun 'schedctl COMMAND --help' for a command's options and "
	    "examples.\n"
	    "The config is --config FILE, else %s when it exists\n"
	    "(flytectl-style YAML, as schedd reads it). The database is --db, "
	    "else\n$SCHEDD_DB, else the config's scheduler.db, else %s.\n"
	    "add, update, apply, repin and import check each schedule against "
	    "Flyte\nAdmin when the config names admin.endpoint; --offline "
	    "skips the check\n(for CI without Admin).\n",
	    CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_DB);
}

/* The current time: the clock, or $SCHEDD_NOW (RFC 3339) so tests need not sleep. */
static int
read_now(struct ctl *ctl)
{
	const char	*fake = getenv("SCHEDD_NOW");
	struct err	 e;

	if (fake == NULL || *fake == '\0') {
		ctl->now = (int64_t)time(NULL);
		return 0;
	}
	if (civil_parse_rfc3339(fake, &ctl->now, &e) == -1)
		return ctl_fail(EX_USAGE, "SCHEDD_NOW: %s", e.msg);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl			 ctl;
	int				 opt, rc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.tzdir = getenv("TZDIR");
	if (ctl.tzdir != NULL && *ctl.tzdir == '\0')
		ctl.tzdir = NULL;
	if ((rc = read_now(&ctl)) != 0)
		return rc;

	opterr = 0;
	/* '+': stop at the command; its own options are parsed by it. */
	while ((opt = getopt_long(argc, argv, "+" CTL_GLOBAL_SHORT, options,
	    NULL)) != -1) {
		if (opt == '?') {
			char	what[300];

			ctl_bad_option(argc, argv, what, sizeof(what));
			return ctl_fail(EX_USAGE, "%s (see schedctl --help)",
			    what);
		}
		if (opt == 'V') {
			printf("schedctl %s\n", SCHEDD_VERSION);
			return EX_OK;
		}
		if ((rc = ctl_global_option(&ctl, opt, optarg)) == 1) {
			usage(stdout);
			return EX_OK;
		}
		if (rc != 0)
			return rc;
	}
	if (optind >= argc)
		return ctl_fail(EX_USAGE, "no command given (see schedctl "
		    "--help)");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* GNU getopt: start afresh */
			ctl.command = commands[i].name;
			rc = commands[i].run(&ctl, argc, argv);
			config_clear(&ctl.conf);
			return rc;
		}
	return ctl_fail(EX_USAGE, "unknown command \"%s\"; run schedctl --help",
	    argv[optind]);
}
