/* literal.c: plain JSON inputs to Literal protojson, typed by the launch plan, as flytectl does. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/literal.h"
#include "schedd/protojson.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SHOWN_MAX	40	/* bytes of a refused value quoted back */
#define NAME_MAX_SHOWN	48	/* bytes of an input name or key in a path */
#define NS_PER_S	1000000000ULL

/* One conversion: where we are in the value, how deep, what went wrong. */
struct conv {
	char		path[128];	/* "input xs[2].k", prefix of messages */
	size_t		pathlen;
	int		depth;		/* LiteralType levels entered */
	int		fatal;		/* too deep, no memory: unions stop */
	struct err	err;
};

/* SimpleType, in proto order, with what a message calls a value of it. */
enum { SIMPLE_NONE, SIMPLE_INTEGER, SIMPLE_FLOAT, SIMPLE_STRING, SIMPLE_BOOLEAN,
	SIMPLE_DATETIME, SIMPLE_DURATION, SIMPLE_BINARY, SIMPLE_ERROR,
	SIMPLE_STRUCT };
static const char *const simple_names[] = { "NONE", "INTEGER", "FLOAT",
	"STRING", "BOOLEAN", "DATETIME", "DURATION", "BINARY", "ERROR", "STRUCT" };
static const char *const simple_wanted[] = { "null", "integer", "float",
	"string", "boolean", "datetime (RFC 3339)", "duration (like \"1h30m\")",
	"binary", "error", "object" };
static const char *const dimensionality_names[] = { "SINGLE", "MULTIPART" };
static const char *const column_type_names[] = { "INTEGER", "FLOAT", "STRING",
	"BOOLEAN", "DATETIME", "DURATION" };

/* The members of LiteralType's oneof `type`, in proto order. */
enum { KIND_SIMPLE, KIND_SCHEMA, KIND_COLLECTION, KIND_MAP, KIND_BLOB,
	KIND_ENUM, KIND_DATASET, KIND_UNION };
static const char *const kinds[] = { "simple", "schema", "collection_type",
	"map_value_type", "blob", "enum_type", "structured_dataset_type",
	"union_type" };

/*
 * The type messages a literal repeats (a union's variant, a blob's type, a
 * dataset's type), so they can be written back in protojson's proto names
 * whichever spelling Admin used, nulls dropped and enums as names. Fields
 * we do not know are copied as they came: Admin wrote them, Admin reads them.
 */
enum field_kind { FIELD_STRING, FIELD_ENUM, FIELD_MESSAGE, FIELD_STRUCT };
#define FIELD_REPEATED	1
#define FIELD_MAP	2

struct message;
struct field {
	const char		*name;		/* proto name, what we write */
	const char		*camel;		/* lowerCamelCase, also read */
	enum field_kind		 kind;
	int			 flags;		/* FIELD_REPEATED, FIELD_MAP */
	const struct message	*message;	/* FIELD_MESSAGE */
	const char *const	*names;		/* FIELD_ENUM */
	int			 nnames;
};

struct message {
	const char		*name;
	const struct field	*fields;
	size_t			 nfields;
	int			 nests;		/* a LiteralType: a level */
};

static const struct message literal_type_message, schema_type_message,
    schema_column_message, blob_type_message, enum_type_message,
    dataset_type_message, dataset_column_message, union_type_message,
    annotation_message, structure_message;

#define ENUM(n)		FIELD_ENUM, 0, NULL, n, (int)NELEM(n)
#define MESSAGE(m, f)	FIELD_MESSAGE, f, &m, NULL, 0

static const struct field literal_type_fields[] = {
	{ "simple", "simple", ENUM(simple_names) },
	{ "schema", "schema", MESSAGE(schema_type_message, 0) },
	{ "collection_type", "collectionType", MESSAGE(literal_type_message, 0) },
	{ "map_value_type", "mapValueType", MESSAGE(literal_type_message, 0) },
	{ "blob", "blob", MESSAGE(blob_type_message, 0) },
	{ "enum_type", "enumType", MESSAGE(enum_type_message, 0) },
	{ "structured_dataset_type", "structuredDatasetType",
	    MESSAGE(dataset_type_message, 0) },
	{ "union_type", "unionType", MESSAGE(union_type_message, 0) },
	{ "metadata", "metadata", FIELD_STRUCT, 0, NULL, NULL, 0 },
	{ "annotation", "annotation", MESSAGE(annotation_message, 0) },
	{ "structure", "structure", MESSAGE(structure_message, 0) },
};
static const struct field schema_type_fields[] = {
	{ "columns", "columns", MESSAGE(schema_column_message, FIELD_REPEATED) },
};
static const struct field schema_column_fields[] = {
	{ "name", "name", FIELD_STRING, 0, NULL, NULL, 0 },
	{ "type", "type", ENUM(column_type_names) },
};
static const struct field blob_type_fields[] = {
	{ "format", "format", FIELD_STRING, 0, NULL, NULL, 0 },
	{ "dimensionality", "dimensionality", ENUM(dimensionality_names) },
};
static const struct field enum_type_fields[] = {
	{ "values", "values", FIELD_STRING, FIELD_REPEATED, NULL, NULL, 0 },
};
static const struct field dataset_type_fields[] = {
	{ "columns", "columns", MESSAGE(dataset_column_message, FIELD_REPEATED) },
	{ "format", "format", FIELD_STRING, 0, NULL, NULL, 0 },
	{ "external_schema_type", "externalSchemaType", FIELD_STRING, 0, NULL,
	    NULL, 0 },
	/* bytes: base64 text in protojson, passed on as is */
	{ "external_schema_bytes", "externalSchemaBytes", FIELD_STRING, 0, NULL,
	    NULL, 0 },
};
static const struct field dataset_column_fields[] = {
	{ "name", "name", FIELD_STRING, 0, NULL, NULL, 0 },
	{ "literal_type", "literalType", MESSAGE(literal_type_message, 0) },
};
static const struct field union_type_fields[] = {
	{ "variants", "variants", MESSAGE(literal_type_message, FIELD_REPEATED) },
};
static const struct field annotation_fields[] = {
	{ "annotations", "annotations", FIELD_STRUCT, 0, NULL, NULL, 0 },
};
static const struct field structure_fields[] = {
	{ "tag", "tag", FIELD_STRING, 0, NULL, NULL, 0 },
	{ "dataclass_type", "dataclassType", MESSAGE(literal_type_message,
	    FIELD_MAP) },
};

