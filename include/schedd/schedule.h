/* schedule.h: one schedule's fields, their validation, and their JSON form. */
#ifndef SCHEDD_SCHEDULE_H
#define SCHEDD_SCHEDULE_H

#include <stdint.h>

#include "schedd/err.h"

/* A schedule row. Strings are owned (malloc'd) by the struct; schedule_clear frees them. */
struct schedule {
	int64_t	 id;			/* rowid; 0 before insert */
	char	*name;			/* ^[A-Za-z0-9_.-]{1,128}$ */
	char	*project;
	char	*domain;
	char	*launch_plan;
	char	*version;		/* NULL: the latest version, resolved at fire time */
	char	*cron;
	char	*tz;			/* IANA name, "UTC" by default */
	char	*inputs;		/* JSON object text */
	char	*kickoff_input;		/* NULL or the input that gets the scheduled instant */
	char	*labels;		/* JSON object of strings */
	char	*annotations;		/* JSON object of strings */
	char	*service_account;	/* NULL or a Kubernetes service account */
	char	*catchup;		/* "all" | "latest" | "none" */
	int64_t	 catchup_window;	/* seconds */
	char	*overlap;		/* "allow" | "skip" | "buffer-one" | "cancel-previous" */
	int	 paused;
	char	*note;
	int64_t	 created_at;		/* anchors @every */
	int64_t	 updated_at;
	int64_t	 active_since;		/* creation or last resume */
	/* Who owns what (apply): */
	char	*source;		/* NULL: made by an operator; else the apply file's path or --source */
	int64_t	 matrix_entry;		/* 0, or the matrix_entries row it was expanded from */
	int	 paused_by_operator;	/* paused and note last set by pause, resume or update */
	char	*repinned_from;		/* NULL, or the version repin moved it from since apply set it */
};

/* Free the strings and zero the struct. */
void	schedule_clear(struct schedule *s);

/*
 * A 64-bit digest of what makes s fire as it does (name, launch plan,
 * cron, zone, inputs, labels, annotations, service account, policies,
 * paused; not notes, times or where it came from): hosts holding the same
 * schedules have the same sum of these (store_schedules_digest). FNV-1a
 * over the fields (0x1f between, 0x1e for none), mixed by splitmix64's
 * finalizer so that a sum of them does not cancel out.
 */
uint64_t	schedule_digest(const struct schedule *s);

/* 1 when name matches ^[A-Za-z0-9_.-]{1,128}$. */
int	schedule_name_valid(const char *name);

/*
 * Split "project/domain/name[@version]" into s->project, s->domain,
 * s->launch_plan and s->version (NULL without @). Returns 0, or -1 with e.
 */
int	schedule_set_launch_plan(struct schedule *s, const char *ref,
	    struct err *e);

/*
 * Check every field that can be checked without Flyte Admin: name, launch
 * plan, cron (with the engine's message), zone (loaded from tzdir, NULL for
 * the system's), inputs (a strict JSON object, json_parse_strict: no key
 * twice, numbers in range, no NUL, UTF-8; values at most LITERAL_DEPTH_MAX
 * deep), label and annotation keys and values (Kubernetes rules: they become
 * execution labels), the note (UTF-8), policies. Returns 0, or -1 with
 * e->code EX_DATAERR and a message naming the field.
 */
int	schedule_validate(const struct schedule *s, const char *tzdir,
	    struct err *e);

#include <cjson/cJSON.h>

/*
 * The schedule in the form `schedctl apply` reads and `export` writes:
 * {name, lp: "p/d/n[@v]", cron, tz, inputs, kickoff_input, labels,
 * annotations, service_account, catchup, catchup_window: "1h", overlap,
 * paused, note}, leaving out what is unset. NULL when out of memory.
 */
cJSON	*schedule_spec(const struct schedule *s);

/*
 * Fill s's user-set fields from a spec object (the keys above; any other key
 * is an error naming it). Fields the spec leaves out get their defaults.
 * Ids and times are not touched. Returns 0, or -1 with e (EX_DATAERR).
 */
int	schedule_from_spec(const cJSON *spec, struct schedule *s, struct err *e);

/* The schedule as a JSON object text (newly allocated; NULL when out of memory). */
char	*schedule_to_json(const struct schedule *s);

#endif
