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
};

/* Free the strings and zero the struct. */
void	schedule_clear(struct schedule *s);

#endif
