/* apply.c: schedctl apply and export: a file of schedules as the source of truth, and back. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/json.h"
#include "schedd/schedule.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "schedd/yaml.h"
#include "ctl.h"

#define EXPAND_MAX	100000	/* schedules one file may expand to */

/* One schedule the file asks for. */
struct wanted {
	struct schedule	 s;
	int		 entry;		/* 1-based position in the file */
	int		 seen;		/* matched a row in the database */
};

struct apply {
	struct ctl	*ctl;
	const char	*file;
	struct wanted	*want;
	size_t		 count;
	size_t		 cap;
	struct wanted	**by_name;	/* want sorted by name, then by place in the file */
	struct store	*st;
	int		 dry_run;
	int		 prune;
	cJSON		*report;	/* added, changed (with fields), removed, unchanged; check */
	int		 refused;	/* dry run: schedules the check against Admin refused */
};

static const char apply_help[] =
    "usage: schedctl apply FILE [--dry-run] [--prune]\n\n"
    "Make the schedules in the database match a YAML or JSON file:\n"
    "create what is new, update what differs, and with --prune remove\n"
    "what the file does not name. --dry-run prints the differences and\n"
    "changes nothing. An invalid entry anywhere rejects the whole file.\n"
    "With admin.endpoint configured each schedule is first checked\n"
    "against Admin (--offline skips it); --dry-run shows each check and\n"
    "exits 65 when one is refused.\n"
    "A matrix expands one entry into many: {key} in any string is\n"
    "replaced by each value ({{...}} templates are left for fire time);\n"
    "a file makes at most 100000 schedules.\n\n"
    "example file:\n"
    "  schedules:\n"
    "    - name: \"data_sync_{site_id}\"\n"
    "      lp: flytesnacks/development/data_sync_wf\n"
    "      cron: \"0 */6 * * *\"\n"
    "      tz: Asia/Shanghai\n"
    "      inputs: {site_id: \"{site_id}\", since: \"{{kickoff_time}}\"}\n"
    "      labels: {team: data, site: \"{site_id}\"}\n"
    "      matrix: {site_id: [site_a, site_b, site_c]}\n\n"
    "examples:\n  schedctl apply schedules.yaml --dry-run\n"
    "  schedctl apply schedules.yaml --prune\n";

/*
 * Replace {key} in text by the bound values; a whole-string "{key}" takes the
 * value itself, so numbers stay numbers. {{...}} is copied as it is.
 */
