#!/usr/bin/python3
"""End-to-end tests of schedd's Prometheus endpoint (scheduler.metrics):
/metrics parsed and compared with the runs table, /healthz while another
connection holds the database's write lock, bind failures, and the server
being off when it should be.

usage: /usr/bin/python3 tests/e2e/test_schedd_metrics.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only. The helpers (Stub, ScheddTest, Daemon, wait_for) come from
test_schedd.py beside this file. Counters are compared exactly with rows
once the daemon is quiet (every schedule paused, nothing in flight, every
execution's phase final), so no fire can land between a scrape and a query.

Set SCHEDD_E2E_KEEP=1 to keep every test's temporary directory; a failing
test's is always kept.
"""

import http.client
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                    # noqa: E402
from test_schedd import EXECUTIONS, FAILS_WF, P, D, iso, wait_for  # noqa: E402

SCHEDD = SCHEDCTL = STUB = None   # set from argv in main (and in test_schedd)

CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
EVERY_SECOND = '* * * * * *'


# --- the exposition format ----------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def unescape(value):
    return re.sub(r'\\([\\"n])', lambda m: '\n' if m.group(1) == 'n' else m.group(1), value)


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, 'bad label set {%s} at %d' % (text, pos)
        assert m.group(1) not in labels, 'label %s twice' % m.group(1)
        labels[m.group(1)] = unescape(m.group(2))
        pos = m.end()
    return labels


def parse_exposition(text):
    """Text format 0.0.4 into ({(name, ((label, value), ...)): float}, {family: type}).
    Checks the structure too: a TYPE (and HELP) before a family's first sample,
    a family's samples together, no sample twice, histograms consistent."""
    assert text.endswith('\n'), 'the text must end with a newline'
    types, helps, samples, seen, current = {}, {}, {}, [], None
    for line in text[:-1].split('\n'):
        if line.startswith('# HELP '):
            name, _, help_text = line[7:].partition(' ')
            assert name not in helps, 'HELP %s twice' % name
            helps[name] = help_text
            continue
        if line.startswith('# TYPE '):
            name, kind = line[7:].split(' ')
            assert name not in types, 'TYPE %s twice' % name
            assert kind in ('counter', 'gauge', 'histogram'), line
            types[name] = kind
            continue
        if line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        assert m, 'not a sample line: %r' % line
        name, labels, value = m.group(1), parse_labels(m.group(2) or ''), m.group(3)
        family = name
        for suffix in ('_bucket', '_sum', '_count'):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == 'histogram':
                family = name[:-len(suffix)]
        assert family in types and family in helps, 'no TYPE/HELP before %s' % name
        if family != current:
            assert family not in seen, 'family %s is not contiguous' % family
            seen.append(family)
            current = family
        if types[family] == 'counter':
            assert name.endswith('_total'), 'counter %s without _total' % name
        key = (name, tuple(sorted(labels.items())))
        assert key not in samples, 'sample %s twice' % (key,)
        samples[key] = float(value)
    for family, kind in types.items():
        if kind == 'histogram':
            check_histograms(samples, family)
    return samples, types


def check_histograms(samples, family):
    """Per label set: cumulative buckets, increasing le, +Inf last and equal to _count."""
    sets = {}
    for (name, labels), value in samples.items():
        if name == family + '_bucket':
            d = dict(labels)
            le = d.pop('le')
            sets.setdefault(tuple(sorted(d.items())), []).append((float(le), value))
    for labels, buckets in sets.items():
        buckets.sort()
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), '%s%s: buckets not cumulative' % (family, labels)
        assert buckets[-1][0] == float('inf'), '%s%s: no +Inf bucket' % (family, labels)
        assert samples[(family + '_count', labels)] == buckets[-1][1], family
        assert (family + '_sum', labels) in samples, family


