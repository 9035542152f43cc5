/* apply.c: schedctl apply: a file of schedules as the source of truth for what it says. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "schedd/matrix.h"
#include "schedd/schedule.h"
#include "schedd/store.h"
#include "schedd/yaml.h"
#include "ctl.h"

#define EXPAND_MAX	CTL_APPLY_MAX

/* One schedule the file asks for. */
struct wanted {
	struct schedule	 s;
	int		 entry;		/* 1-based position in the file */
	int		 sets_paused;	/* the file says paused: itself */
};

struct apply {
	struct ctl	*ctl;
	const char	*file;		/* the path (a file or a directory), or "-" */
	const char	*label;		/* the file in messages: the path, or "stdin" */
	char		**files;	/* a directory: its files, in name order */
	int		 nfiles;
	int		*entry_file;	/* a directory: per entry, its file (index in files) */
	int		*entry_at;	/* ...and its place in that file, 1-based */
	const char	*source_option;	/* --source */
	char		*source;	/* --source, else the file's source:, else its absolute path */
	struct wanted	*want;
	size_t		 count;
	size_t		 cap;
	struct wanted	**by_name;	/* want sorted by name, then by place in the file */
	char		**entries;	/* per entry: its text when it has a matrix, else NULL */
	int64_t		*entry_ids;	/* per entry: its matrix_entries row once written */
	int		 nentries;
	int		 entry;		/* the entry being expanded */
	struct store	*st;
	int		 dry_run;
	int		 prune;
	cJSON		*report;	/* added, changed, kept (with fields), removed, unchanged; check */
	int		 refused;	/* dry run: schedules the check against Admin refused */
};

static const char apply_help[] =
    "usage: schedctl apply FILE|DIR|- [--dry-run] [--prune] [--source NAME]\n\n"
    "Make the schedules in the database match a YAML or JSON file (- reads\n"
    "standard input): create what is new, update what differs, and with\n"
    "--prune remove the schedules of the same source that the file does\n"
    "not name. Each schedule remembers its source: --source NAME, else\n"
    "the file's top-level source: key, else the file's absolute path\n"
    "(standard input needs one of the first two). Schedules made by\n"
    "schedctl add and those of other sources are never pruned.\n"
    "A directory is one source (its absolute path, or --source): its\n"
    "*.yaml, *.yml and *.json files (not hidden ones), in name order, are\n"
    "read as one file; a file removed and pruned takes its schedules along.\n"
    "What an operator set is left alone, one line each (=): paused and\n"
    "note set by pause, resume or update, unless the file says paused:;\n"
    "a version set by repin, while the file pins the version it replaced.\n"
    "--dry-run prints the differences and changes nothing. An invalid\n"
    "entry anywhere rejects the whole file.\n"
    "With admin.endpoint configured each schedule is first checked\n"
    "against Admin (--offline skips it); --dry-run shows each check and\n"
    "exits 65 when one is refused.\n"
    "A matrix expands one entry into many, as GitHub Actions' matrix\n"
    "does: the product of its lists, less each exclude mapping's matches,\n"
    "each extended by the include mappings that agree with it, plus the\n"
    "include mappings that agree with none. {key} in any string is\n"
    "replaced by the value ({{...}} templates are left for fire time);\n"
    "a file makes at most 100000 schedules.\n\n"
    "example file:\n"
    "  schedules:\n"
    "    - name: \"data_sync_{site_id}\"\n"
    "      lp: flytesnacks/development/data_sync_wf\n"
    "      cron: \"0 */6 * * *\"\n"
    "      tz: \"{tz}\"\n"
    "      inputs: {site_id: \"{site_id}\", since: \"{{kickoff_time}}\"}\n"
    "      labels: {team: data, site: \"{site_id}\"}\n"
    "      matrix:\n"
    "        site_id: [site_a, site_b, site_c]\n"
    "        tz: [Asia/Shanghai]\n"
    "        include: [{site_id: site_d, tz: Europe/Berlin}]\n"
    "        exclude: [{site_id: site_b}]\n\n"
    "examples:\n  schedctl apply schedules.yaml --dry-run\n"
    "  schedctl apply schedules.yaml --prune\n"
    "  schedctl export --selector team=data | schedctl apply - "
    "--source team-data\n";

