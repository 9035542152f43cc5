/* statuspage_serve.c: a status page request: bounded store reads, next fires and DST changes computed, then rendered. */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/cron.h"
#include "schedd/selector.h"
#include "schedd/statuspage.h"
#include "schedd/tz.h"

#define DAY		86400
#define PAGE_MAX	1000000	/* ?page= beyond this is refused */
#define LATE_PAGE	300	/* ?state=late: a fire this many seconds late in the last 24 h (schedctl status --check's) */
#define DST_MAX		8	/* offset changes marked on a timeline */
#define SCHEDULE_PATH	"/schedules/"

/*
 * What one request read: the store hands strings over for the length of a
 * callback, so they are copied here and freed together at the end.
 */
struct page_data {
	char			**strings;
	size_t			  nstrings;
	size_t			  capstrings;
	struct store_page_run	 *runs;
	size_t			  nruns;
	size_t			  capruns;
	struct store_page_change *changes;
	size_t			  nchanges;
	size_t			  capchanges;
	int			  oom;
};

static const char *
data_copy(struct page_data *pd, const char *s)
{
	char	**bigger, *copy;

	if (s == NULL || pd->oom)
		return NULL;
	if (pd->nstrings == pd->capstrings) {
		size_t	cap = pd->capstrings ? pd->capstrings * 2 : 256;

		if ((bigger = realloc(pd->strings, cap * sizeof(*bigger))) ==
		    NULL) {
			pd->oom = 1;
			return NULL;
		}
		pd->strings = bigger;
		pd->capstrings = cap;
	}
	if ((copy = strdup(s)) == NULL) {
		pd->oom = 1;
		return NULL;
	}
	pd->strings[pd->nstrings++] = copy;
	return copy;
}

static void
data_free(struct page_data *pd)
{
	for (size_t i = 0; i < pd->nstrings; i++)
		free(pd->strings[i]);
	free(pd->strings);
	free(pd->runs);
	free(pd->changes);
	memset(pd, 0, sizeof(*pd));
}

static int
data_oom(struct page_data *pd, struct err *e)
{
	if (!pd->oom)
		return 0;
	err_set_code(e, EX_OSERR, "status page: out of memory");
	return -1;
}

/* Room for one more element of size `size` in *array (n used of *cap). Returns 0, or -1 setting pd->oom. */
static int
data_grow(struct page_data *pd, void **array, size_t n, size_t *cap,
    size_t size)
{
	void	*bigger;
	size_t	 more = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return 0;
	if ((bigger = realloc(*array, more * size)) == NULL) {
		pd->oom = 1;
		return -1;
	}
	*array = bigger;
	*cap = more;
	return 0;
}

/* Copy a run into pd->runs (its strings too). */
static int
run_copy(const struct store_page_run *r, void *arg, struct err *e)
{
	struct page_data	*pd = arg;
	struct store_page_run	*c;

	if (data_grow(pd, (void **)&pd->runs, pd->nruns, &pd->capruns,
	    sizeof(*pd->runs)) == -1)
		return data_oom(pd, e);
	c = &pd->runs[pd->nruns++];
	*c = *r;
	c->schedule_name = data_copy(pd, r->schedule_name);
	c->kind = data_copy(pd, r->kind);
	c->state = data_copy(pd, r->state);
	c->phase = data_copy(pd, r->phase);
	c->execution_name = data_copy(pd, r->execution_name);
	c->error = data_copy(pd, r->error);
	return data_oom(pd, e);
}

/* Copy a change into pd->changes (its strings too). */
static int
change_copy(const struct store_page_change *ch, void *arg, struct err *e)
{
	struct page_data		*pd = arg;
	struct store_page_change	*c;

	if (data_grow(pd, (void **)&pd->changes, pd->nchanges,
	    &pd->capchanges, sizeof(*pd->changes)) == -1)
		return data_oom(pd, e);
	c = &pd->changes[pd->nchanges++];
	c->at = ch->at;
	c->os_user = data_copy(pd, ch->os_user);
	c->command = data_copy(pd, ch->command);
	c->before = data_copy(pd, ch->before);
	c->after = data_copy(pd, ch->after);
	return data_oom(pd, e);
}

/* The rows of a page, as store_page_rows hands them over. */
struct row_set {
	struct page_data	*pd;
	struct statuspage_row	*rows;
	size_t			 nrows;
	size_t			 cap;
};

