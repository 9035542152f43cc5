/* stub.h: what the stub Flyte Admin's modules share: options, the server, one call being answered. */
#ifndef STUB_H
#define STUB_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <cjson/cJSON.h>

struct evhttp_request;
struct event;
struct catalog;
struct execs;
struct oauth;

/* What a create is answered in a hostile mode (--hostile-create, POST /stub/hostile): never Admin's answer. */
enum hostile_create {
	HOSTILE_NONE,
	HOSTILE_HTML,		/* 200, a proxy's login page; nothing created */
	HOSTILE_EMPTY,		/* created, then 200 with an empty body */
	HOSTILE_INVALID_JSON,	/* created, then 200 with the answer cut short */
	HOSTILE_ERROR_OBJECT,	/* 200 {"code":3,...}; nothing created */
};

struct stub_opts {
	int		 port;			/* 0: any free port */
	const char	*port_file;		/* bound port written here */
	const char	*catalog;		/* launch plans, JSON list */
	const char	*record;		/* accepted requests, JSON lines */
	const char	*log;			/* every request with its status */
	double		 fail_rate;		/* share of requests answered 503 */
	double		 lost_reply_rate;	/* creates carried out, then 503 */
	unsigned long long fail_seed;
	int		 latency_ms;		/* added before each reply */
	double		 outage_start;		/* seconds since start; < 0: none */
	double		 outage_end;
	int		 close_during_outage;	/* drop connections, no reply */
	double		 phase_after;		/* seconds per phase; 0: stay QUEUED */
	double		 phase_spread;		/* terminal phase spread over this many more seconds */
	int		 no_records;		/* keep no request records in memory */
	int		 auth;			/* bearer tokens on /api */
	const char	*client_id;
	char		*client_secret;		/* owned */
	int		 token_ttl;		/* seconds */
	const char	*auth_header;		/* advertised authorization_metadata_key */
	int		 hostile_create;	/* enum hostile_create */
	int		 hostile_token;		/* tokens issued with "\r\nX-Injected: yes" after them */
};

/* GET /stub/stats: what reached each route, and how late the creates came. */
struct stub_stats {
	unsigned long long	 create_requests;	/* POST /api/v1/executions */
	unsigned long long	 creates;		/* of those, carried out */
	unsigned long long	 execution_gets;
	unsigned long long	 list_requests;		/* ListExecutions */
	unsigned long long	 list_returned;		/* executions in their pages */
	unsigned long long	 deletes;
	unsigned long long	 launch_plan_gets;	/* get, list and active */
	unsigned long long	 hostile;		/* creates answered by a hostile mode */
	unsigned long long	 injected;		/* requests that carried an X-Injected header */
	long long		 first_create_ms;	/* wall clock; 0: none yet */
	long long		 last_create_ms;
	int32_t			*late;			/* ms late per create with scheduled_at */
	size_t			 nlate, caplate;
};

struct record;

struct stub {
	struct stub_opts	 o;
	struct event_base	*base;
	struct evhttp		*http;
	int			 port;		/* bound port */
	struct timespec		 start;		/* CLOCK_MONOTONIC at start */
	FILE			*record;
	FILE			*log;
	struct event		*flush_ev;	/* writes record and log out once per loop pass */
	struct record		*records;	/* accepted requests, for /stub/requests */
	size_t			 nrecords, caprecords;
	struct stub_stats	 stats;
	unsigned long long	 rng;		/* fault injection stream */
	struct call		*pending;	/* replies waiting on latency or a close */
	struct catalog		*catalog;
	struct execs		*execs;
	struct oauth		*oauth;
};

/* Output naming chosen the way grpc-gateway picks a marshaler. */
#define CALL_CAMEL	0x1	/* no application/json Accept or Content-Type */
#define CALL_LENIENT	0x2	/* default marshaler: unknown fields dropped */

struct call {
	struct stub		*st;
	struct evhttp_request	*req;
	int			 method;	/* enum evhttp_cmd_type */
	const char		*method_name;
	char			*path;		/* as sent, without the query */
	char			*query;		/* NULL when none */
	char			*segs[8];	/* path segments, percent-decoded */
	int			 nsegs;
	char			*body;		/* NUL-terminated, "" when none */
	long long		 recv_ms;	/* wall clock when the request was read */
	size_t			 bodylen;
	int			 flags;		/* CALL_* */
	const char		*auth_header;	/* header that carried a bearer token */
	/* The answer. */
	int			 status;	/* 0 until a handler answers */
	char			*resp;		/* body text */
	const char		*ctype;		/* Content-Type of resp */
	char			*www_auth;	/* WWW-Authenticate on 401 */
	int			 accepted;	/* record it */
	int			 refused;	/* a 2xx that was not carried out (hostile): not recorded */
	cJSON			*rec_body;	/* recorded as "body"; NULL: parsed request */
	char			 note[512];	/* error or fault, for the log */
	int			 close;		/* drop the connection instead */
	struct event		*timer;		/* delayed reply */
	struct call		*next;		/* stub.pending */
};

/* Seconds since the stub started (monotonic). */
double	 stub_elapsed(const struct stub *);
/* Uniform in [0, 1) from the fault injection stream. */
double	 stub_random(struct stub *);
/* Current wall clock as RFC 3339 UTC with microseconds, and its parts. */
void	 stub_wallclock(long long *secs, int *nanos);

