/* cron.c: cron expressions as per-field bitsets, and fire instants by field-wise carry. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schedd/civil.h"
#include "schedd/cron.h"

enum field {
	F_SECOND, F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_COUNT
};

struct field_def {
	const char		*name;
	int			 min;
	int			 max;
	const char *const	*names;		/* NULL-terminated, for min..; NULL if none */
};

static const char *const month_names[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	"JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL
};
static const char *const dow_names[] = {
	"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL
};

static const struct field_def field_defs[F_COUNT] = {
	{ "second",		0, 59, NULL },
	{ "minute",		0, 59, NULL },
	{ "hour",		0, 23, NULL },
	{ "day-of-month",	1, 31, NULL },
	{ "month",		1, 12, month_names },
	{ "day-of-week",	0, 7,  dow_names },	/* 7 is Sunday again */
};

static const struct {
	const char	*name;
	const char	*expansion;
} macros[] = {
	{ "@yearly",	"0 0 1 1 *" },
	{ "@annually",	"0 0 1 1 *" },
	{ "@monthly",	"0 0 1 * *" },
	{ "@weekly",	"0 0 * * 0" },
	{ "@daily",	"0 0 * * *" },
	{ "@midnight",	"0 0 * * *" },
	{ "@hourly",	"0 * * * *" },
};

#define EXPR_MAX	256		/* longest expression text we accept */
#define EVERY_MAX	(3650LL * 86400)
#define YEAR_LAST	9999
#define SPAN_SKIP	(3 * 86400LL)	/* > the largest difference of two UTC offsets */

/* --- bit helpers --- */

/* The lowest set bit >= from, or -1. */
static int
next_bit64(uint64_t bits, int from)
{
	if (from >= 64)
		return -1;
	bits &= ~0ULL << from;
	return bits ? __builtin_ctzll(bits) : -1;
}

static uint64_t
bit_range(int lo, int hi, int step)
{
	uint64_t	bits = 0;

	for (int i = lo; i <= hi; i += step)
		bits |= 1ULL << i;
	return bits;
}

/* --- parsing --- */

/* A number, or a name of the field; *end is set past it. Returns -1 if neither. */
static int
parse_value(const struct field_def *f, const char *s, const char **end,
    int *value)
{
	if (isdigit((unsigned char)*s)) {
		long	v = 0;

		while (isdigit((unsigned char)*s)) {
			if (v < 1000)
				v = v * 10 + (*s - '0');
			s++;
		}
		*end = s;
		*value = (int)v;
		return 0;
	}
	if (f->names != NULL)
		for (int i = 0; f->names[i] != NULL; i++)
			if (strncasecmp(s, f->names[i], 3) == 0 &&
			    !isalpha((unsigned char)s[3])) {
				*end = s + 3;
				*value = f->min + i;
				return 0;
			}
	return -1;
}

/* Length of the token at s, up to ',' or the end of the field. */
static int
token_length(const char *s)
{
	return (int)strcspn(s, ",");
}

/* v, read from text, must lie in the field's range; the message quotes the digits as written. */
static int
check_range(const struct field_def *f, int v, const char *text, struct err *e)
{
	if (v < f->min || v > f->max) {
		if (isdigit((unsigned char)*text))
			err_set(e, "%s %.*s out of range %d-%d", f->name,
			    (int)strspn(text, "0123456789"), text, f->min,
			    f->max);
		else
			err_set(e, "%s %d out of range %d-%d", f->name, v,
			    f->min, f->max);
		return -1;
	}
	return 0;
}

/*
 * The day-of-month specials: L, L-n, LW, nW. Returns 1 if the item was one
 * (and was stored or errored: -1), 0 if it is an ordinary item.
 */
static int
parse_dom_special(const char *item, int len, struct cron_expr *x,
    struct err *e)
{
	const struct field_def	*f = &field_defs[F_DOM];
	const char		*end;
	int			 v;

