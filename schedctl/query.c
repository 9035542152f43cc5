/* query.c: schedctl list, show and history: the commands that read schedules and runs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/execution.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "ctl.h"

#define SHOW_NEXT	5
#define SHOW_RUNS	10
#define HISTORY_LIMIT	50

/*
 * Parse a read command's options: the globals plus those in extra, handed
 * to take (NULL: none). Returns 0 to go on, or 1 when the command is over
 * with *code (help shown, or an error said).
 */
static int
query_options(struct ctl *ctl, int argc, char **argv,
    const struct option *extra, const char *shorts, const char *help,
    int (*take)(int opt, const char *arg, void *state), void *state,
    int *code)
{
	struct option	options[16] = { CTL_GLOBAL_OPTIONS };
	char		spec[32];
	int		n = 0, opt;

	while (options[n].name != NULL)	/* after the global options */
		n++;
	for (int i = 0; extra[i].name != NULL && n < 15; i++)
		options[n++] = extra[i];
	snprintf(spec, sizeof(spec), "%s%s", CTL_GLOBAL_SHORT, shorts);
	while ((opt = ctl_getopt(ctl, argc, argv, spec, options, help,
	    code)) != -1) {
		if (opt == CTL_EXIT)
			return 1;
		if (take != NULL && (*code = take(opt, optarg, state)) != 0)
			return 1;
	}
	return 0;
}

