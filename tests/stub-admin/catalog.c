/* catalog.c: the launch plans the stub serves (--catalog), their routes, and Admin's input checks against them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "pjson.h"
#include "stub.h"

struct lp {
	const char	*project;	/* into plan */
	const char	*domain;
	const char	*name;
	const char	*version;
	long long	 created;	/* closure.created_at, seconds */
	int		 created_ns;
	cJSON		*plan;		/* canonical sparse admin.LaunchPlan */
};

struct catalog {
	struct lp	*lps;
	int		 n;
};

static const cJSON *
get(const cJSON *j, const char *key)
{
	return j ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
}

static const char *
str(const cJSON *j, const char *key)
{
	const cJSON	*v = get(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *
slurp(const char *path, char *err, size_t errlen)
{
	FILE	*f = fopen(path, "r");
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0, n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open");
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* An entry's keys: the documented catalog format, nothing else (typos fail loudly). */
static int
check_entry_keys(const cJSON *e, char *err, size_t errlen)
{
	static const char *const allowed[] = { "project", "domain", "name", "version",
	    "created_at", "expected_inputs", "fixed_inputs", "state", "spec", "schedule",
	    "labels", NULL };
	const cJSON	*k;
	int		 i;

	cJSON_ArrayForEach(k, e) {
		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k->string) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "unknown key \"%s\"", k->string);
			return -1;
		}
	}
	return 0;
}

static cJSON *
identifier(const char *type, const char *p, const char *d, const char *n, const char *v)
{
	cJSON	*id = cJSON_CreateObject();

	cJSON_AddStringToObject(id, "resource_type", type);
	cJSON_AddStringToObject(id, "project", p);
	cJSON_AddStringToObject(id, "domain", d);
	cJSON_AddStringToObject(id, "name", n);
	cJSON_AddStringToObject(id, "version", v);
	return id;
}

/* The admin.LaunchPlan of one catalog entry, canonical. */
static cJSON *
build_plan(const cJSON *e, const char *state, char *err, size_t errlen)
{
	const char	*p = str(e, "project"), *d = str(e, "domain");
	const char	*n = str(e, "name"), *v = str(e, "version");
	const cJSON	*expected = get(e, "expected_inputs"), *fixed = get(e, "fixed_inputs");
	cJSON		*plan, *spec, *closure, *out;

	spec = get(e, "spec") ? pjson_convert(pjson_message("flyteidl.admin.LaunchPlanSpec"),
	    get(e, "spec"), 0, "spec", err, errlen) : cJSON_CreateObject();
	if (spec == NULL)
		return NULL;
	/* Shorthands of the catalog: a native schedule and labels, as flytekit registers them. */
	if (get(e, "schedule") && !get(spec, "entity_metadata"))
		cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, "entity_metadata"),
		    "schedule", cJSON_Duplicate(get(e, "schedule"), 1));
	if (get(e, "labels") && !get(spec, "labels"))
		cJSON_AddItemToObject(cJSON_AddObjectToObject(spec, "labels"), "values",
		    cJSON_Duplicate(get(e, "labels"), 1));
	if (!get(spec, "workflow_id"))
		cJSON_AddItemToObject(spec, "workflow_id", identifier("WORKFLOW", p, d, n, v));
	if (!get(spec, "default_inputs") && expected)
		cJSON_AddItemToObject(spec, "default_inputs", cJSON_Duplicate(expected, 1));
	if (!get(spec, "fixed_inputs"))
		cJSON_AddItemToObject(spec, "fixed_inputs", fixed ? cJSON_Duplicate(fixed, 1) :
		    cJSON_Parse("{\"literals\":{}}"));
	closure = cJSON_CreateObject();
	cJSON_AddStringToObject(closure, "state", state);
	cJSON_AddItemToObject(closure, "expected_inputs", expected ?
	    cJSON_Duplicate(expected, 1) : cJSON_Parse("{\"parameters\":{}}"));
	cJSON_AddItemToObject(closure, "expected_outputs", cJSON_Parse("{\"variables\":{}}"));
	cJSON_AddStringToObject(closure, "created_at", str(e, "created_at"));
	cJSON_AddStringToObject(closure, "updated_at", str(e, "created_at"));
	plan = cJSON_CreateObject();
	cJSON_AddItemToObject(plan, "id", identifier("LAUNCH_PLAN", p, d, n, v));
	cJSON_AddItemToObject(plan, "spec", spec);
	cJSON_AddItemToObject(plan, "closure", closure);
	/* Through the schema: a catalog typo fails here, not in a test. */
	out = pjson_convert(pjson_message("flyteidl.admin.LaunchPlan"), plan, 0,
	    "launch_plan", err, errlen);
	cJSON_Delete(plan);
	return out;
}

