/* lpcache.c: launch plans the engine has looked up (version and interface), shared by every fire that needs one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "engine_int.h"
#include "schedd/execution.h"

#define LP_CACHE_MAX	256	/* launch plans remembered */
#define LP_INDEX	512	/* hash slots: twice the entries, so probes stay short */

struct lp_entry {
	char			 key[ENGINE_PATH_MAX];	/* "p/d/n" (latest) or "p/d/n@v" */
	char			*version;
	cJSON			*parameters;	/* expected_inputs.parameters; NULL: none */
	int64_t			 fetched_at;
	int			 fetching;
	struct engine_fire	*waiters;
	struct engine		*eng;
};

struct lpcache {
	struct lp_entry	 entries[LP_CACHE_MAX];
	size_t		 count;
	short		 index[LP_INDEX];	/* entry + 1, 0: empty */
};

int
engine__lp_new(struct lpcache **out, struct err *e)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL) {
		err_set_code(e, EX_OSERR, "engine: out of memory");
		return -1;
	}
	return 0;
}

void
engine__lp_free(struct lpcache *lps)
{
	if (lps == NULL)
		return;
	for (size_t i = 0; i < lps->count; i++) {
		free(lps->entries[i].version);
		cJSON_Delete(lps->entries[i].parameters);
	}
	free(lps);
}

static size_t
key_slot(const char *key)
{
	uint32_t	h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (LP_INDEX - 1);
}

static struct lp_entry *
lp_find(struct lpcache *lps, const char *key)
{
	for (size_t i = key_slot(key); lps->index[i] != 0;
	    i = (i + 1) & (LP_INDEX - 1))
		if (strcmp(lps->entries[lps->index[i] - 1].key, key) == 0)
			return &lps->entries[lps->index[i] - 1];
	return NULL;
}

static void
lp_index(struct lpcache *lps, size_t entry)
{
	size_t	i = key_slot(lps->entries[entry].key);

	while (lps->index[i] != 0)
		i = (i + 1) & (LP_INDEX - 1);
	lps->index[i] = (short)(entry + 1);
}

/* An entry for key: a free one, or the oldest idle one reused in place (a lookup in flight holds a pointer). */
static struct lp_entry *
lp_make(struct engine *eng, struct lpcache *lps, const char *key)
{
	struct lp_entry	*lp = NULL;

	if (lps->count < LP_CACHE_MAX)
		lp = &lps->entries[lps->count++];
	else {
		for (size_t i = 0; i < lps->count; i++)
			if (!lps->entries[i].fetching && (lp == NULL ||
			    lps->entries[i].fetched_at < lp->fetched_at))
				lp = &lps->entries[i];
		if (lp == NULL)
			return NULL;
		free(lp->version);
		cJSON_Delete(lp->parameters);
	}
	memset(lp, 0, sizeof(*lp));
	snprintf(lp->key, sizeof(lp->key), "%s", key);
	lp->eng = eng;
	/* Rebuild the index: rare (a new key), and removal from open addressing is not simpler. */
	memset(lps->index, 0, sizeof(lps->index));
	for (size_t i = 0; i < lps->count; i++)
		lp_index(lps, i);
	return lp;
}

static void
lp_done(const struct admin_response *r, void *arg)
{
	struct lp_entry		*lp = arg;
	struct engine_fire	*f, *waiters = lp->waiters;
	struct fire_input	 in = { .status = r->status };
	const char		*version;
	const cJSON		*parameters;
	struct err		 e;
	cJSON			*doc = NULL;
	char			 msg[1100];

	lp->fetching = 0;
	lp->waiters = NULL;
	if (r->status == 200 && (doc = cJSON_Parse(r->body)) != NULL &&
	    execution_launch_plan(doc, &version, &parameters, &e) == 0) {
		free(lp->version);
		cJSON_Delete(lp->parameters);
		lp->version = strdup(version);
		lp->parameters = parameters ? cJSON_Duplicate(parameters, 1) :
		    NULL;
		lp->fetched_at = engine__now(lp->eng);
		in.version = lp->version;
		in.parameters = lp->parameters;
		if (lp->version == NULL) {
			in.status = 0;
			snprintf(msg, sizeof(msg), "out of memory");
		}
	} else if (r->status == 200) {
		/* Not JSON is no answer (a proxy's page): tried again. JSON without the plan is Admin's answer. */
		if (doc == NULL)
			in.status = 0;
		snprintf(msg, sizeof(msg), "launch plan %s: %s", lp->key,
		    doc ? e.msg : "response is not JSON");
	} else if (r->status == 404)
		snprintf(msg, sizeof(msg), "launch plan %s not found", lp->key);
	else if (r->status == 0)
		snprintf(msg, sizeof(msg), "%s", r->error ? r->error :
		    "no response");
	else
		execution_error_message(r->body, r->status, msg, sizeof(msg));
	/* A failed look-up leaves what was known: fresh until its time, when refreshed ahead of it. */
	if (in.version == NULL)
		in.why = msg;
	cJSON_Delete(doc);
	while ((f = waiters) != NULL) {
		waiters = f->queue_next;
		f->queue_next = NULL;
		engine__fire_on(f, FIRE_EV_PLAN, &in);
	}
}

