/* loadgen.c: posts N distinct ExecutionCreateRequests at concurrency C over keep-alive connections and prints the accept rate. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct slot {
	CURL		*easy;
	char		 body[2048];	/* room for the longest --lp and --prefix */
	long		 index;		/* request number, -1 when idle */
};

struct opts {
	const char	*url;		/* base, e.g. http://127.0.0.1:8089 */
	long		 n;
	long		 c;
	const char	*prefix;	/* execution names: PREFIX-INDEX */
	const char	*project, *domain, *lp, *version;
	const char	*scheduled_at;	/* RFC 3339; default: now */
	int		 quiet;
};

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen --url URL [-n N] [-c C] [--prefix P] [--lp PROJECT/DOMAIN/NAME@VERSION]\n"
	    "               [--scheduled-at RFC3339] [--quiet]\n"
	    "Posts N ExecutionCreateRequests (default 10000) at concurrency C (default 64) to\n"
	    "URL/api/v1/executions and prints one JSON line: requests, accepted, failed,\n"
	    "seconds, per_second. Exit 1 when a request was not accepted.\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* The body schedd sends for a fire (lib/execution.c), with one STRING input. Returns 0 or -1. */
static int
make_body(const struct opts *o, long i, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len,
	    "{\"project\":\"%s\",\"domain\":\"%s\",\"name\":\"%s-%ld\","
	    "\"spec\":{\"launch_plan\":{\"resource_type\":\"LAUNCH_PLAN\",\"project\":\"%s\","
	    "\"domain\":\"%s\",\"name\":\"%s\",\"version\":\"%s\"},"
	    "\"metadata\":{\"mode\":\"SCHEDULED\",\"scheduled_at\":\"%s\"}},"
	    "\"inputs\":{\"literals\":{\"site_id\":{\"scalar\":{\"primitive\":"
	    "{\"string_value\":\"site_%ld\"}}}}}}",
	    o->project, o->domain, o->prefix, i, o->project, o->domain, o->lp, o->version,
	    o->scheduled_at, i);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Split PROJECT/DOMAIN/NAME@VERSION in place. Returns 0 or -1. */
static int
parse_lp(struct opts *o, char *s)
{
	char	*a, *b, *at;

	if ((a = strchr(s, '/')) == NULL || (b = strchr(a + 1, '/')) == NULL ||
	    (at = strchr(b + 1, '@')) == NULL)
		return -1;
	*a = *b = *at = '\0';
	o->project = s;
	o->domain = a + 1;
	o->lp = b + 1;
	o->version = at + 1;
	return *o->project && *o->domain && *o->lp && *o->version ? 0 : -1;
}

static long
parse_long(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	enum { O_URL = 1, O_PREFIX, O_LP, O_AT, O_QUIET };
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "lp", required_argument, NULL, O_LP },
		{ "scheduled-at", required_argument, NULL, O_AT },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ NULL, 0, NULL, 0 }
	};
	struct opts		 o = { NULL, 10000, 64, "lg", "flytesnacks", "development",
				    "data_sync_wf", "v2", NULL, 0 };
	char			 url[1024], at[32], lpbuf[512];
	struct curl_slist	*hdrs = NULL;
	struct slot		*slots;
	CURLM			*multi;
	CURLMsg			*msg;
	long			 next = 0, done = 0, accepted = 0, failed = 0, i;
	double			 t0, t1;
	int			 running, left, ch;
	time_t			 t;

	while ((ch = getopt_long(argc, argv, "n:c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.n = parse_long(optarg, 1, 100000000);
			break;
		case 'c':
			o.c = parse_long(optarg, 1, 10000);
			break;
		case O_URL:
			o.url = optarg;
			break;
		case O_PREFIX:
			o.prefix = optarg;
			break;
		case O_LP:
			snprintf(lpbuf, sizeof(lpbuf), "%s", optarg);
			if (parse_lp(&o, lpbuf) == -1)
				usage();
			break;
		case O_AT:
			o.scheduled_at = optarg;
			break;
		case O_QUIET:
			o.quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.url == NULL)
		usage();
	if (o.scheduled_at == NULL) {
		t = time(NULL);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		o.scheduled_at = at;
	}
	if (o.c > o.n)
		o.c = o.n;
	snprintf(url, sizeof(url), "%s/api/v1/executions", o.url);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL ||
	    (slots = calloc((size_t)o.c, sizeof(*slots))) == NULL) {
		fprintf(stderr, "loadgen: setup failed\n");
		return 2;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");	/* no 100-continue round trip */
	/* One connection per slot, kept alive: the daemon's pattern with maxInflight C. */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, o.c);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, o.c);
	for (i = 0; i < o.c; i++) {
		struct slot *s = &slots[i];

		if ((s->easy = curl_easy_init()) == NULL)
			return 2;
		curl_easy_setopt(s->easy, CURLOPT_URL, url);
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 30000L);
		s->index = -1;
	}
	t0 = now_s();
	for (i = 0; i < o.c; i++) {
		struct slot *s = &slots[i];

		if (make_body(&o, next, s->body, sizeof(s->body)) == -1) {
			fprintf(stderr, "loadgen: body too long\n");
			return 2;
		}
		s->index = next++;
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
		curl_multi_add_handle(multi, s->easy);
	}
	while (done < o.n) {
		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			fprintf(stderr, "loadgen: curl_multi_perform failed\n");
			return 2;
		}
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot	*s;
			long		 code = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			done++;
			if (msg->data.result == CURLE_OK && code == 200)
				accepted++;
			else {
				if (failed < 5)
					fprintf(stderr, "loadgen: request %ld: %s, HTTP %ld\n",
					    s->index, curl_easy_strerror(msg->data.result), code);
				failed++;
			}
			curl_multi_remove_handle(multi, s->easy);
			s->index = -1;
			if (next < o.n) {
				make_body(&o, next, s->body, sizeof(s->body));
				s->index = next++;
				curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
				curl_multi_add_handle(multi, s->easy);
			}
		}
		if (done < o.n && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			fprintf(stderr, "loadgen: curl_multi_poll failed\n");
			return 2;
		}
	}
	t1 = now_s();
	printf("{\"requests\":%ld,\"accepted\":%ld,\"failed\":%ld,\"concurrency\":%ld,"
	    "\"seconds\":%.3f,\"per_second\":%.0f}\n", o.n, accepted, failed, o.c, t1 - t0,
	    (double)accepted / (t1 - t0));
	if (!o.quiet)
		fprintf(stderr, "loadgen: %ld of %ld accepted in %.3f s: %.0f creates/s\n",
		    accepted, o.n, t1 - t0, (double)accepted / (t1 - t0));
	for (i = 0; i < o.c; i++) {
		if (slots[i].index >= 0)
			curl_multi_remove_handle(multi, slots[i].easy);
		curl_easy_cleanup(slots[i].easy);
	}
	free(slots);
	curl_multi_cleanup(multi);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
