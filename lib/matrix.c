/* matrix.c: an apply entry's matrix (GitHub Actions' rules: product, exclude, include) and {key} substitution; pure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "schedd/matrix.h"

#define MATRIX_ANY	(-1)	/* a rule that does not name the list */
#define MATRIX_NONE	(-2)	/* a rule that names a value the list lacks */

/* One exclude or include mapping, its list values as indexes. */
struct matrix_rule {
	const cJSON	*map;
	int		 want[MATRIX_KEYS_MAX];	/* index of the first equal value, MATRIX_ANY or MATRIX_NONE */
	int		 extended;		/* include: extended a combination */
};

struct matrix {
	cJSON			*doc;		/* the copy everything below points into */
	int			 nkeys;
	const cJSON		*keys[MATRIX_KEYS_MAX];
	int			 sizes[MATRIX_KEYS_MAX];
	int			*first[MATRIX_KEYS_MAX];	/* per value: index of the first value equal to it */
	struct matrix_rule	*exclude, *include;
	int			 nexclude, ninclude;
	uint32_t		*kept;		/* product indexes not excluded, in order */
	size_t			 nkept;
	size_t			 nadded;	/* includes that extended none: combinations of their own */
};

/* A value a matrix may hold: one that reads the same in a name. */
static int
scalar(const cJSON *v)
{
	return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

/* The list of key, or -1. */
static int
key_find(const struct matrix *m, const char *key)
{
	for (int k = 0; k < m->nkeys; k++)
		if (strcmp(m->keys[k]->string, key) == 0)
			return k;
	return -1;
}

/* Product index p as one value index per list (the last list fastest). */
static void
tuple_of(const struct matrix *m, size_t p, int *tuple)
{
	for (int k = m->nkeys - 1; k >= 0; k--) {
		tuple[k] = (int)(p % (size_t)m->sizes[k]);
		p /= (size_t)m->sizes[k];
	}
}

/* Does the rule hold every list it names at the tuple's value? */
static int
rule_matches(const struct matrix *m, const struct matrix_rule *r,
    const int *tuple)
{
	for (int k = 0; k < m->nkeys; k++)
		if (r->want[k] != MATRIX_ANY &&
		    r->want[k] != m->first[k][tuple[k]])
			return 0;
	return 1;
}

/* Read the exclude or include list into rules. */
static int
rules_parse(struct matrix *m, const char *what, struct matrix_rule **rules,
    int *count, struct err *e)
{
	const cJSON	*list = cJSON_GetObjectItemCaseSensitive(m->doc, what);
	const cJSON	*map, *item;
	int		 n = 0, excluding = strcmp(what, "exclude") == 0;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list) || list->child == NULL) {
		err_set_code(e, EX_DATAERR, "matrix: %s: not a non-empty list of "
		    "mappings", what);
		return -1;
	}
	if ((*rules = calloc((size_t)cJSON_GetArraySize(list),
	    sizeof(**rules))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(map, list) {
		struct matrix_rule	*r = &(*rules)[n++];

		if (!cJSON_IsObject(map) || map->child == NULL) {
			err_set_code(e, EX_DATAERR, "matrix: %s %d: not a "
			    "non-empty mapping", what, n);
			return -1;
		}
		r->map = map;
		for (int k = 0; k < m->nkeys; k++)
			r->want[k] = MATRIX_ANY;
		cJSON_ArrayForEach(item, map) {
			int	k = key_find(m, item->string), j = 0;

			if (!scalar(item)) {
				err_set_code(e, EX_DATAERR, "matrix: %s %d: %s: "
				    "values must be strings, numbers or "
				    "booleans", what, n, item->string);
				return -1;
			}
			if (k == -1) {
				/* An exclude of a key no list has would match nothing, silently. */
				if (excluding) {
					err_set_code(e, EX_DATAERR, "matrix: %s "
					    "%d: %s is not a list of the "
					    "matrix", what, n, item->string);
					return -1;
				}
				continue;
			}
			while (j < m->sizes[k] && !cJSON_Compare(
			    cJSON_GetArrayItem(m->keys[k], j), item, 1))
				j++;
			r->want[k] = j < m->sizes[k] ? j : MATRIX_NONE;
		}
	}
	*count = n;
	return 0;
}

/* Read the lists, and for each value the first value equal to it. */
static int
lists_parse(struct matrix *m, struct err *e)
{
	const cJSON	*key, *v;

	cJSON_ArrayForEach(key, m->doc) {
		int	k, j = 0;

		if (strcmp(key->string, "include") == 0 ||
		    strcmp(key->string, "exclude") == 0)
			continue;
		if (m->nkeys == MATRIX_KEYS_MAX || !cJSON_IsArray(key) ||
		    key->child == NULL) {
			err_set_code(e, EX_DATAERR, "matrix: %s: not a "
			    "non-empty list (at most %d keys)", key->string,
			    MATRIX_KEYS_MAX);
			return -1;
		}
		k = m->nkeys++;
		m->keys[k] = key;
		m->sizes[k] = cJSON_GetArraySize(key);
		if ((m->first[k] = calloc((size_t)m->sizes[k],
		    sizeof(int))) == NULL) {
			err_set_code(e, EX_OSERR, "out of memory");
			return -1;
		}
		cJSON_ArrayForEach(v, key) {
			if (!scalar(v)) {
				err_set_code(e, EX_DATAERR, "matrix: %s: values "
				    "must be strings, numbers or booleans",
				    key->string);
				return -1;
			}
			m->first[k][j] = j;
			for (int i = 0; i < j; i++)
				if (cJSON_Compare(cJSON_GetArrayItem(key, i), v,
				    1)) {
					m->first[k][j] = i;
					break;
				}
			j++;
		}
	}
	return 0;
}

/* The combinations kept after exclude, and which includes extend one. */
static int
combinations_count(struct matrix *m, double product, size_t limit,
    struct err *e)
{
	int	tuple[MATRIX_KEYS_MAX];

	/* Counted before a single one is made: 10^10 is refused now, not in hours. */
	if (product > (double)limit) {
		err_set_code(e, EX_DATAERR, "matrix: %.0f combinations%s; a file "
		    "expands to at most %zu schedules", product,
		    m->nexclude ? " before exclude" : "", limit);
		return -1;
	}
	if (product > 0 && (m->kept = malloc((size_t)product *
	    sizeof(*m->kept))) == NULL) {
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	for (size_t p = 0; p < (size_t)product; p++) {
		int	excluded = 0;

		tuple_of(m, p, tuple);
		for (int x = 0; x < m->nexclude && !excluded; x++)
			excluded = rule_matches(m, &m->exclude[x], tuple);
		if (excluded)
			continue;
		m->kept[m->nkept++] = (uint32_t)p;
		for (int i = 0; i < m->ninclude; i++)
			m->include[i].extended |= rule_matches(m,
			    &m->include[i], tuple);
	}
	for (int i = 0; i < m->ninclude; i++)
		m->nadded += !m->include[i].extended;
	if (m->nkept + m->nadded > limit) {
		err_set_code(e, EX_DATAERR, "matrix: %zu combinations; a file "
		    "expands to at most %zu schedules", m->nkept + m->nadded,
		    limit);
		return -1;
	}
	return 0;
}

int
matrix_parse(const cJSON *node, size_t limit, struct matrix **out,
    struct err *e)
{
	struct matrix	*m;
	double		 product = 1;

	*out = NULL;
	if (!cJSON_IsObject(node) || node->child == NULL) {
		err_set_code(e, EX_DATAERR, "matrix: not a mapping of lists");
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->doc = cJSON_Duplicate(node, 1)) == NULL) {
		free(m);
		err_set_code(e, EX_OSERR, "out of memory");
		return -1;
	}
	if (lists_parse(m, e) == -1 ||
	    rules_parse(m, "exclude", &m->exclude, &m->nexclude, e) == -1 ||
	    rules_parse(m, "include", &m->include, &m->ninclude, e) == -1)
		goto fail;
	/* Without lists there is no product: each include is a combination (as GitHub does). */
	for (int k = 0; k < m->nkeys; k++)
		product *= m->sizes[k];
	if (m->nkeys == 0)
		product = 0;
	if (combinations_count(m, product, limit, e) == -1)
		goto fail;
	*out = m;
	return 0;
 fail:
	matrix_free(m);
	return -1;
}

size_t
matrix_count(const struct matrix *m)
{
	return m->nkept + m->nadded;
}

/* Set key to a copy of value in obj, replacing what is there. */
static int
object_set(cJSON *obj, const char *key, const cJSON *value)
{
	cJSON	*copy = cJSON_Duplicate(value, 1);

	if (copy == NULL)
		return 0;
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, copy);
	return cJSON_AddItemToObject(obj, key, copy);
}

