/*
 * test_engine.c: the engine without processes: a real store in a temporary
 * directory, a manual clock and an in-process fake Admin that records each
 * request and answers when the test says. Each case sets the clock, expects
 * exact requests (method, path, body), answers them, and checks the rows in
 * runs and the fire state transitions taken. Milliseconds per case.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "schedd/civil.h"
#include "schedd/clock.h"
#include "schedd/engine.h"
#include "schedd/fire.h"
#include "schedd/schedule.h"
#include "schedd/store.h"

/* The values of engine_int.h's enum fire_state, in its order. */
enum { S_NEW, S_OVERLAP, S_HELD, S_CANCELLING, S_PLAN, S_RECORD, S_CREATE,
    S_CONFIRM, S_LOOKUP, S_RETRY, S_DONE };

static const char *const state_names[] = { "new", "overlap", "held",
    "cancelling", "plan", "record", "create", "confirm", "lookup", "retry",
    "done" };

/* Every transition the engine may take: each must be exercised by some case below. */
static const int legal[][2] = {
	{ S_NEW, S_PLAN }, { S_NEW, S_OVERLAP }, { S_NEW, S_HELD },
	{ S_NEW, S_LOOKUP }, { S_NEW, S_DONE }, { S_NEW, S_CREATE },
	{ S_OVERLAP, S_PLAN }, { S_OVERLAP, S_HELD }, { S_OVERLAP, S_DONE },
	{ S_OVERLAP, S_CANCELLING },
	{ S_HELD, S_PLAN }, { S_HELD, S_DONE },
	{ S_CANCELLING, S_PLAN },
	{ S_PLAN, S_RECORD }, { S_PLAN, S_RETRY }, { S_PLAN, S_DONE },
	{ S_RECORD, S_CREATE }, { S_RECORD, S_DONE }, { S_RECORD, S_LOOKUP },
	{ S_CREATE, S_DONE }, { S_CREATE, S_CONFIRM }, { S_CREATE, S_LOOKUP },
	{ S_CREATE, S_RETRY },
	{ S_CONFIRM, S_DONE }, { S_CONFIRM, S_RETRY },
	{ S_LOOKUP, S_DONE }, { S_LOOKUP, S_CREATE }, { S_LOOKUP, S_RETRY },
	{ S_RETRY, S_LOOKUP }, { S_RETRY, S_PLAN }, { S_RETRY, S_DONE },
};

/* Transitions seen by every case so far (the last case checks them). */
static uint64_t	seen[ENGINE_FIRE_STATES][ENGINE_FIRE_STATES];

#define T0	1798761600	/* 2027-01-01T00:00:00Z */
#define LP_V2	"{\"id\":{\"resource_type\":\"LAUNCH_PLAN\",\"project\":\"p\"," \
		"\"domain\":\"d\",\"name\":\"wf\",\"version\":\"v2\"},\"closure\":" \
		"{\"expected_inputs\":{\"parameters\":{\"site_id\":{\"var\":{\"type\":" \
		"{\"simple\":\"STRING\"}},\"required\":true}}}}}"

/* --- the fake Admin --- */

struct request {
	struct request	*next;
	int		 lane;
	char		 method[8];
	char		*path;
	char		*body;
	admin_done_cb	 cb;
	void		*arg;
};

struct fx {
	char			 dir[64];
	char			 db[128];
	struct event_base	*base;
	struct clock		*clock;
	struct store		*st;
	struct engine		*eng;
	struct log		 log;
	char			*logbuf;
	size_t			 loglen;
	struct request		*requests;	/* oldest first */
	struct engine_config	 cfg;
	int			 idle;
	int			 fatal;		/* engine_on_fatal's calls */
	struct err		 fatal_why;
};

static int
fake_request(void *impl, enum admin_lane lane, const char *method,
    const char *path, const char *body, admin_done_cb cb, void *arg,
    struct err *e)
{
	struct fx	*fx = impl;
	struct request	*r = calloc(1, sizeof(*r)), **p;

	(void)e;
	assert_non_null(r);
	r->lane = lane;
	snprintf(r->method, sizeof(r->method), "%s", method);
	r->path = strdup(path);
	r->body = body ? strdup(body) : NULL;
	r->cb = cb;
	r->arg = arg;
	for (p = &fx->requests; *p != NULL; p = &(*p)->next)
		;
	*p = r;
	return 0;
}

/* Let the loop run what is ready (callbacks made active, timers in the past). */
static void
settle(struct fx *fx)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
}

static void
at(struct fx *fx, double t)
{
	clock_manual_set(fx->clock, t);
	settle(fx);
}

/* The oldest request on lane with this method whose path starts with prefix; fails the test without one. */
static struct request *
expect_on(struct fx *fx, int lane, const char *method, const char *prefix)
{
	for (struct request **p = &fx->requests; *p != NULL; p = &(*p)->next)
		if ((*p)->lane == lane && strcmp((*p)->method, method) == 0 &&
		    strncmp((*p)->path, prefix, strlen(prefix)) == 0) {
			struct request	*r = *p;

			*p = r->next;
			return r;
		}
	fail_msg("no %s %s... on the %s lane among the requests sent", method,
	    prefix, lane == ADMIN_LANE_FIRE ? "fire" : "watch");
	return NULL;
}

/* A request of a fire (creates, launch plans, confirming and overlap GETs, DELETEs). */
static struct request *
expect(struct fx *fx, const char *method, const char *prefix)
{
	return expect_on(fx, ADMIN_LANE_FIRE, method, prefix);
}

/* A phase look-up of a watched execution. */
static struct request *
expect_watch(struct fx *fx, const char *prefix)
{
	return expect_on(fx, ADMIN_LANE_WATCH, "GET", prefix);
}

/* Requests waiting for an answer: on lane (-1: any), with method (NULL: any). */
static size_t
count_on(struct fx *fx, int lane, const char *method)
{
	size_t	n = 0;

	for (struct request *r = fx->requests; r != NULL; r = r->next)
		n += (lane == -1 || r->lane == lane) &&
		    (method == NULL || strcmp(r->method, method) == 0);
	return n;
}

static size_t
count(struct fx *fx, const char *method)
{
	return count_on(fx, ADMIN_LANE_FIRE, method);
}

/* Forget a request taken by expect() and never answered. */
static void
request_free(struct request *r)
{
	free(r->path);
	free(r->body);
	free(r);
}

/* Answer r (its callback runs now); the loop is not run. */
static void
reply(struct request *r, long status, const char *body)
{
	struct admin_response	resp = { .status = status, .body = body ? body : "",
				    .length = body ? strlen(body) : 0,
				    .attempts = 1,
				    .error = status == 0 ? "connection refused" : NULL };

	r->cb(&resp, r->arg);
	request_free(r);
}

static void
answer(struct fx *fx, struct request *r, long status, const char *body)
{
	reply(r, status, body);
	settle(fx);
}

/* --- the fixture --- */

static void
engine_begin(struct fx *fx, double now)
{
	struct engine_admin	admin = { fake_request, fx };
	struct err		e;

	clock_manual_set(fx->clock, now);
	if (engine_new(fx->base, fx->st, admin, fx->clock, &fx->log, &fx->cfg,
	    &fx->eng, &e) == -1 || engine_start(fx->eng, NULL, NULL, &e) == -1)
		fail_msg("engine: %s", e.msg);
	settle(fx);
}

static int
setup(void **state)
{
	struct fx	*fx = calloc(1, sizeof(*fx));
	struct err	 e;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/schedd-test-engine-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/schedd.db", fx->dir);
	fx->base = event_base_new();
	fx->log.out = open_memstream(&fx->logbuf, &fx->loglen);
	fx->log.level = LOG_LEVEL_DEBUG;
	if (clock_manual_new(fx->base, T0, &fx->clock, &e) == -1 ||
	    store_open(fx->db, STORE_CREATE, &fx->st, &e) == -1)
		return -1;
	fx->cfg = (struct engine_config){ .db_path = fx->db, .grace = 60,
	    .retry_horizon = 3600, .retry_delay = 30, .lp_ttl = 3600,
	    .fallback = 300 };
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 cmd[128];

	if (fx->eng != NULL)
		for (int i = 0; i < ENGINE_FIRE_STATES; i++)
			for (int j = 0; j < ENGINE_FIRE_STATES; j++)
				seen[i][j] += engine_transitions(fx->eng, i, j);
	engine_free(fx->eng);
	while (fx->requests != NULL) {
		struct request	*r = fx->requests;

		fx->requests = r->next;
		request_free(r);
	}
	store_close(fx->st);
	clock_free(fx->clock);
	event_base_free(fx->base);
	fclose(fx->log.out);
	if (getenv("TEST_ENGINE_LOG") != NULL)
		fputs(fx->logbuf, stderr);
	free(fx->logbuf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static char *
copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* printf into new memory (the test frees it). */
static char *
format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
format(const char *fmt, ...)
{
	va_list	ap;
	char	*buf;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	assert_non_null(buf = malloc((size_t)n + 1));
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return buf;
}

/* Add a schedule as schedctl would, created at T0: nothing before T0 is owed. */
static int64_t
add(struct fx *fx, const char *name, const char *cron, const char *overlap,
    const char *lp)
{
	struct schedule	s;
	struct err	e;
	char		inputs[128];
	int64_t		id;

	memset(&s, 0, sizeof(s));
	snprintf(inputs, sizeof(inputs), "{\"site_id\":\"%s\"}", name);
	s.name = copy(name);
	assert_int_equal(schedule_set_launch_plan(&s, lp ? lp : "p/d/wf", &e), 0);
	s.cron = copy(cron);
	s.tz = copy("UTC");
	s.inputs = copy(inputs);
	s.labels = copy("{}");
	s.annotations = copy("{}");
	s.catchup = copy("latest");
	s.catchup_window = 3600;
	s.overlap = copy(overlap ? overlap : "allow");
	s.created_at = s.updated_at = s.active_since = T0;
	if (store_schedule_put(fx->st, &s, &e) == -1)
		fail_msg("put %s: %s", name, e.msg);
	id = s.id;
	schedule_clear(&s);
	return id;
}

static void
sql(struct fx *fx, const char *text)
{
	sqlite3	*db;
	char	*msg = NULL;

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", text, msg);
	sqlite3_close(db);
}

/* The rows of sql (one parameter: a schedule name) as lines of their columns' text, space-separated. */
static char *
rows_text(struct fx *fx, const char *text, const char *name)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*f = open_memstream(&out, &len);

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		for (int i = 0; i < sqlite3_column_count(stmt); i++)
			fprintf(f, "%s%c", sqlite3_column_text(stmt, i),
			    i + 1 < sqlite3_column_count(stmt) ? ' ' : '\n');
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	fclose(f);
	return out;
}

/* The runs of a schedule as "instant kind state http attempts phase error" lines, oldest first. */
static char *
runs(struct fx *fx, const char *name)
{
	return rows_text(fx, "SELECT scheduled_at, kind, state, "
	    "coalesce(http_status, 0), attempts, coalesce(phase, '-'), "
	    "coalesce(error, '-') FROM runs WHERE schedule_name = ?1 ORDER BY "
	    "scheduled_at", name);
}

#define assert_runs(fx, name, want) do {				\
	char	*got_ = runs(fx, name);					\
	assert_string_equal(got_, want);				\
	free(got_);							\
} while (0)

