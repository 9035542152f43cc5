/* ctl.h: what schedctl's subcommands share: global options, exit codes, messages. */
#ifndef SCHEDCTL_CTL_H
#define SCHEDCTL_CTL_H

#include <getopt.h>
#include <stdint.h>
#include <sysexits.h>

#include "schedd/err.h"
#include "schedd/schedule.h"

struct ctl {
	const char	*db_path;	/* --db, else $SCHEDD_DB, else the default */
	const char	*config_path;	/* --config */
	const char	*tzdir;		/* $TZDIR, else NULL (the system's) */
	int		 json;		/* -o json */
	int64_t		 now;		/* the current time; $SCHEDD_NOW in tests */
};

/* The long options every subcommand accepts, spliced into its own table. */
#define CTL_GLOBAL_OPTIONS						\
	{ "db",		required_argument,	NULL,	'D' },		\
	{ "config",	required_argument,	NULL,	'C' },		\
	{ "output",	required_argument,	NULL,	'o' },		\
	{ "help",	no_argument,		NULL,	'h' }
#define CTL_GLOBAL_SHORT	"o:h"

/*
 * Handle a global option returned by getopt_long. Returns 0 when handled,
 * 1 when it was -h (the caller prints its help), or an exit code on error.
 */
int	ctl_global_option(struct ctl *ctl, int opt, const char *arg);

/* Print "schedctl: <message>" on stderr and return code. */
int	ctl_fail(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define CTL_TIME_MAX	32	/* an RFC 3339 instant with offset, and its NUL */

/*
 * The next n fire instants of s after ctl->now, as RFC 3339 in its zone.
 * Returns how many were written (fewer past year 9999), or -1 with e.
 */
int	ctl_next_fires(struct ctl *ctl, const struct schedule *s, int n,
	    char (*out)[CTL_TIME_MAX], struct err *e);

/* Subcommands: each returns a sysexits code. */
int	cmd_next(struct ctl *ctl, int argc, char **argv);
int	cmd_add(struct ctl *ctl, int argc, char **argv);
int	cmd_update(struct ctl *ctl, int argc, char **argv);
int	cmd_remove(struct ctl *ctl, int argc, char **argv);
int	cmd_pause(struct ctl *ctl, int argc, char **argv);
int	cmd_resume(struct ctl *ctl, int argc, char **argv);
int	cmd_repin(struct ctl *ctl, int argc, char **argv);
int	cmd_list(struct ctl *ctl, int argc, char **argv);
int	cmd_show(struct ctl *ctl, int argc, char **argv);
int	cmd_history(struct ctl *ctl, int argc, char **argv);
int	cmd_status(struct ctl *ctl, int argc, char **argv);
int	cmd_trigger(struct ctl *ctl, int argc, char **argv);
int	cmd_backfill(struct ctl *ctl, int argc, char **argv);
int	cmd_apply(struct ctl *ctl, int argc, char **argv);
int	cmd_export(struct ctl *ctl, int argc, char **argv);

#endif