cJSON *
matrix_combination(const struct matrix *m, size_t i)
{
	const cJSON	*item;
	cJSON		*bind;
	int		 tuple[MATRIX_KEYS_MAX];

	if (i >= m->nkept) {
		/* The (i - nkept)th include that extended nothing. */
		for (int n = 0; n < m->ninclude; n++)
			if (!m->include[n].extended && i-- == m->nkept)
				return cJSON_Duplicate(m->include[n].map, 1);
		return NULL;
	}
	if ((bind = cJSON_CreateObject()) == NULL)
		return NULL;
	tuple_of(m, m->kept[i], tuple);
	for (int k = 0; k < m->nkeys; k++)
		if (!object_set(bind, m->keys[k]->string,
		    cJSON_GetArrayItem(m->keys[k], tuple[k])))
			goto nomem;
	for (int n = 0; n < m->ninclude; n++) {
		if (!rule_matches(m, &m->include[n], tuple))
			continue;
		/* Its list keys hold the same values: only what it adds is set. */
		cJSON_ArrayForEach(item, m->include[n].map)
			if (key_find(m, item->string) == -1 &&
			    !object_set(bind, item->string, item))
				goto nomem;
	}
	return bind;
 nomem:
	cJSON_Delete(bind);
	return NULL;
}

