/* main.c: schedd's entry: parse arguments and config, open the store, run the loop, handle signals. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "schedd/admin.h"
#include "schedd/civil.h"
#include "schedd/config.h"
#include "schedd/dirapply.h"
#include "schedd/engine.h"
#include "schedd/log.h"
#include "schedd/metrics.h"
#include "schedd/store.h"

#define STOP_DEADLINE_S	9	/* SIGTERM: exit within 10 s even if Admin hangs */
#define LOOP_BUSY_MS	20	/* the loop waits no longer for a lock: the engine's timers try again */

/* Everything the process owns; main is the only place that knows all of it. */
struct schedd {
	struct log		 log;
	struct config		 conf;
	struct event_base	*base;
	struct store		*st;
	struct admin		*admin;
	struct engine		*engine;
	struct clock		*clock;		/* the system's, or SCHEDD_NOW's with --once */
	struct metrics_server	*metrics;	/* /metrics and /healthz, when scheduler.metrics is set */
	struct dirapply		*schedules;	/* scheduler.schedulesDir, when set */
	struct metrics_digest	 digest;	/* /metrics: the schedules' digest, cached */
	struct event		*sigterm;
	struct event		*sigint;
	struct event		*sighup;
	struct event		*deadline;
	struct event		*watchdog;	/* WATCHDOG=1, only when systemd asks for it */
	int64_t			 started_at;
	char			*config_path;	/* the file read at start, read again on SIGHUP */
	struct config		 file;		/* that file as it was at start, before flags */
	char			*secret;	/* the client secret until the Admin client has it */
	char			 host[256];
	char			 shard[32];	/* "I/N" with scheduler.ha, else "" */
	int			 once;
	int64_t			 fake_now;
	double			 skew;		/* SCHEDD_CLOCK_SKEW: seconds the clock reads ahead */
	int			 exit_code;	/* the engine could not go on: exit with this */
};

static const char usage_text[] =
    "usage: schedd [--config FILE] [--db PATH] [--admin-endpoint URL] "
    "[--insecure]\n"
    "              [--once] [--shard I/N] [--standby-delay DURATION]\n"
    "              [--log-format text|json] [--log-level LEVEL]\n"
    "       schedd --version\n"
    "\n"
    "Fire Flyte executions for the schedules in the database.\n"
    "  --config FILE          flytectl-style YAML (default " CONFIG_DEFAULT_PATH
    " if it exists)\n"
    "  --db PATH              the database (default $SCHEDD_DB, else "
    "scheduler.db,\n"
    "                         else " CONFIG_DEFAULT_DB ")\n"
    "  --admin-endpoint URL   Flyte Admin: dns:///host:port, http://host:port "
    "or https://host\n"
    "  --insecure             plain http to Admin\n"
    "  --once                 fire what is due now (and runs left pending), "
    "then exit\n"
    "  --shard I/N            fire shard I of N now and stand by for the "
    "others\n"
    "                         (scheduler.ha; default 0/1: this host fires "
    "everything)\n"
    "  --standby-delay D      how long a peer's instant is left to it "
    "(default 30s)\n"
    "  --log-format FORMAT    text (default, for journald) or json\n"
    "  --log-level LEVEL      error, warn, info (default) or debug\n"
    "  --version              print the version and exit\n";

static void
finish(void *arg)
{
	struct schedd	*sd = arg;

	event_base_loopexit(sd->base, NULL);
}

/* The engine cannot go on (its database was replaced or removed): exit now, writing nothing more. */
static void
fatal(const struct err *e, void *arg)
{
	struct schedd	*sd = arg;

	sd->exit_code = e->code ? e->code : EX_SOFTWARE;
	sd_notify(0, "STOPPING=1");
	event_base_loopexit(sd->base, NULL);
}

/* Tell systemd how things stand (a no-op outside systemd). */
static void
notify_status(struct schedd *sd, const char *state)
{
	struct engine_stats	st;

	engine_stats(sd->engine, &st);
	sd_notifyf(0, "%sSTATUS=%" PRId64 " schedules, %" PRId64 " fires "
	    "(%" PRId64 " created, %" PRId64 " failed, %" PRId64 " skipped), "
	    "%" PRId64 " in flight", state, st.schedules, st.fires, st.created,
	    st.failed, st.skipped, st.inflight);
}

