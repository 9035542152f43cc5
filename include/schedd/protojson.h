/* protojson.h: reading Flyte Admin's protojson: a message's members under either of their two JSON names. */
#ifndef SCHEDD_PROTOJSON_H
#define SCHEDD_PROTOJSON_H

struct cJSON;

/*
 * The member of object named snake_name (the proto field name, as Admin
 * writes when asked for it) or its lowerCamelCase JSON name (as protojson
 * writes by default): "expected_inputs" finds "expected_inputs" or
 * "expectedInputs", the proto name first. A null member is absent, as
 * protojson reads it. NULL when object is not an object or has neither.
 * Points into object.
 */
const struct cJSON	*protojson_member(const struct cJSON *object,
			    const char *snake_name);

#endif
