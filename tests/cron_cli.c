/*
 * cron_cli.c: a line-oriented driver of cron_parse/cron_next for the croniter
 * differential test (tests/diff_croniter.py). UTC only.
 *
 * Reads lines "EXPR<TAB>AFTER_UNIX_SECONDS<TAB>N" on stdin; writes one line
 * per input line: the N next fire instants after AFTER as Unix seconds,
 * space-separated, then " END" if the schedule ran out before year 10000;
 * or "ERR <message>" when EXPR does not parse (or the line is malformed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedd/cron.h"

int
main(void)
{
	char			 line[4096];
	char			*expr, *after_s, *n_s, *end;
	struct cron_expr	 x;
	struct err		 e;
	int64_t			 t;
	long			 n, i;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		expr = line;
		after_s = strchr(expr, '\t');
		n_s = after_s != NULL ? strchr(after_s + 1, '\t') : NULL;
		if (after_s == NULL || n_s == NULL) {
			printf("ERR malformed line\n");
			continue;
		}
		*after_s++ = '\0';
		*n_s++ = '\0';
		errno = 0;
		t = strtoll(after_s, &end, 10);
		if (errno != 0 || *end != '\0' || end == after_s) {
			printf("ERR bad instant\n");
			continue;
		}
		n = strtol(n_s, &end, 10);
		if (*end != '\0' || n < 0 || n > 10000) {
			printf("ERR bad count\n");
			continue;
		}
		if (cron_parse(expr, &x, &e) != 0) {
			printf("ERR %s\n", e.msg);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (cron_next(&x, NULL, t, &t) != 0) {
				fputs(i == 0 ? "END" : " END", stdout);
				break;
			}
			printf(i == 0 ? "%" PRId64 : " %" PRId64, t);
		}
		putchar('\n');
	}
	return ferror(stdout) || fflush(stdout) != 0 ? 1 : 0;
}
