/* literal_plain.c: Flyte literals back to the plain JSON inputs schedd stores (schedctl import of fixed inputs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "schedd/literal.h"
#include "schedd/protojson.h"

static int	plain(const cJSON *lit, int depth, cJSON **out, struct err *e);

/* A primitive as flytectl's execFile would write it: numbers, text, booleans; times as their text. */
static int
plain_primitive(const cJSON *prim, cJSON **out, struct err *e)
{
	const cJSON	*v;
	double		 d;

	if ((v = protojson_member(prim, "integer")) != NULL) {
		/* int64 is a string in protojson; beyond 2^53 it stays one, as inputs take it. */
		d = cJSON_IsString(v) ? strtod(v->valuestring, NULL) :
		    cJSON_GetNumberValue(v);
		*out = d >= -9007199254740992.0 && d <= 9007199254740992.0 ?
		    cJSON_CreateNumber(d) : cJSON_CreateString(v->valuestring);
	} else if ((v = protojson_member(prim, "float_value")) != NULL)
		*out = cJSON_CreateNumber(cJSON_IsString(v) ?
		    strtod(v->valuestring, NULL) : cJSON_GetNumberValue(v));
	else if ((v = protojson_member(prim, "boolean")) != NULL)
		*out = cJSON_CreateBool(cJSON_IsTrue(v));
	else if ((v = protojson_member(prim, "string_value")) != NULL ||
	    (v = protojson_member(prim, "datetime")) != NULL ||
	    (v = protojson_member(prim, "duration")) != NULL) {
		if (!cJSON_IsString(v)) {
			err_set_code(e, EX_DATAERR, "a primitive that is not text");
			return -1;
		}
		*out = cJSON_CreateString(v->valuestring);
	} else
		/* Sparse protojson drops zero values: an empty primitive is "" or 0. */
		*out = cJSON_CreateString("");
	if (*out == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/* A collection's literals or a map's, into a JSON array or object. */
static int
plain_items(const cJSON *items, int array, int depth, cJSON **out,
    struct err *e)
{
	const cJSON	*item;
	cJSON		*value;

	if ((*out = array ? cJSON_CreateArray() : cJSON_CreateObject()) ==
	    NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(item, items) {
		if (plain(item, depth + 1, &value, e) == -1)
			goto fail;
		if (array ? !cJSON_AddItemToArray(*out, value) :
		    !cJSON_AddItemToObject(*out, item->string, value)) {
			cJSON_Delete(value);
			err_set_code(e, EX_OSERR, "out of memory");
			goto fail;
		}
	}
	return 0;
 fail:
	cJSON_Delete(*out);
	*out = NULL;
	return -1;
}

static int
plain(const cJSON *lit, int depth, cJSON **out, struct err *e)
{
	const cJSON	*scalar = protojson_member(lit, "scalar"), *v;

	*out = NULL;
	if (depth > LITERAL_DEPTH_MAX) {
		err_set_code(e, EX_DATAERR, "nested deeper than %d",
		    LITERAL_DEPTH_MAX);
		return -1;
	}
	if ((v = protojson_member(scalar, "primitive")) != NULL)
		return plain_primitive(v, out, e);
	if (protojson_member(scalar, "none_type") != NULL) {
		*out = cJSON_CreateNull();
		return 0;
	}
	if ((v = protojson_member(scalar, "generic")) != NULL) {
		if ((*out = cJSON_Duplicate(v, 1)) == NULL)
			err_set_code(e, EX_OSERR, "out of memory");
		return *out ? 0 : -1;
	}
	if ((v = protojson_member(scalar, "union")) != NULL)
		return plain(protojson_member(v, "value"), depth + 1, out, e);
	if ((v = protojson_member(lit, "collection")) != NULL)
		return plain_items(protojson_member(v, "literals"), 1, depth, out,
		    e);
	if ((v = protojson_member(lit, "map")) != NULL)
		return plain_items(protojson_member(v, "literals"), 0, depth, out,
		    e);
	/* Blobs, schemas, structured datasets: given by URI, which the literal alone does not say plainly. */
	err_set_code(e, EX_DATAERR, "a literal schedd cannot take as plain JSON "
	    "(only primitives, none, structs, unions, lists and maps)");
	return -1;
}

int
literal_to_plain(const cJSON *literal, cJSON **out, struct err *e)
{
	return plain(literal, 0, out, e);
}
