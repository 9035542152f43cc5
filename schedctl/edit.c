/* edit.c: schedctl add, update, remove, pause, resume: the commands that change schedules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/json.h"
#include "schedd/schedule.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "schedd/tz.h"
#include "ctl.h"

#define WINDOW_MAX	(366LL * 86400)

/* Options of add and update; values apply on top of the row being edited. */
enum edit_option {
	OPT_LP = 256, OPT_CRON, OPT_TZ, OPT_INPUT, OPT_INPUTS, OPT_KICKOFF,
	OPT_LABEL, OPT_ANNOTATION, OPT_SERVICE_ACCOUNT, OPT_CATCHUP,
	OPT_CATCHUP_WINDOW, OPT_OVERLAP, OPT_PAUSED, OPT_NOTE,
};

static const struct option edit_options[] = {
	CTL_GLOBAL_OPTIONS,
	{ "lp",			required_argument,	NULL,	OPT_LP },
	{ "cron",		required_argument,	NULL,	OPT_CRON },
	{ "tz",			required_argument,	NULL,	OPT_TZ },
	{ "input",		required_argument,	NULL,	OPT_INPUT },
	{ "inputs",		required_argument,	NULL,	OPT_INPUTS },
	{ "kickoff-input",	required_argument,	NULL,	OPT_KICKOFF },
	{ "label",		required_argument,	NULL,	OPT_LABEL },
	{ "annotation",		required_argument,	NULL,	OPT_ANNOTATION },
	{ "service-account",	required_argument,	NULL,	OPT_SERVICE_ACCOUNT },
	{ "catchup",		required_argument,	NULL,	OPT_CATCHUP },
	{ "catchup-window",	required_argument,	NULL,	OPT_CATCHUP_WINDOW },
	{ "overlap",		required_argument,	NULL,	OPT_OVERLAP },
	{ "paused",		no_argument,		NULL,	OPT_PAUSED },
	{ "note",		required_argument,	NULL,	OPT_NOTE },
	{ NULL, 0, NULL, 0 }
};

#define EDIT_OPTIONS_HELP						\
    "         [--tz ZONE] [--input KEY=VALUE]... [--inputs JSON|@FILE]\n"	\
    "         [--kickoff-input NAME] [--label KEY=VALUE|KEY-]... "	\
    "[--annotation KEY=VALUE|KEY-]...\n"				\
    "         [--service-account SA] [--catchup all|latest|none] "	\
    "[--catchup-window DURATION]\n"					\
    "         [--overlap allow|skip|buffer-one|cancel-previous] "	\
    "[--paused] [--note TEXT]\n"

static const char add_help[] =
    "usage: schedctl add NAME --lp PROJECT/DOMAIN/LAUNCHPLAN[@VERSION] "
    "--cron EXPR\n"
    EDIT_OPTIONS_HELP
    "\n"
    "Add a schedule. Without @VERSION the launch plan's latest version is\n"
    "used at each fire. --input takes VALUE as JSON when it is valid strict\n"
    "JSON (007 is not: it stays the string \"007\"), else as a string.\n"
    "Shows the next 3 fire times.\n"
    "\n"
    "examples:\n"
    "  schedctl add data_sync_site_a --lp flytesnacks/development/"
    "data_sync_wf \\\n"
    "      --cron '0 */6 * * *' --tz Asia/Shanghai --input site_id=site_a "
    "--label team=data\n"
    "  schedctl add nightly --lp p/d/report_wf@v3 --cron @daily "
    "--kickoff-input run_date --paused\n";

