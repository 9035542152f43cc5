/* pjson.c: protojson's decoding rules and canonical encoding, applied over flyteidl_schema.inc. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pjson.h"

enum pj_kind {
	PJ_BOOL = 1, PJ_STRING, PJ_BYTES, PJ_INT32, PJ_UINT32, PJ_INT64,
	PJ_UINT64, PJ_FLOAT, PJ_DOUBLE, PJ_ENUM, PJ_MESSAGE, PJ_TIMESTAMP,
	PJ_DURATION, PJ_STRUCT, PJ_VALUE, PJ_LISTVALUE, PJ_ANY
};
enum pj_label { PJ_SINGULAR, PJ_REPEATED, PJ_MAP };

struct pj_enum_value {
	const char	*name;
	int		 number;
};
struct pj_enum {
	const char			*name;		/* full proto name */
	const struct pj_enum_value	*values;
	int				 nvalues;
};
struct pj_field {
	const char	*name;		/* proto name: what Flyte's gateway writes */
	const char	*json;		/* lowerCamelCase: also accepted on input */
	int		 kind;		/* enum pj_kind of the value (map: of its values) */
	int		 label;		/* enum pj_label */
	int		 key;		/* map key kind (always PJ_STRING in flyteidl) */
	int		 ref;		/* pj_messages / pj_enums index, -1 for scalars */
	int		 oneof;		/* index into the message's oneofs, -1 for none */
	int		 wrapper;	/* google.protobuf.*Value: nullable scalar */
};
struct pj_message {
	const char		*name;		/* full proto name */
	const struct pj_field	*fields;	/* in declaration order */
	int			 nfields;
	const char *const	*oneofs;
	int			 noneofs;
};

#include "flyteidl_schema.inc"

#define PJ_MAX_FIELDS	64	/* the largest flyteidl message has 19 */
#define PJ_MAX_ONEOFS	8
#define MAX_SECONDS	315576000000LL	/* protobuf's Duration bound */
#define MIN_TS		(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define MAX_TS		253402300799LL	/* 9999-12-31T23:59:59Z */

struct conv {
	int	 flags;		/* PJ_* */
	char	*err;		/* caller's buffer: first error wins */
	size_t	 errlen;
	int	 failed;
	char	 path[512];	/* field path of the value being converted */
	size_t	 pathlen;
};

static cJSON	*conv_message(struct conv *, int, const cJSON *);
static cJSON	*conv_field(struct conv *, const struct pj_field *, const cJSON *);

static void fail(struct conv *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct conv *c, const char *fmt, ...)
{
	char	msg[384];
	va_list	ap;

	if (c->failed)
		return;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Go says "proto: (line 1:23): ..."; a field path is more useful here. */
	snprintf(c->err, c->errlen, "proto: (%s): %s", c->path, msg);
}

/* Short raw JSON of v for messages, as Go quotes the offending token. */
static const char *
raw(const cJSON *v, char *buf, size_t len)
{
	char	*s = cJSON_PrintUnformatted(v);

	if (s == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (strlen(s) > 60)
		snprintf(buf, len, "%.57s...", s);
	else
		snprintf(buf, len, "%s", s);
	cJSON_free(s);
	return buf;
}

static void
path_add(struct conv *c, const char *s)
{
	size_t	n = strlen(s);

	if (n > sizeof(c->path) - 1 - c->pathlen)
		n = sizeof(c->path) - 1 - c->pathlen;
	memcpy(c->path + c->pathlen, s, n);
	c->pathlen += n;
	c->path[c->pathlen] = '\0';
}

/*
 * Append pre, arg, post to the path; returns the length to cut back to.
 * Done for every field of every body, so no printf: it showed in profiles.
 */
static size_t
path_push(struct conv *c, const char *pre, const char *arg, const char *post)
{
	size_t	mark = c->pathlen;

	path_add(c, pre);
	path_add(c, arg);
	path_add(c, post);
	return mark;
}

static void
path_cut(struct conv *c, size_t mark)
{
	c->pathlen = mark;
	c->path[mark] = '\0';
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case PJ_BOOL:		return "bool";
	case PJ_STRING:		return "string";
	case PJ_BYTES:		return "bytes";
	case PJ_INT32:		return "int32";
	case PJ_UINT32:		return "uint32";
	case PJ_INT64:		return "int64";
	case PJ_UINT64:		return "uint64";
	case PJ_FLOAT:		return "float";
	case PJ_DOUBLE:		return "double";
	case PJ_ENUM:		return "enum";
	default:		return "message";
	}
}