static uint64_t
moved(struct fx *fx, int from, int to)
{
	return engine_transitions(fx->eng, from, to);
}

static void
name_of(const char *schedule, int64_t t, char *buf)
{
	fire_execution_name(schedule, t, buf, FIRE_NAME_LENGTH + 1);
}

/* Admin's answer to a create of execution name. */
static char *
created_body(const char *name)
{
	char	*b;

	assert_true((b = format("{\"id\":{\"project\":\"p\",\"domain\":\"d\","
	    "\"name\":\"%s\"}}", name)) != NULL);
	return b;
}

/* An Execution as GET answers it for a fire of (lp name and version, instant); phase is JSON text. */
static char *
execution_version_body(const char *name, const char *lp, const char *version,
    int64_t t, const char *phase)
{
	char	*b, at[32];

	civil_format_rfc3339(t, 0, at, sizeof(at));
	assert_true((b = format("{\"id\":{\"project\":\"p\",\"domain\":\"d\","
	    "\"name\":\"%s\"},\"spec\":{\"launch_plan\":{\"project\":\"p\","
	    "\"domain\":\"d\",\"name\":\"%s\",\"version\":\"%s\"},\"metadata\":"
	    "{\"scheduled_at\":\"%s\"}},\"closure\":{\"phase\":%s,"
	    "\"started_at\":\"%s\",\"updated_at\":\"%s\"}}", name, lp, version,
	    at, phase, at, at)) != NULL);
	return b;
}

/* An Execution as GET answers it for a fire of (lp name, instant) in phase, launch plan version v2. */
static char *
execution_body(const char *name, const char *lp, int64_t t, const char *phase)
{
	char	quoted[64], *b;

	snprintf(quoted, sizeof(quoted), "\"%s\"", phase);
	b = execution_version_body(name, lp, "v2", t, quoted);
	return b;
}

/* The fire at t goes as far as its POST: the launch plan is answered if asked for. */
static struct request *
to_post(struct fx *fx, double t)
{
	at(fx, t);
	for (struct request *r = fx->requests; r != NULL; r = r->next)
		if (strncmp(r->path, "/api/v1/launch_plans/", 21) == 0) {
			answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf"),
			    200, "{\"launch_plans\":[" LP_V2 "]}");
			break;
		}
	return expect(fx, "POST", "/api/v1/executions");
}

/* --- cases --- */

