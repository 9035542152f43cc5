#!/usr/bin/python3
"""End-to-end tests of schedd: the real daemon, schedctl and the stub Flyte
Admin (tests/stub-admin) as separate processes on loopback ports.

usage: /usr/bin/python3 tests/e2e/test_schedd.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only. Every test has its own temporary directory, database and stub on
a free port. Waits are bounded and poll a condition (every 30 ms) until a
deadline; the few sleeps left are the crash test's random kill moments.
Bodies are compared as whole parsed JSON documents, rows as whole tuples.

"Regression:" tests failed against an earlier schedd and pass since its fix.

Set SCHEDD_E2E_KEEP=1 to keep the temporary directories (logs, databases,
the stub's records) of every test; they are always kept for a failing test.
"""

import calendar
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

SCHEDD = SCHEDCTL = STUB = None   # set from argv in main
HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, os.pardir, 'stub-admin', 'catalog.json')
# Sanitizer builds run several times slower: widen waits (not the asserted
# latencies of the spec) by this factor. Set in main from the binary itself.
SLOW = 1

P, D = 'flytesnacks', 'development'
EXECUTIONS = '/api/v1/executions'


# --- time and names ---------------------------------------------------------

def ts(text):
    """RFC 3339 UTC text ('2026-11-26T06:00:00Z') to Unix seconds."""
    return calendar.timegm(time.strptime(text, '%Y-%m-%dT%H:%M:%SZ'))


def iso(t):
    """Unix seconds to RFC 3339 UTC text."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def arrival(record):
    """When the stub received a request: its record's "at" (RFC 3339, ms) in seconds."""
    at = record['at']
    return ts(at[:19] + 'Z') + float('0' + at[19:-1])


def execution_name(schedule, instant):
    """lib/fire.c: "s" + the low 19 base-36 digits of FNV-1a-128("NAME@SECONDS")."""
    h = 0x6c62272e07bb014262b821756295c58d
    prime = (0x0000000001000000 << 64) | 0x000000000000013B
    for byte in ('%s@%d' % (schedule, instant)).encode():
        h = ((h ^ byte) * prime) & ((1 << 128) - 1)
    digits = []
    for _ in range(19):
        digits.append('0123456789abcdefghijklmnopqrstuvwxyz'[h % 36])
        h //= 36
    return 's' + ''.join(reversed(digits))


DIGEST_FIELDS = ('name', 'project', 'domain', 'launch_plan', 'version', 'cron', 'tz', 'inputs',
                 'kickoff_input', 'labels', 'annotations', 'service_account', 'catchup',
                 'catchup_window', 'overlap', 'paused')


def schedules_digest(db):
    """lib/schedule.c schedule_digest summed over a database's schedules, as status shows it."""
    mask = (1 << 64) - 1
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute('SELECT %s FROM schedules' % ', '.join(DIGEST_FIELDS)).fetchall()
    finally:
        conn.close()
    total = 0
    for row in rows:
        h = 0xcbf29ce484222325
        for i, value in enumerate(row):
            if i > 0:
                h = ((h ^ 0x1f) * 0x100000001b3) & mask
            data = b'\x1e' if value is None else str(value).encode()
            for byte in data:
                h = ((h ^ byte) * 0x100000001b3) & mask
        h = (h + 0x9e3779b97f4a7c15) & mask
        h = ((h ^ (h >> 30)) * 0xbf58476d1ce4e5b9) & mask
        h = ((h ^ (h >> 27)) * 0x94d049bb133111eb) & mask
        total = (total + (h ^ (h >> 31))) & mask
    return '%016x' % total


