/* import.c: schedctl import: launch plans with a native Flyte schedule become schedd schedules of one base launch plan. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/execution.h"
#include "schedd/literal.h"
#include "schedd/protojson.h"
#include "schedd/schedule.h"
#include "schedd/store.h"
#include "ctl.h"

#define IMPORT_PAGE	100	/* launch plans asked for per list request */
#define IMPORT_PAGES	1000	/* ...and pages at most: 100,000 versions */

/* One launch plan replaced: where it came from, and the schedule that replaces it. */
struct import_item {
	struct schedule	 s;
	char		*source;	/* "p/d/name@version" */
	char		*id_json;	/* its core.Identifier, for the update request */
};

struct import {
	struct ctl		*ctl;
	const char		*project;
	const char		*domain;
	const char		*pattern;	/* --name-pattern, NULL: every name */
	struct schedule		 base;		/* --lp */
	int			 dry_run;
	int			 deactivate;
	struct import_item	*items;
	size_t			 count;
	size_t			 cap;
};

static const char import_help[] =
    "usage: schedctl import --project P --domain D --lp P/D/LP[@V] "
    "[--name-pattern GLOB]\n"
    "         [--dry-run] [--deactivate]\n\n"
    "Turn the ACTIVE launch plans of a project and domain that carry a\n"
    "native Flyte schedule (optionally those whose name matches GLOB) into\n"
    "schedd schedules of one base launch plan: the schedule's cron, or its\n"
    "fixed rate as @every; its kickoff input; its fixed inputs as the\n"
    "schedule's inputs; its labels. Each schedule takes the old launch\n"
    "plan's name. They are checked against Admin and created in one\n"
    "transaction; --deactivate then sets the old launch plans INACTIVE\n"
    "(only after the commit). --dry-run shows what would be created.\n\n"
    "examples:\n"
    "  schedctl import --project flytesnacks --domain development \\\n"
    "      --name-pattern 'data_sync_*' --lp flytesnacks/development/"
    "data_sync_wf --dry-run\n"
    "  schedctl import --project flytesnacks --domain development \\\n"
    "      --name-pattern 'data_sync_*' --lp flytesnacks/development/"
    "data_sync_wf --deactivate\n";

