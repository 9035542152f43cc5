/*
 * fuzz_rfc3339.c: libFuzzer target for civil_parse_rfc3339 and
 * civil_format_rfc3339. Any text that parses, formatted back (in UTC and at
 * a few offsets) and parsed again, gives the same instant; the formatted text
 * is 25 or 20 characters; formatting never writes past the buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedd/civil.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int32_t	offsets[] = { 0, 19800, -14400, 50400, -43200, 1 * 3600 + 1800 };
	struct civil_time	ct;
	struct err		e;
	char			*text, buf[26], small[20];
	int64_t			t, t2;
	size_t			i;

	if (size > 128)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&e, 0, sizeof(e));
	if (civil_parse_rfc3339(text, &t, &e) != 0) {
		if (e.msg[0] == '\0') {
			fprintf(stderr, "fuzz_rfc3339: \"%s\" refused without a message\n", text);
			abort();
		}
		free(text);
		return 0;
	}
	/* One day of slack each side: "0001-01-01T00:00:00+01:00" is before year 1 in UTC. */
	if (t < CIVIL_MIN_SECONDS - 86400 || t > CIVIL_MAX_SECONDS + 86400) {
		fprintf(stderr, "fuzz_rfc3339: \"%s\" -> %lld out of range\n", text, (long long)t);
		abort();
	}
	civil_from_seconds(t, &ct);
	if (civil_to_seconds(&ct) != t) {
		fprintf(stderr, "fuzz_rfc3339: \"%s\": civil round trip of %lld\n", text, (long long)t);
		abort();
	}
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		if (civil_format_rfc3339(t, offsets[i], buf, sizeof(buf)) != 0)
			continue;	/* year outside 1..9999 at this offset */
		if (memchr(buf, '\0', sizeof(buf)) == NULL ||
		    strlen(buf) != (offsets[i] == 0 ? 20u : 25u)) {
			fprintf(stderr, "fuzz_rfc3339: \"%s\": formatted \"%.26s\"\n", text, buf);
			abort();
		}
		if (civil_parse_rfc3339(buf, &t2, &e) != 0 || t2 != t) {
			fprintf(stderr, "fuzz_rfc3339: \"%s\" -> %lld -> \"%s\" -> %s\n",
			    text, (long long)t, buf, e.msg);
			abort();
		}
		/* Too small a buffer is refused, not overrun (ASan watches small). */
		if (civil_format_rfc3339(t, offsets[i], small, sizeof(small)) == 0 &&
		    strlen(buf) >= sizeof(small)) {
			fprintf(stderr, "fuzz_rfc3339: formatted into %zu bytes\n", sizeof(small));
			abort();
		}
	}
	free(text);
	return 0;
}
