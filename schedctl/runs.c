/* runs.c: schedctl trigger and backfill: ask the daemon for fires outside the schedule, and follow them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/execution.h"
#include "schedd/fire.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "schedd/tz.h"
#include "ctl.h"

#define BACKFILL_MAX	10000		/* fires one backfill may ask for, per schedule */
#define WAIT_DEFAULT	3600		/* trigger --wait gives up after this many seconds */
#define WAIT_MAX	(7LL * 86400)	/* and --timeout is at most a week */
#define WAIT_POLL_MS	200		/* how often --wait reads the runs */
#define EXIT_NOT_SUCCEEDED	1	/* trigger --wait: an execution did not succeed */

static const char trigger_help[] =
    "usage: schedctl trigger NAME | --selector SELECTOR "
    "[--wait [--timeout DURATION]]\n\n"
    "Fire schedules once, now, outside their cron (also when paused),\n"
    "with Flyte's execution mode MANUAL. Each run is recorded as pending\n"
    "with kind 'trigger'; the daemon sends it within a second. Prints the\n"
    "execution name of each fire (deterministic: known before it is sent).\n\n"
    "With --wait, follow each execution to its final phase as the daemon\n"
    "records it, for at most DURATION (default 1h): exit 0 when all\n"
    "SUCCEEDED, 1 when one failed to be created or ended FAILED, ABORTED,\n"
    "TIMED_OUT or UNKNOWN, 75 when one is not finished in time.\n\n"
    "examples:\n  schedctl trigger data_sync_site_a\n"
    "  schedctl trigger data_sync_site_a --wait --timeout 30m\n"
    "  schedctl trigger --selector 'team=data,site in (site_a,site_b)'\n";

static const char backfill_help[] =
    "usage: schedctl backfill NAME | --selector SELECTOR --from RFC3339 "
    "--to RFC3339 [--dry-run]\n\n"
    "Ask for every fire instant of the schedules from --from to --to,\n"
    "both included, that has no run yet (at most 10000 a schedule; --to\n"
    "not after now). The daemon sends them as pending runs of kind\n"
    "'backfill', with Flyte's execution mode SCHEDULED at their instant.\n\n"
    "examples:\n"
    "  schedctl backfill data_sync_site_a --from 2026-11-01T00:00:00Z "
    "--to 2026-11-03T00:00:00Z --dry-run\n"
    "  schedctl backfill --selector team=data --from 2026-11-01T00:00:00Z "
    "--to 2026-11-02T00:00:00Z\n";

/* Options of trigger and backfill. */
struct request_options {
	const char	*selector;
	struct selector	*sel;
	int64_t		 from;
	int64_t		 to;
	int		 have_from;
	int		 have_to;
	int		 dry_run;
	int		 wait;
	int64_t		 timeout;	/* --wait's bound, seconds */
	int		 have_timeout;
};