/* The cache's key for a schedule's launch plan: "p/d/n" (latest) or "p/d/n@v". */
static void
lp_key(const struct schedule *row, char key[ENGINE_PATH_MAX])
{
	snprintf(key, ENGINE_PATH_MAX, "%s/%s/%s%s%s", row->project,
	    row->domain, row->launch_plan, row->version ? "@" : "",
	    row->version ? row->version : "");
}

/* A pinned version never changes; "latest" is looked up again after lp_ttl. */
static int
lp_fresh(const struct engine *eng, const struct lp_entry *lp,
    const struct schedule *row)
{
	return lp->version != NULL && (row->version != NULL ||
	    engine__now(eng) - lp->fetched_at < eng->cfg.lp_ttl);
}

/* "Latest" in its last sixth: looked up again while still used, so no fire waits for it. */
static int
lp_ageing(const struct engine *eng, const struct lp_entry *lp,
    const struct schedule *row)
{
	return row->version == NULL && !lp->fetching &&
	    engine__now(eng) - lp->fetched_at >= eng->cfg.lp_ttl -
	    eng->cfg.lp_ttl / 6;
}

/* Ask Admin for row's launch plan once; lp_done tells the waiters then. */
static void
lp_fetch(struct engine *eng, struct lp_entry *lp, const struct schedule *row)
{
	char			path[ENGINE_PATH_MAX + 100];
	struct err		e;
	struct admin_response	r = { .status = 0, .body = "" };

	lp->fetching = 1;
	if (execution_launch_plan_path(row, path, sizeof(path)) == -1)
		err_set_code(&e, EX_SOFTWARE, "launch plan path too long");
	else if (engine__request(eng, ADMIN_LANE_FIRE, "GET", path, NULL,
	    lp_done, lp, &e) == 0)
		return;
	r.error = e.msg;
	lp_done(&r, lp);
}

int
engine__lp_cached(struct engine *eng, const struct schedule *row,
    const char **version, const cJSON **parameters)
{
	struct lp_entry	*lp;
	char		 key[ENGINE_PATH_MAX];

	lp_key(row, key);
	if ((lp = lp_find(eng->lps, key)) == NULL &&
	    (lp = lp_make(eng, eng->lps, key)) == NULL)
		return 0;
	if (!lp_fresh(eng, lp, row)) {
		/* Asked for now, so that fires recorded after this one find it. */
		if (!lp->fetching)
			lp_fetch(eng, lp, row);
		return 0;
	}
	if (lp_ageing(eng, lp, row))
		lp_fetch(eng, lp, row);
	*version = lp->version;
	*parameters = lp->parameters;
	return 1;
}

void
engine__lp_resolve(struct engine *eng, struct engine_fire *f)
{
	struct lp_entry		*lp;
	struct fire_input	 in = { 0 };
	char			 key[ENGINE_PATH_MAX];

	lp_key(&f->row, key);
	if ((lp = lp_find(eng->lps, key)) == NULL &&
	    (lp = lp_make(eng, eng->lps, key)) == NULL) {
		in.why = "too many launch plans being looked up";
		engine__fire_on(f, FIRE_EV_PLAN, &in);
		return;
	}
	if (lp_fresh(eng, lp, &f->row)) {
		in.version = lp->version;
		in.parameters = lp->parameters;
		engine__fire_on(f, FIRE_EV_PLAN, &in);
		return;
	}
	f->queue_next = lp->waiters;
	lp->waiters = f;
	if (!lp->fetching)
		lp_fetch(eng, lp, &f->row);
}
