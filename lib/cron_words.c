/* cron_words.c: a cron expression in words for the common shapes (the status page); the text itself otherwise. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schedd/cron.h"

#define WORDS_FIELDS	6

static const char *const weekday_words[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday", "Sunday"
};
static const char *const weekday_abbrevs[] = {
	"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"
};

/* The macros and what they mean, in words. */
static const struct {
	const char	*macro;
	const char	*words;
} macro_words[] = {
	{ "@yearly",	"every year on January 1 at 00:00" },
	{ "@annually",	"every year on January 1 at 00:00" },
	{ "@monthly",	"on day 1 of every month at 00:00" },
	{ "@weekly",	"every Sunday at 00:00" },
	{ "@daily",	"every day at 00:00" },
	{ "@midnight",	"every day at 00:00" },
	{ "@hourly",	"every hour at minute 0" },
};

/* A whole number from lo to hi and nothing else, or -1. */
static int
field_number(const char *f, int lo, int hi)
{
	char	*end;
	long	 n;

	if (*f < '0' || *f > '9')
		return -1;
	n = strtol(f, &end, 10);
	return *end != '\0' || n < lo || n > hi ? -1 : (int)n;
}

/* "*" or "?": any value. */
static int
field_any(const char *f)
{
	return strcmp(f, "*") == 0 || strcmp(f, "?") == 0;
}

/* "*\/N" (N from 2 to hi), or -1. */
static int
field_step(const char *f, int hi)
{
	return strncmp(f, "*/", 2) == 0 ? field_number(f + 2, 2, hi) : -1;
}

/* A weekday as a number (0-7) or a name (MON), or -1. */
static int
field_weekday(const char *f)
{
	for (int i = 0; i < 7; i++)
		if (strcasecmp(f, weekday_abbrevs[i]) == 0)
			return i;
	return field_number(f, 0, 7);
}

/* The day-of-week field's words ("every Monday", "weekdays"), or NULL when it is no common shape. */
static const char *
weekday_phrase(const char *f, char *buf, size_t len)
{
	int	d;

	if (strcmp(f, "1-5") == 0 || strcasecmp(f, "MON-FRI") == 0)
		return "weekdays";
	if (strcmp(f, "0,6") == 0 || strcmp(f, "6,0") == 0 ||
	    strcasecmp(f, "SAT,SUN") == 0 || strcasecmp(f, "SUN,SAT") == 0)
		return "weekends";
	if ((d = field_weekday(f)) == -1)
		return NULL;
	snprintf(buf, len, "every %s", weekday_words[d]);
	return buf;
}

/* Split text into at most WORDS_FIELDS fields in copy (cut in place). Returns how many, or -1 for more. */
static int
split_fields(char *copy, char **fields)
{
	int	n = 0;

	for (char *tok = strtok(copy, " \t"); tok != NULL;
	    tok = strtok(NULL, " \t")) {
		if (n == WORDS_FIELDS)
			return -1;
		fields[n++] = tok;
	}
	return n;
}

/* Five fields (minute hour dom month dow) in words; 0, or -1 for an uncommon shape. */
static int
fields_words(char **f, char *buf, size_t len)
{
	char		 day[32];
	const char	*days;
	int		 minute, hour, step, dom;

	if (!field_any(f[3]))
		return -1;	/* months named: too many shapes to say well */
	if (field_any(f[0]) && field_any(f[1]) && field_any(f[2]) &&
	    field_any(f[4])) {
		snprintf(buf, len, "every minute");
		return 0;
	}
	if ((step = field_step(f[0], 59)) != -1 && field_any(f[1]) &&
	    field_any(f[2]) && field_any(f[4])) {
		snprintf(buf, len, "every %d minutes", step);
		return 0;
	}
	if ((minute = field_number(f[0], 0, 59)) == -1)
		return -1;
	if (field_any(f[1]) && field_any(f[2]) && field_any(f[4])) {
		snprintf(buf, len, "every hour at minute %d", minute);
		return 0;
	}
	if ((step = field_step(f[1], 23)) != -1 && field_any(f[2]) &&
	    field_any(f[4])) {
		snprintf(buf, len, "every %d hours at minute %d", step, minute);
		return 0;
	}
	if ((hour = field_number(f[1], 0, 23)) == -1)
		return -1;
	if (field_any(f[2]) && field_any(f[4])) {
		snprintf(buf, len, "every day at %02d:%02d", hour, minute);
		return 0;
	}
	if (field_any(f[2]) &&
	    (days = weekday_phrase(f[4], day, sizeof(day))) != NULL) {
		snprintf(buf, len, "%s at %02d:%02d", days, hour, minute);
		return 0;
	}
	if (!field_any(f[4]))
		return -1;
	if (strcmp(f[2], "L") == 0) {
		snprintf(buf, len, "on the last day of every month at "
		    "%02d:%02d", hour, minute);
		return 0;
	}
	if ((dom = field_number(f[2], 1, 31)) == -1)
		return -1;
	snprintf(buf, len, "on day %d of every month at %02d:%02d", dom, hour,
	    minute);
	return 0;
}

void
cron_words(const char *text, char *buf, size_t len)
{
	char	 copy[256], *fields[WORDS_FIELDS];
	size_t	 n = strlen(text);
	int	 count;

	if (len == 0)
		return;
	for (size_t i = 0; i < sizeof(macro_words) / sizeof(macro_words[0]);
	    i++)
		if (strcasecmp(text, macro_words[i].macro) == 0) {
			snprintf(buf, len, "%s", macro_words[i].words);
			return;
		}
	if (strncasecmp(text, "@every ", 7) == 0) {
		snprintf(buf, len, "every %s", text + 7);
		return;
	}
	if (strncasecmp(text, "rate(", 5) == 0 && n > 6 &&
	    text[n - 1] == ')') {
		snprintf(buf, len, "every %.*s", (int)(n - 6), text + 5);
		return;
	}
	if (n < sizeof(copy)) {
		memcpy(copy, text, n + 1);
		count = split_fields(copy, fields);
		/* Six fields: every second, every N seconds, or the five at second 0. */
		if (count == 6 && field_any(fields[1]) && field_any(fields[2]) &&
		    field_any(fields[3]) && field_any(fields[4]) &&
		    field_any(fields[5]) && (field_any(fields[0]) ||
		    field_step(fields[0], 59) != -1)) {
			if (field_any(fields[0]))
				snprintf(buf, len, "every second");
			else
				snprintf(buf, len, "every %d seconds",
				    field_step(fields[0], 59));
			return;
		}
		if (count == 6 && strcmp(fields[0], "0") == 0 &&
		    fields_words(fields + 1, buf, len) == 0)
			return;
		if (count == 5 && fields_words(fields, buf, len) == 0)
			return;
	}
	snprintf(buf, len, "%s", text);
}