static int
newer(const struct lp *a, const struct lp *b)
{
	return a->created > b->created || (a->created == b->created &&
	    a->created_ns > b->created_ns);
}

struct catalog *
catalog_load(const char *path, char *err, size_t errlen)
{
	struct catalog	*cat = NULL;
	char		*text, sub[400];
	cJSON		*doc = NULL;
	const cJSON	*e;
	int		 i, j, n;

	if ((text = slurp(path, err, errlen)) == NULL)
		return NULL;
	doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsArray(doc)) {
		snprintf(err, errlen, "want a JSON list of launch plans");
		goto fail;
	}
	n = cJSON_GetArraySize(doc);
	if ((cat = calloc(1, sizeof(*cat))) == NULL ||
	    (cat->lps = calloc((size_t)n + 1, sizeof(*cat->lps))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* First the identifiers and times, pointing into doc for now. */
	for (i = 0; i < n; i++) {
		struct lp	*lp = &cat->lps[i];
		const char	*state;

		e = cJSON_GetArrayItem(doc, i);
		state = str(e, "state");
		if (!cJSON_IsObject(e)) {
			snprintf(err, errlen, "entry %d: want an object", i);
			goto fail;
		}
		if (check_entry_keys(e, sub, sizeof(sub)) == -1) {
			snprintf(err, errlen, "entry %d: %s", i, sub);
			goto fail;
		}
		lp->project = str(e, "project");
		lp->domain = str(e, "domain");
		lp->name = str(e, "name");
		lp->version = str(e, "version");
		if (!lp->project || !lp->domain || !lp->name || !lp->version ||
		    !*lp->project || !*lp->domain || !*lp->name || !*lp->version ||
		    !str(e, "created_at") || pjson_parse_timestamp(str(e, "created_at"),
		    &lp->created, &lp->created_ns) == -1) {
			snprintf(err, errlen, "entry %d: want project, domain, name, version "
			    "and an RFC 3339 created_at", i);
			goto fail;
		}
		if (state && strcmp(state, "ACTIVE") != 0 && strcmp(state, "INACTIVE") != 0) {
			snprintf(err, errlen, "entry %d: state is ACTIVE or INACTIVE", i);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (strcmp(cat->lps[j].project, lp->project) == 0 &&
			    strcmp(cat->lps[j].domain, lp->domain) == 0 &&
			    strcmp(cat->lps[j].name, lp->name) == 0 &&
			    strcmp(cat->lps[j].version, lp->version) == 0) {
				snprintf(err, errlen, "entry %d: duplicate of entry %d", i, j);
				goto fail;
			}
	}
	for (i = 0; i < n; i++) {
		struct lp	*lp = &cat->lps[i];
		const char	*state;

		e = cJSON_GetArrayItem(doc, i);
		/* Admin allows one active version per name; unless told, the newest. */
		if ((state = str(e, "state")) == NULL) {
			state = "ACTIVE";
			for (j = 0; j < n; j++)
				if (strcmp(cat->lps[j].project, lp->project) == 0 &&
				    strcmp(cat->lps[j].domain, lp->domain) == 0 &&
				    strcmp(cat->lps[j].name, lp->name) == 0 &&
				    newer(&cat->lps[j], lp))
					state = "INACTIVE";
		}
		if ((lp->plan = build_plan(e, state, sub, sizeof(sub))) == NULL) {
			snprintf(err, errlen, "entry %d: %s", i, sub);
			goto fail;
		}
		cat->n = i + 1;
	}
	/* Now that doc goes away, point at the canonical copies. */
	for (i = 0; i < n; i++) {
		const cJSON *id = get(cat->lps[i].plan, "id");

		cat->lps[i].project = str(id, "project");
		cat->lps[i].domain = str(id, "domain");
		cat->lps[i].name = str(id, "name");
		cat->lps[i].version = str(id, "version");
	}
	cJSON_Delete(doc);
	return cat;
 fail:
	cJSON_Delete(doc);
	catalog_free(cat);
	return NULL;
}

void
catalog_free(struct catalog *cat)
{
	int	i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		cJSON_Delete(cat->lps[i].plan);
	free(cat->lps);
	free(cat);
}

static const struct lp *
find(const struct catalog *cat, const char *p, const char *d, const char *n, const char *v)
{
	int	i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->lps[i].project, p) == 0 && strcmp(cat->lps[i].domain, d) == 0 &&
		    strcmp(cat->lps[i].name, n) == 0 && strcmp(cat->lps[i].version, v) == 0)
			return &cat->lps[i];
	return NULL;
}