	if (len == 1 && toupper((unsigned char)item[0]) == 'L') {
		x->dom_last |= 1;
		return 1;
	}
	if (len == 2 && strncasecmp(item, "LW", 2) == 0) {
		x->flags |= CRON_DOM_LAST_WEEKDAY;
		return 1;
	}
	if (toupper((unsigned char)item[0]) == 'L' && item[1] == '-') {
		if (parse_value(f, item + 2, &end, &v) == -1 ||
		    end != item + len || !isdigit((unsigned char)item[2])) {
			err_set(e, "day-of-month \"%.*s\" is not L-n", len, item);
			return -1;
		}
		if (v > 30) {
			err_set(e, "day-of-month offset %d out of range 0-30", v);
			return -1;
		}
		x->dom_last |= 1U << v;
		return 1;
	}
	if (len == 1 && toupper((unsigned char)item[0]) == 'W') {
		err_set(e, "day-of-month \"W\" needs a day, e.g. 15W");
		return -1;
	}
	if (len >= 2 && toupper((unsigned char)item[len - 1]) == 'W') {
		if (parse_value(f, item, &end, &v) == -1 ||
		    end != item + len - 1 || !isdigit((unsigned char)item[0])) {
			err_set(e, "day-of-month \"%.*s\" is not nW", len, item);
			return -1;
		}
		if (check_range(f, v, item, e) == -1)
			return -1;
		x->dom_weekday |= 1U << v;
		return 1;
	}
	return 0;
}

/* The day-of-week specials: nL, n#k. Same contract as parse_dom_special. */
static int
parse_dow_special(const char *item, int len, struct cron_expr *x,
    struct err *e)
{
	const struct field_def	*f = &field_defs[F_DOW];
	const char		*end;
	int			 v, k;

	if (len == 1 && toupper((unsigned char)item[0]) == 'L') {
		err_set(e, "day-of-week \"L\" needs a weekday, e.g. 5L");
		return -1;
	}
	if (len >= 2 && isdigit((unsigned char)item[0]) &&
	    toupper((unsigned char)item[len - 1]) == 'W') {
		err_set(e, "\"W\" is only allowed in day-of-month");
		return -1;
	}
	if (len >= 2 && toupper((unsigned char)item[len - 1]) == 'L') {
		if (parse_value(f, item, &end, &v) == -1 ||
		    end != item + len - 1) {
			err_set(e, "day-of-week \"%.*s\" is not nL", len, item);
			return -1;
		}
		if (check_range(f, v, item, e) == -1)
			return -1;
		x->dow_last |= 1U << (v % 7);
		return 1;
	}
	if (memchr(item, '#', len) != NULL) {
		if (parse_value(f, item, &end, &v) == -1 || *end != '#' ||
		    !isdigit((unsigned char)end[1]) ||
		    parse_value(f, end + 1, &end, &k) == -1 ||
		    end != item + len) {
			err_set(e, "day-of-week \"%.*s\" is not n#k", len, item);
			return -1;
		}
		if (check_range(f, v, item, e) == -1)
			return -1;
		if (k < 1 || k > 5) {
			err_set(e, "day-of-week occurrence %d out of range 1-5",
			    k);
			return -1;
		}
		x->dow_nth[v % 7] |= 1U << k;
		return 1;
	}
	return 0;
}

/* One list item: *, ?, a, a-b, with an optional /step. */
static int
parse_item(enum field fi, const char *item, int len, uint64_t *bits,
    struct err *e)
{
	const struct field_def	*f = &field_defs[fi];
	const char		*p = item, *end, *stop = item + len, *bad;
	const char		*hi_text;
	int			 lo, hi, step = 1, star = 0;