def splitmix_draws(seed):
    """stub_admin's fault dice (splitmix64 from --fail-seed), as floats in [0, 1)."""
    state = seed
    mask = (1 << 64) - 1
    while True:
        state = (state + 0x9e3779b97f4a7c15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & mask
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & mask
        z ^= z >> 31
        yield (z >> 11) / 9007199254740992.0


# --- literals and bodies ------------------------------------------------------

def prim(kind, value):
    return {'scalar': {'primitive': {kind: value}}}


def string(v):
    return prim('string_value', v)


def integer(v):
    return prim('integer', str(v))


def datetime_lit(v):
    return prim('datetime', v)


def create_body(schedule, instant, lp='data_sync_wf', version='v2', labels=None,
                literals=None, project=P, domain=D, mode='SCHEDULED'):
    """The ExecutionCreateRequest schedd must send for a fire (SPEC section 6);
    mode MANUAL for a trigger."""
    spec = {'launch_plan': {'resource_type': 'LAUNCH_PLAN', 'project': project,
                            'domain': domain, 'name': lp, 'version': version},
            'metadata': {'mode': mode, 'scheduled_at': iso(instant)}}
    if labels:
        spec['labels'] = {'values': labels}
    return {'project': project, 'domain': domain,
            'name': execution_name(schedule, instant), 'spec': spec,
            'inputs': {'literals': literals if literals is not None else {}}}


def simple(t, required=True, default=None):
    p = {'var': {'type': {'simple': t}}}
    if required:
        p['required'] = True
    if default is not None:
        p['default'] = default
    return p


# Its executions end FAILED at a stub run with --phase-after (the name ends in _fails).
FAILS_WF = {
    'name': 'data_sync_fails', 'version': 'f1',
    'expected_inputs': {'parameters': {
        'site_id': {'var': {'type': {'simple': 'STRING'}}, 'required': True}}}}


def write_catalog(path, extra):
    """catalog.json (data_sync_wf v1, v2) plus the launch plans in extra."""
    with open(CATALOG) as f:
        cat = json.load(f)
    for e in extra:
        e = dict(e)
        e.setdefault('project', P)
        e.setdefault('domain', D)
        e.setdefault('created_at', '2026-03-01T00:00:00Z')
        cat.append(e)
    with open(path, 'w') as f:
        json.dump(cat, f, indent=1)
    return path


# --- waiting ------------------------------------------------------------------

def wait_for(cond, timeout, what, interval=0.03):
    """Poll cond until it returns a true value; fail after timeout * SLOW seconds."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.1f s waiting for %s'
                                 % (timeout * SLOW, what))
        time.sleep(interval)


# --- processes ----------------------------------------------------------------

class Stub:
    """One stub_admin on a free loopback port, recording what it accepted."""

    def __init__(self, workdir, flags=(), catalog=None, tag='stub'):
        self.dir = workdir
        self.port_file = os.path.join(workdir, tag + '.port')
        self.record = os.path.join(workdir, tag + '.record.jsonl')
        self.log = os.path.join(workdir, tag + '.log.jsonl')
        self.errf = open(os.path.join(workdir, tag + '.stderr'), 'w+')
        args = [STUB, '--catalog', catalog or CATALOG, '--port', '0',
                '--port-file', self.port_file, '--record', self.record,
                '--log', self.log] + list(flags)
        self.proc = subprocess.Popen(args, stderr=self.errf, stdin=subprocess.DEVNULL)
        self.started = time.time()

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError('stub_admin exited %d: %s'
                                     % (self.proc.returncode, self.stderr()))
            return os.path.exists(self.port_file)
        wait_for(ready, 5, 'the stub to write its port file')
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = 'http://127.0.0.1:%d' % self.port

    def stderr(self):
        self.errf.flush()
        self.errf.seek(0)
        return self.errf.read()

    def request(self, method, path, body=None):
        """(status, parsed JSON) of one request to the stub."""
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={'Content-Type': 'application/json',
                                  'Accept': 'application/json'})
            resp = conn.getresponse()
            text = resp.read().decode()
        finally:
            conn.close()
        return resp.status, json.loads(text) if text else None

    def accepted(self, method='POST', path=EXECUTIONS):
        """What the stub accepted (GET /stub/requests), oldest first."""
        status, recs = self.request('GET', '/stub/requests?method=%s&path=%s'
                                    % (method, path))
        assert status == 200, recs
        return recs

    def creates(self):
        """Accepted execution creates (including those whose reply was lost)."""
        return [r for r in self.accepted() if r['path'] == EXECUTIONS]

    def calls(self):
        """Every Admin call the stub answered, from its --log: (method, path, status).
        The test's own control and health calls are left out."""
        out = []
        with open(self.log) as f:
            for line in f:
                c = json.loads(line)
                if not c['path'].startswith(('/stub/', '/healthcheck')):
                    out.append((c['method'], c['path'], c['status']))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError('stub_admin ignored SIGTERM for 10 s')
            # Under ASan a leak makes the exit status non-zero.
            assert rc == 0, 'stub_admin exited %d: %s' % (rc, self.stderr())
        self.errf.close()


class Daemon:
    """schedd in its loop (no --once)."""

    count = 0

    def __init__(self, case, stub):
        Daemon.count += 1
        self.case = case
        self.errpath = os.path.join(case.dir, 'schedd.%d.stderr' % Daemon.count)
        self.errf = open(self.errpath, 'w')
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        self.proc = subprocess.Popen(
            [SCHEDD, '--db', case.db, '--admin-endpoint', stub.url],
            stderr=self.errf, stdin=subprocess.DEVNULL, env=env)
        self.errf.close()
        case.daemons.append(self)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def wait_ready(self):
        """The engine has loaded the schedules and watches the database."""
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError('schedd exited %d: %s'
                                     % (self.proc.returncode, self.stderr()))
            return 'pending runs picked up' in self.stderr()
        wait_for(ready, 5, 'schedd to start')

    def stop(self, sig=signal.SIGTERM, within=10.0):
        """Signal, wait; returns (exit code, seconds to exit)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=within * SLOW + 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('schedd did not exit within %.0f s of signal %d: %s'
                                 % (within * SLOW + 5, sig, self.stderr()[-3000:]))
        return rc, time.monotonic() - t0

    def kill9(self):
        self.proc.kill()
        self.proc.wait()


# --- the test case base -------------------------------------------------------

class ScheddTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='schedd-e2e.%s.' % self._testMethodName)
        self.db = os.path.join(self.dir, 'schedd.db')
        self.daemons = []
        self.stubs = []
        self.addCleanup(self._cleanup)

    def _failed(self):
        result = getattr(getattr(self, '_outcome', None), 'result', None)
        if result is None:
            return True
        return any(t is self for t, _ in result.failures + result.errors)

    def _cleanup(self):
        for d in self.daemons:
            if d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        errors = []
        for s in self.stubs:
            try:
                s.stop()
            except AssertionError as e:
                errors.append(str(e))
        if self._failed() or os.environ.get('SCHEDD_E2E_KEEP') or errors:
            sys.stderr.write('\n[kept %s]\n' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise AssertionError('; '.join(errors))

    # processes

    def stub(self, *flags, catalog=None):
        s = Stub(self.dir, flags, catalog, tag='stub%d' % len(self.stubs))
        self.stubs.append(s)
        return s

    def catalog(self, extra):
        return write_catalog(os.path.join(self.dir, 'catalog.json'), extra)

    def ctl(self, *args, now=None):
        """schedctl ARGS against this test's database; must succeed; returns stdout."""
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        if now is not None:
            env['SCHEDD_NOW'] = now
        p = subprocess.run([SCHEDCTL, '--db', self.db] + list(args), env=env,
                           capture_output=True, text=True, timeout=30 * SLOW)
        self.assertEqual(p.returncode, 0, 'schedctl %s: %s%s' % (' '.join(args),
                                                                   p.stdout, p.stderr))
        return p.stdout

    def add(self, name, *extra, lp='%s/%s/data_sync_wf' % (P, D), cron='0 * * * *',
            now=None):
        return self.ctl('add', name, '--lp', lp, '--cron', cron, *extra, now=now)

    def once(self, stub, now=None, timeout=40):
        """schedd --once (SCHEDD_NOW=now when given); must exit 0; returns stderr."""
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        if now is not None:
            env['SCHEDD_NOW'] = now
        try:
            p = subprocess.run([SCHEDD, '--db', self.db, '--admin-endpoint', stub.url,
                                '--once'], env=env, capture_output=True, text=True,
                               timeout=timeout * SLOW)
        except subprocess.TimeoutExpired as e:
            raise AssertionError('schedd --once ran for more than %d s: %s'
                                 % (timeout * SLOW, e.stderr))
        with open(os.path.join(self.dir, 'once.stderr'), 'a') as f:
            f.write(p.stderr)
        self.assertEqual(p.returncode, 0, 'schedd --once: %s' % p.stderr)
        return p.stderr

    def daemon(self, stub):
        return Daemon(self, stub)

    # the database

    def query(self, sql, params=()):
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute(self, sql, params=()):
        """One write, committed."""
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def runs(self, schedule=None):
        """(schedule, scheduled_at, kind, state, execution_name, http_status, error,
        attempts) per run, by schedule and instant."""
        sql = ('SELECT schedule_name, scheduled_at, kind, state, execution_name, '
               'http_status, error, attempts FROM runs')
        params = ()
        if schedule is not None:
            sql += ' WHERE schedule_name = ?'
            params = (schedule,)
        return self.query(sql + ' ORDER BY schedule_name, scheduled_at', params)

    # expected rows

    @staticmethod
    def created(schedule, instant, kind='scheduled', status=200, attempts=1):
        return (schedule, iso(instant), kind, 'created', execution_name(schedule, instant),
                status, None, attempts)

    @staticmethod
    def skipped(schedule, instant, reason):
        return (schedule, iso(instant), 'catchup', 'skipped', None, None, reason, 0)

    def bodies(self, stub):
        """Accepted create bodies by execution name; fails on a name accepted twice."""
        out = {}
        for r in stub.creates():
            name = r['body']['name']
            self.assertNotIn(name, out, 'execution %s created twice' % name)
            out[name] = r['body']
        return out


# --- 1. on time, exact body ----------------------------------------------------

class TestOnTime(ScheddTest):

    def test_fires_on_time_with_the_exact_body(self):
        stub = self.stub()
        self.add('sync_a', '--input', 'site_id=site_a', '--label', 'team=data',
                 '--label', 'site=site_a', cron='*/2 * * * * *')
        d = self.daemon(stub)
        wait_for(lambda: len(stub.creates()) >= 2, 8, 'two execution creates')
        rc, took = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        self.assertLess(took, 10)
        creates = stub.creates()
        self.assertGreaterEqual(len(creates), 2)
        instants = []
        for rec in creates:
            body = rec['body']
            instant = ts(body['spec']['metadata']['scheduled_at'])
            self.assertEqual(instant % 2, 0, body)
            self.assertEqual(body, create_body(
                'sync_a', instant, labels={'team': 'data', 'site': 'site_a'},
                literals={'site_id': string('site_a')}))
            self.assertEqual((rec['status'], rec['content_type'], rec['accept']),
                             (200, 'application/json', 'application/json'))
            # On time: the request left within the second after the instant.
            arrived = arrival(rec)
            self.assertGreaterEqual(arrived, instant)
            self.assertLess(arrived - instant, 1.0 * SLOW, rec)
            instants.append(instant)
        self.assertEqual(instants, sorted(instants))
        self.assertEqual([b - a for a, b in zip(instants, instants[1:])],
                         [2] * (len(instants) - 1), 'consecutive even seconds')
        self.assertEqual(self.runs(), [self.created('sync_a', t) for t in instants])
        # Each run keeps the very request Admin was sent.
        self.assertEqual([json.loads(r[0]) for r in self.query(
            'SELECT request FROM runs ORDER BY scheduled_at')], [c['body'] for c in creates])
        # The latest version was looked up once (cached), the plan list sorted newest first.
        gets = stub.accepted('GET', '/api/v1/launch_plans/')
        self.assertEqual([(g['path'], g['query']) for g in gets], [
            ('/api/v1/launch_plans/flytesnacks/development/data_sync_wf',
             'limit=1&sort_by.key=created_at&sort_by.direction=DESCENDING')])
        self.assertEqual(self.query('SELECT count(*) FROM daemon WHERE stopped_at IS NOT NULL'),
                         [(1,)])


# --- 2-4. bodies: typed inputs, kickoff and templates, versions ------------------

TYPED_WF = {
    'name': 'typed_wf', 'version': 't1',
    'expected_inputs': {'parameters': {
        's': simple('STRING'),
        'i': simple('INTEGER'),
        'f': simple('FLOAT'),
        'b': simple('BOOLEAN'),
        'dt': simple('DATETIME'),
        'du': simple('DURATION'),
        'xs': {'var': {'type': {'collection_type': {'simple': 'INTEGER'}}}, 'required': True},
        'm': {'var': {'type': {'map_value_type': {'simple': 'FLOAT'}}}, 'required': True},
        'g': simple('STRUCT'),
        'e': {'var': {'type': {'enum_type': {'values': ['red', 'green']}}}, 'required': True},
        'blob': {'var': {'type': {'blob': {'format': 'csv', 'dimensionality': 'SINGLE'}}},
                 'required': True},
        'n': simple('INTEGER', required=False, default=integer(7)),
    }}}

TYPED_INPUTS = {
    's': 'hello', 'i': 42, 'f': 1.5, 'b': True, 'dt': '2026-11-26T07:30:00+01:30',
    'du': '1h30m', 'xs': [1, '2', 3], 'm': {'x': 1.5, 'y': 2},
    'g': {'a': 1, 'b': [True, None, 'x'], 'c': {'d': {}}}, 'e': 'green',
    'blob': 's3://bucket/k.csv',
}

TYPED_LITERALS = {
    's': string('hello'),
    'i': integer(42),
    'f': prim('float_value', 1.5),
    'b': prim('boolean', True),
    'dt': datetime_lit('2026-11-26T06:00:00Z'),
    'du': prim('duration', '5400s'),
    'xs': {'collection': {'literals': [integer(1), integer(2), integer(3)]}},
    'm': {'map': {'literals': {'x': prim('float_value', 1.5), 'y': prim('float_value', 2)}}},
    'g': {'scalar': {'generic': {'a': 1, 'b': [True, None, 'x'], 'c': {'d': {}}}}},
    'e': string('green'),
    'blob': {'scalar': {'blob': {'metadata': {'type': {'format': 'csv',
                                                       'dimensionality': 'SINGLE'}},
                                 'uri': 's3://bucket/k.csv'}}},
}

REPORT_WF = {
    'name': 'report_wf', 'version': 'r1',
    'expected_inputs': {'parameters': {
        'since': simple('DATETIME'),
        'run_date': simple('STRING'),
        'label': simple('STRING'),
        'start': simple('DATETIME'),
        'tag': simple('STRING', required=False, default=string('x')),
    }}}


class TestBodies(ScheddTest):

    def test_typed_inputs_become_exact_literals(self):
        stub = self.stub(catalog=self.catalog([TYPED_WF]))
        t0, instant = '2026-11-26T05:00:00Z', ts('2026-11-26T06:00:00Z')
        lp = '%s/%s/typed_wf' % (P, D)
        self.add('typed', '--inputs', json.dumps(TYPED_INPUTS), lp=lp, now=t0)
        wrong = dict(TYPED_INPUTS, i='forty-two')
        self.add('typed_wrong', '--inputs', json.dumps(wrong), lp=lp, now=t0)
        missing = dict(TYPED_INPUTS)
        del missing['s']
        self.add('typed_missing', '--inputs', json.dumps(missing), lp=lp, now=t0)
        self.once(stub, now='2026-11-26T06:00:05Z')
        self.assertEqual(self.bodies(stub), {
            execution_name('typed', instant): create_body(
                'typed', instant, lp='typed_wf', version='t1', literals=TYPED_LITERALS)})
        name = execution_name
        self.assertEqual(self.runs(), [
            self.created('typed', instant),
            ('typed_missing', iso(instant), 'scheduled', 'failed', name('typed_missing', instant),
             None, 'input s: required, and not given', 0),
            ('typed_wrong', iso(instant), 'scheduled', 'failed', name('typed_wrong', instant),
             None, 'input i: expected integer, got "forty-two"', 0),
        ])
        # Refused before any request: one launch plan lookup, one create, nothing else.
        self.assertEqual([c for c in stub.calls() if c[0] == 'POST'],
                         [('POST', EXECUTIONS, 200)])

    def test_kickoff_input_and_templates(self):
        stub = self.stub(catalog=self.catalog([REPORT_WF]))
        t0 = '2026-11-26T19:00:00Z'
        # 04:00 in Shanghai is 20:00 UTC the day before: the date is the zone's.
        instant = ts('2026-11-26T20:00:00Z')
        self.add('sync_sh', '--kickoff-input', 'since', '--tz', 'Asia/Shanghai',
                 '--input', 'site_id={{schedule_name}}-{{kickoff_time:%Y-%m-%d}}',
                 cron='0 4 * * *', now=t0)
        self.add('report_sh', '--kickoff-input', 'since', '--tz', 'Asia/Shanghai',
                 '--input', 'run_date={{kickoff_time:%Y-%m-%d}}',
                 '--input', 'label={{ schedule_name }} at {{kickoff_time}} '
                 '({{kickoff_time:%H:%M %z, %A %j}})',
                 '--input', 'start={{kickoff_time}}',
                 lp='%s/%s/report_wf' % (P, D), cron='0 4 * * *', now=t0)
        self.once(stub, now='2026-11-26T20:00:30Z')
        self.assertEqual(self.bodies(stub), {
            execution_name('sync_sh', instant): create_body('sync_sh', instant, literals={
                'site_id': string('sync_sh-2026-11-27'),
                'since': datetime_lit('2026-11-26T20:00:00Z')}),
            execution_name('report_sh', instant): create_body(
                'report_sh', instant, lp='report_wf', version='r1', literals={
                    'since': datetime_lit('2026-11-26T20:00:00Z'),
                    'run_date': string('2026-11-27'),
                    'label': string('report_sh at 2026-11-26T20:00:00Z '
                                    '(04:00 +0800, Friday 331)'),
                    'start': datetime_lit('2026-11-26T20:00:00Z')}),
        })
        self.assertEqual(self.runs(), [self.created('report_sh', instant),
                                       self.created('sync_sh', instant)])

    def test_prev_kickoff_and_last_success_time(self):
        # The first example's site every 6 hours in Shanghai: since covers
        # exactly one interval, or reaches back to the last successful run.
        stub = self.stub(catalog=self.catalog([REPORT_WF]))
        t0 = '2026-11-26T03:30:00Z'
        first, second = ts('2026-11-26T04:00:00Z'), ts('2026-11-26T10:00:00Z')
        self.add('site_a', '--tz', 'Asia/Shanghai', '--input', 'site_id=site_a',
                 '--input', 'since={{prev_kickoff_time}}', cron='0 */6 * * *', now=t0)
        self.add('site_b', '--tz', 'Asia/Shanghai', '--input', 'site_id=site_b',
                 '--input', 'since={{last_success_time|2026-01-01T00:00:00Z}}',
                 cron='0 */6 * * *', now=t0)
        self.add('report', '--tz', 'Asia/Shanghai',
                 '--input', 'since={{ last_success_time | 2026-01-01T00:00:00Z }}',
                 '--input', 'run_date={{prev_kickoff_time:%Y-%m-%d %H:%M}}',
                 '--input', 'label={{last_success_time:%H:%M %z|never}}',
                 '--input', 'start={{prev_kickoff_time}}',
                 lp='%s/%s/report_wf' % (P, D), cron='0 */6 * * *', now=t0)
        self.once(stub, now='2026-11-26T04:00:30Z')
        # The first runs' executions succeed (the stub keeps them QUEUED).
        self.execute("UPDATE runs SET phase = 'SUCCEEDED'")
        self.once(stub, now='2026-11-26T10:00:30Z')
        body = {
            (n, i): create_body(n, i, literals={'site_id': string(n),
                                                'since': datetime_lit(since)})
            for n, i, since in (
                ('site_a', first, '2026-11-25T22:00:00Z'),
                ('site_a', second, '2026-11-26T04:00:00Z'),
                ('site_b', first, '2026-01-01T00:00:00Z'),
                ('site_b', second, '2026-11-26T04:00:00Z'))}
        for i, since, run_date, label, start in (
                (first, '2026-01-01T00:00:00Z', '2026-11-26 06:00', 'never',
                 '2026-11-25T22:00:00Z'),
                (second, '2026-11-26T04:00:00Z', '2026-11-26 12:00', '12:00 +0800',
                 '2026-11-26T04:00:00Z')):
            body[('report', i)] = create_body('report', i, lp='report_wf', version='r1',
                                              literals={
                                                  'since': datetime_lit(since),
                                                  'run_date': string(run_date),
                                                  'label': string(label),
                                                  'start': datetime_lit(start)})
        self.assertEqual(self.bodies(stub),
                         {execution_name(n, i): b for (n, i), b in body.items()})
        self.assertEqual(self.runs(), [self.created(n, i) for n in ('report', 'site_a', 'site_b')
                                       for i in (first, second)])

    def test_pinned_version_and_latest(self):
        stub = self.stub()
        t0, instant = '2026-11-26T05:00:00Z', ts('2026-11-26T06:00:00Z')
        self.add('pinned', '--input', 'site_id=a', lp='%s/%s/data_sync_wf@v1' % (P, D), now=t0)
        self.add('latest', '--input', 'site_id=b', now=t0)
        self.once(stub, now='2026-11-26T06:00:00Z')
        self.assertEqual(self.bodies(stub), {
            execution_name('pinned', instant): create_body(
                'pinned', instant, version='v1', literals={'site_id': string('a')}),
            execution_name('latest', instant): create_body(
                'latest', instant, version='v2', literals={'site_id': string('b')}),
        })
        gets = sorted((g['path'], g.get('query')) for g in
                      stub.accepted('GET', '/api/v1/launch_plans/'))
        self.assertEqual(gets, [
            ('/api/v1/launch_plans/flytesnacks/development/data_sync_wf',
             'limit=1&sort_by.key=created_at&sort_by.direction=DESCENDING'),
            ('/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1', None)])
        self.assertEqual(self.runs(), [self.created('latest', instant),
                                       self.created('pinned', instant)])


# --- 5. catch-up ------------------------------------------------------------------

CATCHUP_T0 = ts('2026-11-26T00:00:00Z')


class TestCatchup(ScheddTest):
    T0 = CATCHUP_T0
    HOURS = [CATCHUP_T0 + h * 3600 for h in range(1, 6)]     # 01:00 .. 05:00

    def test_policies_after_five_and_a_half_hours_down(self):
        stub = self.stub()
        t0 = iso(self.T0)
        for name, extra in [('all_1d', ['--catchup', 'all', '--catchup-window', '1d']),
                            ('latest_1d', ['--catchup', 'latest', '--catchup-window', '1d']),
                            ('none_1d', ['--catchup', 'none', '--catchup-window', '1d']),
                            ('all_2h', ['--catchup', 'all', '--catchup-window', '2h']),
                            ('default', [])]:
            self.add(name, '--input', 'site_id=%s' % name, *extra, now=t0)
        now = self.T0 + 5 * 3600 + 1800
        self.once(stub, now=iso(now))
        h = self.HOURS
        newer = 'catch-up policy latest: a newer instant fired'
        self.assertEqual(self.runs(), [
            *[self.created('all_1d', t, 'catchup') for t in h],
            *[self.skipped('all_2h', t, 'missed by more than the catch-up window (7200 s)')
              for t in h[:3]],
            *[self.created('all_2h', t, 'catchup') for t in h[3:]],
            *[self.skipped('default', t, 'missed by more than the catch-up window (3600 s)')
              for t in h[:4]],
            self.created('default', h[4], 'catchup'),
            *[self.skipped('latest_1d', t, newer) for t in h[:4]],
            self.created('latest_1d', h[4], 'catchup'),
            *[self.skipped('none_1d', t, 'catch-up policy none') for t in h],
        ])
        want = {}
        for name, instants in [('all_1d', h), ('all_2h', h[3:]), ('default', h[4:]),
                               ('latest_1d', h[4:])]:
            for t in instants:
                want[execution_name(name, t)] = create_body(
                    name, t, literals={'site_id': string(name)})
        self.assertEqual(self.bodies(stub), want)
        self.assertEqual(len(want), 5 + 2 + 1 + 1)
        # All recorded at the (fixed) now; sent at it too.
        self.assertEqual(self.query('SELECT DISTINCT recorded_at FROM runs'), [(iso(now),)])
        self.assertEqual(self.query("SELECT DISTINCT sent_at FROM runs WHERE state = 'created'"),
                         [(iso(now),)])
        # A second pass owes nothing more.
        self.once(stub, now=iso(now + 60))
        self.assertEqual(len(stub.creates()), 9)
        self.assertEqual(len(self.runs()), 25)

    def test_resume_does_not_catch_up_the_paused_period(self):
        stub = self.stub()
        h = self.HOURS
        self.add('paused_all', '--input', 'site_id=p', '--catchup', 'all',
                 '--catchup-window', '1d', now=iso(self.T0))
        self.once(stub, now=iso(h[0] + 10))                 # fires 01:00
        self.ctl('pause', 'paused_all', now=iso(h[0] + 600))
        self.once(stub, now=iso(h[2] + 10))                 # paused: nothing
        self.ctl('resume', 'paused_all', now=iso(h[2] + 4200))   # 04:10
        self.once(stub, now=iso(h[4] + 1800))               # 05:30
        self.assertEqual(self.runs(), [self.created('paused_all', h[0]),
                                       self.created('paused_all', h[4], 'catchup')])
        self.assertEqual(self.bodies(stub), {
            execution_name('paused_all', t): create_body(
                'paused_all', t, literals={'site_id': string('p')}) for t in (h[0], h[4])})

    def test_backfill_and_trigger_are_sent_by_once(self):
        stub = self.stub()
        self.add('hourly', '--input', 'site_id=h', now='2026-11-26T00:00:00Z')
        out = self.ctl('backfill', 'hourly', '--from', '2026-11-25T01:00:00Z',
                       '--to', '2026-11-25T03:00:00Z', now='2026-11-26T00:10:00Z')
        self.assertIn('hourly', out)
        trig = ts('2026-11-26T00:20:00Z')
        self.assertEqual(self.ctl('trigger', 'hourly', now='2026-11-26T00:20:00Z'),
                         'triggered hourly at 2026-11-26T00:20:00Z: execution %s\n'
                         % execution_name('hourly', trig))
        self.once(stub, now='2026-11-26T00:30:00Z')
        back = [ts('2026-11-25T0%d:00:00Z' % h) for h in (1, 2, 3)]
        self.assertEqual(self.runs(), [self.created('hourly', t, 'backfill') for t in back] +
                         [self.created('hourly', trig, 'trigger')])
        # A trigger is MANUAL; a backfill SCHEDULED at its instant, as the cron would have.
        self.assertEqual(self.bodies(stub), {
            execution_name('hourly', t): create_body(
                'hourly', t, literals={'site_id': string('h')},
                mode='MANUAL' if t == trig else 'SCHEDULED')
            for t in back + [trig]})

    def test_trigger_wait_follows_the_executions(self):
        fails = {'name': 'data_sync_fails', 'version': 'f1', 'expected_inputs': {
            'parameters': {'site_id': {'var': {'type': {'simple': 'STRING'}},
                                       'required': True}}}}
        stub = self.stub('--phase-after', '0.5', catalog=self.catalog([fails]))
        self.add('ok', '--input', 'site_id=o', '--label', 'team=data', '--paused')
        self.add('bad', '--input', 'site_id=b', '--label', 'team=data', '--paused',
                 lp='%s/%s/data_sync_fails' % (P, D))
        d = self.daemon(stub)
        d.wait_ready()

        def trigger(*args):
            env = dict(os.environ)
            env.pop('SCHEDD_NOW', None)
            p = subprocess.run([SCHEDCTL, '--db', self.db, 'trigger'] + list(args) +
                               ['--wait', '--timeout', '%ds' % (30 * SLOW)], env=env,
                               capture_output=True, text=True, timeout=40 * SLOW)
            return p.returncode, p.stdout, p.stderr
        # One of them FAILED in Flyte: exit 1, each line says how it ended.
        rc, out, err = trigger('--selector', 'team=data')
        lines = out.splitlines()
        at = ts(lines[0].split()[3].rstrip(':'))
        names = {s: execution_name(s, at) for s in ('bad', 'ok')}
        self.assertEqual((rc, err), (1, ''), out)
        self.assertEqual(lines[:2], ['triggered %s at %s: execution %s' % (s, iso(at), names[s])
                                     for s in ('bad', 'ok')])
        self.assertEqual(sorted(lines[2:]), ['bad: execution %s FAILED' % names['bad'],
                                             'ok: execution %s SUCCEEDED' % names['ok']])
        self.assertEqual({b['name']: b['spec']['metadata'] for b in self.bodies(stub).values()},
                         {names[s]: {'mode': 'MANUAL', 'scheduled_at': iso(at)}
                          for s in names})
        # The one that succeeds alone: exit 0.
        wait_for(lambda: time.time() >= at + 1, 3, 'a fresh second')
        rc, out, err = trigger('ok')
        at = ts(out.split()[3].rstrip(':'))
        self.assertEqual((rc, out, err), (0, 'triggered ok at %s: execution %s\n'
                                          'ok: execution %s SUCCEEDED\n' % (
                                              iso(at), execution_name('ok', at),
                                              execution_name('ok', at)), ''))
        self.assertEqual(d.stop()[0], 0)


# --- 6. retries ---------------------------------------------------------------------

class TestRetries(ScheddTest):

    def test_injected_failures_are_retried_until_created(self):
        # The stub draws its dice in request order; with one schedule the
        # order is fixed (launch plan GET, then the create), so the seed says
        # exactly how many attempts each request takes.
        rate, seed = 0.6, 129
        dice = splitmix_draws(seed)
        get_attempts = next(i for i in range(1, 7) if next(dice) >= rate)
        post_attempts = next(i for i in range(1, 7) if next(dice) >= rate)
        # This seed: the lookup fails once, the create twice.
        self.assertEqual((get_attempts, post_attempts), (2, 3))
        stub = self.stub('--fail-rate', str(rate), '--fail-seed', str(seed))
        instant = ts('2026-11-26T06:00:00Z')
        self.add('flaky', '--input', 'site_id=f', now='2026-11-26T05:00:00Z')
        self.once(stub, now='2026-11-26T06:00:00Z')
        self.assertEqual(self.runs(), [self.created('flaky', instant, attempts=post_attempts)])
        self.assertEqual(self.bodies(stub), {execution_name('flaky', instant): create_body(
            'flaky', instant, literals={'site_id': string('f')})})
        lp = '/api/v1/launch_plans/flytesnacks/development/data_sync_wf'
        self.assertEqual(stub.calls(), [('GET', lp, 503)] * (get_attempts - 1) +
                         [('GET', lp, 200)] + [('POST', EXECUTIONS, 503)] *
                         (post_attempts - 1) + [('POST', EXECUTIONS, 200)])

    def test_outage_at_start_is_ridden_out(self):
        stub = self.stub('--outage', '0:3')
        instant = ts('2026-11-26T06:00:00Z')
        self.add('outage', '--input', 'site_id=o', now='2026-11-26T05:00:00Z')
        self.once(stub, now='2026-11-26T06:00:01Z')
        self.assertEqual(self.runs(), [self.created('outage', instant)])
        creates = stub.creates()
        self.assertEqual([c['body'] for c in creates], [create_body(
            'outage', instant, literals={'site_id': string('o')})])
        calls = stub.calls()
        self.assertGreaterEqual(len([c for c in calls if c[2] == 503]), 2, calls)
        self.assertEqual(calls[-1], ('POST', EXECUTIONS, 200))
        self.assertGreaterEqual(arrival(creates[0]), stub.started + 3 - 0.05)

    def test_outage_longer_than_the_run_leaves_it_pending_for_the_next(self):
        # The client tries 6 times over 7.75 to 15.5 s (backoff 0.5 s doubling,
        # jitter); an outage of 18 s outlasts all of them.
        stub = self.stub('--outage', '0:18')
        instant = ts('2026-11-26T06:00:00Z')
        name = execution_name('down', instant)
        self.add('down', '--input', 'site_id=d', now='2026-11-26T05:00:00Z')
        self.once(stub, now='2026-11-26T06:00:00Z')
        self.assertEqual(self.runs(), [
            ('down', iso(instant), 'scheduled', 'pending', name, 503,
             'HTTP 503: stub: outage (0 s to 18 s after start)', 0)])
        self.assertEqual(self.query('SELECT sent_at, finished_at FROM runs'), [(None, None)])
        self.assertEqual(stub.creates(), [])
        wait_for(lambda: stub.request('GET', '/healthcheck')[0] == 200, 20,
                 'the outage to end')
        self.once(stub, now='2026-11-26T06:05:00Z')
        self.assertEqual(self.runs(), [self.created('down', instant)])
        self.assertEqual(self.bodies(stub), {name: create_body(
            'down', instant, literals={'site_id': string('d')})})
        # One create, the last call; before it at most a lookup of the name
        # (404) and the launch plan lookup the first pass could not make.
        calls = [c for c in stub.calls() if c[2] != 503]
        lookup = ('GET', '/api/v1/executions/flytesnacks/development/' + name, 404)
        plan = ('GET', '/api/v1/launch_plans/flytesnacks/development/data_sync_wf', 200)
        self.assertEqual(calls[-1], ('POST', EXECUTIONS, 200), calls)
        self.assertEqual([c for c in calls[:-1] if c not in (lookup, plan)], [], calls)
        self.assertLessEqual(max(calls.count(lookup), calls.count(plan)), 1, calls)
        self.assertEqual(self.query('SELECT sent_at FROM runs'), [('2026-11-26T06:05:00Z',)])


    def test_a_commit_from_a_connection_left_open_is_seen(self):
        # The daemon looks at the change feed on the first inotify event of
        # a commit, which can come before the writer has updated the WAL
        # index (shared memory: no event); nothing more comes until the
        # writer closes the file (schedctl exits, which hid it), so a run
        # committed by a process that stays connected could wait for the
        # 300 s fallback. Seen under load (schedctl trigger --wait); a second
        # look 100 ms after each event closes the window. Ten commits from a
        # connection left open must each be sent within a second.
        stub = self.stub()
        self.add('held', '--input', 'site_id=h', cron='0 0 1 1 *')
        d = self.daemon(stub)
        d.wait_ready()
        (sid,), = self.query("SELECT id FROM schedules")
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            base_t = int(time.time()) - 100
            for i in range(10):
                t = base_t + i
                conn.execute("INSERT INTO runs (schedule_id, schedule_name, scheduled_at, "
                             "kind, state, recorded_at) VALUES (?, 'held', ?, 'trigger', "
                             "'pending', ?)", (sid, iso(t), iso(t)))
                conn.commit()       # and the connection stays open
                t0 = time.monotonic()
                wait_for(lambda: execution_name('held', t) in
                         {r['body']['name'] for r in stub.creates()}, 5,
                         'trigger %d sent' % i)
                self.assertLess(time.monotonic() - t0, 1.0,
                                'trigger %d took %.2f s' % (i, time.monotonic() - t0))
        finally:
            conn.close()
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())

    def test_an_old_instant_is_retried_like_a_new_one(self):
        # Regression: fire_retry_later once gave up on a run whose *instant*
        # was older than the retry horizon (3600 s) rather than one retried
        # for that long: a backfill (or a catch-up of an instant over an
        # hour old) meeting an Admin outage longer than the client's own
        # retries (6 attempts, 8 to 16 s) was recorded failed "gave up after
        # 0 attempts over 3600 s" and never sent, while a trigger meeting the
        # same outage was retried in 30 s.
        stub = self.stub('--outage', '0:60')
        yesterday = int(time.time()) // 3600 * 3600 - 86400
        # Yesterday's hour only (once a year), so no instant falls due while
        # the test runs, even across an hour boundary.
        y = time.gmtime(yesterday)
        self.add('old', '--input', 'site_id=o',
                 cron='0 %d %d %d *' % (y.tm_hour, y.tm_mday, y.tm_mon))
        d = self.daemon(stub)
        d.wait_ready()
        self.ctl('backfill', 'old', '--from', iso(yesterday), '--to', iso(yesterday))
        out = self.ctl('trigger', 'old')
        triggered = ts(out.split()[3].rstrip(':'))
        # Both wait on one launch plan lookup; when it gives up, both are decided.
        wait_for(lambda: 'retrying in 30 s' in d.stderr(), 25,
                 'the client to give up on the outage')
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        self.assertEqual(stub.creates(), [])
        self.assertEqual(self.query('SELECT scheduled_at, kind, state, error FROM runs '
                                    'ORDER BY scheduled_at'), [
            (iso(yesterday), 'backfill', 'pending', None),
            (iso(triggered), 'trigger', 'pending', None)])


