/* filters.c: the `filters` of Admin's list calls for executions, parsed and checked as flyteadmin does, then matched against rows. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"
#include "stub.h"

/*
 * flyteadmin (pkg/manager/impl/util/filters.go, pkg/common/filters.go):
 * expressions joined by "+", each matched by the Go regexp
 * `(.+)\((.+),\s?(.+)\)`; the field may carry an entity prefix
 * ("launch_plan.name"); the entity must be one an execution list may join
 * and the field one of that entity's gorm columns; values are split on ";".
 */

enum { OP_CONTAINS, OP_NOT_LIKE, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_EQ, OP_NE,
    OP_IN, OP_NOT_IN };

static const struct {
	const char	*name;
	int		 op;
} functions[] = {
	{ "contains", OP_CONTAINS }, { "not_like", OP_NOT_LIKE }, { "gt", OP_GT },
	{ "gte", OP_GTE }, { "lt", OP_LT }, { "lte", OP_LTE }, { "eq", OP_EQ },
	{ "ne", OP_NE }, { "value_in", OP_IN }, { "value_not_in", OP_NOT_IN },
};

/* Field prefixes and the entity letters flyteadmin names in its messages (common/entity.go). */
static const struct {
	const char	*prefix;
	const char	*entity;
} prefixes[] = {
	{ "task.", "t" }, { "workflow.", "w" }, { "launch_plan.", "l" },
	{ "execution.", "e" }, { "node_execution.", "ne" }, { "task_execution.", "te" },
	{ "entities.", "nen" }, { "named_entity_metadata.", "nem" }, { "project.", "p" },
	{ "signal.", "s" }, { "admin_tag.", "at" }, { "execution_admin_tag.", "eat" },
};

/* Entities an execution list may join: Execution, LaunchPlan, Workflow, Task, AdminTag. */
static const char *const joinable[] = { "e", "l", "w", "t", "at", NULL };

/* gorm column names of models.Execution (ExecutionColumns). */
static const char *const execution_columns[] = {
	"id", "created_at", "updated_at", "deleted_at", "execution_project",
	"execution_domain", "execution_name", "launch_plan_id", "workflow_id", "task_id",
	"phase", "closure", "spec", "started_at", "execution_created_at",
	"execution_updated_at", "duration", "abort_cause", "mode", "source_execution_id",
	"parent_node_execution_id", "cluster", "inputs_uri", "user_inputs_uri",
	"error_kind", "error_code", "user", "state", "launch_entity", NULL
};

/* models.LaunchPlan (LaunchPlanColumns). */
static const char *const launch_plan_columns[] = {
	"id", "created_at", "updated_at", "deleted_at", "project", "domain", "name",
	"version", "spec", "workflow_id", "closure", "state", "digest", "schedule_type",
	"launch_condition_type", NULL
};

/* What the stub can compare, by (entity, column). */
static const struct {
	const char	*entity;
	const char	*column;
	int		 field;
} supported[] = {
	{ "e", "execution_project", FF_PROJECT }, { "e", "execution_domain", FF_DOMAIN },
	{ "e", "execution_name", FF_NAME }, { "e", "phase", FF_PHASE },
	{ "e", "created_at", FF_CREATED }, { "e", "execution_created_at", FF_CREATED },
	{ "e", "updated_at", FF_UPDATED }, { "e", "execution_updated_at", FF_UPDATED },
	{ "e", "started_at", FF_STARTED },
	{ "l", "project", FF_LP_PROJECT }, { "l", "domain", FF_LP_DOMAIN },
	{ "l", "name", FF_LP_NAME }, { "l", "version", FF_LP_VERSION },
	{ "w", "project", FF_WF_PROJECT }, { "w", "domain", FF_WF_DOMAIN },
	{ "w", "name", FF_WF_NAME }, { "w", "version", FF_WF_VERSION },
};

static int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int
is_time(int field)
{
	return field == FF_CREATED || field == FF_UPDATED || field == FF_STARTED;
}

static int
go_space(char ch)
{
	/* RE2's \s: [\t\n\f\r ]. */
	return ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r' || ch == ' ';
}