static const char update_help[] =
    "usage: schedctl update NAME [--lp PROJECT/DOMAIN/LAUNCHPLAN[@VERSION]] "
    "[--cron EXPR]\n"
    EDIT_OPTIONS_HELP
    "\n"
    "Change fields of an existing schedule; --input, --label and\n"
    "--annotation add to what it has, and --label KEY- (--annotation KEY-)\n"
    "removes KEY. An update that changes nothing writes nothing.\n"
    "\n"
    "examples:\n"
    "  schedctl update data_sync_site_a --cron '0 */4 * * *' "
    "--input retries=3\n"
    "  schedctl update data_sync_site_a --label site- --label tier=gold\n"
    "  schedctl update data_sync_site_a --lp flytesnacks/development/"
    "data_sync_wf@v4\n";

static int
replace_string(char **field, const char *value)
{
	char	*copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return ctl_fail(EX_OSERR, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

/* Read --inputs: JSON text, or @FILE. Returns new text, or NULL after printing the error. */
static char *
read_inputs_arg(const char *arg, int *rc)
{
	FILE	*f;
	char	*text;
	long	 len;
	size_t	 n;

	if (arg[0] != '@')
		return strdup(arg);
	if ((f = fopen(arg + 1, "rb")) == NULL) {
		*rc = ctl_fail(EX_NOINPUT, "--inputs: cannot read %s", arg + 1);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    len > 16 << 20 || fseek(f, 0, SEEK_SET) == -1 ||
	    (text = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		*rc = ctl_fail(EX_IOERR, "--inputs: cannot read %s", arg + 1);
		return NULL;
	}
	text[n = fread(text, 1, (size_t)len, f)] = '\0';
	fclose(f);
	/* The text would end at a NUL byte, and what follows be lost unseen. */
	if (strlen(text) != n) {
		*rc = ctl_fail(EX_DATAERR, "--inputs: %s holds a NUL byte",
		    arg + 1);
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Set KEY=VALUE in the JSON object *text; VALUE as JSON when as_json and it
 * is strict JSON (007 is not: it stays the string "007"), else as a string.
 * For labels and annotations (removable), "KEY-" removes KEY, as kubectl
 * label does; removing a key that is not there changes nothing.
 */
static int
set_pair(char **text, const char *option, const char *pair, int as_json,
    int removable)
{
	const char	*eq = strchr(pair, '=');
	size_t		 len = strlen(pair);
	int		 removing = removable && eq == NULL && len > 1 &&
			    pair[len - 1] == '-';
	cJSON		*obj, *value = NULL;
	char		*key, *out;
	struct err	 e;

	if (!json_utf8_valid(pair, len))
		return ctl_fail(EX_DATAERR, "%s: not valid UTF-8", option);
	if (!removing && (eq == NULL || eq == pair))
		return ctl_fail(EX_DATAERR, "%s: \"%s\" is not KEY=VALUE%s",
		    option, pair, removable ? " or KEY-" : "");
	if ((obj = cJSON_Parse(*text ? *text : "{}")) == NULL ||
	    (key = strndup(pair, removing ? len - 1 :
	    (size_t)(eq - pair))) == NULL) {
		cJSON_Delete(obj);
		return ctl_fail(EX_DATAERR, "%s: current value is not JSON",
		    option);
	}
	if (removing) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		free(key);
		goto print;
	}
	/* JSON that cannot be kept as written is refused, not taken as text. */
	if (as_json && json_valid(eq + 1) &&
	    json_parse_strict(eq + 1, &value, &e) == -1) {
		ctl_fail(e.code, "input %s: %s", key, e.msg);
		cJSON_Delete(obj);
		free(key);
		return e.code;
	}
	if (value == NULL)
		value = cJSON_CreateString(eq + 1);
	/* In place, so setting a key to its value changes nothing, not even the order. */
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
	else
		cJSON_AddItemToObject(obj, key, value);
	free(key);
 print:
	out = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	if (out == NULL)
		return ctl_fail(EX_OSERR, "out of memory");
	free(*text);
	*text = out;
	return 0;
}

/* Apply one add/update option to s. Returns 0 or an exit code. */
static int
edit_apply(struct schedule *s, int opt, const char *arg)
{
	struct err	 e;
	char		*text;
	cJSON		*check;
	int		 rc = 0;

	switch (opt) {
	case OPT_LP:
		if (schedule_set_launch_plan(s, arg, &e) == -1)
			return ctl_fail(e.code, "--lp: %s", e.msg);
		return 0;
	case OPT_CRON:
		return replace_string(&s->cron, arg);
	case OPT_TZ:
		return replace_string(&s->tz, arg);
	case OPT_INPUT:
		return set_pair(&s->inputs, "--input", arg, 1, 0);
	case OPT_INPUTS:
		if ((text = read_inputs_arg(arg, &rc)) == NULL)
			return rc ? rc : ctl_fail(EX_OSERR, "out of memory");
		if (json_parse_strict(text, &check, &e) == -1 ||
		    !cJSON_IsObject(check)) {
			rc = check == NULL ? ctl_fail(e.code, "--inputs: %s",
			    e.msg) : ctl_fail(EX_DATAERR, "--inputs: not a JSON "
			    "object");
			cJSON_Delete(check);
			free(text);
			return rc;
		}
		cJSON_Delete(check);
		free(s->inputs);
		s->inputs = text;
		return 0;
	case OPT_KICKOFF:
		return replace_string(&s->kickoff_input, arg);
	case OPT_LABEL:
		return set_pair(&s->labels, "--label", arg, 0, 1);
	case OPT_ANNOTATION:
		return set_pair(&s->annotations, "--annotation", arg, 0, 1);
	case OPT_SERVICE_ACCOUNT:
		return replace_string(&s->service_account, arg);
	case OPT_CATCHUP:
		return replace_string(&s->catchup, arg);
	case OPT_CATCHUP_WINDOW:
		if (civil_parse_duration(arg, WINDOW_MAX, &s->catchup_window) == -1)
			return ctl_fail(EX_DATAERR, "--catchup-window: \"%s\" "
			    "is not a duration like 30m, 2h, 1d (at most "
			    "366d)", arg);
		return 0;
	case OPT_OVERLAP:
		return replace_string(&s->overlap, arg);
	/* An operator's pause and note: apply leaves them unless its file says paused. */
	case OPT_PAUSED:
		s->paused = 1;
		s->paused_by_operator = 1;
		return 0;
	case OPT_NOTE:
		s->paused_by_operator = 1;
		return replace_string(&s->note, arg);
	}
	return EX_USAGE;
}

/* Print what add and update show: the row, and its next 3 fires. */
static int
print_saved(struct ctl *ctl, const char *verb, const struct schedule *s)
{
	char	 fires[3][CTL_TIME_MAX], *json;
	cJSON	*doc, *next;
	int	 n = 0;
	struct err e;

	if (!s->paused && (n = ctl_next_fires(ctl, s, 3, fires, &e)) == -1)
		return ctl_fail(EX_SOFTWARE, "%s", e.msg);
	if (!ctl->json) {
		printf("%s %s; next fires:\n", verb, s->name);
		for (int i = 0; i < n; i++)
			printf("  %s\n", fires[i]);
		if (s->paused)
			printf("  none: paused\n");
		return EX_OK;
	}
	doc = (json = schedule_to_json(s)) ? cJSON_Parse(json) : NULL;
	free(json);
	if ((next = cJSON_AddArrayToObject(doc, "next")) == NULL) {
		cJSON_Delete(doc);
		return ctl_fail(EX_OSERR, "out of memory");
	}
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(next, cJSON_CreateString(fires[i]));
	return ctl_print_doc(ctl, doc);
}

/* add and update: parse options onto a row, validate, write it with its audit record. */
static int
edit_run(struct ctl *ctl, int argc, char **argv, const char *command)
{
	struct schedule	 s, existing;
	const struct schedule *checked = &s;
	struct store	*st = NULL;
	struct err	 e;
	char		*before_json = NULL, *after_json = NULL;
	int		 adding = strcmp(command, "add") == 0;
	int		 opt, rc, have_lp = 0, have_cron = 0;
	int		 opts[64], nopts = 0;
	const char	*args[64];

	memset(&s, 0, sizeof(s));
	/* Collect first: update applies them on top of the stored row. */
	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT,
	    edit_options, adding ? add_help : update_help, &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc;
		if (nopts == (int)(sizeof(opts) / sizeof(opts[0])))
			return ctl_fail(EX_USAGE, "%s: too many options", command);
		have_lp |= opt == OPT_LP;
		have_cron |= opt == OPT_CRON;
		opts[nopts] = opt;
		args[nopts++] = optarg;
	}
	if (argc - optind != 1)
		return ctl_usage_error(command, "expected one NAME");
	if (adding && (!have_lp || !have_cron))
		return ctl_usage_error(command, "--lp and --cron are required");
	if (!schedule_name_valid(argv[optind]))
		return ctl_fail(EX_DATAERR, "name \"%s\" must match "
		    "^[A-Za-z0-9_.-]{1,128}$", argv[optind]);

	if (adding) {
		/* Everything is checked before the database is touched (or created). */
		if (replace_string(&s.name, argv[optind]) != 0 ||
		    replace_string(&s.tz, "UTC") != 0 ||
		    replace_string(&s.inputs, "{}") != 0 ||
		    replace_string(&s.labels, "{}") != 0 ||
		    replace_string(&s.annotations, "{}") != 0 ||
		    replace_string(&s.catchup, "latest") != 0 ||
		    replace_string(&s.overlap, "allow") != 0) {
			rc = EX_OSERR;
			goto out;
		}
		s.catchup_window = 3600;
		s.created_at = s.active_since = s.updated_at = ctl->now;
		for (int i = 0; i < nopts; i++)
			if ((rc = edit_apply(&s, opts[i], args[i])) != 0)
				goto out;
		if (schedule_validate(&s, ctl->tzdir, &e) == -1)
			goto fail;
		if ((rc = ctl_check_or_fail(ctl, &checked, 1)) != EX_OK)
			goto out;
		if (store_open(ctl->db_path, STORE_CREATE, &st, &e) == -1 ||
		    store_begin(st, &e) == -1)
			goto fail;
		if (store_schedule_get(st, s.name, &existing, &e) == 0) {
			schedule_clear(&existing);
			err_set_code(&e, EX_DATAERR, "schedule \"%s\" already "
			    "exists (use schedctl update)", s.name);
			goto fail;
		}
		if (e.code != EX_NOINPUT)
			goto fail;
	} else {
		if (store_open(ctl->db_path, 0, &st, &e) == -1 ||
		    store_schedule_get(st, argv[optind], &s, &e) == -1)
			goto fail;
		if ((before_json = schedule_to_json(&s)) == NULL) {
			rc = ctl_fail(EX_OSERR, "out of memory");
			goto out;
		}
		for (int i = 0; i < nopts; i++)
			if ((rc = edit_apply(&s, opts[i], args[i])) != 0)
				goto out;
		if (schedule_validate(&s, ctl->tzdir, &e) == -1)
			goto fail;
		/* Compared before updated_at moves: a no-op writes nothing. */
		if ((after_json = schedule_to_json(&s)) == NULL) {
			rc = ctl_fail(EX_OSERR, "out of memory");
			goto out;
		}
		if (strcmp(before_json, after_json) == 0) {
			rc = print_saved(ctl, "unchanged:", &s);
			goto out;
		}
		free(after_json);
		after_json = NULL;
		s.updated_at = ctl->now;
		/* Checked outside the write lock: Admin may take seconds, the daemon writes meanwhile. */
		if ((rc = ctl_check_or_fail(ctl, &checked, 1)) != EX_OK)
			goto out;
		if (store_begin(st, &e) == -1 ||
		    store_schedule_get(st, s.name, &existing, &e) == -1)
			goto fail;
		after_json = schedule_to_json(&existing);
		schedule_clear(&existing);
		if (after_json == NULL) {
			rc = ctl_fail(EX_OSERR, "out of memory");
			goto out;
		}
		if (strcmp(after_json, before_json) != 0) {
			err_set_code(&e, EX_TEMPFAIL, "schedule \"%s\" changed "
			    "while it was checked; nothing written, run again",
			    s.name);
			goto fail;
		}
		free(after_json);
	}
	if ((after_json = schedule_to_json(&s)) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	if (store_schedule_put(st, &s, &e) == -1 ||
	    store_change_record(st, ctl->now, command, &s, before_json,
	    after_json, &e) == -1 || store_commit(st, &e) == -1)
		goto fail;
	rc = print_saved(ctl, adding ? "added" : "updated", &s);
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	store_close(st);
	schedule_clear(&s);
	free(before_json);
	free(after_json);
	return rc;
}

int
cmd_add(struct ctl *ctl, int argc, char **argv)
{
	return edit_run(ctl, argc, argv, "add");
}

int
cmd_update(struct ctl *ctl, int argc, char **argv)
{
	return edit_run(ctl, argc, argv, "update");
}

/* What remove, pause and resume do to one schedule inside the transaction. */
enum bulk_action { BULK_REMOVE, BULK_PAUSE, BULK_RESUME };

struct bulk {
	struct ctl		*ctl;
	struct store		*st;
	enum bulk_action	 action;
	const char		*note;		/* pause --note */
	struct selector		*sel;
	cJSON			*names;		/* changed, printed once committed */
};

static const char *const bulk_commands[] = { "remove", "pause", "resume" };

static int
bulk_one(struct bulk *b, struct schedule *s, struct err *e)
{
	char	*before = NULL, *after = NULL;
	int	 rc = -1;

	/* Pausing a paused schedule (with the same note) or resuming an active one is no change. */
	if ((b->action == BULK_PAUSE && s->paused && (b->note == NULL ||
	    (s->note != NULL && strcmp(s->note, b->note) == 0))) ||
	    (b->action == BULK_RESUME && !s->paused))
		return 0;
	if ((before = schedule_to_json(s)) == NULL)
		goto nomem;
	switch (b->action) {
	case BULK_REMOVE:
		if (store_schedule_delete(b->st, s->id, e) == -1)
			goto out;
		break;
	case BULK_PAUSE:
		s->paused = 1;
		if (b->note != NULL) {
			free(s->note);
			if ((s->note = strdup(b->note)) == NULL)
				goto nomem;
		}
		break;
	case BULK_RESUME:
		/* Resuming does not catch up the paused period. */
		if (s->paused)
			s->active_since = b->ctl->now;
		s->paused = 0;
		break;
	}
	if (b->action != BULK_REMOVE) {
		/* apply leaves them as the operator set them, unless its file says paused. */
		s->paused_by_operator = 1;
		s->updated_at = b->ctl->now;
		if ((after = schedule_to_json(s)) == NULL)
			goto nomem;
		if (store_schedule_put(b->st, s, e) == -1)
			goto out;
	}
	if (store_change_record(b->st, b->ctl->now, bulk_commands[b->action],
	    s, before, after, e) == -1)
		goto out;
	if (!cJSON_AddItemToArray(b->names, cJSON_CreateString(s->name)))
		goto nomem;
	rc = 0;
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
 out:
	free(before);
	free(after);
	return rc;
}

/* store_schedule_each callback: act on the schedules the selector matches. */
static int
bulk_selected(const struct schedule *row, void *arg, struct err *e)
{
	struct bulk	*b = arg;
	struct schedule	 s;
	int		 rc;

	if (!selector_match(b->sel, row->labels))
		return 0;
	/* bulk_one edits the row; work on our own copy. */
	if (store_schedule_get(b->st, row->name, &s, e) == -1)
		return -1;
	rc = bulk_one(b, &s, e);
	schedule_clear(&s);
	return rc;
}

static const char *const bulk_help[] = {
	"usage: schedctl remove NAME... | --selector SELECTOR\n\n"
	"Remove schedules. Their run history stays in the runs table.\n\n"
	"examples:\n  schedctl remove data_sync_site_a\n"
	"  schedctl remove --selector 'team=data,site in (site_a,site_b)'\n",
	"usage: schedctl pause NAME... [--note TEXT] | --selector SELECTOR\n\n"
	"Stop firing schedules until resumed.\n\n"
	"examples:\n  schedctl pause data_sync_site_a --note 'site migration'\n"
	"  schedctl pause --selector team=data\n",
	"usage: schedctl resume NAME... | --selector SELECTOR\n\n"
	"Fire schedules again from now on; the paused period is not caught up.\n\n"
	"examples:\n  schedctl resume data_sync_site_a\n"
	"  schedctl resume --selector team=data\n",
};

static int
bulk_run(struct ctl *ctl, int argc, char **argv, enum bulk_action action)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "selector",	required_argument,	NULL,	'l' },
		{ "note",	required_argument,	NULL,	'N' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const verbs[] = { "removed", "paused", "resumed" };
	struct bulk	 b = { .ctl = ctl, .action = action };
	struct schedule	 s;
	struct err	 e;
	const char	*selector = NULL;
	const cJSON	*name;
	int		 opt, rc;

	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT, options,
	    bulk_help[action], &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc;
		if (opt == 'l')
			selector = optarg;
		else if (action == BULK_PAUSE)
			b.note = optarg;
		else
			return ctl_usage_error(ctl->command, "--note is for pause");
	}
	if ((selector == NULL) == (optind == argc))
		return ctl_usage_error(ctl->command, "give NAMEs or --selector");
	if (b.note != NULL && !json_utf8_valid(b.note, strlen(b.note)))
		return ctl_fail(EX_DATAERR, "note: not valid UTF-8");
	if (selector != NULL && selector_parse(selector, &b.sel, &e) == -1)
		return ctl_fail(e.code, "%s", e.msg);
	if ((b.names = cJSON_CreateArray()) == NULL) {
		selector_free(b.sel);
		return ctl_fail(EX_OSERR, "out of memory");
	}
	if (store_open(ctl->db_path, 0, &b.st, &e) == -1) {
		rc = ctl_fail(e.code, "%s", e.msg);
		goto out;
	}
	if (store_begin(b.st, &e) == -1)
		goto fail;
	if (b.sel != NULL) {
		if (store_schedule_each(b.st, bulk_selected, &b, &e) == -1)
			goto fail;
	} else
		for (int i = optind; i < argc; i++) {
			if (store_schedule_get(b.st, argv[i], &s, &e) == -1)
				goto fail;
			rc = bulk_one(&b, &s, &e);
			schedule_clear(&s);
			if (rc == -1)
				goto fail;
		}
	if (store_commit(b.st, &e) == -1)
		goto fail;
	if (ctl->json) {
		cJSON	*doc = cJSON_CreateObject();

		if (doc != NULL && cJSON_AddItemToObject(doc, verbs[action],
		    b.names))
			b.names = NULL;
		rc = ctl_print_doc(ctl, doc);
		goto out;
	} else if (cJSON_GetArraySize(b.names) == 0)
		printf("nothing to %s\n", bulk_commands[action]);
	else
		cJSON_ArrayForEach(name, b.names)
			printf("%s %s\n", verbs[action], name->valuestring);
	rc = EX_OK;
	goto out;
 fail:
	/* All or nothing: one bad name leaves every schedule as it was. */
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	store_close(b.st);
	selector_free(b.sel);
	cJSON_Delete(b.names);
	return rc;
}

int
cmd_remove(struct ctl *ctl, int argc, char **argv)
{
	return bulk_run(ctl, argc, argv, BULK_REMOVE);
}

int
cmd_pause(struct ctl *ctl, int argc, char **argv)
{
	return bulk_run(ctl, argc, argv, BULK_PAUSE);
}

int
cmd_resume(struct ctl *ctl, int argc, char **argv)
{
	return bulk_run(ctl, argc, argv, BULK_RESUME);
}

/* --- repin --- */

struct repin {
	struct bulk	 b;		/* reuse the bulk walk's store and names */
	struct schedule	 lp;		/* project, domain, launch_plan to match */
	const char	*version;
	struct schedule	*moved;		/* the schedules as they will be, to check first */
	size_t		 count;
	size_t		 cap;
};

/* Whether row is a pinned schedule of the launch plan that repin moves. */
static int
repin_wanted(const struct repin *r, const struct schedule *row)
{
	return row->version != NULL && strcmp(row->version, r->version) != 0 &&
	    strcmp(row->project, r->lp.project) == 0 &&
	    strcmp(row->domain, r->lp.domain) == 0 &&
	    strcmp(row->launch_plan, r->lp.launch_plan) == 0 &&
	    (r->b.sel == NULL || selector_match(r->b.sel, row->labels));
}

/* store_schedule_each callback: keep what a schedule will be, moved, for the check. */
static int
repin_collect(const struct schedule *row, void *arg, struct err *e)
{
	struct repin	*r = arg;
	struct schedule	*grown;

	if (!repin_wanted(r, row))
		return 0;
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if ((grown = realloc(r->moved, r->cap * sizeof(*grown))) ==
		    NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		r->moved = grown;
	}
	if (store_schedule_get(r->b.st, row->name, &r->moved[r->count],
	    e) == -1)
		return -1;
	if (replace_string(&r->moved[r->count++].version, r->version) != 0) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* Check the schedules repin would move against Admin. Returns a sysexits code, EX_OK to go on. */
static int
repin_check(struct repin *r)
{
	const struct schedule	**list;
	int			  rc;

	if ((list = calloc(r->count + 1, sizeof(*list))) == NULL)
		return ctl_fail(EX_OSERR, "out of memory");
	for (size_t i = 0; i < r->count; i++)
		list[i] = &r->moved[i];
	rc = ctl_check_or_fail(r->b.ctl, list, r->count);
	free(list);
	return rc;
}

/* store_schedule_each callback: move pinned schedules of the launch plan to the version. */
static int
repin_one(const struct schedule *row, void *arg, struct err *e)
{
	struct repin	*r = arg;
	struct schedule	 s;
	char		*before = NULL, *after = NULL;
	int		 rc = -1;

	if (!repin_wanted(r, row))
		return 0;
	if (store_schedule_get(r->b.st, row->name, &s, e) == -1)
		return -1;
	/* The version its file pinned, the first time: apply keeps the repin while the file pins that. */
	if ((before = schedule_to_json(&s)) == NULL ||
	    (s.repinned_from == NULL &&
	    replace_string(&s.repinned_from, s.version) != 0) ||
	    replace_string(&s.version, r->version) != 0 ||
	    (s.updated_at = r->b.ctl->now, (after = schedule_to_json(&s)) == NULL)) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto out;
	}
	if (store_schedule_put(r->b.st, &s, e) == -1 ||
	    store_change_record(r->b.st, r->b.ctl->now, "repin", &s,
	    before, after, e) == -1 ||
	    !cJSON_AddItemToArray(r->b.names, cJSON_CreateString(s.name)))
		goto out;
	rc = 0;
 out:
	free(before);
	free(after);
	schedule_clear(&s);
	return rc;
}

/* A version is valid when lp@version parses as a launch plan reference. */
static int
version_valid(const char *lp, const char *version)
{
	struct schedule	probe;
	char		ref[1024];
	int		rc;

	memset(&probe, 0, sizeof(probe));
	if ((size_t)snprintf(ref, sizeof(ref), "%s@%s", lp, version) >=
	    sizeof(ref))
		return 0;
	rc = schedule_set_launch_plan(&probe, ref, NULL);
	schedule_clear(&probe);
	return rc == 0;
}

static const char repin_help[] =
    "usage: schedctl repin --lp PROJECT/DOMAIN/NAME --version VERSION "
    "[--selector SELECTOR]\n\n"
    "Move every schedule pinned to a version of the launch plan to\n"
    "VERSION, in one transaction (schedules that follow the latest\n"
    "version are left alone).\n\n"
    "examples:\n"
    "  schedctl repin --lp flytesnacks/development/data_sync_wf "
    "--version v4\n"
    "  schedctl repin --lp flytesnacks/development/data_sync_wf "
    "--version v4 --selector 'site in (site_a)'\n";

int
cmd_repin(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "lp",		required_argument,	NULL,	'L' },
		{ "version",	required_argument,	NULL,	'V' },
		{ "selector",	required_argument,	NULL,	'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct repin	 r = { .b = { .ctl = ctl }, .version = NULL };
	struct err	 e;
	const char	*lp = NULL, *selector = NULL;
	const cJSON	*name;
	int		 opt, rc;

	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT, options,
	    repin_help, &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc;
		if (opt == 'L')
			lp = optarg;
		else if (opt == 'V')
			r.version = optarg;
		else
			selector = optarg;
	}
	if (optind != argc)
		return ctl_usage_error("repin", "takes no operands");
	if (lp == NULL || r.version == NULL)
		return ctl_usage_error("repin", "--lp and --version are required");
	if (schedule_set_launch_plan(&r.lp, lp, &e) == -1) {
		rc = ctl_fail(e.code, "--lp: %s", e.msg);
		goto out;
	}
	if (r.lp.version != NULL) {
		rc = ctl_fail(EX_USAGE, "--lp takes no @version; give it with "
		    "--version");
		goto out;
	}
	if (!version_valid(lp, r.version)) {
		rc = ctl_fail(EX_DATAERR, "--version: \"%s\" is not a valid "
		    "version", r.version);
		goto out;
	}
	if (selector != NULL && selector_parse(selector, &r.b.sel, &e) == -1) {
		rc = ctl_fail(e.code, "%s", e.msg);
		goto out;
	}
	if ((r.b.names = cJSON_CreateArray()) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	/* Checked outside the write lock: Admin may take seconds, the daemon writes meanwhile. */
	if (store_open(ctl->db_path, 0, &r.b.st, &e) == -1 ||
	    store_schedule_each(r.b.st, repin_collect, &r, &e) == -1) {
		rc = ctl_fail_err(&e, EX_SOFTWARE);
		goto out;
	}
	if ((rc = repin_check(&r)) != EX_OK)
		goto out;
	if (store_begin(r.b.st, &e) == -1 ||
	    store_schedule_each(r.b.st, repin_one, &r, &e) == -1 ||
	    store_commit(r.b.st, &e) == -1) {
		rc = ctl_fail_err(&e, EX_SOFTWARE);
		goto out;
	}
	if (ctl->json) {
		cJSON	*doc = cJSON_CreateObject();

		if (doc != NULL && cJSON_AddItemToObject(doc, "repinned",
		    r.b.names))
			r.b.names = NULL;
		if (r.b.names != NULL || !cJSON_AddStringToObject(doc,
		    "version", r.version)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		rc = ctl_print_doc(ctl, doc);
		goto out;
	} else if (cJSON_GetArraySize(r.b.names) == 0)
		printf("no pinned schedule of %s needs moving\n", lp);
	else
		cJSON_ArrayForEach(name, r.b.names)
			printf("repinned %s to %s\n", name->valuestring,
			    r.version);
	rc = EX_OK;
 out:
	store_close(r.b.st);
	for (size_t i = 0; i < r.count; i++)
		schedule_clear(&r.moved[i]);
	free(r.moved);
	selector_free(r.b.sel);
	cJSON_Delete(r.b.names);
	schedule_clear(&r.lp);
	return rc;
}
