/* export.c: schedctl export: schedules as a file apply reads back, a matrix entry kept whole while it still says what its schedules are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/json.h"
#include "schedd/matrix.h"
#include "schedd/schedule.h"
#include "schedd/selector.h"
#include "schedd/store.h"
#include "ctl.h"

/* One schedule selected, in name order. */
struct exported {
	cJSON	*spec;		/* what is written: the schedule, its matrix entry, or NULL (written by its entry) */
	int64_t	 entry;		/* its matrix_entries row, 0 for none */
};

struct export {
	struct selector	*sel;
	struct exported	*rows;
	size_t		 count, cap;
	char		*source;	/* the source of the first schedule */
	int		 sources;	/* 2: the schedules do not share one source */
};

/* A matrix entry's group of rows (in name order) and how its expansion compares. */
struct group {
	struct exported	**members;
	size_t		  count;
	size_t		  matched;
	int		  differs;	/* a schedule the entry makes is not (or not as) in the group */
};

static const char export_help[] =
    "usage: schedctl export [--selector SELECTOR]\n\n"
    "Write schedules as a file that schedctl apply turns back into\n"
    "the same database (YAML; JSON with -o json). Schedules an apply\n"
    "matrix entry made are written as that entry while all of them are\n"
    "selected and none was changed by hand; the others one entry each.\n"
    "When every schedule written has the same source, the file says it\n"
    "(source:), so applying it keeps their source.\n\n"
    "examples:\n  schedctl export > schedules.yaml\n"
    "  schedctl export --selector team=data -o json > data.json\n";

static int
export_one(const struct schedule *s, void *arg, struct err *e)
{
	struct export	*x = arg;
	struct exported	*row;

	if (x->sel != NULL && !selector_match(x->sel, s->labels))
		return 0;
	if (x->count == x->cap) {
		size_t		 cap = x->cap ? x->cap * 2 : 64;
		struct exported	*bigger;

		if ((bigger = realloc(x->rows, cap * sizeof(*bigger))) == NULL)
			goto nomem;
		x->rows = bigger;
		x->cap = cap;
	}
	row = &x->rows[x->count];
	row->entry = s->matrix_entry;
	if ((row->spec = schedule_spec(s)) == NULL)
		goto nomem;
	x->count++;
	if (x->count == 1) {
		x->sources = 1;
		if (s->source != NULL && (x->source = strdup(s->source)) == NULL)
			goto nomem;
	} else if (x->source == NULL || s->source == NULL ||
	    strcmp(x->source, s->source) != 0)
		x->sources = 2;
	return 0;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
	return -1;
}

/* qsort order: by matrix entry, then by name (place in rows). */
static int
entry_order(const void *x, const void *y)
{
	const struct exported	*a = *(struct exported *const *)x;
	const struct exported	*b = *(struct exported *const *)y;

	if (a->entry != b->entry)
		return a->entry < b->entry ? -1 : 1;
	return (a > b) - (a < b);
}

/* bsearch of a name in a group's members. */
static int
member_find(const void *name, const void *elem)
{
	const cJSON	*spec = (*(struct exported *const *)elem)->spec;

	return strcmp(name, cJSON_GetObjectItem(spec, "name")->valuestring);
}

/* matrix_expand callback: is this schedule of the entry in the group, as the entry makes it? */
static int
group_check(const cJSON *spec, void *arg, struct err *e)
{
	struct group	 *g = arg;
	struct schedule	  s;
	struct exported	**member;
	cJSON		 *made;

	(void)e;
	memset(&s, 0, sizeof(s));
	/* The file's form as export writes it: defaults filled in, as stored. */
	if (schedule_from_spec(spec, &s, e) == -1 ||
	    (made = schedule_spec(&s)) == NULL) {
		schedule_clear(&s);
		g->differs = 1;
		return 0;
	}
	member = bsearch(s.name, g->members, g->count, sizeof(*g->members),
	    member_find);
	if (member == NULL || !cJSON_Compare(made, (*member)->spec, 1))
		g->differs = 1;
	else
		g->matched++;
	cJSON_Delete(made);
	schedule_clear(&s);
	return 0;
}

