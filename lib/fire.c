/* fire.c: what a schedule owes after downtime (catch-up policies), and execution names. Pure. */
#include <stdio.h>
#include <string.h>

#include "schedd/fire.h"

int
fire_catchup_parse(const char *text, enum fire_catchup *policy)
{
	if (strcmp(text, "all") == 0)
		*policy = FIRE_CATCHUP_ALL;
	else if (strcmp(text, "latest") == 0)
		*policy = FIRE_CATCHUP_LATEST;
	else if (strcmp(text, "none") == 0)
		*policy = FIRE_CATCHUP_NONE;
	else
		return -1;
	return 0;
}

/* Reverse list[0..n) in place: the walk collects newest first. */
static void
reverse(int64_t *list, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		int64_t	tmp = list[i];

		list[i] = list[j];
		list[j] = tmp;
	}
}

void
fire_plan(const struct cron_expr *expr, const struct tz_zone *zone,
    enum fire_catchup policy, int64_t window, int64_t grace, int64_t from,
    int64_t now, struct fire_plan *plan)
{
	int64_t	t = now + 1;

	memset(plan, 0, sizeof(*plan));
	if (cron_next(expr, zone, now, &plan->next) == -1)
		plan->next = -1;
	while (cron_prev(expr, zone, t, &t) == 0 && t > from) {
		int	fire;

		if (t >= now - grace)
			fire = 1;		/* late, not missed */
		else if (t < now - window)
			fire = 0;		/* too old for any policy */
		else if (policy == FIRE_CATCHUP_ALL)
			fire = 1;
		else if (policy == FIRE_CATCHUP_LATEST)
			fire = plan->nfire == 0;	/* the newest of all, on time or not */
		else
			fire = 0;
		if (fire && plan->nfire < FIRE_CATCHUP_MAX) {
			plan->fire[plan->nfire++] = t;
			continue;
		}
		if (plan->nskip == FIRE_SKIP_MAX) {
			plan->more_skipped = 1;
			break;
		}
		plan->skip[plan->nskip++] = t;
	}
	reverse(plan->fire, plan->nfire);
	reverse(plan->skip, plan->nskip);
}

void
fire_execution_name(const char *schedule_name, int64_t instant, char *buf,
    size_t len)
{
	/* FNV-1a, 128 bits: offset basis and prime from the FNV specification. */
	const unsigned __int128	prime = ((unsigned __int128)0x0000000001000000ULL
				    << 64) | 0x000000000000013BULL;
	unsigned __int128	h = ((unsigned __int128)0x6c62272e07bb0142ULL
				    << 64) | 0x62b821756295c58dULL;
	char			input[300], name[FIRE_NAME_LENGTH + 1];
	int			n;

	n = snprintf(input, sizeof(input), "%s@%lld", schedule_name,
	    (long long)instant);
	if (n < 0 || (size_t)n >= sizeof(input))
		n = (int)sizeof(input) - 1;
	for (int i = 0; i < n; i++) {
		h ^= (unsigned char)input[i];
		h *= prime;
	}
	name[0] = 's';
	for (int i = FIRE_NAME_LENGTH - 1; i >= 1; i--) {
		name[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[h % 36];
		h /= 36;
	}
	name[FIRE_NAME_LENGTH] = '\0';
	snprintf(buf, len, "%s", name);
}

int
fire_shard(const char *schedule_name, int shards)
{
	/* FNV-1a, 64 bits: offset basis and prime from the FNV specification. */
	uint64_t	h = 0xcbf29ce484222325ULL;

	if (shards <= 1)
		return 0;
	for (const unsigned char *p = (const unsigned char *)schedule_name;
	    *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (int)(h % (uint64_t)shards);
}
