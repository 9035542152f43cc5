/* config.c: schedd's flytectl-style YAML configuration (admin: and scheduler: sections). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "schedd/admin.h"
#include "schedd/civil.h"
#include "schedd/config.h"
#include "schedd/yaml.h"

int
config_defaults(struct config *c, struct err *e)
{
	memset(c, 0, sizeof(*c));
	c->max_inflight = 32;
	c->rate_limit = 100;
	c->watch_rate = ADMIN_WATCH_RATE;
	c->retention = 90 * 86400;
	c->ha_shards = 1;
	c->standby_delay = CONFIG_DEFAULT_STANDBY;
	if ((c->db = strdup(CONFIG_DEFAULT_DB)) == NULL ||
	    (c->metrics = strdup(CONFIG_DEFAULT_METRICS)) == NULL) {
		config_clear(c);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

void
config_clear(struct config *c)
{
	free(c->endpoint);
	free(c->ca_file);
	free(c->auth_header);
	free(c->console_url);
	free(c->db);
	free(c->metrics);
	free(c->schedules_dir);
	free(c->auth_type);
	free(c->client_id);
	free(c->secret_location);
	free(c->secret_env);
	free(c->token_url);
	free(c->scopes);
	free(c->audience);
	memset(c, 0, sizeof(*c));
}

/* text for a one-line message: quotes, backslashes and control characters escaped, cut to fit buf. */
static const char *
shown(const char *text, char *buf, size_t len)
{
	size_t	n = 0;

	for (const unsigned char *p = (const unsigned char *)text;
	    *p != '\0' && n + 5 < len; p++) {
		if (*p == '"' || *p == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, *p == '\r' ? "\\r" :
			    *p == '\n' ? "\\n" : *p == '\t' ? "\\t" : "\\x%02x", *p);
		else
			buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	return buf;
}

char *
config_endpoint(const char *text, int insecure, const char *key,
    struct err *e)
{
	const char	*host = text;
	char		*out, why[256], quoted[300];
	size_t		 len;

	if (strncmp(text, "http://", 7) == 0 || strncmp(text, "https://", 8) == 0)
		host = NULL;
	else if (strncmp(text, "dns:///", 7) == 0)
		host = text + 7;
	if (host != NULL && (*host == '\0' || strchr(host, '/') != NULL)) {
		err_set_code(e, EX_CONFIG, "%s: \"%s\" is not dns:///host:port, "
		    "http://host:port or https://host", key,
		    shown(text, quoted, sizeof(quoted)));
		return NULL;
	}
	len = strlen(text) + 16;
	if ((out = malloc(len)) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return NULL;
	}
	if (host != NULL)
		snprintf(out, len, "%s://%s", insecure ? "http" : "https", host);
	else
		snprintf(out, len, "%s", text);
	while ((len = strlen(out)) > 0 && out[len - 1] == '/')
		out[len - 1] = '\0';
	/* Refused now, by the parser the client uses, rather than by every request later. */
	if (!admin_url_valid(out, why, sizeof(why))) {
		err_set_code(e, EX_CONFIG, "%s: \"%s\" is not a URL schedd can "
		    "use: %s", key, shown(text, quoted, sizeof(quoted)), why);
		free(out);
		return NULL;
	}
	return out;
}

int
config_check_admin(struct config *c, struct err *e)
{
	struct stat	sb;
	char		quoted[300];
	int		fd;

	if (c->auth_header != NULL && !admin_header_name_valid(c->auth_header)) {
		err_set_code(e, EX_CONFIG, "admin.authorizationHeader: \"%s\" is not "
		    "an HTTP header name (letters, digits and !#$%%&'*+-.^_`|~, at "
		    "most %d)", shown(c->auth_header, quoted, sizeof(quoted)),
		    ADMIN_HEADER_NAME_MAX);
		return -1;
	}
	/* flytectl writes caCertFilePath: "" for none. */
	if (c->ca_file != NULL && *c->ca_file == '\0') {
		free(c->ca_file);
		c->ca_file = NULL;
	}
	/* Only TLS reads it; every https request would fail on a file that is not there. */
	if (c->ca_file == NULL || c->endpoint == NULL ||
	    strncmp(c->endpoint, "https://", 8) != 0)
		return 0;
	if ((fd = open(c->ca_file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		const char	*why = fd == -1 ? strerror(errno) : "not a file";

		err_set_code(e, EX_CONFIG, "admin.caCertFilePath: cannot read %s: %s",
		    shown(c->ca_file, quoted, sizeof(quoted)), why);
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* One known key: where it goes and what type it must be. */
enum config_type { CT_STRING, CT_BOOL, CT_INT, CT_INDEX, CT_NUMBER, CT_POSITIVE, CT_DURATION, CT_DELAY, CT_WORDS, CT_ANY };

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;	/* into struct config, or SIZE_MAX: accepted, unused yet */
};

#define UNUSED_KEY	((size_t)-1)

static const struct config_key admin_keys[] = {
	{ "endpoint",			CT_STRING,	offsetof(struct config, endpoint) },
	{ "insecure",			CT_BOOL,	offsetof(struct config, insecure) },
	{ "caCertFilePath",		CT_STRING,	offsetof(struct config, ca_file) },
	{ "authorizationHeader",	CT_STRING,	offsetof(struct config, auth_header) },
	{ "authType",			CT_STRING,	offsetof(struct config, auth_type) },
	{ "clientId",			CT_STRING,	offsetof(struct config, client_id) },
	{ "clientSecretLocation",	CT_STRING,	offsetof(struct config, secret_location) },
	{ "clientSecretEnvVar",		CT_STRING,	offsetof(struct config, secret_env) },
	{ "tokenUrl",			CT_STRING,	offsetof(struct config, token_url) },
	{ "scopes",			CT_WORDS,	offsetof(struct config, scopes) },
	{ "audience",			CT_STRING,	offsetof(struct config, audience) },
	{ "consoleUrl",			CT_STRING,	offsetof(struct config, console_url) },
	/* flytectl keys schedd has no use for: accepted so its configs load quietly. */
	{ "insecureSkipVerify",		CT_BOOL,	offsetof(struct config, skip_verify) },
	{ "useAudienceFromAdmin",	CT_BOOL,	UNUSED_KEY },
	{ "maxRetries",			CT_ANY,		UNUSED_KEY },
	{ "perRetryTimeout",		CT_ANY,		UNUSED_KEY },
	{ "maxBackoffDelay",		CT_ANY,		UNUSED_KEY },
	{ "tokenRefreshWindow",		CT_ANY,		UNUSED_KEY },
	{ NULL, 0, 0 }
};

static const struct config_key scheduler_keys[] = {
	{ "db",				CT_STRING,	offsetof(struct config, db) },
	{ "maxInflight",		CT_INT,		offsetof(struct config, max_inflight) },
	{ "rateLimit",			CT_NUMBER,	offsetof(struct config, rate_limit) },
	{ "watchRate",			CT_POSITIVE,	offsetof(struct config, watch_rate) },
	{ "metrics",			CT_STRING,	offsetof(struct config, metrics) },
	{ "historyRetention",		CT_DURATION,	offsetof(struct config, retention) },
	{ "schedulesDir",		CT_STRING,	offsetof(struct config, schedules_dir) },
	{ "ha",				CT_ANY,		UNUSED_KEY },	/* its own section, below */
	{ NULL, 0, 0 }
};

static const struct config_key ha_keys[] = {
	{ "shard",			CT_INDEX,	offsetof(struct config, ha_shard) },
	{ "shards",			CT_INT,		offsetof(struct config, ha_shards) },
	{ "standbyDelay",		CT_DELAY,	offsetof(struct config, standby_delay) },
	{ NULL, 0, 0 }
};

static const char *const type_names[] = {
	"a string", "true or false", "a whole number", "a whole number",
	"a number", "a number",
	"a duration like 90d or 12h (0 keeps everything)",
	"a duration from 1s to 1d, like 30s or 2m",
	"a list of strings", "anything"
};

/* A list of strings, or one string: scopes may be written either way. */
static int
words_valid(const cJSON *item)
{
	const cJSON	*w;

	if (cJSON_IsString(item))
		return 1;
	if (!cJSON_IsArray(item))
		return 0;
	cJSON_ArrayForEach(w, item)
		if (!cJSON_IsString(w))
			return 0;
	return 1;
}

/* The words joined by spaces, as OAuth2's scope parameter wants them. */
static char *
words_join(const cJSON *item)
{
	const cJSON	*w;
	size_t		 len = 1;
	char		*out;

	if (cJSON_IsString(item))
		return strdup(item->valuestring);
	cJSON_ArrayForEach(w, item)
		len += strlen(w->valuestring) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	cJSON_ArrayForEach(w, item) {
		if (*out != '\0')
			strcat(out, " ");
		strcat(out, w->valuestring);
	}
	return out;
}

static int
take_section(const char *path, const char *section, const cJSON *obj,
    const struct config_key *keys, struct config *c, const struct log *lg,
    struct err *e)
{
	const cJSON	*item;

	if (obj == NULL || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj)) {
		err_set_code(e, EX_CONFIG, "%s: %s: not a mapping", path, section);
		return -1;
	}
	cJSON_ArrayForEach(item, obj) {
		const struct config_key	*k = keys;
		char			*field;
		int64_t			 duration = 0;

		while (k->name != NULL && strcmp(k->name, item->string) != 0)
			k++;
		if (k->name == NULL) {
			log_event(lg, LOG_LEVEL_WARN, "config", "%s: unknown key "
			    "%s.%s ignored", path, section, item->string);
			continue;
		}
		if ((k->type == CT_STRING && !cJSON_IsString(item)) ||
		    (k->type == CT_WORDS && !words_valid(item)) ||
		    (k->type == CT_BOOL && !cJSON_IsBool(item)) ||
		    ((k->type == CT_INT || k->type == CT_INDEX ||
		    k->type == CT_NUMBER || k->type == CT_POSITIVE) &&
		    !cJSON_IsNumber(item)) ||
		    ((k->type == CT_INT || k->type == CT_INDEX) &&
		    (item->valuedouble < (k->type == CT_INT ? 1 : 0) ||
		    item->valuedouble > 100000 ||
		    item->valuedouble != (int)item->valuedouble)) ||
		    (k->type == CT_NUMBER && item->valuedouble < 0) ||
		    (k->type == CT_POSITIVE && !(item->valuedouble > 0)) ||
		    (k->type == CT_DURATION && (!cJSON_IsString(item) ||
		    (strcmp(item->valuestring, "0") != 0 &&
		    civil_parse_duration(item->valuestring, 36500LL * 86400,
		    &duration) == -1))) ||
		    (k->type == CT_DELAY && (!cJSON_IsString(item) ||
		    civil_parse_duration(item->valuestring, 86400,
		    &duration) == -1 || duration < 1))) {
			err_set_code(e, EX_CONFIG, "%s: %s.%s must be %s%s", path,
			    section, item->string, type_names[k->type],
			    k->type == CT_INT ? " from 1 to 100000" :
			    k->type == CT_INDEX ? " from 0 to 100000" :
			    k->type == CT_NUMBER ? " >= 0" :
			    k->type == CT_POSITIVE ? " > 0" : "");
			return -1;
		}
		if (k->offset == UNUSED_KEY)
			continue;
		field = (char *)c + k->offset;
		switch (k->type) {
		case CT_STRING: {
			char	**s = (char **)(void *)field, *copy;

			if ((copy = strdup(item->valuestring)) == NULL) {
				err_set_code(e, EX_OSERR, "out of memory");
				return -1;
			}
			free(*s);
			*s = copy;
			break;
		}
		case CT_BOOL:
			*(int *)(void *)field = cJSON_IsTrue(item);
			break;
		case CT_INT:
		case CT_INDEX:
			*(int *)(void *)field = (int)item->valuedouble;
			break;
		case CT_NUMBER:
		case CT_POSITIVE:
			*(double *)(void *)field = item->valuedouble;
			break;
		case CT_DURATION:
			*(int64_t *)(void *)field = strcmp(item->valuestring,
			    "0") == 0 ? 0 : duration;
			break;
		case CT_DELAY:
			*(int64_t *)(void *)field = duration;
			break;
		case CT_WORDS: {
			char	**words = (char **)(void *)field, *joined;

			if ((joined = words_join(item)) == NULL) {
				err_set_code(e, EX_OSERR, "out of memory");
				return -1;
			}
			free(*words);
			*words = joined;
			break;
		}
		case CT_ANY:
			break;
		}
	}
	return 0;
}

int
config_ha_valid(const struct config *c, const char *path, struct err *e)
{
	if (c->ha_shard >= c->ha_shards) {
		err_set_code(e, EX_CONFIG, "%s: scheduler.ha.shard %d must be "
		    "below scheduler.ha.shards %d (shards are numbered from 0)",
		    path, c->ha_shard, c->ha_shards);
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct config *c, const struct log *lg,
    struct err *e)
{
	cJSON		*doc = NULL;
	const cJSON	*item;
	int		 rc = -1;

	if (yaml_load(path, &doc, e) == -1) {
		if (e->code == EX_DATAERR)
			e->code = EX_CONFIG;
		return -1;
	}
	if (!cJSON_IsObject(doc)) {
		err_set_code(e, EX_CONFIG, "%s: not a mapping", path);
		goto out;
	}
	cJSON_ArrayForEach(item, doc)
		if (strcmp(item->string, "admin") != 0 &&
		    strcmp(item->string, "scheduler") != 0)
			log_event(lg, LOG_LEVEL_WARN, "config", "%s: unknown key "
			    "%s ignored", path, item->string);
	if (take_section(path, "admin", cJSON_GetObjectItemCaseSensitive(doc,
	    "admin"), admin_keys, c, lg, e) == -1 ||
	    take_section(path, "scheduler", cJSON_GetObjectItemCaseSensitive(doc,
	    "scheduler"), scheduler_keys, c, lg, e) == -1 ||
	    take_section(path, "scheduler.ha", cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "scheduler"), "ha"), ha_keys,
	    c, lg, e) == -1 || config_ha_valid(c, path, e) == -1)
		goto out;
	rc = 0;
 out:
	cJSON_Delete(doc);
	return rc;
}

int
config_uses_client_secret(const struct config *c, struct err *e)
{
	if (c->auth_type == NULL || strcasecmp(c->auth_type, "none") == 0)
		return 0;
	if (strcasecmp(c->auth_type, "ClientSecret") != 0) {
		err_set_code(e, EX_CONFIG, "admin.authType \"%s\" is not "
		    "supported (ClientSecret or none)", c->auth_type);
		return -1;
	}
	if (c->client_id == NULL || *c->client_id == '\0') {
		err_set_code(e, EX_CONFIG, "admin.authType ClientSecret needs "
		    "admin.clientId");
		return -1;
	}
	return 1;
}

/*
 * Read a secret file of at most 64 KiB into new memory with read(2): stdio
 * would leave a copy in its FILE buffer, freed without wiping. NULL with
 * errno (EFBIG: too large, EINVAL: a NUL byte in it).
 */
static char *
read_secret(const char *path)
{
	char	*buf;
	size_t	 len = 0, cap = 65536;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = calloc(1, cap + 1)) == NULL)
		goto fail;
	while ((n = read(fd, buf + len, cap - len)) > 0)
		if ((len += (size_t)n) == cap) {
			errno = EFBIG;
			goto fail;
		}
	if (n == -1)
		goto fail;
	/* The rest would be cut off, and left unwiped by those who wipe strlen() bytes. */
	if (memchr(buf, '\0', len) != NULL) {
		errno = EINVAL;
		goto fail;
	}
	close(fd);
	return buf;
 fail:
	saved = errno;
	if (buf != NULL) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	close(fd);
	errno = saved;
	return NULL;
}