static cJSON *
substitute_string(const char *text, const cJSON *bind, struct err *e)
{
	const cJSON	*v;
	char		*out, *o, key[130];
	size_t		 cap = strlen(text) + 1, used = 0;
	const char	*p = text, *close;

	if (text[0] == '{' && text[1] != '{' &&
	    (close = strchr(text, '}')) != NULL && close[1] == '\0' &&
	    (size_t)(close - text - 1) < sizeof(key)) {
		snprintf(key, sizeof(key), "%.*s", (int)(close - text - 1),
		    text + 1);
		if ((v = cJSON_GetObjectItemCaseSensitive(bind, key)) != NULL)
			return cJSON_Duplicate(v, 1);
	}
	if ((out = malloc(cap)) == NULL)
		return NULL;
	while (*p != '\0') {
		const char	*piece = p;
		char		*printed = NULL;
		size_t		 n;

		if (p[0] == '{' && p[1] == '{' &&
		    (close = strstr(p, "}}")) != NULL) {
			n = (size_t)(close + 2 - p);
			p = close + 2;
		} else if (p[0] == '{' && (close = strchr(p, '}')) != NULL &&
		    (size_t)(close - p - 1) < sizeof(key) &&
		    strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
		    (size_t)(close - p - 1) && close > p + 1) {
			snprintf(key, sizeof(key), "%.*s", (int)(close - p - 1),
			    p + 1);
			if ((v = cJSON_GetObjectItemCaseSensitive(bind, key)) ==
			    NULL) {
				free(out);
				err_set_code(e, EX_DATAERR, "\"{%s}\" is not a "
				    "matrix key", key);
				return NULL;
			}
			/* A number as JSON writes it: 1.1, not 1.1000000000000001. */
			if (cJSON_IsString(v))
				piece = v->valuestring;
			else if ((piece = printed = cJSON_PrintUnformatted(v)) ==
			    NULL) {
				free(out);
				return NULL;
			}
			n = strlen(piece);
			p = close + 1;
		} else {
			n = 1;
			p++;
		}
		if (used + n + 1 > cap) {
			char	*bigger;

			cap = (used + n + 1) * 2;
			if ((bigger = realloc(out, cap)) == NULL) {
				free(printed);
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + used, piece, n);
		free(printed);
		used += n;
	}
	out[used] = '\0';
	o = out;
	v = cJSON_CreateString(o);
	free(out);
	return (cJSON *)v;
}

/* A copy of node with every string substituted. */
static cJSON *
substitute(const cJSON *node, const cJSON *bind, struct err *e)
{
	const cJSON	*child;
	cJSON		*copy, *sub;

	if (cJSON_IsString(node))
		return substitute_string(node->valuestring, bind, e);
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return cJSON_Duplicate(node, 1);
	if ((copy = cJSON_IsObject(node) ? cJSON_CreateObject() :
	    cJSON_CreateArray()) == NULL)
		return NULL;
	cJSON_ArrayForEach(child, node) {
		if ((sub = substitute(child, bind, e)) == NULL) {
			cJSON_Delete(copy);
			return NULL;
		}
		if (cJSON_IsObject(node))
			cJSON_AddItemToObject(copy, child->string, sub);
		else
			cJSON_AddItemToArray(copy, sub);
	}
	return copy;
}

/* Add one spec (already expanded) to the wanted list. */
static int
want_add(struct apply *a, const cJSON *spec, int entry, struct err *e)
{
	struct wanted	*w;

	if (a->count >= EXPAND_MAX) {
		err_set_code(e, EX_DATAERR, "expands to more than %d schedules",
		    EXPAND_MAX);
		return -1;
	}
	if (a->count == a->cap) {
		size_t		 cap = a->cap ? a->cap * 2 : 64;
		struct wanted	*bigger;

		if ((bigger = realloc(a->want, cap * sizeof(*bigger))) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		a->want = bigger;
		a->cap = cap;
	}
	w = &a->want[a->count];
	memset(w, 0, sizeof(*w));
	w->entry = entry;
	a->count++;
	/* Names are checked once all are read (names_check): n log n, not n². */
	return schedule_from_spec(spec, &w->s, e) == -1 ||
	    schedule_validate(&w->s, a->ctl->tzdir, e) == -1 ? -1 : 0;
}

/* Expand an entry's matrix (the cartesian product of its keys) into wanted schedules. */
static int
expand_entry(struct apply *a, const cJSON *entry, int index, struct err *e)
{
	const cJSON	*matrix = cJSON_GetObjectItemCaseSensitive(entry, "matrix");
	const cJSON	*key, *keys[16], *at[16];
	cJSON		*base, *bind = NULL, *spec;
	int		 nkeys = 0, rc = -1;
	double		 combinations = 1;

	if (!cJSON_IsObject(entry)) {
		err_set_code(e, EX_DATAERR, "not a mapping");
		return -1;
	}
	if ((base = cJSON_Duplicate(entry, 1)) == NULL)
		goto nomem;
	cJSON_DeleteItemFromObjectCaseSensitive(base, "matrix");
	if (matrix == NULL) {
		rc = want_add(a, base, index, e);
		cJSON_Delete(base);
		return rc;
	}
	if (!cJSON_IsObject(matrix) || cJSON_GetArraySize(matrix) == 0) {
		err_set_code(e, EX_DATAERR, "matrix: not a mapping of lists");
		goto out;
	}
	cJSON_ArrayForEach(key, matrix) {
		const cJSON	*v;

		if (nkeys == 16 || !cJSON_IsArray(key) || key->child == NULL) {
			err_set_code(e, EX_DATAERR, "matrix: %s: not a "
			    "non-empty list (at most 16 keys)", key->string);
			goto out;
		}
		cJSON_ArrayForEach(v, key)
			if (cJSON_IsObject(v) || cJSON_IsArray(v) ||
			    cJSON_IsNull(v)) {
				err_set_code(e, EX_DATAERR, "matrix: %s: values "
				    "must be strings, numbers or booleans",
				    key->string);
				goto out;
			}
		combinations *= cJSON_GetArraySize(key);
		at[nkeys] = key->child;
		keys[nkeys++] = key;
	}
	/* Counted before a single one is made: 10^10 is refused now, not in hours. */
	if (a->count + combinations > EXPAND_MAX) {
		err_set_code(e, EX_DATAERR, "matrix: %.0f combinations; a file "
		    "expands to at most %d schedules", combinations, EXPAND_MAX);
		goto out;
	}
	for (;;) {
		if ((bind = cJSON_CreateObject()) == NULL)
			goto nomem;
		for (int k = 0; k < nkeys; k++)
			cJSON_AddItemToObject(bind, keys[k]->string,
			    cJSON_Duplicate(at[k], 1));
		if ((spec = substitute(base, bind, e)) == NULL) {
			if (e->msg[0] == '\0')
				goto nomem;
			goto out;
		}
		rc = want_add(a, spec, index, e);
		cJSON_Delete(spec);
		cJSON_Delete(bind);
		bind = NULL;
		if (rc == -1)
			goto out;
		/* Next combination, last key fastest. */
		int	k = nkeys - 1;

		while (k >= 0 && (at[k] = at[k]->next) == NULL) {
			at[k] = keys[k]->child;
			k--;
		}
		if (k < 0)
			break;
	}
	rc = 0;
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
	rc = -1;
 out:
	cJSON_Delete(bind);
	cJSON_Delete(base);
	return rc;
}

/* The fields that differ between two specs: {field: {"from": .., "to": ..}} (null: unset). */
static cJSON *
spec_diff(const cJSON *old, const cJSON *new)
{
	cJSON		*diff = cJSON_CreateObject(), *change;
	const cJSON	*item, *was;

	if (diff == NULL)
		return NULL;
	cJSON_ArrayForEach(item, new) {
		was = cJSON_GetObjectItemCaseSensitive(old, item->string);
		if (was != NULL && cJSON_Compare(was, item, 1))
			continue;
		if ((change = cJSON_AddObjectToObject(diff, item->string)) == NULL)
			goto nomem;
		cJSON_AddItemToObject(change, "from", was ?
		    cJSON_Duplicate(was, 1) : cJSON_CreateNull());
		cJSON_AddItemToObject(change, "to", cJSON_Duplicate(item, 1));
	}
	cJSON_ArrayForEach(item, old)
		if (cJSON_GetObjectItemCaseSensitive(new, item->string) == NULL) {
			if ((change = cJSON_AddObjectToObject(diff,
			    item->string)) == NULL)
				goto nomem;
			cJSON_AddItemToObject(change, "from",
			    cJSON_Duplicate(item, 1));
			cJSON_AddItemToObject(change, "to", cJSON_CreateNull());
		}
	return diff;
 nomem:
	cJSON_Delete(diff);
	return NULL;
}

/* The report as text: one line per change, then the counts. */
static void
print_report(const struct apply *a)
{
	const cJSON	*item, *field;
	char		*from, *to;

	cJSON_ArrayForEach(item, cJSON_GetObjectItem(a->report, "added"))
		printf("+ %s\n", item->valuestring);
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(a->report, "changed"))
		cJSON_ArrayForEach(field, cJSON_GetObjectItem(item, "fields")) {
			from = cJSON_PrintUnformatted(cJSON_GetObjectItem(field,
			    "from"));
			to = cJSON_PrintUnformatted(cJSON_GetObjectItem(field,
			    "to"));
			printf("~ %s: %s %s -> %s\n", cJSON_GetObjectItem(item,
			    "name")->valuestring, field->string,
			    from && strcmp(from, "null") ? from : "(unset)",
			    to && strcmp(to, "null") ? to : "(unset)");
			free(from);
			free(to);
		}
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(a->report, "removed"))
		printf("- %s\n", item->valuestring);
	cJSON_ArrayForEach(item, cJSON_GetObjectItem(a->report, "check"))
		printf("check %s: %s\n", item->string, item->valuestring);
	printf("%d added, %d changed, %d removed, %d unchanged%s\n",
	    cJSON_GetArraySize(cJSON_GetObjectItem(a->report, "added")),
	    cJSON_GetArraySize(cJSON_GetObjectItem(a->report, "changed")),
	    cJSON_GetArraySize(cJSON_GetObjectItem(a->report, "removed")),
	    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(a->report,
	    "unchanged")), a->dry_run ? " (dry run: nothing written)" : "");
}