int
matrix_expand(const cJSON *entry, size_t used, size_t cap, matrix_spec_cb cb,
    void *arg, struct err *e)
{
	const cJSON	*node = cJSON_GetObjectItemCaseSensitive(entry, "matrix");
	struct matrix	*m = NULL;
	cJSON		*base = NULL, *bind = NULL, *spec;
	int		 rc = -1;

	if (node == NULL)
		return cb(entry, arg, e);
	if (matrix_parse(node, cap, &m, e) == -1)
		return -1;
	if (used + matrix_count(m) > cap) {
		err_set_code(e, EX_DATAERR, "matrix: %zu combinations; a file "
		    "expands to at most %zu schedules", matrix_count(m), cap);
		goto out;
	}
	if ((base = cJSON_Duplicate(entry, 1)) == NULL)
		goto nomem;
	cJSON_DeleteItemFromObjectCaseSensitive(base, "matrix");
	for (size_t i = 0; i < matrix_count(m); i++) {
		if ((bind = matrix_combination(m, i)) == NULL)
			goto nomem;
		e->msg[0] = '\0';
		if ((spec = matrix_substitute(base, bind, e)) == NULL) {
			if (e->msg[0] == '\0')
				goto nomem;
			rc = -1;
			goto out;
		}
		rc = cb(spec, arg, e);
		cJSON_Delete(spec);
		cJSON_Delete(bind);
		bind = NULL;
		if (rc == -1)
			goto out;
	}
	rc = 0;
	goto out;
 nomem:
	err_set_code(e, EX_OSERR, "out of memory");
	rc = -1;
 out:
	cJSON_Delete(bind);
	cJSON_Delete(base);
	matrix_free(m);
	return rc;
}

