/* test_sched.c: the due-instant heap: order, ties, due-ness, growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "schedd/sched.h"

static void
test_order_and_ties(void **state)
{
	struct sched		q;
	struct sched_item	it;
	struct err		e;
	static const int64_t	dues[] = { 50, 10, 30, 10, 20, 10, 40 };
	static const int64_t	want_id[] = { 1, 3, 5, 4, 2, 6, 0 };

	(void)state;
	sched_init(&q);
	for (int i = 0; i < 7; i++)
		assert_int_equal(sched_push(&q, dues[i], i, 7, &e), 0);
	assert_int_equal(sched_peek(&q)->due, 10);
	assert_int_equal(sched_pop_due(&q, 9, &it), 0);	/* nothing due yet */
	for (int i = 0; i < 7; i++) {
		assert_int_equal(sched_pop_due(&q, 100, &it), 1);
		assert_int_equal(it.id, want_id[i]);	/* equal dues in push order */
		assert_int_equal(it.gen, 7);
	}
	assert_null(sched_peek(&q));
	assert_int_equal(sched_pop_due(&q, 100, &it), 0);
	sched_free(&q);
}

/* Many random pushes come out sorted by (due, seq). */
static void
test_random(void **state)
{
	struct sched		q;
	struct sched_item	it, prev = { INT64_MIN, 0, 0, 0 };
	struct err		e;

	(void)state;
	sched_init(&q);
	srand(42);
	assert_int_equal(sched_reserve(&q, 10, &e), 0);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(sched_push(&q, rand() % 1000, i, 0, &e), 0);
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(sched_pop_due(&q, 1000, &it), 1);
		assert_true(it.due > prev.due ||
		    (it.due == prev.due && it.seq > prev.seq));
		prev = it;
	}
	assert_int_equal(q.count, 0);
	sched_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_ties),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