# --- 7. permanent errors and 409 ------------------------------------------------------

FIXED_WF = {
    # Declares "region" but fixes it too: Admin refuses any value for it.
    'name': 'fixed_wf', 'version': 'v1',
    'expected_inputs': {'parameters': {'region': simple('STRING', required=False,
                                                        default=string('eu'))}},
    'fixed_inputs': {'literals': {'region': string('eu')}},
}
OTHER_WF = {'name': 'other_wf', 'version': 'o1',
            'expected_inputs': {'parameters': {'site_id': simple('STRING')}}}


class TestAdminAnswers(ScheddTest):

    def test_permanent_errors_and_already_exists(self):
        stub = self.stub(catalog=self.catalog([FIXED_WF, OTHER_WF]))
        t0, now = '2026-11-26T05:00:00Z', '2026-11-26T06:00:10Z'
        instant = ts('2026-11-26T06:00:00Z')
        self.add('bad_400', '--input', 'region=us', lp='%s/%s/fixed_wf' % (P, D), now=t0)
        self.add('bad_404', '--input', 'site_id=x', lp='%s/%s/data_sync_wf@v9' % (P, D), now=t0)
        for n in ('dup_same', 'dup_other_instant', 'dup_other_plan', 'fine'):
            self.add(n, '--input', 'site_id=%s' % n, now=t0)

        def body(n, t=instant):
            return create_body(n, t, literals={'site_id': string(n)})
        # Admin already has these names: this very fire (as a resend after a
        # lost reply would find it), one at another instant, one of another plan.
        pre = {'dup_same': body('dup_same'),
               'dup_other_instant': dict(body('dup_other_instant', instant - 3600),
                                         name=execution_name('dup_other_instant', instant)),
               'dup_other_plan': create_body('dup_other_plan', instant, lp='other_wf',
                                             version='o1',
                                             literals={'site_id': string('x')})}
        for n, b in pre.items():
            self.assertEqual(stub.request('POST', EXECUTIONS, b)[0], 200)
        self.once(stub, now=now)
        name = execution_name
        self.assertEqual(self.runs(), [
            ('bad_400', iso(instant), 'scheduled', 'failed', name('bad_400', instant), 400,
             'HTTP 400: fixed_inputs region cannot be overridden', 1),
            ('bad_404', iso(instant), 'scheduled', 'failed', name('bad_404', instant), 404,
             'launch plan flytesnacks/development/data_sync_wf@v9 not found', 0),
            ('dup_other_instant', iso(instant), 'scheduled', 'failed',
             name('dup_other_instant', instant), 409,
             'the existing execution was scheduled for another instant', 1),
            ('dup_other_plan', iso(instant), 'scheduled', 'failed',
             name('dup_other_plan', instant), 409,
             'an execution of another launch plan has this name', 1),
            self.created('dup_same', instant, status=409),
            self.created('fine', instant),
        ])
        # Only the stub's own pre-creates and "fine" were accepted.
        self.assertEqual(self.bodies(stub), {b['name']: b for b in
                                             list(pre.values()) + [body('fine')]})
        posts = sorted(c[2] for c in stub.calls() if c[0] == 'POST')
        self.assertEqual(posts, [200, 200, 200, 200, 400, 409, 409, 409])
        # Permanent: a second pass sends nothing again.
        n_calls = len(stub.calls())
        self.once(stub, now='2026-11-26T06:00:30Z')
        self.assertEqual(stub.calls()[n_calls:], [])