static int
row_copy(const struct store_page_row *r, void *arg, struct err *e)
{
	struct row_set		*rs = arg;
	struct page_data	*pd = rs->pd;
	struct store_page_row	*c;

	if (rs->nrows == rs->cap)
		return 0;	/* more rows than names asked for: none */
	memset(&rs->rows[rs->nrows], 0, sizeof(rs->rows[0]));
	c = &rs->rows[rs->nrows++].s;
	*c = *r;
	c->name = data_copy(pd, r->name);
	c->project = data_copy(pd, r->project);
	c->domain = data_copy(pd, r->domain);
	c->launch_plan = data_copy(pd, r->launch_plan);
	c->version = data_copy(pd, r->version);
	c->cron = data_copy(pd, r->cron);
	c->tz = data_copy(pd, r->tz);
	c->labels = data_copy(pd, r->labels);
	c->last_error = data_copy(pd, r->last_error);
	return data_oom(pd, e);
}

/* A row's words and next fires (the same helper schedctl uses), after now. */
static int
row_times(const struct statuspage_sources *src, struct statuspage_row *row,
    int64_t now, struct err *e)
{
	const struct tz_zone	*zone;

	cron_words(row->s.cron, row->words, sizeof(row->words));
	row->nnext = 0;
	if (row->s.paused)
		return 0;
	if (tz_cache_get(src->zones, row->s.tz, &zone, e) == -1)
		return -1;
	if ((row->nnext = cron_next_fires(row->s.cron, zone, row->s.created_at,
	    now, STATUSPAGE_NEXT, row->next, e)) == -1)
		return -1;
	for (int i = 0; i < row->nnext; i++)
		row->next_offset[i] = tz_offset_at(zone, row->next[i]);
	return 0;
}

/*
 * The rows of the schedules named in names (a JSON array text), each with
 * its words, next fires and last runs, into rs. Returns 0, or -1 with e.
 */
static int
rows_read(const struct statuspage_sources *src, const char *names,
    int64_t now, struct row_set *rs, struct err *e)
{
	struct page_data	*pd = rs->pd;
	size_t			 row = 0;

	if (store_page_rows(src->store, names, row_copy, rs, e) == -1 ||
	    store_page_recent(src->store, names, STATUSPAGE_RECENT, run_copy, pd,
	    e) == -1)
		return -1;
	/* Runs come grouped by schedule in the rows' order: hand each row its slice. */
	for (size_t i = 0; i < pd->nruns; i++) {
		while (row < rs->nrows && strcmp(rs->rows[row].s.name,
		    pd->runs[i].schedule_name) != 0)
			row++;
		if (row == rs->nrows)
			break;
		if (rs->rows[row].nruns++ == 0)
			rs->rows[row].runs = &pd->runs[i];
	}
	for (size_t i = 0; i < rs->nrows; i++)
		if (row_times(src, &rs->rows[i], now, e) == -1)
			return -1;
	return 0;
}

/* ?page=: a number from 1 to PAGE_MAX, 1 when left out; 0 when it is none. */
static int
page_number(const char *text)
{
	char	*end;
	long	 n;

	if (text == NULL)
		return 1;
	n = strtol(text, &end, 10);
	return *text < '0' || *text > '9' || *end != '\0' || n < 1 ||
	    n > PAGE_MAX ? 0 : (int)n;
}

/* The names of one page of /, walked in name order. */
struct name_walk {
	const struct selector	*sel;
	int64_t			 skip;		/* matches before the page */
	cJSON			*names;
	int			 count;
	int			 more;
};

static int
name_one(const char *name, const char *labels, void *arg, struct err *e)
{
	struct name_walk	*w = arg;

	if (w->sel != NULL && !selector_match(w->sel, labels))
		return 0;
	if (w->skip > 0) {
		w->skip--;
		return 0;
	}
	if (w->count == STATUSPAGE_ROWS) {
		w->more = 1;
		return 1;	/* one past the page: enough */
	}
	if (!cJSON_AddItemToArray(w->names, cJSON_CreateString(name))) {
		err_set_code(e, EX_OSERR, "status page: out of memory");
		return -1;
	}
	w->count++;
	return 0;
}