	bad = p;
	if (*p == '*' || *p == '?') {
		if (*p == '?' && fi != F_DOM && fi != F_DOW) {
			err_set(e, "\"?\" is only allowed in day-of-month and "
			    "day-of-week");
			return -1;
		}
		star = 1;
		lo = f->min;
		hi = f->max == 7 ? 6 : f->max;
		p++;
	} else {
		if (parse_value(f, p, &end, &lo) == -1)
			goto bad_token;
		p = end;
		hi = lo;
		hi_text = item;
		if (p < stop && *p == '-') {
			bad = hi_text = p + 1;
			if (parse_value(f, p + 1, &end, &hi) == -1)
				goto bad_token;
			p = end;
			/* A range that ends on Sunday by name means 7: FRI-SUN. */
			if (fi == F_DOW && hi == 0 && lo > 0 &&
			    !isdigit((unsigned char)end[-1]))
				hi = 7;
		}
		if (check_range(f, lo, item, e) == -1 ||
		    check_range(f, hi, hi_text, e) == -1)
			return -1;
		if (hi < lo) {
			err_set(e, "%s range %.*s is reversed", f->name,
			    (int)(p - item), item);
			return -1;
		}
	}
	if (p < stop && *p == '/') {
		bad = p + 1;
		if (!isdigit((unsigned char)p[1]) ||
		    parse_value(f, p + 1, &end, &step) == -1 || end != stop)
			goto bad_token;
		p = end;
		if (step == 0) {
			err_set(e, "%s step 0 is not allowed", f->name);
			return -1;
		}
		if (step > f->max) {
			err_set(e, "%s step %d out of range 1-%d", f->name,
			    step, f->max);
			return -1;
		}
		/* "a/n" means from a to the end of the field. */
		if (!star && lo == hi && memchr(item, '-', len) == NULL)
			hi = f->max == 7 ? 6 : f->max;
	}
	if (p != stop) {
		bad = item;
		goto bad_token;
	}
	*bits |= bit_range(lo, hi, step);
	return 0;
 bad_token:
	/* Name the piece that failed: "x" in "1-x", "" in "1,,2". */
	if (bad != item)
		stop = bad + strcspn(bad, "-/,");
	else if (*bad != '\0' && *bad != ',')
		stop = bad + 1 + strcspn(bad + 1, "/,");
	if (fi != F_DOM && memchr(bad, 'W', (size_t)(stop - bad)) != NULL &&
	    isdigit((unsigned char)*bad))
		err_set(e, "\"W\" is only allowed in day-of-month");
	else if (fi != F_DOW && memchr(bad, '#', (size_t)(stop - bad)) != NULL)
		err_set(e, "\"#\" is only allowed in day-of-week");
	else
		err_set(e, "%s \"%.*s\" is not a number", f->name,
		    (int)(stop - bad), bad);
	return -1;
}

/* "L" or "L-n" outside the day fields (JUL in month is a name, not an L). */
static int
is_last_token(const char *item, int len)
{
	return (len == 1 || (len >= 2 && item[1] == '-')) &&
	    toupper((unsigned char)item[0]) == 'L';
}

/* A comma-separated list of items into bits (specials go into x directly). */
static int
parse_field(enum field fi, const char *text, struct cron_expr *x,
    uint64_t *bits, struct err *e)
{
	const char	*item = text;
	int		 len, rc;

	if ((fi == F_DOM || fi == F_DOW) && strchr(text, '?') != NULL &&
	    strcmp(text, "?") != 0) {
		err_set(e, "%s \"?\" must stand alone", field_defs[fi].name);
		return -1;
	}
	for (;;) {
		len = token_length(item);
		if (fi == F_DOM)
			rc = parse_dom_special(item, len, x, e);
		else if (fi == F_DOW)
			rc = parse_dow_special(item, len, x, e);
		else if (is_last_token(item, len)) {
			err_set(e, "\"L\" is only allowed in day-of-month and "
			    "day-of-week");
			return -1;
		} else
			rc = 0;
		if (rc == -1)
			return -1;
		if (rc == 0 && parse_item(fi, item, len, bits, e) == -1)
			return -1;
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
}

/* "rate(5 minutes)": Flyte's FixedRate as CloudWatch wrote it. */
static int
parse_rate(const char *s, int64_t *seconds)
{
	static const struct {
		const char	*unit;
		int64_t		 seconds;
	} units[] = {
		{ "minute", 60 }, { "minutes", 60 }, { "hour", 3600 },
		{ "hours", 3600 }, { "day", 86400 }, { "days", 86400 },
	};
	char		unit[16];
	long long	n;
	int		used = 0;

	if (sscanf(s, "rate(%lld %15[a-zA-Z])%n", &n, unit, &used) != 2 ||
	    used == 0 || s[used] != '\0' || n <= 0 || n > EVERY_MAX / 60)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(unit, units[i].unit) == 0) {
			*seconds = n * units[i].seconds;
			return *seconds <= EVERY_MAX ? 0 : -1;
		}
	return -1;
}

