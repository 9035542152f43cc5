/* schedule.c: one schedule's fields, their validation, and their JSON form. */
#include <stdlib.h>
#include <string.h>

#include "schedd/schedule.h"

void
schedule_clear(struct schedule *s)
{
	char	**strings[] = {
		&s->name, &s->project, &s->domain, &s->launch_plan, &s->version,
		&s->cron, &s->tz, &s->inputs, &s->kickoff_input, &s->labels,
		&s->annotations, &s->service_account, &s->catchup, &s->overlap,
		&s->note,
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(*strings[i]);
	memset(s, 0, sizeof(*s));
}