#define MSG(n, f, nests)	{ n, f, NELEM(f), nests }
static const struct message literal_type_message =
    MSG("LiteralType", literal_type_fields, 1);
static const struct message schema_type_message =
    MSG("SchemaType", schema_type_fields, 0);
static const struct message schema_column_message =
    MSG("SchemaColumn", schema_column_fields, 0);
static const struct message blob_type_message =
    MSG("BlobType", blob_type_fields, 0);
static const struct message enum_type_message =
    MSG("EnumType", enum_type_fields, 0);
static const struct message dataset_type_message =
    MSG("StructuredDatasetType", dataset_type_fields, 0);
static const struct message dataset_column_message =
    MSG("DatasetColumn", dataset_column_fields, 0);
static const struct message union_type_message =
    MSG("UnionType", union_type_fields, 0);
static const struct message annotation_message =
    MSG("TypeAnnotation", annotation_fields, 0);
static const struct message structure_message =
    MSG("TypeStructure", structure_fields, 0);

static int	fail(struct conv *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	append(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static size_t	path_push(struct conv *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	convert(const cJSON *, const cJSON *, struct conv *, cJSON **);

/* Append to the string in buf, truncating. */
static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t	used = strlen(buf);
	va_list	ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Copy a name or key for a message: bounded, one line. */
static void
sanitize(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < NAME_MAX_SHOWN && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] != '\0' && i + 3 < len)
		strcpy(buf + i, "...");
}

static size_t
path_push(struct conv *c, const char *fmt, ...)
{
	size_t	old = c->pathlen;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);
	va_end(ap);
	c->pathlen = strlen(c->path);
	return old;
}

static void
path_pop(struct conv *c, size_t old)
{
	c->path[old] = '\0';
	c->pathlen = old;
}

/* Fill c->err with "<path>: <message>"; fatal stops a union's search. */
static int
fail(struct conv *c, int fatal, const char *fmt, ...)
{
	char	msg[sizeof(c->err.msg)];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set_code(&c->err, EX_DATAERR, "%s: %s", c->path, msg);
	c->fatal |= fatal;
	return -1;
}

static int
nomem(struct conv *c)
{
	err_set_code(&c->err, EX_OSERR, "out of memory");
	c->fatal = 1;
	return -1;
}

/* A double as short as reads back the same, as cJSON prints it. */
static void
number_text(double d, char *buf, size_t len)
{
	if (!isfinite(d)) {
		snprintf(buf, len, "%g", d);
		return;
	}
	snprintf(buf, len, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, len, "%.17g", d);
}

/* A refused value, quoted back in a message. */
static void
show_value(const cJSON *v, char *buf, size_t len)
{
	char	*text;
	size_t	 n;

	if (v == NULL)
		snprintf(buf, len, "nothing");
	else if (cJSON_IsArray(v))
		snprintf(buf, len, "an array");
	else if (cJSON_IsObject(v))
		snprintf(buf, len, "an object");
	else if (cJSON_IsNumber(v))
		number_text(v->valuedouble, buf, len);
	else if ((text = cJSON_PrintUnformatted(v)) != NULL) {
		n = strlen(text);
		if (n > SHOWN_MAX) {
			n = SHOWN_MAX - 3;
			while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
				n--;	/* not inside a UTF-8 sequence */
			snprintf(buf, len, "%.*s...", (int)n, text);
		} else
			snprintf(buf, len, "%s", text);
		free(text);
	} else
		snprintf(buf, len, "a value");
}

/* An enum value's index, from its name or number (protojson reads both); -1. */
static int
enum_index(const cJSON *v, const char *const *names, int n)
{
	if (cJSON_IsString(v)) {
		for (int i = 0; i < n; i++)
			if (strcmp(v->valuestring, names[i]) == 0)
				return i;
	} else if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble < n && v->valuedouble == floor(v->valuedouble))
		return (int)v->valuedouble;
	return -1;
}

/* Which member of LiteralType's oneof is set, and its value; -1 if none. */
static int
type_kind(const cJSON *type, const cJSON **arg)
{
	for (size_t i = 0; i < NELEM(kinds); i++)
		if ((*arg = protojson_member(type, kinds[i])) != NULL)
			return (int)i;
	*arg = NULL;
	return -1;
}

static int
simple_of(const cJSON *type)
{
	const cJSON	*arg;

	if (type_kind(type, &arg) != KIND_SIMPLE)
		return -1;
	return enum_index(arg, simple_names, (int)NELEM(simple_names));
}