const cJSON *
catalog_find(const struct catalog *cat, const char *p, const char *d, const char *n,
    const char *v)
{
	const struct lp	*lp = find(cat, p, d, n, v);

	return lp ? lp->plan : NULL;
}

int
catalog_has_project(const struct catalog *cat, const char *p, const char *d)
{
	int	i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->lps[i].project, p) == 0 && strcmp(cat->lps[i].domain, d) == 0)
			return 1;
	return 0;
}

/* --- routes ---------------------------------------------------------- */

static void
not_found(struct call *c, const char *p, const char *d, const char *n, const char *v)
{
	/* flyteadmin's GetMissingEntityError wording. */
	call_error(c, 404, 5, "missing entity of type LAUNCH_PLAN with identifier "
	    "project:\"%s\" domain:\"%s\" name:\"%s\" version:\"%s\"", p, d, n, v);
}

static char *
query2(const struct call *c, const char *snake, const char *camel)
{
	char	*v = call_query(c, snake);

	return v ? v : call_query(c, camel);
}

static int
sort_cmp(const struct lp *a, const struct lp *b, const char *key)
{
	int	r = 0;

	if (strcmp(key, "created_at") == 0 || strcmp(key, "updated_at") == 0)
		r = newer(a, b) ? 1 : newer(b, a) ? -1 : 0;
	else if (strcmp(key, "version") == 0)
		r = strcmp(a->version, b->version);
	else if (strcmp(key, "name") == 0)
		r = strcmp(a->name, b->name);
	else if (strcmp(key, "project") == 0)
		r = strcmp(a->project, b->project);
	else if (strcmp(key, "domain") == 0)
		r = strcmp(a->domain, b->domain);
	return r ? r : strcmp(a->version, b->version);
}

