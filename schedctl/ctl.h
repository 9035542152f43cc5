/* ctl.h: what schedctl's subcommands share: global options, exit codes, messages. */
#ifndef SCHEDCTL_CTL_H
#define SCHEDCTL_CTL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

#include "schedd/err.h"
#include "schedd/schedule.h"

struct ctl {
	const char	*db_path;	/* --db, else $SCHEDD_DB, else the default */
	const char	*config_path;	/* --config */
	const char	*tzdir;		/* $TZDIR, else NULL (the system's) */
	int		 json;		/* -o json or yaml: one document on stdout */
	int		 yaml;		/* -o yaml: that document as YAML */
	int64_t		 now;		/* the current time; $SCHEDD_NOW in tests */
	const char	*command;	/* the subcommand running, for messages */
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

#define CTL_EXIT	(-2)	/* ctl_getopt: the command is over, with *code */

/*
 * getopt_long over a subcommand's options (its table includes
 * CTL_GLOBAL_OPTIONS, its short options string CTL_GLOBAL_SHORT): the global
 * options are taken here, --help prints help on stdout, a bad option is one
 * line on stderr. Returns the subcommand's next own option, -1 at the end,
 * or CTL_EXIT with *code set (EX_OK after --help, else the error's).
 */
int	ctl_getopt(struct ctl *ctl, int argc, char **argv, const char *shorts,
	    const struct option *options, const char *help, int *code);

struct cJSON;

/*
 * Print doc (-o json: one line of JSON; -o yaml: block YAML) and free it.
 * NULL is out of memory. Returns EX_OK, or EX_OSERR after saying so.
 */
int	ctl_print_doc(const struct ctl *ctl, struct cJSON *doc);

/* Print e's message; return its code, or fallback when it has none. */
int	ctl_fail_err(const struct err *e, int fallback);

/* After getopt returned '?': "unknown option or missing value: X" into buf. */
void	ctl_bad_option(int argc, char **argv, char *buf, size_t len);

/* A wrong number of operands: one line naming the command, and EX_USAGE. */
int	ctl_usage_error(const char *command, const char *what);

/* Print "schedctl: <message>" on stderr and return code. */
int	ctl_fail(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

struct selector;
struct store;

/*
 * The names of the schedules sel matches, in name order, as a new JSON
 * array in *names (caller deletes). Returns 0, or -1 with e.
 */
int	ctl_selected_names(struct store *st, const struct selector *sel,
	    struct cJSON **names, struct err *e);

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
