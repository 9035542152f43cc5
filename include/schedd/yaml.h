/* yaml.h: YAML (and so JSON) documents read into cJSON trees. The only user of libyaml. */
#ifndef SCHEDD_YAML_H
#define SCHEDD_YAML_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "schedd/err.h"

/*
 * Parse one YAML document from text (len bytes; name is used in messages).
 * Mappings become objects, sequences arrays; plain scalars follow the YAML
 * 1.2 core schema (null, true/false, integers, floats, else string) except
 * that a number with leading zeros (007) stays a string, quoted ones are
 * strings. Duplicate keys, non-scalar keys, anchors and aliases, a number out
 * of a double's range, a NUL in a scalar (from an escape), invalid UTF-8 and
 * more than one document are errors. Returns 0 and a new tree in *out, or -1
 * with e ("NAME:LINE:COLUMN: what", or "NAME: byte N: what" for the encoding;
 * code EX_DATAERR).
 */
int	yaml_parse(const char *name, const char *text, size_t len, cJSON **out,
	    struct err *e);

/* Read and parse a file. A missing or unreadable file is EX_NOINPUT. */
int	yaml_load(const char *path, cJSON **out, struct err *e);

/* Read and parse what is left of an open stream (standard input); name is used in messages. */
int	yaml_load_stream(FILE *f, const char *name, cJSON **out, struct err *e);

#endif
