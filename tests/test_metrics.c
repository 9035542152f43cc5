/* test_metrics.c: histograms (histogram.c), the exposition text (exact), label escaping, per-schedule health from the store, store_writable. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>

#include "schedd/metrics.h"
#include "schedd/store.h"

/* Compare whole texts; on a difference print both. */
static void
check_text_at(const struct metrics_text *t, const char *want, const char *file,
    int line)
{
	const char	*got = t->buf ? t->buf : "";

	if (t->oom)
		_fail(file, line);
	if (strcmp(got, want) != 0) {
		/* stderr, not print_error: its buffer cuts long pages short. */
		fprintf(stderr, "%s:%d: --- got:\n%s--- want:\n%s---\n", file,
		    line, got, want);
		_fail(file, line);
	}
}
#define check_text(t, want)	check_text_at((t), (want), __FILE__, __LINE__)

static const double	bounds[] = { 0.5, 1, 2.5 };

/* 0, 0.5 (on a bound: counted in it), 0.75, 1, 2, 3 (above all); NaN ignored. */
static void
observe_known(struct histogram *h)
{
	static const double	values[] = { 0, 0.5, 0.75, 1, 2, 3 };

	histogram_init(h, bounds, 3);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		histogram_observe(h, values[i]);
	histogram_observe(h, NAN);
}

static void
test_histogram_buckets(void **state)
{
	struct histogram	h;

	(void)state;
	observe_known(&h);
	assert_int_equal(h.nbounds, 3);
	assert_int_equal(h.counts[0], 2);	/* 0, 0.5 */
	assert_int_equal(h.counts[1], 2);	/* 0.75, 1 */
	assert_int_equal(h.counts[2], 1);	/* 2 */
	assert_int_equal(h.counts[3], 1);	/* 3: +Inf */
	assert_int_equal(h.count, 6);
	assert_true(h.sum == 7.25);
	/* Negative values go to the first bucket. */
	histogram_observe(&h, -1);
	assert_int_equal(h.counts[0], 3);
	assert_true(h.sum == 6.25);
}

static void
test_histogram_bounds_capped(void **state)
{
	struct histogram	h;
	double			many[HISTOGRAM_BUCKETS_MAX + 4];

	(void)state;
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		many[i] = (double)(i + 1);
	histogram_init(&h, many, sizeof(many) / sizeof(many[0]));
	assert_int_equal(h.nbounds, HISTOGRAM_BUCKETS_MAX);
	histogram_observe(&h, 1000);
	assert_int_equal(h.counts[HISTOGRAM_BUCKETS_MAX], 1);
	/* No bounds at all: everything is +Inf. */
	histogram_init(&h, NULL, 0);
	histogram_observe(&h, 0.001);
	assert_int_equal(h.counts[0], 1);
	assert_int_equal(h.count, 1);
}

static void
test_histogram_render_exact(void **state)
{
	struct histogram	h;
	struct metrics_text	t = { 0 };

	(void)state;
	observe_known(&h);
	metrics_family(&t, "x_seconds", "histogram", "How long x took.");
	metrics_histogram_render(&t, "x_seconds", NULL, &h);
	check_text(&t,
	    "# HELP x_seconds How long x took.\n"
	    "# TYPE x_seconds histogram\n"
	    "x_seconds_bucket{le=\"0.5\"} 2\n"
	    "x_seconds_bucket{le=\"1\"} 4\n"
	    "x_seconds_bucket{le=\"2.5\"} 5\n"
	    "x_seconds_bucket{le=\"+Inf\"} 6\n"
	    "x_seconds_sum 7.25\n"
	    "x_seconds_count 6\n");
	metrics_text_free(&t);

	/* With labels: le comes last; an empty histogram is all zeros. */
	{
		const char			*labels[] = { "method", "GET",
						    "code", "2xx", NULL };
		struct histogram		 empty;

		histogram_init(&empty, bounds, 2);
		metrics_histogram_render(&t, "y", labels, &empty);
		check_text(&t,
		    "y_bucket{method=\"GET\",code=\"2xx\",le=\"0.5\"} 0\n"
		    "y_bucket{method=\"GET\",code=\"2xx\",le=\"1\"} 0\n"
		    "y_bucket{method=\"GET\",code=\"2xx\",le=\"+Inf\"} 0\n"
		    "y_sum{method=\"GET\",code=\"2xx\"} 0\n"
		    "y_count{method=\"GET\",code=\"2xx\"} 0\n");
		metrics_text_free(&t);
	}
}