/* A schedule as JSON with its next fires. */
static cJSON *
schedule_json(struct ctl *ctl, const struct schedule *s, int nnext)
{
	char		 fires[SHOW_NEXT][CTL_TIME_MAX], *text;
	cJSON		*doc, *next;
	int		 n = 0;

	if (!s->paused && (n = ctl_next_fires(ctl, s, nnext, fires, NULL)) < 0)
		n = 0;
	doc = (text = schedule_to_json(s)) ? cJSON_Parse(text) : NULL;
	free(text);
	if ((next = cJSON_AddArrayToObject(doc, "next")) == NULL) {
		cJSON_Delete(doc);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(next, cJSON_CreateString(fires[i]));
	return doc;
}

/* --- list --- */

struct list_state {
	struct ctl	*ctl;
	const char	*selector_text;
	struct selector	*sel;
	cJSON		*rows;		/* -o json */
	int		 count;
};

static const char list_help[] =
    "usage: schedctl list [--selector SELECTOR]\n\n"
    "List schedules with their next fire.\n\n"
    "examples:\n  schedctl list\n"
    "  schedctl list --selector 'team=data,site in (site_a,site_b)'\n"
    "  schedctl -o json list\n";

static int
list_take(int opt, const char *arg, void *state)
{
	if (opt == 'l')
		((struct list_state *)state)->selector_text = arg;
	return 0;
}

static int
list_one(const struct schedule *s, void *arg, struct err *e)
{
	struct list_state	*ls = arg;
	char			 next[1][CTL_TIME_MAX], lp[512];
	cJSON			*doc;

	if (ls->sel != NULL && !selector_match(ls->sel, s->labels))
		return 0;
	if (ls->ctl->json) {
		if ((doc = schedule_json(ls->ctl, s, 1)) == NULL ||
		    !cJSON_AddItemToArray(ls->rows, doc)) {
			cJSON_Delete(doc);
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		return 0;
	}
	if (ls->count++ == 0)
		printf("%-32s %-44s %-16s %-20s %-7s %-25s %s\n", "NAME",
		    "LAUNCH PLAN", "CRON", "TZ", "STATE", "NEXT", "SOURCE");
	snprintf(lp, sizeof(lp), "%s/%s/%s%s%s", s->project, s->domain,
	    s->launch_plan, s->version ? "@" : "", s->version ? s->version : "");
	if (s->paused || ctl_next_fires(ls->ctl, s, 1, next, NULL) != 1)
		snprintf(next[0], sizeof(next[0]), "-");
	/* The source last: a file's path is long, "-" is an operator's schedule. */
	printf("%-32s %-44s %-16s %-20s %-7s %-25s %s\n", s->name, lp, s->cron,
	    s->tz, s->paused ? "paused" : "active", next[0],
	    s->source ? s->source : "-");
	return 0;
}

int
cmd_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 extra[] = {
		{ "selector",	required_argument,	NULL,	'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct list_state	 ls = { .ctl = ctl };
	struct store		*st = NULL;
	struct err		 e;
	int			 rc;

	if (query_options(ctl, argc, argv, extra, "l:", list_help, list_take,
	    &ls, &rc))
		return rc;
	if (optind != argc)
		return ctl_usage_error("list", "takes no operands");
	if (ls.selector_text != NULL &&
	    selector_parse(ls.selector_text, &ls.sel, &e) == -1)
		return ctl_fail(e.code, "%s", e.msg);
	if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    (ctl->json && (ls.rows = cJSON_CreateArray()) == NULL) ||
	    store_schedule_each(st, list_one, &ls, &e) == -1) {
		rc = ctl_fail_err(&e, EX_OSERR);
		cJSON_Delete(ls.rows);
	} else if (ctl->json)
		rc = ctl_print_doc(ctl, ls.rows);
	else {
		if (ls.count == 0)
			printf("no schedules\n");
		rc = EX_OK;
	}
	store_close(st);
	selector_free(ls.sel);
	return rc;
}

/* --- history and show's last runs --- */

struct runs_state {
	struct ctl		*ctl;
	struct run_filter	 filter;	/* NAME, --state, --phase, --since, --limit */
	const char		*selector_text;	/* --selector */
	cJSON			*rows;		/* -o json */
	int			 count;
};

static int
run_one(const struct run *r, void *arg, struct err *e)
{
	struct runs_state	*rs = arg;
	char			 at[CTL_TIME_MAX], sent[CTL_TIME_MAX] = "";
	char			 line[1024];
	size_t			 n;
	cJSON			*row;

	civil_format_rfc3339(r->scheduled_at, 0, at, sizeof(at));
	if (r->sent_at != 0)
		civil_format_rfc3339(r->sent_at, 0, sent, sizeof(sent));
	if (rs->rows != NULL) {
		if ((row = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(rs->rows, row) ||
		    !cJSON_AddStringToObject(row, "schedule", r->schedule_name) ||
		    !cJSON_AddStringToObject(row, "scheduled_at", at) ||
		    !cJSON_AddStringToObject(row, "kind", r->kind) ||
		    !cJSON_AddStringToObject(row, "state", r->state) ||
		    !(r->execution_name ? cJSON_AddStringToObject(row,
		    "execution_name", r->execution_name) :
		    cJSON_AddNullToObject(row, "execution_name")) ||
		    !cJSON_AddNumberToObject(row, "http_status", r->http_status) ||
		    !(r->error ? cJSON_AddStringToObject(row, "error", r->error) :
		    cJSON_AddNullToObject(row, "error")) ||
		    !cJSON_AddNumberToObject(row, "attempts", r->attempts) ||
		    !(r->phase ? cJSON_AddStringToObject(row, "phase", r->phase) :
		    cJSON_AddNullToObject(row, "phase")) ||
		    !(r->sent_at ? cJSON_AddStringToObject(row, "sent_at", sent) :
		    cJSON_AddNullToObject(row, "sent_at"))) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		return 0;
	}
	if (rs->count++ == 0)
		printf("%-21s %-32s %-9s %-8s %-21s %-4s %-3s %-10s %s\n",
		    "SCHEDULED", "SCHEDULE", "KIND", "STATE", "EXECUTION",
		    "HTTP", "TRY", "PHASE", "ERROR");
	snprintf(line, sizeof(line), "%-21s %-32s %-9s %-8s %-21s %-4d %-3d "
	    "%-10s %s", at, r->schedule_name, r->kind, r->state,
	    r->execution_name ? r->execution_name : "-", r->http_status,
	    r->attempts, r->phase ? r->phase : "-", r->error ? r->error : "");
	for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	printf("%s\n", line);
	return 0;
}

static const char history_help[] =
    "usage: schedctl history [NAME] [--limit N] [--state STATE] "
    "[--phase PHASE]\n"
    "                        [--since RFC3339] [--selector SELECTOR]\n\n"
    "Show runs, newest first (default limit 50): of one schedule, or of\n"
    "the schedules the selector matches; scheduled at or after --since.\n"
    "STATE is pending, created, failed or skipped; PHASE the Flyte phase\n"
    "of the execution (QUEUED, RUNNING, SUCCEEDED, FAILED, ABORTED,\n"
    "TIMED_OUT, ...; UNKNOWN: Admin no longer has it).\n\n"
    "examples:\n  schedctl history\n"
    "  schedctl history data_sync_site_a --limit 10\n"
    "  schedctl history --state failed -o json\n"
    "  schedctl history --selector team=data --phase FAILED "
    "--since 2026-11-01T00:00:00Z\n";

static int
history_take(int opt, const char *arg, void *state)
{
	struct runs_state	*rs = state;
	enum run_state		 parsed;
	struct err		 e;
	char			*end;
	long			 n;

	switch (opt) {
	case 'n':
		n = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || n < 1 || n > 1000000)
			return ctl_fail(EX_USAGE, "--limit: \"%s\" is not a "
			    "number from 1 to 1000000", arg);
		rs->filter.limit = (int)n;
		return 0;
	case 's':
		if (run_state_parse(arg, &parsed) == -1)
			return ctl_fail(EX_USAGE, "--state: \"%s\" is not "
			    "pending, created, failed or skipped", arg);
		rs->filter.state = arg;
		return 0;
	case 'p':
		if ((rs->filter.phase = execution_phase_lookup(arg)) == NULL)
			return ctl_fail(EX_USAGE, "--phase: \"%s\" is not a "
			    "Flyte execution phase (QUEUED, RUNNING, SUCCEEDED, "
			    "FAILED, ABORTED, TIMED_OUT, ...)", arg);
		return 0;
	case 'S':
		if (civil_parse_rfc3339(arg, &rs->filter.since, &e) == -1)
			return ctl_fail(EX_DATAERR, "--since: %s", e.msg);
		return 0;
	case 'l':
		rs->selector_text = arg;
		return 0;
	}
	return 0;
}

int
cmd_history(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 extra[] = {
		{ "limit",	required_argument,	NULL,	'n' },
		{ "state",	required_argument,	NULL,	's' },
		{ "phase",	required_argument,	NULL,	'p' },
		{ "since",	required_argument,	NULL,	'S' },
		{ "selector",	required_argument,	NULL,	'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct runs_state	 rs = { .ctl = ctl,
				    .filter = { .limit = HISTORY_LIMIT } };
	struct selector		*sel = NULL;
	struct store		*st = NULL;
	struct err		 e;
	cJSON			*names = NULL;
	char			*names_json = NULL;
	int			 rc;

	if (query_options(ctl, argc, argv, extra, "", history_help,
	    history_take, &rs, &rc))
		return rc;
	if (argc - optind > 1)
		return ctl_usage_error("history", "expected at most one NAME");
	rs.filter.name = optind < argc ? argv[optind] : NULL;
	if (rs.selector_text != NULL &&
	    selector_parse(rs.selector_text, &sel, &e) == -1)
		return ctl_fail(e.code, "%s", e.msg);
	if (store_open(ctl->db_path, 0, &st, &e) == -1)
		goto fail;
	/* The selector becomes the names it matches: the store filters by those. */
	if (sel != NULL) {
		if (ctl_selected_names(st, sel, &names, &e) == -1)
			goto fail;
		if ((names_json = cJSON_PrintUnformatted(names)) == NULL)
			goto nomem;
		rs.filter.names = names_json;
	}
	if (ctl->json && (rs.rows = cJSON_CreateArray()) == NULL)
		goto nomem;
	if (store_run_each(st, &rs.filter, run_one, &rs, &e) == -1)
		goto fail;
	if (ctl->json) {
		rc = ctl_print_doc(ctl, rs.rows);
		rs.rows = NULL;
	} else {
		if (rs.count == 0)
			printf("no runs\n");
		rc = EX_OK;
	}
	goto out;
 nomem:
	err_set_code(&e, EX_OSERR, "out of memory");
 fail:
	rc = ctl_fail_err(&e, EX_OSERR);
 out:
	cJSON_Delete(rs.rows);
	cJSON_Delete(names);
	free(names_json);
	selector_free(sel);
	store_close(st);
	return rc;
}

/* --- show --- */

static const char show_help[] =
    "usage: schedctl show NAME\n\n"
    "Show a schedule, its next 5 fire times and its last 10 runs.\n\n"
    "examples:\n  schedctl show data_sync_site_a\n"
    "  schedctl -o json show data_sync_site_a\n";

int
cmd_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 extra[] = { { NULL, 0, NULL, 0 } };
	struct runs_state	 rs = { .ctl = ctl, .filter = { .limit = SHOW_RUNS } };
	struct schedule		 s;
	struct store		*st = NULL;
	struct err		 e;
	cJSON			*doc = NULL, *item;
	int			 rc;

	memset(&s, 0, sizeof(s));
	if (query_options(ctl, argc, argv, extra, "", show_help, NULL, NULL,
	    &rc))
		return rc;
	if (argc - optind != 1)
		return ctl_usage_error("show", "expected one NAME");
	if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    store_schedule_get(st, argv[optind], &s, &e) == -1) {
		rc = ctl_fail(e.code, "%s", e.msg);
		goto out;
	}
	rs.filter.name = s.name;
	if ((doc = schedule_json(ctl, &s, SHOW_NEXT)) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	if (ctl->json) {
		if ((rs.rows = cJSON_AddArrayToObject(doc, "runs")) == NULL ||
		    store_run_each(st, &rs.filter, run_one, &rs, &e) == -1) {
			rc = ctl_fail_err(&e, EX_OSERR);
			goto out;
		}
		rc = ctl_print_doc(ctl, doc);
		doc = NULL;
		goto out;
	}
	cJSON_ArrayForEach(item, doc) {
		char	*text;

		if (strcmp(item->string, "next") == 0)
			continue;
		text = cJSON_IsString(item) ? NULL : cJSON_PrintUnformatted(item);
		printf("%-22s %s\n", item->string, cJSON_IsString(item) ?
		    item->valuestring : text ? text : "");
		free(text);
	}
	printf("next fires:\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "next"))
		printf("  %s\n", item->valuestring);
	if (s.paused)
		printf("  none: paused\n");
	printf("last runs:\n");
	if (store_run_each(st, &rs.filter, run_one, &rs, &e) == -1) {
		rc = ctl_fail_err(&e, EX_OSERR);
		goto out;
	}
	if (rs.count == 0)
		printf("  none\n");
	rc = EX_OK;
 out:
	cJSON_Delete(doc);
	schedule_clear(&s);
	store_close(st);
	return rc;
}

/* --- status --- */

#define HEARTBEAT_STALE	120	/* seconds without a heartbeat before the pid is checked */
#define CHECK_FAILURES	3	/* --check: consecutive failures that make a schedule unhealthy */
#define CHECK_LATE	300	/* --check: seconds late that make a fire unhealthy */

static const char status_help[] =
    "usage: schedctl status [--check [--max-failures N] [--max-late SECONDS]\n"
    "                        [--expect-digest HEX]]\n\n"
    "Show whether the daemon is alive (its heartbeat in the database, or its\n"
    "pid on this host), how many schedules and pending runs there are, and\n"
    "which schedules fail or fire late; the digest of the schedules'\n"
    "definitions (the same on hosts that hold the same schedules) and, with\n"
    "several hosts, this host's shard.\n\n"
    "With --check, exit 1 when something needs a person: the daemon is not\n"
    "running, a schedule failed N times in a row (default 3), a pending run\n"
    "or a fire of the last 24 h is more than SECONDS late (default 300), an\n"
    "execution of the last 24 h was created and then not found at Admin, the\n"
    "digest is not HEX (another host's, from its status).\n"
    "For cron or Nagios-style alerting.\n\n"
    "examples:\n  schedctl status\n  schedctl -o json status\n"
    "  schedctl status --check --max-failures 1 --max-late 120 || page-someone\n";

struct failing_state {
	cJSON	*rows;		/* -o json */
	int64_t	 threshold;	/* --check: failures that count */
	int64_t	 over;		/* schedules at or over it */
};

static int
failing_one(const char *name, int64_t failures, int64_t last, const char *error,
    void *arg, struct err *e)
{
	struct failing_state	*fs = arg;
	char			 at[CTL_TIME_MAX];
	cJSON			*row;

	if (failures >= fs->threshold)
		fs->over++;
	civil_format_rfc3339(last, 0, at, sizeof(at));
	if (fs->rows == NULL) {
		printf("  %-32s %lld in a row, last %s: %s\n", name,
		    (long long)failures, at, error ? error : "");
		return 0;
	}
	if ((row = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemToArray(fs->rows, row) ||
	    !cJSON_AddStringToObject(row, "name", name) ||
	    !cJSON_AddNumberToObject(row, "consecutive_failures",
	    (double)failures) ||
	    !cJSON_AddStringToObject(row, "last_failure_at", at) ||
	    !(error ? cJSON_AddStringToObject(row, "last_error", error) :
	    cJSON_AddNullToObject(row, "last_error"))) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The daemon's state in a word. It refreshes its heartbeat with every
 * commit, so an idle daemon goes quiet: then its pid, on this host, decides.
 */
static const char *
daemon_state(const struct ctl *ctl, const struct store_status *ss)
{
	char	host[256];

	if (!ss->daemon_known)
		return "never seen";
	if (ss->daemon_stopped != 0)
		return "stopped";
	if (ctl->now - ss->daemon_heartbeat <= HEARTBEAT_STALE)
		return "running";
	if (gethostname(host, sizeof(host)) == 0 &&
	    strcmp(host, ss->daemon_host) == 0 && ss->daemon_pid > 0 &&
	    (kill((pid_t)ss->daemon_pid, 0) == 0 || errno == EPERM))
		return "running";
	return "not responding";
}

struct status_options {
	int		 check;
	long		 max_failures;
	long		 max_late;
	const char	*digest;	/* --expect-digest: another host's */
};

static int
status_take(int opt, const char *arg, void *state)
{
	struct status_options	*so = state;
	long			*value = opt == 'f' ? &so->max_failures :
				    &so->max_late;
	char			*end;

	if (opt == 'c') {
		so->check = 1;
		return 0;
	}
	if (opt == 'd') {
		if (strlen(arg) != 16 || strspn(arg, "0123456789abcdef") != 16)
			return ctl_fail(EX_USAGE, "--expect-digest: \"%.40s\" is "
			    "not a digest as status shows it (16 hex digits)",
			    arg);
		so->digest = arg;
		return 0;
	}
	*value = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || *value < 1 || *value > 100000000)
		return ctl_fail(EX_USAGE, "--%s: \"%s\" is not a number from 1 "
		    "to 100000000", opt == 'f' ? "max-failures" : "max-late",
		    arg);
	return 0;
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 extra[] = {
		{ "check",		no_argument,		NULL,	'c' },
		{ "max-failures",	required_argument,	NULL,	'f' },
		{ "max-late",		required_argument,	NULL,	'l' },
		{ "expect-digest",	required_argument,	NULL,	'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct status_options	 so = { 0, CHECK_FAILURES, CHECK_LATE, NULL };
	struct store_status	 ss;
	struct failing_state	 fs = { NULL, CHECK_FAILURES, 0 };
	struct store		*st = NULL;
	struct err		 e;
	char			 beat[CTL_TIME_MAX] = "", oldest[CTL_TIME_MAX] = "";
	char			 problems[6][160], digest[24];
	uint64_t		 sum;
	int64_t			 count;
	const char		*state;
	cJSON			*doc = NULL, *list;
	int			 rc, nproblems = 0;

	if (query_options(ctl, argc, argv, extra, "", status_help, status_take,
	    &so, &rc))
		return rc;
	if (optind != argc)
		return ctl_usage_error("status", "takes no operands");
	fs.threshold = so.max_failures;
	if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    store_status(st, ctl->now, so.check ? so.max_late : 60, &ss,
	    &e) == -1 || store_schedules_digest(st, &sum, &count, &e) == -1)
		goto fail;
	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)sum);
	state = daemon_state(ctl, &ss);
	if (ss.daemon_known)
		civil_format_rfc3339(ss.daemon_heartbeat, 0, beat, sizeof(beat));
	if (ss.oldest_pending != 0)
		civil_format_rfc3339(ss.oldest_pending, 0, oldest,
		    sizeof(oldest));
	if (ctl->json) {
		if ((doc = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddStringToObject(doc, "daemon", state) ||
		    !(ss.daemon_known ? cJSON_AddStringToObject(doc,
		    "daemon_heartbeat_at", beat) : cJSON_AddNullToObject(doc,
		    "daemon_heartbeat_at")) ||
		    !cJSON_AddNumberToObject(doc, "schedules",
		    (double)ss.schedules) ||
		    !cJSON_AddNumberToObject(doc, "paused", (double)ss.paused) ||
		    !cJSON_AddStringToObject(doc, "digest", digest) ||
		    !(ss.daemon_shard[0] ? cJSON_AddStringToObject(doc, "shard",
		    ss.daemon_shard) : cJSON_AddNullToObject(doc, "shard")) ||
		    !cJSON_AddNumberToObject(doc, "pending", (double)ss.pending) ||
		    !(ss.pending ? cJSON_AddStringToObject(doc,
		    "oldest_pending_at", oldest) : cJSON_AddNullToObject(doc,
		    "oldest_pending_at")) ||
		    !cJSON_AddNumberToObject(doc, "late_fires_24h",
		    (double)ss.late_day) ||
		    !cJSON_AddNumberToObject(doc, "unknown_executions_24h",
		    (double)ss.unknown_day) ||
		    (fs.rows = cJSON_AddArrayToObject(doc, "failing")) == NULL) {
			err_set_code(&e, EX_OSERR, "out of memory");
			goto fail;
		}
	} else {
		printf("daemon:     %s", state);
		if (ss.daemon_known)
			printf(" (%s, pid %lld, heartbeat %s)", ss.daemon_host,
			    (long long)ss.daemon_pid, beat);
		printf("\nschedules:  %lld (%lld paused), digest %s\n",
		    (long long)ss.schedules, (long long)ss.paused, digest);
		if (ss.daemon_shard[0] != '\0')
			printf("shard:      %s (the others' instants are looked "
			    "up, and created if missing, after the standby "
			    "delay)\n", ss.daemon_shard);
		printf("pending:    %lld runs", (long long)ss.pending);
		if (ss.pending)
			printf(", oldest scheduled %s", oldest);
		printf("\nlate (24h): %lld fires\n", (long long)ss.late_day);
		printf("unknown:    %lld executions (24h; created, then not found "
		    "at Admin)\n", (long long)ss.unknown_day);
		printf("failing:    %lld schedules\n", (long long)ss.failing);
	}
	if (store_failing_each(st, failing_one, &fs, &e) == -1)
		goto fail;
	if (so.check) {
		if (strcmp(state, "running") != 0)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "the daemon is %s", state);
		if (fs.over > 0)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "%lld schedules failed %ld or more times in a row",
			    (long long)fs.over, so.max_failures);
		if (ss.pending > 0 && ctl->now - ss.oldest_pending > so.max_late)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "a pending run is %lld s late",
			    (long long)(ctl->now - ss.oldest_pending));
		if (ss.late_day > 0)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "%lld fires of the last 24 h were more than %ld s late",
			    (long long)ss.late_day, so.max_late);
		if (ss.unknown_day > 0)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "%lld executions of the last 24 h were created and "
			    "then not found at Admin", (long long)ss.unknown_day);
		if (so.digest != NULL && strcmp(so.digest, digest) != 0)
			snprintf(problems[nproblems++], sizeof(problems[0]),
			    "the schedules differ from the expected ones: digest "
			    "%s, expected %.32s", digest, so.digest);
		if (doc != NULL) {
			if ((list = cJSON_AddArrayToObject(doc, "problems")) == NULL)
				goto nomem;
			for (int i = 0; i < nproblems; i++)
				cJSON_AddItemToArray(list,
				    cJSON_CreateString(problems[i]));
			cJSON_AddBoolToObject(doc, "healthy", nproblems == 0);
		} else {
			for (int i = 0; i < nproblems; i++)
				printf("CHECK: %s\n", problems[i]);
			if (nproblems == 0)
				printf("CHECK: ok\n");
		}
	}
	if (doc != NULL) {
		rc = ctl_print_doc(ctl, doc);
		doc = NULL;
	} else
		rc = EX_OK;
	if (rc == EX_OK && nproblems > 0)
		rc = 1;
	goto out;
 nomem:
	err_set_code(&e, EX_OSERR, "out of memory");
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	cJSON_Delete(doc);
	store_close(st);
	return rc;
}