/* Write a group as its entry when the entry makes exactly the group's schedules. */
static int
group_compact(struct store *st, struct group *g, struct err *e)
{
	struct err	 sub;
	char		*text = NULL;
	cJSON		*entry = NULL;

	if (store_matrix_entry_get(st, g->members[0]->entry, &text, e) == -1)
		return -1;
	if ((entry = cJSON_Parse(text)) == NULL) {
		free(text);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	free(text);
	/* An entry the current rules refuse is written as its schedules. */
	memset(&sub, 0, sizeof(sub));
	if (matrix_expand(entry, 0, CTL_APPLY_MAX, group_check, g, &sub) == -1 ||
	    g->differs || g->matched != g->count) {
		cJSON_Delete(entry);
		return 0;
	}
	cJSON_Delete(g->members[0]->spec);
	g->members[0]->spec = entry;
	for (size_t i = 1; i < g->count; i++) {
		cJSON_Delete(g->members[i]->spec);
		g->members[i]->spec = NULL;
	}
	return 0;
}

/* Replace each group of rows its matrix entry still makes by that entry. */
static int
export_compact(struct store *st, struct export *x, struct err *e)
{
	struct exported	**order;
	size_t		  n = 0;
	int		  rc = 0;

	if (x->count == 0)
		return 0;
	if ((order = malloc(x->count * sizeof(*order))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < x->count; i++)
		if (x->rows[i].entry != 0)
			order[n++] = &x->rows[i];
	qsort(order, n, sizeof(*order), entry_order);
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		struct group	g = { .members = order + i };

		for (j = i; j < n && order[j]->entry == order[i]->entry; j++)
			;
		g.count = j - i;
		rc = group_compact(st, &g, e);
	}
	free(order);
	return rc;
}

/* YAML whose scalars and flow collections are JSON: valid YAML 1.2, and apply reads it back. */
static void
print_yaml(const struct export *x)
{
	const cJSON	*item;
	cJSON		*source;
	char		*text;
	int		 any = 0;

	if (x->sources == 1 && x->source != NULL &&
	    (source = cJSON_CreateString(x->source)) != NULL) {
		if ((text = json_print(source, 0)) != NULL)
			printf("source: %s\n", text);
		free(text);
		cJSON_Delete(source);
	}
	printf("schedules:\n");
	for (size_t i = 0; i < x->count; i++) {
		const char	*dash = "  - ";

		if (x->rows[i].spec == NULL)
			continue;
		any = 1;
		cJSON_ArrayForEach(item, x->rows[i].spec) {
			text = json_print(item, 0);
			printf("%s%s: %s\n", dash, item->string,
			    text ? text : "null");
			free(text);
			dash = "    ";
		}
	}
	if (!any)
		printf("  []\n");
}

/* The document -o json prints: {"source": .., "schedules": [..]}. */
static cJSON *
export_document(struct export *x)
{
	cJSON	*doc = cJSON_CreateObject(), *list;

	if (doc == NULL || (x->sources == 1 && x->source != NULL &&
	    !cJSON_AddStringToObject(doc, "source", x->source)) ||
	    (list = cJSON_AddArrayToObject(doc, "schedules")) == NULL) {
		cJSON_Delete(doc);
		return NULL;
	}
	for (size_t i = 0; i < x->count; i++)
		if (x->rows[i].spec != NULL) {
			cJSON_AddItemToArray(list, x->rows[i].spec);
			x->rows[i].spec = NULL;
		}
	return doc;
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
	cJSON		*doc = NULL;
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
	    store_open(ctl->db_path, 0, &st, &e) == -1 ||
	    store_schedule_each(st, export_one, &x, &e) == -1 ||
	    export_compact(st, &x, &e) == -1)
		goto fail;
	/* -o yaml is what export writes anyway: the file apply reads. */
	if (ctl->json && !ctl->yaml) {
		if ((doc = export_document(&x)) == NULL ||
		    (json = json_print(doc, 1)) == NULL) {
			err_set_code(&e, EX_OSERR, "out of memory");
			goto fail;
		}
		printf("%s\n", json);
		free(json);
	} else
		print_yaml(&x);
	rc = EX_OK;
	goto out;
 fail:
	rc = ctl_fail_err(&e, EX_SOFTWARE);
 out:
	cJSON_Delete(doc);
	for (size_t i = 0; i < x.count; i++)
		cJSON_Delete(x.rows[i].spec);
	free(x.rows);
	free(x.source);
	selector_free(x.sel);
	store_close(st);
	return rc;
}
