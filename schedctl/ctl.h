/* ctl.h: what schedctl's subcommands share: global options, exit codes, messages. */
#ifndef SCHEDCTL_CTL_H
#define SCHEDCTL_CTL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

#include "schedd/config.h"
#include "schedd/err.h"
#include "schedd/schedule.h"

struct ctl {
	const char	*db_path;	/* --db, else $SCHEDD_DB, else scheduler.db, else the default */
	const char	*db_option;	/* --db as given, NULL: none */
	const char	*config_path;	/* --config */
	struct config	 conf;		/* the config file read (or the defaults), once the options are known */
	int		 offline;	/* --offline: no check against Admin */
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
	{ "offline",	no_argument,		NULL,	'F' },		\
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
 * line on stderr. At the end the config is read (ctl_configure). Returns the
 * subcommand's next own option, -1 at the end, or CTL_EXIT with *code set
 * (EX_OK after --help, else the error's).
 */
int	ctl_getopt(struct ctl *ctl, int argc, char **argv, const char *shorts,
	    const struct option *options, const char *help, int *code);

/*
 * Read the config: --config, else CONFIG_DEFAULT_PATH when it exists (a
 * named file that is missing or unreadable is EX_NOINPUT), and settle the
 * database: --db, else $SCHEDD_DB, else scheduler.db, else
 * CONFIG_DEFAULT_DB. Returns 0, or -1 with e.
 */
int	ctl_configure(struct ctl *ctl, struct err *e);

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

#define CTL_APPLY_MAX	100000	/* schedules one apply file may expand to */

struct selector;
struct store;

/*
 * The names of the schedules sel matches, in name order, as a new JSON
 * array in *names (caller deletes). Returns 0, or -1 with e.
 */
int	ctl_selected_names(struct store *st, const struct selector *sel,
	    struct cJSON **names, struct err *e);

#define CTL_TIME_MAX	32	/* an RFC 3339 instant with offset, and its NUL */
#define CTL_NEXT_MAX	16	/* ctl_next_fires gives at most this many */

/*
 * The next n (at most CTL_NEXT_MAX) fire instants of s after ctl->now
 * (cron_next_fires), as RFC 3339 in its zone. Returns how many were written (fewer past year 9999), or -1 with e.
 */
int	ctl_next_fires(struct ctl *ctl, const struct schedule *s, int n,
	    char (*out)[CTL_TIME_MAX], struct err *e);

/* Flyte Admin from schedctl (check.c): the daemon's client, on a loop run until its requests end. */
struct ctl_admin;

/* What one request ended with, after the client's retries. */
struct ctl_answer {
	long	 status;	/* HTTP, 0: no response */
	int	 attempts;
	char	*body;		/* the body, or the transport error when status is 0; caller frees */
};

/* A client built from ctl->conf (admin.endpoint set). Returns 0, or -1 with e. */
int	ctl_admin_open(struct ctl *ctl, struct ctl_admin **out, struct err *e);
void	ctl_admin_close(struct ctl_admin *ca);

/* Queue METHOD path [body]; answer is filled by ctl_admin_wait. Returns 0, or -1 with e. */
int	ctl_admin_queue(struct ctl_admin *ca, const char *method,
	    const char *path, const char *body, struct ctl_answer *answer,
	    struct err *e);

/* Run the loop until every queued request has its answer. Returns 0, or -1 with e. */
int	ctl_admin_wait(struct ctl_admin *ca, struct err *e);

/* Set e (EX_UNAVAILABLE) for an answer that is no answer: Admin unreachable, failing, refusing. Returns -1. */
int	ctl_admin_unavailable(const struct ctl *ctl, const struct ctl_answer *a,
	    struct err *e);

/* What the check against Admin found for one schedule (check.c). */
struct ctl_verdict {
	int	 code;		/* 0: fine; else refused (EX_DATAERR) */
	int	 native;	/* its launch plan is ACTIVE with its own schedule in Flyte */
	char	 version[256];	/* the launch plan version checked against */
	char	 why[1200];	/* refused: "input X: ..." or "launch plan ... not found" */
};

/*
 * Check n schedules against Admin (each launch plan asked for once, all at
 * once): the launch plan and version exist, every input is in its
 * interface and converts to its type as at a fire (execution_inputs),
 * required inputs are given, the kickoff input is a datetime. Returns 1
 * with out filled, 0 when nothing was checked (--offline, no
 * admin.endpoint, n 0: out zeroed), or -1 with e (EX_UNAVAILABLE: Admin
 * unreachable or failing after the client's retries).
 */
int	ctl_check(struct ctl *ctl, const struct schedule *const *list,
	    size_t n, struct ctl_verdict *out, struct err *e);

/* One warning line on stderr per launch plan of the verdicts that fires by itself in Flyte. */
void	ctl_check_warn(const struct schedule *const *list, size_t n,
	    const struct ctl_verdict *v);

/*
 * Say what the check found: the warnings (ctl_check_warn) and the first
 * refusal ("schedctl: schedule N: why"). Returns EX_OK or its code.
 */
int	ctl_check_report(const struct schedule *const *list, size_t n,
	    const struct ctl_verdict *v);

/* ctl_check, then ctl_check_report (or the check's error). Returns a sysexits code, EX_OK to go on. */
int	ctl_check_or_fail(struct ctl *ctl, const struct schedule *const *list,
	    size_t n);

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
int	cmd_import(struct ctl *ctl, int argc, char **argv);

#endif
