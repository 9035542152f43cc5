/* schedule.c: one schedule's fields, their validation, and their JSON form. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/cron.h"
#include "schedd/json.h"
#include "schedd/literal.h"
#include "schedd/schedule.h"
#include "schedd/template.h"
#include "schedd/tz.h"

#define NAME_MAX_LENGTH		128
#define LABEL_NAME_MAX		63
#define LABEL_PREFIX_MAX	253

void
schedule_clear(struct schedule *s)
{
	char	**strings[] = {
		&s->name, &s->project, &s->domain, &s->launch_plan, &s->version,
		&s->cron, &s->tz, &s->inputs, &s->kickoff_input, &s->labels,
		&s->annotations, &s->service_account, &s->catchup, &s->overlap,
		&s->note, &s->source, &s->repinned_from,
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(*strings[i]);
	memset(s, 0, sizeof(*s));
}

/* Every character of s is alphanumeric or in extra. */
static int
chars_in(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr(extra, s[i]) == NULL))
			return 0;
	return 1;
}

int
schedule_name_valid(const char *name)
{
	size_t	len = strlen(name);

	return len >= 1 && len <= NAME_MAX_LENGTH && chars_in(name, len, "_.-");
}

/* A Kubernetes label name (and value, when not empty): alphanumeric ends, [-_.] inside, <= 63. */
static int
label_name_valid(const char *s, size_t len)
{
	return len >= 1 && len <= LABEL_NAME_MAX &&
	    isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[len - 1]) &&
	    chars_in(s, len, "-_.");
}

/* A lowercase RFC 1123 subdomain as Kubernetes checks it: dot-separated parts of [a-z0-9-], alphanumeric at both ends, <= 253 in all. */
static int
dns_subdomain_valid(const char *s, size_t len)
{
	size_t	start = 0;

	if (len < 1 || len > LABEL_PREFIX_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!(islower((unsigned char)s[i]) ||
			    isdigit((unsigned char)s[i]) || s[i] == '-'))
				return 0;
			continue;
		}
		/* One part: s[start .. i) */
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* [prefix/]name, where prefix is a lowercase DNS subdomain. */
static int
label_key_valid(const char *key)
{
	const char	*slash = strchr(key, '/');

	if (slash == NULL)
		return label_name_valid(key, strlen(key));
	return dns_subdomain_valid(key, (size_t)(slash - key)) &&
	    label_name_valid(slash + 1, strlen(slash + 1));
}

/* Launch plan identifier parts: what Admin accepts in a URL path segment. */
static int
identifier_valid(const char *s, size_t len)
{
	return len >= 1 && len <= 255 && chars_in(s, len, "_.-");
}