# --- 8. hot reload ----------------------------------------------------------------------

class TestHotReload(ScheddTest):

    def post_instants(self, stub, schedule):
        return sorted(ts(r['body']['spec']['metadata']['scheduled_at']) for r in stub.creates()
                      if r['body']['name'] == execution_name(
                          schedule, ts(r['body']['spec']['metadata']['scheduled_at'])))

    def test_add_pause_trigger_resume_remove_take_effect_at_once(self):
        stub = self.stub()
        # A witness firing every second: once it has fired instant X, the
        # daemon has handled X for every schedule (one due pass per instant).
        self.add('witness', '--input', 'site_id=w', cron='* * * * * *')
        d = self.daemon(stub)
        d.wait_ready()
        wait_for(lambda: self.post_instants(stub, 'witness'), 5, 'the witness to fire')

        def witness_past(t):
            wait_for(lambda: any(i >= t for i in self.post_instants(stub, 'witness')), 5,
                     'the witness to fire at %s' % iso(t))

        self.add('hot', '--input', 'site_id=h', cron='* * * * * *')
        added = time.time()
        first = wait_for(lambda: [r for r in stub.creates()
                                  if r['body']['inputs']['literals']['site_id'] ==
                                  string('h')], 5, 'the first fire of the added schedule')[0]
        latency = arrival(first) - added
        print('\nhot reload: first POST %.3f s after schedctl add exited' % latency)
        self.assertLess(latency, 1.5)
        self.assertGreater(ts(first['body']['spec']['metadata']['scheduled_at']), added - 1)

        self.ctl('pause', 'hot')
        paused = time.time()
        witness_past(int(paused) + 3)
        before_pause = self.post_instants(stub, 'hot')
        self.assertTrue(before_pause)
        self.assertLess(max(before_pause), paused + 1, 'fired after the pause took effect')

        # Trigger in a second of its own (the paused fires' seconds are taken).
        wait_for(lambda: time.time() >= max(before_pause) + 1, 3, 'a fresh second')
        out = self.ctl('trigger', 'hot')
        triggered = time.time()
        self.assertTrue(out.startswith('triggered hot at '), out)
        t_instant = ts(out.split()[3].rstrip(':'))
        self.assertEqual(out, 'triggered hot at %s: execution %s\n'
                         % (iso(t_instant), execution_name('hot', t_instant)))
        rec = wait_for(lambda: [r for r in stub.creates() if r['body']['name'] ==
                                execution_name('hot', t_instant)], 5, 'the triggered fire')[0]
        self.assertEqual(rec['body'], create_body('hot', t_instant, mode='MANUAL',
                                                  literals={'site_id': string('h')}))
        self.assertLess(arrival(rec) - triggered, 1.0)
        witness_past(int(time.time()) + 1)
        self.assertEqual(self.post_instants(stub, 'hot'), before_pause + [t_instant])

        # Resume: from now on, the paused period not caught up.
        self.ctl('resume', 'hot')
        resumed = time.time()
        wait_for(lambda: max(self.post_instants(stub, 'hot')) > t_instant, 3,
                 'a fire after resume')
        after = [t for t in self.post_instants(stub, 'hot') if t > t_instant]
        self.assertGreater(min(after), resumed - 1)

        self.ctl('remove', 'hot')
        removed = time.time()
        witness_past(int(removed) + 3)
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        hot = self.post_instants(stub, 'hot')
        self.assertLess(max(hot), removed + 1, 'fired after the removal took effect')
        # Every POST has its created row; the trigger's kind says so.
        rows = self.runs('hot')
        self.assertEqual([(r[1], r[3]) for r in rows], [(iso(t), 'created') for t in hot])
        self.assertEqual([r[2] for r in rows if r[1] == iso(t_instant)], ['trigger'])
        self.assertEqual(self.query("SELECT count(*) FROM schedules WHERE name = 'hot'"), [(0,)])


