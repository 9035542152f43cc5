/* tz.c: IANA time zones from TZif files (RFC 8536) and their POSIX TZ footer rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedd/civil.h"
#include "schedd/tz.h"

/* A POSIX TZ rule date: Jn, n or Mm.w.d, and the local time of day it takes effect. */
struct tz_rule_date {
	char	kind;		/* 'J' (1-365, no Feb 29), 'D' (0-365), 'M' */
	int	day;		/* J or D: the day; M: day of week 0-6 */
	int	week;		/* M: 1-5, 5 = last */
	int	month;		/* M: 1-12 */
	int32_t	time;		/* seconds after local midnight, may be < 0 or > 24h */
};

/* The footer rule: a standard offset, and optionally a DST offset with its dates. */
struct tz_rule {
	int32_t			std_offset;	/* seconds east of UTC */
	int32_t			dst_offset;
	int			has_dst;
	struct tz_rule_date	start;		/* std -> dst, in standard local time */
	struct tz_rule_date	end;		/* dst -> std, in daylight local time */
};

struct tz_zone {
	char		 name[128];
	int64_t		*at;		/* instants where the offset changes, ascending */
	int32_t		*offset;	/* offset[i] in force from at[i] */
	size_t		 count;
	int32_t		 initial;	/* offset before at[0] (or always, if count == 0) */
	int		 has_rule;	/* footer rule governs instants after at[count-1] */
	struct tz_rule	 rule;
};

struct tz_cache_entry {
	struct tz_zone	*zone;
};

struct tz_cache {
	char			*dir;
	struct tz_cache_entry	*entries;
	size_t			 count;
	size_t			 cap;
};

#define TZIF_HEADER	44
#define RULE_MAX_TIME	(167 * 3600)	/* RFC 8536 3.3.1: hours -167..167 */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* --- POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0") --- */

static int
rule_number(const char **p, int max, int *value)
{
	int	v = 0, n = 0;

	while (**p >= '0' && **p <= '9' && n < 4) {
		v = v * 10 + (*(*p)++ - '0');
		n++;
	}
	if (n == 0 || v > max)
		return -1;
	*value = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to max_hours. */
static int
rule_hms(const char **p, int max_hours, int32_t *seconds)
{
	int	sign = 1, h, m = 0, s = 0;

	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (rule_number(p, max_hours, &h) == -1)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (rule_number(p, 59, &m) == -1)
			return -1;
		if (**p == ':') {
			(*p)++;
			if (rule_number(p, 59, &s) == -1)
				return -1;
		}
	}
	*seconds = sign * (h * 3600 + m * 60 + s);
	return 0;
}

