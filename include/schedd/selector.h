/* selector.h: Kubernetes-style label selectors ("team=data,site in (a,b)") matched against a schedule's labels. */
#ifndef SCHEDD_SELECTOR_H
#define SCHEDD_SELECTOR_H

#include "schedd/err.h"

struct selector;		/* opaque: a conjunction of requirements */

/*
 * Parse "key=value", "key!=value", "key in (a,b)", "key notin (a,b)", "key",
 * "!key", joined by commas (all must hold). Returns 0, or -1 with e.
 */
int	selector_parse(const char *text, struct selector **sel, struct err *e);
/* 1 when the labels (a JSON object text of strings) satisfy every requirement. */
int	selector_match(const struct selector *sel, const char *labels_json);
void	selector_free(struct selector *sel);

#endif
