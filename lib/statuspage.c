/* statuspage.c: the status page's HTML from plain rows: schedules, one schedule, missed fires. Pure: no SQL, no HTTP. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schedd/civil.h"
#include "schedd/statuspage.h"

#define DAY		86400
#define TIME_MAX	40	/* an RFC 3339 instant and its NUL */

/* Timeline geometry (SVG user units). */
#define LINE_WIDTH	960
#define LINE_HEIGHT	70
#define LINE_MARGIN	20
#define LINE_AXIS	40	/* y of the axis */

/* Colours by outcome; the strip, the timeline and the legend share them. */
static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;"
    "vertical-align:top}"
    "th{background:#f4f4f4}small,.muted{color:#666}"
    "code,pre{font:12px ui-monospace,monospace}"
    "pre{white-space:pre-wrap;margin:0}"
    "nav a{margin-right:1em}.next,.next+small{white-space:nowrap}"
    ".strip{display:flex;gap:1px}"
    ".strip a,.strip span{display:inline-block;width:8px;height:18px}"
    ".created{background:#9aa7b0;fill:#9aa7b0}"
    ".running{background:#3b82c4;fill:#3b82c4}"
    ".succeeded{background:#2e9e44;fill:#2e9e44}"
    ".failed{background:#d0312d;fill:#d0312d}"
    ".skipped{background:#c9c9c9;fill:#c9c9c9}"
    ".missed{background:#e69500;fill:#e69500}"
    ".upcoming{fill:#fff;stroke:#555}"
    ".unrun{fill:#eee;stroke:#999}"
    "tr.failing td:first-child{border-left:4px solid #d0312d}"
    "tr.paused td:first-child{border-left:4px solid #c9c9c9}"
    ".legend span{display:inline-block;width:10px;height:10px;"
    "margin:0 3px 0 10px}";

static const char *const outcomes[] = {
	"created", "running", "succeeded", "failed", "skipped", "missed"
};

/* --- text --- */

static void
put(struct metrics_text *t, const char *s)
{
	metrics_text_add(t, s, strlen(s));
}

/* s with & < > " ' as entities: safe in text and in quoted attributes. NULL is "". */
static void
put_escaped(struct metrics_text *t, const char *s)
{
	const char	*run = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		const char	*ent = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
				    *s == '>' ? "&gt;" : *s == '"' ? "&quot;" :
				    *s == '\'' ? "&#39;" : NULL;

		if (ent == NULL)
			continue;
		metrics_text_add(t, run, (size_t)(s - run));
		put(t, ent);
		run = s + 1;
	}
	metrics_text_add(t, run, (size_t)(s - run));
}

/* s percent-encoded for a path segment or a query value (all but RFC 3986's unreserved). */
static void
put_url_part(struct metrics_text *t, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			metrics_text_add(t, s, 1);
		else
			metrics_text_printf(t, "%%%02X", c);
	}
}

/* An instant in RFC 3339 at offset (0: UTC, "Z"). */
static void
put_time(struct metrics_text *t, int64_t at, int32_t offset)
{
	char	buf[TIME_MAX];

	if (at == 0 || civil_format_rfc3339(at, offset, buf, sizeof(buf)) == -1)
		put(t, "-");
	else
		put(t, buf);
}

/* Seconds as "1h2m3s" (civil_format_duration). */
static void
put_duration(struct metrics_text *t, int64_t seconds)
{
	char	buf[32];

	civil_format_duration(seconds < 0 ? 0 : seconds, buf, sizeof(buf));
	put(t, buf);
}