# --- 9. SIGTERM with requests in flight ----------------------------------------------------

class TestStop(ScheddTest):

    def test_sigterm_with_requests_in_flight(self):
        stub = self.stub('--latency-ms', '2000')
        names = ['slow_%d' % i for i in range(5)]
        for n in names:
            self.add(n, '--input', 'site_id=%s' % n, cron='* * * * * *')
        d = self.daemon(stub)
        d.wait_ready()
        # The stub records a create when it arrives and answers 2 s later.
        wait_for(lambda: len(stub.creates()) >= 5, 10, 'creates in flight')
        rc, took = d.stop()
        print('\nSIGTERM: exit %d after %.2f s' % (rc, took))
        self.assertEqual(rc, 0, d.stderr())
        self.assertLess(took, 10.0)
        rows = self.runs()
        states = {}
        for r in rows:
            states[r[3]] = states.get(r[3], 0) + 1
        print('SIGTERM: runs at exit %s' % sorted(states.items()))
        self.assertTrue(set(states) <= {'created', 'pending'}, rows)
        accepted = self.bodies(stub)
        for r in rows:
            if r[3] == 'created':
                self.assertIn(r[4], accepted, r)
        # Nothing lost: the next pass completes the pending ones, sends nothing twice.
        self.ctl('pause', *names)
        self.once(stub, timeout=60)
        after = self.runs()
        self.assertEqual([r[:2] for r in after], [r[:2] for r in rows])
        self.assertEqual({r[3] for r in after}, {'created'}, after)
        accepted = self.bodies(stub)
        self.assertEqual(sorted(accepted), sorted(r[4] for r in after))
        for r in after:
            self.assertEqual(accepted[r[4]], create_body(
                r[0], ts(r[1]), literals={'site_id': string(r[0])}))