/* ListLaunchPlans: ResourceListRequest from the path and query. */
static void
list(struct catalog *cat, struct call *c, const char *p, const char *d, const char *n)
{
	char		*limit_s = call_query(c, "limit"), *token = call_query(c, "token");
	char		*key = query2(c, "sort_by.key", "sortBy.key");
	char		*dir = query2(c, "sort_by.direction", "sortBy.direction");
	const struct lp	**m = NULL, *t;
	char		*end, next[32] = "";
	long		 limit = 0, off = 0;
	int		 nm = 0, i, j, asc;
	cJSON		*out, *arr;

	if (limit_s == NULL || (limit = strtol(limit_s, &end, 10)) <= 0 || *end ||
	    limit > 4294967295L) {
		/* Admin's ValidateResourceListRequest refuses a zero limit. */
		call_error(c, 400, 3, "invalid value for limit");
		goto out;
	}
	if (token && *token && ((off = strtol(token, &end, 10)) < 0 || *end)) {
		call_error(c, 400, 3, "invalid pagination token %s", token);
		goto out;
	}
	if (key && strcmp(key, "created_at") && strcmp(key, "updated_at") &&
	    strcmp(key, "version") && strcmp(key, "name") && strcmp(key, "project") &&
	    strcmp(key, "domain")) {
		call_error(c, 400, 3, "invalid sort_key: %s", key);
		goto out;
	}
	if (dir && strcmp(dir, "DESCENDING") && strcmp(dir, "ASCENDING") &&
	    strcmp(dir, "0") && strcmp(dir, "1")) {
		call_error(c, 400, 3, "parsing field \"sort_by.direction\": %s is not "
		    "a valid flyteidl.admin.Sort.Direction", dir);
		goto out;
	}
	asc = dir && (strcmp(dir, "ASCENDING") == 0 || strcmp(dir, "1") == 0);
	if ((m = calloc((size_t)cat->n + 1, sizeof(*m))) == NULL) {
		call_error(c, 500, 13, "stub: out of memory");
		goto out;
	}
	for (i = 0; i < cat->n; i++)
		if (strcmp(cat->lps[i].project, p) == 0 && strcmp(cat->lps[i].domain, d) == 0 &&
		    (n == NULL || strcmp(cat->lps[i].name, n) == 0))
			m[nm++] = &cat->lps[i];
	/* Insertion sort: catalogs are small and the key is per call. */
	for (i = 1; i < nm; i++)
		for (j = i; j > 0; j--) {
			int r = sort_cmp(m[j - 1], m[j], key ? key : "created_at");

			if (asc ? r <= 0 : r >= 0)
				break;
			t = m[j];
			m[j] = m[j - 1];
			m[j - 1] = t;
		}
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "launch_plans");
	for (i = (int)off; i < nm && i < off + limit; i++)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(m[i]->plan, 1));
	if (off + limit < nm)
		snprintf(next, sizeof(next), "%ld", off + limit);
	cJSON_AddStringToObject(out, "token", next);
	call_message(c, 200, "flyteidl.admin.LaunchPlanList", out);
 out:
	free(m);
	free(limit_s);
	free(token);
	free(key);
	free(dir);
}

/* Set one launch plan's closure.state; ACTIVE makes the name's other versions INACTIVE, as Admin does. */
static void
set_state(struct catalog *cat, const struct lp *lp, const char *state)
{
	int	i;

	for (i = 0; i < cat->n; i++)
		if (strcmp(state, "ACTIVE") == 0 && &cat->lps[i] != lp &&
		    strcmp(cat->lps[i].project, lp->project) == 0 &&
		    strcmp(cat->lps[i].domain, lp->domain) == 0 &&
		    strcmp(cat->lps[i].name, lp->name) == 0)
			cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			    cat->lps[i].plan, "closure"), "state", cJSON_CreateString("INACTIVE"));
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(lp->plan,
	    "closure"), "state", cJSON_CreateString(state));
}

/* UpdateLaunchPlan: PUT .../launch_plans/p/d/n/v, body LaunchPlanUpdateRequest {id, state}. */
static void
update(struct catalog *cat, struct call *c)
{
	const struct lp	*lp;
	const cJSON	*id;
	const char	*state;
	char		 err[768];
	cJSON		*in, *req;

	if ((in = call_body_json(c)) == NULL)
		return;
	c->rec_body = in;
	req = pjson_convert(pjson_message("flyteidl.admin.LaunchPlanUpdateRequest"), in,
	    (c->flags & CALL_LENIENT) ? PJ_IN_DISCARD_UNKNOWN : 0, "body", err, sizeof(err));
	if (req == NULL) {
		call_error(c, 400, 3, "%s", err);
		return;
	}
	/* The gateway fills id from the path; a body id that differs is refused. */
	id = get(req, "id");
	if ((str(id, "project") && strcmp(str(id, "project"), c->segs[3])) ||
	    (str(id, "domain") && strcmp(str(id, "domain"), c->segs[4])) ||
	    (str(id, "name") && strcmp(str(id, "name"), c->segs[5])) ||
	    (str(id, "version") && strcmp(str(id, "version"), c->segs[6])))
		call_error(c, 400, 3, "body.id differs from the path");
	else if ((lp = find(cat, c->segs[3], c->segs[4], c->segs[5],
	    c->segs[6])) == NULL)
		not_found(c, c->segs[3], c->segs[4], c->segs[5], c->segs[6]);
	else {
		/* A sparse request drops the enum's zero: INACTIVE. */
		state = str(req, "state") ? str(req, "state") : "INACTIVE";
		set_state(cat, lp, state);
		c->accepted = 1;
		call_message(c, 200, "flyteidl.admin.LaunchPlanUpdateResponse",
		    cJSON_CreateObject());
	}
	cJSON_Delete(req);
}