/* matrix_expand callback: add one spec to the wanted list. */
static int
want_add(const cJSON *spec, void *arg, struct err *e)
{
	struct apply	*a = arg;
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
	w->entry = a->entry;
	w->sets_paused = cJSON_GetObjectItemCaseSensitive(spec, "paused") != NULL;
	a->count++;
	if ((w->s.source = strdup(a->source)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	/* Names are checked once all are read (names_check): n log n, not n². */
	return schedule_from_spec(spec, &w->s, e) == -1 ||
	    schedule_validate(&w->s, a->ctl->tzdir, e) == -1 ? -1 : 0;
}

/* Expand one entry of the file; a matrix entry's text is kept for export. */
static int
entry_expand(struct apply *a, const cJSON *entry, struct err *e)
{
	if (!cJSON_IsObject(entry)) {
		err_set_code(e, EX_DATAERR, "not a mapping");
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(entry, "matrix") != NULL &&
	    (a->entries[a->entry - 1] = cJSON_PrintUnformatted(entry)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return matrix_expand(entry, a->count, EXPAND_MAX, want_add, a, e);
}

/* Add {field: {"from": .., "to": ..}} to diff (null: unset). */
static int
diff_add(cJSON *diff, const char *field, const cJSON *from, const cJSON *to)
{
	cJSON	*change = cJSON_AddObjectToObject(diff, field);

	return change != NULL && cJSON_AddItemToObject(change, "from",
	    from ? cJSON_Duplicate(from, 1) : cJSON_CreateNull()) &&
	    cJSON_AddItemToObject(change, "to",
	    to ? cJSON_Duplicate(to, 1) : cJSON_CreateNull());
}

/* The fields that differ between two specs: {field: {"from": .., "to": ..}}. */
static cJSON *
spec_diff(const cJSON *old, const cJSON *new)
{
	cJSON		*diff = cJSON_CreateObject();
	const cJSON	*item, *was;

	if (diff == NULL)
		return NULL;
	cJSON_ArrayForEach(item, new) {
		was = cJSON_GetObjectItemCaseSensitive(old, item->string);
		if ((was == NULL || !cJSON_Compare(was, item, 1)) &&
		    !diff_add(diff, item->string, was, item))
			goto nomem;
	}
	cJSON_ArrayForEach(item, old)
		if (cJSON_GetObjectItemCaseSensitive(new, item->string) == NULL &&
		    !diff_add(diff, item->string, item, NULL))
			goto nomem;
	return diff;
 nomem:
	cJSON_Delete(diff);
	return NULL;
}

/* JSON text of a diff side, or "(unset)" for null; free with free(). */
static char *
side_text(const cJSON *side)
{
	return cJSON_IsNull(side) ? strdup("(unset)") :
	    cJSON_PrintUnformatted(side);
}

/* Lines of one report list: "MARK NAME: FIELD FROM<between>TO<after>" per field. */
static void
print_fields(const cJSON *list, const char *mark, const char *from_key,
    const char *to_key, const char *between, const char *after)
{
	const cJSON	*item, *field;
	char		*from, *to;

	cJSON_ArrayForEach(item, list)
		cJSON_ArrayForEach(field, cJSON_GetObjectItem(item, "fields")) {
			from = side_text(cJSON_GetObjectItem(field, from_key));
			to = side_text(cJSON_GetObjectItem(field, to_key));
			printf("%s %s: %s %s%s%s%s\n", mark,
			    cJSON_GetObjectItem(item, "name")->valuestring,
			    field->string, from ? from : "?", between,
			    to ? to : "?", after);
			free(from);
			free(to);
		}
}

/* The report as text: one line per change and per field left alone, then the counts. */
static void
print_report(const struct apply *a)
{
	const cJSON	*item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItem(a->report, "added"))
		printf("+ %s\n", item->valuestring);
	print_fields(cJSON_GetObjectItem(a->report, "changed"), "~", "from",
	    "to", " -> ", "");
	print_fields(cJSON_GetObjectItem(a->report, "kept"), "=", "kept",
	    "file", " left as set by the operator (file: ", ")");
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

/* A string field's value as JSON (null for NULL) into a report's fields. */
static int
kept_add(cJSON *fields, const char *field, cJSON *kept, cJSON *file)
{
	cJSON	*pair = cJSON_AddObjectToObject(fields, field);

	if (pair == NULL || !cJSON_AddItemToObject(pair, "kept", kept)) {
		cJSON_Delete(kept);
		cJSON_Delete(file);
		return 0;
	}
	return cJSON_AddItemToObject(pair, "file", file);
}

static cJSON *
string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static int
strings_differ(const char *x, const char *y)
{
	return (x == NULL) != (y == NULL) || (x != NULL && strcmp(x, y) != 0);
}

/* Replace *field with a copy of value (NULL clears it); -1 when out of memory. */
static int
string_take(char **field, const char *value)
{
	char	*copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/*
 * Keep in w what an operator set on row and the file does not own: paused
 * and note (unless the file says paused:) and a repinned version (while the
 * file pins the version repin moved from). A kept value the file would
 * change is reported in "kept".
 */
static int
operator_keep(struct apply *a, struct wanted *w, const struct schedule *row)
{
	cJSON	*fields, *entry;
	int	 ok = 1;

	if ((fields = cJSON_CreateObject()) == NULL)
		return -1;
	if (row->paused_by_operator && !w->sets_paused) {
		if (row->paused != w->s.paused)
			ok &= kept_add(fields, "paused",
			    cJSON_CreateBool(row->paused),
			    cJSON_CreateBool(w->s.paused));
		if (strings_differ(row->note, w->s.note))
			ok &= kept_add(fields, "note", string_or_null(row->note),
			    string_or_null(w->s.note));
		w->s.paused = row->paused;
		w->s.paused_by_operator = 1;
		ok &= string_take(&w->s.note, row->note) == 0;
	}
	if (row->repinned_from != NULL && w->s.version != NULL &&
	    strcmp(row->repinned_from, w->s.version) == 0) {
		if (strings_differ(row->version, w->s.version))
			ok &= kept_add(fields, "version",
			    string_or_null(row->version),
			    string_or_null(w->s.version));
		ok &= string_take(&w->s.version, row->version) == 0 &&
		    string_take(&w->s.repinned_from, row->repinned_from) == 0;
	}
	if (ok && fields->child != NULL) {
		if ((entry = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(cJSON_GetObjectItem(a->report, "kept"),
		    entry)) {
			cJSON_Delete(entry);
			cJSON_Delete(fields);
			return -1;
		}
		ok = cJSON_AddStringToObject(entry, "name", w->s.name) != NULL &&
		    cJSON_AddItemToObject(entry, "fields", fields);
		return ok ? 0 : -1;
	}
	cJSON_Delete(fields);
	return ok ? 0 : -1;
}

/* The spec apply compares: the file's form plus the source. */
static cJSON *
owned_spec(const struct schedule *s)
{
	cJSON	*spec = schedule_spec(s);

	if (spec != NULL && (s->source ? cJSON_AddStringToObject(spec, "source",
	    s->source) : cJSON_AddNullToObject(spec, "source")) == NULL) {
		cJSON_Delete(spec);
		return NULL;
	}
	return spec;
}

/* The matrix_entries row of w's entry, written once per entry. */
static int
entry_id(struct apply *a, const struct wanted *w, int64_t *id, struct err *e)
{
	int	i = w->entry - 1;

	*id = 0;
	if (a->entries[i] == NULL || a->dry_run)
		return 0;
	if (a->entry_ids[i] == 0 && store_matrix_entry_put(a->st, a->source,
	    a->entries[i], &a->entry_ids[i], e) == -1)
		return -1;
	*id = a->entry_ids[i];
	return 0;
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
	if (entry_id(a, w, &w->s.matrix_entry, e) == -1)
		goto out;
	w->s.updated_at = a->ctl->now;
	if (!exists) {
		w->s.created_at = w->s.active_since = a->ctl->now;
		if (!cJSON_AddItemToArray(cJSON_GetObjectItem(a->report, "added"),
		    cJSON_CreateString(w->s.name)))
			goto nomem;
	} else {
		cJSON	*change, *diff;

		if (operator_keep(a, w, &row) == -1 ||
		    (old_spec = owned_spec(&row)) == NULL ||
		    (new_spec = owned_spec(&w->s)) == NULL)
			goto nomem;
		w->s.id = row.id;
		w->s.created_at = row.created_at;
		if (cJSON_Compare(old_spec, new_spec, 1)) {
			cJSON	*n = cJSON_GetObjectItem(a->report, "unchanged");

			cJSON_SetNumberValue(n, n->valuedouble + 1);
			rc = 0;
			/*
			 * The file says what is there: what the operator set
			 * stays theirs. Only a new matrix entry is written,
			 * with no change to record.
			 */
			if (a->dry_run || row.matrix_entry == w->s.matrix_entry)
				goto out;
			w->s.paused_by_operator = row.paused_by_operator;
			if (string_take(&w->s.repinned_from,
			    row.repinned_from) == -1) {
				rc = -1;
				goto nomem;
			}
			w->s.updated_at = row.updated_at;
			w->s.active_since = row.active_since;
			rc = store_schedule_put(a->st, &w->s, e);
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

/* store_schedule_each callback for --prune: remove what the file does not name, of its source only. */
static int
prune_one(const struct schedule *row, void *arg, struct err *e)
{
	struct apply	*a = arg;
	char		*before;
	int		 rc = 0;

	if (row->source == NULL || strcmp(row->source, a->source) != 0)
		return 0;
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

/* Where entry index (1-based, of all the files) is: its file and its place there. */
static const char *
entry_where(const struct apply *a, int index, int *at)
{
	if (a->entry_file == NULL) {
		*at = index;
		return a->label;
	}
	*at = a->entry_at[index - 1];
	return a->files[a->entry_file[index - 1]];
}

/* The error sub of entry index (1-based) of list, naming the file and the entry. */
static void
entry_fail(const struct apply *a, const cJSON *list, int index,
    const struct err *sub, struct err *e)
{
	const cJSON	*name = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(list, index - 1), "name");
	const char	*file;
	int		 at;

	file = entry_where(a, index, &at);
	err_set_code(e, sub->code ? sub->code : EX_DATAERR,
	    "%s: entry %d%s%s%s: %s", file, at,
	    cJSON_IsString(name) ? " (" : "",
	    cJSON_IsString(name) ? name->valuestring : "",
	    cJSON_IsString(name) ? ")" : "", sub->msg);
}

/* The source the file's schedules are recorded under: --source, its source: key, or its absolute path. */
static int
source_pick(struct apply *a, const cJSON *key, struct err *e)
{
	char	 path[PATH_MAX];

	if (key != NULL && (!cJSON_IsString(key) || key->valuestring[0] == '\0')) {
		err_set_code(e, EX_DATAERR, "%s: source: not a non-empty string",
		    a->label);
		return -1;
	}
	if (a->source_option != NULL || key != NULL)
		a->source = strdup(a->source_option ? a->source_option :
		    key->valuestring);
	else if (strcmp(a->file, "-") == 0) {
		err_set_code(e, EX_USAGE, "apply: standard input needs --source "
		    "NAME or a top-level source: key (see schedctl apply "
		    "--help)");
		return -1;
	} else if (realpath(a->file, path) == NULL) {
		err_set_code(e, EX_NOINPUT, "%s: %s", a->file, strerror(errno));
		return -1;
	} else
		a->source = strdup(path);
	if (a->source == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* The list of schedules of a file's document (itself, or its schedules:); NULL with e. */
static cJSON *
document_list(cJSON *doc, const char *label, int in_directory, struct err *e)
{
	const cJSON	*item;
	cJSON		*list = doc;

	if (cJSON_IsObject(doc)) {
		cJSON_ArrayForEach(item, doc)
			if (strcmp(item->string, "schedules") != 0 &&
			    (in_directory || strcmp(item->string, "source") != 0)) {
				err_set_code(e, EX_DATAERR, "%s: unknown top-level "
				    "key \"%s\" (expected schedules%s)", label,
				    item->string, in_directory ? "; the source of a "
				    "directory's files is the directory" :
				    ", source");
				return NULL;
			}
		list = cJSON_GetObjectItemCaseSensitive(doc, "schedules");
	}
	if (!cJSON_IsArray(list)) {
		err_set_code(e, EX_DATAERR, "%s: expected a list of schedules, "
		    "or a mapping with key schedules", label);
		return NULL;
	}
	return list;
}

/* A file of a schedules directory: YAML or JSON, not hidden (editors' temporary files). */
static int
directory_takes(const char *name)
{
	size_t	len = strlen(name);

	return name[0] != '.' && ((len > 5 && strcmp(name + len - 5,
	    ".yaml") == 0) || (len > 4 && strcmp(name + len - 4, ".yml") == 0) ||
	    (len > 5 && strcmp(name + len - 5, ".json") == 0));
}

static int
name_compare(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/*
 * A directory's files, in name order, as one document: their lists joined,
 * each entry remembering its file and its place there for messages.
 */
static int
directory_load(struct apply *a, cJSON **out, struct err *e)
{
	DIR		*dir;
	struct dirent	*de;
	cJSON		*doc = NULL, *all, *list, *entry;
	char		**bigger;
	size_t		 len;
	int		 n = 0, cap = 0;

	if ((dir = opendir(a->file)) == NULL) {
		err_set_code(e, EX_NOINPUT, "%s: %s", a->file, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!directory_takes(de->d_name))
			continue;
		if (a->nfiles == cap) {
			cap = cap ? cap * 2 : 16;
			if ((bigger = realloc(a->files, (size_t)cap *
			    sizeof(*bigger))) == NULL)
				goto oom;
			a->files = bigger;
		}
		len = strlen(a->file) + strlen(de->d_name) + 2;
		if ((a->files[a->nfiles] = malloc(len)) == NULL)
			goto oom;
		snprintf(a->files[a->nfiles++], len, "%s/%s", a->file,
		    de->d_name);
	}
	closedir(dir);
	dir = NULL;
	qsort(a->files, (size_t)a->nfiles, sizeof(*a->files), name_compare);
	if ((doc = cJSON_CreateObject()) == NULL ||
	    (all = cJSON_AddArrayToObject(doc, "schedules")) == NULL)
		goto oom;
	for (int f = 0; f < a->nfiles; f++) {
		cJSON	*one = NULL;
		int	 at = 0;

		if (yaml_load(a->files[f], &one, e) == -1)
			goto fail;
		if ((list = document_list(one, a->files[f], 1, e)) == NULL) {
			cJSON_Delete(one);
			goto fail;
		}
		while ((entry = cJSON_DetachItemFromArray(list, 0)) != NULL) {
			int	*file_of, *at_of;

			if ((file_of = realloc(a->entry_file, (size_t)(n + 1) *
			    sizeof(*file_of))) != NULL)
				a->entry_file = file_of;
			if ((at_of = realloc(a->entry_at, (size_t)(n + 1) *
			    sizeof(*at_of))) != NULL)
				a->entry_at = at_of;
			if (file_of == NULL || at_of == NULL) {
				cJSON_Delete(entry);
				cJSON_Delete(one);
				goto oom;
			}
			a->entry_file[n] = f;
			a->entry_at[n++] = ++at;
			cJSON_AddItemToArray(all, entry);
		}
		cJSON_Delete(one);
	}
	*out = doc;
	return 0;
 oom:
	err_set_code(e, EX_OSERR, "out of memory");
 fail:
	if (dir != NULL)
		closedir(dir);
	cJSON_Delete(doc);
	return -1;
}

/* Read the document of the file, the directory or standard input. */
static int
document_load(struct apply *a, cJSON **doc, struct err *e)
{
	struct stat	st;

	if (strcmp(a->file, "-") == 0)
		return yaml_load_stream(stdin, a->label, doc, e);
	if (stat(a->file, &st) == 0 && S_ISDIR(st.st_mode))
		return directory_load(a, doc, e);
	return yaml_load(a->file, doc, e);
}

/* Read and expand the file; on error name the file and the entry. */
static int
apply_read(struct apply *a, struct err *e)
{
	cJSON		*doc = NULL;
	const cJSON	*list, *entry;
	struct wanted	*repeat, *first;
	struct err	 sub;

	if (document_load(a, &doc, e) == -1)
		return -1;
	if ((list = document_list(doc, a->label, 0, e)) == NULL)
		goto fail;
	if (source_pick(a, cJSON_GetObjectItemCaseSensitive(doc, "source"),
	    e) == -1)
		goto fail;
	a->nentries = cJSON_GetArraySize(list);
	if (a->nentries > 0 &&
	    ((a->entries = calloc((size_t)a->nentries, sizeof(*a->entries))) ==
	    NULL || (a->entry_ids = calloc((size_t)a->nentries,
	    sizeof(*a->entry_ids))) == NULL)) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto fail;
	}
	a->entry = 0;
	cJSON_ArrayForEach(entry, list) {
		a->entry++;
		memset(&sub, 0, sizeof(sub));
		if (entry_expand(a, entry, &sub) == -1) {
			entry_fail(a, list, a->entry, &sub, e);
			goto fail;
		}
	}
	if (names_sort(a, &repeat, &first) == -1) {
		err_set_code(e, EX_OSERR, "out of memory");
		goto fail;
	}
	if (repeat != NULL) {
		const char	*file;
		int		 at;

		file = entry_where(a, first->entry, &at);
		if (a->entry_file == NULL)
			err_set_code(&sub, EX_DATAERR, "name \"%s\" also used by "
			    "entry %d", repeat->s.name, at);
		else
			err_set_code(&sub, EX_DATAERR, "name \"%s\" also used by "
			    "%s entry %d", repeat->s.name, file, at);
		entry_fail(a, list, repeat->entry, &sub, e);
		goto fail;
	}
	cJSON_Delete(doc);
	return 0;
 fail:
	cJSON_Delete(doc);
	return -1;
}

/* The report with its lists empty. */
static cJSON *
report_new(int dry_run)
{
	cJSON	*report = cJSON_CreateObject();

	if (report == NULL ||
	    !cJSON_AddBoolToObject(report, "dry_run", dry_run) ||
	    !cJSON_AddArrayToObject(report, "added") ||
	    !cJSON_AddArrayToObject(report, "changed") ||
	    !cJSON_AddArrayToObject(report, "kept") ||
	    !cJSON_AddArrayToObject(report, "removed") ||
	    !cJSON_AddNumberToObject(report, "unchanged", 0)) {
		cJSON_Delete(report);
		return NULL;
	}
	return report;
}

/* Everything the file asks for, in one transaction; matrix entries no schedule uses are dropped. */
static int
apply_write(struct apply *a, struct err *e)
{
	/* A dry run creates nothing, not even the database. */
	if (store_open(a->ctl->db_path, a->dry_run ? 0 : STORE_CREATE, &a->st,
	    e) == -1 && !(a->dry_run && e->code == EX_NOINPUT))
		return -1;
	if (a->st != NULL && store_begin(a->st, e) == -1)
		return -1;
	for (size_t i = 0; i < a->count; i++)
		if (apply_one(a, &a->want[i], e) == -1)
			return -1;
	if (a->prune && a->st != NULL &&
	    store_schedule_each(a->st, prune_one, a, e) == -1)
		return -1;
	if (a->dry_run)
		return 0;
	return store_matrix_entries_prune(a->st, e) == -1 ||
	    store_commit(a->st, e) == -1 ? -1 : 0;
}

int
cmd_apply(struct ctl *ctl, int argc, char **argv)
{
	static const struct option	 options[] = {
		CTL_GLOBAL_OPTIONS,
		{ "dry-run",	no_argument,		NULL,	'n' },
		{ "prune",	no_argument,		NULL,	'p' },
		{ "source",	required_argument,	NULL,	's' },
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
		else if (opt == 'p')
			a.prune = 1;
		else
			a.source_option = optarg;
	}
	if (argc - optind != 1)
		return ctl_usage_error("apply", "expected one FILE (or DIR, or -)");
	if (a.source_option != NULL && a.source_option[0] == '\0')
		return ctl_usage_error("apply", "--source: empty");
	a.file = argv[optind];
	a.label = strcmp(a.file, "-") == 0 ? "stdin" : a.file;
	/* Everything is read and checked before the database is touched. */
	if (apply_read(&a, &e) == -1)
		goto fail;
	if ((a.report = report_new(a.dry_run)) == NULL) {
		err_set_code(&e, EX_OSERR, "out of memory");
		goto fail;
	}
	if ((rc = apply_check(&a)) != EX_OK)
		goto out;
	if (apply_write(&a, &e) == -1)
		goto fail;
	if (ctl->json) {
		cJSON	*report = a.report;

		a.report = NULL;	/* printed and freed there */
		if ((rc = ctl_print_doc(ctl, report)) != EX_OK)
			goto out;
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
	for (int i = 0; i < a.nentries; i++)
		free(a.entries[i]);
	free(a.entries);
	free(a.entry_ids);
	free(a.want);
	free(a.by_name);
	free(a.source);
	for (int i = 0; i < a.nfiles; i++)
		free(a.files[i]);
	free(a.files);
	free(a.entry_file);
	free(a.entry_at);
	cJSON_Delete(a.report);
	return rc;
}