int
pjson_message(const char *full_name)
{
	size_t	i;

	for (i = 0; i < sizeof(pj_messages) / sizeof(pj_messages[0]); i++)
		if (strcmp(pj_messages[i].name, full_name) == 0)
			return (int)i;
	return -1;
}

const char *
pjson_flyteidl_version(void)
{
	return PJ_FLYTEIDL_VERSION;
}

/* --- time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
digits(const char **s, int n, int *out)
{
	int	v = 0;

	while (n-- > 0) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (*(*s)++ - '0');
	}
	*out = v;
	return 0;
}

int
pjson_parse_timestamp(const char *s, long long *secs, int *nanos)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int		 y, mo, d, h, mi, sec, ns = 0, nd = 0, oh = 0, om = 0, sign = 0;
	long long	 t;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d) || *s++ != 'T' ||
	    digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
	    *s++ != ':' || digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			/* protojson allows at most nanoseconds. */
			if (++nd > 9)
				return -1;
			ns = ns * 10 + (*s++ - '0');
		}
		if (nd == 0)
			return -1;
		for (int i = nd; i < 9; i++)
			ns *= 10;
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	if (t < MIN_TS || t > MAX_TS)
		return -1;
	*secs = t;
	*nanos = ns;
	return 0;
}

void
pjson_format_timestamp(long long secs, int nanos, char *buf, size_t len)
{
	long long	days = secs / 86400, rem = secs % 86400, y;
	int		m, d, n;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d", y, m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	/* Go writes 0, 3, 6 or 9 fractional digits. */
	if (nanos != 0 && n > 0 && (size_t)n < len) {
		if (nanos % 1000000 == 0)
			n += snprintf(buf + n, len - n, ".%03d", nanos / 1000000);
		else if (nanos % 1000 == 0)
			n += snprintf(buf + n, len - n, ".%06d", nanos / 1000);
		else
			n += snprintf(buf + n, len - n, ".%09d", nanos);
	}
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "Z");
}

/* protojson's Duration: -?(0|[1-9][0-9]*)?(\.[0-9]{0,9})?s, within ±10000 years. */
static int
parse_duration(const char *s, long long *secs, int *nanos)
{
	int		neg = 0, nd = 0, ns = 0, any = 0;
	long long	v = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '0') {
		s++;
		any = 1;
	} else {
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			any = 1;
			if (v > MAX_SECONDS)
				return -1;
		}
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (++nd > 9)
				return -1;
			ns = ns * 10 + (*s++ - '0');
			any = 1;
		}
		for (int i = nd; i < 9; i++)
			ns *= 10;
	}
	if (!any || s[0] != 's' || s[1] != '\0')
		return -1;
	*secs = neg ? -v : v;
	*nanos = neg ? -ns : ns;
	return 0;
}

static void
format_duration(long long secs, int nanos, char *buf, size_t len)
{
	const char	*sign = "";
	char		 tmp[64];
	size_t		 n;

	if (secs < 0 || nanos < 0) {
		sign = "-";
		secs = -secs;
		nanos = -nanos;
	}
	snprintf(tmp, sizeof(tmp), "%s%lld.%09d", sign, secs, nanos);
	n = strlen(tmp);
	/* Trim like Go: "000", "000", then ".000". */
	if (n > 3 && strcmp(tmp + n - 3, "000") == 0)
		tmp[n -= 3] = '\0';
	if (n > 3 && strcmp(tmp + n - 3, "000") == 0)
		tmp[n -= 3] = '\0';
	if (n > 4 && strcmp(tmp + n - 4, ".000") == 0)
		tmp[n -= 4] = '\0';
	snprintf(buf, len, "%ss", tmp);
}

/* --- scalars --------------------------------------------------------- */