static void
test_fires_on_time_with_the_exact_body(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *ok;

	add(fx, "site_a", "*/10 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	assert_int_equal(count(fx, NULL), 0);
	at(fx, T0 + 9.9);
	/* Recorded 0.5 s ahead, its launch plan asked for then; the create not a moment early. */
	assert_int_equal(count(fx, "POST"), 0);
	assert_int_equal(count(fx, "GET"), 1);
	at(fx, T0 + 10);
	r = expect(fx, "GET", "/api/v1/launch_plans/p/d/wf?limit=1&sort_by.key="
	    "created_at&sort_by.direction=DESCENDING");
	answer(fx, r, 200, "{\"launch_plans\":[" LP_V2 "]}");
	r = expect(fx, "POST", "/api/v1/executions");
	name_of("site_a", T0 + 10, name);
	{
		char	*want;

		assert_true((want = format("{\"project\":\"p\",\"domain\":\"d\","
		    "\"name\":\"%s\",\"spec\":{\"launch_plan\":{\"resource_type\":"
		    "\"LAUNCH_PLAN\",\"project\":\"p\",\"domain\":\"d\",\"name\":"
		    "\"wf\",\"version\":\"v2\"},\"metadata\":{\"mode\":\"SCHEDULED\","
		    "\"scheduled_at\":\"2027-01-01T00:00:10Z\"}},\"inputs\":{"
		    "\"literals\":{\"site_id\":{\"scalar\":{\"primitive\":{"
		    "\"string_value\":\"site_a\"}}}}}}", name)) != NULL);
		assert_string_equal(r->body, want);
		free(want);
	}
	assert_int_equal(r->lane, ADMIN_LANE_FIRE);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	assert_runs(fx, "site_a",
	    "2027-01-01T00:00:10Z scheduled created 200 1 - -\n");
	assert_int_equal(moved(fx, S_NEW, S_PLAN), 1);
	assert_int_equal(moved(fx, S_PLAN, S_RECORD), 1);
	assert_int_equal(moved(fx, S_RECORD, S_CREATE), 1);
	assert_int_equal(moved(fx, S_CREATE, S_DONE), 1);
	/* The launch plan is cached: the next fire asks for nothing but the create. */
	at(fx, T0 + 20);
	assert_int_equal(count(fx, "GET"), 0);
	assert_int_equal(count_on(fx, ADMIN_LANE_WATCH, "GET"), 1);	/* the watch, at +5 s */
	r = expect(fx, "POST", "/api/v1/executions");
	name_of("site_a", T0 + 20, name);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
}

static void
test_already_exists_is_confirmed_by_get(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *body;

	add(fx, "mine", "*/10 * * * * *", NULL, NULL);
	add(fx, "clash", "*/10 * * * * *", NULL, NULL);
	add(fx, "ghost", "*/10 * * * * *", NULL, NULL);
	add(fx, "flaky", "*/10 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 10);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	/* mine: 409, and the execution is this fire: created. */
	name_of("mine", T0 + 10, name);
	for (int i = 0; i < 4; i++) {
		r = expect(fx, "POST", "/api/v1/executions");
		answer(fx, r, 409, "{\"code\":6,\"message\":\"already exists\"}");
	}
	/* Answer each GET by the name it asks for. */
	for (int i = 0; i < 4; i++) {
		const char	*asked;
		char		 mine[32], clash[32], flaky[32];
		long		 status = 200;

		r = expect(fx, "GET", "/api/v1/executions/p/d/");
		asked = strrchr(r->path, '/') + 1;
		name_of("mine", T0 + 10, mine);
		name_of("clash", T0 + 10, clash);
		name_of("flaky", T0 + 10, flaky);
		if (strcmp(asked, mine) == 0)
			body = execution_body(asked, "wf", T0 + 10, "RUNNING");
		else if (strcmp(asked, clash) == 0)
			body = execution_body(asked, "other_wf", T0 + 10, "RUNNING");
		else if (strcmp(asked, flaky) == 0) {
			body = strdup("{\"code\":14}");
			status = 503;
		} else {
			body = strdup("{\"code\":5}");
			status = 404;
		}
		answer(fx, r, status, body);
		free(body);
	}
	assert_runs(fx, "mine", "2027-01-01T00:00:10Z scheduled created 409 1 - -\n");
	assert_runs(fx, "clash", "2027-01-01T00:00:10Z scheduled failed 409 1 - "
	    "an execution of another launch plan has this name\n");
	assert_runs(fx, "ghost", "2027-01-01T00:00:10Z scheduled failed 409 1 - "
	    "Admin answered AlreadyExists but has no execution of that name\n");
	assert_runs(fx, "flaky", "2027-01-01T00:00:10Z scheduled pending 0 0 - -\n");
	assert_int_equal(moved(fx, S_CREATE, S_CONFIRM), 4);
	assert_int_equal(moved(fx, S_CONFIRM, S_DONE), 3);
	assert_int_equal(moved(fx, S_CONFIRM, S_RETRY), 1);
}

static void
test_unavailable_admin_is_retried_and_the_recorded_request_looked_up(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *ok;

	add(fx, "site_a", "0 1 0 * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	r = to_post(fx, T0 + 60);
	answer(fx, r, 503, "{\"code\":14,\"message\":\"unavailable\"}");
	assert_int_equal(moved(fx, S_CREATE, S_RETRY), 1);
	assert_runs(fx, "site_a", "2027-01-01T00:01:00Z scheduled pending 0 0 - -\n");
	at(fx, T0 + 89);
	assert_int_equal(count(fx, NULL), 0);		/* 30 s between rounds */
	at(fx, T0 + 90);
	/* The request was recorded: Admin is asked whether it has it before a resend. */
	name_of("site_a", T0 + 60, name);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, name);
	answer(fx, r, 404, "{\"code\":5}");
	r = expect(fx, "POST", "/api/v1/executions");
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	assert_runs(fx, "site_a", "2027-01-01T00:01:00Z scheduled created 200 2 - -\n");
	assert_int_equal(moved(fx, S_RETRY, S_LOOKUP), 1);
	assert_int_equal(moved(fx, S_LOOKUP, S_CREATE), 1);
}

static void
test_a_lookup_that_finds_it_and_one_that_fails_again(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *body;

	add(fx, "site_a", "0 1 0 * * *", NULL, NULL);
	add(fx, "site_b", "0 3 0 * * *", NULL, NULL);
	fx->cfg.retry_horizon = 100;
	engine_begin(fx, T0 + 5);
	r = to_post(fx, T0 + 60);
	answer(fx, r, 0, NULL);				/* no response at all */
	at(fx, T0 + 90);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	answer(fx, r, 502, "bad gateway");		/* still unavailable */
	assert_int_equal(moved(fx, S_LOOKUP, S_RETRY), 1);
	at(fx, T0 + 120);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	name_of("site_a", T0 + 60, name);
	body = execution_body(name, "wf", T0 + 60, "QUEUED");
	answer(fx, r, 200, body);			/* it was created after all */
	free(body);
	assert_runs(fx, "site_a", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n");
	assert_int_equal(moved(fx, S_LOOKUP, S_DONE), 1);
	/* site_b: unavailable past the horizon (100 s) gives up. */
	r = to_post(fx, T0 + 180);
	answer(fx, r, 503, "{\"message\":\"down\"}");
	for (int t = 210; t <= 300; t += 30) {
		at(fx, T0 + t);
		answer(fx, expect(fx, "GET", "/api/v1/executions/"), 503, "{}");
	}
	assert_runs(fx, "site_b", "2027-01-01T00:03:00Z scheduled failed 503 1 - "
	    "gave up after 1 attempts over 100 s: HTTP 503: {}\n");
	assert_int_equal(count(fx, NULL), 0);
}

static void
test_permanent_errors_fail_at_once(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;

	add(fx, "bad_request", "0 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	r = to_post(fx, T0 + 60);
	answer(fx, r, 400, "{\"code\":3,\"message\":\"invalid input\"}");
	assert_runs(fx, "bad_request", "2027-01-01T00:01:00Z scheduled failed 400 1 "
	    "- HTTP 400: invalid input\n");
}

static void
test_a_2xx_that_is_not_admins_answer_is_looked_up(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], mangled[32], *ok;

	add(fx, "proxied", "0 1 0 * * *", NULL, NULL);
	add(fx, "mangled", "0 3 0 * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	r = to_post(fx, T0 + 60);
	/* A proxy's login page in a 200: not created until Admin says so. */
	answer(fx, r, 200, "<html>login</html>");
	assert_int_equal(moved(fx, S_CREATE, S_LOOKUP), 1);
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	/*
	 * Regression: Admin lacks it and it was sent again at once, into the
	 * same page, GET and POST in a loop as fast as the proxy answered.
	 * Now it waits for the next round, pending, with the reason.
	 */
	assert_int_equal(count(fx, NULL), 0);
	assert_int_equal(moved(fx, S_LOOKUP, S_RETRY), 1);
	assert_runs(fx, "proxied", "2027-01-01T00:01:00Z scheduled pending 0 0 - -\n");
	assert_non_null(strstr(fx->logbuf, "admin unavailable (HTTP 200 to the create "
	    "was not Admin's answer, and Admin has no such execution); retrying in "
	    "30 s"));
	at(fx, T0 + 90);
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	r = expect(fx, "POST", "/api/v1/executions");
	answer(fx, r, 200, "{\"code\":3,\"message\":\"error in a 200\"}");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	assert_int_equal(count(fx, NULL), 0);
	at(fx, T0 + 120);
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	r = expect(fx, "POST", "/api/v1/executions");
	name_of("proxied", T0 + 60, name);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	assert_runs(fx, "proxied", "2027-01-01T00:01:00Z scheduled created 200 3 - -\n");
	/* Created, and the answer lost to an empty body: the look-up finds it, once. */
	r = to_post(fx, T0 + 180);
	name_of("mangled", T0 + 180, mangled);
	answer(fx, r, 200, "");
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, mangled);
	ok = execution_body(mangled, "wf", T0 + 180, "QUEUED");
	answer(fx, r, 200, ok);
	free(ok);
	assert_runs(fx, "mangled", "2027-01-01T00:03:00Z scheduled created 200 1 - -\n");
	assert_int_equal(count(fx, "POST"), 0);
}

/*
 * A 409 (or a look-up) finding the same launch plan at another version:
 * when the schedule pins its version, another version is another fire (a
 * name clash), as another launch plan is; unpinned, "latest" may well have
 * been another version for whoever created it.
 */
static void
test_a_pinned_version_must_match(void **state)
{
	struct fx	*fx = *state;
	char		 pinned[32], latest[32], adopted[32], req[512], *body;
	int64_t		 id;

	add(fx, "pinned", "0 * * * * *", NULL, "p/d/wf@v2");
	add(fx, "latest", "0 * * * * *", NULL, NULL);
	id = add(fx, "adopted", "0 0 1 1 *", NULL, "p/d/wf@v2");
	name_of("pinned", T0 + 60, pinned);
	name_of("latest", T0 + 60, latest);
	name_of("adopted", T0 - 60, adopted);
	/* A run left pending by a crash, its request (pinned v2) recorded. */
	snprintf(req, sizeof(req), "{\"project\":\"p\",\"domain\":\"d\","
	    "\"name\":\"%s\",\"spec\":{\"launch_plan\":{\"project\":\"p\","
	    "\"domain\":\"d\",\"name\":\"wf\",\"version\":\"v2\"},\"metadata\":"
	    "{\"scheduled_at\":\"2026-12-31T23:59:00Z\"}}}", adopted);
	body = format("INSERT INTO runs (schedule_id, schedule_name, scheduled_at, "
	    "kind, state, execution_name, request, recorded_at) VALUES (%lld, "
	    "'adopted', '2026-12-31T23:59:00Z', 'scheduled', 'pending', '%s', "
	    "'%s', '2026-12-31T23:59:00Z')", (long long)id, adopted, req);
	sql(fx, body);
	free(body);
	engine_begin(fx, T0 + 5);
	body = execution_version_body(adopted, "wf", "v1", T0 - 60, "\"RUNNING\"");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	at(fx, T0 + 60);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf?"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	for (int i = 0; i < 2; i++)
		answer(fx, expect(fx, "POST", "/api/v1/executions"), 409,
		    "{\"code\":6,\"message\":\"already exists\"}");
	for (int i = 0; i < 2; i++) {
		struct request	*r = expect(fx, "GET", "/api/v1/executions/p/d/");
		const char	*asked = strrchr(r->path, '/') + 1;

		/* Both found at v1; the schedules' requests say v2. */
		body = execution_version_body(asked, "wf", "v1", T0 + 60,
		    "\"RUNNING\"");
		answer(fx, r, 200, body);
		free(body);
	}
	assert_runs(fx, "pinned", "2027-01-01T00:01:00Z scheduled failed 409 1 - "
	    "an execution of another version of the launch plan has this name\n");
	assert_runs(fx, "latest", "2027-01-01T00:01:00Z scheduled created 409 1 - -\n");
	assert_runs(fx, "adopted", "2026-12-31T23:59:00Z scheduled failed 409 0 - "
	    "an execution of another version of the launch plan has this name\n");
}

/*
 * A phase that is not one of WorkflowExecution.Phase's names (a proxy's
 * text, control characters that would break history rows) is not stored:
 * logged, the run keeps its phase, and the watch asks again later.
 */
static void
test_a_phase_outside_flytes_names_is_not_stored(void **state)
{
	struct fx	*fx = *state;
	char		 name[32], path[128], *body;

	add(fx, "watched", "0 0 1 1 *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	sql(fx, "INSERT INTO runs (schedule_id, schedule_name, scheduled_at, kind, "
	    "state, recorded_at) VALUES ((SELECT id FROM schedules), 'watched', "
	    "'2027-01-01T00:00:06Z', 'trigger', 'pending', "
	    "'2027-01-01T00:00:06Z')");
	engine_reload(fx->eng);
	at(fx, T0 + 6);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	name_of("watched", T0 + 6, name);
	body = created_body(name);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 200, body);
	free(body);
	snprintf(path, sizeof(path), "/api/v1/executions/p/d/%s", name);
	/* RUNNING, then three answers to ignore, then the end by number (protojson's other form). */
	at(fx, T0 + 11.5);	/* looks fall half-way between seconds */
	body = execution_body(name, "wf", T0 + 6, "RUNNING");
	answer(fx, expect_watch(fx, path), 200, body);
	free(body);
	{
		static const char *const bad[] = { "\"SUCCEEDED\\n<script>\"",
		    "\"succeeded\"", "42" };
		double	t = T0 + 21.5;

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			/* Each time asked again after the same 10 s: no longer, no sooner. */
			at(fx, t - 0.1);
			assert_int_equal(count_on(fx, ADMIN_LANE_WATCH, NULL), 0);
			at(fx, t);
			body = execution_version_body(name, "wf", "v2", T0 + 6, bad[i]);
			answer(fx, expect_watch(fx, path), 200, body);
			free(body);
			assert_runs(fx, "watched", "2027-01-01T00:00:06Z trigger "
			    "created 200 1 RUNNING -\n");
			t += 10;
		}
		at(fx, t);
	}
	assert_non_null(strstr(fx->logbuf, "Admin's answer has no "
	    "WorkflowExecution.Phase (closure.phase is \"SUCCEEDED\\n<script>\"); "
	    "the phase stays RUNNING, asking again later"));
	assert_non_null(strstr(fx->logbuf, "(closure.phase is \"succeeded\")"));
	assert_non_null(strstr(fx->logbuf, "(closure.phase is 42)"));
	body = execution_version_body(name, "wf", "v2", T0 + 6, "4");
	answer(fx, expect_watch(fx, path), 200, body);
	free(body);
	assert_runs(fx, "watched", "2027-01-01T00:00:06Z trigger created 200 1 "
	    "SUCCEEDED -\n");
}

static void
test_launch_plan_lookups(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *ok;

	add(fx, "missing_lp", "0 * * * * *", NULL, "p/d/nope@v1");
	add(fx, "flaky_lp", "0 * * * * *", NULL, "p/d/wf@v2");
	add(fx, "bad_inputs", "0 * * * * *", NULL, "p/d/typed@v1");
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 60);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/nope/v1"), 404,
	    "{\"code\":5}");
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 503, "");
	/* site_id must be an integer here: the string input cannot convert. */
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/typed/v1"), 200,
	    "{\"id\":{\"version\":\"v1\"},\"closure\":{\"expected_inputs\":{"
	    "\"parameters\":{\"site_id\":{\"var\":{\"type\":{\"simple\":"
	    "\"INTEGER\"}}}}}}}");
	assert_runs(fx, "missing_lp", "2027-01-01T00:01:00Z scheduled failed 404 0 "
	    "- launch plan p/d/nope@v1 not found\n");
	{
		char	*got = runs(fx, "bad_inputs");

		assert_non_null(strstr(got, "scheduled failed 0 0 - "));
		assert_non_null(strstr(got, "site_id"));
		free(got);
	}
	assert_int_equal(moved(fx, S_PLAN, S_RETRY), 1);
	assert_int_equal(moved(fx, S_PLAN, S_DONE), 2);
	at(fx, T0 + 90);
	assert_int_equal(moved(fx, S_RETRY, S_PLAN), 1);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	r = expect(fx, "POST", "/api/v1/executions");
	name_of("flaky_lp", T0 + 60, name);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	assert_runs(fx, "flaky_lp", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n");
}