/* WatchdogSec=: ping from the loop itself, so a stuck loop is noticed. */
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	notify_status(arg, "WATCHDOG=1\n");
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct schedd	*sd = arg;

	(void)fd;
	(void)what;
	log_event(&sd->log, LOG_LEVEL_WARN, "stop", "requests still in flight "
	    "after %d s; they stay pending and are looked up at the next start",
	    STOP_DEADLINE_S);
	event_base_loopexit(sd->base, NULL);
}

/*
 * SIGHUP: read the config file again. Limits and retention apply at once;
 * what the running process is built on (endpoint, auth, database, metrics)
 * needs a restart, and says so. A bad file is logged and the old one kept.
 */
static void
reload_config(struct schedd *sd)
{
	struct config	c;
	struct err	e;

	if (sd->config_path == NULL)
		return;
	if (config_defaults(&c, &e) == -1 ||
	    config_load(sd->config_path, &c, &sd->log, &e) == -1) {
		log_event(&sd->log, LOG_LEVEL_ERROR, "reload", "%s; keeping the "
		    "configuration in use", e.msg);
		config_clear(&c);
		return;
	}
#define CHANGED(field) ((c.field == NULL) != (sd->file.field == NULL) || \
	    (c.field != NULL && strcmp(c.field, sd->file.field) != 0))
	/* What the running process is built on: applies only at the next start. */
	if (CHANGED(endpoint) || c.insecure != sd->file.insecure ||
	    c.skip_verify != sd->file.skip_verify || CHANGED(ca_file) ||
	    CHANGED(auth_header) || CHANGED(auth_type) || CHANGED(client_id) ||
	    CHANGED(secret_location) || CHANGED(secret_env) ||
	    CHANGED(token_url) || CHANGED(scopes) || CHANGED(audience) ||
	    CHANGED(db) || CHANGED(metrics) || c.ha_shard != sd->file.ha_shard ||
	    c.ha_shards != sd->file.ha_shards ||
	    c.standby_delay != sd->file.standby_delay)
		log_event(&sd->log, LOG_LEVEL_WARN, "reload", "%s: admin, auth, "
		    "database, metrics or ha settings changed; restart schedd "
		    "to apply them", sd->config_path);
#undef CHANGED
	admin_set_limits(sd->admin, c.max_inflight, c.rate_limit,
	    c.watch_rate);
	engine_set_retention(sd->engine, c.retention);
	sd->conf.max_inflight = c.max_inflight;
	sd->conf.rate_limit = c.rate_limit;
	sd->conf.watch_rate = c.watch_rate;
	sd->conf.retention = c.retention;
	log_event(&sd->log, LOG_LEVEL_INFO, "reload", "%s: maxInflight %d, "
	    "rateLimit %g/s, watchRate %g/s, historyRetention %" PRId64 " s",
	    sd->config_path, c.max_inflight, c.rate_limit, c.watch_rate,
	    c.retention);
	config_clear(&c);
}

/* Signals arrive as libevent events, so this runs in the loop, not in a handler. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct schedd	*sd = arg;
	struct timeval	 tv = { STOP_DEADLINE_S, 0 };

	(void)what;
	if (sig == SIGHUP) {
		log_event(&sd->log, LOG_LEVEL_INFO, "reload", "SIGHUP: reading "
		    "the configuration, looking for changes");
		sd_notify(0, "RELOADING=1");
		reload_config(sd);
		engine_reload(sd->engine);
		dirapply_run(sd->schedules);
		notify_status(sd, "READY=1\n");
		return;
	}
	sd_notify(0, "STOPPING=1");
	log_event(&sd->log, LOG_LEVEL_INFO, "stop", "%s: taking no new fires, "
	    "finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (sd->deadline == NULL &&
	    (sd->deadline = evtimer_new(sd->base, deadline_cb, sd)) != NULL)
		evtimer_add(sd->deadline, &tv);
	engine_stop(sd->engine, finish, sd);
}

static int
parse_level(const char *text, enum log_level *level)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (strcmp(text, names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	return -1;
}

static void
wipe_secret(struct schedd *sd)
{
	if (sd->secret != NULL) {
		explicit_bzero(sd->secret, strlen(sd->secret));
		free(sd->secret);
		sd->secret = NULL;
	}
}

/* A start-up error: one line, JSON when the log is; returns the exit code. */
static int
startup_error(struct schedd *sd, const struct err *e, int fallback)
{
	if (sd->log.json)
		log_event(&sd->log, LOG_LEVEL_ERROR, "config", "%s", e->msg);
	else
		fprintf(stderr, "schedd: %s\n", e->msg);
	return e->code ? e->code : fallback;
}