/* A zone abbreviation: letters, or <anything but '>'>; must be 3 or more characters. */
static int
rule_name(const char **p)
{
	const char	*s = *p;

	if (*s == '<') {
		while (*++s != '>')
			if (*s == '\0' || *s == '\n')
				return -1;
		if (s - *p - 1 < 1)
			return -1;
		*p = s + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	if (s - *p < 3)
		return -1;
	*p = s;
	return 0;
}

static int
rule_date(const char **p, struct tz_rule_date *d)
{
	d->time = 2 * 3600;
	if (**p == 'J') {
		(*p)++;
		d->kind = 'J';
		if (rule_number(p, 365, &d->day) == -1 || d->day < 1)
			return -1;
	} else if (**p == 'M') {
		(*p)++;
		d->kind = 'M';
		if (rule_number(p, 12, &d->month) == -1 || d->month < 1 ||
		    *(*p)++ != '.' || rule_number(p, 5, &d->week) == -1 ||
		    d->week < 1 || *(*p)++ != '.' ||
		    rule_number(p, 6, &d->day) == -1)
			return -1;
	} else {
		d->kind = 'D';
		if (rule_number(p, 365, &d->day) == -1)
			return -1;
	}
	if (**p == '/') {
		(*p)++;
		if (rule_hms(p, 167, &d->time) == -1)
			return -1;
	}
	return 0;
}

/* Parse a POSIX TZ string up to its end or a newline. Returns 0 or -1. */
static int
rule_parse(const char *s, struct tz_rule *r)
{
	int32_t	off;

	memset(r, 0, sizeof(*r));
	if (rule_name(&s) == -1 || rule_hms(&s, 24, &off) == -1)
		return -1;
	r->std_offset = -off;		/* POSIX offsets are west of UTC */
	if (*s == '\0' || *s == '\n')
		return 0;
	if (rule_name(&s) == -1)
		return -1;
	r->has_dst = 1;
	r->dst_offset = r->std_offset + 3600;
	if (*s != ',' && *s != '\0' && *s != '\n') {
		if (rule_hms(&s, 24, &off) == -1)
			return -1;
		r->dst_offset = -off;
	}
	if (*s == '\0' || *s == '\n') {
		/* POSIX leaves the default to the implementation; use US rules. */
		r->start = (struct tz_rule_date){ 'M', 0, 2, 3, 7200 };
		r->end = (struct tz_rule_date){ 'M', 0, 1, 11, 7200 };
		return 0;
	}
	if (*s++ != ',' || rule_date(&s, &r->start) == -1 || *s++ != ',' ||
	    rule_date(&s, &r->end) == -1)
		return -1;
	return *s == '\0' || *s == '\n' ? 0 : -1;
}

/* Day number (days since 1970) of a rule date in a year. */
static int64_t
rule_day(const struct tz_rule_date *d, int64_t year)
{
	int64_t	jan1 = civil_days_from_date(year, 1, 1);
	int64_t	first, day;

	switch (d->kind) {
	case 'J':	/* 1-365, Feb 29 never counted */
		return jan1 + d->day - 1 +
		    (civil_is_leap(year) && d->day >= 60);
	case 'D':
		return jan1 + d->day;
	default:
		first = civil_days_from_date(year, d->month, 1);
		day = first + (d->day - civil_weekday(first) + 7) % 7 +
		    7 * (d->week - 1);
		while (day >= first + civil_days_in_month(year, d->month))
			day -= 7;
		return day;
	}
}

/* The rule's change instants around a year, sorted, as (instant, new offset). */
struct tz_event {
	int64_t	at;
	int32_t	offset;
};

static size_t
rule_events(const struct tz_rule *r, int64_t year, struct tz_event ev[6])
{
	size_t	n = 0;

	for (int64_t y = year - 1; y <= year + 1; y++) {
		ev[n].at = rule_day(&r->start, y) * 86400 + r->start.time -
		    r->std_offset;
		ev[n++].offset = r->dst_offset;
		ev[n].at = rule_day(&r->end, y) * 86400 + r->end.time -
		    r->dst_offset;
		ev[n++].offset = r->std_offset;
	}
	/* Insertion sort: six elements. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ev[j].at < ev[j - 1].at; j--) {
			struct tz_event	tmp = ev[j];

			ev[j] = ev[j - 1];
			ev[j - 1] = tmp;
		}
	return n;
}

/*
 * The span of t under the rule alone. Events at the same instant collapse to
 * the last one, and events that do not change the offset are passed over, so
 * DST all year (written as back-to-back dates) is one long span.
 */
static void
rule_span(const struct tz_rule *r, int64_t t, struct tz_span *span)
{
	struct tz_event		ev[6];
	struct civil_time	ct;
	size_t			n, m = 0, i;
	int32_t			cur;

	span->start = INT64_MIN;
	span->end = INT64_MAX;
	span->offset = span->prev_offset = r->std_offset;
	if (!r->has_dst)
		return;
	if (t < CIVIL_MIN_SECONDS)
		t = CIVIL_MIN_SECONDS;
	if (t > CIVIL_MAX_SECONDS)
		t = CIVIL_MAX_SECONDS;
	civil_from_seconds(t, &ct);
	n = rule_events(r, ct.year, ev);
	for (i = 0; i < n; i++) {
		if (m > 0 && ev[m - 1].at == ev[i].at)
			ev[m - 1] = ev[i];
		else
			ev[m++] = ev[i];
	}
	/* Before the first event the other offset of the pair held. */
	cur = ev[0].offset == r->dst_offset ? r->std_offset : r->dst_offset;
	span->offset = span->prev_offset = cur;
	for (i = 0; i < m; i++) {
		if (ev[i].offset == cur)
			continue;
		if (ev[i].at > t) {
			span->end = ev[i].at;
			break;
		}
		span->prev_offset = cur;
		span->start = ev[i].at;
		span->offset = cur = ev[i].offset;
	}
}

/* --- TZif --- */

struct tzif_counts {
	uint32_t	isut, isstd, leap, time, type, chars;
};

static void
tzif_counts(const unsigned char *h, struct tzif_counts *c)
{
	c->isut = be32(h + 20);
	c->isstd = be32(h + 24);
	c->leap = be32(h + 28);
	c->time = be32(h + 32);
	c->type = be32(h + 36);
	c->chars = be32(h + 40);
}

/* Size of a data block with times of `width` bytes; 0 when the counts are absurd. */
static size_t
tzif_block_size(const struct tzif_counts *c, size_t width)
{
	if (c->time > 100000 || c->type > 256 || c->type == 0 ||
	    c->chars > 100000 || c->leap > 100000 ||
	    (c->isstd != 0 && c->isstd != c->type) ||
	    (c->isut != 0 && c->isut != c->type))
		return 0;
	return c->time * width + c->time + c->type * 6 + c->chars +
	    c->leap * (width + 4) + c->isstd + c->isut;
}

int
tz_zone_parse(const char *name, const unsigned char *data, size_t len,
    struct tz_zone **zone, struct err *e)
{
	struct tz_zone		*z = NULL;
	struct tzif_counts	 c;
	const unsigned char	*p, *types, *idx;
	size_t			 block, width = 4;
	int32_t			 last;

	if (len < TZIF_HEADER || memcmp(data, "TZif", 4) != 0)
		goto bad;
	tzif_counts(data, &c);
	if ((block = tzif_block_size(&c, 4)) == 0 ||
	    len - TZIF_HEADER < block)
		goto bad;
	p = data + TZIF_HEADER;
	if (data[4] >= '2') {
		/* Skip the v1 block; the 64-bit one follows with its own header. */
		p += block;
		if ((size_t)(data + len - p) < TZIF_HEADER ||
		    memcmp(p, "TZif", 4) != 0)
			goto bad;
		tzif_counts(p, &c);
		width = 8;
		if ((block = tzif_block_size(&c, 8)) == 0 ||
		    (size_t)(data + len - p) - TZIF_HEADER < block)
			goto bad;
		p += TZIF_HEADER;
	}
	if ((z = calloc(1, sizeof(*z))) == NULL)
		goto nomem;
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (c.time > 0 && ((z->at = calloc(c.time, sizeof(*z->at))) == NULL ||
	    (z->offset = calloc(c.time, sizeof(*z->offset))) == NULL))
		goto nomem;
	idx = p + c.time * width;
	types = idx + c.time;
	for (uint32_t i = 0; i < c.type; i++) {
		int32_t	off = (int32_t)be32(types + 6 * i);

		if (off <= -25 * 3600 || off >= 26 * 3600 ||
		    types[6 * i + 5] >= (c.chars ? c.chars : 1))
			goto bad;
	}
	z->initial = last = (int32_t)be32(types);
	for (uint32_t i = 0; i < c.time; i++) {
		int64_t	at = width == 8 ? be64(p + 8 * i) :
		    (int32_t)be32(p + 4 * i);
		int32_t	off;

		if (idx[i] >= c.type)
			goto bad;
		if (z->count > 0 && at <= z->at[z->count - 1])
			goto bad;
		off = (int32_t)be32(types + 6 * idx[i]);
		/* Keep only real offset changes: isdst or name changes alone do not matter here. */
		if (off == last)
			continue;
		z->at[z->count] = at;
		z->offset[z->count++] = off;
		last = off;
	}
	if (width == 8) {
		const unsigned char	*f = p + block, *end = data + len;

		if (f < end && *f == '\n' && f + 1 < end && f[1] != '\n') {
			char	footer[128];
			size_t	n = 0;

			for (f++; f < end && *f != '\n' && n + 1 < sizeof(footer); f++)
				footer[n++] = (char)*f;
			footer[n] = '\0';
			if (f >= end || *f != '\n' || rule_parse(footer, &z->rule) == -1)
				goto bad;
			z->has_rule = 1;
		}
	}
	*zone = z;
	return 0;
 nomem:
	tz_zone_free(z);
	err_set(e, "time zone %s: out of memory", name);
	return -1;
 bad:
	tz_zone_free(z);
	err_set(e, "time zone %s: not a valid TZif file", name);
	return -1;
}

struct tz_zone *
tz_zone_utc(void)
{
	struct tz_zone	*z;

	if ((z = calloc(1, sizeof(*z))) != NULL)
		snprintf(z->name, sizeof(z->name), "UTC");
	return z;
}

static int
zone_name_valid(const char *name)
{
	if (name[0] == '\0' || name[0] == '/' || strlen(name) >= 100 ||
	    strstr(name, "..") != NULL)
		return 0;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '/' || *s == '_' ||
		    *s == '+' || *s == '-'))
			return 0;
	return 1;
}