/* Create schedule's fire at t and leave its execution watched (the latest of its schedule). */
static void
created_at(struct fx *fx, const char *schedule, double t)
{
	char	name[32], *ok;

	name_of(schedule, (int64_t)t, name);
	ok = created_body(name);
	answer(fx, to_post(fx, t), 200, ok);
	free(ok);
}

/* The request a run's row holds, as committed (NULL: none). */
static char *
recorded_request(struct fx *fx, const char *schedule, const char *at_text)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*out = NULL;

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT request FROM runs WHERE "
	    "schedule_name = ?1 AND scheduled_at = ?2", -1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, schedule, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, at_text, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		out = copy((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

/* A fire whose launch plan is cached is recorded with its pending row, request and all: one commit, then the POST. */
static void
test_a_known_launch_plan_sends_after_one_commit(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		*recorded, name[32], *ok;

	add(fx, "known", "0 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	created_at(fx, "known", T0 + 60);	/* the launch plan is fetched: built, then recorded */
	assert_int_equal(moved(fx, S_RECORD, S_CREATE), 1);
	assert_int_equal(moved(fx, S_NEW, S_CREATE), 0);
	/* The next instant: the timer's slice commits the row and its request, and the POST leaves. */
	clock_manual_set(fx->clock, T0 + 120);
	r = expect(fx, "POST", "/api/v1/executions");
	recorded = recorded_request(fx, "known", "2027-01-01T00:02:00Z");
	assert_non_null(recorded);
	assert_string_equal(recorded, r->body);
	free(recorded);
	assert_int_equal(moved(fx, S_NEW, S_CREATE), 1);
	assert_int_equal(moved(fx, S_RECORD, S_CREATE), 1);
	assert_int_equal(count(fx, NULL), 0);		/* no launch plan GET this time */
	answer(fx, r, 503, "{}");
	/* Its retry round looks it up first: it was sent. */
	at(fx, T0 + 150);
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	name_of("known", T0 + 120, name);
	ok = created_body(name);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 200, ok);
	free(ok);
	assert_runs(fx, "known", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
	    "2027-01-01T00:02:00Z scheduled created 200 2 - -\n");
}

/* A second's fires are recorded ENGINE_LEAD (0.5 s) ahead, request and all, and leave at the instant, not before. */
static void
test_fires_are_recorded_ahead_and_sent_on_time(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		*recorded, name[32], *ok;

	add(fx, "ahead", "0 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	created_at(fx, "ahead", T0 + 60);
	at(fx, T0 + 119.4);
	assert_null(recorded_request(fx, "ahead", "2027-01-01T00:02:00Z"));
	at(fx, T0 + 119.5);
	recorded = recorded_request(fx, "ahead", "2027-01-01T00:02:00Z");
	assert_non_null(recorded);
	assert_runs(fx, "ahead", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
	    "2027-01-01T00:02:00Z scheduled pending 0 0 - -\n");
	at(fx, T0 + 119.999);
	assert_int_equal(count(fx, NULL), 0);
	clock_manual_set(fx->clock, T0 + 120);
	r = expect(fx, "POST", "/api/v1/executions");
	assert_string_equal(r->body, recorded);
	free(recorded);
	name_of("ahead", T0 + 120, name);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	/* Paused within the lead: the run recorded ahead is taken back. */
	at(fx, T0 + 179.6);
	recorded = runs(fx, "ahead");
	assert_non_null(strstr(recorded, "00:03:00Z scheduled pending"));
	free(recorded);
	sql(fx, "UPDATE schedules SET paused = 1 WHERE name = 'ahead'");
	sql(fx, "INSERT INTO changes (at, os_user, command, schedule_name) "
	    "VALUES ('2027-01-01T00:02:59Z', 'test', 'pause', 'ahead')");
	engine_reload(fx->eng);
	at(fx, T0 + 180);
	assert_int_equal(count(fx, "POST"), 0);
	assert_runs(fx, "ahead", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
	    "2027-01-01T00:02:00Z scheduled created 200 1 - -\n");
	/* Resumed, then stopped within the lead: taken back again, never sent. */
	sql(fx, "UPDATE schedules SET paused = 0 WHERE name = 'ahead'");
	sql(fx, "INSERT INTO changes (at, os_user, command, schedule_name) "
	    "VALUES ('2027-01-01T00:03:00Z', 'test', 'resume', 'ahead')");
	engine_reload(fx->eng);
	at(fx, T0 + 239.6);
	recorded = runs(fx, "ahead");
	assert_non_null(strstr(recorded, "00:04:00Z scheduled pending"));
	free(recorded);
	engine_stop(fx->eng, NULL, NULL);
	settle(fx);
	at(fx, T0 + 240);
	assert_int_equal(count(fx, "POST"), 0);
	assert_runs(fx, "ahead", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
	    "2027-01-01T00:02:00Z scheduled created 200 1 - -\n");
}

static void
test_overlap_skip_and_cancel_previous(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], prev[32], *body;

	add(fx, "skipper", "0 * * * * *", "skip", NULL);
	engine_begin(fx, T0 + 5);
	created_at(fx, "skipper", T0 + 60);
	/* The next fire asks for the previous execution, fresh. */
	at(fx, T0 + 120);
	name_of("skipper", T0 + 60, prev);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, prev);
	body = execution_body(prev, "wf", T0 + 60, "RUNNING");
	answer(fx, r, 200, body);
	free(body);
	snprintf(name, sizeof(name), "%s", prev);
	{
		char	want[300];

		snprintf(want, sizeof(want), "2027-01-01T00:01:00Z scheduled "
		    "created 200 1 - -\n2027-01-01T00:02:00Z scheduled skipped 0 0 "
		    "- overlap skip: the previous execution %s is RUNNING\n", name);
		assert_runs(fx, "skipper", want);
	}
	assert_int_equal(moved(fx, S_NEW, S_OVERLAP), 1);
	assert_int_equal(moved(fx, S_OVERLAP, S_DONE), 1);
}

static void
test_cancel_previous_terminates_then_fires(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], prev[32], want[200], *body;

	add(fx, "canceller", "0 * * * * *", "cancel-previous", NULL);
	engine_begin(fx, T0 + 5);
	created_at(fx, "canceller", T0 + 60);
	at(fx, T0 + 120);
	name_of("canceller", T0 + 60, prev);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, prev);
	body = execution_body(prev, "wf", T0 + 60, "RUNNING");
	answer(fx, r, 200, body);
	free(body);
	r = expect(fx, "DELETE", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, prev);
	name_of("canceller", T0 + 120, name);
	snprintf(want, sizeof(want), "{\"cause\":\"schedd: superseded by %s "
	    "(schedule canceller)\"}", name);
	assert_string_equal(r->body, want);
	answer(fx, r, 200, "{}");
	r = expect(fx, "POST", "/api/v1/executions");
	body = created_body(name);
	answer(fx, r, 200, body);
	free(body);
	assert_int_equal(moved(fx, S_OVERLAP, S_CANCELLING), 1);
	assert_int_equal(moved(fx, S_CANCELLING, S_PLAN), 1);
	/* The previous execution is gone at Admin: nothing to wait for, nothing to cancel. */
	at(fx, T0 + 180);
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 404, "{}");
	assert_int_equal(moved(fx, S_OVERLAP, S_PLAN), 1);
	name_of("canceller", T0 + 180, name);
	body = created_body(name);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 200, body);
	free(body);
	assert_int_equal(count(fx, "DELETE"), 0);
}