/* Arguments and config: flags win over the file. Returns 0 or an exit code. */
/* --shard I/N and --standby-delay D over scheduler.ha. Returns 0, or -1 with e (EX_USAGE, EX_CONFIG). */
static int
ha_flags(struct config *c, const char *shard, const char *standby,
    struct err *e)
{
	char	*end;
	long	 i, n;

	if (shard != NULL) {
		errno = 0;
		i = strtol(shard, &end, 10);
		if (end == shard || *end != '/' || errno != 0 ||
		    (n = strtol(end + 1, &end, 10), *end != '\0') || errno != 0 ||
		    i < 0 || n < 1 || n > 100000 || i >= n) {
			err_set_code(e, EX_USAGE, "--shard: \"%s\" is not I/N "
			    "with 0 <= I < N <= 100000", shard);
			return -1;
		}
		c->ha_shard = (int)i;
		c->ha_shards = (int)n;
	}
	if (standby != NULL && (civil_parse_duration(standby, 86400,
	    &c->standby_delay) == -1 || c->standby_delay < 1)) {
		err_set_code(e, EX_USAGE, "--standby-delay: \"%s\" is not a "
		    "duration from 1s to 1d, like 30s or 2m", standby);
		return -1;
	}
	return config_ha_valid(c, "--shard", e);
}