char *
config_client_secret(const struct config *c, struct err *e)
{
	const char	*path = c->secret_location ? c->secret_location :
			    "/etc/secrets/client_secret";
	char		*secret = NULL, *end;
	const char	*env;

	if (c->secret_env != NULL && *c->secret_env != '\0') {
		if ((env = getenv(c->secret_env)) == NULL || *env == '\0') {
			err_set_code(e, EX_CONFIG, "admin.clientSecretEnvVar: "
			    "$%s is not set", c->secret_env);
			return NULL;
		}
		if ((secret = strdup(env)) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return NULL;
		}
	} else if ((secret = read_secret(path)) == NULL) {
		err_set_code(e, errno == ENOMEM ? EX_OSERR : EX_CONFIG,
		    "admin.clientSecretLocation: cannot read %s: %s", path,
		    errno == EFBIG ? "larger than 64 KiB" : errno == EINVAL ?
		    "it holds a NUL byte" : strerror(errno));
		return NULL;
	}
	/* Trimmed, as flytectl does: files end with a newline. */
	for (end = secret + strlen(secret); end > secret &&
	    isspace((unsigned char)end[-1]); end--)
		end[-1] = '\0';
	/* No secret at all: every token request would be refused, every fire left pending. */
	if (*secret == '\0') {
		free(secret);
		if (c->secret_env != NULL && *c->secret_env != '\0')
			err_set_code(e, EX_CONFIG, "admin.clientSecretEnvVar: $%s "
			    "holds only white space", c->secret_env);
		else
			err_set_code(e, EX_CONFIG, "admin.clientSecretLocation: %s "
			    "is empty", path);
		return NULL;
	}
	return secret;
}

int
config_admin_ready(struct config *c, const char *endpoint, const char *key,
    char **secret, struct err *e)
{
	char	*normalized;
	int	 auth;

	*secret = NULL;
	if ((normalized = config_endpoint(endpoint, c->insecure, key,
	    e)) == NULL)
		return -1;
	free(c->endpoint);
	c->endpoint = normalized;
	if (config_check_admin(c, e) == -1 ||
	    (auth = config_uses_client_secret(c, e)) == -1 ||
	    (auth && (*secret = config_client_secret(c, e)) == NULL))
		return -1;
	return 0;
}

void
config_admin_settings(const struct config *c, const char *secret,
    struct admin_config *ac)
{
	ac->endpoint = c->endpoint;
	ac->skip_verify = c->skip_verify;
	ac->ca_file = c->ca_file;
	ac->auth_header = c->auth_header;
	if (secret != NULL) {
		ac->client_id = c->client_id;
		ac->client_secret = secret;
		ac->token_url = c->token_url;
		ac->scopes = c->scopes;
		ac->audience = c->audience;
	}
}