static void
test_buffer_one_holds_one_fire_and_skips_the_rest(void **state)
{
	struct fx	*fx = *state;
	char		 e1[32], e2[32], e3[32], path[128], *body;

	add(fx, "buffered", "0 * * * * *", "buffer-one", NULL);
	engine_begin(fx, T0 + 5);
	created_at(fx, "buffered", T0 + 60);
	name_of("buffered", T0 + 60, e1);
	name_of("buffered", T0 + 120, e2);
	name_of("buffered", T0 + 180, e3);
	/* 00:02: the previous execution runs: it waits. */
	at(fx, T0 + 120);
	body = execution_body(e1, "wf", T0 + 60, "RUNNING");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	assert_int_equal(moved(fx, S_OVERLAP, S_HELD), 1);
	/* 00:03: the previous execution has ended: the waiting fire goes first, this one waits. */
	at(fx, T0 + 180);
	body = execution_body(e1, "wf", T0 + 60, "SUCCEEDED");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	assert_int_equal(moved(fx, S_HELD, S_PLAN), 1);
	body = created_body(e2);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 200, body);
	free(body);
	/* 00:04: e2 runs and 00:03 waits already: skipped. */
	at(fx, T0 + 240);
	body = execution_body(e2, "wf", T0 + 120, "RUNNING");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	/* The watch of e2 sees it end: 00:03 goes. */
	snprintf(path, sizeof(path), "/api/v1/executions/p/d/%s", e2);
	body = execution_body(e2, "wf", T0 + 120, "SUCCEEDED");
	answer(fx, expect_watch(fx, path), 200, body);
	free(body);
	body = created_body(e3);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 200, body);
	free(body);
	assert_int_equal(moved(fx, S_HELD, S_PLAN), 2);
	{
		char	*got = runs(fx, "buffered"), want[600];

		snprintf(want, sizeof(want),
		    "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
		    "2027-01-01T00:02:00Z scheduled created 200 1 SUCCEEDED -\n"
		    "2027-01-01T00:03:00Z scheduled created 200 1 - -\n"
		    "2027-01-01T00:04:00Z scheduled skipped 0 0 - overlap buffer-one: "
		    "the previous execution %s is RUNNING; a fire is waiting already\n",
		    e2);
		assert_string_equal(got, want);
		free(got);
	}
}

static void
test_a_fire_being_created_counts_as_running(void **state)
{
	struct fx	*fx = *state;
	char		 e1[32], *body;

	add(fx, "skip_fast", "0 * * * * *", "skip", NULL);
	add(fx, "buffer_fast", "0 * * * * *", "buffer-one", NULL);
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 60);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	assert_int_equal(count(fx, "POST"), 2);		/* unanswered at 00:02 */
	at(fx, T0 + 120);
	assert_int_equal(moved(fx, S_NEW, S_DONE), 1);
	assert_int_equal(moved(fx, S_NEW, S_HELD), 1);
	/* The skip's outcome waits for the two creates in flight, 0.1 s at most. */
	name_of("skip_fast", T0 + 60, e1);
	assert_runs(fx, "skip_fast", "2027-01-01T00:01:00Z scheduled pending 0 0 - -\n"
	    "2027-01-01T00:02:00Z scheduled pending 0 0 - -\n");
	at(fx, T0 + 120.1);
	body = format("2027-01-01T00:01:00Z scheduled pending 0 0 - -\n"
	    "2027-01-01T00:02:00Z scheduled skipped 0 0 - overlap skip: the "
	    "previous execution %s is being created\n", e1);
	assert_runs(fx, "skip_fast", body);
	free(body);
}

