/* config.h: schedd's flytectl-style YAML configuration (admin: and scheduler: sections). */
#ifndef SCHEDD_CONFIG_H
#define SCHEDD_CONFIG_H

#include <stdint.h>

#include "schedd/err.h"
#include "schedd/log.h"

struct admin_config;

#define CONFIG_DEFAULT_PATH	"/etc/schedd/config.yaml"
#define CONFIG_DEFAULT_DB	"/var/lib/schedd/schedd.db"
#define CONFIG_DEFAULT_METRICS	"127.0.0.1:9464"
#define CONFIG_DEFAULT_STANDBY	30	/* seconds: scheduler.ha.standbyDelay */

struct config {
	char	*endpoint;		/* normalized base URL: "https://host:port" */
	int	 insecure;		/* plain http, as flytectl means it */
	int	 skip_verify;		/* insecureSkipVerify: TLS without verification */
	char	*ca_file;		/* caCertFilePath */
	char	*auth_header;		/* authorizationHeader; NULL: "authorization" */
	char	*console_url;		/* consoleUrl: the Flyte Console the status page links runs to; NULL: no links */
	char	*db;			/* scheduler.db */
	int	 max_inflight;		/* scheduler.maxInflight */
	double	 rate_limit;		/* scheduler.rateLimit, per second */
	double	 watch_rate;		/* scheduler.watchRate: execution look-ups per second, > 0 */
	char	*metrics;		/* scheduler.metrics, "" = off */
	char	*schedules_dir;		/* scheduler.schedulesDir: applied as one source; NULL: none */
	int64_t	 retention;		/* scheduler.historyRetention, seconds; 0 keeps all */
	/* scheduler.ha: several hosts, each firing its own shard and standing by for the others. */
	int	 ha_shard;		/* shard: this host's, 0 .. ha_shards - 1 */
	int	 ha_shards;		/* shards: 1 (default) is one host alone */
	int64_t	 standby_delay;		/* standbyDelay, seconds a peer's instant is left to it */
	/* OAuth2 client credentials (admin.authType: ClientSecret). */
	char	*auth_type;		/* NULL or "none": no auth */
	char	*client_id;
	char	*secret_location;	/* clientSecretLocation */
	char	*secret_env;		/* clientSecretEnvVar: wins over the file */
	char	*token_url;
	char	*scopes;		/* space-separated */
	char	*audience;
};

/*
 * The client secret for authType ClientSecret: from the environment variable
 * named by clientSecretEnvVar, else the file clientSecretLocation, trimmed.
 * Returns a new string (caller wipes and frees), or NULL with e.
 */
char	*config_client_secret(const struct config *c, struct err *e);

/* 1 when the config asks for OAuth2 client credentials; -1 with e for an unknown authType. */
int	config_uses_client_secret(const struct config *c, struct err *e);

/* Defaults: no endpoint, db CONFIG_DEFAULT_DB, 32 in flight, 100/s, look-ups ADMIN_WATCH_RATE/s, metrics on CONFIG_DEFAULT_METRICS, runs kept 90 days, one shard (standby delay CONFIG_DEFAULT_STANDBY s). Returns 0 or -1 (out of memory). */
int	config_defaults(struct config *c, struct err *e);

/*
 * Read path into c (over its current values). Unknown keys are logged by
 * name as warnings; a wrong type is an error naming the key; YAML errors
 * name the line. A missing file is EX_NOINPUT. Returns 0, or -1 with e.
 */
/* The shard is one of the shards; path names where they were set, in e. */
int	config_ha_valid(const struct config *c, const char *path, struct err *e);

int	config_load(const char *path, struct config *c, const struct log *lg,
	    struct err *e);

/*
 * Normalize an endpoint: "dns:///host:port" and "host:port" become
 * "https://host:port" ("http://" when insecure); "http(s)://..." stays, less
 * a trailing slash. The result must be a URL the Admin client takes
 * (admin_url_valid: no control characters, curl parses it). Returns a new
 * string, or NULL with e (EX_CONFIG, one line naming key, where the text
 * came from: "admin.endpoint" or "--admin-endpoint").
 */
char	*config_endpoint(const char *text, int insecure, const char *key,
	    struct err *e);

/*
 * What the Admin client is built from, checked once c->endpoint is
 * normalized: authorizationHeader an HTTP header name; caCertFilePath ("" is
 * none) a readable file when the endpoint is https. Returns 0, or -1 with e
 * (EX_CONFIG, naming the key).
 */
int	config_check_admin(struct config *c, struct err *e);

/*
 * Make c ready to build an Admin client on: endpoint (the text from key,
 * "--admin-endpoint" or "admin.endpoint") normalized into c->endpoint
 * (config_endpoint), the settings checked (config_check_admin), and for
 * client credentials the secret read (config_client_secret) into *secret,
 * else NULL. Returns 0, or -1 with e.
 */
int	config_admin_ready(struct config *c, const char *endpoint,
	    const char *key, char **secret, struct err *e);

/*
 * The Admin client's endpoint, TLS, header and OAuth2 settings from a
 * config made ready by config_admin_ready, with its secret (NULL: no
 * auth). Limits, timeouts and retries are the caller's. ac points into c.
 */
void	config_admin_settings(const struct config *c, const char *secret,
	    struct admin_config *ac);

void	config_clear(struct config *c);

#endif