int
tz_zone_load(const char *dir, const char *name, struct tz_zone **zone,
    struct err *e)
{
	char		 path[4096];
	unsigned char	*data = NULL;
	FILE		*f = NULL;
	size_t		 len = 0, cap = 0, n;
	int		 rc = -1;

	if (strcmp(name, "UTC") == 0) {
		if ((*zone = tz_zone_utc()) == NULL) {
			err_set(e, "time zone UTC: out of memory");
			return -1;
		}
		return 0;
	}
	if (!zone_name_valid(name)) {
		err_set(e, "unknown time zone \"%s\"", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : TZ_DEFAULT_DIR, name);
	if ((f = fopen(path, "rb")) == NULL) {
		err_set(e, "unknown time zone \"%s\"", name);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			unsigned char	*bigger;

			cap = cap ? cap * 2 : 4096;
			if (cap > (1 << 20) ||
			    (bigger = realloc(data, cap)) == NULL) {
				err_set(e, "time zone %s: file too large", name);
				goto fail;
			}
			data = bigger;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err_set(e, "time zone %s: %s", name, strerror(errno));
		goto fail;
	}
	rc = tz_zone_parse(name, data, len, zone, e);
 fail:
	free(data);
	fclose(f);
	return rc;
}

void
tz_zone_free(struct tz_zone *zone)
{
	if (zone == NULL)
		return;
	free(zone->at);
	free(zone->offset);
	free(zone);
}

const char *
tz_zone_name(const struct tz_zone *zone)
{
	return zone->name;
}

int
tz_zone_is_fixed(const struct tz_zone *zone)
{
	return zone->count == 0 && (!zone->has_rule || !zone->rule.has_dst);
}

void
tz_span_at(const struct tz_zone *zone, int64_t t, struct tz_span *span)
{
	size_t	lo, hi, last;

	span->start = INT64_MIN;
	span->end = INT64_MAX;
	span->offset = span->prev_offset = zone ? zone->initial : 0;
	if (zone == NULL)
		return;
	if (zone->count == 0) {
		if (zone->has_rule)
			rule_span(&zone->rule, t, span);
		return;
	}
	if (t < zone->at[0]) {
		span->end = zone->at[0];
		return;
	}
	last = zone->count - 1;
	if (t >= zone->at[last] && zone->has_rule) {
		struct tz_span	before;

		rule_span(&zone->rule, t, span);
		/*
		 * Where the table ends and the rule takes over, the table is
		 * right: its last change may come after the rule's last one
		 * before t, and it says what held before the rule's first.
		 */
		if (span->start <= zone->at[last]) {
			span->start = zone->at[last];
			span->offset = zone->offset[last];
			span->prev_offset = last > 0 ?
			    zone->offset[last - 1] : zone->initial;
		} else if (span->start > zone->at[last]) {
			rule_span(&zone->rule, span->start - 1, &before);
			if (before.start <= zone->at[last])
				span->prev_offset = zone->offset[last];
		}
		return;
	}
	/* Binary search for the last at[i] <= t. */
	lo = 0;
	hi = zone->count;
	while (hi - lo > 1) {
		size_t	mid = lo + (hi - lo) / 2;

		if (zone->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	span->start = zone->at[lo];
	span->offset = zone->offset[lo];
	span->prev_offset = lo > 0 ? zone->offset[lo - 1] : zone->initial;
	if (lo < last)
		span->end = zone->at[lo + 1];
}

int32_t
tz_offset_at(const struct tz_zone *zone, int64_t t)
{
	struct tz_span	span;

	tz_span_at(zone, t, &span);
	return span.offset;
}

struct tz_cache *
tz_cache_new(const char *dir)
{
	struct tz_cache	*cache;

	if ((cache = calloc(1, sizeof(*cache))) == NULL)
		return NULL;
	if (dir != NULL && (cache->dir = strdup(dir)) == NULL) {
		free(cache);
		return NULL;
	}
	return cache;
}

int
tz_cache_get(struct tz_cache *cache, const char *name,
    const struct tz_zone **zone, struct err *e)
{
	struct tz_zone	*z;

	for (size_t i = 0; i < cache->count; i++)
		if (strcmp(cache->entries[i].zone->name, name) == 0) {
			*zone = cache->entries[i].zone;
			return 0;
		}
	if (cache->count == cache->cap) {
		size_t			 cap = cache->cap ? cache->cap * 2 : 8;
		struct tz_cache_entry	*bigger;

		if ((bigger = realloc(cache->entries,
		    cap * sizeof(*bigger))) == NULL) {
			err_set(e, "time zone %s: out of memory", name);
			return -1;
		}
		cache->entries = bigger;
		cache->cap = cap;
	}
	if (tz_zone_load(cache->dir, name, &z, e) == -1)
		return -1;
	cache->entries[cache->count++].zone = z;
	*zone = z;
	return 0;
}

void
tz_cache_free(struct tz_cache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < cache->count; i++)
		tz_zone_free(cache->entries[i].zone);
	free(cache->entries);
	free(cache->dir);
	free(cache);
}