/*
 * Check the file's schedules against Admin before anything is written: a
 * refusal fails the apply; a dry run reports each schedule's result in
 * a->report's "check" and counts the refused. Returns a sysexits code.
 */
static int
apply_check(struct apply *a)
{
	const struct schedule	**list = NULL;
	struct ctl_verdict	 *v = NULL;
	struct err		  e;
	cJSON			 *check;
	char			  line[1400];
	int			  rc = EX_OK, checked;

	if ((list = calloc(a->count + 1, sizeof(*list))) == NULL ||
	    (v = calloc(a->count + 1, sizeof(*v))) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < a->count; i++)
		list[i] = &a->want[i].s;
	if ((checked = ctl_check(a->ctl, list, a->count, v, &e)) == -1) {
		rc = ctl_fail_err(&e, EX_UNAVAILABLE);
		goto out;
	}
	if (!a->dry_run) {
		rc = ctl_check_report(list, a->count, v);
		goto out;
	}
	if (!checked)
		goto out;
	ctl_check_warn(list, a->count, v);
	if ((check = cJSON_AddObjectToObject(a->report, "check")) == NULL) {
		rc = ctl_fail(EX_OSERR, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < a->count; i++) {
		const struct schedule	*s = list[i];

		if (v[i].code != 0) {
			a->refused++;
			snprintf(line, sizeof(line), "refused: %s", v[i].why);
		} else
			snprintf(line, sizeof(line), "ok (%s/%s/%s@%s)",
			    s->project, s->domain, s->launch_plan, v[i].version);
		if (!cJSON_AddStringToObject(check, s->name, line)) {
			rc = ctl_fail(EX_OSERR, "out of memory");
			goto out;
		}
	}
 out:
	free(list);
	free(v);
	return rc;
}

/* Write one wanted schedule: add it, update it, or leave it. */
static int
apply_one(struct apply *a, struct wanted *w, struct err *e)
{
	struct schedule	 row;
	cJSON		*old_spec = NULL, *new_spec = NULL;
	char		*before = NULL, *after = NULL;
	int		 rc = -1, exists;

	memset(&row, 0, sizeof(row));
	/* A dry run against a database that does not exist yet: all is new. */
	exists = a->st != NULL && store_schedule_get(a->st, w->s.name, &row,
	    e) == 0;
	if (!exists && a->st != NULL && e->code != EX_NOINPUT)
		return -1;
	w->s.updated_at = a->ctl->now;
	if (!exists) {
		w->s.created_at = w->s.active_since = a->ctl->now;
		if (!cJSON_AddItemToArray(cJSON_GetObjectItem(a->report, "added"),
		    cJSON_CreateString(w->s.name)))
			goto nomem;
	} else {
		cJSON	*change, *diff;

		if ((old_spec = schedule_spec(&row)) == NULL ||
		    (new_spec = schedule_spec(&w->s)) == NULL)
			goto nomem;
		if (cJSON_Compare(old_spec, new_spec, 1)) {
			cJSON	*n = cJSON_GetObjectItem(a->report, "unchanged");

			cJSON_SetNumberValue(n, n->valuedouble + 1);
			rc = 0;
			goto out;
		}
		if ((diff = spec_diff(old_spec, new_spec)) == NULL ||
		    (change = cJSON_CreateObject()) == NULL) {
			cJSON_Delete(diff);
			goto nomem;
		}
		cJSON_AddItemToArray(cJSON_GetObjectItem(a->report, "changed"),
		    change);
		cJSON_AddStringToObject(change, "name", w->s.name);
		cJSON_AddItemToObject(change, "fields", diff);
		w->s.id = row.id;
		w->s.created_at = row.created_at;
		/* Resuming through a file does not catch up the paused period either. */
		w->s.active_since = row.paused && !w->s.paused ? a->ctl->now :
		    row.active_since;
		if ((before = schedule_to_json(&row)) == NULL)
			goto nomem;
	}
	if (!a->dry_run) {
		if ((after = schedule_to_json(&w->s)) == NULL)
			goto nomem;
		if (store_schedule_put(a->st, &w->s, e) == -1 ||
		    store_change_record(a->st, a->ctl->now, "apply", &w->s,
		    before, after, e) == -1)
			goto out;
	}
	rc = 0;
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
 out:
	cJSON_Delete(old_spec);
	cJSON_Delete(new_spec);
	free(before);
	free(after);
	schedule_clear(&row);
	return rc;
}

/* qsort order of by_name: by name, then by place in the file. */
static int
name_order(const void *x, const void *y)
{
	const struct wanted	*a = *(struct wanted *const *)x;
	const struct wanted	*b = *(struct wanted *const *)y;
	int			 c = strcmp(a->s.name, b->s.name);

	return c != 0 ? c : (a > b) - (a < b);
}

/* bsearch in by_name for a name. */
static int
name_find(const void *name, const void *elem)
{
	return strcmp(name, (*(struct wanted *const *)elem)->s.name);
}

/*
 * Sort the wanted schedules by name into a->by_name. A name used twice
 * sits next to its first use: the repeat that comes first in the file is
 * returned in *repeat, with its first use in *first. Returns 0, or -1 when
 * out of memory.
 */
static int
names_sort(struct apply *a, struct wanted **repeat, struct wanted **first)
{
	struct wanted	*group = NULL;

	*repeat = *first = NULL;
	if (a->count == 0)
		return 0;
	if ((a->by_name = malloc(a->count * sizeof(*a->by_name))) == NULL)
		return -1;
	for (size_t i = 0; i < a->count; i++)
		a->by_name[i] = &a->want[i];
	qsort(a->by_name, a->count, sizeof(*a->by_name), name_order);
	for (size_t i = 0; i < a->count; i++) {
		if (i == 0 || strcmp(a->by_name[i]->s.name, group->s.name) != 0) {
			group = a->by_name[i];
			continue;
		}
		if (*repeat == NULL || a->by_name[i] < *repeat) {
			*repeat = a->by_name[i];
			*first = group;
		}
	}
	return 0;
}

/* store_schedule_each callback for --prune: remove what the file does not name. */
static int
prune_one(const struct schedule *row, void *arg, struct err *e)
{
	struct apply	*a = arg;
	char		*before;
	int		 rc = 0;

	/* by_name is NULL for a file of no schedules, and bsearch wants a base. */
	if (a->count > 0 && bsearch(row->name, a->by_name, a->count,
	    sizeof(*a->by_name), name_find) != NULL)
		return 0;
	if (!cJSON_AddItemToArray(cJSON_GetObjectItem(a->report, "removed"),
	    cJSON_CreateString(row->name))) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (a->dry_run)
		return 0;
	if ((before = schedule_to_json(row)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (store_schedule_delete(a->st, row->id, e) == -1 ||
	    store_change_record(a->st, a->ctl->now, "apply --prune", row,
	    before, NULL, e) == -1)
		rc = -1;
	free(before);
	return rc;
}

/* The error sub of entry index (1-based) of list, naming the file and the entry. */
static void
entry_fail(const struct apply *a, const cJSON *list, int index,
    const struct err *sub, struct err *e)
{
	const cJSON	*name = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(list, index - 1), "name");

	err_set_code(e, sub->code ? sub->code : EX_DATAERR,
	    "%s: entry %d%s%s%s: %s", a->file, index,
	    cJSON_IsString(name) ? " (" : "",
	    cJSON_IsString(name) ? name->valuestring : "",
	    cJSON_IsString(name) ? ")" : "", sub->msg);
}

/* Read and expand the file; on error name the file and the entry. */
static int
apply_read(struct apply *a, struct err *e)
{
	cJSON		*doc = NULL;
	const cJSON	*list, *entry, *item;
	struct wanted	*repeat, *first;
	struct err	 sub;
	int		 index = 0;

	if (yaml_load(a->file, &doc, e) == -1)
		return -1;
	list = doc;
	if (cJSON_IsObject(doc)) {
		cJSON_ArrayForEach(item, doc)
			if (strcmp(item->string, "schedules") != 0) {
				err_set_code(e, EX_DATAERR, "%s: unknown top-level "
				    "key \"%s\" (expected schedules)", a->file,
				    item->string);
				goto fail;
			}
		list = cJSON_GetObjectItemCaseSensitive(doc, "schedules");
	}
	if (!cJSON_IsArray(list)) {
		err_set_code(e, EX_DATAERR, "%s: expected a list of schedules, "
		    "or a mapping with key schedules", a->file);
		goto fail;
	}
	cJSON_ArrayForEach(entry, list) {
		index++;
		memset(&sub, 0, sizeof(sub));
		if (expand_entry(a, entry, index, &sub) == -1) {
			entry_fail(a, list, index, &sub, e);
			goto fail;
		}
	}
	if (names_sort(a, &repeat, &first) == -1) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto fail;
	}
	if (repeat != NULL) {
		err_set_code(&sub, EX_DATAERR, "name \"%s\" also used by entry "
		    "%d", repeat->s.name, first->entry);
		entry_fail(a, list, repeat->entry, &sub, e);
		goto fail;
	}
	cJSON_Delete(doc);
	return 0;
 fail:
	cJSON_Delete(doc);
	return -1;
}

int
cmd_apply(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "dry-run",	no_argument,	NULL,	'n' },
		{ "prune",	no_argument,	NULL,	'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct apply	 a = { .ctl = ctl };
	struct err	 e;
	int		 opt, rc;

	memset(&e, 0, sizeof(e));
	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT, options,
	    apply_help, &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc;
		if (opt == 'n')
			a.dry_run = 1;
		else
			a.prune = 1;
	}
	if (argc - optind != 1)
		return ctl_usage_error("apply", "expected one FILE");
	a.file = argv[optind];
	/* Everything is read and checked before the database is touched. */
	if (apply_read(&a, &e) == -1)
		goto fail;
	if ((a.report = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddBoolToObject(a.report, "dry_run", a.dry_run) ||
	    !cJSON_AddArrayToObject(a.report, "added") ||
	    !cJSON_AddArrayToObject(a.report, "changed") ||
	    !cJSON_AddArrayToObject(a.report, "removed") ||
	    !cJSON_AddNumberToObject(a.report, "unchanged", 0)) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	if ((rc = apply_check(&a)) != EX_OK)
		goto out;
	/* A dry run creates nothing, not even the database. */
	if (store_open(ctl->db_path, a.dry_run ? 0 : STORE_CREATE, &a.st,
	    &e) == -1 && !(a.dry_run && e.code == EX_NOINPUT))
		goto fail;
	if (a.st != NULL && store_begin(a.st, &e) == -1)
		goto fail;
	for (size_t i = 0; i < a.count; i++)
		if (apply_one(&a, &a.want[i], &e) == -1)
			goto fail;
	if (a.prune && a.st != NULL &&
	    store_schedule_each(a.st, prune_one, &a, &e) == -1)
		goto fail;
	if (a.st != NULL && !a.dry_run && store_commit(a.st, &e) == -1)
		goto fail;
	if (ctl->json) {
		char	*json = cJSON_PrintUnformatted(a.report);

		if (json == NULL) {
			err_set_code(&e, EX_OSERR, "out of memory");
			goto fail;
		}
		printf("%s\n", json);
		free(json);
	} else
		print_report(&a);
	rc = EX_OK;
	/* A dry run is how CI asks whether a file would apply. */
	if (a.refused > 0)
		rc = ctl_fail(EX_DATAERR, "apply: %d of %zu schedules refused by "
		    "the check against Admin (dry run: nothing written)",
		    a.refused, a.count);
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	store_close(a.st);
	for (size_t i = 0; i < a.count; i++)
		schedule_clear(&a.want[i].s);
	free(a.want);
	free(a.by_name);
	cJSON_Delete(a.report);
	return rc;
}

/* --- export --- */

struct export {
	struct selector	*sel;
	cJSON		*list;
};

static const char export_help[] =
    "usage: schedctl export [--selector SELECTOR]\n\n"
    "Write schedules as a file that schedctl apply turns back into\n"
    "the same database (YAML; JSON with -o json).\n\n"
    "examples:\n  schedctl export > schedules.yaml\n"
    "  schedctl export --selector team=data -o json > data.json\n";

static int
export_one(const struct schedule *s, void *arg, struct err *e)
{
	struct export	*x = arg;
	cJSON		*spec;

	if (x->sel != NULL && !selector_match(x->sel, s->labels))
		return 0;
	if ((spec = schedule_spec(s)) == NULL ||
	    !cJSON_AddItemToArray(x->list, spec)) {
		cJSON_Delete(spec);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* YAML whose scalars and flow collections are JSON: valid YAML 1.2, and apply reads it back. */
static void
print_yaml(const cJSON *list)
{
	const cJSON	*spec, *item;

	printf("schedules:\n");
	if (cJSON_GetArraySize(list) == 0)
		printf("  []\n");
	cJSON_ArrayForEach(spec, list) {
		const char	*dash = "  - ";

		cJSON_ArrayForEach(item, spec) {
			char	*text = json_print(item, 0);

			printf("%s%s: %s\n", dash, item->string,
			    text ? text : "null");
			free(text);
			dash = "    ";
		}
	}
}

int
cmd_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "selector",	required_argument,	NULL,	'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct export	 x = { 0 };
	struct store	*st = NULL;
	struct err	 e;
	const char	*selector = NULL;
	char		*json;
	int		 opt, rc;

	while ((opt = ctl_getopt(ctl, argc, argv, CTL_GLOBAL_SHORT, options,
	    export_help, &rc)) != -1) {
		if (opt == CTL_EXIT)
			return rc;
		selector = optarg;
	}
	if (optind != argc)
		return ctl_usage_error("export", "takes no operands");
	if ((selector != NULL && selector_parse(selector, &x.sel, &e) == -1) ||
	    store_open(ctl->db_path, 0, &st, &e) == -1)
		goto fail;
	if ((x.list = cJSON_CreateArray()) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	if (store_schedule_each(st, export_one, &x, &e) == -1)
		goto fail;
	if (ctl->json) {
		if ((json = json_print(x.list, 1)) == NULL) {
			err_set_code(&e, EX_OSERR, "out of memory");
			goto fail;
		}
		printf("{\"schedules\": %s}\n", json);
		free(json);
	} else
		print_yaml(x.list);
	rc = EX_OK;
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	cJSON_Delete(x.list);
	selector_free(x.sel);
	store_close(st);
	return rc;
}