# --- after a crash, the schedule changes before the pending runs are resolved ---------------

STAGING_WF = {'domain': 'staging', 'name': 'data_sync_wf', 'version': 's1',
              'expected_inputs': {'parameters': {'site_id': simple('STRING')}}}


class TestPendingAfterCrash(ScheddTest):

    def test_pending_runs_are_looked_up_where_they_were_sent(self):
        # Regression: a run left pending by a crash was resolved against the
        # schedule as it was at the next start, not against what was sent.
        # Admin accepted these creates before the SIGKILL, yet:
        #  - schedule removed: the row became failed "the schedule was
        #    removed before its run was sent" (no GET; the execution runs);
        #  - launch plan changed: GET found the execution, which no longer
        #    matched the schedule: failed "an execution of another launch
        #    plan has this name" (it is this very fire);
        #  - moved to another domain: GET in the new domain said 404, so the
        #    fire was created a second time there (a duplicate).
        # Runs now record their request (schema/005_runs_request.sql).
        stub = self.stub('--latency-ms', '1000', catalog=self.catalog([OTHER_WF, STAGING_WF]))
        names = ['gone', 'relaunched', 'moved']
        for n in names:
            self.add(n, '--input', 'site_id=%s' % n, cron='* * * * * *')
        d = self.daemon(stub)

        def fire_of(body):
            t = ts(body['spec']['metadata']['scheduled_at'])
            return next((n, t) for n in names if execution_name(n, t) == body['name'])

        # Kill while all three creates wait for their (1 s late) replies.
        wait_for(lambda: {fire_of(c['body'])[0] for c in stub.creates()} == set(names), 10,
                 'a create of each schedule')
        d.kill9()
        pending = {(r[0], ts(r[1])) for r in self.runs() if r[3] == 'pending'}
        sent = {fire_of(c['body']) for c in stub.creates()}
        self.assertEqual({n for n, _ in pending & sent}, set(names),
                         'each schedule has a sent run left pending')
        self.ctl('pause', 'relaunched', 'moved')
        self.ctl('remove', 'gone')
        self.ctl('update', 'relaunched', '--lp', '%s/%s/other_wf' % (P, D))
        self.ctl('update', 'moved', '--lp', '%s/staging/data_sync_wf' % P)
        self.once(stub, timeout=60)
        accepted = {}
        for c in stub.creates():
            accepted.setdefault(fire_of(c['body']), []).append(c['body']['domain'])
        problems = ['%s %s created %d times (%s)' % (n, iso(t), len(v), ', '.join(v))
                    for (n, t), v in sorted(accepted.items()) if len(v) > 1]
        for r in self.runs():
            if (r[0], ts(r[1])) in accepted and r[3] != 'created':
                problems.append('%s %s: Admin has it, the row says %s: %s'
                                % (r[0], r[1], r[3], r[6]))
        self.assertEqual(problems, [])