/* Returns 0 to go on, -1 after --help, or an exit code. */
static int
request_parse(struct ctl *ctl, int argc, char **argv, int backfill,
    struct request_options *ro)
{
	static const struct option	 trigger_options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "selector",	required_argument,	NULL,	'l' },
		{ "wait",	no_argument,		NULL,	'w' },
		{ "timeout",	required_argument,	NULL,	'T' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option	 backfill_options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "selector",	required_argument,	NULL,	'l' },
		{ "from",	required_argument,	NULL,	'f' },
		{ "to",		required_argument,	NULL,	't' },
		{ "dry-run",	no_argument,		NULL,	'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct err	  e;
	int		  opt, rc;

	memset(ro, 0, sizeof(*ro));
	ro->timeout = WAIT_DEFAULT;
	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT,
	    backfill ? backfill_options : trigger_options,
	    backfill ? backfill_help : trigger_help, &rc)) != -1) {
		switch (opt) {
		case CTL_EXIT:
			return rc == EX_OK ? -1 : rc;
		case 'l':
			ro->selector = optarg;
			break;
		case 'n':
			ro->dry_run = 1;
			break;
		case 'w':
			ro->wait = 1;
			break;
		case 'T':
			if (civil_parse_duration(optarg, WAIT_MAX,
			    &ro->timeout) == -1 || ro->timeout < 1)
				return ctl_fail(EX_USAGE, "--timeout: \"%s\" is "
				    "not a duration like 30s, 10m, 2h (at most "
				    "7d)", optarg);
			ro->have_timeout = 1;
			break;
		default:
			if (civil_parse_rfc3339(optarg, opt == 'f' ? &ro->from :
			    &ro->to, &e) == -1)
				return ctl_fail(EX_DATAERR, "--%s: %s", opt ==
				    'f' ? "from" : "to", e.msg);
			*(opt == 'f' ? &ro->have_from : &ro->have_to) = 1;
		}
	}
	if ((ro->selector != NULL) == (argc - optind == 1) ||
	    argc - optind > 1)
		return ctl_usage_error(ctl->command, "give one NAME or "
		    "--selector");
	if (ro->have_timeout && !ro->wait)
		return ctl_usage_error(ctl->command, "--timeout is for --wait");
	if (backfill && (!ro->have_from || !ro->have_to))
		return ctl_usage_error(ctl->command, "--from and --to are "
		    "required");
	if (backfill && ro->from > ro->to)
		return ctl_fail(EX_DATAERR, "--from is after --to");
	/* The daemon sends a backfill's runs at once: a future instant would go early. */
	if (backfill && ro->to > ctl->now) {
		char	to[CTL_TIME_MAX] = "", now[CTL_TIME_MAX] = "";

		civil_format_rfc3339(ro->to, 0, to, sizeof(to));
		civil_format_rfc3339(ctl->now, 0, now, sizeof(now));
		return ctl_fail(EX_DATAERR, "--to %s is after now (%s): "
		    "backfill asks only for past instants", to, now);
	}
	if (ro->selector != NULL &&
	    selector_parse(ro->selector, &ro->sel, &e) == -1)
		return ctl_fail(e.code, "%s", e.msg);
	return 0;
}

