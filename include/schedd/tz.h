/* tz.h: IANA time zones read from TZif files; UTC offsets of instants. Pure but for tz_zone_load. */
#ifndef SCHEDD_TZ_H
#define SCHEDD_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"

struct tz_zone;			/* opaque, immutable once loaded */
struct tz_cache;		/* zones by name, each loaded once */

/*
 * A span of instants [start, end) during which a zone's UTC offset is constant.
 * start is INT64_MIN before the first transition, end INT64_MAX after the last.
 */
struct tz_span {
	int64_t	start;		/* first instant with this offset */
	int64_t	end;		/* first instant with the next offset */
	int32_t	offset;		/* seconds east of UTC during the span */
	int32_t	prev_offset;	/* offset before start (== offset if none) */
};

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"

/*
 * Build a zone from the bytes of a TZif file (v1, v2, v3 or v4). The POSIX TZ
 * footer, when present, governs instants after the last transition.
 * Returns 0, or -1 with e filled in. name is copied.
 */
int	tz_zone_parse(const char *name, const unsigned char *data, size_t len,
	    struct tz_zone **zone, struct err *e);

/*
 * Load zone `name` ("America/New_York") from directory dir (NULL: TZ_DEFAULT_DIR).
 * "UTC" needs no file. Names with "..", a leading '/', or characters other
 * than [A-Za-z0-9/_+-] are refused. Returns 0, or -1 with e filled in.
 */
int	tz_zone_load(const char *dir, const char *name, struct tz_zone **zone,
	    struct err *e);

/* The zone UTC: no transitions, offset 0. Returns NULL only when out of memory. */
struct tz_zone	*tz_zone_utc(void);

void		 tz_zone_free(struct tz_zone *zone);
const char	*tz_zone_name(const struct tz_zone *zone);
/* 1 when the zone never changes offset (UTC, Asia/Kolkata today is not: it has history). */
int		 tz_zone_is_fixed(const struct tz_zone *zone);

/* The span containing instant t. */
void	tz_span_at(const struct tz_zone *zone, int64_t t, struct tz_span *span);
/* UTC offset in seconds at instant t. */
int32_t	tz_offset_at(const struct tz_zone *zone, int64_t t);

/* A cache of zones: tz_cache_get loads a zone on first use and shares it afterwards. */
struct tz_cache	*tz_cache_new(const char *dir);
int		 tz_cache_get(struct tz_cache *cache, const char *name,
		    const struct tz_zone **zone, struct err *e);
void		 tz_cache_free(struct tz_cache *cache);

#endif