def sample(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def bucket(samples, family, le, **labels):
    return sample(samples, family + '_bucket', le=le, **labels)


# --- processes ----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(port, path, method='GET'):
    """(status, headers, body text, seconds taken) of one request to schedd."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10 * base.SLOW)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        body = resp.read().decode()
    finally:
        conn.close()
    return resp.status, dict(resp.getheaders()), body, time.monotonic() - t0


class ConfigDaemon(base.Daemon):
    """schedd in its loop with --config (base.Daemon's life cycle otherwise)."""

    def __init__(self, case, stub, config):
        base.Daemon.count += 1
        self.case = case
        self.errpath = os.path.join(case.dir, 'schedd.%d.stderr' % base.Daemon.count)
        self.errf = open(self.errpath, 'w')
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        self.proc = subprocess.Popen(
            [base.SCHEDD, '--config', config, '--db', case.db, '--admin-endpoint', stub.url],
            stderr=self.errf, stdin=subprocess.DEVNULL, env=env)
        self.errf.close()
        case.daemons.append(self)


class MetricsTest(base.ScheddTest):

    def config(self, metrics):
        path = os.path.join(self.dir, 'config.yaml')
        with open(path, 'w') as f:
            f.write('scheduler:\n  metrics: "%s"\n' % metrics if metrics is not None
                    else 'scheduler:\n  maxInflight: 8\n')
        return path

    def start(self, stub, port):
        d = ConfigDaemon(self, stub, self.config('127.0.0.1:%d' % port))
        d.wait_ready()
        wait_for(lambda: 'metrics: serving' in d.stderr(), 5, 'the metrics server')
        self.assertIn('<6>metrics: serving /metrics and /healthz on 127.0.0.1:%d (port %d)'
                      % (port, port), d.stderr().splitlines())
        return d

    def scrape(self, port):
        status, headers, body, _ = http_get(port, '/metrics')
        self.assertEqual(status, 200, body)
        self.assertEqual(headers['Content-Type'], CONTENT_TYPE)
        return parse_exposition(body)[0]

    def count(self, where, params=()):
        return self.query('SELECT count(*) FROM runs WHERE ' + where, params)[0][0]


# --- 1. counters, gauges and histograms against the runs table -------------------

class TestMetrics(MetricsTest):

    def test_metrics_match_the_runs_table_and_healthz_follows_the_write_lock(self):
        stub = self.stub('--phase-after', '0.2')
        port = free_port()
        past = iso(time.time() - 45 * 60)
        # Two good schedules and one whose input is missing (failed, never sent)
        # every second; two every ten minutes added 45 minutes ago: "all" fires
        # what was missed as catch-up (not in the lateness histogram), "none"
        # records it as skipped; one paused.
        self.add('a', '--input', 'site_id=site_a', cron=EVERY_SECOND)
        self.add('b', '--input', 'site_id=site_b', cron=EVERY_SECOND)
        self.add('bad', cron=EVERY_SECOND)
        self.add('catchup_all', '--input', 'site_id=c', '--catchup', 'all',
                 cron='*/10 * * * *', now=past)
        self.add('catchup_none', '--input', 'site_id=n', '--catchup', 'none',
                 cron='*/10 * * * *', now=past)
        self.add('held', '--input', 'site_id=h', '--paused', cron=EVERY_SECOND)
        d = self.start(stub, port)

        m = self.scrape(port)
        self.assertEqual(sample(m, 'schedd_schedules'), 6)
        self.assertEqual(sample(m, 'schedd_schedules_paused'), 1)
        self.assertEqual(sample(m, 'schedd_queue_length'), 5)
        status, headers, body, _ = http_get(port, '/healthz')
        self.assertEqual((status, body.splitlines()[:2]), (200, ['ok', 'store: writable']),
                         body)
        self.assertRegex(body.splitlines()[2], r'^loop: last timer run \d+\.\d{3} s ago$')

        # N fires of each every-second schedule, then quiet: all paused, nothing in
        # flight, every execution's phase final (no watch left to write or ask).
        wait_for(lambda: min(self.count("schedule_name = ? AND state != 'pending'", (n,))
                             for n in ('a', 'b', 'bad')) >= 4, 15, '4 fires of a, b and bad')
        self.ctl('pause', 'a', 'b', 'bad', 'catchup_all', 'catchup_none')

        def quiet():
            s = self.scrape(port)
            return (s[('schedd_schedules_paused', ())] == 6 and
                    s[('schedd_fires_in_flight', ())] == 0 and
                    s[('schedd_admin_requests_pending', ())] == 0 and
                    self.count("state = 'pending'") == 0 and
                    self.count("state = 'created' AND phase IS NOT 'SUCCEEDED'") == 0)
        wait_for(quiet, 20, 'schedd to be quiet')
        m = self.scrape(port)

        # Fires by outcome: exactly the rows.
        for outcome in ('created', 'failed', 'skipped'):
            self.assertEqual(sample(m, 'schedd_fires_total', outcome=outcome),
                             self.count('state = ?', (outcome,)), outcome)
        self.assertGreaterEqual(self.count("state = 'created' AND schedule_name IN ('a', 'b')"), 8)
        self.assertGreaterEqual(self.count("state = 'failed' AND schedule_name = 'bad'"), 4)
        self.assertGreaterEqual(self.count("state = 'skipped' AND schedule_name = 'catchup_none'"),
                                3)
        self.assertEqual(sample(m, 'schedd_fires_in_flight'), 0)
        self.assertEqual(sample(m, 'schedd_queue_length'), 0)
        # Every phase is final: nothing watched; the phases were learnt by look-ups.
        self.assertEqual(sample(m, 'schedd_executions_watched'), 0)
        self.assertGreaterEqual(sample(m, 'schedd_phase_lookups_total'), 1)
        self.assertEqual(sample(m, 'schedd_schedules'), 6)
        self.assertEqual(sample(m, 'schedd_schedules_paused'), 6)
        self.assertGreater(sample(m, 'schedd_timer_last_run_timestamp_seconds'),
                           time.time() - 60)

        # Lateness: one observation per scheduled run sent, none for catch-up ones.
        sent = self.query("SELECT unixepoch(sent_at) - unixepoch(scheduled_at) FROM runs "
                          "WHERE kind = 'scheduled' AND sent_at IS NOT NULL")
        late = [r[0] for r in sent]
        self.assertGreaterEqual(self.count("kind = 'catchup' AND sent_at IS NOT NULL"), 3)
        lat = 'schedd_fire_lateness_seconds'
        self.assertEqual(sample(m, lat + '_count'), len(late))
        # sent_at is the whole second read just before (time() may lag the clock by a
        # tick): each lateness lies in [d, d + 2) for d = sent_at - scheduled_at.
        self.assertGreaterEqual(sample(m, lat + '_sum'), sum(late))
        self.assertLess(sample(m, lat + '_sum'), sum(late) + 2 * len(late))
        for le in (1, 5, 10, 30, 60, 300):
            got = bucket(m, lat, str(le))
            self.assertGreaterEqual(got, len([x for x in late if x <= le - 2]), le)
            self.assertLessEqual(got, len([x for x in late if x <= le]), le)

        # Admin latency per attempt, by method: exactly what the stub answered.
        calls = stub.calls()
        dur = 'schedd_admin_request_duration_seconds'
        for method in ('GET', 'POST', 'DELETE'):
            self.assertEqual(sample(m, dur + '_count', method=method),
                             len([c for c in calls if c[0] == method]), method)
        self.assertEqual(sample(m, dur + '_count', method='POST'),
                         len([c for c in calls if c[:2] == ('POST', EXECUTIONS)]))
        self.assertEqual(sample(m, dur + '_count', method='POST'),
                         self.query("SELECT sum(attempts) FROM runs WHERE state = 'created'")[0][0])
        self.assertEqual(sample(m, dur + '_count', method='other'), 0)
        self.assertGreater(sample(m, dur + '_sum', method='POST'), 0)

        # Per schedule: the instant of the last run whose execution SUCCEEDED;
        # failures since it exactly as the view failing_schedules counts them.
        last = dict(self.query(
            "SELECT s.name, unixepoch((SELECT max(r.scheduled_at) FROM runs r WHERE "
            "r.schedule_name = s.name AND r.phase = 'SUCCEEDED')) FROM schedules s"))
        failing = dict(self.query('SELECT name, consecutive_failures FROM failing_schedules'))
        self.assertEqual(sorted(failing), ['bad'])
        got_last = {dict(k[1])['schedule']: v for k, v in m.items()
                    if k[0] == 'schedd_schedule_last_success_timestamp_seconds'}
        got_fail = {dict(k[1])['schedule']: v for k, v in m.items()
                    if k[0] == 'schedd_schedule_consecutive_failures'}
        self.assertEqual(got_last, {n: t for n, t in last.items() if t is not None})
        # (catchup_none has one too when its newest instant was within the 60 s grace.)
        self.assertLessEqual({'a', 'b', 'catchup_all'}, set(got_last))
        self.assertFalse({'bad', 'held'} & set(got_last))
        self.assertEqual(got_fail, {n: failing.get(n, 0) for n in last})
        self.assertEqual(got_fail['bad'], self.count("schedule_name = 'bad'"))

        # /healthz: 503 within the daemon's busy timeout (20 ms) while another
        # connection holds the write lock (root ignores chmod, a lock does not);
        # /metrics still answers.
        locker = sqlite3.connect(self.db, timeout=0, isolation_level=None)
        try:
            locker.execute('BEGIN EXCLUSIVE')
            status, _, body, took = http_get(port, '/healthz')
            self.assertEqual(status, 503, body)
            self.assertEqual(body.splitlines()[:2], [
                'unavailable',
                'store: not writable: database is locked: another connection holds '
                'the write lock of %s (waited 20 ms)' % self.db])
            self.assertGreaterEqual(took, 0.015)
            self.assertLess(took, 1.0 * base.SLOW)
            status, _, body, took = http_get(port, '/metrics')
            self.assertEqual(status, 200)
            self.assertLess(took, 1.0 * base.SLOW)
            self.assertEqual(parse_exposition(body)[0][
                ('schedd_fires_total', (('outcome', 'created'),))],
                sample(m, 'schedd_fires_total', outcome='created'))
        finally:
            locker.execute('ROLLBACK')
            locker.close()
        status, _, body, _ = http_get(port, '/healthz')
        self.assertEqual((status, body.splitlines()[0]), (200, 'ok'), body)

        # Only GET and HEAD; /metrics, /healthz and the status page's paths (test_schedd_page.py).
        self.assertEqual(http_get(port, '/metrics', 'HEAD')[:1], (200,))
        self.assertEqual(http_get(port, '/metrics', 'HEAD')[2], '')
        status, headers, _, _ = http_get(port, '/metrics', 'POST')
        self.assertEqual((status, headers.get('Allow')), (405, 'GET, HEAD'))
        self.assertEqual(http_get(port, '/')[0], 200)
        self.assertEqual(http_get(port, '/metrics/x')[0], 404)
        self.assertEqual(http_get(port, '/schedules/')[0], 404)
        self.assertEqual(http_get(port, '/missed/x')[0], 404)

        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        with self.assertRaises(OSError):
            http_get(port, '/healthz')


# --- 2. starting: bind failures, off when empty, off with --once -------------------

# --- 2. failing means the Flyte run failed (issue 9) ------------------------------

class TestFailingExecutions(MetricsTest):

    def status(self, *args):
        """schedctl status ARGS: (exit code, stdout); stderr must be empty."""
        p = subprocess.run([base.SCHEDCTL, '--db', self.db, 'status'] + list(args),
                           capture_output=True, text=True, timeout=30 * base.SLOW)
        self.assertEqual(p.stderr, '')
        return p.returncode, p.stdout

    def test_executions_that_end_failed_make_a_schedule_failing_everywhere(self):
        # Every execution of "sick" is created and then ends FAILED in Flyte;
        # those of "well" end SUCCEEDED.
        stub = self.stub('--phase-after', '0.2', catalog=self.catalog([FAILS_WF]))
        port = free_port()
        self.add('sick', '--input', 'site_id=s', '--label', 'team=data',
                 '--label', 'app.kubernetes.io/name=sync', lp='%s/%s/data_sync_fails' % (P, D),
                 cron=EVERY_SECOND)
        self.add('well', '--input', 'site_id=w', cron=EVERY_SECOND)
        d = self.start(stub, port)
        wait_for(lambda: self.count("schedule_name = 'sick' AND phase = 'FAILED'") >= 3 and
                 self.count("schedule_name = 'well' AND phase = 'SUCCEEDED'") >= 3, 20,
                 '3 executions of each to end')
        self.ctl('pause', 'sick', 'well')
        wait_for(lambda: self.count("state = 'pending'") == 0 and
                 self.count("state = 'created' AND phase IS NOT 'SUCCEEDED' "
                            "AND phase IS NOT 'FAILED'") == 0, 20, 'every phase to be final')
        self.assertEqual(self.count("state != 'created'"), 0)
        failed = self.count("schedule_name = 'sick'")
        succeeded = self.count("schedule_name = 'well'")
        newest = self.query("SELECT scheduled_at, execution_name FROM runs "
                            "WHERE schedule_name = 'sick' ORDER BY scheduled_at DESC LIMIT 1")[0]

        # The view and failing_schedules: sick, with every run counted.
        self.assertEqual(self.query('SELECT name, consecutive_failures, last_failure_at, '
                                    'last_error FROM failing_schedules'),
                         [('sick', failed, newest[0], 'execution %s ended FAILED' % newest[1])])

        # /metrics
        m = self.scrape(port)
        self.assertEqual(sample(m, 'schedd_schedule_consecutive_failures', schedule='sick'),
                         failed)
        self.assertEqual(sample(m, 'schedd_schedule_consecutive_failures', schedule='well'), 0)
        self.assertNotIn(('schedd_schedule_last_success_timestamp_seconds',
                          (('schedule', 'sick'),)), m)
        self.assertEqual(
            sample(m, 'schedd_schedule_last_success_timestamp_seconds', schedule='well'),
            self.query("SELECT unixepoch(max(scheduled_at)) FROM runs "
                       "WHERE schedule_name = 'well'")[0][0])
        ended = {(dict(k[1])['schedule'], dict(k[1])['phase']): v for k, v in m.items()
                 if k[0] == 'schedd_schedule_executions_total'}
        self.assertEqual(ended, {
            ('sick', 'SUCCEEDED'): 0, ('sick', 'FAILED'): failed, ('sick', 'ABORTED'): 0,
            ('sick', 'TIMED_OUT'): 0, ('well', 'SUCCEEDED'): succeeded,
            ('well', 'FAILED'): 0, ('well', 'ABORTED'): 0, ('well', 'TIMED_OUT'): 0})
        info = {k[1]: v for k, v in m.items() if k[0] == 'schedd_schedule_info'}
        self.assertEqual(info, {
            (('domain', D), ('label_app_kubernetes_io_name', 'sync'), ('label_team', 'data'),
             ('launch_plan', 'data_sync_fails'), ('project', P), ('schedule', 'sick')): 1,
            (('domain', D), ('launch_plan', 'data_sync_wf'), ('project', P),
             ('schedule', 'well')): 1})

        # schedctl status, status --check and --max-failures
        code, out = self.status()
        self.assertEqual(code, 0)
        self.assertIn('failing:    1 schedules\n  sick%s %d in a row, last %s: execution %s '
                      'ended FAILED\n' % (' ' * 28, failed, newest[0], newest[1]), out)
        code, out = self.status('--check', '--max-failures', str(failed))
        self.assertEqual(code, 1, out)
        self.assertIn('CHECK: 1 schedules failed %d or more times in a row\n' % failed, out)
        code, out = self.status('--check', '--max-failures', str(failed + 1))
        self.assertNotIn('times in a row', out)
        self.assertTrue(out.endswith('CHECK: ok\n'), out)
        self.assertEqual(code, 0, out)
        self.assertEqual(d.stop()[0], 0)


class TestStartup(MetricsTest):

    def test_a_taken_port_stops_schedd_before_anything_fires(self):
        stub = self.stub()
        self.add('a', '--input', 'site_id=site_a', cron=EVERY_SECOND)
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            conf = self.config('127.0.0.1:%d' % port)
            p = subprocess.run([SCHEDD, '--config', conf, '--db', self.db,
                                '--admin-endpoint', stub.url], capture_output=True, text=True,
                               timeout=20 * base.SLOW)
        self.assertEqual(p.returncode, 69, p.stderr)    # EX_UNAVAILABLE
        self.assertEqual(p.stderr.splitlines(), [
            '<3>start: metrics: cannot listen on 127.0.0.1:%d: Address already in use' % port])
        self.assertEqual(self.runs(), [])
        self.assertEqual(stub.calls(), [])

    def test_an_address_that_is_not_host_port_is_a_config_error(self):
        stub = self.stub()
        for bad in ('9464', 'localhost', '127.0.0.1:99999', '127.0.0.1:x', '[::1]9464',
                    '::1:9464'):
            with self.subTest(addr=bad):
                p = subprocess.run([SCHEDD, '--config', self.config(bad), '--db', self.db,
                                    '--admin-endpoint', stub.url], capture_output=True,
                                   text=True, timeout=20 * base.SLOW)
                self.assertEqual(p.returncode, 78, p.stderr)    # EX_CONFIG
                self.assertEqual(p.stderr.splitlines(), [
                    '<3>start: scheduler.metrics: "%s" is not host:port (e.g. '
                    '127.0.0.1:9464, [::1]:9464)' % bad])

    def test_ipv6_loopback(self):
        stub = self.stub()
        with socket.socket(socket.AF_INET6) as s:
            try:
                s.bind(('::1', 0))
            except OSError:
                self.skipTest('no IPv6 loopback')
            port = s.getsockname()[1]
        d = ConfigDaemon(self, stub, self.config('[::1]:%d' % port))
        d.wait_ready()
        wait_for(lambda: 'metrics: serving' in d.stderr(), 5, 'the metrics server')
        conn = http.client.HTTPConnection('::1', port, timeout=10)
        conn.request('GET', '/healthz')
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read().decode().splitlines()[0]), (200, 'ok'))
        conn.close()
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())

    def test_on_by_default_off_when_empty_or_once(self):
        stub = self.stub()
        self.add('a', '--input', 'site_id=site_a', cron='0 * * * *')
        # Without the key: 127.0.0.1:9464. Held by the test, so the attempt is seen
        # without racing anything for the port: the default may be taken (another
        # schedd on the host), which is a warning, not a failure.
        with socket.socket() as held:
            try:
                held.bind(('127.0.0.1', 9464))
                default_checked = True
            except OSError:
                default_checked = False
            if default_checked:
                held.listen(1)
                d = ConfigDaemon(self, stub, self.config(None))
                d.wait_ready()
                rc, _ = d.stop()
                self.assertEqual(rc, 0, d.stderr())
                self.assertIn('<4>start: metrics: cannot listen on 127.0.0.1:9464: Address '
                              'already in use; /metrics is off (set scheduler.metrics)',
                              d.stderr().splitlines())
                self.assertNotIn('metrics: serving', d.stderr())
        # Empty: no server, no line about it.
        d = ConfigDaemon(self, stub, self.config(''))
        d.wait_ready()
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        self.assertNotIn('metrics', d.stderr())
        # --once never binds: a taken port does not matter.
        with socket.socket() as taken:
            taken.bind(('127.0.0.1', 0))
            taken.listen(1)
            conf = self.config('127.0.0.1:%d' % taken.getsockname()[1])
            p = subprocess.run([SCHEDD, '--config', conf, '--db', self.db,
                                '--admin-endpoint', stub.url, '--once'],
                               capture_output=True, text=True, timeout=20 * base.SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn('metrics', p.stderr)
        if not default_checked:
            self.skipTest('127.0.0.1:9464 is in use: the default was not checked')


if __name__ == '__main__':
    sys.exit(base.main(also=[sys.modules[__name__]]))