static char *
dup_range(const char *s, size_t len)
{
	char	*copy = malloc(len + 1);

	if (copy != NULL) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

int
schedule_set_launch_plan(struct schedule *s, const char *ref, struct err *e)
{
	const char	*p1, *p2, *at, *end = ref + strlen(ref);
	char		*project = NULL, *domain = NULL, *name = NULL;
	char		*version = NULL;

	if ((p1 = strchr(ref, '/')) == NULL || (p2 = strchr(p1 + 1, '/')) == NULL ||
	    strchr(p2 + 1, '/') != NULL)
		goto bad;
	if ((at = strchr(p2 + 1, '@')) == NULL)
		at = end;
	if (!identifier_valid(ref, (size_t)(p1 - ref)) ||
	    !identifier_valid(p1 + 1, (size_t)(p2 - p1 - 1)) ||
	    !identifier_valid(p2 + 1, (size_t)(at - p2 - 1)) ||
	    (at != end && !identifier_valid(at + 1, (size_t)(end - at - 1))))
		goto bad;
	if ((project = dup_range(ref, (size_t)(p1 - ref))) == NULL ||
	    (domain = dup_range(p1 + 1, (size_t)(p2 - p1 - 1))) == NULL ||
	    (name = dup_range(p2 + 1, (size_t)(at - p2 - 1))) == NULL ||
	    (at != end && (version = strdup(at + 1)) == NULL)) {
		free(project);
		free(domain);
		free(name);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	free(s->project);
	free(s->domain);
	free(s->launch_plan);
	free(s->version);
	s->project = project;
	s->domain = domain;
	s->launch_plan = name;
	s->version = version;
	return 0;
 bad:
	err_set_code(e, EX_DATAERR, "launch plan \"%s\" is not "
	    "PROJECT/DOMAIN/NAME[@VERSION]", ref);
	return -1;
}

/* Parse a field's JSON object text strictly; -1 with e naming the field. */
static int
parse_object(const char *field, const char *text, cJSON **doc, struct err *e)
{
	struct err	sub;

	if (json_parse_strict(text, doc, &sub) == -1) {
		err_set_code(e, sub.code, "%s: %s", field, sub.msg);
		return -1;
	}
	if (!cJSON_IsObject(*doc)) {
		err_set_code(e, EX_DATAERR, "%s: not a JSON object", field);
		cJSON_Delete(*doc);
		*doc = NULL;
		return -1;
	}
	return 0;
}

/* A JSON object whose values are all strings that pass check (NULL: any string). */
static int
check_string_map(const char *field, const char *text,
    int (*check_key)(const char *), int check_values, struct err *e)
{
	cJSON	*doc, *item;
	int	 rc = -1;

	if (parse_object(field, text, &doc, e) == -1)
		return -1;
	cJSON_ArrayForEach(item, doc) {
		if (!check_key(item->string)) {
			err_set_code(e, EX_DATAERR, "%s: key \"%s\" is not a "
			    "valid Kubernetes label key", field, item->string);
			goto out;
		}
		if (!cJSON_IsString(item)) {
			err_set_code(e, EX_DATAERR, "%s: value of \"%s\" is "
			    "not a string", field, item->string);
			goto out;
		}
		if (check_values && item->valuestring[0] != '\0' &&
		    !label_name_valid(item->valuestring,
		    strlen(item->valuestring))) {
			err_set_code(e, EX_DATAERR, "%s: value \"%s\" of \"%s\" "
			    "is not a valid Kubernetes label value (at most 63 "
			    "of [A-Za-z0-9_.-], alphanumeric at both ends)",
			    field, item->valuestring, item->string);
			goto out;
		}
	}
	rc = 0;
 out:
	cJSON_Delete(doc);
	return rc;
}

/*
 * One input's value, depth levels down (1: the value itself). JSON numbers
 * are doubles here, and cJSON prints 15 significant digits when they read
 * back "close enough": an integer of 16 digits or more would be stored
 * changed, so refuse it and say how to keep it exact. A value nested deeper
 * than the conversion to a Flyte literal goes could never fire.
 */
static int
check_input(const cJSON *node, const char *input, int depth, struct err *e)
{
	const cJSON	*child;

	if (depth > LITERAL_DEPTH_MAX) {
		err_set_code(e, EX_DATAERR, "input %s: nested deeper than %d "
		    "levels", input, LITERAL_DEPTH_MAX);
		return -1;
	}
	if (cJSON_IsNumber(node) && (node->valuedouble >= 1e15 ||
	    node->valuedouble <= -1e15)) {
		err_set_code(e, EX_DATAERR, "input %s: numbers of 16 digits or "
		    "more cannot be kept exactly; write it as a string "
		    "(\"...\")", input);
		return -1;
	}
	cJSON_ArrayForEach(child, node)
		if (check_input(child, input, depth + 1, e) == -1)
			return -1;
	return 0;
}

int
schedule_validate(const struct schedule *s, const char *tzdir, struct err *e)
{
	struct cron_expr	 expr;
	struct tz_zone		*zone = NULL;
	struct err		 sub;
	cJSON			*inputs, *input;

	if (s->name == NULL || !schedule_name_valid(s->name)) {
		err_set_code(e, EX_DATAERR, "name \"%s\" must match "
		    "^[A-Za-z0-9_.-]{1,128}$", s->name ? s->name : "");
		return -1;
	}
	if (s->project == NULL || s->domain == NULL || s->launch_plan == NULL) {
		err_set_code(e, EX_DATAERR, "launch plan is missing");
		return -1;
	}
	if (s->cron == NULL) {
		err_set_code(e, EX_DATAERR, "cron is missing");
		return -1;
	}
	for (const char *p = s->cron; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p) && *p != '\t') {
			err_set_code(e, EX_DATAERR, "cron must be one line");
			return -1;
		}
	if (cron_parse(s->cron, &expr, &sub) == -1) {
		err_set_code(e, EX_DATAERR, "cron \"%s\": %s", s->cron, sub.msg);
		return -1;
	}
	if (tz_zone_load(tzdir, s->tz ? s->tz : "UTC", &zone, &sub) == -1) {
		err_set_code(e, EX_DATAERR, "%s", sub.msg);
		return -1;
	}
	tz_zone_free(zone);
	if (parse_object("inputs", s->inputs ? s->inputs : "{}", &inputs,
	    e) == -1)
		return -1;
	cJSON_ArrayForEach(input, inputs)
		if (check_input(input, input->string, 1, e) == -1) {
			cJSON_Delete(inputs);
			return -1;
		}
	if (s->kickoff_input != NULL &&
	    cJSON_GetObjectItemCaseSensitive(inputs, s->kickoff_input) != NULL) {
		cJSON_Delete(inputs);
		err_set_code(e, EX_DATAERR, "kickoff input \"%s\" is also given "
		    "in inputs", s->kickoff_input);
		return -1;
	}
	cJSON_Delete(inputs);
	if (template_check(s->inputs ? s->inputs : "{}", e) == -1)
		return -1;
	if (s->kickoff_input != NULL && ((!isalpha((unsigned char)
	    s->kickoff_input[0]) && s->kickoff_input[0] != '_') ||
	    !chars_in(s->kickoff_input, strlen(s->kickoff_input), "_"))) {
		err_set_code(e, EX_DATAERR, "kickoff input \"%s\" is not an "
		    "input name", s->kickoff_input);
		return -1;
	}
	if (check_string_map("labels", s->labels ? s->labels : "{}",
	    label_key_valid, 1, e) == -1 ||
	    check_string_map("annotations",
	    s->annotations ? s->annotations : "{}", label_key_valid, 0, e) == -1)
		return -1;
	if (s->service_account != NULL &&
	    !dns_subdomain_valid(s->service_account, strlen(s->service_account))) {
		err_set_code(e, EX_DATAERR, "service account \"%s\" is not a "
		    "Kubernetes name (lowercase [a-z0-9.-], at most 253)",
		    s->service_account);
		return -1;
	}
	if (s->catchup != NULL && strcmp(s->catchup, "all") != 0 &&
	    strcmp(s->catchup, "latest") != 0 && strcmp(s->catchup, "none") != 0) {
		err_set_code(e, EX_DATAERR, "catchup \"%s\" is not all, latest "
		    "or none", s->catchup);
		return -1;
	}
	if (s->overlap != NULL && strcmp(s->overlap, "allow") != 0 &&
	    strcmp(s->overlap, "skip") != 0 &&
	    strcmp(s->overlap, "buffer-one") != 0 &&
	    strcmp(s->overlap, "cancel-previous") != 0) {
		err_set_code(e, EX_DATAERR, "overlap \"%s\" is not allow, skip, "
		    "buffer-one or cancel-previous", s->overlap);
		return -1;
	}
	if (s->note != NULL && !json_utf8_valid(s->note, strlen(s->note))) {
		err_set_code(e, EX_DATAERR, "note: not valid UTF-8");
		return -1;
	}
	if (s->catchup_window < 0) {
		err_set_code(e, EX_DATAERR, "catchup window %lld is negative",
		    (long long)s->catchup_window);
		return -1;
	}
	return 0;
}

/* Add a string member, or JSON null for NULL. */
static int
add_string(cJSON *obj, const char *key, const char *value)
{
	return (value ? cJSON_AddStringToObject(obj, key, value) :
	    cJSON_AddNullToObject(obj, key)) != NULL;
}

static int
add_raw_json(cJSON *obj, const char *key, const char *text)
{
	cJSON	*value = cJSON_Parse(text ? text : "{}");

	if (value == NULL)
		return 0;
	return cJSON_AddItemToObject(obj, key, value);
}

static int
add_time(cJSON *obj, const char *key, int64_t t)
{
	char	buf[32];

	if (civil_format_rfc3339(t, 0, buf, sizeof(buf)) == -1)
		return 0;
	return cJSON_AddStringToObject(obj, key, buf) != NULL;
}

char *
schedule_to_json(const struct schedule *s)
{
	cJSON	*obj = cJSON_CreateObject();
	char	*text = NULL;

	if (obj == NULL || !add_string(obj, "name", s->name) ||
	    !add_string(obj, "project", s->project) ||
	    !add_string(obj, "domain", s->domain) ||
	    !add_string(obj, "launch_plan", s->launch_plan) ||
	    !add_string(obj, "version", s->version) ||
	    !add_string(obj, "cron", s->cron) || !add_string(obj, "tz", s->tz) ||
	    !add_raw_json(obj, "inputs", s->inputs) ||
	    !add_string(obj, "kickoff_input", s->kickoff_input) ||
	    !add_raw_json(obj, "labels", s->labels) ||
	    !add_raw_json(obj, "annotations", s->annotations) ||
	    !add_string(obj, "service_account", s->service_account) ||
	    !add_string(obj, "catchup", s->catchup) ||
	    !cJSON_AddNumberToObject(obj, "catchup_window_seconds",
	    (double)s->catchup_window) ||
	    !add_string(obj, "overlap", s->overlap) ||
	    !cJSON_AddBoolToObject(obj, "paused", s->paused) ||
	    !add_string(obj, "note", s->note) ||
	    !add_time(obj, "created_at", s->created_at) ||
	    !add_time(obj, "updated_at", s->updated_at) ||
	    !add_time(obj, "active_since", s->active_since) ||
	    !add_string(obj, "source", s->source))
		goto out;
	text = cJSON_PrintUnformatted(obj);
 out:
	cJSON_Delete(obj);
	return text;
}

/* Replace *field with a copy of value (NULL clears it). Returns 0, or -1 when out of memory. */
static int
set_string(char **field, const char *value)
{
	char	*copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

cJSON *
schedule_spec(const struct schedule *s)
{
	cJSON	*obj = cJSON_CreateObject();
	char	 lp[1024], window[32];

	snprintf(lp, sizeof(lp), "%s/%s/%s%s%s", s->project, s->domain,
	    s->launch_plan, s->version ? "@" : "", s->version ? s->version : "");
	civil_format_duration(s->catchup_window, window, sizeof(window));
	if (obj == NULL || !add_string(obj, "name", s->name) ||
	    !add_string(obj, "lp", lp) || !add_string(obj, "cron", s->cron) ||
	    !add_string(obj, "tz", s->tz) ||
	    !add_raw_json(obj, "inputs", s->inputs) ||
	    (s->kickoff_input &&
	    !add_string(obj, "kickoff_input", s->kickoff_input)) ||
	    !add_raw_json(obj, "labels", s->labels) ||
	    !add_raw_json(obj, "annotations", s->annotations) ||
	    (s->service_account &&
	    !add_string(obj, "service_account", s->service_account)) ||
	    !add_string(obj, "catchup", s->catchup) ||
	    !add_string(obj, "catchup_window", window) ||
	    !add_string(obj, "overlap", s->overlap) ||
	    !cJSON_AddBoolToObject(obj, "paused", s->paused) ||
	    (s->note && !add_string(obj, "note", s->note))) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

/* A spec member that must be a string (or absent: def). */
static int
spec_string(const cJSON *spec, const char *key, const char *def, char **field,
    struct err *e)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(spec, key);

	if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsString(item)) {
		err_set_code(e, EX_DATAERR, "%s: not a string", key);
		return -1;
	}
	if (set_string(field, cJSON_IsString(item) ? item->valuestring :
	    def) == -1) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* A spec member that must be an object (absent: {}), kept as JSON text. */
static int
spec_object(const cJSON *spec, const char *key, char **field, struct err *e)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(spec, key);
	char		*text;

	if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsObject(item)) {
		err_set_code(e, EX_DATAERR, "%s: not a mapping", key);
		return -1;
	}
	text = cJSON_IsObject(item) ? cJSON_PrintUnformatted(item) :
	    strdup("{}");
	if (text == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	free(*field);
	*field = text;
	return 0;
}

int
schedule_from_spec(const cJSON *spec, struct schedule *s, struct err *e)
{
	static const char *const keys[] = {
		"name", "lp", "cron", "tz", "inputs", "kickoff_input", "labels",
		"annotations", "service_account", "catchup", "catchup_window",
		"overlap", "paused", "note", NULL
	};
	const cJSON	*item;
	char		*lp = NULL;
	int		 rc = -1;

	if (!cJSON_IsObject(spec)) {
		err_set_code(e, EX_DATAERR, "a schedule must be a mapping");
		return -1;
	}
	cJSON_ArrayForEach(item, spec) {
		int	known = 0;

		for (int i = 0; keys[i] != NULL; i++)
			known |= strcmp(item->string, keys[i]) == 0;
		if (!known) {
			err_set_code(e, EX_DATAERR, "%s: unknown field",
			    item->string);
			return -1;
		}
	}
	if (spec_string(spec, "name", NULL, &s->name, e) == -1 ||
	    spec_string(spec, "lp", NULL, &lp, e) == -1 ||
	    spec_string(spec, "cron", NULL, &s->cron, e) == -1 ||
	    spec_string(spec, "tz", "UTC", &s->tz, e) == -1 ||
	    spec_object(spec, "inputs", &s->inputs, e) == -1 ||
	    spec_string(spec, "kickoff_input", NULL, &s->kickoff_input, e) == -1 ||
	    spec_object(spec, "labels", &s->labels, e) == -1 ||
	    spec_object(spec, "annotations", &s->annotations, e) == -1 ||
	    spec_string(spec, "service_account", NULL, &s->service_account,
	    e) == -1 ||
	    spec_string(spec, "catchup", "latest", &s->catchup, e) == -1 ||
	    spec_string(spec, "overlap", "allow", &s->overlap, e) == -1 ||
	    spec_string(spec, "note", NULL, &s->note, e) == -1)
		goto out;
	if (s->name == NULL || lp == NULL || s->cron == NULL) {
		err_set_code(e, EX_DATAERR, "%s: missing", s->name == NULL ?
		    "name" : lp == NULL ? "lp" : "cron");
		goto out;
	}
	if (schedule_set_launch_plan(s, lp, e) == -1)
		goto out;
	item = cJSON_GetObjectItemCaseSensitive(spec, "catchup_window");
	s->catchup_window = 3600;
	if (cJSON_IsNumber(item) && item->valuedouble >= 0 &&
	    item->valuedouble <= 366 * 86400.0 &&
	    item->valuedouble == (double)(int64_t)item->valuedouble)
		s->catchup_window = (int64_t)item->valuedouble;
	else if (cJSON_IsString(item) && strcmp(item->valuestring, "0") == 0)
		s->catchup_window = 0;
	else if (cJSON_IsString(item)) {
		if (civil_parse_duration(item->valuestring, 366 * 86400,
		    &s->catchup_window) == -1) {
			err_set_code(e, EX_DATAERR, "catchup_window: \"%s\" is "
			    "not a duration like 30m, 2h, 1d (at most 366d)",
			    item->valuestring);
			goto out;
		}
	} else if (item != NULL && !cJSON_IsNull(item)) {
		err_set_code(e, EX_DATAERR, "catchup_window: not a duration "
		    "like 30m, 2h, 1d");
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(spec, "paused");
	if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsBool(item)) {
		err_set_code(e, EX_DATAERR, "paused: not true or false");
		goto out;
	}
	s->paused = cJSON_IsTrue(item);
	rc = 0;
 out:
	free(lp);
	return rc;
}

static uint64_t
digest_field(uint64_t h, const char *text, int first)
{
	const uint64_t	prime = 0x100000001b3ULL;

	if (!first)
		h = (h ^ 0x1f) * prime;
	if (text == NULL)
		return (h ^ 0x1e) * prime;
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	    p++)
		h = (h ^ *p) * prime;
	return h;
}

uint64_t
schedule_digest(const struct schedule *s)
{
	char		window[24];
	const char	*fields[] = { s->name, s->project, s->domain,
			    s->launch_plan, s->version, s->cron, s->tz,
			    s->inputs, s->kickoff_input, s->labels,
			    s->annotations, s->service_account, s->catchup,
			    window, s->overlap, s->paused ? "1" : "0" };
	uint64_t	h = 0xcbf29ce484222325ULL;

	snprintf(window, sizeof(window), "%lld", (long long)s->catchup_window);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		h = digest_field(h, fields[i], i == 0);
	h += 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}
