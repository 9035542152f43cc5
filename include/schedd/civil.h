/* civil.h: proleptic Gregorian calendar arithmetic and RFC 3339 text. Pure. */
#ifndef SCHEDD_CIVIL_H
#define SCHEDD_CIVIL_H

#include <stddef.h>
#include <stdint.h>

#include "schedd/err.h"

/* Instants are int64_t seconds since 1970-01-01T00:00:00Z (leap seconds ignored). */

struct civil_time {
	int	year;		/* 1..9999 in everything that formats or parses text */
	int	month;		/* 1-12 */
	int	day;		/* 1-31 */
	int	hour;		/* 0-23 */
	int	minute;		/* 0-59 */
	int	second;		/* 0-59 */
};

#define CIVIL_MIN_SECONDS	(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define CIVIL_MAX_SECONDS	253402300799LL		/* 9999-12-31T23:59:59Z */

/* Days since 1970-01-01 of a date (month 1-12; day may be past month end). */
int64_t	civil_days_from_date(int64_t year, int month, int day);
/* The date of a day number. */
void	civil_date_from_days(int64_t days, int *year, int *month, int *day);
/* Day of week of a day number, 0 = Sunday. */
int	civil_weekday(int64_t days);
int	civil_is_leap(int64_t year);
int	civil_days_in_month(int64_t year, int month);

/* Split seconds into fields, and back. */
void	civil_from_seconds(int64_t t, struct civil_time *ct);
int64_t	civil_to_seconds(const struct civil_time *ct);

/*
 * Write t as RFC 3339 in local time at UTC offset `offset` seconds:
 * "2026-03-08T03:00:00-04:00", or "...Z" when offset is 0. Needs 26 bytes.
 * Returns 0, or -1 when the year is outside 1..9999 or len is too small.
 */
int	civil_format_rfc3339(int64_t t, int32_t offset, char *buf, size_t len);

/*
 * Parse RFC 3339 ("2026-11-26T06:00:00Z", "...+05:30", fraction allowed and
 * dropped, 't' and ' ' accepted as separator). Returns 0, or -1 with e filled.
 */
int	civil_parse_rfc3339(const char *text, int64_t *t, struct err *e);

/*
 * Parse a duration: one or more <number><unit> with units d, h, m, s, each
 * at most once and largest first ("90s", "1h30m", "2d", "0s"; not "1s1s" or
 * "30m1h"). The total must be at most max seconds.
 * Returns 0, or -1 (the caller words the message).
 */
int	civil_parse_duration(const char *text, int64_t max, int64_t *seconds);

/* Write seconds (>= 0) as civil_parse_duration reads it: "1h30m", "2d", "0s". */
void	civil_format_duration(int64_t seconds, char *buf, size_t len);

#endif