/* What a value of type must look like, for "expected ..." messages. */
static void
describe_type(const cJSON *type, char *buf, size_t len, int depth)
{
	const cJSON	*arg, *item;
	int		 i, first = 1;

	buf[0] = '\0';
	switch (type_kind(type, &arg)) {
	case KIND_SIMPLE:
		i = enum_index(arg, simple_names, (int)NELEM(simple_names));
		append(buf, len, "%s", i < 0 ? "an unknown simple type" :
		    simple_wanted[i]);
		break;
	case KIND_SCHEMA:
		append(buf, len, "schema URI");
		break;
	case KIND_COLLECTION:
		append(buf, len, "list");
		break;
	case KIND_MAP:
		append(buf, len, "map (object)");
		break;
	case KIND_BLOB:
		append(buf, len, "blob URI");
		break;
	case KIND_DATASET:
		append(buf, len, "structured dataset URI");
		break;
	case KIND_ENUM:
		append(buf, len, "one of [");
		cJSON_ArrayForEach(item, protojson_member(arg, "values")) {
			char	value[NAME_MAX_SHOWN + 4];

			if (!cJSON_IsString(item))
				continue;
			sanitize(item->valuestring, value, sizeof(value));
			append(buf, len, "%s%s", first ? "" : ", ", value);
			first = 0;
		}
		append(buf, len, "]");
		break;
	case KIND_UNION:
		cJSON_ArrayForEach(item, protojson_member(arg, "variants")) {
			char	sub[256];

			if (depth >= LITERAL_DEPTH_MAX)
				snprintf(sub, sizeof(sub), "...");
			else
				describe_type(item, sub, sizeof(sub), depth + 1);
			append(buf, len, "%s%s", first ? "" : " or ", sub);
			first = 0;
		}
		if (first)
			append(buf, len, "an empty union");
		break;
	default:
		append(buf, len, "an unsupported type");
		break;
	}
}

/* "expected <type>, got <value>". */
static int
mismatch(struct conv *c, const cJSON *v, const cJSON *type)
{
	char	wanted[192], got[64];

	describe_type(type, wanted, sizeof(wanted), c->depth);
	show_value(v, got, sizeof(got));
	return fail(c, 0, "expected %s, got %s", wanted, got);
}

/* A launch plan type we cannot read; not fatal: a union has other variants. */
static int
bad_type(struct conv *c, const cJSON *type, const char *why)
{
	char		*text = type ? cJSON_PrintUnformatted(type) : NULL;
	const char	*shown = text ? text : "nothing";
	int		 n = (int)strlen(shown);

	fail(c, 0, "unsupported launch plan type %.*s%s (%s)",
	    n > SHOWN_MAX ? SHOWN_MAX - 3 : n, shown,
	    n > SHOWN_MAX ? "..." : "", why);
	free(text);
	return -1;
}

static int
too_deep(struct conv *c)
{
	return fail(c, 1, "nested deeper than %d levels", LITERAL_DEPTH_MAX);
}

/* obj[key] = child, taking child; -1 (child freed) when out of memory. */
static int
add(cJSON *obj, const char *key, cJSON *child)
{
	if (child == NULL)
		return -1;
	if (!cJSON_AddItemToObject(obj, key, child)) {
		cJSON_Delete(child);
		return -1;
	}
	return 0;
}