static int
configure(struct schedd *sd, int argc, char **argv)
{
	static const struct option	 options[] = {
		{ "config",		required_argument,	NULL,	'c' },
		{ "db",			required_argument,	NULL,	'd' },
		{ "admin-endpoint",	required_argument,	NULL,	'a' },
		{ "insecure",		no_argument,		NULL,	'i' },
		{ "once",		no_argument,		NULL,	'1' },
		{ "shard",		required_argument,	NULL,	's' },
		{ "standby-delay",	required_argument,	NULL,	'w' },
		{ "log-format",		required_argument,	NULL,	'f' },
		{ "log-level",		required_argument,	NULL,	'l' },
		{ "help",		no_argument,		NULL,	'h' },
		{ "version",		no_argument,		NULL,	'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*config = NULL, *db = NULL, *endpoint = NULL, *fake;
	const char	*shard = NULL, *standby = NULL;
	const char	*key = "--admin-endpoint";	/* where the endpoint came from */
	int		 insecure = -1, opt;
	struct err	 e;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':	config = optarg;	break;
		case 'd':	db = optarg;		break;
		case 'a':	endpoint = optarg;	break;
		case 'i':	insecure = 1;		break;
		case '1':	sd->once = 1;		break;
		case 's':	shard = optarg;		break;
		case 'w':	standby = optarg;	break;
		case 'f':
			if (strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "text") != 0) {
				fprintf(stderr, "schedd: --log-format: \"%s\" is "
				    "not text or json\n", optarg);
				return EX_USAGE;
			}
			sd->log.json = strcmp(optarg, "json") == 0;
			break;
		case 'l':
			if (parse_level(optarg, &sd->log.level) == -1) {
				fprintf(stderr, "schedd: --log-level: \"%s\" is "
				    "not error, warn, info or debug\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EX_OK);
		case 'V':
			printf("schedd %s\n", SCHEDD_VERSION);
			exit(EX_OK);
		default:
			fprintf(stderr, "schedd: unknown option or missing value: "
			    "%s (see schedd --help)\n", argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "schedd: unexpected argument \"%s\" (see schedd "
		    "--help)\n", argv[optind]);
		return EX_USAGE;
	}
	if (config_defaults(&sd->conf, &e) == -1)
		goto fail;
	/* The default file is optional; a named one must exist. */
	if (config == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		config = CONFIG_DEFAULT_PATH;
	if (config != NULL && ((sd->config_path = strdup(config)) == NULL ||
	    config_load(config, &sd->conf, &sd->log, &e) == -1))
		goto fail;
	/* What the file said, kept to tell a SIGHUP which settings changed. */
	if (config_defaults(&sd->file, &e) == -1 || (config != NULL &&
	    config_load(config, &sd->file, NULL, &e) == -1))
		goto fail;
	if (insecure != -1)
		sd->conf.insecure = insecure;
	if (ha_flags(&sd->conf, shard, standby, &e) == -1)
		goto fail;
	/* As schedctl: --db, else $SCHEDD_DB, else the file's scheduler.db. */
	if (db == NULL && (db = getenv("SCHEDD_DB")) != NULL && *db == '\0')
		db = NULL;
	if (db != NULL) {
		free(sd->conf.db);
		if ((sd->conf.db = strdup(db)) == NULL)
			return EX_OSERR;
	}
	if (endpoint == NULL) {
		endpoint = sd->conf.endpoint;
		key = "admin.endpoint";
	}
	if (endpoint == NULL) {
		err_set_code(&e, EX_CONFIG, "no Flyte Admin endpoint: give "
		    "--admin-endpoint or admin.endpoint in the config");
		goto fail;
	}
	/* The secret goes from its file or variable to the client, never to argv, logs or the store. */
	if (config_admin_ready(&sd->conf, endpoint, key, &sd->secret,
	    &e) == -1)
		goto fail;
	/* A fixed clock for tests: only meaningful for one pass. */
	if ((fake = getenv("SCHEDD_NOW")) != NULL && *fake != '\0') {
		if (!sd->once) {
			err_set_code(&e, EX_USAGE, "SCHEDD_NOW needs --once");
			goto fail;
		}
		if (civil_parse_rfc3339(fake, &sd->fake_now, &e) == -1)
			goto fail;
	}
	/* A clock that disagrees with the others by so many seconds: tests of several hosts. */
	if ((fake = getenv("SCHEDD_CLOCK_SKEW")) != NULL && *fake != '\0') {
		char	*end;

		sd->skew = strtod(fake, &end);
		if (*end != '\0' || !(sd->skew >= -86400 && sd->skew <= 86400)) {
			err_set_code(&e, EX_USAGE, "SCHEDD_CLOCK_SKEW: \"%s\" is not "
			    "seconds from -86400 to 86400", fake);
			goto fail;
		}
	}
	return 0;
 fail:
	return startup_error(sd, &e, EX_CONFIG);
}

/*
 * scheduler.schedulesDir: applied by the schedctl installed beside this
 * schedd, so the daemon and an operator apply it by the same rules.
 */
static int
schedules_dir_new(struct schedd *sd, struct err *e)
{
	struct dirapply_config	 cfg = { sd->conf.schedules_dir, NULL,
				    sd->conf.db };
	char			 self[PATH_MAX], schedctl[PATH_MAX + 16];
	char			*slash;
	ssize_t			 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1) {
		err_set_code(e, EX_OSERR, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	snprintf(schedctl, sizeof(schedctl), "%s/schedctl", self);
	cfg.schedctl = schedctl;
	return dirapply_new(sd->base, &sd->log, &cfg, &sd->schedules, e);
}

static int
run(struct schedd *sd)
{
	struct admin_config	 ac = {
		.timeout_ms = 30000,
		.connect_timeout_ms = 10000,
		.max_inflight = sd->conf.max_inflight,
		.rate = sd->conf.rate_limit,
		.burst = sd->conf.max_inflight,
		.watch_rate = sd->conf.watch_rate,
		.max_attempts = 6,
		.backoff_ms = 500,
		.log = &sd->log,
	};
	struct engine_config	 ec = {
		.db_path = sd->conf.db,
		.tzdir = getenv("TZDIR"),
		.grace = 60,
		.retry_horizon = 3600,
		.retry_delay = 30,
		.lp_ttl = 60,
		.fallback = 300,
		.retention = sd->conf.retention,
		.once = sd->once,
		.shard = sd->conf.ha_shard,
		.shards = sd->conf.ha_shards,
		.standby_delay = sd->conf.standby_delay,
	};
	struct err		 e;
	uint64_t		 watchdog_usec = 0;
	int			 rc;

	if (ec.tzdir != NULL && *ec.tzdir == '\0')
		ec.tzdir = NULL;
	sd->started_at = sd->fake_now ? sd->fake_now : (int64_t)time(NULL);
	if (gethostname(sd->host, sizeof(sd->host)) == -1)
		snprintf(sd->host, sizeof(sd->host), "unknown");
	if (store_open(sd->conf.db, STORE_CREATE, &sd->st, &e) == -1)
		goto fail;
	if ((sd->base = event_base_new()) == NULL) {
		err_set_code(&e, EX_OSERR, "cannot create the event loop");
		goto fail;
	}
	config_admin_settings(&sd->conf, sd->secret, &ac);
	rc = admin_new(sd->base, &ac, &sd->admin, &e);
	wipe_secret(sd);
	if (rc == -1 || (sd->fake_now != 0 ? clock_manual_new(sd->base,
	    (double)sd->fake_now, &sd->clock, &e) : clock_system_new(sd->base,
	    &sd->clock, &e)) == -1)
		goto fail;
	if (sd->fake_now == 0)
		clock_set_skew(sd->clock, sd->skew);
	if (engine_new(sd->base, sd->st, engine_admin_client(sd->admin),
	    sd->clock, &sd->log, &ec, &sd->engine, &e) == -1)
		goto fail;
	if ((sd->sigterm = evsignal_new(sd->base, SIGTERM, signal_cb, sd)) ==
	    NULL || (sd->sigint = evsignal_new(sd->base, SIGINT, signal_cb,
	    sd)) == NULL || (sd->sighup = evsignal_new(sd->base, SIGHUP,
	    signal_cb, sd)) == NULL || event_add(sd->sigterm, NULL) == -1 ||
	    event_add(sd->sigint, NULL) == -1 ||
	    event_add(sd->sighup, NULL) == -1) {
		err_set_code(&e, EX_OSERR, "cannot install signal handlers");
		goto fail;
	}
	if (!sd->once && sd->conf.schedules_dir != NULL &&
	    schedules_dir_new(sd, &e) == -1)
		goto fail;
	/*
	 * Bind before the engine starts, so a taken port (EX_UNAVAILABLE)
	 * stops schedd before it writes or sends anything; requests are only
	 * answered once the loop runs, after engine_start.
	 */
	if (!sd->once && sd->conf.metrics != NULL && *sd->conf.metrics != '\0') {
		/* The digest tells hosts of a group apart: shown when there is a group. */
		struct metrics_sources	src = { sd->engine, sd->admin, sd->st,
					    &sd->log, sd->schedules,
					    sd->conf.ha_shards > 1 ||
					    sd->schedules != NULL ?
					    &sd->digest : NULL, sd->clock,
					    ec.tzdir, sd->conf.console_url };

		if (metrics_server_new(sd->base, sd->conf.metrics, &src,
		    &sd->metrics, &e) == -1) {
			/*
			 * A configured address must work; the default may be
			 * taken (another schedd on the host): say so and go on.
			 */
			if (strcmp(sd->conf.metrics, CONFIG_DEFAULT_METRICS) != 0)
				goto fail;
			log_event(&sd->log, LOG_LEVEL_WARN, "start", "%s; "
			    "/metrics is off (set scheduler.metrics)", e.msg);
		}
	}
	if (sd->conf.ha_shards > 1)
		snprintf(sd->shard, sizeof(sd->shard), "%d/%d",
		    sd->conf.ha_shard, sd->conf.ha_shards);
	if (store_heartbeat(sd->st, getpid(), sd->host, SCHEDD_VERSION,
	    sd->started_at, sd->started_at, 0, sd->shard[0] ? sd->shard : NULL,
	    &e) == -1)
		goto fail;
	log_event(&sd->log, LOG_LEVEL_INFO, "start", "schedd %s, database %s, "
	    "admin %s%s", SCHEDD_VERSION, sd->conf.db, sd->conf.endpoint,
	    sd->once ? ", once" : "");
	/*
	 * From here the loop runs: a statement that meets another process's
	 * lock fails within milliseconds, and the engine tries again from a
	 * timer, so that fires, Admin's answers and /healthz never wait on
	 * it. --once may wait: it has nothing else to serve.
	 */
	if (!sd->once)
		store_set_busy_timeout(sd->st, LOOP_BUSY_MS);
	engine_on_fatal(sd->engine, fatal, sd);
	if (engine_start(sd->engine, sd->once ? finish : NULL, sd, &e) == -1)
		goto fail;
	/* The engine watches the database now: the directory's commit reaches it like schedctl's. */
	dirapply_run(sd->schedules);
	if (sd->metrics != NULL)
		log_event(&sd->log, LOG_LEVEL_INFO, "metrics", "serving /metrics "
		    "and /healthz on %s (port %d)", sd->conf.metrics,
		    metrics_server_port(sd->metrics));
	/* The store is open and the heap built: ready. */
	notify_status(sd, "READY=1\n");
	if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
		struct timeval	tv = { (time_t)(watchdog_usec / 2000000),
				    (suseconds_t)(watchdog_usec / 2 % 1000000) };

		if ((sd->watchdog = event_new(sd->base, -1, EV_PERSIST,
		    watchdog_cb, sd)) == NULL ||
		    event_add(sd->watchdog, &tv) == -1) {
			err_set_code(&e, EX_OSERR, "cannot arm the watchdog");
			goto fail;
		}
	}
	event_base_dispatch(sd->base);
	if (sd->exit_code != 0) {
		/* The file at the path is not ours: the heartbeat is not written there. */
		log_event(&sd->log, LOG_LEVEL_INFO, "stop", "exiting with status "
		    "%d", sd->exit_code);
		return sd->exit_code;
	}
	if (store_heartbeat(sd->st, getpid(), sd->host, SCHEDD_VERSION,
	    sd->started_at, sd->fake_now ? sd->fake_now : (int64_t)time(NULL), 1,
	    sd->shard[0] ? sd->shard : NULL, &e) == -1)
		log_event(&sd->log, LOG_LEVEL_WARN, "stop", "%s", e.msg);
	log_event(&sd->log, LOG_LEVEL_INFO, "stop", "exiting");
	return EX_OK;
 fail:
	log_event(&sd->log, LOG_LEVEL_ERROR, "start", "%s", e.msg);
	return e.code ? e.code : EX_SOFTWARE;
}

int
main(int argc, char **argv)
{
	struct schedd	sd;
	int		rc, curl = 0;

	memset(&sd, 0, sizeof(sd));
	sd.log.out = stderr;
	sd.log.level = LOG_LEVEL_INFO;
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A burst allocates and frees the same few kilobytes per statement and
	 * request; glibc would hand the heap's top back to the kernel and fault
	 * it in again each time (a fifth of the CPU of a burst).
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	if ((rc = configure(&sd, argc, argv)) != 0)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "schedd: cannot initialize libcurl\n");
		rc = EX_SOFTWARE;
		goto out;
	}
	curl = 1;
	rc = run(&sd);
 out:
	/* Free in reverse order of creation; every free takes NULL. */
	metrics_server_free(sd.metrics);
	dirapply_free(sd.schedules);
	engine_free(sd.engine);
	clock_free(sd.clock);
	admin_free(sd.admin);
	if (sd.deadline != NULL)
		event_free(sd.deadline);
	if (sd.watchdog != NULL)
		event_free(sd.watchdog);
	if (sd.sigterm != NULL)
		event_free(sd.sigterm);
	if (sd.sigint != NULL)
		event_free(sd.sigint);
	if (sd.sighup != NULL)
		event_free(sd.sighup);
	if (sd.base != NULL)
		event_base_free(sd.base);
	store_close(sd.st);
	config_clear(&sd.conf);
	config_clear(&sd.file);
	free(sd.config_path);
	wipe_secret(&sd);
	if (curl)
		curl_global_cleanup();
	return rc;
}