static int
utf8_valid(const unsigned char *s)
{
	while (*s) {
		int		n;
		unsigned	cp;

		if (*s < 0x80) {
			s++;
			continue;
		} else if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
		} else
			return 0;
		s++;
		for (int i = 0; i < n; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/*
 * A JSON number in text (protojson accepts integers quoted) as an exact
 * integer: digits and exponent are combined without going through double.
 * Returns 0 with *neg and *mag set, -1 if not an integral JSON number.
 */
static int
text_integer(const char *s, int *neg, unsigned long long *mag)
{
	char		 dig[64];
	int		 nd = 0, nfrac = 0, exp = 0, eneg = 0;
	const char	*p = s;

	*neg = 0;
	if (*p == '-') {
		*neg = 1;
		p++;
	}
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9') {
			if (nd < 40)
				dig[nd++] = *p;
			else
				return -1;
			p++;
		}
	else
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			if (nd >= 40)
				return -1;
			dig[nd++] = *p++;
			nfrac++;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			exp = exp * 10 + (*p++ - '0');
			if (exp > 100)
				return -1;
		}
		if (eneg)
			exp = -exp;
	}
	if (*p != '\0')
		return -1;
	exp -= nfrac;
	/* Drop digits the exponent divides away; they must be zeros. */
	while (exp < 0 && nd > 0) {
		if (dig[nd - 1] != '0')
			return -1;
		nd--;
		exp++;
	}
	while (exp > 0 && nd > 0) {
		if (nd >= 40)
			return -1;
		dig[nd++] = '0';
		exp--;
	}
	*mag = 0;
	for (int i = 0; i < nd; i++) {
		unsigned long long d = (unsigned long long)(dig[i] - '0');

		if (*mag > (~0ULL - d) / 10)
			return -1;
		*mag = *mag * 10 + d;
	}
	return 0;
}

/* Whether s is exactly a JSON number (protojson takes floats quoted, too). */
static int
json_number_text(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		if (*++p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static cJSON *
conv_integer(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	char			 buf[80], out[32];
	int			 neg;
	unsigned long long	 mag;
	int			 kind = f->kind;

	if (cJSON_IsNumber(in)) {
		double	v = in->valuedouble;

		/* cJSON keeps only the double; exact beyond 2^53 is lost. */
		if (!isfinite(v) || v != floor(v))
			goto bad;
		neg = v < 0;
		if (fabs(v) >= 18446744073709551616.0)
			goto bad;
		mag = (unsigned long long)fabs(v);
	} else if (cJSON_IsString(in)) {
		if (text_integer(in->valuestring, &neg, &mag) == -1)
			goto bad;
	} else
		goto bad;
	if (neg && mag == 0)
		neg = 0;
	switch (kind) {
	case PJ_INT32:
		if ((!neg && mag > 2147483647ULL) || (neg && mag > 2147483648ULL))
			goto bad;
		break;
	case PJ_UINT32:
		if (neg || mag > 4294967295ULL)
			goto bad;
		break;
	case PJ_INT64:
		if ((!neg && mag > 9223372036854775807ULL) ||
		    (neg && mag > 9223372036854775808ULL))
			goto bad;
		break;
	case PJ_UINT64:
		if (neg)
			goto bad;
		break;
	}
	if (kind == PJ_INT32 || kind == PJ_UINT32)
		return cJSON_CreateNumber(neg ? -(double)mag : (double)mag);
	/* protojson writes 64-bit integers as strings. */
	snprintf(out, sizeof(out), "%s%llu", neg ? "-" : "", mag);
	return cJSON_CreateString(out);
 bad:
	fail(c, "invalid value for %s field %s: %s", kind_name(kind), f->name,
	    raw(in, buf, sizeof(buf)));
	return NULL;
}

static cJSON *
conv_float(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	char	buf[80];
	double	v;

	if (cJSON_IsNumber(in))
		v = in->valuedouble;
	else if (cJSON_IsString(in)) {
		const char *s = in->valuestring;

		if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 ||
		    strcmp(s, "-Infinity") == 0)
			return cJSON_CreateString(s);
		if (!json_number_text(s))
			goto bad;
		v = strtod(s, NULL);
	} else
		goto bad;
	if (!isfinite(v) || (f->kind == PJ_FLOAT && fabs(v) > 3.4028234663852886e38))
		goto bad;
	return cJSON_CreateNumber(v);
 bad:
	fail(c, "invalid value for %s field %s: %s", kind_name(f->kind), f->name,
	    raw(in, buf, sizeof(buf)));
	return NULL;
}

static int
b64val(int ch, int url)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == (url ? '-' : '+'))
		return 62;
	if (ch == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Standard or URL base64, padded or not, as protojson takes bytes; re-encoded padded standard. */
static cJSON *
conv_bytes(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	static const char	 std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char			 buf[80];
	const char		*s;
	unsigned char		*bin = NULL;
	char			*txt = NULL;
	size_t			 len, n = 0, i, o = 0;
	int			 url, acc = 0, bits = 0;
	cJSON			*out = NULL;

	if (!cJSON_IsString(in))
		goto bad;
	s = in->valuestring;
	len = strlen(s);
	url = strpbrk(s, "-_") != NULL;
	if (len % 4 == 0 && len > 0 && s[len - 1] == '=')
		len -= s[len - 2] == '=' ? 2 : 1;
	else if (len % 4 == 1)
		goto bad;
	if ((bin = malloc(len + 1)) == NULL)
		goto bad;
	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i], url);

		if (v < 0)
			goto bad;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bin[n++] = (unsigned char)(acc >> bits);
			acc &= (1 << bits) - 1;
		}
	}
	if ((txt = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		goto bad;
	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)bin[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)bin[i + 1] << 8;
		if (i + 2 < n)
			v |= bin[i + 2];
		txt[o++] = std[v >> 18 & 63];
		txt[o++] = std[v >> 12 & 63];
		txt[o++] = i + 1 < n ? std[v >> 6 & 63] : '=';
		txt[o++] = i + 2 < n ? std[v & 63] : '=';
	}
	txt[o] = '\0';
	out = cJSON_CreateString(txt);
	free(bin);
	free(txt);
	return out;
 bad:
	free(bin);
	free(txt);
	fail(c, "invalid value for bytes field %s: %s", f->name, raw(in, buf, sizeof(buf)));
	return NULL;
}