/*
 * Go's regexp `(.+)\((.+),\s?(.+)\)`, leftmost-first with greedy groups:
 * the function runs to the last '(' that still lets the rest match, the
 * field to the last ',' after it, and the value to the last ')'. Text after
 * that ')' is ignored (the pattern is not anchored). '.' does not match a
 * newline, so a newline anywhere in the expression fails it here.
 */
static int
match_expr(const char *s, size_t n, size_t fn[2], size_t fld[2], size_t val[2])
{
	size_t	i, j, close = n, v;

	if (memchr(s, '\n', n) != NULL)
		return -1;
	while (close > 0 && s[close - 1] != ')')
		close--;
	if (close == 0)
		return -1;
	close--;	/* index of the last ')' */
	for (i = close; i-- > 1;) {
		if (s[i] != '(')
			continue;
		for (j = close; j-- > i + 1;) {
			if (s[j] != ',' || j < i + 2)
				continue;
			v = j + 1;
			if (v < close && go_space(s[v]) && v + 1 < close)
				v++;
			if (v >= close)
				continue;
			fn[0] = 0;
			fn[1] = i;
			fld[0] = i + 1;
			fld[1] = j;
			val[0] = v;
			val[1] = close;
			return 0;
		}
	}
	return -1;
}

static char *
dup_range(const char *s, size_t a, size_t b)
{
	char	*out = malloc(b - a + 1);

	if (out) {
		memcpy(out, s + a, b - a);
		out[b - a] = '\0';
	}
	return out;
}

static void
filter_clear(struct filter *f)
{
	int	i;

	for (i = 0; i < f->nvalues; i++)
		free(f->values[i]);
	free(f->values);
	free(f->times);
	memset(f, 0, sizeof(*f));
}

void
filters_free(struct filters *fs)
{
	int	i;

	for (i = 0; i < fs->n; i++)
		filter_clear(&fs->f[i]);
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

/* Go's time.ParseDuration, enough to tell good from bad ("1h30m", "90s", "1.5ms"). */
static int
go_duration_ok(const char *s)
{
	static const char *const units[] = { "ns", "us", "µs", "μs", "ms", "s", "m", "h", NULL };
	int	 i, any = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (strcmp(s, "0") == 0)
		return 1;
	if (*s == '\0')
		return 0;
	while (*s) {
		int digits = 0;

		while (isdigit((unsigned char)*s)) {
			s++;
			digits++;
		}
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				s++;
				digits++;
			}
		}
		if (digits == 0)
			return 0;
		for (i = 0; units[i]; i++)
			if (strncmp(s, units[i], strlen(units[i])) == 0 &&
			    !(strcmp(units[i], "m") == 0 && s[1] == 's'))
				break;
		if (units[i] == NULL)
			return 0;
		s += strlen(units[i]);
		any = 1;
	}
	return any;
}

/* strconv.ParseFloat accepts it (a plain number: seconds). */
static int
go_float_ok(const char *s)
{
	char	*end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return 0;
	(void)strtod(s, &end);
	return *end == '\0';
}

