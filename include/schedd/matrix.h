/* matrix.h: an apply entry's matrix, expanded as GitHub Actions expands one, and {key} substitution. */
#ifndef SCHEDD_MATRIX_H
#define SCHEDD_MATRIX_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "schedd/err.h"

#define MATRIX_KEYS_MAX	16	/* lists one matrix may have */

struct matrix;			/* opaque: the lists, exclude and include, and the combinations kept */

/*
 * Read a matrix mapping: keys of non-empty lists of strings, numbers or
 * booleans, and optionally "exclude" and "include", lists of mappings of
 * such values. The combinations are the cartesian product of the lists
 * (the last key fastest), less those an exclude mapping matches on all its
 * keys, each extended by the include mappings that set no list key to
 * another value (a later include overwrites what an earlier one added),
 * then, in order, the include mappings that extended none. They are
 * counted before any is made: a product of more than limit, or more than
 * limit combinations, is refused. node is copied. Returns 0, or -1 with e
 * (EX_DATAERR, EX_OSERR).
 */
int	matrix_parse(const cJSON *node, size_t limit, struct matrix **m,
	    struct err *e);

/* How many combinations there are. */
size_t	matrix_count(const struct matrix *m);

/* Combination i (0 <= i < matrix_count) as a new mapping of key: value; NULL when out of memory. */
cJSON	*matrix_combination(const struct matrix *m, size_t i);

/* NULL is fine. */
void	matrix_free(struct matrix *m);

/* Called with each schedule spec an entry expands to; returning -1 stops the expansion and fails it. */
typedef int	(*matrix_spec_cb)(const cJSON *spec, void *arg, struct err *e);

/*
 * Expand an apply file's entry: without "matrix", the entry itself; else
 * the entry less its matrix with each combination substituted, in order.
 * The combinations are counted first: with the used schedules before them,
 * more than cap is refused. Returns 0, or -1 with e (EX_DATAERR, EX_OSERR,
 * or cb's).
 */
int	matrix_expand(const cJSON *entry, size_t used, size_t cap,
	    matrix_spec_cb cb, void *arg, struct err *e);

/*
 * A copy of node with "{key}" in every string replaced by bind's value of
 * key; a string that is only "{key}" becomes the value itself (numbers stay
 * numbers). "{{...}}" is left for fire time. NULL with e (EX_DATAERR) for a
 * key bind lacks, or with e->msg empty when out of memory.
 */
cJSON	*matrix_substitute(const cJSON *node, const cJSON *bind, struct err *e);

#endif