/* Answer with body (taken over, printed compactly). */
void	 call_json(struct call *, int status, cJSON *body);
/* Answer with text of content type ctype (taken over; NULL: out of memory). */
void	 call_raw(struct call *, int status, char *text, const char *ctype);
/* Answer with JSON text already made (taken over; NULL: out of memory). */
void	 call_raw_json(struct call *, int status, char *text);
/* Answer with a grpc-gateway error: {"code":code,"message":...,"details":[]}. */
void	 call_error(struct call *, int status, int code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/*
 * Answer with message `msg` (a pjson index) built sparse in snake_case:
 * re-encoded with every unset field, named as the request's marshaler wants.
 */
void	 call_message(struct call *, int status, const char *msg, cJSON *sparse);
/* The request body as JSON: {} when empty; NULL after answering 400 when not JSON. */
cJSON	*call_body_json(struct call *);
/* The value of query parameter `key`, or NULL; caller frees. */
char	*call_query(const struct call *, const char *key);

/* catalog.c: launch plans from the --catalog file. */
struct catalog *catalog_load(const char *path, char *err, size_t errlen);
void	 catalog_free(struct catalog *);
/* Answer /api/v1/launch_plans and /api/v1/active_launch_plans; 0 if not such a path. */
int	 catalog_route(struct catalog *, struct call *);
/* The canonical admin.LaunchPlan of an identifier, or NULL. */
const cJSON *catalog_find(const struct catalog *, const char *project,
	    const char *domain, const char *name, const char *version);
/* Whether any launch plan lives in project/domain. */
int	 catalog_has_project(const struct catalog *, const char *project,
	    const char *domain);
/* Check literals against the plan's expected and fixed inputs. Returns 0, or -1 with err. */
int	 catalog_check_inputs(const cJSON *lp, const cJSON *literals, char *err,
	    size_t errlen);

/* Record a create's lateness: received at recv_ms, scheduled at sched_ms (both wall clock). */
void	 stub_note_create(struct stub *, long long recv_ms, long long sched_ms, int has_sched);

/* executions.c: executions created through the stub. */
struct execs *execs_new(struct stub *);
void	 execs_free(struct execs *);
void	 execs_reset(struct execs *);
/* Answer /api/v1/executions...; 0 if not such a path. */
int	 execs_route(struct execs *, struct call *);
/* How many executions are stored. */
size_t	 execs_count(const struct execs *);
/* POST /stub/executions/{project}/{domain}/{name}/phase {"phase": NAME}. */
void	 execs_force_phase(struct execs *, struct call *);
/* POST /stub/executions/{project}/{domain}/{name}/forget: gone, as if deleted from Admin's database. */
void	 execs_forget(struct execs *, struct call *);

/* filters.c: Admin's `filters` for ListExecutions. */
enum { FF_PROJECT, FF_DOMAIN, FF_NAME, FF_PHASE, FF_CREATED, FF_UPDATED, FF_STARTED,
	FF_LP_PROJECT, FF_LP_DOMAIN, FF_LP_NAME, FF_LP_VERSION,
	FF_WF_PROJECT, FF_WF_DOMAIN, FF_WF_NAME, FF_WF_VERSION };

struct filter {
	int		 op;
	int		 field;		/* FF_* */
	char		**values;	/* split on ';' */
	int		 nvalues;
	long long	*times;		/* time fields: values in µs since the epoch */
};

struct filters {
	struct filter	*f;
	int		 n;
};

/* An error as Admin would answer it. */
struct filter_error {
	int	status;
	int	code;
	char	msg[512];
};

/* One execution row joined with its launch plan and workflow; times in µs, < 0 for NULL. */
struct filter_row {
	const char	*project, *domain, *name, *phase;
	long long	 created_us, updated_us, started_us;
	const char	*lp_project, *lp_domain, *lp_name, *lp_version;
	const char	*wf_project, *wf_domain, *wf_name, *wf_version;
};

/*
 * Parse `text` (already URL-decoded). Returns 0, or -1 with e filled in.
 * What Postgres would refuse only when the query runs goes to db
 * (db->status 0 when nothing), for the caller to answer after its own checks.
 */
int	 filters_parse(const char *text, struct filters *, struct filter_error *e,
	    struct filter_error *db);
void	 filters_free(struct filters *);
/* Whether the row passes every filter. */
int	 filters_match(const struct filters *, const struct filter_row *);
/* The names an eq or value_in on execution_name pins the rows to (count), or -1 if none. */
int	 filters_names(const struct filters *, char ***names);

/* oauth.c: client-credentials tokens, discovery, bearer checks. */
struct oauth *oauth_new(struct stub *);
void	 oauth_free(struct oauth *);
/* Answer /oauth2/token, /.well-known/..., /config/v1/flyte_client; 0 if none. */
int	 oauth_route(struct oauth *, struct call *);
/* 0 if the call carries a live token; else answers 401 and returns -1. */
int	 oauth_check(struct oauth *, struct call *);
/* Make every token issued so far invalid (tests of refresh on 401). */
void	 oauth_revoke(struct oauth *);
#endif