static int set_error(struct filter_error *, int, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
set_error(struct filter_error *e, int status, int code, const char *fmt, ...)
{
	va_list	ap;

	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* One expression; Admin's errors in Admin's order, the stub's own after them. */
static int
parse_one(const char *s, size_t n, struct filter *f, struct filter_error *e,
    struct filter_error *db)
{
	size_t		 fn[2], fld[2], val[2], k;
	char		*func = NULL, *field = NULL, *value = NULL, *p, *q;
	const char	*entity = "e", *column;
	int		 i, rc = -1;

	memset(f, 0, sizeof(*f));
	if (match_expr(s, n, fn, fld, val) == -1)
		return set_error(e, 400, 3, "invalid value for filters");
	if ((func = dup_range(s, fn[0], fn[1])) == NULL ||
	    (field = dup_range(s, fld[0], fld[1])) == NULL ||
	    (value = dup_range(s, val[0], val[1])) == NULL) {
		set_error(e, 500, 13, "stub: out of memory");
		goto out;
	}
	column = field;
	for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (strncmp(field, prefixes[k].prefix, strlen(prefixes[k].prefix)) == 0) {
			entity = prefixes[k].entity;
			column = field + strlen(prefixes[k].prefix);
			break;
		}
	if (!in_list(joinable, entity)) {
		set_error(e, 400, 3, "'%s' entity is not allowed in filters", entity);
		goto out;
	}
	if ((strcmp(entity, "e") == 0 && !in_list(execution_columns, column)) ||
	    (strcmp(entity, "l") == 0 && !in_list(launch_plan_columns, column))) {
		set_error(e, 400, 3, "'%s.%s' is invalid filter", entity, column);
		goto out;
	}
	/* Values: split on ';' (prepareValues; only "duration" is parsed there). */
	f->nvalues = 1;
	for (p = value; *p; p++)
		if (*p == ';')
			f->nvalues++;
	if ((f->values = calloc((size_t)f->nvalues, sizeof(*f->values))) == NULL) {
		set_error(e, 500, 13, "stub: out of memory");
		goto out;
	}
	for (i = 0, p = value; i < f->nvalues; i++, p = q + 1) {
		q = strchr(p, ';');
		if (q == NULL)
			q = p + strlen(p);
		if ((f->values[i] = dup_range(p, 0, (size_t)(q - p))) == NULL) {
			set_error(e, 500, 13, "stub: out of memory");
			goto out;
		}
		if (strcmp(column, "duration") == 0 && !go_float_ok(f->values[i]) &&
		    !go_duration_ok(f->values[i])) {
			set_error(e, 400, 3, "Failed to parse duration [%s]", f->values[i]);
			goto out;
		}
		if (*q == '\0')
			break;
	}
	for (k = 0; k < sizeof(functions) / sizeof(functions[0]); k++)
		if (strcmp(functions[k].name, func) == 0)
			break;
	if (k == sizeof(functions) / sizeof(functions[0])) {
		set_error(e, 400, 3, "unrecognized filter function: %s", func);
		goto out;
	}
	f->op = functions[k].op;
	for (k = 0; k < sizeof(supported) / sizeof(supported[0]); k++)
		if (strcmp(supported[k].entity, entity) == 0 &&
		    strcmp(supported[k].column, column) == 0)
			break;
	if (k == sizeof(supported) / sizeof(supported[0])) {
		set_error(e, 400, 3, "stub: filters on '%s.%s' are not supported", entity, column);
		goto out;
	}
	f->field = supported[k].field;
	/*
	 * The rest Postgres finds when the query runs: Admin answers those as
	 * Unknown, "failed database operation with <Postgres' message>".
	 */
	if (f->nvalues > 1 && f->op != OP_IN && f->op != OP_NOT_IN && db->status == 0)
		set_error(db, 500, 2, "failed database operation with operator does not exist: "
		    "%s = record", is_time(f->field) ? "timestamp with time zone" : "text");
	if (is_time(f->field)) {
		if ((f->times = calloc((size_t)f->nvalues, sizeof(*f->times))) == NULL) {
			set_error(e, 500, 13, "stub: out of memory");
			goto out;
		}
		for (i = 0; i < f->nvalues; i++) {
			long long	secs;
			int		nanos;

			if (pjson_parse_timestamp(f->values[i], &secs, &nanos) == -1) {
				if (db->status == 0)
					set_error(db, 500, 2, "failed database operation with invalid "
					    "input syntax for type timestamp with time zone: \"%s\"",
					    f->values[i]);
				continue;
			}
			f->times[i] = secs * 1000000LL + nanos / 1000;
		}
	}
	rc = 0;
 out:
	free(func);
	free(field);
	free(value);
	if (rc == -1)
		filter_clear(f);
	return rc;
}

int
filters_parse(const char *text, struct filters *fs, struct filter_error *e,
    struct filter_error *db)
{
	const char		*p = text, *plus;
	struct filter		*nf;

	memset(fs, 0, sizeof(*fs));
	memset(e, 0, sizeof(*e));
	memset(db, 0, sizeof(*db));
	if (text == NULL || *text == '\0')
		return 0;	/* AddRequestFilters: nothing to add */
	for (;;) {
		plus = strchr(p, '+');
		if ((nf = realloc(fs->f, (size_t)(fs->n + 1) * sizeof(*fs->f))) == NULL) {
			set_error(e, 500, 13, "stub: out of memory");
			goto fail;
		}
		fs->f = nf;
		if (parse_one(p, plus ? (size_t)(plus - p) : strlen(p), &fs->f[fs->n], e, db) == -1)
			goto fail;
		fs->n++;
		if (plus == NULL)
			break;
		p = plus + 1;
	}
	return 0;
 fail:
	filters_free(fs);
	return -1;
}

/* SQL LIKE: % any run, _ one character, backslash escapes (Postgres' default). */
static int
like(const char *s, const char *pat)
{
	for (; *pat; pat++) {
		if (*pat == '%') {
			while (pat[1] == '%')
				pat++;
			if (pat[1] == '\0')
				return 1;
			for (; *s; s++)
				if (like(s, pat + 1))
					return 1;
			return like(s, pat + 1);
		}
		if (*s == '\0')
			return 0;
		if (*pat == '\\' && pat[1])
			pat++;
		else if (*pat == '_') {
			s++;
			continue;
		}
		if (*s != *pat)
			return 0;
		s++;
	}
	return *s == '\0';
}

static int
compare(int op, int cmp)
{
	switch (op) {
	case OP_GT:	return cmp > 0;
	case OP_GTE:	return cmp >= 0;
	case OP_LT:	return cmp < 0;
	case OP_LTE:	return cmp <= 0;
	case OP_EQ:	return cmp == 0;
	case OP_NE:	return cmp != 0;
	default:	return 0;
	}
}

static const char *
text_of(const struct filter_row *r, int field)
{
	switch (field) {
	case FF_PROJECT:	return r->project;
	case FF_DOMAIN:		return r->domain;
	case FF_NAME:		return r->name;
	case FF_PHASE:		return r->phase;
	case FF_LP_PROJECT:	return r->lp_project;
	case FF_LP_DOMAIN:	return r->lp_domain;
	case FF_LP_NAME:	return r->lp_name;
	case FF_LP_VERSION:	return r->lp_version;
	case FF_WF_PROJECT:	return r->wf_project;
	case FF_WF_DOMAIN:	return r->wf_domain;
	case FF_WF_NAME:	return r->wf_name;
	case FF_WF_VERSION:	return r->wf_version;
	default:		return NULL;
	}
}

static int
match_one(const struct filter *f, const struct filter_row *r)
{
	const char	*t;
	long long	 v;
	int		 i, hit = 0;

	if (is_time(f->field)) {
		v = f->field == FF_CREATED ? r->created_us : f->field == FF_UPDATED ?
		    r->updated_us : r->started_us;
		if (v < 0)
			return 0;	/* NULL: no comparison holds */
		if (f->op == OP_IN || f->op == OP_NOT_IN) {
			for (i = 0; i < f->nvalues; i++)
				hit |= v == f->times[i];
			return f->op == OP_IN ? hit : !hit;
		}
		if (f->op == OP_CONTAINS || f->op == OP_NOT_LIKE)
			return 0;	/* Postgres refuses LIKE on a timestamp; the stub finds nothing */
		return compare(f->op, v < f->times[0] ? -1 : v > f->times[0]);
	}
	if ((t = text_of(r, f->field)) == NULL)
		return 0;
	switch (f->op) {
	case OP_IN:
	case OP_NOT_IN:
		for (i = 0; i < f->nvalues; i++)
			hit |= strcmp(t, f->values[i]) == 0;
		return f->op == OP_IN ? hit : !hit;
	case OP_CONTAINS:
		return strstr(t, f->values[0]) != NULL;
	case OP_NOT_LIKE:
		return !like(t, f->values[0]);
	default:
		return compare(f->op, strcmp(t, f->values[0]));
	}
}

int
filters_match(const struct filters *fs, const struct filter_row *r)
{
	int	i;

	for (i = 0; i < fs->n; i++)
		if (!match_one(&fs->f[i], r))
			return 0;
	return 1;
}

int
filters_names(const struct filters *fs, char ***names)
{
	int	i;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].field == FF_NAME && (fs->f[i].op == OP_EQ || fs->f[i].op == OP_IN)) {
			*names = fs->f[i].values;
			return fs->f[i].op == OP_EQ ? 1 : fs->f[i].nvalues;
		}
	return -1;
}
