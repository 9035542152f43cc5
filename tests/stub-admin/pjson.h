/* pjson.h: protojson checking and canonical re-encoding of flyteidl messages, over generated descriptors. */
#ifndef STUB_PJSON_H
#define STUB_PJSON_H
#include <stddef.h>
#include <cjson/cJSON.h>

#define PJ_OUT_CAMEL		0x1	/* lowerCamelCase names, as grpc-gateway's default marshaler */
#define PJ_OUT_UNPOPULATED	0x2	/* emit unset fields: zeros, null messages, [] and {} */
#define PJ_IN_DISCARD_UNKNOWN	0x4	/* skip unknown fields instead of failing */

/* Index of the message named full_name ("flyteidl.admin.Execution"), or -1. */
int	 pjson_message(const char *full_name);

/*
 * Check `in` against message `msg` the way protojson.Unmarshal does and
 * return a canonical copy: proto field names (or lowerCamelCase with
 * PJ_OUT_CAMEL), enums by name, 64-bit integers as strings, Timestamps in
 * UTC, Durations as "N.NNNs", zero-valued scalars left out unless
 * PJ_OUT_UNPOPULATED. `where` prefixes the field path in messages.
 * Returns a new cJSON (caller deletes), or NULL with err filled in, naming
 * the field.
 */
cJSON	*pjson_convert(int msg, const cJSON *in, int flags, const char *where,
	    char *err, size_t errlen);

/* The flyteidl version the descriptors were generated from. */
const char *pjson_flyteidl_version(void);

/* RFC 3339 ↔ (seconds, nanos); the parser follows Go's protojson. Returns 0 or -1. */
int	 pjson_parse_timestamp(const char *s, long long *secs, int *nanos);
void	 pjson_format_timestamp(long long secs, int nanos, char *buf, size_t len);
#endif
