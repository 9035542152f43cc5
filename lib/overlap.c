/* overlap.c: the overlap policies as one pure decision. */
#include <string.h>

#include "schedd/overlap.h"

static const char *const names[] = {
	[OVERLAP_ALLOW] = "allow",
	[OVERLAP_SKIP] = "skip",
	[OVERLAP_BUFFER_ONE] = "buffer-one",
	[OVERLAP_CANCEL] = "cancel-previous",
};

int
overlap_parse(const char *text, enum overlap_policy *policy)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (text != NULL && strcmp(text, names[i]) == 0) {
			*policy = (enum overlap_policy)i;
			return 0;
		}
	return -1;
}

const char *
overlap_name(enum overlap_policy policy)
{
	return names[policy];
}

enum overlap_action
overlap_decide(enum overlap_policy policy, enum overlap_previous previous,
    int one_held)
{
	if (previous == OVERLAP_PREVIOUS_DONE)
		return policy == OVERLAP_BUFFER_ONE && one_held ?
		    OVERLAP_RELEASES : OVERLAP_GO;
	switch (policy) {
	case OVERLAP_SKIP:
		return OVERLAP_SKIPS;
	case OVERLAP_BUFFER_ONE:
		return one_held ? OVERLAP_SKIPS : OVERLAP_WAITS;
	case OVERLAP_CANCEL:
		return OVERLAP_CANCELS;
	case OVERLAP_ALLOW:
		break;
	}
	return OVERLAP_GO;
}