/* {key: child}, taking child; NULL (child freed) when out of memory. */
static cJSON *
wrap(const char *key, cJSON *child)
{
	cJSON	*obj;

	if (child == NULL)
		return NULL;
	if ((obj = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(child);
		return NULL;
	}
	if (add(obj, key, child) == -1) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static int
norm_message(const cJSON *in, const struct message *m, int nest,
    struct conv *c, cJSON **out);

/* One value of a known field, normalized. */
static int
norm_value(const cJSON *v, const struct field *f, int nest, struct conv *c,
    cJSON **out)
{
	char	why[64];
	int	i;

	*out = NULL;
	switch (f->kind) {
	case FIELD_STRING:
		if (!cJSON_IsString(v))
			break;
		*out = cJSON_CreateString(v->valuestring);
		return *out == NULL ? nomem(c) : 0;
	case FIELD_ENUM:
		if ((i = enum_index(v, f->names, f->nnames)) == -1)
			break;
		*out = cJSON_CreateString(f->names[i]);
		return *out == NULL ? nomem(c) : 0;
	case FIELD_MESSAGE:
		return norm_message(v, f->message, nest, c, out);
	case FIELD_STRUCT:
		/* google.protobuf.Struct: user data, keys kept as written */
		if (!cJSON_IsObject(v))
			break;
		*out = cJSON_Duplicate(v, 1);
		return *out == NULL ? nomem(c) : 0;
	}
	snprintf(why, sizeof(why), "in %s", f->name);
	return bad_type(c, v, why);
}

static int
norm_field(const cJSON *v, const struct field *f, int nest, struct conv *c,
    cJSON **out)
{
	const cJSON	*item;
	cJSON		*all, *one;
	char		 why[64];

	if ((f->flags & (FIELD_REPEATED | FIELD_MAP)) == 0)
		return norm_value(v, f, nest, c, out);
	*out = NULL;
	if ((f->flags & FIELD_REPEATED) ? !cJSON_IsArray(v) : !cJSON_IsObject(v)) {
		snprintf(why, sizeof(why), "in %s", f->name);
		return bad_type(c, v, why);
	}
	all = (f->flags & FIELD_REPEATED) ? cJSON_CreateArray() :
	    cJSON_CreateObject();
	if (all == NULL)
		return nomem(c);
	cJSON_ArrayForEach(item, v) {
		if (norm_value(item, f, nest, c, &one) == -1)
			goto fail;
		if (f->flags & FIELD_REPEATED) {
			if (!cJSON_AddItemToArray(all, one)) {
				cJSON_Delete(one);
				nomem(c);
				goto fail;
			}
		} else if (add(all, item->string, one) == -1) {
			nomem(c);
			goto fail;
		}
	}
	*out = all;
	return 0;
 fail:
	cJSON_Delete(all);
	return -1;
}

/*
 * A type message in protojson's proto names: fields read in either
 * spelling, nulls dropped, enums by name, unknown fields copied.
 */
static int
norm_message(const cJSON *in, const struct message *m, int nest,
    struct conv *c, cJSON **out)
{
	const cJSON	*child;
	cJSON		*obj, *copy;
	char		 why[64];

	*out = NULL;
	if (!cJSON_IsObject(in)) {
		snprintf(why, sizeof(why), "not a %s", m->name);
		return bad_type(c, in, why);
	}
	if (m->nests && ++nest > LITERAL_DEPTH_MAX)
		return too_deep(c);
	if ((obj = cJSON_CreateObject()) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(child, in) {
		const struct field	*f = NULL;
		const char		*key = child->string;

		if (cJSON_IsNull(child))
			continue;
		for (size_t i = 0; i < m->nfields && f == NULL; i++)
			if (strcmp(key, m->fields[i].name) == 0 ||
			    strcmp(key, m->fields[i].camel) == 0)
				f = &m->fields[i];
		if (f == NULL) {
			if ((copy = cJSON_Duplicate(child, 1)) == NULL) {
				nomem(c);
				goto fail;
			}
		} else {
			key = f->name;
			if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL) {
				bad_type(c, in, "a field given twice");
				goto fail;
			}
			if (norm_field(child, f, nest, c, &copy) == -1)
				goto fail;
		}
		if (add(obj, key, copy) == -1) {
			nomem(c);
			goto fail;
		}
	}
	*out = obj;
	return 0;
 fail:
	cJSON_Delete(obj);
	return -1;
}

/* {"scalar":{"primitive":{key: value}}}, taking value. */
static int
primitive(struct conv *c, const char *key, cJSON *value, cJSON **out)
{
	*out = wrap("scalar", wrap("primitive", wrap(key, value)));
	return *out == NULL ? nomem(c) : 0;
}

/* Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in range. */
static int
parse_int64(const char *s, long long *value)
{
	unsigned long long	n = 0, limit = 9223372036854775807ULL;
	int			neg = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (n > (limit + neg - (unsigned)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*value = neg && n > 0 ? -(long long)(n - 1) - 1 : (long long)n;
	return 0;
}

static int
convert_integer(const cJSON *v, const cJSON *type, struct conv *c,
    cJSON **out)
{
	char		buf[32], got[64];
	long long	n;
	double		d;

	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (!isfinite(d) || d != floor(d))
			return mismatch(c, v, type);
		/*
		 * JSON numbers are doubles (flytectl's too): past 2^53
		 * they may not be the digits that were written.
		 */
		if (fabs(d) > 9007199254740992.0) {
			show_value(v, got, sizeof(got));
			return fail(c, 0, "expected integer, got %s (beyond 2^53 "
			    "a JSON number is inexact: write it as a string)", got);
		}
		n = (long long)d;
	} else if (!cJSON_IsString(v) || parse_int64(v->valuestring, &n) == -1)
		return mismatch(c, v, type);
	/* int64 is a JSON string in protojson */
	snprintf(buf, sizeof(buf), "%lld", n);
	return primitive(c, "integer", cJSON_CreateString(buf), out);
}

/* A decimal float in a string: Go's ParseFloat less hex and underscores. */
static int
parse_double(const char *s, double *d)
{
	char	*end;

	if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s))
		return -1;
	*d = strtod(s, &end);
	return *end == '\0' && isfinite(*d) ? 0 : -1;
}

static int
convert_float(const cJSON *v, const cJSON *type, struct conv *c, cJSON **out)
{
	static const struct {
		const char	*in, *out;
	} special[] = {	/* protojson's strings for a double's NaN, infinities */
		{ "nan", "NaN" }, { "inf", "Infinity" }, { "+inf", "Infinity" },
		{ "infinity", "Infinity" }, { "+infinity", "Infinity" },
		{ "-inf", "-Infinity" }, { "-infinity", "-Infinity" },
	};
	double	d;

	if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
		return primitive(c, "float_value",
		    cJSON_CreateNumber(v->valuedouble), out);
	if (!cJSON_IsString(v))
		return mismatch(c, v, type);
	for (size_t i = 0; i < NELEM(special); i++)
		if (strcasecmp(v->valuestring, special[i].in) == 0)
			return primitive(c, "float_value",
			    cJSON_CreateString(special[i].out), out);
	if (parse_double(v->valuestring, &d) == -1)
		return mismatch(c, v, type);
	return primitive(c, "float_value", cJSON_CreateNumber(d), out);
}

static int
convert_boolean(const cJSON *v, const cJSON *type, struct conv *c,
    cJSON **out)
{
	/* Go's strconv.ParseBool, which flytectl applies to every value */
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	if (cJSON_IsBool(v))
		return primitive(c, "boolean", cJSON_CreateBool(cJSON_IsTrue(v)),
		    out);
	if (cJSON_IsString(v))
		for (size_t i = 0; i < NELEM(yes); i++) {
			if (strcmp(v->valuestring, yes[i]) == 0)
				return primitive(c, "boolean",
				    cJSON_CreateTrue(), out);
			if (strcmp(v->valuestring, no[i]) == 0)
				return primitive(c, "boolean",
				    cJSON_CreateFalse(), out);
		}
	return mismatch(c, v, type);
}

/* ".500", ".000001", ".123456789" or "": protojson's 0, 3, 6 or 9 digits. */
static void
nanos_text(unsigned nanos, char *buf, size_t len)
{
	nanos %= 1000000000u;	/* callers pass less; this tells the compiler */
	if (nanos == 0)
		buf[0] = '\0';
	else if (nanos % 1000000 == 0)
		snprintf(buf, len, ".%03u", nanos / 1000000);
	else if (nanos % 1000 == 0)
		snprintf(buf, len, ".%06u", nanos / 1000);
	else
		snprintf(buf, len, ".%09u", nanos);
}

/* A Timestamp as protojson writes it: UTC, "Z", fraction per nanos_text. */
static int
timestamp_text(int64_t t, unsigned nanos, char *buf, size_t len)
{
	char	utc[32], frac[16];

	if (civil_format_rfc3339(t, 0, utc, sizeof(utc)) == -1)
		return -1;
	utc[strlen(utc) - 1] = '\0';	/* the Z goes after the fraction */
	nanos_text(nanos, frac, sizeof(frac));
	snprintf(buf, len, "%s%sZ", utc, frac);
	return 0;
}

static int
convert_datetime(const cJSON *v, const cJSON *type, struct conv *c,
    cJSON **out)
{
	const char	*s;
	char		 buf[48], got[64];
	unsigned	 nanos = 0;
	int64_t		 t;
	int		 i;

	if (!cJSON_IsString(v) ||
	    civil_parse_rfc3339(v->valuestring, &t, NULL) == -1)
		return mismatch(c, v, type);
	/* civil drops the fraction; keep it, to the nanosecond as Go does */
	s = v->valuestring + 19;	/* "2026-11-26T06:00:00" is fixed width */
	if (*s == '.') {
		s++;
		for (i = 0; i < 9; i++)
			nanos = nanos * 10 +
			    (unsigned)(isdigit((unsigned char)*s) ? *s++ - '0' : 0);
	}
	if (timestamp_text(t, nanos, buf, sizeof(buf)) == -1) {
		show_value(v, got, sizeof(got));
		return fail(c, 0, "expected datetime between years 1 and 9999 "
		    "in UTC, got %s", got);
	}
	return primitive(c, "datetime", cJSON_CreateString(buf), out);
}

/*
 * Go's time.ParseDuration, which flytectl uses: [-+]?([0-9]*(\.[0-9]*)?unit)+
 * with units ns, us, µs, ms, s, m, h, or "0"; at most 2^63-1 nanoseconds.
 * The magnitude goes to *ns, the sign to *neg. Returns 0 or -1.
 */
static int
parse_go_duration(const char *s, unsigned long long *ns, int *neg)
{
	static const struct {
		const char		*name;
		unsigned long long	 ns;
	} units[] = {
		{ "ns", 1ULL }, { "us", 1000ULL }, { "\xc2\xb5s", 1000ULL },
		{ "\xce\xbcs", 1000ULL }, { "ms", 1000000ULL }, { "s", NS_PER_S },
		{ "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
	};
	const unsigned long long	 max = 1ULL << 63;
	unsigned long long		 total = 0;

	*neg = 0;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		unsigned long long	v = 0, f = 0, unit = 0;
		double			scale = 1;
		int			digits = 0, overflow = 0;
		size_t			n;

		if (*s != '.' && !isdigit((unsigned char)*s))
			return -1;
		for (; isdigit((unsigned char)*s); s++, digits++) {
			if (v > max / 10)
				return -1;
			v = v * 10 + (unsigned)(*s - '0');
			if (v > max)
				return -1;
		}
		if (*s == '.') {
			/* digits past what fits are dropped, as Go does */
			for (s++; isdigit((unsigned char)*s); s++, digits++) {
				if (overflow || f > (max - 1) / 10 ||
				    f * 10 + (unsigned)(*s - '0') > max) {
					overflow = 1;
					continue;
				}
				f = f * 10 + (unsigned)(*s - '0');
				scale *= 10;
			}
		}
		if (digits == 0)
			return -1;
		for (n = 0; s[n] != '\0' && s[n] != '.' &&
		    !isdigit((unsigned char)s[n]); n++)
			;
		for (size_t i = 0; i < NELEM(units); i++)
			if (strlen(units[i].name) == n &&
			    strncmp(s, units[i].name, n) == 0)
				unit = units[i].ns;
		if (unit == 0)
			return -1;
		s += n;
		if (v > max / unit)
			return -1;
		v *= unit;
		if (f > 0) {
			/* f < scale: less than one unit, the cast cannot overflow */
			v += (unsigned long long)((double)f * ((double)unit / scale));
			if (v > max)
				return -1;
		}
		total += v;
		if (total > max)
			return -1;
	}
	if (!*neg && total > max - 1)
		return -1;
	*ns = total;
	return 0;
}

static int
convert_duration(const cJSON *v, const cJSON *type, struct conv *c,
    cJSON **out)
{
	unsigned long long	ns;
	char			buf[48], frac[16];
	int			neg;

	if (!cJSON_IsString(v) ||
	    parse_go_duration(v->valuestring, &ns, &neg) == -1)
		return mismatch(c, v, type);
	/* protojson: "[-]seconds[.fraction]s"; nanos carry the seconds' sign */
	nanos_text((unsigned)(ns % NS_PER_S), frac, sizeof(frac));
	snprintf(buf, sizeof(buf), "%s%llu%ss", neg && ns != 0 ? "-" : "",
	    ns / NS_PER_S, frac);
	return primitive(c, "duration", cJSON_CreateString(buf), out);
}

static int
convert_struct(const cJSON *v, const cJSON *type, struct conv *c,
    cJSON **out)
{
	cJSON	*generic = NULL;

	/* google.protobuf.Struct's protojson is the object itself */
	if (cJSON_IsObject(v)) {
		if ((generic = cJSON_Duplicate(v, 1)) == NULL)
			return nomem(c);
	} else if (cJSON_IsString(v)) {
		/* flytectl reads a string given for a struct as JSON text */
		generic = cJSON_ParseWithOpts(v->valuestring, NULL, 1);
		if (!cJSON_IsObject(generic)) {
			cJSON_Delete(generic);
			generic = NULL;
		}
	}
	if (generic == NULL)
		return mismatch(c, v, type);
	*out = wrap("scalar", wrap("generic", generic));
	return *out == NULL ? nomem(c) : 0;
}

static int
convert_simple(const cJSON *v, const cJSON *type, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	switch (enum_index(arg, simple_names, (int)NELEM(simple_names))) {
	case SIMPLE_NONE:
		if (!cJSON_IsNull(v))
			return mismatch(c, v, type);
		*out = wrap("scalar", wrap("none_type", cJSON_CreateObject()));
		return *out == NULL ? nomem(c) : 0;
	case SIMPLE_INTEGER:
		return convert_integer(v, type, c, out);
	case SIMPLE_FLOAT:
		return convert_float(v, type, c, out);
	case SIMPLE_STRING:
		if (!cJSON_IsString(v))
			return mismatch(c, v, type);
		return primitive(c, "string_value",
		    cJSON_CreateString(v->valuestring), out);
	case SIMPLE_BOOLEAN:
		return convert_boolean(v, type, c, out);
	case SIMPLE_DATETIME:
		return convert_datetime(v, type, c, out);
	case SIMPLE_DURATION:
		return convert_duration(v, type, c, out);
	case SIMPLE_STRUCT:
		return convert_struct(v, type, c, out);
	case SIMPLE_BINARY:
		/* msgpack bytes: nothing plain JSON says how to make */
		return fail(c, 0, "inputs of type BINARY are not supported");
	case SIMPLE_ERROR:
		return fail(c, 0, "inputs of type ERROR are not supported");
	default:
		return bad_type(c, type, "unknown simple type");
	}
}

static int
convert_collection(const cJSON *v, const cJSON *type, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	const cJSON	*item;
	cJSON		*list, *lit;
	size_t		 old;
	int		 i = 0, rc;

	if (!cJSON_IsArray(v))
		return mismatch(c, v, type);
	if ((list = cJSON_CreateArray()) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(item, v) {
		old = path_push(c, "[%d]", i++);
		rc = convert(item, arg, c, &lit);
		path_pop(c, old);
		if (rc == -1)
			goto fail;
		if (!cJSON_AddItemToArray(list, lit)) {
			cJSON_Delete(lit);
			nomem(c);
			goto fail;
		}
	}
	*out = wrap("collection", wrap("literals", list));
	return *out == NULL ? nomem(c) : 0;
 fail:
	cJSON_Delete(list);
	return -1;
}

static int
convert_map(const cJSON *v, const cJSON *type, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	const cJSON	*item;
	cJSON		*map, *lit;
	char		 key[NAME_MAX_SHOWN + 4];
	size_t		 old;
	int		 rc;

	if (!cJSON_IsObject(v))
		return mismatch(c, v, type);
	if ((map = cJSON_CreateObject()) == NULL)
		return nomem(c);
	cJSON_ArrayForEach(item, v) {
		sanitize(item->string, key, sizeof(key));
		old = path_push(c, ".%s", key);
		if (cJSON_GetObjectItemCaseSensitive(map, item->string) != NULL)
			rc = fail(c, 0, "key given twice");
		else
			rc = convert(item, arg, c, &lit);
		path_pop(c, old);
		if (rc == -1)
			goto fail;
		if (add(map, item->string, lit) == -1) {
			nomem(c);
			goto fail;
		}
	}
	*out = wrap("map", wrap("literals", map));
	return *out == NULL ? nomem(c) : 0;
 fail:
	cJSON_Delete(map);
	return -1;
}

static int
convert_enum(const cJSON *v, const cJSON *type, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	const cJSON	*values = protojson_member(arg, "values"), *item;

	if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) == 0)
		return bad_type(c, type, "an enum without values");
	/*
	 * flytectl turns null into the first value; we refuse it, so that
	 * an Optional[Enum] given null is None.
	 */
	if (cJSON_IsString(v))
		cJSON_ArrayForEach(item, values)
			if (cJSON_IsString(item) &&
			    strcmp(item->valuestring, v->valuestring) == 0)
				/* a plain string, as flytectl sends an enum */
				return primitive(c, "string_value",
				    cJSON_CreateString(v->valuestring), out);
	return mismatch(c, v, type);
}

