/* dirapply.c: apply the schedules directory with schedctl apply in a child process: at start, on a change in it, on SIGHUP. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "schedd/dirapply.h"

#define DIRAPPLY_SETTLE_MS	100	/* an editor's save is several events: apply once they settle */
#define DIRAPPLY_OUTPUT_MAX	8192	/* of the child's output kept for the log; the rest is read and dropped */

extern char	**environ;

struct dirapply {
	struct event_base	*base;
	const struct log	*log;
	char			*dir;
	char			*schedctl;
	char			*db;
	int			 inotify_fd;	/* -1: none */
	struct event		*inotify_ev;
	struct event		*settle_ev;
	pid_t			 child;		/* the apply running, -1: none */
	int			 out_fd;	/* its standard output and error */
	struct event		*out_ev;
	char			 output[DIRAPPLY_OUTPUT_MAX];
	size_t			 outlen;
	int			 again;		/* a change came while it ran */
	struct dirapply_state	 state;
};

static void	dirapply_start(struct dirapply *d);

/* The last line of the child's output: apply's summary, or schedctl's one-line error. */
static void
last_line(char *text, size_t len, char *buf, size_t buflen)
{
	char	*end = text + len, *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	snprintf(buf, buflen, "%.*s", (int)(end - start), start);
}

/* The child is done (its output closed): reap it, log what it said, and run again if a change came meanwhile. */
static void
dirapply_finish(struct dirapply *d)
{
	char	line[sizeof(d->state.message)];
	int	status = 0;

	if (d->out_ev != NULL)
		event_free(d->out_ev);
	d->out_ev = NULL;
	close(d->out_fd);
	d->out_fd = -1;
	while (waitpid(d->child, &status, 0) == -1 && errno == EINTR)
		;
	d->child = -1;
	last_line(d->output, d->outlen, line, sizeof(line));
	d->state.applied_at = (int64_t)time(NULL);
	d->state.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (d->state.ok) {
		snprintf(d->state.message, sizeof(d->state.message), "%s", line);
		log_event(d->log, LOG_LEVEL_INFO, "schedules", "%s: %s", d->dir,
		    line);
	} else {
		if (WIFEXITED(status))
			snprintf(d->state.message, sizeof(d->state.message),
			    "%s", line[0] != '\0' ? line : "schedctl failed");
		else
			snprintf(d->state.message, sizeof(d->state.message),
			    "schedctl killed by signal %d", WTERMSIG(status));
		log_event(d->log, LOG_LEVEL_ERROR, "schedules", "%s: not applied "
		    "(%s); the schedules in effect stay", d->dir,
		    d->state.message);
	}
	if (d->again) {
		d->again = 0;
		dirapply_start(d);
	}
}

static void
output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dirapply	*d = arg;
	char		 buf[DIRAPPLY_OUTPUT_MAX / 2];
	ssize_t		 n;

	(void)what;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t	take = (size_t)n;

		/* Keep the end (buf is smaller): the summary or the error is the last line. */
		if (d->outlen + take > sizeof(d->output)) {
			size_t	drop = d->outlen + take - sizeof(d->output);

			memmove(d->output, d->output + drop, d->outlen - drop);
			d->outlen -= drop;
		}
		memcpy(d->output + d->outlen, buf, take);
		d->outlen += take;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		dirapply_finish(d);
}

