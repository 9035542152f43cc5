/* runs.c: schedctl trigger and backfill: ask the daemon for fires outside the schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/store.h"
#include "schedd/tz.h"
#include "ctl.h"

#define BACKFILL_MAX	10000	/* fires one backfill may ask for */

static const char trigger_help[] =
    "usage: schedctl trigger NAME\n\n"
    "Fire a schedule once, now, outside its cron (also when paused).\n"
    "The run is recorded as pending with kind 'trigger'; the daemon\n"
    "sends it within a second.\n\n"
    "examples:\n  schedctl trigger data_sync_site_a\n";

static const char backfill_help[] =
    "usage: schedctl backfill NAME --from RFC3339 --to RFC3339 "
    "[--dry-run]\n\n"
    "Ask for every fire instant of the schedule from --from to --to,\n"
    "both included, that has no run yet (at most 10000; --to not after\n"
    "now). The daemon sends them as pending runs of kind 'backfill'.\n\n"
    "examples:\n"
    "  schedctl backfill data_sync_site_a --from 2026-11-01T00:00:00Z "
    "--to 2026-11-03T00:00:00Z --dry-run\n";

/* Options shared by trigger and backfill. */
struct request_options {
	int64_t	 from;
	int64_t	 to;
	int	 have_from;
	int	 have_to;
	int	 dry_run;
};

static int
request_parse(struct ctl *ctl, int argc, char **argv, int backfill,
    struct request_options *ro)
{
	static const struct option	 trigger_options[] = {
		CTL_GLOBAL_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	static const struct option	 backfill_options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "from",	required_argument,	NULL,	'f' },
		{ "to",		required_argument,	NULL,	't' },
		{ "dry-run",	no_argument,		NULL,	'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct err	  e;
	int		  opt, rc;

	memset(ro, 0, sizeof(*ro));
	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT,
	    backfill ? backfill_options : trigger_options,
	    backfill ? backfill_help : trigger_help, &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc == EX_OK ? -1 : rc;
		if (opt == 'n') {
			ro->dry_run = 1;
			continue;
		}
		if (civil_parse_rfc3339(optarg, opt == 'f' ? &ro->from : &ro->to,
		    &e) == -1)
			return ctl_fail(EX_DATAERR, "--%s: %s", opt == 'f' ?
			    "from" : "to", e.msg);
		*(opt == 'f' ? &ro->have_from : &ro->have_to) = 1;
	}
	if (argc - optind != 1)
		return ctl_usage_error(ctl->command, "expected one NAME");
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
	return 0;
}

int
cmd_trigger(struct ctl *ctl, int argc, char **argv)
{
	struct request_options	 ro;
	struct schedule		 s;
	struct store		*st = NULL;
	struct err		 e;
	char			 at[CTL_TIME_MAX];
	int			 rc, inserted = 0;

	memset(&s, 0, sizeof(s));
	if ((rc = request_parse(ctl, argc, argv, 0, &ro)) != 0)
		return rc < 0 ? EX_OK : rc;
	civil_format_rfc3339(ctl->now, 0, at, sizeof(at));
	if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    store_begin(st, &e) == -1 ||
	    store_schedule_get(st, argv[optind], &s, &e) == -1 ||
	    store_run_request(st, &s, ctl->now, "trigger", ctl->now, &inserted,
	    &e) == -1)
		goto fail;
	if (!inserted) {
		err_set_code(&e, EX_TEMPFAIL, "%s has a run at %s already; "
		    "try again in a second", s.name, at);
		goto fail;
	}
	if (store_change_record(st, ctl->now, "trigger", &s, NULL, NULL,
	    &e) == -1 || store_commit(st, &e) == -1)
		goto fail;
	if (ctl->json)
		printf("{\"schedule\":\"%s\",\"scheduled_at\":\"%s\"}\n",
		    s.name, at);
	else
		printf("triggered %s at %s\n", s.name, at);
	rc = EX_OK;
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	store_close(st);
	schedule_clear(&s);
	return rc;
}

int
cmd_backfill(struct ctl *ctl, int argc, char **argv)
{
	struct request_options	 ro;
	struct schedule		 s;
	struct cron_expr	 expr;
	struct tz_zone		*zone = NULL;
	struct store		*st = NULL;
	struct err		 e;
	char			 at[CTL_TIME_MAX];
	int64_t			 t, count = 0, added = 0;
	int			 rc, inserted;
	cJSON			*list = NULL;

	memset(&s, 0, sizeof(s));
	if ((rc = request_parse(ctl, argc, argv, 1, &ro)) != 0)
		return rc < 0 ? EX_OK : rc;
	if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    store_begin(st, &e) == -1 ||
	    store_schedule_get(st, argv[optind], &s, &e) == -1)
		goto fail;
	if (cron_parse(s.cron, &expr, &e) == -1 ||
	    tz_zone_load(ctl->tzdir, s.tz, &zone, &e) == -1)
		goto fail;
	expr.anchor = s.created_at;
	/* Count first: an oversized request writes nothing. */
	for (t = ro.from - 1; cron_next(&expr, zone, t, &t) == 0 && t <= ro.to;)
		if (++count > BACKFILL_MAX) {
			err_set_code(&e, EX_DATAERR, "%s fires more than %d "
			    "times from --from to --to; backfill a shorter "
			    "range", s.name, BACKFILL_MAX);
			goto fail;
		}
	if (ctl->json && (list = cJSON_CreateArray()) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	for (t = ro.from - 1; cron_next(&expr, zone, t, &t) == 0 && t <= ro.to;) {
		inserted = 0;
		if (!ro.dry_run && store_run_request(st, &s, t, "backfill",
		    ctl->now, &inserted, &e) == -1)
			goto fail;
		added += inserted;
		civil_format_rfc3339(t, tz_offset_at(zone, t), at, sizeof(at));
		if (list != NULL)
			cJSON_AddItemToArray(list, cJSON_CreateString(at));
		else
			printf("%s%s\n", at, ro.dry_run ? "" :
			    inserted ? "  requested" : "  has a run already");
	}
	if (ro.dry_run || added == 0)
		store_rollback(st);	/* nothing asked for: nothing to record */
	else if (store_change_record(st, ctl->now, "backfill", &s, NULL,
	    NULL, &e) == -1 || store_commit(st, &e) == -1)
		goto fail;
	if (list != NULL) {
		char	*json = cJSON_PrintUnformatted(list);

		printf("{\"schedule\":\"%s\",\"dry_run\":%s,\"instants\":%s,"
		    "\"requested\":%lld}\n", s.name, ro.dry_run ? "true" :
		    "false", json ? json : "[]", (long long)added);
		free(json);
	} else
		printf("%s: %lld instants, %lld requested%s\n", s.name,
		    (long long)count, (long long)added,
		    ro.dry_run ? " (dry run: nothing written)" : "");
	rc = EX_OK;
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_DATAERR);
 out:
	store_close(st);
	tz_zone_free(zone);
	schedule_clear(&s);
	cJSON_Delete(list);
	return rc;
}