/* Blobs, schemas and structured datasets: a URI, and the type it has. */
static int
convert_uri(const cJSON *v, const cJSON *type, int kind, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	const struct message	*m = kind == KIND_BLOB ? &blob_type_message :
				    kind == KIND_SCHEMA ? &schema_type_message :
				    &dataset_type_message;
	cJSON			*t, *lit;
	int			 rc;

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return mismatch(c, v, type);
	if (norm_message(arg, m, c->depth, c, &t) == -1)
		return -1;
	if ((lit = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(t);
		return nomem(c);
	}
	/* proto field order; add() and wrap() free what they were given */
	if (kind == KIND_BLOB) {
		rc = add(lit, "metadata", wrap("type", t));
		if (rc == 0)
			rc = add(lit, "uri", cJSON_CreateString(v->valuestring));
		*out = rc == 0 ? wrap("scalar", wrap("blob", lit)) : NULL;
	} else if (kind == KIND_SCHEMA) {
		rc = add(lit, "uri", cJSON_CreateString(v->valuestring));
		if (rc == 0)
			rc = add(lit, "type", t);
		else
			cJSON_Delete(t);
		*out = rc == 0 ? wrap("scalar", wrap("schema", lit)) : NULL;
	} else {
		rc = add(lit, "uri", cJSON_CreateString(v->valuestring));
		if (rc == 0)
			rc = add(lit, "metadata",
			    wrap("structured_dataset_type", t));
		else
			cJSON_Delete(t);
		*out = rc == 0 ? wrap("scalar", wrap("structured_dataset", lit)) :
		    NULL;
	}
	if (rc == -1)
		cJSON_Delete(lit);
	return *out == NULL ? nomem(c) : 0;
}

/* {"scalar":{"union":{"value": lit, "type": variant}}}, taking lit. */
static int
union_literal(cJSON *lit, const cJSON *variant, struct conv *c, cJSON **out)
{
	cJSON	*u, *t;

	if (norm_message(variant, &literal_type_message, c->depth, c, &t) == -1) {
		cJSON_Delete(lit);
		return -1;
	}
	if ((u = wrap("value", lit)) == NULL) {
		cJSON_Delete(t);
		return nomem(c);
	}
	if (add(u, "type", t) == -1) {
		cJSON_Delete(u);
		return nomem(c);
	}
	*out = wrap("scalar", wrap("union", u));
	return *out == NULL ? nomem(c) : 0;
}

/*
 * flytectl's rule: the first variant, in order, that takes the value wins.
 * When none does, a variant the value got into (a list whose third item is
 * wrong) says more than "expected A or B", so its message is kept.
 */
static int
convert_union(const cJSON *v, const cJSON *type, const cJSON *arg,
    struct conv *c, cJSON **out)
{
	const cJSON	*variants = protojson_member(arg, "variants"), *variant;
	struct err	 inner;
	cJSON		*lit;
	int		 have_inner = 0;

	if (!cJSON_IsArray(variants) || cJSON_GetArraySize(variants) == 0)
		return bad_type(c, type, "a union without variants");
	cJSON_ArrayForEach(variant, variants) {
		if (convert(v, variant, c, &lit) == 0)
			return union_literal(lit, variant, c, out);
		if (c->fatal)
			return -1;
		if (!have_inner && (strncmp(c->err.msg, c->path, c->pathlen) != 0 ||
		    c->err.msg[c->pathlen] != ':')) {
			inner = c->err;
			have_inner = 1;
		}
	}
	if (have_inner) {
		c->err = inner;
		return -1;
	}
	return mismatch(c, v, type);
}

/* One value against one LiteralType: a Literal, or -1 with c->err. */
static int
convert(const cJSON *v, const cJSON *type, struct conv *c, cJSON **out)
{
	const cJSON	*arg;
	int		 kind, rc;

	*out = NULL;
	if (c->depth >= LITERAL_DEPTH_MAX)
		return too_deep(c);
	c->depth++;
	switch ((kind = type_kind(type, &arg))) {
	case KIND_SIMPLE:
		rc = convert_simple(v, type, arg, c, out);
		break;
	case KIND_COLLECTION:
		rc = convert_collection(v, type, arg, c, out);
		break;
	case KIND_MAP:
		rc = convert_map(v, type, arg, c, out);
		break;
	case KIND_ENUM:
		rc = convert_enum(v, type, arg, c, out);
		break;
	case KIND_UNION:
		rc = convert_union(v, type, arg, c, out);
		break;
	case KIND_BLOB:
	case KIND_SCHEMA:
	case KIND_DATASET:
		rc = convert_uri(v, type, kind, arg, c, out);
		break;
	default:
		rc = bad_type(c, type, "no kind of type set");
		break;
	}
	c->depth--;
	return rc;
}

int
literal_from_value(const cJSON *value, const cJSON *type, cJSON **out,
    struct err *e)
{
	struct conv	c;

	memset(&c, 0, sizeof(c));
	path_push(&c, "value");
	if (convert(value, type, &c, out) == -1) {
		if (e != NULL)
			*e = c.err;
		return -1;
	}
	return 0;
}

/* The kickoff instant for a DATETIME input, or an Optional[datetime] one. */
static int
kickoff_literal(const cJSON *type, int64_t kickoff, struct conv *c,
    cJSON **out)
{
	const cJSON	*arg, *variant;
	char		 text[48], wanted[192];
	cJSON		*lit;

	if (timestamp_text(kickoff, 0, text, sizeof(text)) == -1)
		return fail(c, 0, "kickoff instant %lld is outside years 1 to "
		    "9999", (long long)kickoff);
	if (simple_of(type) == SIMPLE_DATETIME)
		return primitive(c, "datetime", cJSON_CreateString(text), out);
	if (type_kind(type, &arg) == KIND_UNION)
		cJSON_ArrayForEach(variant, protojson_member(arg, "variants")) {
			if (simple_of(variant) != SIMPLE_DATETIME)
				continue;
			if (primitive(c, "datetime", cJSON_CreateString(text),
			    &lit) == -1)
				return -1;
			return union_literal(lit, variant, c, out);
		}
	describe_type(type, wanted, sizeof(wanted), 0);
	return fail(c, 0, "the kickoff input must be a datetime, the launch plan "
	    "has %s", wanted);
}

/* "input foo: not an input of the launch plan (it has a, b)". */
static int
undeclared(const cJSON *parameters, struct conv *c)
{
	const cJSON	*p;
	char		 names[160] = "";
	char		 name[NAME_MAX_SHOWN + 4];

	cJSON_ArrayForEach(p, parameters) {
		sanitize(p->string, name, sizeof(name));
		append(names, sizeof(names), "%s%s", names[0] ? ", " : "", name);
	}
	if (names[0] == '\0')
		return fail(c, 0, "not an input of the launch plan (it has none)");
	return fail(c, 0, "not an input of the launch plan (it has %s)", names);
}

int
literal_inputs(const cJSON *inputs, const cJSON *parameters,
    const char *kickoff_input, int64_t kickoff, cJSON **out, struct err *e)
{
	struct conv	 c;
	const cJSON	*item, *param, *value, *type;
	cJSON		*map = NULL, *lit;
	char		 name[NAME_MAX_SHOWN + 4];
	int		 rc = -1;

	memset(&c, 0, sizeof(c));
	*out = NULL;
	if (cJSON_IsNull(inputs))
		inputs = NULL;
	if (cJSON_IsNull(parameters))
		parameters = NULL;
	if (inputs != NULL && !cJSON_IsObject(inputs)) {
		path_push(&c, "inputs");
		fail(&c, 0, "not a JSON object");
		goto out;
	}
	if (parameters != NULL && !cJSON_IsObject(parameters)) {
		path_push(&c, "launch plan inputs");
		fail(&c, 0, "not a JSON object");
		goto out;
	}
	/* Undeclared inputs first: a misspelt name says so, not "required". */
	cJSON_ArrayForEach(item, inputs) {
		sanitize(item->string, name, sizeof(name));
		path_pop(&c, 0);
		path_push(&c, "input %s", name);
		if (cJSON_GetObjectItemCaseSensitive(inputs, item->string) != item) {
			fail(&c, 0, "given twice");
			goto out;
		}
		if (cJSON_GetObjectItemCaseSensitive(parameters, item->string) ==
		    NULL) {
			undeclared(parameters, &c);
			goto out;
		}
		if (kickoff_input != NULL && strcmp(item->string, kickoff_input) == 0) {
			fail(&c, 0, "is the kickoff input, set to the scheduled "
			    "instant: leave it out of inputs");
			goto out;
		}
	}
	if (kickoff_input != NULL &&
	    cJSON_GetObjectItemCaseSensitive(parameters, kickoff_input) == NULL) {
		sanitize(kickoff_input, name, sizeof(name));
		path_pop(&c, 0);
		path_push(&c, "kickoff input %s", name);
		undeclared(parameters, &c);
		goto out;
	}
	if ((map = cJSON_CreateObject()) == NULL) {
		nomem(&c);
		goto out;
	}
	cJSON_ArrayForEach(param, parameters) {
		sanitize(param->string, name, sizeof(name));
		path_pop(&c, 0);
		path_push(&c, "input %s", name);
		if (cJSON_GetObjectItemCaseSensitive(map, param->string) != NULL) {
			fail(&c, 0, "declared twice by the launch plan");
			goto out;
		}
		type = protojson_member(protojson_member(param, "var"), "type");
		value = cJSON_GetObjectItemCaseSensitive(inputs, param->string);
		if (value == NULL && kickoff_input != NULL &&
		    strcmp(param->string, kickoff_input) == 0) {
			if (kickoff_literal(type, kickoff, &c, &lit) == -1)
				goto out;
		} else if (value != NULL) {
			if (type == NULL) {
				fail(&c, 0, "the launch plan gives no type");
				goto out;
			}
			if (convert(value, type, &c, &lit) == -1)
				goto out;
		} else {
			/* Admin fills defaults and artifact queries */
			if (protojson_member(param, "default") == NULL &&
			    cJSON_IsTrue(protojson_member(param, "required"))) {
				fail(&c, 0, "required, and not given");
				goto out;
			}
			continue;
		}
		if (add(map, param->string, lit) == -1) {
			nomem(&c);
			goto out;
		}
	}
	if ((*out = wrap("literals", map)) == NULL) {
		map = NULL;	/* wrap freed it */
		nomem(&c);
		goto out;
	}
	map = NULL;
	rc = 0;
 out:
	cJSON_Delete(map);
	if (rc == -1 && e != NULL)
		*e = c.err;
	return rc;
}
