/* civil.c: proleptic Gregorian calendar arithmetic and RFC 3339 text. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "schedd/civil.h"

/*
 * Day-number conversions after Howard Hinnant's "chrono-Compatible Low-Level
 * Date Algorithms": eras of 400 years, March-based years so that the leap
 * day is last.
 */
int64_t
civil_days_from_date(int64_t year, int month, int day)
{
	int64_t		era, y = year - (month <= 2);
	unsigned	yoe, doy, doe;

	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (unsigned)(month > 2 ? month - 3 : month + 9) + 2) / 5 +
	    (unsigned)day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
civil_date_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t		z = days + 719468, era, y;
	unsigned	doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(y + (*month <= 2));
}

int
civil_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	return (int)(((days + 4) % 7 + 7) % 7);
}

int
civil_is_leap(int64_t year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int
civil_days_in_month(int64_t year, int month)
{
	static const unsigned char	days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month == 2 && civil_is_leap(year))
		return 29;
	return days[month - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
civil_from_seconds(int64_t t, struct civil_time *ct)
{
	int64_t	days = floor_div(t, 86400);
	int64_t	rest = t - days * 86400;

	civil_date_from_days(days, &ct->year, &ct->month, &ct->day);
	ct->hour = (int)(rest / 3600);
	ct->minute = (int)(rest / 60 % 60);
	ct->second = (int)(rest % 60);
}

int64_t
civil_to_seconds(const struct civil_time *ct)
{
	return civil_days_from_date(ct->year, ct->month, ct->day) * 86400 +
	    ct->hour * 3600 + ct->minute * 60 + ct->second;
}

int
civil_format_rfc3339(int64_t t, int32_t offset, char *buf, size_t len)
{
	struct civil_time	ct;
	int			n;
	int32_t			off = offset < 0 ? -offset : offset;

	if (t < CIVIL_MIN_SECONDS - offset || t > CIVIL_MAX_SECONDS - offset)
		return -1;
	civil_from_seconds(t + offset, &ct);
	if (offset == 0)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    ct.year, ct.month, ct.day, ct.hour, ct.minute, ct.second);
	else
		n = snprintf(buf, len,
		    "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    ct.year, ct.month, ct.day, ct.hour, ct.minute, ct.second,
		    offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Read exactly `width` digits at *p into *value. */
static int
read_digits(const char **p, int width, int *value)
{
	int	v = 0;

	for (int i = 0; i < width; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += width;
	*value = v;
	return 0;
}

/* Consume one character of `set` at *p. */
static int
read_one_of(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return -1;
	(*p)++;
	return 0;
}

int
civil_parse_rfc3339(const char *text, int64_t *t, struct err *e)
{
	struct civil_time	 ct;
	const char		*p = text;
	int			 offset = 0, oh, om;

	if (read_digits(&p, 4, &ct.year) == -1 || read_one_of(&p, "-") == -1 ||
	    read_digits(&p, 2, &ct.month) == -1 || read_one_of(&p, "-") == -1 ||
	    read_digits(&p, 2, &ct.day) == -1 || read_one_of(&p, "Tt ") == -1 ||
	    read_digits(&p, 2, &ct.hour) == -1 || read_one_of(&p, ":") == -1 ||
	    read_digits(&p, 2, &ct.minute) == -1 || read_one_of(&p, ":") == -1 ||
	    read_digits(&p, 2, &ct.second) == -1)
		goto fail;
	if (read_one_of(&p, ".") == 0) {
		if (!isdigit((unsigned char)*p))
			goto fail;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (read_one_of(&p, "Zz") == 0) {
		offset = 0;
	} else if (*p == '+' || *p == '-') {
		int	sign = *p++ == '-' ? -1 : 1;

		if (read_digits(&p, 2, &oh) == -1 || read_one_of(&p, ":") == -1 ||
		    read_digits(&p, 2, &om) == -1 || oh > 23 || om > 59)
			goto fail;
		offset = sign * (oh * 3600 + om * 60);
	} else
		goto fail;
	if (*p != '\0')
		goto fail;
	if (ct.year < 1 || ct.month < 1 || ct.month > 12 || ct.day < 1 ||
	    ct.day > civil_days_in_month(ct.year, ct.month) || ct.hour > 23 ||
	    ct.minute > 59 || ct.second > 59)
		goto fail;
	*t = civil_to_seconds(&ct) - offset;
	return 0;
 fail:
	err_set(e, "\"%s\" is not an RFC 3339 time like 2026-11-26T06:00:00Z",
	    text);
	return -1;
}

int
civil_parse_duration(const char *text, int64_t max, int64_t *seconds)
{
	const char	*s = text;
	int64_t		 total = 0, last = INT64_MAX;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t	n = 0, unit;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > max)
				return -1;
		}
		switch (*s++) {
		case 's':	unit = 1;	break;
		case 'm':	unit = 60;	break;
		case 'h':	unit = 3600;	break;
		case 'd':	unit = 86400;	break;
		default:	return -1;
		}
		/* Each unit once, largest first: "1s1s" or "5m1h" is a slip, not 2s. */
		if (unit >= last)
			return -1;
		last = unit;
		if (n > max / unit || total > max - n * unit)
			return -1;
		total += n * unit;
	}
	*seconds = total;
	return 0;
}

void
civil_format_duration(int64_t seconds, char *buf, size_t len)
{
	static const struct {
		char	unit;
		int64_t	size;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	size_t	used = 0;

	buf[0] = '\0';
	if (seconds <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t	n = seconds / units[i].size;
		int	w;

		if (n == 0)
			continue;
		seconds -= n * units[i].size;
		w = snprintf(buf + used, len - used, "%lld%c", (long long)n,
		    units[i].unit);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}