# --- more launch plans than the engine's cache holds -------------------------------------------

class TestManyLaunchPlans(ScheddTest):
    LP_CACHE_MAX = 256      # lib/engine.c

    def test_more_launch_plans_than_the_cache_holds(self):
        # Regression: fire_resolve once evicted a full launch plan cache with
        # "lps[victim] = lps[--nlps]", moving the last entry while its lookup
        # was in flight (the request's callback argument is &lps[last]) and
        # reusing that slot for the new key. The old lookup's answer then
        # served the new key's fires (lru_256, pinned to m256, was created
        # with version m255) and the fires waiting on the moved entry
        # (lru_255) were never sent until a restart.
        n = self.LP_CACHE_MAX + 1
        versions = ['m%03d' % i for i in range(n)]
        stub = self.stub(catalog=self.catalog(
            [{'name': 'many_wf', 'version': v} for v in versions]))
        # 256 pinned schedules fire at second S (their lookups drain at the
        # client's 100 requests/s), one more at S + 1: it needs a 257th entry.
        # Added while schedd runs, so S can be near.
        d = self.daemon(stub)
        d.wait_ready()
        start = int(time.time()) + 2
        S = start % 60
        doc = {'schedules': [
            {'name': 'lru_%03d' % i, 'lp': '%s/%s/many_wf@%s' % (P, D, v),
             'cron': '%d * * * * *' % (S if i < n - 1 else (S + 1) % 60)}
            for i, v in enumerate(versions)]}
        path = os.path.join(self.dir, 'many.json')
        with open(path, 'w') as f:
            json.dump(doc, f)
        self.ctl('apply', path)
        self.assertLess(time.time(), start, 'schedctl apply took too long to test this')

        def body_of(i, t):
            return create_body('lru_%03d' % i, t, lp='many_wf', version=versions[i])

        last = execution_name('lru_%03d' % (n - 1), start + 1)
        wait_for(lambda: any(c['body']['name'] == last for c in stub.creates()), 20,
                 'the create of lru_%03d' % (n - 1))
        problems = []
        try:
            wait_for(lambda: len(stub.creates()) >= n, 2, 'all %d creates' % n)
        except AssertionError as e:
            problems.append(str(e))
        got = self.bodies(stub)
        for i in range(n):
            t = start + (1 if i == n - 1 else 0)
            name = execution_name('lru_%03d' % i, t)
            if name not in got:
                problems.append('lru_%03d: never sent' % i)
            elif got[name] != body_of(i, t):
                problems.append('lru_%03d: sent with version %s, pinned to %s' % (
                    i, got[name]['spec']['launch_plan']['version'], versions[i]))
        self.assertEqual(problems, [])