/* Open the store in a transaction and list the schedules asked for: NAME, or those --selector matches. */
static int
request_begin(struct ctl *ctl, const struct request_options *ro,
    const char *name, struct store **st, cJSON **names, struct err *e)
{
	if (store_open(ctl->db_path, 0, st, e) == -1 ||
	    store_begin(*st, e) == -1)
		return -1;
	if (ro->sel != NULL)
		return ctl_selected_names(*st, ro->sel, names, e);
	if ((*names = cJSON_CreateArray()) == NULL ||
	    !cJSON_AddItemToArray(*names, cJSON_CreateString(name))) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* --- trigger --wait --- */

/* store_run_get callback: what the run of a fire has come to, into its JSON element. */
static int
wait_read(const struct run *r, void *arg, struct err *e)
{
	cJSON	*fire = arg;

	cJSON_DeleteItemFromObject(fire, "state");
	cJSON_DeleteItemFromObject(fire, "phase");
	cJSON_DeleteItemFromObject(fire, "error");
	if (!cJSON_AddStringToObject(fire, "state", r->state) ||
	    !(r->phase ? cJSON_AddStringToObject(fire, "phase", r->phase) :
	    cJSON_AddNullToObject(fire, "phase")) ||
	    !(r->error ? cJSON_AddStringToObject(fire, "error", r->error) :
	    cJSON_AddNullToObject(fire, "error"))) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Whether a fire's run is over: 0 while the execution may still change,
 * 1 when it SUCCEEDED, 2 when it is over otherwise (not created, or a
 * final phase other than SUCCEEDED, or UNKNOWN: Admin no longer has it).
 */
static int
wait_outcome(const cJSON *fire)
{
	const char	*state = cJSON_GetStringValue(cJSON_GetObjectItem(fire,
			    "state"));
	const char	*phase = cJSON_GetStringValue(cJSON_GetObjectItem(fire,
			    "phase"));

	if (state == NULL || strcmp(state, "pending") == 0)
		return 0;
	if (strcmp(state, "created") != 0)
		return 2;
	if (phase == NULL || (!execution_phase_final(phase) &&
	    strcmp(phase, "UNKNOWN") != 0))
		return 0;
	return strcmp(phase, "SUCCEEDED") == 0 ? 1 : 2;
}

static void
wait_print(const cJSON *fire)
{
	const char	*name = cJSON_GetObjectItem(fire, "schedule")->valuestring;
	const char	*exec = cJSON_GetObjectItem(fire,
			    "execution_name")->valuestring;
	const char	*state = cJSON_GetObjectItem(fire, "state")->valuestring;
	const cJSON	*phase = cJSON_GetObjectItem(fire, "phase");
	const cJSON	*error = cJSON_GetObjectItem(fire, "error");

	if (strcmp(state, "created") == 0)
		printf("%s: execution %s %s\n", name, exec, phase->valuestring);
	else
		printf("%s: execution %s %s%s%s\n", name, exec, state,
		    cJSON_IsString(error) ? ": " : "", cJSON_IsString(error) ?
		    error->valuestring : "");
	fflush(stdout);
}

static double
monotonic_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Follow the fires (JSON elements with schedule and execution_name) in
 * their runs, which the daemon keeps up to date, until each is over or
 * the timeout passes. Returns EX_OK, EXIT_NOT_SUCCEEDED, or an exit code
 * after saying why.
 */
static int
trigger_wait(struct ctl *ctl, cJSON *fires, int64_t at, int64_t timeout)
{
	struct timespec	 pause = { 0, WAIT_POLL_MS * 1000000L };
	double		 deadline = monotonic_seconds() + (double)timeout;
	struct store	*st;
	struct err	 e;
	cJSON		*fire;
	int		 left, failed = 0, over;
	char		 bound[32];

	for (;;) {
		/*
		 * A connection of our own only while we read: the daemon
		 * notices other processes' commits by their files, and the
		 * runs it has to send must not wait on our holding them open.
		 */
		if (store_open(ctl->db_path, 0, &st, &e) == -1)
			return ctl_fail_err(&e, EX_SOFTWARE);
		left = 0;
		cJSON_ArrayForEach(fire, fires) {
			if (cJSON_IsTrue(cJSON_GetObjectItem(fire, "over")))
				continue;
			if (store_run_get(st, cJSON_GetObjectItem(fire,
			    "schedule")->valuestring, at, wait_read, fire,
			    &e) == -1) {
				store_close(st);
				return ctl_fail_err(&e, EX_SOFTWARE);
			}
			if ((over = wait_outcome(fire)) == 0) {
				left++;
				continue;
			}
			failed |= over == 2;
			cJSON_AddTrueToObject(fire, "over");
			if (!ctl->json)
				wait_print(fire);
		}
		store_close(st);
		if (left == 0)
			break;
		if (monotonic_seconds() >= deadline) {
			civil_format_duration(timeout, bound, sizeof(bound));
			return ctl_fail(EX_TEMPFAIL, "%d of %d executions not "
			    "finished after %s (is schedd running?)", left,
			    cJSON_GetArraySize(fires), bound);
		}
		nanosleep(&pause, NULL);
	}
	return failed ? EXIT_NOT_SUCCEEDED : EX_OK;
}

/* --- trigger --- */

/* Ask for a fire of name now, in the open transaction; its JSON element goes into fires. */
static int
trigger_one(struct ctl *ctl, struct store *st, const char *name,
    cJSON *fires, struct err *e)
{
	struct schedule	 s;
	char		 at[CTL_TIME_MAX], exec[FIRE_NAME_LENGTH + 1];
	cJSON		*fire;
	int		 inserted = 0, rc = -1;

	if (store_schedule_get(st, name, &s, e) == -1)
		return -1;
	civil_format_rfc3339(ctl->now, 0, at, sizeof(at));
	if (store_run_request(st, &s, ctl->now, "trigger", ctl->now, &inserted,
	    e) == -1)
		goto out;
	if (!inserted) {
		err_set_code(e, EX_TEMPFAIL, "%s has a run at %s already; "
		    "try again in a second", s.name, at);
		goto out;
	}
	if (store_change_record(st, ctl->now, "trigger", &s, NULL, NULL,
	    e) == -1)
		goto out;
	/* The name the daemon will send it under: it depends on nothing else. */
	fire_execution_name(s.name, ctl->now, exec, sizeof(exec));
	if ((fire = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemToArray(fires, fire) ||
	    !cJSON_AddStringToObject(fire, "schedule", s.name) ||
	    !cJSON_AddStringToObject(fire, "scheduled_at", at) ||
	    !cJSON_AddStringToObject(fire, "execution_name", exec)) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	rc = 0;
 out:
	schedule_clear(&s);
	return rc;
}

int
cmd_trigger(struct ctl *ctl, int argc, char **argv)
{
	struct request_options	 ro;
	struct store		*st = NULL;
	struct err		 e;
	cJSON			*names = NULL, *fires = NULL, *fire;
	const cJSON		*name;
	int			 rc;

	if ((rc = request_parse(ctl, argc, argv, 0, &ro)) != 0) {
		selector_free(ro.sel);
		return rc < 0 ? EX_OK : rc;
	}
	if (request_begin(ctl, &ro, argv[optind], &st, &names, &e) == -1)
		goto fail;
	if ((fires = cJSON_CreateArray()) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	/* All or nothing: one schedule that cannot be triggered leaves every one as it was. */
	cJSON_ArrayForEach(name, names)
		if (trigger_one(ctl, st, name->valuestring, fires, &e) == -1)
			goto fail;
	if (store_commit(st, &e) == -1)
		goto fail;
	store_close(st);
	st = NULL;
	if (!ctl->json) {
		cJSON_ArrayForEach(fire, fires)
			printf("triggered %s at %s: execution %s\n",
			    cJSON_GetObjectItem(fire, "schedule")->valuestring,
			    cJSON_GetObjectItem(fire, "scheduled_at")->valuestring,
			    cJSON_GetObjectItem(fire,
			    "execution_name")->valuestring);
		if (cJSON_GetArraySize(fires) == 0)
			printf("nothing to trigger\n");
		fflush(stdout);
	}
	rc = ro.wait ? trigger_wait(ctl, fires, ctl->now, ro.timeout) :
	    EX_OK;
	if (ctl->json) {
		cJSON_ArrayForEach(fire, fires)
			cJSON_DeleteItemFromObject(fire, "over");
		/* Also after a timeout: what is known so far. */
		if (ctl_print_doc(ctl, fires) != EX_OK && rc == EX_OK)
			rc = EX_OSERR;
		fires = NULL;
	}
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	store_close(st);
	selector_free(ro.sel);
	cJSON_Delete(names);
	cJSON_Delete(fires);
	return rc;
}

/* --- backfill --- */

/* Ask for the instants of name in the range, in the open transaction; its JSON element goes into report. */
static int
backfill_one(struct ctl *ctl, struct store *st,
    const struct request_options *ro, const char *name, cJSON *report,
    FILE *text, int64_t *added, struct err *e)
{
	struct schedule		 s;
	struct cron_expr	 expr;
	struct tz_zone		*zone = NULL;
	char			 at[CTL_TIME_MAX];
	int64_t			 t, count = 0, requested = 0;
	int			 inserted, rc = -1;
	cJSON			*doc = NULL, *instants;

	if (store_schedule_get(st, name, &s, e) == -1)
		return -1;
	if (cron_parse(s.cron, &expr, e) == -1 ||
	    tz_zone_load(ctl->tzdir, s.tz, &zone, e) == -1)
		goto out;
	expr.anchor = s.created_at;
	/* Count first: an oversized request writes nothing. */
	for (t = ro->from - 1; cron_next(&expr, zone, t, &t) == 0 &&
	    t <= ro->to;)
		if (++count > BACKFILL_MAX) {
			err_set_code(e, EX_DATAERR, "%s fires more than %d "
			    "times from --from to --to; backfill a shorter "
			    "range", s.name, BACKFILL_MAX);
			goto out;
		}
	if ((doc = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(doc, "schedule", s.name) ||
	    !cJSON_AddBoolToObject(doc, "dry_run", ro->dry_run) ||
	    (instants = cJSON_AddArrayToObject(doc, "instants")) == NULL)
		goto nomem;
	for (t = ro->from - 1; cron_next(&expr, zone, t, &t) == 0 &&
	    t <= ro->to;) {
		inserted = 0;
		if (!ro->dry_run && store_run_request(st, &s, t, "backfill",
		    ctl->now, &inserted, e) == -1)
			goto out;
		requested += inserted;
		civil_format_rfc3339(t, tz_offset_at(zone, t), at, sizeof(at));
		if (ctl->json) {
			if (!cJSON_AddItemToArray(instants,
			    cJSON_CreateString(at)))
				goto nomem;
		} else
			fprintf(text, "%s%s\n", at, ro->dry_run ? "" :
			    inserted ? "  requested" : "  has a run already");
	}
	/* Nothing asked for: nothing to record. */
	if (requested > 0 && store_change_record(st, ctl->now, "backfill", &s,
	    NULL, NULL, e) == -1)
		goto out;
	if (!cJSON_AddNumberToObject(doc, "requested", (double)requested) ||
	    !cJSON_AddItemToArray(report, doc))
		goto nomem;
	doc = NULL;
	if (!ctl->json)
		fprintf(text, "%s: %lld instants, %lld requested%s\n", s.name,
		    (long long)count, (long long)requested,
		    ro->dry_run ? " (dry run: nothing written)" : "");
	*added += requested;
	rc = 0;
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
 out:
	cJSON_Delete(doc);
	tz_zone_free(zone);
	schedule_clear(&s);
	return rc;
}

int
cmd_backfill(struct ctl *ctl, int argc, char **argv)
{
	struct request_options	 ro;
	struct store		*st = NULL;
	struct err		 e;
	int64_t			 added = 0;
	cJSON			*names = NULL, *report = NULL;
	const cJSON		*name;
	FILE			*text = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 rc;

	if ((rc = request_parse(ctl, argc, argv, 1, &ro)) != 0) {
		selector_free(ro.sel);
		return rc < 0 ? EX_OK : rc;
	}
	if (request_begin(ctl, &ro, argv[optind], &st, &names, &e) == -1)
		goto fail;
	/* The text waits for the end: a failed command prints nothing on stdout. */
	if ((report = cJSON_CreateArray()) == NULL ||
	    (text = open_memstream(&buf, &len)) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(name, names)
		if (backfill_one(ctl, st, &ro, name->valuestring, report,
		    text, &added, &e) == -1)
			goto fail;
	if (fclose(text) == EOF) {
		text = NULL;
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	text = NULL;
	if (ro.dry_run || added == 0)
		store_rollback(st);
	else if (store_commit(st, &e) == -1)
		goto fail;
	if (ctl->json) {
		rc = ctl_print_doc(ctl, report);
		report = NULL;
	} else {
		fputs(buf, stdout);
		if (cJSON_GetArraySize(names) == 0)
			printf("nothing to backfill\n");
		rc = EX_OK;
	}
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_DATAERR);
 out:
	store_close(st);
	selector_free(ro.sel);
	cJSON_Delete(names);
	cJSON_Delete(report);
	if (text != NULL)
		fclose(text);
	free(buf);
	return rc;
}