/* schedctl --db DB --offline apply DIR --prune, its output to a pipe the loop reads. */
static void
dirapply_start(struct dirapply *d)
{
	char				*argv[] = { "schedctl", "--db", d->db,
					    "--offline", "apply", d->dir,
					    "--prune", NULL };
	posix_spawn_file_actions_t	 actions;
	int				 fds[2], rc;

	if (d->child != -1) {
		d->again = 1;
		return;
	}
	if (pipe(fds) == -1) {
		log_event(d->log, LOG_LEVEL_ERROR, "schedules", "%s: not applied: "
		    "pipe: %s", d->dir, strerror(errno));
		return;
	}
	/* Only the child's copy of the writing end, as its output, may outlive the exec. */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
	rc = posix_spawn(&d->child, d->schedctl, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[1]);
	if (rc != 0) {
		d->child = -1;
		close(fds[0]);
		d->state.applied_at = (int64_t)time(NULL);
		d->state.ok = 0;
		snprintf(d->state.message, sizeof(d->state.message), "cannot run "
		    "%s: %s", d->schedctl, strerror(rc));
		log_event(d->log, LOG_LEVEL_ERROR, "schedules", "%s: not applied "
		    "(%s); the schedules in effect stay", d->dir,
		    d->state.message);
		return;
	}
	d->outlen = 0;
	d->out_fd = fds[0];
	if (fcntl(d->out_fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (d->out_ev = event_new(d->base, d->out_fd, EV_READ | EV_PERSIST,
	    output_cb, d)) == NULL || event_add(d->out_ev, NULL) == -1) {
		/* Cannot listen from the loop: wait for it here; an apply is short. */
		fcntl(d->out_fd, F_SETFL, 0);
		output_cb(d->out_fd, EV_READ, d);
	}
}

static void
settle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dirapply_start(arg);
}

static void
inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dirapply	*d = arg;
	char		 buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct timeval	 settle = { 0, DIRAPPLY_SETTLE_MS * 1000 };

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* any change in the directory: apply it all again */
	evtimer_add(d->settle_ev, &settle);
}

int
dirapply_new(struct event_base *base, const struct log *lg,
    const struct dirapply_config *cfg, struct dirapply **out, struct err *e)
{
	struct dirapply	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto oom;
	d->base = base;
	d->log = lg;
	d->inotify_fd = d->out_fd = -1;
	d->child = -1;
	if ((d->dir = strdup(cfg->dir)) == NULL ||
	    (d->schedctl = strdup(cfg->schedctl)) == NULL ||
	    (d->db = strdup(cfg->db)) == NULL)
		goto oom;
	if (access(d->schedctl, X_OK) == -1) {
		err_set_code(e, EX_CONFIG, "scheduler.schedulesDir needs schedctl: "
		    "%s: %s", d->schedctl, strerror(errno));
		goto fail;
	}
	if ((d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(d->inotify_fd, d->dir, IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
	    IN_DELETE_SELF | IN_MOVE_SELF) == -1) {
		err_set_code(e, EX_CONFIG, "scheduler.schedulesDir: %s: %s",
		    d->dir, strerror(errno));
		goto fail;
	}
	if ((d->settle_ev = evtimer_new(base, settle_cb, d)) == NULL ||
	    (d->inotify_ev = event_new(base, d->inotify_fd, EV_READ |
	    EV_PERSIST, inotify_cb, d)) == NULL ||
	    event_add(d->inotify_ev, NULL) == -1)
		goto oom;
	*out = d;
	return 0;
 oom:
	err_set_code(e, EX_OSERR, "out of memory");
 fail:
	dirapply_free(d);
	return -1;
}

void
dirapply_run(struct dirapply *d)
{
	if (d != NULL)
		dirapply_start(d);
}

void
dirapply_state(const struct dirapply *d, struct dirapply_state *out)
{
	*out = d->state;
}

void
dirapply_free(struct dirapply *d)
{
	if (d == NULL)
		return;
	if (d->inotify_ev != NULL)
		event_free(d->inotify_ev);
	if (d->settle_ev != NULL)
		event_free(d->settle_ev);
	if (d->out_ev != NULL)
		event_free(d->out_ev);
	if (d->out_fd != -1)
		close(d->out_fd);
	if (d->inotify_fd != -1)
		close(d->inotify_fd);
	/* A child still running finishes its one transaction alone. */
	free(d->dir);
	free(d->schedctl);
	free(d->db);
	free(d);
}