static void
test_samples_and_families(void **state)
{
	struct metrics_text	t = { 0 };
	const char		*created[] = { "outcome", "created", NULL };
	const char		*failed[] = { "outcome", "failed", NULL };

	(void)state;
	metrics_family(&t, "f_total", "counter", "Fires.");
	metrics_sample(&t, "f_total", created, 12);
	metrics_sample(&t, "f_total", failed, 0);
	metrics_family(&t, "g", "gauge", "A gauge.");
	metrics_sample(&t, "g", NULL, 1764136800.25);
	check_text(&t,
	    "# HELP f_total Fires.\n"
	    "# TYPE f_total counter\n"
	    "f_total{outcome=\"created\"} 12\n"
	    "f_total{outcome=\"failed\"} 0\n"
	    "# HELP g A gauge.\n"
	    "# TYPE g gauge\n"
	    "g 1764136800.25\n");
	metrics_text_free(&t);
}

static void
test_escaping(void **state)
{
	struct metrics_text	t = { 0 };
	const char		*labels[] = { "schedule", "a\\b\"c\nd", "empty",
				    "", "nul", NULL, NULL };

	(void)state;
	/* Label values: \ " and newline escaped; HELP: \ and newline only. */
	metrics_family(&t, "m", "gauge", "Back\\slash, \"quoted\",\nnext line.");
	metrics_sample(&t, "m", labels, 1);
	check_text(&t,
	    "# HELP m Back\\\\slash, \"quoted\",\\nnext line.\n"
	    "# TYPE m gauge\n"
	    "m{schedule=\"a\\\\b\\\"c\\nd\",empty=\"\",nul=\"\"} 1\n");
	metrics_text_free(&t);
	/* Nothing to escape: the text is copied as is (UTF-8 too). */
	{
		const char	*plain[] = { "site", "z\xc3\xbcrich", NULL };

		metrics_sample(&t, "n", plain, 2);
		check_text(&t, "n{site=\"z\xc3\xbcrich\"} 2\n");
		metrics_text_free(&t);
	}
}

static void
test_format_value(void **state)
{
	static const struct {
		double		 v;
		const char	*want;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 10, "10" },
		{ 3600, "3600" },
		{ 1764136800, "1764136800" },
		{ 0.005, "0.005" },
		{ 0.1, "0.1" },
		{ -2.5, "-2.5" },
		{ 1e-9, "1e-09" },
		{ 1e21, "1e+21" },
		{ 1764136800.004518, "1764136800.004518" },
	};
	char	buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_format_value(cases[i].v, buf);
		assert_string_equal(buf, cases[i].want);
	}
	/* The shortest text that reads back as the same double. */
	metrics_format_value(0.1 + 0.2, buf);
	assert_string_equal(buf, "0.30000000000000004");
	assert_true(strtod(buf, NULL) == 0.1 + 0.2);
	metrics_format_value(INFINITY, buf);
	assert_string_equal(buf, "+Inf");
	metrics_format_value(-INFINITY, buf);
	assert_string_equal(buf, "-Inf");
	metrics_format_value(NAN, buf);
	assert_string_equal(buf, "NaN");
}

static void
test_text_append(void **state)
{
	struct metrics_text	a = { 0 }, b = { 0 };

	(void)state;
	metrics_sample(&a, "a", NULL, 1);
	metrics_text_append(&a, &b);		/* empty: nothing */
	metrics_sample(&b, "b", NULL, 2);
	metrics_text_append(&a, &b);
	check_text(&a, "a 1\nb 2\n");
	b.oom = 1;				/* an incomplete part spoils the whole */
	metrics_text_append(&a, &b);
	assert_true(a.oom);
	metrics_text_free(&a);
	metrics_text_free(&b);
	/* Long text grows the buffer. */
	for (int i = 0; i < 2000; i++)
		metrics_sample(&a, "long_metric_name_for_growth", NULL, i);
	assert_false(a.oom);
	assert_int_equal(strlen(a.buf), a.len);
	metrics_text_free(&a);
}

/* ---- the store's part */

