/* clock.c: wall-clock time and absolute timers for the engine: timerfd on the system clock, or a manual clock. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include <event2/event.h>

#include "schedd/clock.h"

struct clock {
	struct event_base	*base;
	int			 manual;
	double			 now;		/* manual: the reading */
	double			 skew;		/* system: seconds added to the reading */
	struct clock_timer	*timers;	/* manual: every timer, to find the due ones */
};

struct clock_timer {
	struct clock		*clock;
	struct clock_timer	*next;		/* in clock->timers (manual) */
	clock_timer_cb		 cb;
	void			*arg;
	int			 fd;		/* system: a timerfd; manual: -1 */
	struct event		*ev;		/* system: fd readable; manual: "run at the next turn" */
	int			 armed;
	double			 when;
};

static int
clock_new(struct event_base *base, int manual, double start, struct clock **out,
    struct err *e)
{
	struct clock	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set_code(e, EX_OSERR, "clock: out of memory");
		return -1;
	}
	c->base = base;
	c->manual = manual;
	c->now = start;
	*out = c;
	return 0;
}

int
clock_system_new(struct event_base *base, struct clock **out, struct err *e)
{
	return clock_new(base, 0, 0, out, e);
}

int
clock_manual_new(struct event_base *base, double start, struct clock **out,
    struct err *e)
{
	return clock_new(base, 1, start, out, e);
}

void
clock_free(struct clock *c)
{
	free(c);
}

double
clock_now(const struct clock *c)
{
	struct timespec	ts;

	if (c->manual)
		return c->now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9 + c->skew;
}

void
clock_set_skew(struct clock *c, double seconds)
{
	c->skew = seconds;
}

static void
timer_fire(struct clock_timer *t)
{
	t->armed = 0;
	t->cb(t->arg);
}

static void
timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct clock_timer	*t = arg;
	uint64_t		 ticks;

	(void)what;
	if (fd != -1 && read(fd, &ticks, sizeof(ticks)) == -1 &&
	    errno == EAGAIN)
		return;		/* re-armed since it expired */
	if (t->armed)
		timer_fire(t);
}

struct clock_timer *
clock_timer_new(struct clock *c, clock_timer_cb cb, void *arg)
{
	struct clock_timer	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->clock = c;
	t->cb = cb;
	t->arg = arg;
	t->fd = -1;
	if (!c->manual && (t->fd = timerfd_create(CLOCK_REALTIME,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		goto fail;
	if ((t->ev = event_new(c->base, t->fd, t->fd == -1 ? 0 :
	    EV_READ | EV_PERSIST, timer_event_cb, t)) == NULL)
		goto fail;
	if (t->fd != -1 && event_add(t->ev, NULL) == -1)
		goto fail;
	if (c->manual) {
		t->next = c->timers;
		c->timers = t;
	}
	return t;
 fail:
	if (t->ev != NULL)
		event_free(t->ev);
	if (t->fd != -1)
		close(t->fd);
	free(t);
	return NULL;
}

void
clock_timer_at(struct clock_timer *t, double when)
{
	struct itimerspec	its;

	t->armed = 1;
	t->when = when;
	if (t->clock->manual) {
		struct timeval	soon = { 0, 0 };

		if (when <= t->clock->now)
			evtimer_add(t->ev, &soon);
		else
			evtimer_del(t->ev);
		return;
	}
	memset(&its, 0, sizeof(its));
	when -= t->clock->skew;		/* the kernel's clock has none */
	/* 0 would disarm: the epoch's first nanosecond is "long past" as well. */
	if (when < 1e-9)
		its.it_value.tv_nsec = 1;
	else {
		its.it_value.tv_sec = (time_t)floor(when);
		its.it_value.tv_nsec = (long)((when - floor(when)) * 1e9);
	}
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void
clock_timer_cancel(struct clock_timer *t)
{
	struct itimerspec	its;

	t->armed = 0;
	if (t->clock->manual) {
		evtimer_del(t->ev);
		return;
	}
	memset(&its, 0, sizeof(its));
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

int
clock_timer_armed(const struct clock_timer *t)
{
	return t->armed;
}

void
clock_timer_free(struct clock_timer *t)
{
	if (t == NULL)
		return;
	if (t->clock->manual) {
		struct clock_timer	**p = &t->clock->timers;

		while (*p != t)
			p = &(*p)->next;
		*p = t->next;
	}
	event_free(t->ev);
	if (t->fd != -1)
		close(t->fd);
	free(t);
}

void
clock_manual_set(struct clock *c, double t)
{
	c->now = t;
	for (;;) {
		struct clock_timer	*first = NULL;

		for (struct clock_timer *x = c->timers; x != NULL; x = x->next)
			if (x->armed && x->when <= t &&
			    (first == NULL || x->when < first->when))
				first = x;
		if (first == NULL)
			return;
		evtimer_del(first->ev);
		timer_fire(first);
	}
}
