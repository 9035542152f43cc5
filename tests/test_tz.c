/*
 * test_tz.c: TZif reading, UTC offsets and spans.
 *
 * Expected offsets and spans come from tests/tz_vectors.inc, written by
 * tests/oracle/gen_tz_vectors.py with Python's zoneinfo (an independent TZif
 * reader) from the same /usr/share/zoneinfo; it also holds the bytes of the
 * hand-built TZif files that this test builds, so the two cannot drift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "schedd/civil.h"
#include "schedd/tz.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct offset_vector {
	const char	*zone;
	const char	*at;
	int32_t		 offset;
};

struct span_vector {
	const char	*zone;
	const char	*at;
	const char	*start;		/* NULL: INT64_MIN */
	const char	*end;		/* NULL: INT64_MAX */
	int32_t		 offset;
	int32_t		 prev_offset;
};

#include "tz_vectors.inc"

/* ------------------------------------------------------------ TZif builder */

struct buf {
	unsigned char	data[1024];
	size_t		len;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
put_be32(struct buf *b, int64_t v)
{
	unsigned char	c[4];
	uint32_t	u = (uint32_t)v;

	c[0] = (unsigned char)(u >> 24);
	c[1] = (unsigned char)(u >> 16);
	c[2] = (unsigned char)(u >> 8);
	c[3] = (unsigned char)u;
	put(b, c, 4);
}

static void
put_be64(struct buf *b, int64_t v)
{
	put_be32(b, (int64_t)((uint64_t)v >> 32));
	put_be32(b, (int64_t)((uint64_t)v & 0xffffffffu));
}

static void
put_byte(struct buf *b, int v)
{
	unsigned char	c = (unsigned char)v;

	put(b, &c, 1);
}

/* "TZif", version, 15 reserved bytes, isutcnt isstdcnt leapcnt timecnt typecnt charcnt. */
static void
put_header(struct buf *b, char version, int timecnt, int typecnt, int charcnt)
{
	static const unsigned char	zero[15];

	put(b, "TZif", 4);
	put_byte(b, version);
	put(b, zero, sizeof(zero));
	put_be32(b, 0);
	put_be32(b, 0);
	put_be32(b, 0);
	put_be32(b, timecnt);
	put_be32(b, typecnt);
	put_be32(b, charcnt);
}

static void
put_ttinfo(struct buf *b, int32_t utoff, int isdst, int desigidx)
{
	put_be32(b, utoff);
	put_byte(b, isdst);
	put_byte(b, desigidx);
}

/* Version 1 only: +01:00, +02:00 from 1e9, +03:00 from 1.1e9 (no footer: it stays). */
static void
build_v1(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	put_header(b, '\0', 2, 3, 12);
	put_be32(b, 1000000000);
	put_be32(b, 1100000000);
	put_byte(b, 1);
	put_byte(b, 2);
	put_ttinfo(b, 3600, 0, 0);
	put_ttinfo(b, 7200, 1, 4);
	put_ttinfo(b, 10800, 0, 8);
	put(b, "AAA\0BBB\0CCC\0", 12);
}

/* A v1 block that v2+ readers must skip: constant +05:00. */
static void
put_decoy_v1(struct buf *b, char version)
{
	put_header(b, version, 0, 1, 4);
	put_ttinfo(b, 18000, 0, 0);
	put(b, "DCY\0", 4);
}

/* Version 2: +00:30 until -3e9 (before 32-bit time), +01:00, +02:00 from 1e9, +01:00 from 1.01e9, EU footer. */
static void
build_v2(struct buf *b)
{
	static const char	footer[] = "\nCET-1CEST,M3.5.0,M10.5.0/3\n";

	memset(b, 0, sizeof(*b));
	put_decoy_v1(b, '2');
	put_header(b, '2', 3, 3, 13);
	put_be64(b, -3000000000LL);
	put_be64(b, 1000000000);
	put_be64(b, 1010000000);
	put_byte(b, 1);
	put_byte(b, 2);
	put_byte(b, 1);
	put_ttinfo(b, 1800, 0, 0);
	put_ttinfo(b, 3600, 0, 4);
	put_ttinfo(b, 7200, 1, 8);
	put(b, "LMT\0CET\0CEST\0", 13);
	put(b, footer, sizeof(footer) - 1);
}

/* Version 2 with no transitions: the footer governs every instant. */
static void
build_footer_only(struct buf *b)
{
	static const char	footer[] = "\nEST5EDT,M3.2.0,M11.1.0\n";

	memset(b, 0, sizeof(*b));
	put_decoy_v1(b, '2');
	put_header(b, '2', 0, 1, 4);
	put_ttinfo(b, -18000, 0, 0);
	put(b, "EST\0", 4);
	put(b, footer, sizeof(footer) - 1);
}

/* Version 3: a footer with transition hours outside 0-24 (Nuuk's rule). */
static void
build_v3(struct buf *b)
{
	static const char	footer[] = "\n<-02>2<-01>,M3.5.0/-1,M10.5.0/0\n";

	memset(b, 0, sizeof(*b));
	put_decoy_v1(b, '3');
	put_header(b, '3', 1, 2, 8);
	put_be64(b, 0);
	put_byte(b, 1);
	put_ttinfo(b, -10800, 0, 0);
	put_ttinfo(b, -7200, 0, 4);
	put(b, "-03\0-02\0", 8);
	put(b, footer, sizeof(footer) - 1);
}

struct hand {
	const char		*name;
	void			(*build)(struct buf *);
	const unsigned char	*expected;
	size_t			 expected_len;
};

static const struct hand hands[] = {
	{ "Test/V1", build_v1, tzif_v1_bytes, sizeof(tzif_v1_bytes) },
	{ "Test/V2", build_v2, tzif_v2_bytes, sizeof(tzif_v2_bytes) },
	{ "Test/FooterOnly", build_footer_only, tzif_footer_only_bytes, sizeof(tzif_footer_only_bytes) },
	{ "Test/V3", build_v3, tzif_v3_bytes, sizeof(tzif_v3_bytes) },
};

/* ------------------------------------------------------------ helpers */

static int64_t
ts(const char *text)
{
	struct err	e;
	int64_t		t = 0;

	if (civil_parse_rfc3339(text, &t, &e) != 0)
		fail_msg("bad time in the test itself: \"%s\": %s", text, e.msg);
	return t;
}

static struct tz_cache	*cache;
static struct tz_zone	*hand_zones[NELEM(hands)];

static int
setup(void **state)
{
	struct buf	b;
	struct err	e;
	size_t		i;

	(void)state;
	cache = tz_cache_new(NULL);
	if (cache == NULL)
		return -1;
	for (i = 0; i < NELEM(hands); i++) {
		hands[i].build(&b);
		memset(&e, 0, sizeof(e));
		if (tz_zone_parse(hands[i].name, b.data, b.len, &hand_zones[i], &e) != 0) {
			print_message("%s: %s\n", hands[i].name, e.msg);
			hand_zones[i] = NULL;
		}
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(hands); i++)
		if (hand_zones[i] != NULL)
			tz_zone_free(hand_zones[i]);
	tz_cache_free(cache);
	return 0;
}

/* A zone of the vectors: a hand-built one, or from the system tzdata. */
static const struct tz_zone *
zone_named(const char *name)
{
	const struct tz_zone	*z;
	struct err		 e;
	size_t			 i;

	for (i = 0; i < NELEM(hands); i++)
		if (strcmp(name, hands[i].name) == 0)
			return hand_zones[i];
	memset(&e, 0, sizeof(e));
	if (tz_cache_get(cache, name, &z, &e) != 0) {
		print_message("FAIL load %s: %s\n", name, e.msg);
		return NULL;
	}
	return z;
}

static const char *
show(int64_t t, char *buf, size_t len)
{
	if (t == INT64_MIN)
		snprintf(buf, len, "INT64_MIN");
	else if (t == INT64_MAX)
		snprintf(buf, len, "INT64_MAX");
	else if (civil_format_rfc3339(t, 0, buf, len) != 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

/* ------------------------------------------------------------ tests */

/* The C builders make exactly the bytes that Python's zoneinfo was given. */
static void
test_hand_built_bytes(void **state)
{
	struct buf	b;
	size_t		i;

	(void)state;
	for (i = 0; i < NELEM(hands); i++) {
		hands[i].build(&b);
		assert_int_equal(b.len, hands[i].expected_len);
		assert_memory_equal(b.data, hands[i].expected, b.len);
		if (hand_zones[i] == NULL)
			fail_msg("%s did not parse", hands[i].name);
		assert_string_equal(tz_zone_name(hand_zones[i]), hands[i].name);
		assert_false(tz_zone_is_fixed(hand_zones[i]));
	}
}

static void
test_offsets(void **state)
{
	const struct tz_zone	*z;
	size_t			 i;
	int			 bad = 0;
	int32_t			 got;

	(void)state;
	for (i = 0; i < NELEM(offset_vectors); i++) {
		const struct offset_vector *v = &offset_vectors[i];

		if ((z = zone_named(v->zone)) == NULL) {
			bad++;
			continue;
		}
		got = tz_offset_at(z, ts(v->at));
		if (got != v->offset) {
			print_message("FAIL %s at %s: offset %ld, expected %ld\n", v->zone,
			    v->at, (long)got, (long)v->offset);
			bad++;
		}
	}
	print_message("%zu offsets, %d failed\n", NELEM(offset_vectors), bad);
	if (bad != 0)
		fail_msg("%d of %zu offsets wrong", bad, NELEM(offset_vectors));
}

static void
test_spans(void **state)
{
	const struct tz_zone	*z;
	struct tz_span		 s;
	char			 b1[32], b2[32], b3[32], b4[32];
	size_t			 i;
	int			 bad = 0;
	int64_t			 start, end;

	(void)state;
	for (i = 0; i < NELEM(span_vectors); i++) {
		const struct span_vector *v = &span_vectors[i];

		if ((z = zone_named(v->zone)) == NULL) {
			bad++;
			continue;
		}
		start = v->start != NULL ? ts(v->start) : INT64_MIN;
		end = v->end != NULL ? ts(v->end) : INT64_MAX;
		memset(&s, 0xa5, sizeof(s));
		tz_span_at(z, ts(v->at), &s);
		if (s.start != start || s.end != end || s.offset != v->offset ||
		    s.prev_offset != v->prev_offset) {
			print_message("FAIL span of %s at %s: [%s, %s) %ld prev %ld, "
			    "expected [%s, %s) %ld prev %ld\n", v->zone, v->at,
			    show(s.start, b1, sizeof(b1)), show(s.end, b2, sizeof(b2)),
			    (long)s.offset, (long)s.prev_offset,
			    show(start, b3, sizeof(b3)), show(end, b4, sizeof(b4)),
			    (long)v->offset, (long)v->prev_offset);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d of %zu spans wrong", bad, NELEM(span_vectors));
}

static void
test_load(void **state)
{
	static const char *const good[] = {
		"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
		"Pacific/Chatham", "Asia/Tokyo", "UTC", "Etc/GMT+5", "Etc/GMT-14",
		"America/Argentina/Buenos_Aires", "America/Port-au-Prince",
	};
	static const char *const bad[] = {
		"../etc/passwd", "/etc/passwd", "Nope/Zone", "America/../../etc/passwd",
		"America/New York", "", "America", "America/", "America/New_York/",
		"./UTC", "America/New_York\n", "Europe/*",
		"posixrules/../UTC", "..", ".",
	};
	struct tz_zone	*z;
	struct err	 e;
	size_t		 i;
	int		 nbad = 0;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		memset(&e, 0, sizeof(e));
		z = NULL;
		if (tz_zone_load(NULL, good[i], &z, &e) != 0) {
			print_message("FAIL load \"%s\": %s\n", good[i], e.msg);
			nbad++;
			continue;
		}
		assert_string_equal(tz_zone_name(z), good[i]);
		tz_zone_free(z);
	}
	for (i = 0; i < NELEM(bad); i++) {
		memset(&e, 0, sizeof(e));
		z = NULL;
		if (tz_zone_load(NULL, bad[i], &z, &e) == 0) {
			print_message("FAIL load \"%s\": accepted\n", bad[i]);
			tz_zone_free(z);
			nbad++;
		} else if (e.msg[0] == '\0') {
			print_message("FAIL load \"%s\": refused without a message\n", bad[i]);
			nbad++;
		}
	}
	if (nbad != 0)
		fail_msg("%d zone names handled wrongly", nbad);
}

static void
test_fixed(void **state)
{
	struct tz_zone	*z;
	struct err	 e;

	(void)state;
	z = tz_zone_utc();
	assert_non_null(z);
	assert_string_equal(tz_zone_name(z), "UTC");
	assert_true(tz_zone_is_fixed(z));
	assert_int_equal(tz_offset_at(z, 0), 0);
	assert_int_equal(tz_offset_at(z, CIVIL_MIN_SECONDS), 0);
	assert_int_equal(tz_offset_at(z, CIVIL_MAX_SECONDS), 0);
	tz_zone_free(z);

	assert_int_equal(tz_zone_load(NULL, "UTC", &z, &e), 0);
	assert_true(tz_zone_is_fixed(z));
	tz_zone_free(z);
	assert_int_equal(tz_zone_load(NULL, "Etc/GMT+5", &z, &e), 0);
	assert_true(tz_zone_is_fixed(z));
	assert_int_equal(tz_offset_at(z, 1782864000), -18000);
	tz_zone_free(z);
	assert_int_equal(tz_zone_load(NULL, "America/New_York", &z, &e), 0);
	assert_false(tz_zone_is_fixed(z));
	tz_zone_free(z);
	assert_int_equal(tz_zone_load(NULL, "Asia/Kolkata", &z, &e), 0);
	assert_false(tz_zone_is_fixed(z));	/* 1941-1945 */
	tz_zone_free(z);
	assert_int_equal(tz_zone_load(NULL, "Asia/Tokyo", &z, &e), 0);
	assert_false(tz_zone_is_fixed(z));	/* 1948-1951 */
	tz_zone_free(z);
}

static void
test_cache(void **state)
{
	struct tz_cache		*c;
	const struct tz_zone	*a, *b;
	struct err		 e;

	(void)state;
	c = tz_cache_new(NULL);
	assert_non_null(c);
	assert_int_equal(tz_cache_get(c, "America/New_York", &a, &e), 0);
	assert_int_equal(tz_cache_get(c, "Europe/London", &b, &e), 0);
	assert_ptr_not_equal(a, b);
	assert_int_equal(tz_cache_get(c, "America/New_York", &b, &e), 0);
	assert_ptr_equal(a, b);
	assert_string_equal(tz_zone_name(a), "America/New_York");
	assert_int_equal(tz_cache_get(c, "UTC", &a, &e), 0);
	assert_int_equal(tz_offset_at(a, 0), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(tz_cache_get(c, "Nope/Zone", &a, &e), -1);
	assert_true(e.msg[0] != '\0');
	memset(&e, 0, sizeof(e));
	assert_int_equal(tz_cache_get(c, "../etc/passwd", &a, &e), -1);
	assert_true(e.msg[0] != '\0');
	/* A failed name stays failed, and the good ones stay good. */
	assert_int_equal(tz_cache_get(c, "Nope/Zone", &a, &e), -1);
	assert_int_equal(tz_cache_get(c, "Europe/London", &a, &e), 0);
	tz_cache_free(c);
	tz_cache_free(NULL);
}

/* A zone directory of our own: tz_zone_load(dir, ...) and tz_cache_new(dir). */
static void
test_dir(void **state)
{
	char			 dir[] = "/tmp/test_tz.XXXXXX", path[256];
	struct tz_cache		*c;
	const struct tz_zone	*cz;
	struct tz_zone		*z;
	struct err		 e;
	struct buf		 b;
	FILE			*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Hand_V2", dir);
	build_v2(&b);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(tz_zone_load(dir, "Hand_V2", &z, &e), 0);
	assert_string_equal(tz_zone_name(z), "Hand_V2");
	assert_int_equal(tz_offset_at(z, 1000000000), 7200);
	assert_int_equal(tz_offset_at(z, ts("2200-07-01T00:00:00Z")), 7200);
	assert_int_equal(tz_offset_at(z, ts("2200-01-01T00:00:00Z")), 3600);
	tz_zone_free(z);
	memset(&e, 0, sizeof(e));
	assert_int_equal(tz_zone_load(dir, "America/New_York", &z, &e), -1);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(tz_zone_load(dir, "UTC", &z, &e), 0);	/* needs no file */
	assert_int_equal(tz_offset_at(z, 0), 0);
	tz_zone_free(z);

	c = tz_cache_new(dir);
	assert_non_null(c);
	assert_int_equal(tz_cache_get(c, "Hand_V2", &cz, &e), 0);
	assert_int_equal(tz_offset_at(cz, 1000000000), 7200);
	assert_int_equal(tz_cache_get(c, "America/New_York", &cz, &e), -1);
	tz_cache_free(c);

	unlink(path);
	rmdir(dir);
}

static int
read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	long	 n;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = malloc((size_t)n);
	if (*data == NULL || fread(*data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*data);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Parse data[0..len) in a fresh heap copy (so ASan sees over-reads); use the zone a little. */
static int
parse_copy(const unsigned char *data, size_t len, struct err *e)
{
	static const int64_t	 at[] = { INT64_MIN, CIVIL_MIN_SECONDS, -1, 0, 1772953200,
	    7258118400LL, CIVIL_MAX_SECONDS, INT64_MAX };
	struct tz_zone		*z = NULL;
	struct tz_span		 s;
	unsigned char		*copy = malloc(len > 0 ? len : 1);
	size_t			 i;
	int			 rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, data, len);
	memset(e, 0, sizeof(*e));
	rc = tz_zone_parse("Fuzz/Zone", copy, len, &z, e);
	free(copy);
	if (rc == 0) {
		for (i = 0; i < NELEM(at); i++) {
			tz_span_at(z, at[i], &s);
			(void)tz_offset_at(z, at[i]);
		}
		tz_zone_free(z);
	} else if (rc != -1 || e->msg[0] == '\0') {
		fail_msg("tz_zone_parse returned %d, message \"%s\"", rc, e->msg);
	}
	return rc;
}

/* Every prefix of a real file and of the hand-built ones: -1 before the footer, never a crash. */
static void
test_truncated(void **state)
{
	unsigned char	*data;
	struct err	 e;
	struct buf	 b;
	size_t		 len, n, footer, i;
	int		 bad = 0;

	(void)state;
	assert_int_equal(read_file(TZ_DEFAULT_DIR "/America/New_York", &data, &len), 0);
	assert_int_equal(parse_copy(data, len, &e), 0);
	assert_true(len > 2 && data[len - 1] == '\n');
	for (footer = len - 2; footer > 0 && data[footer] != '\n'; footer--)
		;
	for (n = 0; n < len; n++)
		if (parse_copy(data, n, &e) == 0 && n < footer) {
			print_message("FAIL New_York truncated to %zu of %zu bytes: accepted\n", n, len);
			bad++;
		}
	free(data);

	for (i = 0; i < NELEM(hands); i++) {
		hands[i].build(&b);
		assert_int_equal(parse_copy(b.data, b.len, &e), 0);
		footer = b.len;		/* v1: every prefix is short */
		if (b.data[4] != '\0')	/* v2+: the footer is "\n" TZ "\n" at the end */
			for (footer = b.len - 2; footer > 0 && b.data[footer] != '\n'; footer--)
				;
		for (n = 0; n < b.len; n++)
			if (parse_copy(b.data, n, &e) == 0 && n < footer) {
				print_message("FAIL %s truncated to %zu of %zu bytes: accepted\n",
				    hands[i].name, n, b.len);
				bad++;
			}
	}
	if (bad != 0)
		fail_msg("%d truncated files accepted", bad);
}

static void
test_garbage(void **state)
{
	unsigned char	 g[512], *data;
	struct err	 e;
	struct buf	 b;
	uint64_t	 h = 0x2545f4914f6cdd1dULL;
	size_t		 i, j, len;

	(void)state;
	assert_int_equal(parse_copy((const unsigned char *)"", 0, &e), -1);
	assert_int_equal(parse_copy((const unsigned char *)"not a tzif file at all", 22, &e), -1);
	assert_int_equal(parse_copy((const unsigned char *)"TZif", 4, &e), -1);
	assert_int_equal(parse_copy((const unsigned char *)"TZif2", 5, &e), -1);

	/* Random bytes, with and without the magic. */
	for (i = 0; i < 2000; i++) {
		len = 1 + i % sizeof(g);
		for (j = 0; j < len; j++) {
			h ^= h << 13;
			h ^= h >> 7;
			h ^= h << 17;
			g[j] = (unsigned char)h;
		}
		if (i % 2 == 0 && len >= 5)
			memcpy(g, "TZif2", 5);
		if (i % 2 == 0)
			(void)parse_copy(g, len, &e);
		else
			assert_int_equal(parse_copy(g, len, &e), -1);
	}

	/* Huge counts: refused without trying to read (or allocate) them. */
	memset(&b, 0, sizeof(b));
	put_header(&b, '2', 0x7fffffff, 1, 4);
	put_ttinfo(&b, 0, 0, 0);
	put(&b, "UTC\0", 4);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);
	memset(&b, 0, sizeof(b));
	put_header(&b, '2', -1, -1, -1);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);

	/* No types at all. */
	memset(&b, 0, sizeof(b));
	put_header(&b, '\0', 0, 0, 0);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);

	/* A transition to a type that does not exist. */
	memset(&b, 0, sizeof(b));
	put_header(&b, '\0', 1, 1, 4);
	put_be32(&b, 1000000000);
	put_byte(&b, 7);
	put_ttinfo(&b, 3600, 0, 0);
	put(&b, "AAA\0", 4);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);

	/* Transitions out of order. */
	memset(&b, 0, sizeof(b));
	put_header(&b, '\0', 2, 2, 8);
	put_be32(&b, 1100000000);
	put_be32(&b, 1000000000);
	put_byte(&b, 1);
	put_byte(&b, 0);
	put_ttinfo(&b, 3600, 0, 0);
	put_ttinfo(&b, 7200, 1, 4);
	put(&b, "AAA\0BBB\0", 8);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);

	/* A footer that is not a POSIX TZ string. */
	memset(&b, 0, sizeof(b));
	put_decoy_v1(&b, '2');
	put_header(&b, '2', 0, 1, 4);
	put_ttinfo(&b, 3600, 0, 0);
	put(&b, "AAA\0", 4);
	put(&b, "\n!!garbage!!\n", 13);
	assert_int_equal(parse_copy(b.data, b.len, &e), -1);

	/* Single-byte changes of a real file: whatever the answer, no crash. */
	assert_int_equal(read_file(TZ_DEFAULT_DIR "/Australia/Lord_Howe", &data, &len), 0);
	for (i = 0; i < 3000; i++) {
		unsigned char	keep;
		size_t		at;

		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		at = i < 200 ? i % 64 : (size_t)(h % len);	/* the headers first */
		keep = data[at];
		data[at] = (unsigned char)(h >> 32);
		(void)parse_copy(data, len, &e);
		data[at] = keep;
	}
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_built_bytes),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
