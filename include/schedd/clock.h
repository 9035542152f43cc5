/* clock.h: the time the engine reads and the timers it sets: the system's, or a manual clock for tests and --once. */
#ifndef SCHEDD_CLOCK_H
#define SCHEDD_CLOCK_H

#include "schedd/err.h"

struct event_base;
struct clock;			/* opaque */
struct clock_timer;		/* opaque */

typedef void	(*clock_timer_cb)(void *arg);

/*
 * The system's wall clock. Timers are absolute wall-clock instants
 * (timerfd, TFD_TIMER_ABSTIME), so a fire due at 06:00:00 wakes at
 * 06:00:00 whatever the clock did meanwhile: a clock set forward fires what
 * it passed at once, a clock set back delays. Returns 0, or -1 with e.
 */
int	clock_system_new(struct event_base *base, struct clock **out,
	    struct err *e);

/*
 * A clock that reads `start` until clock_manual_set moves it: what tests and
 * schedd --once with SCHEDD_NOW use. Its timers run when the clock is set
 * past them, or from the loop when armed at or before the current reading.
 */
int	clock_manual_new(struct event_base *base, double start,
	    struct clock **out, struct err *e);

/*
 * Read the system clock as if it were `seconds` ahead (behind when
 * negative): how tests run hosts whose clocks disagree
 * (SCHEDD_CLOCK_SKEW). Timers follow the skewed reading.
 */
void	clock_set_skew(struct clock *c, double seconds);

/* Move a manual clock to t and run the timers due by then, earliest first. */
void	clock_manual_set(struct clock *c, double t);

/* NULL is fine; the clock's timers must be freed first. */
void	clock_free(struct clock *c);

/* Wall-clock seconds since the epoch, with a fraction. */
double	clock_now(const struct clock *c);

/* A disarmed timer that calls cb(arg) from the loop; NULL when out of memory. */
struct clock_timer	*clock_timer_new(struct clock *c, clock_timer_cb cb,
			    void *arg);
/* Arm (or re-arm) for the wall-clock instant when; one in the past runs at the loop's next turn. */
void	clock_timer_at(struct clock_timer *t, double when);
void	clock_timer_cancel(struct clock_timer *t);
int	clock_timer_armed(const struct clock_timer *t);
/* NULL is fine. */
void	clock_timer_free(struct clock_timer *t);

#endif