void
matrix_free(struct matrix *m)
{
	if (m == NULL)
		return;
	for (int k = 0; k < m->nkeys; k++)
		free(m->first[k]);
	free(m->exclude);
	free(m->include);
	free(m->kept);
	cJSON_Delete(m->doc);
	free(m);
}

/*
 * Replace {key} in text by the bound values; a whole-string "{key}" takes the
 * value itself, so numbers stay numbers. {{...}} is copied as it is.
 */
static cJSON *
substitute_string(const char *text, const cJSON *bind, struct err *e)
{
	const cJSON	*v;
	char		*out, *o, key[130];
	size_t		 cap = strlen(text) + 1, used = 0;
	const char	*p = text, *close;

	if (text[0] == '{' && text[1] != '{' &&
	    (close = strchr(text, '}')) != NULL && close[1] == '\0' &&
	    (size_t)(close - text - 1) < sizeof(key)) {
		snprintf(key, sizeof(key), "%.*s", (int)(close - text - 1),
		    text + 1);
		if ((v = cJSON_GetObjectItemCaseSensitive(bind, key)) != NULL)
			return cJSON_Duplicate(v, 1);
	}
	if ((out = malloc(cap)) == NULL)
		return NULL;
	while (*p != '\0') {
		const char	*piece = p;
		char		*printed = NULL;
		size_t		 n;

		if (p[0] == '{' && p[1] == '{' &&
		    (close = strstr(p, "}}")) != NULL) {
			n = (size_t)(close + 2 - p);
			p = close + 2;
		} else if (p[0] == '{' && (close = strchr(p, '}')) != NULL &&
		    (size_t)(close - p - 1) < sizeof(key) &&
		    strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
		    (size_t)(close - p - 1) && close > p + 1) {
			snprintf(key, sizeof(key), "%.*s", (int)(close - p - 1),
			    p + 1);
			if ((v = cJSON_GetObjectItemCaseSensitive(bind, key)) ==
			    NULL) {
				free(out);
				err_set_code(e, EX_DATAERR, "\"{%s}\" is not a "
				    "matrix key", key);
				return NULL;
			}
			/* A number as JSON writes it: 1.1, not 1.1000000000000001. */
			if (cJSON_IsString(v))
				piece = v->valuestring;
			else if ((piece = printed = cJSON_PrintUnformatted(v)) ==
			    NULL) {
				free(out);
				return NULL;
			}
			n = strlen(piece);
			p = close + 1;
		} else {
			n = 1;
			p++;
		}
		if (used + n + 1 > cap) {
			char	*bigger;

			cap = (used + n + 1) * 2;
			if ((bigger = realloc(out, cap)) == NULL) {
				free(printed);
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + used, piece, n);
		free(printed);
		used += n;
	}
	out[used] = '\0';
	o = out;
	v = cJSON_CreateString(o);
	free(out);
	return (cJSON *)v;
}

cJSON *
matrix_substitute(const cJSON *node, const cJSON *bind, struct err *e)
{
	const cJSON	*child;
	cJSON		*copy, *sub;

	if (cJSON_IsString(node))
		return substitute_string(node->valuestring, bind, e);
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return cJSON_Duplicate(node, 1);
	if ((copy = cJSON_IsObject(node) ? cJSON_CreateObject() :
	    cJSON_CreateArray()) == NULL)
		return NULL;
	cJSON_ArrayForEach(child, node) {
		if ((sub = matrix_substitute(child, bind, e)) == NULL) {
			cJSON_Delete(copy);
			return NULL;
		}
		if (cJSON_IsObject(node))
			cJSON_AddItemToObject(copy, child->string, sub);
		else
			cJSON_AddItemToArray(copy, sub);
	}
	return copy;
}

