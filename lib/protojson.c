/* protojson.c: reading Flyte Admin's protojson: a member by its proto name or its lowerCamelCase JSON name. */
#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/protojson.h"

#define NAME_MAX_LEN	128	/* longer names than any flyteidl field */

/*
 * protoc's JSON name of a field: each '_' dropped and the letter after it
 * upper-cased. Returns 0, or -1 when the name does not fit in camel.
 */
static int
camel_case(const char *snake, char *camel, size_t len)
{
	size_t	n = 0;
	int	upper = 0;

	for (; *snake != '\0'; snake++) {
		if (*snake == '_') {
			upper = 1;
			continue;
		}
		if (n + 1 >= len)
			return -1;
		camel[n++] = upper && *snake >= 'a' && *snake <= 'z' ?
		    (char)(*snake - 'a' + 'A') : *snake;
		upper = 0;
	}
	camel[n] = '\0';
	return 0;
}

/* object[name], null read as absent. */
static const cJSON *
get(const cJSON *object, const char *name)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(object, name);

	return cJSON_IsNull(item) ? NULL : item;
}

const cJSON *
protojson_member(const cJSON *object, const char *snake_name)
{
	const cJSON	*item;
	char		 camel[NAME_MAX_LEN];

	if (!cJSON_IsObject(object))
		return NULL;
	if ((item = get(object, snake_name)) != NULL)
		return item;
	/* Without a '_' both names are one: no second look. */
	if (strchr(snake_name, '_') == NULL ||
	    camel_case(snake_name, camel, sizeof(camel)) == -1)
		return NULL;
	return get(object, camel);
}