static int
serve_list(const struct statuspage_sources *src,
    const struct statuspage_query *q, int64_t now, struct metrics_text *t,
    int *status, struct err *e)
{
	static const char *const states[] = { "", "paused", "failing", "late" };
	struct statuspage_list	 l;
	struct statuspage_row	 rows[STATUSPAGE_ROWS];
	struct page_data	 pd;
	struct row_set		 rs = { &pd, rows, 0, STATUSPAGE_ROWS };
	struct name_walk	 w;
	struct selector		*sel = NULL;
	struct err		 bad;
	char			*names = NULL, problem[300];
	int			 state = -1, ret = -1;

	memset(&pd, 0, sizeof(pd));
	memset(&w, 0, sizeof(w));
	memset(&l, 0, sizeof(l));
	l.selector = q->selector != NULL ? q->selector : "";
	l.state = q->state != NULL ? q->state : "";
	l.page = page_number(q->page);
	l.console_url = src->console_url;
	for (int i = 0; i < 4; i++)
		if (strcmp(l.state, states[i]) == 0)
			state = i;
	*status = 400;
	if (state == -1)
		l.problem = "state: not failing, paused or late";
	else if (l.page == 0)
		l.problem = "page: not a number from 1 to 1000000";
	else if (*l.selector != '\0' &&
	    selector_parse(l.selector, &sel, &bad) == -1) {
		/* Copied with a length check: gcc -O0 trips on snprintf here. */
		size_t	n = strlen(bad.msg);

		memcpy(problem, "selector: ", 10);
		if (n > sizeof(problem) - 11)
			n = sizeof(problem) - 11;
		memcpy(problem + 10, bad.msg, n);
		problem[10 + n] = '\0';
		l.problem = problem;
	} else
		*status = 200;
	if (*status != 200) {
		l.page = l.page ? l.page : 1;
		statuspage_render_list(&l, t);
		return 0;
	}
	w.sel = sel;
	w.skip = (int64_t)(l.page - 1) * STATUSPAGE_ROWS;
	if ((w.names = cJSON_CreateArray()) == NULL)
		goto nomem;
	if (store_page_names(src->store, (enum store_page_state)state,
	    now - DAY, LATE_PAGE, name_one, &w, e) == -1)
		goto out;
	if ((names = cJSON_PrintUnformatted(w.names)) == NULL)
		goto nomem;
	if (rows_read(src, names, now, &rs, e) == -1)
		goto out;
	l.rows = rows;
	l.nrows = rs.nrows;
	l.more = w.more;
	statuspage_render_list(&l, t);
	ret = data_oom(&pd, e);
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "status page: out of memory");
 out:
	free(names);
	cJSON_Delete(w.names);
	selector_free(sel);
	data_free(&pd);
	return ret;
}

/* The zone's offset changes between from and to. */
static size_t
dst_changes(const struct tz_zone *zone, int64_t from, int64_t to,
    struct statuspage_dst *out)
{
	struct tz_span	span;
	size_t		n = 0;

	tz_span_at(zone, from, &span);
	while (n < DST_MAX && span.end != INT64_MAX && span.end <= to) {
		int32_t	before = span.offset;

		tz_span_at(zone, span.end, &span);
		if (span.offset != before) {
			out[n].at = span.start;
			out[n].from = before;
			out[n].to = span.offset;
			n++;
		}
	}
	return n;
}