/* Days of one month that match the day fields, as bits 1-31. */
static uint32_t
month_days(const struct cron_expr *x, int64_t year, int month)
{
	int		n = civil_days_in_month(year, month);
	int		w1 = civil_weekday(civil_days_from_date(year, month, 1));
	uint32_t	valid = (uint32_t)(((1ULL << n) - 1) << 1);
	uint32_t	dom = 0, dow = 0, r;
	int		d, wd;

	if ((x->flags & (CRON_DOM_STAR | CRON_DOW_STAR)) ==
	    (CRON_DOM_STAR | CRON_DOW_STAR))
		return valid;
	if (!(x->flags & CRON_DOM_STAR)) {
		dom = x->dom;
		for (uint32_t b = x->dom_last; b != 0; b &= b - 1)
			if ((d = n - __builtin_ctz(b)) >= 1)
				dom |= 1U << d;
		for (uint32_t b = x->dom_weekday; b != 0; b &= b - 1) {
			if ((d = __builtin_ctz(b)) > n)
				continue;
			wd = (w1 + d - 1) % 7;
			if (wd == 6)		/* Saturday: Friday, or Monday on the 1st */
				d = d == 1 ? 3 : d - 1;
			else if (wd == 0)	/* Sunday: Monday, or Friday on the last day */
				d = d == n ? d - 2 : d + 1;
			dom |= 1U << d;
		}
		if (x->flags & CRON_DOM_LAST_WEEKDAY) {
			wd = (w1 + n - 1) % 7;
			dom |= 1U << (wd == 6 ? n - 1 : wd == 0 ? n - 2 : n);
		}
		dom &= valid;
	}
	if (!(x->flags & CRON_DOW_STAR)) {
		/* Rotate the weekday bits so bit j means day j + 1, then repeat weekly. */
		r = ((uint32_t)(x->dow >> w1) | (uint32_t)(x->dow << (7 - w1))) &
		    0x7f;
		dow = (uint32_t)((r | (uint64_t)r << 7 | (uint64_t)r << 14 |
		    (uint64_t)r << 21 | (uint64_t)r << 28) << 1);
		for (wd = 0; wd < 7; wd++) {
			int	first, last;

			if (!(x->dow_last & (1U << wd)) && x->dow_nth[wd] == 0)
				continue;
			first = 1 + (wd - w1 + 7) % 7;
			last = first + 7 * ((n - first) / 7);
			if (x->dow_last & (1U << wd))
				dow |= 1U << last;
			for (int k = 1; k <= 5; k++)
				if ((x->dow_nth[wd] & (1U << k)) &&
				    first + 7 * (k - 1) <= n)
					dow |= 1U << (first + 7 * (k - 1));
		}
		dow &= valid;
	}
	if (x->flags & CRON_DOM_STAR)
		return dow;
	if (x->flags & CRON_DOW_STAR)
		return dom;
	return dom | dow;	/* both restricted: either matches, as cron(8) does */
}

/*
 * The first local wall time >= from (local seconds, as if UTC) whose fields
 * all match: find the month, then the day, then the hour, minute and second,
 * and when a field has nothing left carry into the one above it. Returns 0,
 * or -1 when there is none before year 10000.
 */
static int
search_forward(const struct cron_expr *x, int64_t from, int64_t *out)
{
	struct civil_time	t;
	int			y, mo, d, h, mi, s, v;
	int			cached_y = 0, cached_mo = 0;
	uint32_t		days = 0;

	civil_from_seconds(from, &t);
	y = t.year;
	mo = t.month;
	d = t.day;
	h = t.hour;
	mi = t.minute;
	s = t.second;
	while (y <= YEAR_LAST) {
		if ((v = next_bit64(x->month, mo)) < 0) {
			y++;
			mo = d = 1;
			h = mi = s = 0;
			continue;
		}
		if (v != mo) {
			mo = v;
			d = 1;
			h = mi = s = 0;
		}
		if (y != cached_y || mo != cached_mo) {
			days = month_days(x, y, mo);
			cached_y = y;
			cached_mo = mo;
		}
		if ((v = next_bit64(days, d)) < 0) {
			mo++;
			d = 1;
			h = mi = s = 0;
			continue;
		}
		if (v != d) {
			d = v;
			h = mi = s = 0;
		}
		if ((v = next_bit64(x->hour, h)) < 0) {
			d++;
			h = mi = s = 0;
			continue;
		}
		if (v != h) {
			h = v;
			mi = s = 0;
		}
		if ((v = next_bit64(x->minute, mi)) < 0) {
			h++;
			mi = s = 0;
			continue;
		}
		if (v != mi) {
			mi = v;
			s = 0;
		}
		if ((v = next_bit64(x->second, s)) < 0) {
			mi++;
			s = 0;
			continue;
		}
		*out = civil_days_from_date(y, mo, d) * 86400 + h * 3600 +
		    mi * 60 + v;
		return 0;
	}
	return -1;
}