struct fixture {
	char		 dir[64];
	char		 path[128];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	struct err	 e;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_metrics.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/schedd.db", f->dir);
	if (store_open(f->path, STORE_CREATE, &f->st, &e) == -1) {
		print_error("store_open: %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[160];

	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

#define T0	1764136800	/* 2026-11-26T06:00:00Z */

static int64_t
add_schedule(struct store *st, const char *name, const char *labels)
{
	struct schedule	s;
	struct err	e;

	memset(&s, 0, sizeof(s));
	s.name = (char *)name;
	s.project = (char *)"flytesnacks";
	s.domain = (char *)"development";
	s.launch_plan = (char *)"data_sync_wf";
	s.cron = (char *)"0 * * * *";
	s.tz = (char *)"UTC";
	s.inputs = s.annotations = (char *)"{}";
	s.labels = (char *)labels;
	s.catchup = (char *)"latest";
	s.catchup_window = 3600;
	s.overlap = (char *)"allow";
	s.created_at = s.updated_at = s.active_since = T0 - 86400;
	if (store_schedule_put(st, &s, &e) == -1)
		fail_msg("store_schedule_put %s: %s", name, e.msg);
	return s.id;
}

/* A run of schedule id at instant, finished at `at` in state; its execution's phase when not NULL. */
static void
add_run(struct store *st, int64_t id, const char *name, int64_t instant,
    const char *state, int64_t at, const char *phase)
{
	struct err	e;
	int64_t		run_id;
	enum run_state	got, want;
	int		inserted;
	char		exec[32];

	snprintf(exec, sizeof(exec), "x%lld", (long long)instant);
	assert_int_equal(run_state_parse(state, &want), 0);
	if (store_run_fire(st, id, name, instant, "scheduled", exec, instant,
	    &run_id, &inserted, &got, &e) == -1 ||
	    store_run_result(st, run_id, want, exec, want == RUN_CREATED ?
	    200 : 400, NULL, 1, instant, at, &e) == -1 ||
	    (phase != NULL && store_run_phase(st, run_id, phase, 0, 0,
	    &e) == -1))
		fail_msg("run of %s: %s", name, e.msg);
}

static void
test_render_store(void **state)
{
	struct fixture		*f = *state;
	struct metrics_sources	 src = { NULL, NULL, f->st, NULL, NULL, NULL, NULL,
				    NULL, NULL };
	struct metrics_text	 t = { 0 };
	struct err		 e;
	int64_t			 a, b, g, d, p;

	/*
	 * alpha: succeeded, then one not created and one ended FAILED; beta:
	 * not created; gamma: not created, then succeeded, then an overlap
	 * skip and an execution still running; delta: its executions ended
	 * TIMED_OUT and ABORTED, and one ended SUCCEEDED before them; zeta:
	 * nothing.
	 */
	a = add_schedule(f->st, "alpha", "{\"team\":\"data\","
	    "\"app.kubernetes.io/name\":\"sync \\\"eu\\\"\\\\1\","
	    "\"app-kubernetes-io-name\":\"shadowed\"}");
	b = add_schedule(f->st, "beta", "{}");
	g = add_schedule(f->st, "gamma", "{\"site\":\"site_a\"}");
	d = add_schedule(f->st, "delta", "{}");
	add_schedule(f->st, "zeta", "{}");
	add_run(f->st, a, "alpha", T0, "created", T0 + 5, "SUCCEEDED");
	add_run(f->st, a, "alpha", T0 + 3600, "failed", T0 + 3601, NULL);
	add_run(f->st, a, "alpha", T0 + 7200, "created", T0 + 7201, "FAILED");
	add_run(f->st, b, "beta", T0, "failed", T0 + 1, NULL);
	add_run(f->st, g, "gamma", T0, "failed", T0 + 1, NULL);
	add_run(f->st, g, "gamma", T0 + 3600, "created", T0 + 3630, "SUCCEEDED");
	add_run(f->st, g, "gamma", T0 + 7200, "skipped", T0 + 7200, NULL);
	add_run(f->st, g, "gamma", T0 + 10800, "created", T0 + 10801, "RUNNING");
	add_run(f->st, d, "delta", T0, "created", T0 + 1, "SUCCEEDED");
	add_run(f->st, d, "delta", T0 + 3600, "created", T0 + 3601, "TIMED_OUT");
	add_run(f->st, d, "delta", T0 + 7200, "created", T0 + 7201, "ABORTED");
	/* Runs of a removed schedule are not reported. */
	p = add_schedule(f->st, "gone", "{}");
	add_run(f->st, p, "gone", T0, "failed", T0 + 1, NULL);
	assert_int_equal(store_schedule_delete(f->st, p, &e), 0);

	assert_int_equal(metrics_render(&src, &t, &e), 0);
	check_text(&t,
	    "# HELP schedd_schedule_last_success_timestamp_seconds The "
	    "scheduled instant of the schedule's last run whose execution "
	    "SUCCEEDED (Unix seconds); absent until one has.\n"
	    "# TYPE schedd_schedule_last_success_timestamp_seconds gauge\n"
	    "schedd_schedule_last_success_timestamp_seconds{schedule=\"alpha\"} "
	    "1764136800\n"
	    "schedd_schedule_last_success_timestamp_seconds{schedule=\"delta\"} "
	    "1764136800\n"
	    "schedd_schedule_last_success_timestamp_seconds{schedule=\"gamma\"} "
	    "1764140400\n"
	    "# HELP schedd_schedule_consecutive_failures Finished runs of the "
	    "schedule since its last successful execution that failed: not "
	    "created, or the execution ended FAILED, ABORTED or TIMED_OUT. 0: "
	    "not failing.\n"
	    "# TYPE schedd_schedule_consecutive_failures gauge\n"
	    "schedd_schedule_consecutive_failures{schedule=\"alpha\"} 2\n"
	    "schedd_schedule_consecutive_failures{schedule=\"beta\"} 1\n"
	    "schedd_schedule_consecutive_failures{schedule=\"delta\"} 2\n"
	    "schedd_schedule_consecutive_failures{schedule=\"gamma\"} 0\n"
	    "schedd_schedule_consecutive_failures{schedule=\"zeta\"} 0\n"
	    "# HELP schedd_schedule_info Always 1: the schedule's launch plan "
	    "and labels (label_<key>), to join other series on.\n"
	    "# TYPE schedd_schedule_info gauge\n"
	    "schedd_schedule_info{schedule=\"alpha\",project=\"flytesnacks\","
	    "domain=\"development\",launch_plan=\"data_sync_wf\","
	    "label_team=\"data\","
	    "label_app_kubernetes_io_name=\"sync \\\"eu\\\"\\\\1\"} 1\n"
	    "schedd_schedule_info{schedule=\"beta\",project=\"flytesnacks\","
	    "domain=\"development\",launch_plan=\"data_sync_wf\"} 1\n"
	    "schedd_schedule_info{schedule=\"delta\",project=\"flytesnacks\","
	    "domain=\"development\",launch_plan=\"data_sync_wf\"} 1\n"
	    "schedd_schedule_info{schedule=\"gamma\",project=\"flytesnacks\","
	    "domain=\"development\",launch_plan=\"data_sync_wf\","
	    "label_site=\"site_a\"} 1\n"
	    "schedd_schedule_info{schedule=\"zeta\",project=\"flytesnacks\","
	    "domain=\"development\",launch_plan=\"data_sync_wf\"} 1\n");
	metrics_text_free(&t);

	/* Nothing to read from: an empty page. */
	src.store = NULL;
	assert_int_equal(metrics_render(&src, &t, &e), 0);
	assert_int_equal(t.len, 0);
	metrics_text_free(&t);
}

static double
elapsed_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *
release_later(void *arg)
{
	struct store	*other = arg;

	usleep(400 * 1000);
	store_rollback(other);
	return NULL;
}

static void
test_store_writable(void **state)
{
	struct fixture	*f = *state;
	struct store	*other;
	struct err	 e;
	struct timespec	 t0;
	pthread_t	 thread;
	double		 took;
	char		 want[256];

	assert_int_equal(store_writable(f->st, &e), 0);
	/* Inside our own transaction: we hold the lock, so yes. */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(store_writable(f->st, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);

	/* Another connection holds the write lock: no, within about 100 ms. */
	assert_int_equal(store_open(f->path, 0, &other, &e), 0);
	assert_int_equal(store_begin(other, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_writable(f->st, &e), -1);
	took = elapsed_since(&t0);
	assert_true(took >= 0.09);
	assert_true(took < 1.0);
	assert_int_equal(e.code, EX_TEMPFAIL);
	snprintf(want, sizeof(want), "database is locked: another connection "
	    "holds the write lock of %s (waited 100 ms)", f->path);
	assert_string_equal(e.msg, want);

	/* The normal busy timeout is back: a lock released after 400 ms is waited for. */
	assert_int_equal(pthread_create(&thread, NULL, release_later, other), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_begin(f->st, &e), 0);
	took = elapsed_since(&t0);
	assert_true(took >= 0.3);
	store_rollback(f->st);
	pthread_join(thread, NULL);
	assert_int_equal(store_writable(f->st, &e), 0);
	store_close(other);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_histogram_buckets),
		cmocka_unit_test(test_histogram_bounds_capped),
		cmocka_unit_test(test_histogram_render_exact),
		cmocka_unit_test(test_samples_and_families),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_text_append),
		cmocka_unit_test_setup_teardown(test_render_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_writable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