# --- 10. SIGKILL at random moments ---------------------------------------------------------

class TestCrash(ScheddTest):

    def test_sigkill_at_random_moments_loses_and_duplicates_nothing(self):
        stub = self.stub('--latency-ms', '20', '--lost-reply-rate', '0.1', '--fail-seed', '5')
        names = ['site_%02d' % i for i in range(20)]
        for n in names:
            self.add(n, '--input', 'site_id=%s' % n, '--label', 'site=%s' % n,
                     cron='* * * * * *')
        rng = random.Random(os.environ.get('SCHEDD_E2E_SEED', 'crash'))
        kills = 0
        d = self.daemon(stub)
        end = time.monotonic() + 15
        while time.monotonic() < end:
            time.sleep(rng.uniform(0.2, 1.5))     # the random moment of the kill
            d.kill9()
            kills += 1
            d = self.daemon(stub)
        d.wait_ready()
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        self.ctl('pause', *names)
        self.once(stub, timeout=60)

        creates = stub.creates()
        per_name = {}
        for c in creates:
            per_name.setdefault(c['body']['name'], []).append(c['body'])
        rows = self.runs()
        requests = dict(self.query('SELECT execution_name, request FROM runs '
                                   'WHERE execution_name IS NOT NULL'))
        by_schedule = {}
        for r in rows:
            by_schedule.setdefault(r[0], {})[ts(r[1])] = r
        lost = duplicated = skipped = fires = 0
        problems = []
        for n in names:
            mine = by_schedule.get(n, {})
            self.assertTrue(mine, 'no runs at all for %s' % n)
            for t in range(min(mine), max(mine) + 1):
                r = mine.get(t)
                if r is None:
                    lost += 1
                    problems.append('%s %s: no run row' % (n, iso(t)))
                elif r[3] == 'skipped':
                    skipped += 1
                    if not r[6].startswith(('catch-up policy latest', 'missed by more')):
                        problems.append('%s: skipped for %r' % (r[:2], r[6]))
                elif r[3] != 'created':
                    lost += 1
                    problems.append('%s: ended %s (%s)' % (r[:2], r[3], r[6]))
                else:
                    fires += 1
                    got = per_name.get(r[4], [])
                    if r[4] != execution_name(n, t):
                        problems.append('%s: execution name %s' % (r[:2], r[4]))
                    if not got:
                        lost += 1
                        problems.append('%s: created but Admin never accepted it' % (r[:2],))
                    elif len(got) > 1:
                        duplicated += len(got) - 1
                    want = create_body(n, t, labels={'site': n}, literals={'site_id': string(n)})
                    if got and got[0] != want:
                        problems.append('%s: body %s' % (r[:2], got[0]))
                    if json.loads(requests.get(r[4]) or 'null') != want:
                        problems.append('%s: recorded request %s'
                                        % (r[:2], requests.get(r[4])))
        known = {r[4] for r in rows if r[4] is not None}
        orphans = [x for x in per_name if x not in known]
        duplicated += len(orphans)
        problems += ['Admin has %s, no run row has it' % x for x in orphans]
        resent = len([c for c in stub.calls() if c[:2] == ('POST', EXECUTIONS) and c[2] == 409])
        print('\ncrash test: fires=%d kills=%d lost=%d duplicated=%d skipped=%d '
              '(creates answered 409 and confirmed: %d)'
              % (fires, kills, lost, duplicated, skipped, resent))
        self.assertEqual(problems, [])
        self.assertEqual((lost, duplicated), (0, 0))
        self.assertGreaterEqual(fires, 200)
        self.assertGreaterEqual(kills, 10)


def main(also=()):
    """Run the tests of the __main__ script (this file, or another suite that
    calls it); `also`: modules of this folder whose SCHEDD, SCHEDCTL and STUB
    are set too."""
    global SCHEDD, SCHEDCTL, STUB, SLOW
    if len(sys.argv) < 4:
        sys.stderr.write('usage: %s SCHEDD SCHEDCTL STUB_ADMIN [unittest args]\n'
                         % sys.argv[0])
        return 64
    SCHEDD, SCHEDCTL, STUB = (os.path.abspath(p) for p in sys.argv[1:4])
    for path in (SCHEDD, SCHEDCTL, STUB):
        if not os.access(path, os.X_OK):
            sys.stderr.write('%s: not an executable\n' % path)
            return 66
    for m in also:
        m.SCHEDD, m.SCHEDCTL, m.STUB = SCHEDD, SCHEDCTL, STUB
    with open(SCHEDD, 'rb') as f:
        if b'__asan_init' in f.read():
            SLOW = 3
    prog = unittest.main(argv=[sys.argv[0]] + sys.argv[4:], exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