int
cron_parse(const char *text, struct cron_expr *expr, struct err *e)
{
	struct cron_expr	 x;
	char			 buf[EXPR_MAX + 1], *fields[F_COUNT + 1], *p;
	const char		*src = text;
	int			 n = 0, first;
	int64_t			 probe;

	memset(&x, 0, sizeof(x));
	while (isspace((unsigned char)*src))
		src++;
	if (*src == '\0') {
		err_set(e, "empty expression");
		return -1;
	}
	if (strlen(src) > EXPR_MAX) {
		err_set(e, "expression longer than %d characters", EXPR_MAX);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", src);
	for (p = buf + strlen(buf); p > buf && isspace((unsigned char)p[-1]); )
		*--p = '\0';

	if (strncasecmp(buf, "@every", 6) == 0 &&
	    (buf[6] == '\0' || isspace((unsigned char)buf[6]))) {
		for (p = buf + 6; isspace((unsigned char)*p); p++)
			;
		if (civil_parse_duration(p, EVERY_MAX, &x.every) == -1 ||
		    x.every == 0) {
			err_set(e, "@every needs a duration like 90s, 5m, 2h, "
			    "1d");
			return -1;
		}
		x.flags = CRON_EVERY;
		*expr = x;
		return 0;
	}
	if (strncasecmp(buf, "rate(", 5) == 0) {
		if (parse_rate(buf, &x.every) == -1) {
			err_set(e, "rate needs a value and unit like "
			    "rate(5 minutes)");
			return -1;
		}
		x.flags = CRON_EVERY;
		*expr = x;
		return 0;
	}
	if (buf[0] == '@') {
		size_t	i;

		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strcasecmp(buf, macros[i].name) == 0)
				break;
		if (i == sizeof(macros) / sizeof(macros[0])) {
			err_set(e, "unknown macro \"%s\"", buf);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%s", macros[i].expansion);
	}

	for (p = strtok(buf, " \t\n\r\f\v"); p != NULL;
	    p = strtok(NULL, " \t\n\r\f\v")) {
		if (n <= F_COUNT)
			fields[n] = p;
		n++;
	}
	if (n != 5 && n != 6) {
		err_set(e, "expected 5 or 6 fields, got %d", n);
		return -1;
	}
	first = n == 6 ? F_SECOND : F_MINUTE;
	if (n == 5)
		x.second = 1;
	for (int i = 0; i < n; i++) {
		enum field	 fi = (enum field)(first + i);
		uint64_t	 bits = 0;

		if (parse_field(fi, fields[i], &x, &bits, e) == -1)
			return -1;
		switch (fi) {
		case F_SECOND:	x.second = bits;		break;
		case F_MINUTE:	x.minute = bits;		break;
		case F_HOUR:	x.hour = (uint32_t)bits;	break;
		case F_DOM:	x.dom = (uint32_t)bits;		break;
		case F_MONTH:	x.month = (uint16_t)bits;	break;
		case F_DOW:
			/* 7 is Sunday too. */
			x.dow = (uint8_t)((bits | bits >> 7) & 0x7f);
			break;
		default:	break;
		}
	}
	if (strcmp(fields[n - 3], "*") == 0 || strcmp(fields[n - 3], "?") == 0)
		x.flags |= CRON_DOM_STAR;
	if (strcmp(fields[n - 1], "*") == 0 || strcmp(fields[n - 1], "?") == 0)
		x.flags |= CRON_DOW_STAR;
	if (fields[n - 5][0] == '*' || fields[n - 4][0] == '*')
		x.flags |= CRON_WILDCARD;

	/* The Gregorian calendar repeats every 400 years: no fire in 400 years is never. */
	if (search_forward(&x, civil_days_from_date(2000, 1, 1) * 86400,
	    &probe) == -1 || probe >= civil_days_from_date(2400, 1, 1) * 86400) {
		err_set(e, "never fires: %s", src);
		return -1;
	}
	*expr = x;
	return 0;
}

/* Fixed intervals: anchor + k * every, k >= 1. */
static int
every_next(const struct cron_expr *x, int64_t after, int64_t *next)
{
	int64_t	k = 1;

	if (after >= x->anchor + x->every)
		k = (after - x->anchor) / x->every + 1;
	*next = x->anchor + k * x->every;
	return *next <= CIVIL_MAX_SECONDS ? 0 : -1;
}

int
cron_next(const struct cron_expr *x, const struct tz_zone *zone,
    int64_t after, int64_t *next)
{
	int		fixed = !(x->flags & CRON_WILDCARD);
	int64_t		t, local;
	struct tz_span	span;

	if (after >= CIVIL_MAX_SECONDS)
		return -1;
	if (after < CIVIL_MIN_SECONDS - 1)
		after = CIVIL_MIN_SECONDS - 1;
	if (x->flags & CRON_EVERY)
		return every_next(x, after, next);
	/*
	 * Walk the zone's spans of constant offset. In each, search local wall
	 * time; a match whose instant falls past the span belongs to the next
	 * one, where the offset differs.
	 */
	for (t = after + 1; t <= CIVIL_MAX_SECONDS; t = span.end) {
		tz_span_at(zone, t, &span);
		local = t + span.offset;
		if (fixed && t == span.start && span.prev_offset < span.offset) {
			/* Spring forward: a fixed time in the gap fires once, at its end. */
			int64_t	gap = span.start + span.prev_offset;

			if (search_forward(x, gap, &local) == 0 &&
			    local < span.start + span.offset) {
				*next = span.start;
				return 0;
			}
			local = t + span.offset;
		}
		if (fixed && span.prev_offset > span.offset &&
		    local < span.start + span.prev_offset) {
			/* Fall back: a fixed time already fired in the first pass. */
			local = span.start + span.prev_offset;
		}
		if (search_forward(x, local, &local) == -1)
			return -1;
		if (local - span.offset < span.end) {
			*next = local - span.offset;
			return *next <= CIVIL_MAX_SECONDS ? 0 : -1;
		}
		/*
		 * No wall time in [local at t, local) matches. Offsets differ by
		 * less than SPAN_SKIP, so every instant u in
		 * [t + SPAN_SKIP, local - span.offset - SPAN_SKIP) has its wall
		 * time inside that range (and so does any gap before it): skip
		 * the spans in between instead of searching each (a sparse
		 * schedule in a DST zone would search two spans a year).
		 */
		if (span.end - t >= SPAN_SKIP &&
		    local - span.offset - SPAN_SKIP > span.end)
			span.end = local - span.offset - SPAN_SKIP;
	}
	return -1;
}

int
cron_prev(const struct cron_expr *x, const struct tz_zone *zone,
    int64_t before, int64_t *prev)
{
	int64_t	window, good, bad, mid, f;

	if (before <= CIVIL_MIN_SECONDS)
		return -1;
	if (before > CIVIL_MAX_SECONDS + 1)
		before = CIVIL_MAX_SECONDS + 1;
	if (x->flags & CRON_EVERY) {
		int64_t	k;

		if (before - 1 < x->anchor + x->every)
			return -1;
		k = (before - 1 - x->anchor) / x->every;
		*prev = x->anchor + k * x->every;
		return 0;
	}
	/*
	 * Defined through cron_next so the two can never disagree: widen a
	 * window [good, before) until it holds a fire, then bisect for the
	 * last one. Invariant: a fire lies in [good, before), none in [bad, before).
	 */
	for (window = 1;; window *= 2) {
		good = before - window;
		if (good < CIVIL_MIN_SECONDS)
			good = CIVIL_MIN_SECONDS;
		if (cron_next(x, zone, good - 1, &f) == 0 && f < before)
			break;
		if (good == CIVIL_MIN_SECONDS)
			return -1;
	}
	bad = before;
	good = f;
	while (bad - good > 1) {
		mid = good + (bad - good) / 2;
		if (cron_next(x, zone, mid - 1, &f) == 0 && f < before)
			good = f;
		else
			bad = mid;
	}
	*prev = good;
	return 0;
}

int
cron_next_fires(const char *text, const struct tz_zone *zone, int64_t anchor,
    int64_t after, int n, int64_t *out, struct err *e)
{
	struct cron_expr	expr;
	int			count = 0;

	if (cron_parse(text, &expr, e) == -1)
		return -1;
	expr.anchor = anchor;
	while (count < n && cron_next(&expr, zone, after, &after) == 0)
		out[count++] = after;
	return count;
}