static void
test_stop_leaves_waiting_fires_pending(void **state)
{
	struct fx	*fx = *state;
	char		 e1[32], *body;

	add(fx, "holding", "0 * * * * *", "buffer-one", NULL);
	add(fx, "retrying", "30 2 0 * * *", NULL, NULL);
	/* Pinned: its launch plan is not cached, so its request is built after the GET. */
	add(fx, "recording", "50 2 0 * * *", NULL, "p/d/wf@v2");
	engine_begin(fx, T0 + 5);
	created_at(fx, "holding", T0 + 60);
	at(fx, T0 + 120);
	name_of("holding", T0 + 60, e1);
	body = execution_body(e1, "wf", T0 + 60, "RUNNING");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	at(fx, T0 + 150);
	answer(fx, expect(fx, "POST", "/api/v1/executions"), 503, "");
	/* recording's request is built and waits for its commit when the stop comes. */
	clock_manual_set(fx->clock, T0 + 170);
	reply(expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	engine_stop(fx->eng, NULL, NULL);
	settle(fx);
	assert_int_equal(count(fx, "POST"), 0);
	assert_int_equal(moved(fx, S_RETRY, S_DONE), 1);
	assert_int_equal(moved(fx, S_HELD, S_DONE), 1);
	assert_int_equal(moved(fx, S_RECORD, S_DONE), 1);
	assert_runs(fx, "holding", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n"
	    "2027-01-01T00:02:00Z scheduled pending 0 0 - -\n");
	assert_runs(fx, "retrying", "2027-01-01T00:02:30Z scheduled pending 0 1 - -\n");
	assert_runs(fx, "recording", "2027-01-01T00:02:50Z scheduled pending 0 0 - -\n");
}

static void
test_catch_up_after_downtime(void **state)
{
	struct fx	*fx = *state;

	add(fx, "hourly", "0 * * * *", NULL, NULL);
	/* Down from T0 (created) to T0 + 3h + 30 s; latest: the newest fires, older skipped. */
	engine_begin(fx, T0 + 3 * 3600 + 30);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	request_free(expect(fx, "POST", "/api/v1/executions"));
	assert_runs(fx, "hourly",
	    "2027-01-01T01:00:00Z catchup skipped 0 0 - missed by more than the "
	    "catch-up window (3600 s)\n"
	    "2027-01-01T02:00:00Z catchup skipped 0 0 - missed by more than the "
	    "catch-up window (3600 s)\n"
	    "2027-01-01T03:00:00Z scheduled pending 0 0 - -\n");
}

static void
test_adopted_runs_are_looked_up_or_fail_when_removed(void **state)
{
	struct fx	*fx = *state;
	char		 name[32], req[512], *body;
	int64_t		 id = add(fx, "adopted", "0 0 1 1 *", NULL, NULL);

	name_of("adopted", T0 - 60, name);
	snprintf(req, sizeof(req), "{\"project\":\"p\",\"domain\":\"d\","
	    "\"name\":\"%s\",\"spec\":{\"launch_plan\":{\"project\":\"p\","
	    "\"domain\":\"d\",\"name\":\"wf\",\"version\":\"v2\"},\"metadata\":"
	    "{\"scheduled_at\":\"2026-12-31T23:59:00Z\"}}}", name);
	{
		char	*text;

		assert_true((text = format("INSERT INTO runs (schedule_id, "
		    "schedule_name, scheduled_at, kind, state, execution_name, "
		    "request, recorded_at) VALUES (%lld, 'adopted', "
		    "'2026-12-31T23:59:00Z', 'trigger', 'pending', '%s', '%s', "
		    "'2026-12-31T23:59:00Z'); INSERT INTO runs (schedule_id, "
		    "schedule_name, scheduled_at, kind, state, recorded_at) VALUES "
		    "(NULL, 'gone', '2026-12-31T23:58:00Z', 'backfill', 'pending', "
		    "'2026-12-31T23:58:00Z')", (long long)id, name, req)) != NULL);
		sql(fx, text);
		free(text);
	}
	engine_begin(fx, T0 + 5);
	body = execution_body(name, "wf", T0 - 60, "SUCCEEDED");
	answer(fx, expect(fx, "GET", "/api/v1/executions/p/d/"), 200, body);
	free(body);
	assert_runs(fx, "adopted", "2026-12-31T23:59:00Z trigger created 200 0 - -\n");
	assert_runs(fx, "gone", "2026-12-31T23:58:00Z backfill failed 0 0 - the "
	    "schedule was removed before its run was sent\n");
	assert_int_equal(moved(fx, S_NEW, S_LOOKUP), 1);
	assert_int_equal(moved(fx, S_NEW, S_DONE), 1);
}

static void
test_watches_are_asked_for_in_one_batch(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 a[32], b[32], c[32], *list;

	add(fx, "w_a", "0 * * * * *", NULL, NULL);
	add(fx, "w_b", "0 * * * * *", NULL, NULL);
	add(fx, "w_c", "0 * * * * *", NULL, NULL);
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 60);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	name_of("w_a", T0 + 60, a);
	name_of("w_b", T0 + 60, b);
	name_of("w_c", T0 + 60, c);
	for (int i = 0; i < 3; i++) {
		r = expect(fx, "POST", "/api/v1/executions");
		{
			char	*ok = created_body(strstr(r->body, a) ? a :
				    strstr(r->body, b) ? b : c);

			answer(fx, r, 200, ok);
			free(ok);
		}
	}
	/* Looked at 5 s later, half-way between two seconds (fires fall on whole ones). */
	at(fx, T0 + 65.4);
	assert_int_equal(count_on(fx, ADMIN_LANE_WATCH, NULL), 0);
	at(fx, T0 + 65.5);
	/* Admin's grammar: the column execution_name, values split by ';' sent as %3B. */
	r = expect_watch(fx, "/api/v1/executions/p/d?limit=3&filters=value_in("
	    "execution_name,");
	assert_null(strchr(r->path, ';'));
	assert_non_null(strstr(strstr(r->path, "%3B") + 3, "%3B"));
	assert_true(r->path[strlen(r->path) - 1] == ')');
	assert_non_null(strstr(r->path, a));
	assert_non_null(strstr(r->path, b));
	assert_non_null(strstr(r->path, c));
	assert_int_equal(count_on(fx, ADMIN_LANE_WATCH, NULL), 0);	/* one request for the three */
	{
		char	*ea = execution_body(a, "wf", T0 + 60, "SUCCEEDED");
		char	*eb = execution_body(b, "wf", T0 + 60, "RUNNING");

		/* c is not in Admin's answer: unknown to Admin. */
		assert_true((list = format("{\"executions\":[%s,%s],\"token\":\"\"}",
		    ea, eb)) != NULL);
		free(ea);
		free(eb);
	}
	answer(fx, r, 200, list);
	free(list);
	assert_runs(fx, "w_a", "2027-01-01T00:01:00Z scheduled created 200 1 "
	    "SUCCEEDED -\n");
	assert_runs(fx, "w_b", "2027-01-01T00:01:00Z scheduled created 200 1 "
	    "RUNNING -\n");
	assert_runs(fx, "w_c", "2027-01-01T00:01:00Z scheduled created 200 1 "
	    "UNKNOWN -\n");
	/* b is looked at again 10 s later (backing off), alone. */
	at(fx, T0 + 75.4);
	assert_int_equal(count_on(fx, ADMIN_LANE_WATCH, NULL), 0);
	at(fx, T0 + 75.5);
	r = expect_watch(fx, "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, b);
	request_free(r);
}

static int64_t
run_count(struct fx *fx)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	int64_t		 n;

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM runs", -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

static void
test_a_burst_is_planned_in_slices_and_sends_before_the_last(void **state)
{
	struct fx	*fx = *state;
	size_t		 posts;

	sql(fx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 5000) INSERT INTO schedules (name, project, domain, "
	    "launch_plan, version, cron, tz, inputs, created_at, updated_at, "
	    "active_since) SELECT 'b' || i, 'p', 'd', 'wf', 'v2', '0 * * * * *', "
	    "'UTC', '{\"site_id\":\"x\"}', '2027-01-01T00:00:00Z', "
	    "'2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z' FROM n");
	engine_begin(fx, T0 + 5);
	/* The timer plans one small slice, in one transaction, and no more. */
	clock_manual_set(fx->clock, T0 + 60);
	assert_int_equal(run_count(fx), 64);
	assert_int_equal(count(fx, "POST"), 0);
	reply(expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	/* One turn of the loop: the first slice's requests leave, the next slice is planned. */
	event_base_loop(fx->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	posts = count(fx, "POST");
	assert_true(posts >= 64);
	assert_true(posts < 5000);
	/* One slice per turn: 64 until requests are out, then doubling to 2048. */
	{
		size_t	planned = run_count(fx), size = 64;

		assert_int_equal(planned, 64 + 64);
		while (planned < 5000) {
			size_t	want;

			size = size * 2 > 2048 ? 2048 : size * 2;
			want = planned + size > 5000 ? 5000 : planned + size;
			event_base_loop(fx->base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
			planned = run_count(fx);
			assert_int_equal(planned, want);
		}
	}
	for (int i = 0; i < 10 && count(fx, "POST") < 5000; i++)
		settle(fx);
	assert_int_equal(count(fx, "POST"), 5000);
	assert_int_equal(run_count(fx), 5000);
}

static void
test_a_slice_that_cannot_be_recorded_is_retried_whole(void **state)
{
	struct fx	*fx = *state;

	for (int i = 0; i < 5; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "f%d", i);
		add(fx, name, "* * * * * *", NULL, "p/d/wf@v2");
	}
	engine_begin(fx, T0 + 0.2);	/* before 00:00:01 comes within the lead */
	sql(fx, "CREATE TRIGGER inject BEFORE INSERT ON runs WHEN "
	    "NEW.schedule_name = 'f3' BEGIN SELECT RAISE(ABORT, 'injected'); END");
	for (int t = 1; t <= 12; t++)
		at(fx, T0 + t);
	assert_int_equal(count(fx, "POST"), 0);
	assert_non_null(strstr(fx->logbuf, "recording 5 due schedules"));
	assert_null(strstr(fx->logbuf, "recording 6 due schedules"));
	sql(fx, "DROP TRIGGER inject");
	for (int t = 13; t <= 30; t++)
		at(fx, T0 + t);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	/* Every instant of the fault is owed and goes late, once, not as catch-up: 30 x 5. */
	assert_int_equal(count(fx, "POST"), 150);
	assert_int_equal(run_count(fx), 150);
	{
		char	*got = runs(fx, "f3");

		assert_null(strstr(got, "catchup"));
		assert_null(strstr(got, "skipped"));
		free(got);
	}
}

/* Answer every create waiting with Admin's created answer for the name in its body. */
static void
answer_creates(struct fx *fx)
{
	struct request	*r;
	const char	*at;
	char		 name[FIRE_NAME_LENGTH + 1], *ok;

	while (count(fx, "POST") > 0) {
		r = expect(fx, "POST", "/api/v1/executions");
		assert_non_null(at = strstr(r->body, "\"name\":\""));
		snprintf(name, sizeof(name), "%.*s", FIRE_NAME_LENGTH, at + 8);
		ok = created_body(name);
		reply(r, 200, ok);
		free(ok);
	}
	settle(fx);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_a_write_lock_delays_fires_and_loses_none(void **state)
{
	struct fx	*fx = *state;
	struct timespec	 t0;
	sqlite3		*locker;
	char		*got;

	for (int i = 0; i < 3; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "l%d", i);
		add(fx, name, "* * * * * *", NULL, "p/d/wf@v2");
	}
	/* As the daemon's loop: a lock is not waited for, a timer tries again. */
	store_set_busy_timeout(fx->st, 20);
	engine_begin(fx, T0 + 0.5);
	at(fx, T0 + 1);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	assert_int_equal(count(fx, "POST"), 3);
	assert_int_equal(sqlite3_open(fx->db, &locker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	/* Admin answers while another process holds the lock: the outcomes wait in memory. */
	answer_creates(fx);
	for (int t = 2; t <= 12; t++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		at(fx, T0 + t);
		if (seconds_since(&t0) > 0.5)
			fail_msg("the loop stood still for %.2f s at +%d s",
			    seconds_since(&t0), t);
	}
	assert_int_equal(count(fx, "POST"), 0);
	assert_non_null(strstr(fx->logbuf, "recording 3 results: database"));
	assert_non_null(strstr(fx->logbuf, "recording 3 due schedules: database"));
	assert_non_null(strstr(fx->logbuf, "is locked (still busy after 20 ms)"));
	assert_int_equal(sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(locker);
	for (int t = 13; t <= 30; t++) {
		at(fx, T0 + t);
		answer_creates(fx);
	}
	/* Every instant owed during the lock goes once, late, as scheduled; no outcome is lost. */
	assert_int_equal(run_count(fx), 3 * 30);
	for (int i = 0; i < 3; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "l%d", i);
		got = runs(fx, name);
		assert_null(strstr(got, "catchup"));
		assert_null(strstr(got, "skipped"));
		assert_null(strstr(got, "pending"));
		free(got);
	}
}

/* A look at the change feed that fails is tried again from a timer: no change in the directory need come. */
static void
test_a_failed_reload_is_tried_again(void **state)
{
	struct fx	*fx = *state;
	char		 elsewhere[160];

	/* No inotify on the database's directory: only the engine's own timer looks again. */
	snprintf(elsewhere, sizeof(elsewhere), "%s/unwatched/schedd.db", fx->dir);
	fx->cfg.db_path = elsewhere;
	engine_begin(fx, T0 + 0.5);
	add(fx, "late", "* * * * * *", NULL, "p/d/wf@v2");
	sql(fx, "INSERT INTO changes (at, os_user, command, schedule_name) "
	    "VALUES ('2027-01-01T00:00:00Z', 'test', 'add', 'late')");
	sql(fx, "ALTER TABLE changes RENAME TO changes_away");
	engine_reload(fx->eng);
	assert_non_null(strstr(fx->logbuf, "no such table: changes; looking "
	    "again in 1 s"));
	assert_null(strstr(fx->logbuf, "schedule late added"));
	sql(fx, "ALTER TABLE changes_away RENAME TO changes");
	at(fx, T0 + 1.4);
	assert_null(strstr(fx->logbuf, "schedule late added"));
	at(fx, T0 + 1.5);
	assert_non_null(strstr(fx->logbuf, "schedule late added"));
}

static void
on_fatal(const struct err *e, void *arg)
{
	struct fx	*fx = arg;

	fx->fatal++;
	fx->fatal_why = *e;
}

/*
 * Another database moved over ours: the next write finds it. Nothing more
 * is written or sent, nothing more is looked at, and the owner is told
 * once, from the loop, to exit.
 */
static void
test_a_replaced_database_stops_the_engine(void **state)
{
	struct fx	*fx = *state;
	struct store	*other;
	struct err	 e;
	char		 path[160], *want;

	add(fx, "r", "* * * * * *", NULL, "p/d/wf@v2");
	engine_begin(fx, T0 + 0.5);
	engine_on_fatal(fx->eng, on_fatal, fx);
	at(fx, T0 + 1);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/p/d/wf/v2"), 200, LP_V2);
	answer_creates(fx);
	assert_int_equal(run_count(fx), 1);
	snprintf(path, sizeof(path), "%s/other.db", fx->dir);
	assert_int_equal(store_open(path, STORE_CREATE, &other, &e), 0);
	store_close(other);
	assert_int_equal(rename(path, fx->db), 0);
	at(fx, T0 + 2);
	assert_int_equal(fx->fatal, 1);
	assert_int_equal(fx->fatal_why.code, EX_IOERR);
	want = format("database %s was replaced or removed under the daemon "
	    "(the path names another file now)", fx->db);
	assert_string_equal(fx->fatal_why.msg, want);
	free(want);
	assert_non_null(strstr(fx->logbuf, "(the path names another file now); "
	    "exiting so it is reopened"));
	/* Not the watch of the created execution either (due at +6 s). */
	at(fx, T0 + 10);
	assert_int_equal(count_on(fx, -1, NULL), 0);
	assert_int_equal(fx->fatal, 1);
	assert_int_equal(engine_check_store(fx->eng, &e), -1);
	assert_int_equal(e.code, EX_IOERR);
}

/* runs.peer of a schedule's runs, oldest first, one a line. */
static char *
peers(struct fx *fx, const char *name)
{
	return rows_text(fx, "SELECT peer FROM runs WHERE schedule_name = ?1 "
	    "ORDER BY scheduled_at", name);
}

#define assert_peers(fx, name, want) do {				\
	char	*got_ = peers(fx, name);				\
	assert_string_equal(got_, want);				\
	free(got_);							\
} while (0)

/* A fire: its schedule and instant. */
struct fire_ref {
	const char	*schedule;
	int64_t		 t;
};

/*
 * The batched look-up of the fires asked (one ListExecutions of p/d naming
 * exactly them), answered 200 with the executions of those found, or with
 * status and an error body.
 */
static void
answer_list(struct fx *fx, const struct fire_ref *asked, size_t nasked,
    const struct fire_ref *found, size_t nfound, long status)
{
	struct request	*r, **p;
	char		 name[32], *body, *item;
	size_t		 len = 0, names = 1;
	FILE		*out;

	/* On the lane of fires: the watches' lists are on their own. */
	for (r = fx->requests; r != NULL; r = r->next)
		if (r->lane == ADMIN_LANE_FIRE && strcmp(r->method, "GET") == 0 &&
		    strncmp(r->path, "/api/v1/executions/p/d?", 23) == 0)
			break;
	if (r == NULL)
		fail_msg("no ListExecutions of p/d on the lane of fires");
	for (const char *c = r->path; (c = strstr(c, "%3B")) != NULL; c += 3)
		names++;
	assert_int_equal(names, nasked);
	for (size_t i = 0; i < nasked; i++) {
		name_of(asked[i].schedule, asked[i].t, name);
		if (strstr(r->path, name) == NULL)
			fail_msg("%s at %lld not asked for: %s", asked[i].schedule,
			    (long long)asked[i].t, r->path);
	}
	for (p = &fx->requests; *p != r; p = &(*p)->next)
		;
	*p = r->next;
	if (status != 200) {
		answer(fx, r, status, "{\"code\":14,\"message\":\"unavailable\"}");
		return;
	}
	out = open_memstream(&body, &len);
	fputs("{\"executions\":[", out);
	for (size_t i = 0; i < nfound; i++) {
		name_of(found[i].schedule, found[i].t, name);
		item = execution_body(name, "wf", found[i].t, "RUNNING");
		fprintf(out, "%s%s", i ? "," : "", item);
		free(item);
	}
	fputs("]}", out);
	fclose(out);
	answer(fx, r, 200, body);
	free(body);
}

/*
 * Two hosts, shard 0 of 2 here: its own schedule fires at its instant; another
 * shard's (site_b, site_d) is left to its host for standby_delay, then looked
 * up: found, it is recorded as the peer's (no create); absent, this host
 * creates it. Neither counts in the lateness of this host's own fires.
 */
static void
test_a_standby_host_creates_only_what_admin_lacks(void **state)
{
	struct fx		*fx = *state;
	struct engine_stats	 st;
	struct request		*r;
	char			 name[32], *ok;

	fx->cfg.shards = 2;
	fx->cfg.shard = 0;
	fx->cfg.standby_delay = 30;
	add(fx, "site_a", "0 1 0 * * *", NULL, NULL);	/* shard 0: this host's */
	add(fx, "site_b", "0 1 0 * * *", NULL, NULL);	/* shard 1 */
	add(fx, "site_d", "0 1 0 * * *", NULL, NULL);	/* shard 1 */
	engine_begin(fx, T0 + 5);
	r = to_post(fx, T0 + 60);
	name_of("site_a", T0 + 60, name);
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	assert_int_equal(count(fx, NULL), 0);
	assert_runs(fx, "site_b", "");
	at(fx, T0 + 89);
	assert_int_equal(count(fx, NULL), 0);
	/* Recorded ahead at +89.5, asked at +90, never before. */
	at(fx, T0 + 89.6);
	assert_runs(fx, "site_b", "2027-01-01T00:01:00Z scheduled pending 0 0 - -\n");
	assert_int_equal(count(fx, NULL), 0);
	at(fx, T0 + 90);
	assert_int_equal(count(fx, "GET"), 1);		/* one ListExecutions for both */
	assert_int_equal(count(fx, "POST"), 0);
	{
		const struct fire_ref	asked[] = { { "site_b", T0 + 60 },
					    { "site_d", T0 + 60 } };

		/* One request for both: site_b's owner created it, site_d's did not. */
		answer_list(fx, asked, 2, asked, 1, 200);
	}
	name_of("site_d", T0 + 60, name);
	r = expect(fx, "POST", "/api/v1/executions");
	assert_non_null(strstr(r->body, name));
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	at(fx, T0 + 91);
	assert_runs(fx, "site_a", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n");
	assert_runs(fx, "site_b", "2027-01-01T00:01:00Z scheduled created 200 0 - -\n");
	assert_runs(fx, "site_d", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n");
	assert_peers(fx, "site_a", "0\n");
	assert_peers(fx, "site_b", "1\n");
	assert_peers(fx, "site_d", "0\n");
	engine_stats(fx->eng, &st);
	assert_int_equal(st.peer_created, 1);
	assert_int_equal(st.standby_created, 1);
	assert_int_equal(engine_lateness(fx->eng)->count, 1);
}

/*
 * A standby fire whose launch plan is not known yet takes the long way
 * (look-up of the launch plan, commit of the request) and is then looked up
 * like any other; and a host's catch-up among several hosts asks Admin before
 * creating (the peer stood in while it was down).
 */
static void
test_standby_and_catch_up_look_up_before_creating(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *ok;

	fx->cfg.shards = 2;
	fx->cfg.shard = 0;
	fx->cfg.standby_delay = 30;
	add(fx, "site_b", "0 2 1 * * *", NULL, NULL);	/* shard 1: 01:02 daily */
	add(fx, "site_c", "*/15 * * * *", NULL, NULL);	/* shard 0 */
	/*
	 * Down from T0 to 01:02: site_c's 01:00 is two minutes old, caught up
	 * (latest); the policy skips 00:15 to 00:45 unless a peer created them.
	 */
	engine_begin(fx, T0 + 3720);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	assert_int_equal(count(fx, "POST"), 0);
	assert_int_equal(count(fx, "GET"), 1);
	{
		const struct fire_ref	asked[] = { { "site_c", T0 + 900 },
					    { "site_c", T0 + 1800 },
					    { "site_c", T0 + 2700 },
					    { "site_c", T0 + 3600 } };
		const struct fire_ref	found[] = { { "site_c", T0 + 900 },
					    { "site_c", T0 + 2700 },
					    { "site_c", T0 + 3600 } };

		answer_list(fx, asked, 4, found, 3, 200);
	}
	assert_runs(fx, "site_c",
	    "2027-01-01T00:15:00Z catchup created 200 0 - -\n"
	    "2027-01-01T00:30:00Z catchup skipped 0 0 - catch-up policy latest: "
	    "a newer instant fired\n"
	    "2027-01-01T00:45:00Z catchup created 200 0 - -\n"
	    "2027-01-01T01:00:00Z catchup created 200 0 - -\n");
	assert_peers(fx, "site_c", "1\n0\n1\n1\n");
	assert_int_equal(count(fx, NULL), 0);
	assert_int_equal(moved(fx, S_RECORD, S_LOOKUP), 4);
	at(fx, T0 + 3749);
	assert_int_equal(count(fx, NULL), 0);
	at(fx, T0 + 3750);
	{
		const struct fire_ref	asked[] = { { "site_b", T0 + 3720 } };

		answer_list(fx, asked, 1, NULL, 0, 200);
	}
	name_of("site_b", T0 + 3720, name);
	r = expect(fx, "POST", "/api/v1/executions");
	ok = created_body(name);
	answer(fx, r, 200, ok);
	free(ok);
	at(fx, T0 + 3751);
	assert_runs(fx, "site_b", "2027-01-01T01:02:00Z scheduled created 200 1 - -\n");
	assert_peers(fx, "site_b", "0\n");
	assert_int_equal(count(fx, NULL), 0);
}

/* A skip candidate never asked about (Admin down, then a stop) is skipped, not left to be sent. */
static void
test_a_catch_up_candidate_not_looked_up_by_the_stop_is_skipped(void **state)
{
	struct fx	*fx = *state;

	fx->cfg.shards = 2;
	fx->cfg.shard = 0;
	fx->cfg.standby_delay = 30;
	add(fx, "site_c", "*/30 * * * *", NULL, NULL);	/* shard 0 */
	engine_begin(fx, T0 + 3720);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	{
		const struct fire_ref	asked[] = { { "site_c", T0 + 1800 },
					    { "site_c", T0 + 3600 } };

		answer_list(fx, asked, 2, NULL, 0, 503);
	}
	engine_stop(fx->eng, NULL, NULL);
	settle(fx);
	assert_int_equal(count(fx, NULL), 0);
	assert_runs(fx, "site_c",
	    "2027-01-01T00:30:00Z catchup skipped 0 0 - catch-up policy latest: "
	    "a newer instant fired; Admin was not asked whether another host "
	    "created it (stopped first)\n"
	    "2027-01-01T01:00:00Z catchup pending 0 0 - -\n");
}

/* An Admin that refuses ListExecutions: the look-ups go by name from then on. */
static void
test_standby_look_ups_one_by_one_when_lists_are_refused(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 name[32], *body;

	fx->cfg.shards = 2;
	fx->cfg.shard = 0;
	fx->cfg.standby_delay = 30;
	add(fx, "site_b", "0 1 0 * * *", NULL, NULL);	/* shard 1 */
	add(fx, "site_d", "0 1 0 * * *", NULL, NULL);	/* shard 1 */
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 90);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	{
		const struct fire_ref	asked[] = { { "site_b", T0 + 60 },
					    { "site_d", T0 + 60 } };

		answer_list(fx, asked, 2, NULL, 0, 400);
	}
	assert_int_equal(count(fx, NULL), 0);
	at(fx, T0 + 120);		/* the retry round: by name */
	assert_int_equal(count(fx, "GET"), 2);
	for (int i = 0; i < 2; i++) {
		r = expect(fx, "GET", "/api/v1/executions/p/d/");
		name_of("site_b", T0 + 60, name);
		if (strcmp(strrchr(r->path, '/') + 1, name) == 0) {
			body = execution_body(name, "wf", T0 + 60, "RUNNING");
			answer(fx, r, 200, body);
			free(body);
		} else
			answer(fx, r, 404, "{\"code\":5}");
	}
	name_of("site_d", T0 + 60, name);
	r = expect(fx, "POST", "/api/v1/executions");
	body = created_body(name);
	answer(fx, r, 200, body);
	free(body);
	at(fx, T0 + 121);
	assert_runs(fx, "site_b", "2027-01-01T00:01:00Z scheduled created 200 0 - -\n");
	assert_runs(fx, "site_d", "2027-01-01T00:01:00Z scheduled created 200 1 - -\n");
	assert_peers(fx, "site_b", "1\n");
	assert_peers(fx, "site_d", "0\n");
	assert_int_equal(moved(fx, S_RETRY, S_LOOKUP), 2);
}

/*
 * A standby decides an overlap policy as the schedule's own host did at the
 * instant: a previous execution that ended after the instant was running
 * then (the owner skipped), one that ended before it was not.
 */
static void
test_a_standby_decides_overlap_as_at_the_instant(void **state)
{
	struct fx	*fx = *state;
	struct request	*r;
	char		 e60[32], name[32], *body;

	fx->cfg.shards = 2;
	fx->cfg.shard = 0;
	fx->cfg.standby_delay = 30;
	add(fx, "site_b", "0 * * * * *", "skip", NULL);	/* shard 1 */
	engine_begin(fx, T0 + 5);
	at(fx, T0 + 90);
	answer(fx, expect(fx, "GET", "/api/v1/launch_plans/"), 200,
	    "{\"launch_plans\":[" LP_V2 "]}");
	{
		const struct fire_ref	asked[] = { { "site_b", T0 + 60 } };

		answer_list(fx, asked, 1, asked, 1, 200);	/* the owner created it */
	}
	/* 00:02: the previous one ended at 00:02:10, after the instant: skipped, as by the owner. */
	at(fx, T0 + 150);
	name_of("site_b", T0 + 60, e60);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	assert_string_equal(strrchr(r->path, '/') + 1, e60);
	assert_true((body = format("{\"id\":{\"project\":\"p\",\"domain\":"
	    "\"d\",\"name\":\"%s\"},\"closure\":{\"phase\":\"SUCCEEDED\","
	    "\"started_at\":\"2027-01-01T00:01:00Z\",\"updated_at\":"
	    "\"2027-01-01T00:02:10Z\"}}", e60)) != NULL);
	answer(fx, r, 200, body);
	/* 00:03: it ended before the instant: the standby goes on, looks, creates. */
	at(fx, T0 + 210);
	r = expect(fx, "GET", "/api/v1/executions/p/d/");
	answer(fx, r, 200, body);
	free(body);
	{
		const struct fire_ref	asked[] = { { "site_b", T0 + 180 } };

		answer_list(fx, asked, 1, NULL, 0, 200);
	}
	name_of("site_b", T0 + 180, name);
	r = expect(fx, "POST", "/api/v1/executions");
	body = created_body(name);
	answer(fx, r, 200, body);
	free(body);
	at(fx, T0 + 211);
	body = format("2027-01-01T00:01:00Z scheduled created 200 0 - -\n"
	    "2027-01-01T00:02:00Z scheduled skipped 0 0 - overlap skip: the "
	    "previous execution %s is running at the instant (SUCCEEDED at "
	    "2027-01-01T00:02:10Z)\n"
	    "2027-01-01T00:03:00Z scheduled created 200 1 - -\n", e60);
	assert_runs(fx, "site_b", body);
	free(body);
	assert_peers(fx, "site_b", "1\n0\n0\n");
}

static void
test_every_transition_is_exercised(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
		if (seen[legal[i][0]][legal[i][1]] == 0)
			fail_msg("no case takes %s -> %s", state_names[legal[i][0]],
			    state_names[legal[i][1]]);
	/* And nothing the table does not allow. */
	for (int i = 0; i < ENGINE_FIRE_STATES; i++)
		for (int j = 0; j < ENGINE_FIRE_STATES; j++) {
			int	ok = 0;

			for (size_t k = 0; k < sizeof(legal) / sizeof(legal[0]); k++)
				ok |= legal[k][0] == i && legal[k][1] == j;
			if (seen[i][j] != 0 && !ok)
				fail_msg("unexpected transition %s -> %s",
				    state_names[i], state_names[j]);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define CASE(t)	cmocka_unit_test_setup_teardown(t, setup, teardown)
		CASE(test_fires_on_time_with_the_exact_body),
		CASE(test_already_exists_is_confirmed_by_get),
		CASE(test_unavailable_admin_is_retried_and_the_recorded_request_looked_up),
		CASE(test_a_lookup_that_finds_it_and_one_that_fails_again),
		CASE(test_permanent_errors_fail_at_once),
		CASE(test_a_2xx_that_is_not_admins_answer_is_looked_up),
		CASE(test_a_pinned_version_must_match),
		CASE(test_a_phase_outside_flytes_names_is_not_stored),
		CASE(test_launch_plan_lookups),
		CASE(test_overlap_skip_and_cancel_previous),
		CASE(test_cancel_previous_terminates_then_fires),
		CASE(test_buffer_one_holds_one_fire_and_skips_the_rest),
		CASE(test_a_fire_being_created_counts_as_running),
		CASE(test_stop_leaves_waiting_fires_pending),
		CASE(test_catch_up_after_downtime),
		CASE(test_adopted_runs_are_looked_up_or_fail_when_removed),
		CASE(test_watches_are_asked_for_in_one_batch),
		CASE(test_a_known_launch_plan_sends_after_one_commit),
		CASE(test_fires_are_recorded_ahead_and_sent_on_time),
		CASE(test_a_burst_is_planned_in_slices_and_sends_before_the_last),
		CASE(test_a_slice_that_cannot_be_recorded_is_retried_whole),
		CASE(test_a_write_lock_delays_fires_and_loses_none),
		CASE(test_a_failed_reload_is_tried_again),
		CASE(test_a_replaced_database_stops_the_engine),
		CASE(test_a_standby_host_creates_only_what_admin_lacks),
		CASE(test_standby_and_catch_up_look_up_before_creating),
		CASE(test_a_catch_up_candidate_not_looked_up_by_the_stop_is_skipped),
		CASE(test_standby_look_ups_one_by_one_when_lists_are_refused),
		CASE(test_a_standby_decides_overlap_as_at_the_instant),
		cmocka_unit_test(test_every_transition_is_exercised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