static int
serve_schedule(const struct statuspage_sources *src, const char *name,
    int64_t now, struct metrics_text *t, int *status, struct err *e)
{
	struct statuspage_detail	 d;
	struct statuspage_row		 row;
	struct statuspage_dst		 dst[DST_MAX];
	/* Apart: the row's strip points into pd's runs, which must not move. */
	struct page_data		 pd, history, window;
	struct row_set			 rs = { &pd, &row, 0, 1 };
	struct schedule			 s;
	const struct tz_zone		*zone;
	int64_t				*instants = NULL;
	char				*names = NULL;
	cJSON				*list = NULL;
	int				 n, ret = -1;

	memset(&pd, 0, sizeof(pd));
	memset(&history, 0, sizeof(history));
	memset(&window, 0, sizeof(window));
	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	if (store_schedule_get(src->store, name, &s, e) == -1) {
		if (e->code != EX_NOINPUT)
			return -1;
		*status = 404;
		statuspage_render_problem("not found", e->msg, t);
		return 0;
	}
	if ((list = cJSON_CreateArray()) == NULL ||
	    !cJSON_AddItemToArray(list, cJSON_CreateString(name)) ||
	    (names = cJSON_PrintUnformatted(list)) == NULL ||
	    (instants = calloc(STATUSPAGE_TIMELINE_MAX,
	    sizeof(*instants))) == NULL) {
		err_set_code(e, EX_OSERR, "status page: out of memory");
		goto out;
	}
	if (rows_read(src, names, now, &rs, e) == -1)
		goto out;
	if (rs.nrows != 1) {
		err_set_code(e, EX_TEMPFAIL, "schedule %s: removed while read",
		    name);
		goto out;
	}
	if (store_page_history(src->store, name, 0, STATUSPAGE_HISTORY,
	    run_copy, &history, e) == -1 ||
	    store_page_history(src->store, name, now - DAY,
	    STATUSPAGE_TIMELINE_MAX, run_copy, &window, e) == -1 ||
	    store_page_changes(src->store, name, STATUSPAGE_CHANGES,
	    change_copy, &history, e) == -1 ||
	    tz_cache_get(src->zones, s.tz, &zone, e) == -1)
		goto out;
	/* An expression that no longer parses leaves the timeline empty, the page still shown. */
	if ((n = cron_next_fires(s.cron, zone, s.created_at, now - DAY - 1,
	    STATUSPAGE_TIMELINE_MAX, instants, NULL)) < 0)
		n = 0;
	while (n > 0 && instants[n - 1] > now + DAY)
		n--;
	d.row = &row;
	d.s = &s;
	d.now = now;
	d.instants = instants;
	d.ninstants = (size_t)n;
	d.dst = dst;
	d.ndst = dst_changes(zone, now - DAY, now + DAY, dst);
	d.history = history.runs;
	d.nhistory = history.nruns;
	d.window = window.runs;
	d.nwindow = window.nruns;
	d.changes = history.changes;
	d.nchanges = history.nchanges;
	d.console_url = src->console_url;
	*status = 200;
	statuspage_render_schedule(&d, t);
	ret = 0;
 out:
	free(instants);
	free(names);
	cJSON_Delete(list);
	schedule_clear(&s);
	data_free(&pd);
	data_free(&history);
	data_free(&window);
	return ret;
}

static int
serve_missed(const struct statuspage_sources *src,
    const struct statuspage_query *q, struct metrics_text *t, int *status,
    struct err *e)
{
	struct statuspage_missed	m;
	struct page_data		pd;
	int				ret = -1;

	memset(&pd, 0, sizeof(pd));
	memset(&m, 0, sizeof(m));
	if ((m.page = page_number(q->page)) == 0) {
		*status = 400;
		statuspage_render_problem("missed and late fires",
		    "page: not a number from 1 to 1000000", t);
		return 0;
	}
	/* One past the page says whether there is a next. */
	if (store_page_missed(src->store, (int64_t)(m.page - 1) *
	    STATUSPAGE_ROWS, STATUSPAGE_ROWS + 1, run_copy, &pd, e) == 0) {
		m.runs = pd.runs;
		m.more = pd.nruns > STATUSPAGE_ROWS;
		m.nruns = m.more ? STATUSPAGE_ROWS : pd.nruns;
		*status = 200;
		statuspage_render_missed(&m, t);
		ret = 0;
	}
	data_free(&pd);
	return ret;
}

int
statuspage_path(const char *path)
{
	return strcmp(path, "/") == 0 || strcmp(path, "/missed") == 0 ||
	    (strncmp(path, SCHEDULE_PATH, sizeof(SCHEDULE_PATH) - 1) == 0 &&
	    path[sizeof(SCHEDULE_PATH) - 1] != '\0');
}

int
statuspage_serve(const struct statuspage_sources *src, const char *path,
    const struct statuspage_query *q, int64_t now, struct metrics_text *t,
    int *status, struct err *e)
{
	int	ret;

	*status = 500;
	if (strcmp(path, "/") == 0)
		ret = serve_list(src, q, now, t, status, e);
	else if (strcmp(path, "/missed") == 0)
		ret = serve_missed(src, q, t, status, e);
	else
		ret = serve_schedule(src, path + sizeof(SCHEDULE_PATH) - 1, now,
		    t, status, e);
	if (ret == 0 && t->oom) {
		err_set_code(e, EX_OSERR, "status page: out of memory");
		ret = -1;
	}
	if (ret == -1)
		*status = 500;
	return ret;
}
