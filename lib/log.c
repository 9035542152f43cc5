/* log.c: one line per event on stderr, as text for journald or JSON for shippers. */
#include <stdarg.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "schedd/log.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int	 level_syslog[] = { 3, 4, 6, 7 };

void
log_event(const struct log *lg, enum log_level level, const char *event,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024], *line;
	cJSON	*doc;

	if (lg == NULL || level > lg->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!lg->json) {
		/* One event, one line: a newline in a name or an Admin message must not start another. */
		for (char *p = msg; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				*p = '?';
		fprintf(lg->out, "<%d>%s: %s\n", level_syslog[level], event, msg);
		fflush(lg->out);
		return;
	}
	if ((doc = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(doc, "level", level_names[level]) &&
	    cJSON_AddStringToObject(doc, "event", event) &&
	    cJSON_AddStringToObject(doc, "msg", msg) &&
	    (line = cJSON_PrintUnformatted(doc)) != NULL) {
		fprintf(lg->out, "%s\n", line);
		fflush(lg->out);
		cJSON_free(line);
	}
	cJSON_Delete(doc);
}