static void
page_head(struct metrics_text *t, const char *title)
{
	put(t, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>schedd: ");
	put_escaped(t, title);
	put(t, "</title><style>");
	put(t, style);
	put(t, "</style></head><body>\n<nav><a href=\"/\">schedules</a>"
	    "<a href=\"/?state=failing\">failing</a><a href=\"/?state=paused\">"
	    "paused</a><a href=\"/?state=late\">late</a><a href=\"/missed\">"
	    "missed</a></nav>\n<h1>");
	put_escaped(t, title);
	put(t, "</h1>\n");
}

static void
page_tail(struct metrics_text *t)
{
	put(t, "</body></html>\n");
}

/* A JSON object of strings (labels, annotations) as "k=v" lines; anything else as its text. */
static void
put_pairs(struct metrics_text *t, const char *json)
{
	cJSON		*doc = json != NULL ? cJSON_Parse(json) : NULL;
	const cJSON	*item;
	int		 n = 0;

	if (!cJSON_IsObject(doc)) {
		put_escaped(t, json);
		cJSON_Delete(doc);
		return;
	}
	cJSON_ArrayForEach(item, doc) {
		put(t, n++ ? "<br>" : "");
		put_escaped(t, item->string);
		put(t, "=");
		put_escaped(t, cJSON_IsString(item) ? item->valuestring : "");
	}
	cJSON_Delete(doc);
}

/* The console's page of an execution, as an href value. */
static void
put_console_href(struct metrics_text *t, const char *console_url,
    const char *project, const char *domain, const char *execution)
{
	size_t	n = strlen(console_url);

	/* A trailing slash in the setting must not double. */
	while (n > 0 && console_url[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n; i++) {
		char	one[2] = { console_url[i], '\0' };

		put_escaped(t, one);
	}
	put(t, "/projects/");
	put_url_part(t, project);
	put(t, "/domains/");
	put_url_part(t, domain);
	put(t, "/executions/");
	put_url_part(t, execution);
}

/* "?page=N" with the filters kept. */
static void
put_page_link(struct metrics_text *t, const char *path, const char *selector,
    const char *state, int page, const char *label)
{
	put(t, "<a href=\"");
	put(t, path);
	metrics_text_printf(t, "?page=%d", page);
	if (selector != NULL && *selector != '\0') {
		put(t, "&amp;selector=");
		put_url_part(t, selector);
	}
	if (state != NULL && *state != '\0') {
		put(t, "&amp;state=");
		put_url_part(t, state);
	}
	put(t, "\">");
	put(t, label);
	put(t, "</a> ");
}

static void
put_pager(struct metrics_text *t, const char *path, const char *selector,
    const char *state, int page, int more)
{
	put(t, "<p class=\"pager\">");
	if (page > 1)
		put_page_link(t, path, selector, state, page - 1, "&larr; previous");
	metrics_text_printf(t, "page %d ", page);
	if (more)
		put_page_link(t, path, selector, state, page + 1, "next &rarr;");
	put(t, "</p>\n");
}

static void
put_legend(struct metrics_text *t)
{
	put(t, "<p class=\"legend muted\">");
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		metrics_text_printf(t, "<span class=\"%s\"></span>%s",
		    outcomes[i], outcomes[i]);
	put(t, "</p>\n");
}

/* --- outcomes --- */

const char *
statuspage_outcome(const struct store_page_run *r)
{
	const char	*state = r->state ? r->state : "", *phase = r->phase;

	if (strcmp(state, "skipped") == 0)
		return r->kind != NULL && strcmp(r->kind, "catchup") == 0 ?
		    "missed" : "skipped";
	if (strcmp(state, "failed") == 0)
		return "failed";
	if (phase == NULL || strcmp(phase, "UNDEFINED") == 0 ||
	    strcmp(phase, "UNKNOWN") == 0)
		return "created";
	if (strcmp(phase, "SUCCEEDED") == 0)
		return "succeeded";
	if (strcmp(phase, "FAILED") == 0 || strcmp(phase, "ABORTED") == 0 ||
	    strcmp(phase, "TIMED_OUT") == 0)
		return "failed";
	return "running";
}

/* A run's title: instant, outcome, phase, error. */
static void
put_run_title(struct metrics_text *t, const struct store_page_run *r)
{
	put_time(t, r->scheduled_at, 0);
	put(t, " ");
	put(t, statuspage_outcome(r));
	if (r->phase != NULL) {
		put(t, " (");
		put_escaped(t, r->phase);
		put(t, ")");
	}
	if (r->error != NULL) {
		put(t, ": ");
		put_escaped(t, r->error);
	}
}

/* The strip of a row's last runs, oldest left; a run links to the console when it can. */
static void
put_strip(struct metrics_text *t, const struct statuspage_row *row,
    const char *console_url)
{
	put(t, "<div class=\"strip\">");
	for (size_t i = row->nruns; i-- > 0;) {
		const struct store_page_run	*r = &row->runs[i];
		int				 link = console_url != NULL &&
						    r->execution_name != NULL &&
						    strcmp(r->state, "created") == 0;

		metrics_text_printf(t, "<%s class=\"%s\"", link ? "a" : "span",
		    statuspage_outcome(r));
		if (link) {
			put(t, " href=\"");
			put_console_href(t, console_url, row->s.project,
			    row->s.domain, r->execution_name);
			put(t, "\"");
		}
		put(t, " title=\"");
		put_run_title(t, r);
		metrics_text_printf(t, "\"></%s>", link ? "a" : "span");
	}
	put(t, "</div>");
}

static void
put_launch_plan(struct metrics_text *t, const struct store_page_row *s)
{
	put_escaped(t, s->project);
	put(t, "/");
	put_escaped(t, s->domain);
	put(t, "/");
	put_escaped(t, s->launch_plan);
	put(t, "<br><small>");
	put_escaped(t, s->version != NULL ? s->version : "latest");
	put(t, "</small>");
}

static void
put_cron(struct metrics_text *t, const struct statuspage_row *row)
{
	put_escaped(t, row->words);
	put(t, "<br><code>");
	put_escaped(t, row->s.cron);
	put(t, "</code> <small>");
	put_escaped(t, row->s.tz);
	put(t, "</small>");
}

static void
put_next(struct metrics_text *t, const struct statuspage_row *row)
{
	if (row->s.paused) {
		put(t, "<span class=\"muted\">paused</span>");
		return;
	}
	if (row->nnext == 0)
		put(t, "<span class=\"muted\">none</span>");
	for (int i = 0; i < row->nnext; i++) {
		put(t, i ? "<br>" : "");
		put(t, "<span class=\"next\">");
		put_time(t, row->next[i], row->next_offset[i]);
		put(t, "</span> <small>");
		put_time(t, row->next[i], 0);
		put(t, "</small>");
	}
}

/* The health cell: failing (how many, why), paused, or ok. */
static void
put_health(struct metrics_text *t, const struct store_page_row *s)
{
	if (s->consecutive_failures > 0) {
		metrics_text_printf(t, "<b>failing</b> (%lld)",
		    (long long)s->consecutive_failures);
		if (s->last_error != NULL) {
			put(t, "<br><small>");
			put_escaped(t, s->last_error);
			put(t, "</small>");
		}
	} else
		put(t, s->paused ? "paused" : "ok");
}

/* --- / --- */

void
statuspage_render_list(const struct statuspage_list *l, struct metrics_text *t)
{
	page_head(t, "schedules");
	put(t, "<form method=\"get\" action=\"/\">selector <input "
	    "name=\"selector\" value=\"");
	put_escaped(t, l->selector);
	put(t, "\"> state <select name=\"state\">");
	for (int i = 0; i < 4; i++) {
		static const char *const states[] = { "", "failing", "paused",
		    "late" };

		metrics_text_printf(t, "<option value=\"%s\"%s>%s</option>",
		    states[i], strcmp(l->state, states[i]) == 0 ?
		    " selected" : "", i ? states[i] : "any");
	}
	put(t, "</select> <button>filter</button></form>\n");
	if (l->problem != NULL) {
		put(t, "<p class=\"problem\">");
		put_escaped(t, l->problem);
		put(t, "</p>\n");
	}
	put_legend(t);
	put(t, "<table>\n<tr><th>schedule</th><th>launch plan</th><th>when"
	    "</th><th>next fires (local, UTC)</th><th>last runs</th>"
	    "<th>health</th></tr>\n");
	for (size_t i = 0; i < l->nrows; i++) {
		const struct statuspage_row	*row = &l->rows[i];

		metrics_text_printf(t, "<tr class=\"schedule%s\"><td><a href="
		    "\"/schedules/", row->s.consecutive_failures > 0 ?
		    " failing" : row->s.paused ? " paused" : "");
		put_url_part(t, row->s.name);
		put(t, "\">");
		put_escaped(t, row->s.name);
		put(t, "</a><br><small>");
		put_pairs(t, row->s.labels);
		put(t, "</small></td><td>");
		put_launch_plan(t, &row->s);
		put(t, "</td><td>");
		put_cron(t, row);
		put(t, "</td><td>");
		put_next(t, row);
		put(t, "</td><td>");
		put_strip(t, row, l->console_url);
		put(t, "</td><td>");
		put_health(t, &row->s);
		put(t, "</td></tr>\n");
	}
	put(t, "</table>\n");
	if (l->nrows == 0)
		put(t, "<p class=\"muted\">no schedules</p>\n");
	put_pager(t, "/", l->selector, l->state, l->page, l->more);
	page_tail(t);
}

/* --- /schedules/NAME --- */

static void
definition_line(struct metrics_text *t, const char *what, const char *value,
    int pre)
{
	if (value == NULL)
		return;
	put(t, "<tr><th>");
	put(t, what);
	put(t, pre ? "</th><td><pre>" : "</th><td>");
	put_escaped(t, value);
	put(t, pre ? "</pre></td></tr>\n" : "</td></tr>\n");
}

static void
put_definition(struct metrics_text *t, const struct statuspage_detail *d)
{
	const struct schedule	*s = d->s;

	put(t, "<h2>definition</h2>\n<table class=\"definition\">\n"
	    "<tr><th>launch plan</th><td>");
	put_launch_plan(t, &d->row->s);
	put(t, "</td></tr>\n<tr><th>when</th><td>");
	put_cron(t, d->row);
	put(t, "</td></tr>\n<tr><th>next fires</th><td>");
	put_next(t, d->row);
	put(t, "</td></tr>\n<tr><th>health</th><td>");
	put_health(t, &d->row->s);
	put(t, "</td></tr>\n");
	definition_line(t, "inputs", s->inputs, 1);
	definition_line(t, "kickoff input", s->kickoff_input, 0);
	put(t, "<tr><th>labels</th><td>");
	put_pairs(t, s->labels);
	put(t, "</td></tr>\n<tr><th>annotations</th><td>");
	put_pairs(t, s->annotations);
	put(t, "</td></tr>\n");
	definition_line(t, "service account", s->service_account, 0);
	put(t, "<tr><th>catch-up</th><td>");
	put_escaped(t, s->catchup);
	put(t, ", window ");
	put_duration(t, s->catchup_window);
	put(t, "</td></tr>\n");
	definition_line(t, "overlap", s->overlap, 0);
	definition_line(t, "paused", s->paused ? "yes" : "no", 0);
	definition_line(t, "note", s->note, 0);
	definition_line(t, "source", s->source != NULL ? s->source :
	    "an operator (schedctl)", 0);
	put(t, "<tr><th>created, updated</th><td>");
	put_time(t, s->created_at, 0);
	put(t, ", ");
	put_time(t, s->updated_at, 0);
	put(t, "</td></tr>\n</table>\n");
}

/* x of instant at on the timeline (now in the middle). */
static double
timeline_x(int64_t now, int64_t at)
{
	return LINE_MARGIN + (double)(at - (now - DAY)) * (LINE_WIDTH -
	    2 * LINE_MARGIN) / (2.0 * DAY);
}

/* The outcome of the run at instant at among the history, NULL when none was recorded. */
static const char *
outcome_at(const struct statuspage_detail *d, int64_t at)
{
	for (size_t i = 0; i < d->nwindow; i++)
		if (d->window[i].scheduled_at == at)
			return statuspage_outcome(&d->window[i]);
	return NULL;
}

static void
put_timeline(struct metrics_text *t, const struct statuspage_detail *d)
{
	put(t, "<h2>48 hours</h2>\n");
	metrics_text_printf(t, "<svg class=\"timeline\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"instants from 24 hours ago to 24 hours ahead\">",
	    LINE_WIDTH, LINE_HEIGHT, LINE_WIDTH, LINE_HEIGHT);
	metrics_text_printf(t, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/>", LINE_MARGIN, LINE_AXIS,
	    LINE_WIDTH - LINE_MARGIN, LINE_AXIS);
	for (int h = -24; h <= 24; h += 6)
		metrics_text_printf(t, "<text x=\"%.1f\" y=\"%d\" font-size="
		    "\"10\" text-anchor=\"middle\" fill=\"#666\">%s%dh</text>",
		    timeline_x(d->now, d->now + h * 3600), LINE_HEIGHT - 4,
		    h > 0 ? "+" : "", h);
	for (size_t i = 0; i < d->ndst; i++) {
		double	x = timeline_x(d->now, d->dst[i].at);

		metrics_text_printf(t, "<g class=\"dst\"><line x1=\"%.1f\" "
		    "y1=\"4\" x2=\"%.1f\" y2=\"%d\" stroke=\"#8a2be2\" "
		    "stroke-dasharray=\"3 2\"/><text x=\"%.1f\" y=\"12\" "
		    "font-size=\"10\" fill=\"#8a2be2\">DST %+.1fh</text><title>",
		    x, x, LINE_AXIS + 8, x + 3,
		    (d->dst[i].to - d->dst[i].from) / 3600.0);
		put(t, "UTC offset changes at ");
		put_time(t, d->dst[i].at, 0);
		put(t, "</title></g>");
	}
	for (size_t i = 0; i < d->ninstants; i++) {
		int64_t		 at = d->instants[i];
		const char	*outcome = at <= d->now ? outcome_at(d, at) :
				    "upcoming";

		metrics_text_printf(t, "<circle class=\"%s\" cx=\"%.1f\" cy="
		    "\"%d\" r=\"4\"><title>", outcome ? outcome : "unrun",
		    timeline_x(d->now, at), LINE_AXIS);
		put_time(t, at, 0);
		put(t, " ");
		put(t, outcome ? outcome : "no run recorded");
		put(t, "</title></circle>");
	}
	metrics_text_printf(t, "<line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" "
	    "y2=\"%d\" stroke=\"#222\"/><text x=\"%.1f\" y=\"18\" "
	    "font-size=\"10\" text-anchor=\"middle\">now</text></svg>\n",
	    timeline_x(d->now, d->now), timeline_x(d->now, d->now),
	    LINE_AXIS + 10, timeline_x(d->now, d->now));
}

static void
put_history(struct metrics_text *t, const struct statuspage_detail *d)
{
	metrics_text_printf(t, "<h2>runs</h2>\n<p class=\"muted\">the last "
	    "%zu</p>\n<table class=\"runs\">\n<tr><th>scheduled (UTC)</th>"
	    "<th>kind</th><th>outcome</th><th>phase</th><th>execution</th>"
	    "<th>started</th><th>ended</th><th>took</th><th>error</th></tr>\n",
	    d->nhistory);
	for (size_t i = 0; i < d->nhistory; i++) {
		const struct store_page_run	*r = &d->history[i];

		metrics_text_printf(t, "<tr class=\"run\"><td>");
		put_time(t, r->scheduled_at, 0);
		put(t, "</td><td>");
		put_escaped(t, r->kind);
		metrics_text_printf(t, "</td><td><span class=\"%s\">&nbsp;"
		    "&nbsp;</span> %s</td><td>", statuspage_outcome(r),
		    statuspage_outcome(r));
		put_escaped(t, r->phase);
		put(t, "</td><td>");
		if (r->execution_name != NULL && d->console_url != NULL) {
			put(t, "<a href=\"");
			put_console_href(t, d->console_url, d->s->project,
			    d->s->domain, r->execution_name);
			put(t, "\">");
			put_escaped(t, r->execution_name);
			put(t, "</a>");
		} else
			put_escaped(t, r->execution_name);
		put(t, "</td><td>");
		put_time(t, r->started_at, 0);
		put(t, "</td><td>");
		put_time(t, r->ended_at, 0);
		put(t, "</td><td>");
		if (r->started_at != 0 && r->ended_at != 0)
			put_duration(t, r->ended_at - r->started_at);
		put(t, "</td><td>");
		put_escaped(t, r->error);
		put(t, "</td></tr>\n");
	}
	put(t, "</table>\n");
}

static void
put_changes(struct metrics_text *t, const struct statuspage_detail *d)
{
	put(t, "<h2>changes</h2>\n<table class=\"changes\">\n<tr><th>at (UTC)"
	    "</th><th>by</th><th>command</th><th>before</th><th>after</th>"
	    "</tr>\n");
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct store_page_change	*c = &d->changes[i];

		put(t, "<tr class=\"change\"><td>");
		put_time(t, c->at, 0);
		put(t, "</td><td>");
		put_escaped(t, c->os_user);
		put(t, "</td><td><code>");
		put_escaped(t, c->command);
		put(t, "</code></td><td><pre>");
		put_escaped(t, c->before);
		put(t, "</pre></td><td><pre>");
		put_escaped(t, c->after);
		put(t, "</pre></td></tr>\n");
	}
	put(t, "</table>\n");
}

void
statuspage_render_schedule(const struct statuspage_detail *d,
    struct metrics_text *t)
{
	page_head(t, d->s->name);
	put_definition(t, d);
	put_legend(t);
	put_timeline(t, d);
	put_history(t, d);
	put_changes(t, d);
	page_tail(t);
}

/* --- /missed --- */

void
statuspage_render_missed(const struct statuspage_missed *m,
    struct metrics_text *t)
{
	page_head(t, "missed and late fires");
	put(t, "<table>\n<tr><th>scheduled (UTC)</th><th>schedule</th>"
	    "<th>kind</th><th>what</th><th>reason</th></tr>\n");
	for (size_t i = 0; i < m->nruns; i++) {
		const struct store_page_run	*r = &m->runs[i];
		int				 skipped = strcmp(r->state,
						    "skipped") == 0;

		put(t, "<tr class=\"missed-fire\"><td>");
		put_time(t, r->scheduled_at, 0);
		put(t, "</td><td><a href=\"/schedules/");
		put_url_part(t, r->schedule_name);
		put(t, "\">");
		put_escaped(t, r->schedule_name);
		put(t, "</a></td><td>");
		put_escaped(t, r->kind);
		if (skipped)
			metrics_text_printf(t, "</td><td><span class=\"%s\">"
			    "&nbsp;&nbsp;</span> %s</td><td>",
			    statuspage_outcome(r), statuspage_outcome(r));
		else
			metrics_text_printf(t, "</td><td>late %lld s</td><td>",
			    (long long)r->late_seconds);
		put_escaped(t, skipped ? r->error : "sent more than 60 s after "
		    "its instant");
		put(t, "</td></tr>\n");
	}
	put(t, "</table>\n");
	if (m->nruns == 0)
		put(t, "<p class=\"muted\">nothing missed</p>\n");
	put_pager(t, "/missed", NULL, NULL, m->page, m->more);
	page_tail(t);
}

void
statuspage_render_problem(const char *title, const char *what,
    struct metrics_text *t)
{
	page_head(t, title);
	put(t, "<p class=\"problem\">");
	put_escaped(t, what);
	put(t, "</p>\n");
	page_tail(t);
}