int
catalog_route(struct catalog *cat, struct call *c)
{
	const struct lp	*lp;
	int		 i;

	if (c->nsegs < 3 || strcmp(c->segs[0], "api") || strcmp(c->segs[1], "v1"))
		return 0;
	if (strcmp(c->segs[2], "launch_plans") == 0 && c->nsegs == 7 &&
	    c->method == EVHTTP_REQ_PUT) {
		update(cat, c);
		return 1;
	}
	if (strcmp(c->segs[2], "launch_plans") == 0 && c->nsegs >= 5 && c->nsegs <= 7) {
		if (c->method != EVHTTP_REQ_GET) {
			call_error(c, 405, 12, "Method Not Allowed");
			return 1;
		}
		if (c->nsegs == 7) {
			if ((lp = find(cat, c->segs[3], c->segs[4], c->segs[5], c->segs[6])) == NULL)
				not_found(c, c->segs[3], c->segs[4], c->segs[5], c->segs[6]);
			else
				call_message(c, 200, "flyteidl.admin.LaunchPlan",
				    cJSON_Duplicate(lp->plan, 1));
		} else
			list(cat, c, c->segs[3], c->segs[4], c->nsegs == 6 ? c->segs[5] : NULL);
		return 1;
	}
	if (strcmp(c->segs[2], "active_launch_plans") == 0 && c->nsegs == 6) {
		if (c->method != EVHTTP_REQ_GET) {
			call_error(c, 405, 12, "Method Not Allowed");
			return 1;
		}
		for (i = 0; i < cat->n; i++) {
			lp = &cat->lps[i];
			if (strcmp(lp->project, c->segs[3]) == 0 &&
			    strcmp(lp->domain, c->segs[4]) == 0 &&
			    strcmp(lp->name, c->segs[5]) == 0 &&
			    strcmp(str(get(lp->plan, "closure"), "state") ?
			    str(get(lp->plan, "closure"), "state") : "INACTIVE", "ACTIVE") == 0) {
				call_message(c, 200, "flyteidl.admin.LaunchPlan",
				    cJSON_Duplicate(lp->plan, 1));
				return 1;
			}
		}
		call_error(c, 404, 5, "No active launch plan could be found: %s:%s:%s",
		    c->segs[3], c->segs[4], c->segs[5]);
		return 1;
	}
	return 0;
}

/* --- inputs ---------------------------------------------------------- */

/* A short name for a literal's kind, for messages. */
static void
literal_kind(const cJSON *lit, char *buf, size_t len)
{
	const cJSON	*s = get(lit, "scalar"), *prim = get(s, "primitive");

	if (prim && prim->child)
		snprintf(buf, len, "primitive %s", prim->child->string);
	else if (s && s->child)
		snprintf(buf, len, "scalar %s", s->child->string);
	else if (get(lit, "collection"))
		snprintf(buf, len, "collection");
	else if (get(lit, "map"))
		snprintf(buf, len, "map");
	else
		snprintf(buf, len, "empty literal");
}

static int castable(const cJSON *, const cJSON *);

static int
all_castable(const cJSON *items, const cJSON *type)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, items)
		if (!castable(it, type))
			return 0;
	return 1;
}

/*
 * Whether literal lit may be given for LiteralType type, after flyteadmin's
 * AreTypesCastable(LiteralTypeForLiteral(lit), type) — simplified: exact
 * simple types, element-wise collections and maps, unions by any variant.
 */
