/* dbwatch.c: notice other processes' commits (schedctl): inotify on the database's directory, and a slow fallback. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/inotify.h>

#include <event2/event.h>

#include "engine_int.h"

#define DBWATCH_SETTLE_MS	100	/* a second look after a change: the commit may not have ended */

struct dbwatch {
	struct engine	*eng;
	int		 fd;		/* inotify, -1: none */
	struct event	*inotify_ev;
	struct event	*settle_ev;	/* the second look */
	struct event	*fallback_ev;
};

static void
inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dbwatch	*w = arg;
	char		 buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct timeval	 settle = { 0, DBWATCH_SETTLE_MS * 1000 };

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* drain: any change in the directory means "look" */
	engine__reload(w->eng);
	/*
	 * The first write of a commit wakes us, and the writer updates the
	 * WAL index (shared memory: no event) only after its last write: a
	 * look now may come before the commit is visible, and a writer that
	 * stays connected makes no further event. Look once more, shortly.
	 */
	if (!evtimer_pending(w->settle_ev, NULL))
		evtimer_add(w->settle_ev, &settle);
}

static void
fallback_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dbwatch	*w = arg;

	(void)fd;
	(void)what;
	engine__reload(w->eng);
}

/*
 * Watch the database's directory (the -wal file changes on every commit;
 * the database itself renamed, replaced or removed, and the directory
 * itself moved, are looked at too: engine__reload asks whether the path
 * still names our file); engine__reload is cheap when nothing changed
 * (a stat and PRAGMA data_version).
 */
int
engine__dbwatch_new(struct engine *eng, struct dbwatch **out, struct err *e)
{
	struct dbwatch	*w;
	char		 dir[PATH_MAX], *slash;
	struct timeval	 tv = { (time_t)eng->cfg.fallback, 0 };

	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto fail;
	w->eng = eng;
	w->fd = -1;
	snprintf(dir, sizeof(dir), "%s", eng->db_path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(w->fd, dir, IN_MODIFY | IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_CREATE | IN_MOVED_FROM | IN_DELETE |
	    IN_DELETE_SELF | IN_MOVE_SELF) == -1) {
		log_event(eng->log, LOG_LEVEL_WARN, "reload", "cannot watch %s "
		    "(%s); changes are seen every %lld s", dir, strerror(errno),
		    (long long)eng->cfg.fallback);
		if (w->fd != -1)
			close(w->fd);
		w->fd = -1;
	} else if ((w->inotify_ev = event_new(eng->base, w->fd,
	    EV_READ | EV_PERSIST, inotify_cb, w)) == NULL ||
	    event_add(w->inotify_ev, NULL) == -1)
		goto fail;
	if ((w->settle_ev = evtimer_new(eng->base, fallback_cb, w)) == NULL ||
	    (w->fallback_ev = event_new(eng->base, -1, EV_PERSIST, fallback_cb,
	    w)) == NULL || event_add(w->fallback_ev, &tv) == -1)
		goto fail;
	*out = w;
	return 0;
 fail:
	engine__dbwatch_free(w);
	err_set_code(e, EX_OSERR, "engine: cannot set up change watching");
	return -1;
}

void
engine__dbwatch_stop(struct dbwatch *w)
{
	if (w == NULL)
		return;
	if (w->inotify_ev != NULL)
		event_del(w->inotify_ev);
	if (w->settle_ev != NULL)
		event_del(w->settle_ev);
	if (w->fallback_ev != NULL)
		event_del(w->fallback_ev);
}

void
engine__dbwatch_free(struct dbwatch *w)
{
	if (w == NULL)
		return;
	if (w->inotify_ev != NULL)
		event_free(w->inotify_ev);
	if (w->settle_ev != NULL)
		event_free(w->settle_ev);
	if (w->fallback_ev != NULL)
		event_free(w->fallback_ev);
	if (w->fd != -1)
		close(w->fd);
	free(w);
}