static cJSON *
conv_enum(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	const struct pj_enum	*e = &pj_enums[f->ref];
	char			 buf[80];
	int			 i;

	if (cJSON_IsString(in)) {
		for (i = 0; i < e->nvalues; i++)
			if (strcmp(e->values[i].name, in->valuestring) == 0)
				return cJSON_CreateString(e->values[i].name);
	} else if (cJSON_IsNumber(in) && in->valuedouble == floor(in->valuedouble) &&
	    fabs(in->valuedouble) <= 2147483647.0) {
		/* Open proto3 enums take any int32; known ones print by name. */
		for (i = 0; i < e->nvalues; i++)
			if (e->values[i].number == (int)in->valuedouble)
				return cJSON_CreateString(e->values[i].name);
		return cJSON_CreateNumber(in->valuedouble);
	}
	fail(c, "invalid value for enum field %s: %s (%s)", f->name,
	    raw(in, buf, sizeof(buf)), e->name);
	return NULL;
}

static int
cmp_items(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* Detach every member of obj and re-add them sorted by key: Go writes maps sorted. */
static int
sort_object(cJSON *obj)
{
	cJSON	**items, *it;
	int	  n = cJSON_GetArraySize(obj), i;

	if (n < 2)
		return 0;
	if ((items = calloc((size_t)n, sizeof(*items))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		items[i] = cJSON_DetachItemFromArray(obj, 0);
	qsort(items, (size_t)n, sizeof(*items), cmp_items);
	for (i = 0; i < n; i++) {
		it = items[i];
		cJSON_AddItemToArray(obj, it);
	}
	free(items);
	return 0;
}

/* Deep copy of a google.protobuf.Value tree with objects sorted, refusing duplicate keys. */
static cJSON *
copy_value(struct conv *c, const cJSON *in)
{
	cJSON	*out, *child, *v;

	if (cJSON_IsObject(in) || cJSON_IsArray(in)) {
		out = cJSON_IsObject(in) ? cJSON_CreateObject() : cJSON_CreateArray();
		if (out == NULL)
			return NULL;
		cJSON_ArrayForEach(child, in) {
			if (cJSON_IsObject(in) &&
			    cJSON_GetObjectItemCaseSensitive(out, child->string) != NULL) {
				fail(c, "duplicate map key \"%s\"", child->string);
				cJSON_Delete(out);
				return NULL;
			}
			if ((v = copy_value(c, child)) == NULL) {
				cJSON_Delete(out);
				return NULL;
			}
			if (cJSON_IsObject(in))
				cJSON_AddItemToObject(out, child->string, v);
			else
				cJSON_AddItemToArray(out, v);
		}
		if (cJSON_IsObject(out))
			sort_object(out);
		return out;
	}
	if (cJSON_IsString(in) && !utf8_valid((const unsigned char *)in->valuestring)) {
		fail(c, "invalid UTF-8 in string");
		return NULL;
	}
	return cJSON_Duplicate(in, 1);
}

/* One value of f's kind (an element, for repeated and map fields). */
static cJSON *
conv_value(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	char		buf[80], ts[64];
	long long	secs;
	int		nanos;

	if (cJSON_IsNull(in) && f->kind != PJ_VALUE) {
		/* A null element of a list or map is an error; fields skip earlier. */
		if (f->kind == PJ_MESSAGE)
			fail(c, "unexpected token null");
		else
			fail(c, "invalid value for %s field %s: null", kind_name(f->kind), f->name);
		return NULL;
	}
	switch (f->kind) {
	case PJ_BOOL:
		if (cJSON_IsBool(in))
			return cJSON_CreateBool(cJSON_IsTrue(in));
		break;
	case PJ_STRING:
		if (!cJSON_IsString(in))
			break;
		if (!utf8_valid((const unsigned char *)in->valuestring)) {
			fail(c, "field %s contains invalid UTF-8", f->name);
			return NULL;
		}
		return cJSON_CreateString(in->valuestring);
	case PJ_BYTES:
		return conv_bytes(c, f, in);
	case PJ_INT32:
	case PJ_UINT32:
	case PJ_INT64:
	case PJ_UINT64:
		return conv_integer(c, f, in);
	case PJ_FLOAT:
	case PJ_DOUBLE:
		return conv_float(c, f, in);
	case PJ_ENUM:
		return conv_enum(c, f, in);
	case PJ_MESSAGE:
		return conv_message(c, f->ref, in);
	case PJ_TIMESTAMP:
		if (!cJSON_IsString(in) ||
		    pjson_parse_timestamp(in->valuestring, &secs, &nanos) == -1) {
			fail(c, "invalid google.protobuf.Timestamp value %s",
			    raw(in, buf, sizeof(buf)));
			return NULL;
		}
		pjson_format_timestamp(secs, nanos, ts, sizeof(ts));
		return cJSON_CreateString(ts);
	case PJ_DURATION:
		if (!cJSON_IsString(in) ||
		    parse_duration(in->valuestring, &secs, &nanos) == -1) {
			fail(c, "invalid google.protobuf.Duration value %s",
			    raw(in, buf, sizeof(buf)));
			return NULL;
		}
		format_duration(secs, nanos, ts, sizeof(ts));
		return cJSON_CreateString(ts);
	case PJ_STRUCT:
		if (!cJSON_IsObject(in)) {
			fail(c, "unexpected token %s (google.protobuf.Struct wants an object)",
			    raw(in, buf, sizeof(buf)));
			return NULL;
		}
		return copy_value(c, in);
	case PJ_LISTVALUE:
		if (!cJSON_IsArray(in)) {
			fail(c, "unexpected token %s (google.protobuf.ListValue wants an array)",
			    raw(in, buf, sizeof(buf)));
			return NULL;
		}
		return copy_value(c, in);
	case PJ_VALUE:
		return copy_value(c, in);
	case PJ_ANY:
		if (!cJSON_IsObject(in) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(in, "@type"))) {
			fail(c, "google.protobuf.Any wants an object with \"@type\"");
			return NULL;
		}
		return copy_value(c, in);
	}
	fail(c, "invalid value for %s field %s: %s", kind_name(f->kind), f->name,
	    raw(in, buf, sizeof(buf)));
	return NULL;
}

static cJSON *
conv_field(struct conv *c, const struct pj_field *f, const cJSON *in)
{
	char	 buf[80];
	cJSON	*out, *child, *v;
	size_t	 mark;
	int	 i = 0;

	if (f->label == PJ_SINGULAR)
		return conv_value(c, f, in);
	if (f->label == PJ_REPEATED ? !cJSON_IsArray(in) : !cJSON_IsObject(in)) {
		fail(c, "unexpected token %s (%s field %s)", raw(in, buf, sizeof(buf)),
		    f->label == PJ_REPEATED ? "list" : "map", f->name);
		return NULL;
	}
	out = f->label == PJ_REPEATED ? cJSON_CreateArray() : cJSON_CreateObject();
	if (out == NULL)
		return NULL;
	cJSON_ArrayForEach(child, in) {
		if (f->label == PJ_MAP) {
			if (cJSON_GetObjectItemCaseSensitive(out, child->string) != NULL) {
				fail(c, "duplicate map key \"%s\"", child->string);
				goto fail;
			}
			mark = path_push(c, "[\"", child->string, "\"]");
		} else {
			char	 digits[16], *d = digits + sizeof(digits) - 1;
			int	 k = i++;

			*d = '\0';
			do
				*--d = (char)('0' + k % 10);
			while ((k /= 10) > 0);
			mark = path_push(c, "[", d, "]");
		}
		v = conv_value(c, f, child);
		if (v == NULL)
			goto fail;
		path_cut(c, mark);
		if (f->label == PJ_MAP)
			cJSON_AddItemToObject(out, child->string, v);
		else
			cJSON_AddItemToArray(out, v);
	}
	if (f->label == PJ_MAP)
		sort_object(out);
	return out;
 fail:
	cJSON_Delete(out);
	return NULL;
}

static const struct pj_field *
find_field(const struct pj_message *m, const char *key)
{
	int	i;

	/* protojson tries the JSON name first, then the proto name. */
	for (i = 0; i < m->nfields; i++)
		if (strcmp(m->fields[i].json, key) == 0)
			return &m->fields[i];
	for (i = 0; i < m->nfields; i++)
		if (strcmp(m->fields[i].name, key) == 0)
			return &m->fields[i];
	return NULL;
}

/* Proto3 implicit presence: a zero scalar is indistinguishable from unset. */
static int
is_zero(const struct pj_field *f, const cJSON *v)
{
	if (f->label != PJ_SINGULAR)
		return cJSON_GetArraySize(v) == 0;
	if (f->wrapper)
		return 0;
	switch (f->kind) {
	case PJ_BOOL:
		return cJSON_IsFalse(v);
	case PJ_INT32:
	case PJ_UINT32:
	case PJ_FLOAT:
	case PJ_DOUBLE:
		return cJSON_IsNumber(v) && v->valuedouble == 0 && !signbit(v->valuedouble);
	case PJ_INT64:
	case PJ_UINT64:
		return strcmp(v->valuestring, "0") == 0;
	case PJ_STRING:
	case PJ_BYTES:
		return v->valuestring[0] == '\0';
	case PJ_ENUM:
		if (cJSON_IsNumber(v))
			return v->valuedouble == 0;
		for (int i = 0; i < pj_enums[f->ref].nvalues; i++)
			if (pj_enums[f->ref].values[i].number == 0)
				return strcmp(pj_enums[f->ref].values[i].name, v->valuestring) == 0;
		return 0;
	default:
		return 0;
	}
}

/* What EmitUnpopulated writes for an unset field. */
static cJSON *
zero_value(const struct pj_field *f)
{
	if (f->label == PJ_REPEATED)
		return cJSON_CreateArray();
	if (f->label == PJ_MAP)
		return cJSON_CreateObject();
	if (f->wrapper)
		return cJSON_CreateNull();
	switch (f->kind) {
	case PJ_BOOL:
		return cJSON_CreateFalse();
	case PJ_INT32:
	case PJ_UINT32:
	case PJ_FLOAT:
	case PJ_DOUBLE:
		return cJSON_CreateNumber(0);
	case PJ_INT64:
	case PJ_UINT64:
		return cJSON_CreateString("0");
	case PJ_STRING:
	case PJ_BYTES:
		return cJSON_CreateString("");
	case PJ_ENUM:
		for (int i = 0; i < pj_enums[f->ref].nvalues; i++)
			if (pj_enums[f->ref].values[i].number == 0)
				return cJSON_CreateString(pj_enums[f->ref].values[i].name);
		return cJSON_CreateNumber(0);
	default:
		return cJSON_CreateNull();
	}
}

static cJSON *
conv_message(struct conv *c, int msg, const cJSON *in)
{
	const struct pj_message	*m = &pj_messages[msg];
	cJSON			*vals[PJ_MAX_FIELDS] = { 0 };
	char			 seen[PJ_MAX_FIELDS] = { 0 };
	char			 oneof_seen[PJ_MAX_ONEOFS] = { 0 };
	char			 buf[80];
	cJSON			*child, *out = NULL, *v;
	const struct pj_field	*f;
	size_t			 mark;
	int			 i;

	if (m->nfields > PJ_MAX_FIELDS || m->noneofs > PJ_MAX_ONEOFS) {
		fail(c, "stub: %s has too many fields for pjson.c", m->name);
		return NULL;
	}
	if (!cJSON_IsObject(in)) {
		fail(c, "unexpected token %s (%s wants an object)",
		    raw(in, buf, sizeof(buf)), m->name);
		return NULL;
	}
	cJSON_ArrayForEach(child, in) {
		if ((f = find_field(m, child->string)) == NULL) {
			if (c->flags & PJ_IN_DISCARD_UNKNOWN)
				continue;
			fail(c, "unknown field \"%s\" in %s", child->string, m->name);
			goto fail;
		}
		i = (int)(f - m->fields);
		if (seen[i]) {
			fail(c, "duplicate field \"%s\"", child->string);
			goto fail;
		}
		seen[i] = 1;
		/* protojson treats null as unset, except for google.protobuf.Value. */
		if (cJSON_IsNull(child) && f->kind != PJ_VALUE)
			continue;
		if (f->oneof >= 0) {
			if (oneof_seen[f->oneof]) {
				fail(c, "error parsing \"%s\", oneof %s.%s is already set",
				    child->string, m->name, m->oneofs[f->oneof]);
				goto fail;
			}
			oneof_seen[f->oneof] = 1;
		}
		mark = path_push(c, ".", child->string, "");
		vals[i] = conv_field(c, f, child);
		if (vals[i] == NULL)
			goto fail;
		path_cut(c, mark);
	}
	if ((out = cJSON_CreateObject()) == NULL)
		goto fail;
	for (i = 0; i < m->nfields; i++) {
		f = &m->fields[i];
		v = vals[i];
		vals[i] = NULL;
		if (v == NULL) {
			if (!(c->flags & PJ_OUT_UNPOPULATED) || f->oneof >= 0)
				continue;
			v = zero_value(f);
		} else if (!(c->flags & PJ_OUT_UNPOPULATED) && f->oneof < 0 &&
		    is_zero(f, v)) {
			cJSON_Delete(v);
			continue;
		}
		cJSON_AddItemToObject(out, (c->flags & PJ_OUT_CAMEL) ? f->json : f->name, v);
	}
	return out;
 fail:
	for (i = 0; i < m->nfields; i++)
		cJSON_Delete(vals[i]);
	cJSON_Delete(out);
	return NULL;
}

cJSON *
pjson_convert(int msg, const cJSON *in, int flags, const char *where,
    char *err, size_t errlen)
{
	struct conv	c;
	cJSON		*out;

	memset(&c, 0, sizeof(c));
	c.flags = flags;
	c.err = err;
	c.errlen = errlen;
	path_add(&c, where);
	if (msg < 0 || (size_t)msg >= sizeof(pj_messages) / sizeof(pj_messages[0])) {
		snprintf(err, errlen, "stub: no such message");
		return NULL;
	}
	out = conv_message(&c, msg, in);
	if (out == NULL && !c.failed)
		snprintf(err, errlen, "stub: out of memory");
	return out;
}