static const char *
member_text(const cJSON *obj, const char *snake)
{
	const cJSON	*v = protojson_member(obj, snake);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * A native Schedule as a schedd cron: cron_schedule.schedule (no offset),
 * the older cron_expression (AWS form: minute hour day month weekday year,
 * year "*" and "?" for "*"), or rate as @every. Returns 0, or -1 with e.
 */
static int
native_cron(const cJSON *schedule, char *buf, size_t len, struct err *e)
{
	const cJSON	*cron = protojson_member(schedule, "cron_schedule");
	const cJSON	*rate = protojson_member(schedule, "rate");
	const char	*text, *offset, *unit;
	char		 fields[6][64];
	double		 value;
	int		 n;

	if (cron != NULL && (text = member_text(cron, "schedule")) != NULL) {
		if ((offset = member_text(cron, "offset")) != NULL &&
		    *offset != '\0') {
			err_set_code(e, EX_DATAERR, "cron_schedule.offset %s is "
			    "not supported", offset);
			return -1;
		}
		snprintf(buf, len, "%s", text);
		return 0;
	}
	if ((text = member_text(schedule, "cron_expression")) != NULL) {
		n = sscanf(text, "%63s %63s %63s %63s %63s %63s", fields[0],
		    fields[1], fields[2], fields[3], fields[4], fields[5]);
		if (n != 6 || strcmp(fields[5], "*") != 0) {
			err_set_code(e, EX_DATAERR, "cron_expression \"%s\" is not "
			    "minute hour day month weekday *", text);
			return -1;
		}
		for (int i = 0; i < 5; i++)
			if (strcmp(fields[i], "?") == 0)
				snprintf(fields[i], sizeof(fields[i]), "*");
		if ((size_t)snprintf(buf, len, "%s %s %s %s %s", fields[0],
		    fields[1], fields[2], fields[3], fields[4]) >= len) {
			err_set_code(e, EX_DATAERR, "cron_expression too long");
			return -1;
		}
		return 0;
	}
	if (rate != NULL) {
		const cJSON	*v = protojson_member(rate, "value");

		value = cJSON_IsString(v) ? strtod(v->valuestring, NULL) :
		    cJSON_GetNumberValue(v);
		/* FixedRateUnit's zero, MINUTE, is dropped from sparse JSON. */
		unit = member_text(rate, "unit") ? member_text(rate, "unit") :
		    "MINUTE";
		if (!(value >= 1 && value <= 4294967295.0) ||
		    (strcmp(unit, "MINUTE") && strcmp(unit, "HOUR") &&
		    strcmp(unit, "DAY"))) {
			err_set_code(e, EX_DATAERR, "a fixed rate schedd cannot "
			    "take");
			return -1;
		}
		snprintf(buf, len, "@every %.0f%c", value, unit[0] == 'M' ? 'm' :
		    unit[0] == 'H' ? 'h' : 'd');
		return 0;
	}
	err_set_code(e, EX_DATAERR, "a schedule with no cron and no rate");
	return -1;
}

/* The launch plan's fixed inputs as plain JSON text, its labels as JSON text. */
static int
native_inputs(const cJSON *spec, char **inputs, char **labels, struct err *e)
{
	const cJSON	*lit;
	cJSON		*obj = NULL, *value;
	const cJSON	*values = protojson_member(protojson_member(spec,
			    "labels"), "values");

	*inputs = *labels = NULL;
	if ((obj = cJSON_CreateObject()) == NULL)
		goto nomem;
	cJSON_ArrayForEach(lit, protojson_member(protojson_member(spec,
	    "fixed_inputs"), "literals")) {
		if (literal_to_plain(lit, &value, e) == -1) {
			char	why[sizeof(e->msg)];

			memcpy(why, e->msg, sizeof(why));
			err_set_code(e, EX_DATAERR, "fixed input %s: %s",
			    lit->string, why);
			goto fail;
		}
		if (!cJSON_AddItemToObject(obj, lit->string, value)) {
			cJSON_Delete(value);
			goto nomem;
		}
	}
	if ((*inputs = cJSON_PrintUnformatted(obj)) == NULL ||
	    (*labels = values != NULL ? cJSON_PrintUnformatted(values) :
	    strdup("{}")) == NULL)
		goto nomem;
	cJSON_Delete(obj);
	return 0;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
 fail:
	cJSON_Delete(obj);
	free(*inputs);
	free(*labels);
	*inputs = *labels = NULL;
	return -1;
}

/* Copy text into *field. Returns 0, or -1 with e. */
static int
set_text(char **field, const char *text, struct err *e)
{
	free(*field);
	if ((*field = strdup(text)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* One launch plan of the list: an item when it is ACTIVE, scheduled and matches. Returns 0, or -1 with e. */
static int
import_plan(struct import *im, const cJSON *lp, struct err *e)
{
	const cJSON		*id = protojson_member(lp, "id");
	const cJSON		*spec = protojson_member(lp, "spec");
	const cJSON		*schedule = protojson_member(protojson_member(
				    spec, "entity_metadata"), "schedule");
	const char		*name = member_text(id, "name");
	const char		*version = member_text(id, "version");
	const char		*kickoff;
	struct import_item	*it, *grown;
	struct schedule		*s;
	char			 cron[300], source[1100];
	cJSON			*idcopy;

	if (!execution_native_schedule(lp) || name == NULL || version == NULL ||
	    (im->pattern != NULL && fnmatch(im->pattern, name, 0) != 0) ||
	    (strcmp(name, im->base.launch_plan) == 0 &&
	    strcmp(im->project, im->base.project) == 0 &&
	    strcmp(im->domain, im->base.domain) == 0))
		return 0;
	snprintf(source, sizeof(source), "%s/%s/%s@%s", im->project, im->domain,
	    name, version);
	if (native_cron(schedule, cron, sizeof(cron), e) == -1)
		goto named;
	if (!schedule_name_valid(name)) {
		err_set_code(e, EX_DATAERR, "name must match "
		    "^[A-Za-z0-9_.-]{1,128}$ to be a schedule's");
		goto named;
	}
	if (im->count == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 16;
		if ((grown = realloc(im->items, im->cap * sizeof(*grown))) ==
		    NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		im->items = grown;
	}
	it = &im->items[im->count++];
	memset(it, 0, sizeof(*it));
	s = &it->s;
	if ((it->source = strdup(source)) == NULL ||
	    (idcopy = cJSON_Duplicate(id, 1)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	it->id_json = cJSON_PrintUnformatted(idcopy);
	cJSON_Delete(idcopy);
	kickoff = member_text(schedule, "kickoff_time_input_arg");
	if (it->id_json == NULL || set_text(&s->name, name, e) == -1 ||
	    set_text(&s->project, im->base.project, e) == -1 ||
	    set_text(&s->domain, im->base.domain, e) == -1 ||
	    set_text(&s->launch_plan, im->base.launch_plan, e) == -1 ||
	    (im->base.version != NULL &&
	    set_text(&s->version, im->base.version, e) == -1) ||
	    set_text(&s->cron, cron, e) == -1 ||
	    set_text(&s->tz, "UTC", e) == -1 ||
	    set_text(&s->annotations, "{}", e) == -1 ||
	    set_text(&s->catchup, "latest", e) == -1 ||
	    set_text(&s->overlap, "allow", e) == -1 ||
	    (kickoff != NULL && *kickoff != '\0' &&
	    set_text(&s->kickoff_input, kickoff, e) == -1))
		return -1;
	if (native_inputs(spec, &s->inputs, &s->labels, e) == -1)
		goto named;
	s->catchup_window = 3600;
	s->created_at = s->active_since = s->updated_at = im->ctl->now;
	if (schedule_validate(s, im->ctl->tzdir, e) == -1)
		goto named;
	return 0;
 named:
	{
		char	why[sizeof(e->msg)];

		memcpy(why, e->msg, sizeof(why));
		err_set_code(e, e->code ? e->code : EX_DATAERR, "launch plan %s: "
		    "%s", source, why);
	}
	return -1;
}

/* Page through the project's and domain's launch plans. Returns 0, or -1 with e. */
static int
import_list(struct import *im, struct ctl_admin *ca, struct err *e)
{
	struct ctl_answer	 a = { 0 };
	const cJSON		*lp;
	cJSON			*doc = NULL;
	char			 path[1200], token[64] = "";
	const char		*next;
	int			 rc = -1;

	for (int page = 0; page < IMPORT_PAGES; page++) {
		snprintf(path, sizeof(path), "/api/v1/launch_plans/%s/%s?limit=%d"
		    "&sort_by.key=name&sort_by.direction=ASCENDING%s%s",
		    im->project, im->domain, IMPORT_PAGE, *token ? "&token=" : "",
		    token);
		if (ctl_admin_queue(ca, "GET", path, NULL, &a, e) == -1 ||
		    ctl_admin_wait(ca, e) == -1)
			goto out;
		if (a.status != 200 || (doc = cJSON_Parse(a.body)) == NULL) {
			ctl_admin_unavailable(im->ctl, &a, e);
			goto out;
		}
		cJSON_ArrayForEach(lp, protojson_member(doc, "launch_plans"))
			if (import_plan(im, lp, e) == -1)
				goto out;
		next = member_text(doc, "token");
		if (next == NULL || *next == '\0' || strlen(next) >= sizeof(token)) {
			rc = 0;
			goto out;
		}
		memcpy(token, next, strlen(next) + 1);
		cJSON_Delete(doc);
		doc = NULL;
		free(a.body);
		a.body = NULL;
	}
	err_set_code(e, EX_UNAVAILABLE, "more than %d pages of launch plans",
	    IMPORT_PAGES);
 out:
	cJSON_Delete(doc);
	free(a.body);
	return rc;
}

/* Create every item in one transaction. Returns 0, or -1 with e (nothing written). */
static int
import_commit(struct import *im, struct err *e)
{
	struct store	*st = NULL;
	struct schedule	 existing;
	char		*after = NULL;
	int		 rc = -1;

	if (store_open(im->ctl->db_path, STORE_CREATE, &st, e) == -1 ||
	    store_begin(st, e) == -1)
		goto out;
	for (size_t i = 0; i < im->count; i++) {
		if (store_schedule_get(st, im->items[i].s.name, &existing,
		    e) == 0) {
			schedule_clear(&existing);
			err_set_code(e, EX_DATAERR, "schedule \"%s\" already "
			    "exists; nothing written", im->items[i].s.name);
			goto out;
		}
		if (e->code != EX_NOINPUT)
			goto out;
		if ((after = schedule_to_json(&im->items[i].s)) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			goto out;
		}
		if (store_schedule_put(st, &im->items[i].s, e) == -1 ||
		    store_change_record(st, im->ctl->now, "import",
		    &im->items[i].s, NULL, after, e) == -1)
			goto out;
		free(after);
		after = NULL;
	}
	rc = store_commit(st, e);
 out:
	free(after);
	store_close(st);
	return rc;
}

/* Set the old launch plans INACTIVE, each once, after the commit. Returns a sysexits code. */
static int
import_deactivate(struct import *im, struct ctl_admin *ca)
{
	struct ctl_answer	*answers;
	struct err		 e;
	char			 path[1200], *body;
	size_t			 len;
	int			 rc = EX_OK;

	if ((answers = calloc(im->count + 1, sizeof(*answers))) == NULL)
		return ctl_fail(EX_OSERR, "out of memory");
	for (size_t i = 0; i < im->count; i++) {
		/* p/d/name@version -> p/d/name/version: names hold no '@'. */
		snprintf(path, sizeof(path), "/api/v1/launch_plans/%s",
		    im->items[i].source);
		*strchr(path, '@') = '/';
		len = strlen(im->items[i].id_json) + 32;
		if ((body = malloc(len)) == NULL) {
			rc = ctl_fail(EX_OSERR, "out of memory");
			goto out;
		}
		snprintf(body, len, "{\"id\":%s,\"state\":\"INACTIVE\"}",
		    im->items[i].id_json);
		rc = ctl_admin_queue(ca, "PUT", path, body, &answers[i], &e);
		free(body);
		if (rc == -1) {
			rc = ctl_fail_err(&e, EX_SOFTWARE);
			goto out;
		}
	}
	if (ctl_admin_wait(ca, &e) == -1) {
		rc = ctl_fail_err(&e, EX_SOFTWARE);
		goto out;
	}
	for (size_t i = 0; i < im->count; i++) {
		if (answers[i].status == 200) {
			printf("deactivated %s\n", im->items[i].source);
			continue;
		}
		ctl_admin_unavailable(im->ctl, &answers[i], &e);
		rc = ctl_fail(EX_UNAVAILABLE, "import: deactivating %s: %s "
		    "(the schedules are committed)", im->items[i].source, e.msg);
	}
 out:
	for (size_t i = 0; i < im->count; i++)
		free(answers[i].body);
	free(answers);
	return rc;
}

static void
import_print(const struct import *im)
{
	for (size_t i = 0; i < im->count; i++) {
		const struct schedule	*s = &im->items[i].s;

		printf("+ %s: cron \"%s\", inputs %s, labels %s%s%s (replaces "
		    "%s)\n", s->name, s->cron, s->inputs, s->labels,
		    s->kickoff_input ? ", kickoff input " : "",
		    s->kickoff_input ? s->kickoff_input : "",
		    im->items[i].source);
	}
}

int
cmd_import(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "project",		required_argument,	NULL,	'P' },
		{ "domain",		required_argument,	NULL,	'd' },
		{ "name-pattern",	required_argument,	NULL,	'g' },
		{ "lp",			required_argument,	NULL,	'L' },
		{ "dry-run",		no_argument,		NULL,	'n' },
		{ "deactivate",		no_argument,		NULL,	'x' },
		{ NULL, 0, NULL, 0 }
	};
	struct import		 im = { .ctl = ctl };
	struct ctl_admin	*ca = NULL;
	const struct schedule	**list = NULL;
	const char		*lp = NULL;
	struct err		 e;
	int			 opt, rc;

	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT, options,
	    import_help, &rc)) != -1) {
		switch (opt) {
		case CTL_EXIT:	return rc;
		case 'P':	im.project = optarg;	break;
		case 'd':	im.domain = optarg;	break;
		case 'g':	im.pattern = optarg;	break;
		case 'L':	lp = optarg;		break;
		case 'n':	im.dry_run = 1;		break;
		default:	im.deactivate = 1;	break;
		}
	}
	if (optind != argc)
		return ctl_usage_error("import", "takes no operands");
	if (im.project == NULL || im.domain == NULL || lp == NULL)
		return ctl_usage_error("import", "--project, --domain and --lp "
		    "are required");
	if (im.dry_run && im.deactivate)
		return ctl_usage_error("import", "--dry-run deactivates nothing; "
		    "give one of them");
	if (ctl->offline || ctl->conf.endpoint == NULL)
		return ctl_fail(EX_CONFIG, "import: reads the launch plans from "
		    "Flyte Admin: needs admin.endpoint in the config, and no "
		    "--offline");
	if (strchr(im.project, '/') || strchr(im.domain, '/') ||
	    strchr(im.project, '?') || strchr(im.domain, '?'))
		return ctl_fail(EX_DATAERR, "import: --project and --domain are "
		    "names, not paths");
	if (schedule_set_launch_plan(&im.base, lp, &e) == -1)
		return ctl_fail(e.code, "--lp: %s", e.msg);
	if (ctl_admin_open(ctl, &ca, &e) == -1 || import_list(&im, ca, &e) == -1)
		goto fail;
	import_print(&im);
	if ((list = calloc(im.count + 1, sizeof(*list))) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < im.count; i++)
		list[i] = &im.items[i].s;
	if ((rc = ctl_check_or_fail(ctl, list, im.count)) != EX_OK)
		goto out;
	if (im.dry_run) {
		printf("%zu schedule%s of %s to import (dry run: nothing "
		    "written)\n", im.count, im.count == 1 ? "" : "s", lp);
		goto out;
	}
	if (im.count > 0 && import_commit(&im, &e) == -1)
		goto fail;
	printf("imported %zu schedule%s of %s\n", im.count,
	    im.count == 1 ? "" : "s", lp);
	/* Only now: were the commit to fail, the old launch plans must still fire. */
	if (im.deactivate)
		rc = import_deactivate(&im, ca);
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	ctl_admin_close(ca);
	for (size_t i = 0; i < im.count; i++) {
		schedule_clear(&im.items[i].s);
		free(im.items[i].source);
		free(im.items[i].id_json);
	}
	free(im.items);
	free(list);
	schedule_clear(&im.base);
	return rc;
}