static int
castable(const cJSON *lit, const cJSON *type)
{
	const cJSON	*s = get(lit, "scalar"), *prim = get(s, "primitive");
	const cJSON	*t, *v;
	const char	*simple;

	if (get(lit, "offloaded_metadata"))
		return 1;
	if ((t = get(type, "union_type")) != NULL) {
		const cJSON *u = get(s, "union");

		cJSON_ArrayForEach(v, get(t, "variants"))
			if (castable(u ? get(u, "value") : lit, v))
				return 1;
		return 0;
	}
	if ((simple = str(type, "simple")) != NULL) {
		if (strcmp(simple, "NONE") == 0)
			return get(s, "none_type") != NULL;
		if (strcmp(simple, "INTEGER") == 0)
			return get(prim, "integer") != NULL;
		if (strcmp(simple, "FLOAT") == 0)
			return get(prim, "float_value") != NULL;
		if (strcmp(simple, "STRING") == 0)
			return get(prim, "string_value") != NULL;
		if (strcmp(simple, "BOOLEAN") == 0)
			return get(prim, "boolean") != NULL;
		if (strcmp(simple, "DATETIME") == 0)
			return get(prim, "datetime") != NULL;
		if (strcmp(simple, "DURATION") == 0)
			return get(prim, "duration") != NULL;
		if (strcmp(simple, "BINARY") == 0)
			return get(s, "binary") != NULL;
		if (strcmp(simple, "ERROR") == 0)
			return get(s, "error") != NULL;
		if (strcmp(simple, "STRUCT") == 0)	/* dataclasses also travel as msgpack */
			return get(s, "generic") != NULL || get(s, "binary") != NULL;
		return 0;
	}
	if ((t = get(type, "collection_type")) != NULL)
		return get(lit, "collection") &&
		    all_castable(get(get(lit, "collection"), "literals"), t);
	if ((t = get(type, "map_value_type")) != NULL)
		return get(lit, "map") && all_castable(get(get(lit, "map"), "literals"), t);
	if ((t = get(type, "blob")) != NULL) {
		const cJSON	*bt = get(get(get(s, "blob"), "metadata"), "type");
		const char	*fa = str(bt, "format"), *fb = str(t, "format");
		const char	*da = str(bt, "dimensionality"), *db = str(t, "dimensionality");

		if (!get(s, "blob"))
			return 0;
		/* Sparse canonical JSON drops zero values: "" format, SINGLE. */
		if (strcmp(da ? da : "SINGLE", db ? db : "SINGLE") != 0)
			return 0;
		return fa == NULL || fb == NULL || strcmp(fa, fb) == 0;
	}
	if ((t = get(type, "enum_type")) != NULL) {
		const char *sv = str(prim, "string_value");

		cJSON_ArrayForEach(v, get(t, "values"))
			if (sv && cJSON_IsString(v) && strcmp(v->valuestring, sv) == 0)
				return 1;
		/* The empty string is proto3's zero: dropped from sparse JSON. */
		return get(prim, "string_value") != NULL && sv && *sv == '\0';
	}
	if (get(type, "structured_dataset_type"))
		return get(s, "structured_dataset") != NULL;
	if (get(type, "schema"))
		return get(s, "schema") != NULL;
	return 0;
}

int
catalog_check_inputs(const cJSON *plan, const cJSON *literals, char *err, size_t errlen)
{
	const cJSON	*params = get(get(get(plan, "closure"), "expected_inputs"), "parameters");
	const cJSON	*fixed = get(get(get(plan, "spec"), "fixed_inputs"), "literals");
	const cJSON	*it, *p, *lit;
	char		*want, got[128];

	/* flyteadmin's CheckAndFetchInputsForExecution, in its order. */
	cJSON_ArrayForEach(it, literals)
		if (get(params, it->string) == NULL) {
			snprintf(err, errlen, "invalid input %s", it->string);
			return -1;
		}
	cJSON_ArrayForEach(p, params) {
		if ((lit = get(literals, p->string)) == NULL) {
			if (cJSON_IsTrue(get(p, "required"))) {
				snprintf(err, errlen, "expected_inputs %s missing", p->string);
				return -1;
			}
			continue;
		}
		if (!castable(lit, get(get(p, "var"), "type"))) {
			want = cJSON_PrintUnformatted(get(get(p, "var"), "type"));
			literal_kind(lit, got, sizeof(got));
			snprintf(err, errlen, "invalid %s input wrong type. Expected %s, but got %s",
			    p->string, want ? want : "?", got);
			cJSON_free(want);
			return -1;
		}
	}
	cJSON_ArrayForEach(it, fixed)
		if (get(literals, it->string)) {
			snprintf(err, errlen, "fixed_inputs %s cannot be overridden", it->string);
			return -1;
		}
	return 0;
}
