/* json.h: strict JSON text (RFC 8259) as schedctl takes it from people, and text apply reads back. */
#ifndef SCHEDD_JSON_H
#define SCHEDD_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "schedd/err.h"

/* What json_parse_strict and the YAML reader say of a NUL, and of a number out of range. */
#define JSON_NUL_MSG	"\\u0000 (NUL) in a string: text cannot hold it"
#define JSON_RANGE_MSG	"number out of range (a double holds up to about 1.8e308)"

/*
 * The length of the UTF-8 character at s (at most len bytes): 1 to 4, or 0
 * when the bytes there are not one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
size_t	json_utf8_char(const char *s, size_t len);

/* 1 when the len bytes at s are all valid UTF-8. */
int	json_utf8_valid(const char *s, size_t len);

/*
 * The number in the len bytes at text (which strtod reads whole) in *out.
 * Returns 0, or -1 when it is out of a double's range: infinite (1e999), or
 * zero written with a digit that is not (1e-999).
 */
int	json_number_value(const char *text, size_t len, double *out);

/* 1 when text is one JSON value by RFC 8259's grammar, whatever it holds. */
int	json_valid(const char *text);

/*
 * Parse text as strict JSON into a new tree in *out. Beyond cJSON, refused
 * with e (EX_DATAERR, a message without the text): invalid UTF-8; what the
 * grammar does not allow (cJSON takes 001, 1. and raw control characters);
 * a number out of range (cJSON keeps 1e999 as infinity, printed as null);
 * \u0000 (cJSON's strings end there) or half a surrogate pair in a string;
 * a key twice in one object. Returns 0, or -1 with *out NULL.
 */
int	json_parse_strict(const char *text, cJSON **out, struct err *e);

/* 0 when no object in node has a key twice; else -1 with e naming the key. */
int	json_unique_keys(const cJSON *node, struct err *e);

/*
 * cJSON's text of item (formatted or not), with the characters a YAML reader
 * does not take raw in a quoted string (DEL, the C1 controls, the U+2028 and
 * U+2029 line breaks, U+FEFF, U+FFFE, U+FFFF) written as \u escapes: JSON
 * that `schedctl apply` (libyaml) reads back as the same strings. Returns
 * new text (caller frees), or NULL when out of memory.
 */
char	*json_print(const cJSON *item, int formatted);

#endif
