#!/usr/bin/python3
"""End-to-end tests of schedd's configuration, OAuth2 client credentials, TLS,
sd_notify and JSON logs: the real daemon, schedctl and the stub Flyte Admin
(tests/stub-admin) as separate processes on loopback ports.

usage: /usr/bin/python3 tests/e2e/test_schedd_config.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only (plus the openssl command for the TLS tests' throwaway CA). The
helpers (Stub, ScheddTest, wait_for, execution_name) come from test_schedd.py
beside this file. Most runs are `schedd --once` with SCHEDD_NOW (fast and
deterministic); the loop runs wait on conditions with deadlines.
Stderr is compared line by line, exactly (only the measured latency of a fire
line is masked), rows as whole tuples, the stub's requests in order.

"Regression:" tests failed against an earlier schedd and pass since its fix.

Set SCHEDD_E2E_KEEP=1 to keep every test's temporary directory; a failing
test's is always kept.
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                    # noqa: E402
from test_schedd import EXECUTIONS, P, D, execution_name, iso, ts, wait_for  # noqa: E402

SCHEDD = SCHEDCTL = STUB = None   # set from argv in main (and in test_schedd)

CLIENT_ID = 'schedd-e2e'
SECRET = 'Zq7xK2-schedd-e2e-secret-4f1d9c'   # never to be seen outside its file
LP_PATH = '/api/v1/launch_plans/%s/%s/data_sync_wf' % (P, D)
T0 = '2026-11-26T05:00:00Z'          # when the schedules are added
NOW = '2026-11-26T06:00:01Z'         # the --once runs' clock
INSTANT = ts('2026-11-26T06:00:00Z')  # what they fire
NAME = execution_name('a', INSTANT)
LATENCY = re.compile(r'latency=\d+\.\d{3}s')


def masked(text):
    """Stderr lines with each fire's measured latency replaced by 'latency=T'."""
    return LATENCY.sub('latency=T', text).splitlines()


def fire_line(outcome='created', schedule='a', instant=INSTANT, attempts=1, error=None,
              level=6):
    line = ('<%d>fire: schedule=%s instant=%s kind=scheduled execution=%s outcome=%s '
            'attempts=%d latency=T' % (level, schedule, iso(instant),
                                       execution_name(schedule, instant), outcome,
                                       attempts))
    return line + (' error=' + error if error else '')


def once_lines(db, endpoint, fires=None):
    """The whole stderr of a successful schedd --once that fires schedule a."""
    return (['<6>start: schedd 0.1.0, database %s, admin %s, once' % (db, endpoint),
             '<6>start: 1 schedules, 0 pending runs picked up']
            + (fires if fires is not None else [fire_line()]) + ['<6>stop: exiting'])


def project_version():
    """The version CMakeLists.txt's project() gives: what --version must print."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                        os.pardir, 'CMakeLists.txt')
    with open(path) as f:
        return re.search(r'project\(schedd VERSION ([0-9.]+)', f.read()).group(1)


def yaml_list(words):
    return '[' + ', '.join(words) + ']'


def write(path, text, mode=0o600):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def config_text(admin=None, scheduler=None):
    """A flytectl-style config from two dicts of already-YAML-formatted values."""
    out = []
    if admin is not None:
        out.append('admin:')
        out += ['  %s: %s' % kv for kv in admin.items()]
    if scheduler is not None:
        out.append('scheduler:')
        out += ['  %s: %s' % kv for kv in scheduler.items()]
    return '\n'.join(out) + '\n'


def stub_log(stub):
    """Every request the stub answered, from its --log, oldest first (with /stub/ ones)."""
    with open(stub.log) as f:
        return [json.loads(line) for line in f]


def records(stub):
    """Everything the stub accepted (GET /stub/requests, no filter), oldest first."""
    status, recs = stub.request('GET', '/stub/requests')
    assert status == 200, recs
    return recs


def api_calls(entries):
    """(method, path, status) of the log entries that are not the test's own."""
    return [(c['method'], c['path'], c['status']) for c in entries
            if not c['path'].startswith(('/stub/', '/healthcheck'))]


# --- a TLS front for the stub -----------------------------------------------

def make_pki(workdir):
    """A throwaway CA and a server certificate for IP 127.0.0.1 it signed: paths."""
    def openssl(*args):
        p = subprocess.run(['openssl'] + list(args), cwd=workdir, capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError('openssl %s: %s' % (' '.join(args), p.stderr))
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    openssl('req', '-x509', *ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
            '-subj', '/CN=schedd e2e throwaway CA',
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    openssl('req', *ec, '-keyout', 'server.key', '-out', 'server.csr',
            '-subj', '/CN=127.0.0.1')
    write(os.path.join(workdir, 'server.ext'),
          'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n'
          'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n')
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
            '-set_serial', '2', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem')
    return tuple(os.path.join(workdir, n) for n in ('ca.pem', 'server.pem', 'server.key'))


class TlsProxy:
    """HTTPS on a free loopback port, forwarding each connection's bytes to a
    plain-HTTP backend (the stub). Records every handshake: 'ok' or the error."""

    def __init__(self, cert, key, backend_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.backend = backend_port
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.handshakes = []
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        back = tls = None
        try:
            conn.settimeout(10)
            try:
                tls = self.ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                with self.lock:
                    self.handshakes.append(str(e))
                return
            with self.lock:
                self.handshakes.append('ok')
                self.conns.append(tls)
            tls.settimeout(None)
            back = socket.create_connection(('127.0.0.1', self.backend), timeout=10)
            back.settimeout(None)
            # One thread per connection: an SSL socket is not read and written concurrently.
            while True:
                ready = [tls] if tls.pending() else \
                    select.select([tls, back], [], [], 60)[0]
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (back if s is tls else tls).sendall(data)
        except OSError:
            return
        finally:
            for s in (back, tls, conn):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def results(self):
        with self.lock:
            return list(self.handshakes)

    def stop(self):
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


# --- schedd in its loop -------------------------------------------------------

class Loop:
    """schedd without --once, with any arguments and environment; stderr to a file."""

    count = 0

    def __init__(self, case, args, env=None, argv0=None):
        Loop.count += 1
        self.errpath = os.path.join(case.dir, 'schedd.loop%d.stderr' % Loop.count)
        e = dict(os.environ)
        for k in ('SCHEDD_NOW', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID',
                  'SCHEDD_DB'):
            e.pop(k, None)
        e.update(env or {})
        with open(self.errpath, 'w') as errf:
            self.proc = subprocess.Popen((argv0 or []) + [SCHEDD] + list(args), stderr=errf,
                                         stdin=subprocess.DEVNULL, env=e)
        case.daemons.append(self)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def wait_line(self, pred, timeout, what):
        def seen():
            text = self.stderr()
            if self.proc.poll() is not None:
                raise AssertionError('schedd exited %d while waiting for %s: %s'
                                     % (self.proc.returncode, what, text))
            return any(pred(line) for line in text.splitlines())
        wait_for(seen, timeout, what)

    def wait_ready(self):
        self.wait_line(lambda l: 'pending runs picked up' in l, 5, 'schedd to start')

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=10 * base.SLOW + 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('schedd ignored signal %d: %s' % (sig, self.stderr()))


class ConfigTest(base.ScheddTest):
    """ScheddTest with config files, schedd runs with any arguments and checks on them."""

    def setUp(self):
        # Its own prefix: other suites' temporary directories are not ours to clean.
        self.dir = tempfile.mkdtemp(prefix='schedd-config-e2e.%s.' % self._testMethodName)
        self.db = os.path.join(self.dir, 'schedd.db')
        self.daemons = []
        self.stubs = []
        self.addCleanup(self._cleanup)

    def conf(self, text, name='config.yaml'):
        return write(os.path.join(self.dir, name), text)

    def schedd(self, *args, now=NOW, env=None, timeout=40):
        """schedd ARGS with SCHEDD_NOW=now; returns (exit code, stderr)."""
        e = dict(os.environ)
        for k in ('SCHEDD_NOW', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID',
                  'SCHEDD_DB'):
            e.pop(k, None)
        if now is not None:
            e['SCHEDD_NOW'] = now
        e.update(env or {})
        try:
            p = subprocess.run([SCHEDD] + list(args), env=e, capture_output=True, text=True,
                               timeout=timeout * base.SLOW, cwd=self.dir)
        except subprocess.TimeoutExpired as x:
            raise AssertionError('schedd %s ran for more than %d s: %s'
                                 % (' '.join(args), timeout * base.SLOW, x.stderr))
        with open(os.path.join(self.dir, 'schedd.stderr'), 'a') as f:
            f.write('$ schedd %s\n%s' % (' '.join(args), p.stderr))
        return p.returncode, p.stderr

    def add_a(self, db=None, cron='0 * * * *', now=T0):
        """Schedule a: data_sync_wf hourly with site_id=x."""
        saved, self.db = self.db, db or self.db
        try:
            self.add('a', '--input', 'site_id=x', cron=cron, now=now)
        finally:
            self.db = saved

    def runs_of(self, db):
        saved, self.db = self.db, db
        try:
            return self.runs()
        finally:
            self.db = saved

    def assert_secret_nowhere(self, stderr, db):
        """The secret is not in stderr nor anywhere in the database's files."""
        self.assertNotIn(SECRET, stderr)
        found = []
        for n in os.listdir(os.path.dirname(db)):
            if n.startswith(os.path.basename(db)):
                with open(os.path.join(os.path.dirname(db), n), 'rb') as f:
                    if SECRET.encode() in f.read():
                        found.append(n)
        self.assertEqual(found, [], 'the client secret is in the database files')

    def secret_file(self, text=SECRET + '\n', name='client_secret'):
        return write(os.path.join(self.dir, name), text)

    def auth_stub(self, *flags):
        """A stub with --auth; its own secret comes from a file (no secret in any argv)."""
        path = write(os.path.join(self.dir, 'stub_secret'), SECRET + '\n')
        return self.stub('--auth', '--client-id', CLIENT_ID, '--client-secret-file', path,
                         *flags)


# --- 1. config forms ---------------------------------------------------------

class TestConfigForms(ConfigTest):

    def test_endpoint_forms_and_flags_over_the_file(self):
        stub = self.stub()
        port = stub.port
        url = 'http://127.0.0.1:%d' % port
        closed = 'http://127.0.0.1:1'      # nothing listens: a run using it would not succeed
        cases = [
            # (name, the config's admin section, flags); the stub's URL is what schedd must use
            ('dns', {'endpoint': 'dns:///127.0.0.1:%d' % port, 'insecure': 'true'}, []),
            ('http', {'endpoint': url}, []),
            ('slash', {'endpoint': url + '/'}, []),
            ('quoted', {'endpoint': '"%s"' % url, 'insecure': 'false'}, []),
            ('flag', {'endpoint': closed}, ['--admin-endpoint', url]),
            ('flagdns', {'endpoint': closed}, ['--admin-endpoint', 'dns:///127.0.0.1:%d' % port,
                                               '--insecure']),
            ('dnsflag', {'endpoint': 'dns:///127.0.0.1:%d' % port}, ['--insecure']),
        ]
        for name, admin, args in cases:
            with self.subTest(form=name):
                db = os.path.join(self.dir, name + '.db')
                self.add_a(db)
                conf = self.conf(config_text(admin, {'db': db}), name + '.yaml')
                # Each form creates the same execution: the stub forgets the last one.
                self.assertEqual(stub.request('POST', '/stub/reset')[0], 200)
                rc, err = self.schedd('--config', conf, '--once', *args)
                self.assertEqual((rc, masked(err)), (0, once_lines(db, url)))
                self.assertEqual(self.runs_of(db), [self.created('a', INSTANT)])
                self.assertEqual([c['body']['name'] for c in stub.creates()], [NAME])
        # Every request went to the right path: no "//api" from the trailing slash.
        self.assertEqual(sorted(set(stub.calls())), [
            ('GET', LP_PATH, 200), ('POST', EXECUTIONS, 200)])

    def test_db_flag_overrides_scheduler_db(self):
        stub = self.stub()
        other = os.path.join(self.dir, 'other.db')
        self.add_a()
        conf = self.conf(config_text({'endpoint': stub.url}, {'db': other}))
        rc, err = self.schedd('--config', conf, '--db', self.db, '--once')
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url)))
        self.assertEqual(self.runs(), [self.created('a', INSTANT)])
        self.assertFalse(os.path.exists(other), 'scheduler.db was opened despite --db')

    def test_schedd_db_environment_between_flag_and_file(self):
        # --db > $SCHEDD_DB > scheduler.db > the default, as schedctl has it.
        stub = self.stub()
        env_db = os.path.join(self.dir, 'env.db')
        file_db = os.path.join(self.dir, 'file.db')
        conf = self.conf(config_text({'endpoint': stub.url}, {'db': file_db}))
        # $SCHEDD_DB wins over the file's scheduler.db.
        self.add_a(env_db)
        rc, err = self.schedd('--config', conf, '--once', env={'SCHEDD_DB': env_db})
        self.assertEqual((rc, masked(err)), (0, once_lines(env_db, stub.url)))
        self.assertEqual(self.runs_of(env_db), [self.created('a', INSTANT)])
        self.assertFalse(os.path.exists(file_db), 'scheduler.db was opened despite '
                         '$SCHEDD_DB')
        # --db wins over $SCHEDD_DB.
        self.assertEqual(stub.request('POST', '/stub/reset')[0], 200)
        self.add_a()
        rc, err = self.schedd('--config', conf, '--db', self.db, '--once',
                              env={'SCHEDD_DB': file_db})
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url)))
        self.assertEqual(self.runs(), [self.created('a', INSTANT)])
        self.assertFalse(os.path.exists(file_db), '$SCHEDD_DB was opened despite --db')
        # An empty $SCHEDD_DB is no setting: the file's scheduler.db is used.
        self.assertEqual(stub.request('POST', '/stub/reset')[0], 200)
        self.add_a(file_db)
        rc, err = self.schedd('--config', conf, '--once', env={'SCHEDD_DB': ''})
        self.assertEqual((rc, masked(err)), (0, once_lines(file_db, stub.url)))
        self.assertEqual(self.runs_of(file_db), [self.created('a', INSTANT)])

    def test_help_and_version(self):
        p = subprocess.run([SCHEDD, '--help'], capture_output=True, text=True, timeout=10)
        self.assertEqual((p.returncode, p.stderr), (0, ''))
        self.assertIn('  --db PATH              the database (default $SCHEDD_DB, else '
                      'scheduler.db,\n                         else '
                      '/var/lib/schedd/schedd.db)\n', p.stdout)
        self.assertIn('\n       schedd --version\n', p.stdout)
        for args in (['--version'], ['--db', '/nonexistent/x.db', '--version']):
            p = subprocess.run([SCHEDD] + args, capture_output=True, text=True,
                               timeout=10, cwd=self.dir)
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (0, 'schedd %s\n' % project_version(), ''))

    def test_unknown_keys_are_warned_by_name_and_the_run_goes_on(self):
        stub = self.stub()
        self.add_a()
        # A flytectl config as people have it, plus schedd's section and some typos.
        conf = self.conf(
            'admin:\n'
            '  endpoint: %s\n'
            '  insecure: true\n'
            '  bogus: 1\n'
            '  insecureSkipVerify: false\n'
            '  maxRetries: 5\n'
            '  perRetryTimeout: 15s\n'
            'logger:\n'
            '  show-source: true\n'
            '  level: 0\n'
            'scheduler:\n'
            '  db: %s\n'
            '  maxInflight: 4\n'
            '  rateLimit: 2.5\n'
            '  watchRate: 5\n'
            '  historyRetention: 30d\n'
            '  metrics: ""\n'
            '  maxinflight: 8\n' % (stub.url, self.db))
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual((rc, masked(err)), (0, [
            '<4>config: %s: unknown key logger ignored' % conf,
            '<4>config: %s: unknown key admin.bogus ignored' % conf,
            '<4>config: %s: unknown key scheduler.maxinflight ignored' % conf,
        ] + once_lines(self.db, stub.url)))
        self.assertEqual(self.runs(), [self.created('a', INSTANT)])

    def test_every_text_event_is_one_line(self):
        # Regression (fixed): lib/log.c wrote the message as it is, so a newline in it splits
        # one event into lines journald takes as separate entries, the second
        # without a level prefix. Shown with a config key (YAML "new\nline");
        # Admin's multi-line "message" texts (flytepropeller's "Collected
        # Errors: 2\n\tError 0: ...") reach the fire lines the same way through
        # execution_error_message, which flattens only non-JSON bodies.
        stub = self.stub()
        self.add_a()
        conf = self.conf(config_text({'endpoint': stub.url, '"new\\nline"': 1},
                                     {'db': self.db}))
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual(rc, 0, err)
        self.assertEqual([l for l in err.splitlines() if not re.match(r'<[0-7]>\w+: ', l)], [])
        self.assertEqual(len(err.splitlines()), 1 + len(once_lines(self.db, stub.url)), err)

    def test_wrong_types_name_the_key(self):
        cases = [
            ('scheduler', 'maxInflight', '"x"',
             'scheduler.maxInflight must be a whole number from 1 to 100000'),
            ('scheduler', 'maxInflight', '0',
             'scheduler.maxInflight must be a whole number from 1 to 100000'),
            ('admin', 'insecure', '3', 'admin.insecure must be true or false'),
            ('scheduler', 'historyRetention', '5x', 'scheduler.historyRetention must be a '
             'duration like 90d or 12h (0 keeps everything)'),
            ('scheduler', 'rateLimit', '-1', 'scheduler.rateLimit must be a number >= 0'),
            ('scheduler', 'watchRate', '0', 'scheduler.watchRate must be a number > 0'),
            ('scheduler', 'watchRate', '-2', 'scheduler.watchRate must be a number > 0'),
            ('scheduler', 'watchRate', '"fast"', 'scheduler.watchRate must be a number > 0'),
            ('admin', 'endpoint', '[a, b]', 'admin.endpoint must be a string'),
            ('admin', 'scopes', '{a: b}', 'admin.scopes must be a list of strings'),
            ('scheduler', 'ha', 'yes', 'scheduler.ha: not a mapping'),
            ('scheduler', 'ha', '{shard: 2, shards: 2}', 'scheduler.ha.shard 2 must be below '
             'scheduler.ha.shards 2 (shards are numbered from 0)'),
            ('scheduler', 'ha', '{shard: 1}', 'scheduler.ha.shard 1 must be below '
             'scheduler.ha.shards 1 (shards are numbered from 0)'),
            ('scheduler', 'ha', '{shard: -1, shards: 2}',
             'scheduler.ha.shard must be a whole number from 0 to 100000'),
            ('scheduler', 'ha', '{shards: 0}',
             'scheduler.ha.shards must be a whole number from 1 to 100000'),
            ('scheduler', 'ha', '{shards: 2, standbyDelay: 0s}',
             'scheduler.ha.standbyDelay must be a duration from 1s to 1d, like 30s or 2m'),
            ('scheduler', 'ha', '{shards: 2, standbyDelay: 2d}',
             'scheduler.ha.standbyDelay must be a duration from 1s to 1d, like 30s or 2m'),
            ('scheduler', 'ha', '{shards: 2, standbyDelay: 30}',
             'scheduler.ha.standbyDelay must be a duration from 1s to 1d, like 30s or 2m'),
        ]
        db = os.path.join(self.dir, 'never.db')
        for section, key, value, message in cases:
            with self.subTest(key=key, value=value):
                sections = {'admin': {'endpoint': 'http://127.0.0.1:1'}, 'scheduler': {}}
                sections[section][key] = value
                conf = self.conf(config_text(sections['admin'], sections['scheduler']))
                rc, err = self.schedd('--config', conf, '--db', db, '--once')
                self.assertEqual((rc, err), (78, 'schedd: %s: %s\n' % (conf, message)))
        self.assertFalse(os.path.exists(db), 'a refused config still created the database')

    def test_bad_yaml_names_file_line_and_column(self):
        cases = [
            ('admin:\n  endpoint: http://127.0.0.1:1\n  insecure: yes: no\n',
             '3:16: mapping values are not allowed in this context'),
            ('admin:\n  endpoint: http://127.0.0.1:1\n\tinsecure: true\n',
             '3:1: found a tab character that violates indentation'),
            ('admin:\n  endpoint: "http://127.0.0.1:1\n',
             '3:1: found unexpected end of stream'),
        ]
        for text, where in cases:
            with self.subTest(where=where):
                conf = self.conf(text)
                rc, err = self.schedd('--config', conf, '--db', self.db, '--once')
                self.assertEqual((rc, err), (78, 'schedd: %s:%s\n' % (conf, where)))

    def test_bad_shard_flags(self):
        db = os.path.join(self.dir, 'never.db')
        for args, message in [
                (['--shard', '2/2'], '--shard: "2/2" is not I/N with 0 <= I < N <= 100000'),
                (['--shard', '1'], '--shard: "1" is not I/N with 0 <= I < N <= 100000'),
                (['--shard', '0/2x'], '--shard: "0/2x" is not I/N with 0 <= I < N <= 100000'),
                (['--standby-delay', 'soon'], '--standby-delay: "soon" is not a duration from '
                 '1s to 1d, like 30s or 2m'),
                (['--shard', '0/2', '--standby-delay', '0s'], '--standby-delay: "0s" is not a '
                 'duration from 1s to 1d, like 30s or 2m')]:
            with self.subTest(args=args):
                rc, err = self.schedd('--admin-endpoint', 'http://127.0.0.1:1', '--db', db,
                                      '--once', *args)
                self.assertEqual((rc, err), (64, 'schedd: %s\n' % message))
        self.assertFalse(os.path.exists(db), 'a refused flag still created the database')

    def test_missing_config_file(self):
        conf = os.path.join(self.dir, 'nope.yaml')
        rc, err = self.schedd('--config', conf, '--db', self.db, '--once')
        self.assertEqual((rc, err), (66, 'schedd: %s: No such file or directory\n' % conf))

    def test_no_endpoint_anywhere(self):
        conf = self.conf(config_text({'insecure': 'true'}, {'db': self.db}))
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual((rc, err), (78, 'schedd: no Flyte Admin endpoint: give '
                                         '--admin-endpoint or admin.endpoint in the config\n'))

    def test_endpoint_with_a_path_is_refused(self):
        conf = self.conf(config_text({'endpoint': 'dns:///127.0.0.1:1/api'}))
        rc, err = self.schedd('--config', conf, '--db', self.db, '--once')
        self.assertEqual((rc, err), (78, 'schedd: admin.endpoint: "dns:///127.0.0.1:1/api" is '
                                         'not dns:///host:port, http://host:port or '
                                         'https://host\n'))

    def test_config_that_cannot_work_exits_78_naming_the_key(self):
        # Each of these was accepted, and then every request (or every token
        # fetch) failed, leaving every fire pending for ever. Now: one line
        # naming the key, exit 78, before the database is touched.
        missing_ca = os.path.join(self.dir, 'no-ca.pem')
        empty = self.secret_file('', name='empty_secret')
        blank = self.secret_file('  \n\t\n', name='blank_secret')
        nul = self.secret_file('abc\0def\n', name='nul_secret')
        secret = self.secret_file()
        auth = {'authType': 'ClientSecret', 'clientId': CLIENT_ID}
        cases = [
            ({'endpoint': 'http://[::1'},
             'admin.endpoint: "http://[::1" is not a URL schedd can use: Bad IPv6 address'),
            ({'endpoint': '"http://127.0.0.1:1\\r\\nX-Injected: yes"'},
             'admin.endpoint: "http://127.0.0.1:1\\r\\nX-Injected: yes" is not a URL schedd '
             'can use: a control character (0x0d)'),
            ({'endpoint': '"dns:///127.0.0.1:1\\x01"', 'insecure': 'true'},
             'admin.endpoint: "dns:///127.0.0.1:1\\x01" is not a URL schedd can use: a '
             'control character (0x01)'),
            ({'endpoint': 'https://127.0.0.1:1', 'caCertFilePath': missing_ca},
             'admin.caCertFilePath: cannot read %s: No such file or directory' % missing_ca),
            ({'endpoint': 'dns:///127.0.0.1:1', 'insecure': 'false',
              'caCertFilePath': self.dir},
             'admin.caCertFilePath: cannot read %s: not a file' % self.dir),
            ({'endpoint': 'http://127.0.0.1:1', 'authorizationHeader':
              '"x-auth\\r\\nX-Injected: yes"'},
             'admin.authorizationHeader: "x-auth\\r\\nX-Injected: yes" is not an HTTP header '
             'name (letters, digits and !#$%&\'*+-.^_`|~, at most 128)'),
            (dict(auth, endpoint='http://127.0.0.1:1', clientSecretLocation=empty),
             'admin.clientSecretLocation: %s is empty' % empty),
            (dict(auth, endpoint='http://127.0.0.1:1', clientSecretLocation=blank),
             'admin.clientSecretLocation: %s is empty' % blank),
            (dict(auth, endpoint='http://127.0.0.1:1', clientSecretLocation=nul),
             'admin.clientSecretLocation: cannot read %s: it holds a NUL byte' % nul),
            (dict(auth, endpoint='http://127.0.0.1:1', clientSecretLocation=secret,
                  clientSecretEnvVar='SCHEDD_E2E_BLANK_VAR'),
             'admin.clientSecretEnvVar: $SCHEDD_E2E_BLANK_VAR holds only white space'),
        ]
        db = os.path.join(self.dir, 'never.db')
        for admin, message in cases:
            with self.subTest(admin=admin):
                conf = self.conf(config_text(admin, {'db': db}))
                rc, err = self.schedd('--config', conf, '--once',
                                      env={'SCHEDD_E2E_BLANK_VAR': ' \t '})
                self.assertEqual((rc, err), (78, 'schedd: %s\n' % message))
        # The flag is named when the endpoint came from it.
        rc, err = self.schedd('--admin-endpoint', 'http://[::1', '--db', db, '--once')
        self.assertEqual((rc, err), (78, 'schedd: --admin-endpoint: "http://[::1" is not a URL '
                                         'schedd can use: Bad IPv6 address\n'))
        self.assertFalse(os.path.exists(db), 'a refused config still created the database')

    def test_a_ca_file_is_only_needed_for_tls(self):
        # Plain http never reads caCertFilePath: a missing one is no reason to stop; "" is none.
        stub = self.stub()
        for i, ca in enumerate((os.path.join(self.dir, 'no-ca.pem'), '""')):
            with self.subTest(ca=ca):
                db = os.path.join(self.dir, 'ca%d.db' % i)
                self.add_a(db)
                self.assertEqual(stub.request('POST', '/stub/reset')[0], 200)
                conf = self.conf(config_text({'endpoint': stub.url, 'caCertFilePath': ca},
                                             {'db': db}))
                rc, err = self.schedd('--config', conf, '--once')
                self.assertEqual((rc, masked(err)), (0, once_lines(db, stub.url)))

    def test_unsupported_auth_types(self):
        for auth, message in [
                ('Pkce', 'admin.authType "Pkce" is not supported (ClientSecret or none)'),
                ('ExternalCommand', 'admin.authType "ExternalCommand" is not supported '
                 '(ClientSecret or none)'),
                ('ClientSecret', 'admin.authType ClientSecret needs admin.clientId')]:
            with self.subTest(authType=auth):
                conf = self.conf(config_text({'endpoint': 'http://127.0.0.1:1',
                                              'authType': auth}))
                rc, err = self.schedd('--config', conf, '--db', self.db, '--once')
                self.assertEqual((rc, err), (78, 'schedd: %s\n' % message))

    def test_unreadable_secrets_stop_the_start(self):
        missing = os.path.join(self.dir, 'no_secret')
        for admin, message in [
                ({'clientSecretLocation': missing},
                 'admin.clientSecretLocation: cannot read %s: No such file or directory'
                 % missing),
                ({'clientSecretEnvVar': 'SCHEDD_E2E_UNSET_VAR'},
                 'admin.clientSecretEnvVar: $SCHEDD_E2E_UNSET_VAR is not set')]:
            with self.subTest(admin=admin):
                conf = self.conf(config_text(dict({'endpoint': 'http://127.0.0.1:1',
                                                   'authType': 'ClientSecret',
                                                   'clientId': CLIENT_ID}, **admin)))
                rc, err = self.schedd('--config', conf, '--db', self.db, '--once',
                                      env={'SCHEDD_E2E_UNSET_VAR': ''})
                self.assertEqual((rc, err), (78, 'schedd: %s\n' % message))


# --- 2. OAuth2 client credentials -------------------------------------------------

class TestAuth(ConfigTest):

    def auth_conf(self, stub, **admin):
        a = {'endpoint': stub.url, 'authType': 'ClientSecret', 'clientId': CLIENT_ID}
        a.update(admin)
        return self.conf(config_text(a, {'db': self.db, 'metrics': '""'}))

    def test_secret_file_discovery_and_scopes(self):
        stub = self.auth_stub()
        self.add_a()
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file(),
                              scopes=yaml_list(['a', 'b']))
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url)))
        self.assertEqual(self.runs(), [self.created('a', INSTANT)])
        # Discovery, the token, then the API calls with the bearer token.
        self.assertEqual(api_calls(stub_log(stub)), [
            ('GET', '/.well-known/oauth-authorization-server', 200),
            ('POST', '/oauth2/token', 200),
            ('GET', LP_PATH, 200),
            ('POST', EXECUTIONS, 200)])
        recs = records(stub)
        self.assertEqual([(r['method'], r['path'], r.get('content_type'), r['body'],
                           r.get('auth_header')) for r in recs[:2]], [
            ('GET', '/.well-known/oauth-authorization-server', None, None, None),
            ('POST', '/oauth2/token', 'application/x-www-form-urlencoded',
             {'grant_type': 'client_credentials', 'client_id': CLIENT_ID,
              'client_auth': 'basic', 'scope': 'a b'}, None)])
        # Sent in the Authorization header (the stub took the token from there).
        self.assertEqual([(r['path'], r['auth_header']) for r in recs[2:]],
                         [(LP_PATH, 'authorization'), (EXECUTIONS, 'authorization')])
        self.assert_secret_nowhere(err, self.db)

    def test_secret_from_env_token_url_audience_and_header(self):
        stub = self.auth_stub('--auth-header', 'flyte-authorization')
        self.add_a()
        # The variable wins over the file (which holds a wrong secret here).
        conf = self.auth_conf(stub, clientSecretEnvVar='SCHEDD_E2E_SECRET',
                              clientSecretLocation=self.secret_file('wrong\n', 'wrong_secret'),
                              tokenUrl=stub.url + '/oauth2/token', scopes='all',
                              audience='https://flyte.example.com',
                              authorizationHeader='flyte-authorization')
        rc, err = self.schedd('--config', conf, '--once',
                              env={'SCHEDD_E2E_SECRET': SECRET})
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url)))
        self.assertEqual(self.runs(), [self.created('a', INSTANT)])
        # tokenUrl given: no discovery.
        self.assertEqual(api_calls(stub_log(stub)), [
            ('POST', '/oauth2/token', 200), ('GET', LP_PATH, 200), ('POST', EXECUTIONS, 200)])
        recs = records(stub)
        self.assertEqual(recs[0]['body'], {
            'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_auth': 'basic',
            'scope': 'all', 'audience': 'https://flyte.example.com'})
        self.assertEqual([(r['path'], r['auth_header']) for r in recs[1:]],
                         [(LP_PATH, 'flyte-authorization'), (EXECUTIONS, 'flyte-authorization')])
        self.assert_secret_nowhere(err, self.db)

    def test_secret_with_reserved_characters(self):
        # Regression (fixed): lib/admin.c sent client id and secret in HTTP Basic as they are;
        # RFC 6749 2.3.1 wants them form-urlencoded first, and Admin (fosite)
        # url-decodes them, so a secret with '+' or '%' never authenticates
        # ("+" arrives as a space, "%2F" as "/"; a ':' in the client id splits
        # it). Go's oauth2 (flytectl) escapes both. The run stays pending with
        # "no OAuth2 token: token endpoint answered HTTP 401".
        secret = 'p+a%2Fs:s/w=rd'
        path = write(os.path.join(self.dir, 'stub_secret'), secret + '\n')
        stub = self.stub('--auth', '--client-id', CLIENT_ID, '--client-secret-file', path)
        self.add_a()
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file(secret + '\n'),
                              tokenUrl=stub.url + '/oauth2/token')
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual(api_calls(stub_log(stub))[:1], [('POST', '/oauth2/token', 200)])
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url)))

    def test_wrong_secret_leaves_runs_pending(self):
        stub = self.auth_stub()
        self.add_a()
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file('not-the-secret\n'))
        rc, err = self.schedd('--config', conf, '--once')
        why = 'no OAuth2 token: token endpoint answered HTTP 401'
        self.assertEqual((rc, masked(err)), (0, once_lines(self.db, stub.url, [
            fire_line('pending', attempts=0, error=why, level=4)])))
        self.assertEqual(self.runs(), [('a', iso(INSTANT), 'scheduled', 'pending', NAME,
                                        None, why, 0)])
        # Three fetches with a backoff between, then the waiting requests failed.
        self.assertEqual(api_calls(stub_log(stub)), [
            ('GET', '/.well-known/oauth-authorization-server', 200)]
            + [('POST', '/oauth2/token', 401)] * 3)
        self.assertEqual(stub.creates(), [])

    def test_wrong_secret_in_the_loop_keeps_running(self):
        stub = self.auth_stub()
        self.add_a(cron='* * * * * *', now=None)
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file('not-the-secret\n'))
        d = Loop(self, ['--config', conf])
        d.wait_ready()
        why = 'no OAuth2 token: token endpoint answered HTTP 401'
        d.wait_line(lambda l: l.startswith('<4>fire: ') and why in l, 10,
                    'a fire to give up waiting for a token')
        self.assertIsNone(d.proc.poll(), 'schedd exited after the token failures')
        self.assertEqual(d.stop(), 0, d.stderr())
        lines = d.stderr().splitlines()
        self.assertEqual(lines[-1], '<6>stop: exiting')
        self.assertEqual([l for l in lines if l.startswith('<3>')], [])
        runs = self.runs()
        self.assertGreaterEqual(len(runs), 1)
        self.assertEqual({r[3] for r in runs}, {'pending'}, runs)
        self.assertEqual(stub.creates(), [])
        self.assertEqual({c for c in api_calls(stub_log(stub)) if c[0] == 'POST'},
                         {('POST', '/oauth2/token', 401)})

    def test_short_lived_tokens_are_refreshed_before_they_expire(self):
        stub = self.auth_stub('--token-ttl', '3')
        self.add_a(cron='* * * * * *', now=None)
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file())
        d = Loop(self, ['--config', conf, '--log-level', 'debug'])
        d.wait_ready()
        # The secret is in no process's arguments: ps, and every /proc/PID/cmdline.
        if shutil.which('ps'):
            ps = subprocess.run(['ps', '-eww', '-o', 'pid,args'], capture_output=True,
                                text=True)
            self.assertIn(SCHEDD, ps.stdout)
            self.assertNotIn(SECRET, ps.stdout)
        argvs = {}
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    argvs[int(pid)] = f.read()
            except OSError:
                pass
        self.assertIn(SCHEDD.encode(), argvs[d.proc.pid])
        self.assertEqual([p for p, a in argvs.items() if SECRET.encode() in a], [])
        wait_for(lambda: len(stub.creates()) >= 7, 12, 'seven creates over about 7 s')
        self.assertEqual(d.stop(), 0, d.stderr())
        log = stub_log(stub)
        calls = api_calls(log)
        self.assertEqual([c for c in calls if c[2] != 200], [], 'a request was refused')
        fetches = [base.arrival(e) for e in log if e['path'] == '/oauth2/token']
        self.assertGreaterEqual(len(fetches), 3, calls)
        # Each token was replaced before its 3 s were up.
        gaps = [b - a for a, b in zip(fetches, fetches[1:])]
        self.assertLess(max(gaps), 3.0, gaps)
        self.assertEqual(calls[0][:2], ('GET', '/.well-known/oauth-authorization-server'))
        self.assertEqual(sum(1 for c in calls if c[1].startswith('/.well-known/')), 1)
        runs = self.runs()
        self.assertGreaterEqual(len(runs), 7)
        self.assertEqual(runs, [self.created('a', ts(r[1])) for r in runs])
        self.assert_secret_nowhere(d.stderr(), self.db)

    def test_revoked_token_one_401_new_token_and_the_request_resent(self):
        stub = self.auth_stub()
        self.add_a(cron='* * * * * *', now=None)
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file())
        d = Loop(self, ['--config', conf])
        d.wait_ready()
        wait_for(lambda: len(stub.creates()) >= 1, 5, 'a first create')
        self.assertEqual(stub.request('POST', '/stub/revoke-tokens')[0], 200)
        n = len(stub.creates())
        wait_for(lambda: len(stub.creates()) >= n + 2, 6, 'two creates after the revocation')
        self.assertEqual(d.stop(), 0, d.stderr())
        log = stub_log(stub)
        cut = [i for i, e in enumerate(log) if e['path'] == '/stub/revoke-tokens'][0]
        before, after = api_calls(log[:cut]), api_calls(log[cut + 1:])
        self.assertEqual([c for c in before if c[2] != 200], [])
        self.assertEqual(after[:3], [('POST', EXECUTIONS, 401), ('POST', '/oauth2/token', 200),
                                     ('POST', EXECUTIONS, 200)])
        self.assertEqual([c for c in after[3:] if c[2] != 200], [])
        self.assertEqual(sum(1 for c in after if c[1] == '/oauth2/token'), 1)
        # The resent request is the same fire: one run took two requests, all were created.
        runs = self.runs()
        self.assertEqual({r[3] for r in runs}, {'created'}, runs)
        self.assertEqual(sorted(r[7] for r in runs), [1] * (len(runs) - 1) + [2])
        names = [c['body']['name'] for c in stub.creates()]
        self.assertEqual(len(names), len(set(names)))
        self.assert_secret_nowhere(d.stderr(), self.db)

    def test_concurrent_401s_fetch_one_token(self):
        # Regression (fixed): when several requests in flight got 401 for the same revoked
        # token, lib/admin.c request_done sets oauth_state back to OAUTH_NONE
        # for each of them, even while the first refresh is under way, and
        # admin_pump starts another fetch: N requests refused at once make
        # N-1 token requests (a stampede on the token endpoint with
        # maxInflight 32), where "a 401 refreshes it once" means one.
        stub = self.auth_stub('--latency-ms', '200')
        for i in range(4):
            self.add('s%d' % i, '--input', 'site_id=x', cron='* * * * * *')
        conf = self.auth_conf(stub, clientSecretLocation=self.secret_file())
        d = Loop(self, ['--config', conf])
        d.wait_ready()
        wait_for(lambda: len(stub.creates()) >= 4, 5, 'a first round of creates')
        self.assertEqual(stub.request('POST', '/stub/revoke-tokens')[0], 200)
        n = len(stub.creates())
        wait_for(lambda: len(stub.creates()) >= n + 8, 6, 'two rounds after the revocation')
        self.assertEqual(d.stop(), 0, d.stderr())
        log = stub_log(stub)
        cut = [i for i, e in enumerate(log) if e['path'] == '/stub/revoke-tokens'][0]
        after = api_calls(log[cut + 1:])
        refused = [c for c in after if c[2] == 401]
        self.assertGreaterEqual(len(refused), 2, 'no two requests were refused together')
        self.assertEqual({r[3] for r in self.runs()}, {'created'})
        self.assertEqual(sum(1 for c in after if c[1] == '/oauth2/token'), 1, after)



# --- SIGHUP: the config read again ------------------------------------------------------

RELOAD = '<6>reload: SIGHUP: reading the configuration, looking for changes'


class TestReload(ConfigTest):

    def hup(self, d, conf, expect):
        """SIGHUP d; wait for its reload to be logged; returns the lines it logged."""
        n = len(d.stderr().splitlines())
        d.proc.send_signal(signal.SIGHUP)

        def logged():
            if d.proc.poll() is not None:
                raise AssertionError('schedd exited %d: %s' % (d.proc.returncode, d.stderr()))
            return any(l.startswith(expect) for l in d.stderr().splitlines()[n:])
        wait_for(logged, 5, 'the reload of %s' % conf)
        lines = d.stderr().splitlines()[n:]
        return [l for l in lines if not l.startswith('<6>fire: ')]

    def limits(self, conf, inflight=32, rate='100', retention=7776000, watch='20'):
        return ('<6>reload: %s: maxInflight %d, rateLimit %s/s, watchRate %s/s, historyRetention %d s'
                % (conf, inflight, rate, watch, retention))

    def test_sighup_rereads_the_config(self):
        old, new = self.stub(), self.stub()
        self.add_a(cron='* * * * * *', now=None)
        conf = self.conf(config_text({'endpoint': old.url},
                                     {'db': self.db, 'maxInflight': 4, 'metrics': '""'}))
        d = Loop(self, ['--config', conf])
        d.wait_ready()
        wait_for(lambda: old.creates(), 5, 'a create')
        # Unchanged: the limits are logged, nothing else.
        self.assertEqual(self.hup(d, conf, '<6>reload: %s:' % conf),
                         [RELOAD, self.limits(conf, 4)])
        # Limits apply; the endpoint needs a restart and says so; typos are warned.
        self.conf(config_text({'endpoint': new.url, 'typo': '1'},
                              {'db': self.db, 'maxInflight': 8, 'rateLimit': 2.5,
                               'watchRate': 0.5, 'historyRetention': '30d', 'metrics': '""'}))
        self.assertEqual(self.hup(d, conf, '<6>reload: %s:' % conf), [
            RELOAD,
            '<4>config: %s: unknown key admin.typo ignored' % conf,
            '<4>reload: %s: admin, auth, database, metrics or ha settings changed; restart schedd to apply '
            'them' % conf,
            self.limits(conf, 8, '2.5', 30 * 86400, '0.5')])
        # A bad file: logged, the config in use kept.
        self.conf('admin:\n  endpoint: [\n')
        self.assertEqual(self.hup(d, conf, '<3>reload: '), [
            RELOAD, '<3>reload: %s:3:1: did not find expected node content; keeping the '
            'configuration in use' % conf])
        n = len(old.creates())
        wait_for(lambda: len(old.creates()) >= n + 2, 5, 'fires going on at the old endpoint')
        self.assertEqual(d.stop(), 0, d.stderr())
        self.assertEqual(new.creates(), [])
        self.assertEqual({r[3] for r in self.runs()}, {'created'})

    def test_sighup_warns_about_every_auth_change(self):
        # Regression (fixed): reload_config (daemon/main.c) compared only endpoint, insecure,
        # authType, clientId, caCertFilePath and metrics; a new
        # clientSecretLocation (a rotated secret), tokenUrl, scopes, audience,
        # authorizationHeader (or scheduler.db) is silently not applied, though
        # the README says changes to auth are logged as needing a restart.
        stub = self.stub()
        self.add_a(now=None)
        admin = {'endpoint': stub.url, 'authType': 'ClientSecret', 'clientId': CLIENT_ID,
                 'clientSecretLocation': self.secret_file()}
        sched = {'db': self.db, 'metrics': '""'}
        conf = self.conf(config_text(admin, sched))
        d = Loop(self, ['--config', conf])
        d.wait_ready()
        changed = '<4>reload: %s: admin, auth, database, metrics or ha settings changed; restart schedd to ' \
                  'apply them' % conf
        for key, value in [('clientSecretLocation', self.secret_file('new\n', 'rotated')),
                           ('tokenUrl', stub.url + '/oauth2/token'),
                           ('authorizationHeader', 'flyte-authorization')]:
            with self.subTest(key=key):
                self.conf(config_text(dict(admin, **{key: value}), sched))
                self.assertEqual(self.hup(d, conf, '<6>reload: %s:' % conf),
                                 [RELOAD, changed, self.limits(conf)])
        self.assertEqual(d.stop(), 0, d.stderr())

    def test_sighup_with_the_insecure_flag_and_an_unchanged_file(self):
        # Regression (fixed): with --insecure on the command line and no admin.insecure in the
        # file, every SIGHUP warns "admin or metrics settings changed" though
        # nothing changed: reload_config compares the file's insecure with
        # sd->conf.insecure, which the flag overrode (file_endpoint is kept for
        # the endpoint; insecure has no such copy).
        stub = self.stub()
        self.add_a(now=None)
        conf = self.conf(config_text({'endpoint': 'dns:///127.0.0.1:%d' % stub.port},
                                     {'db': self.db, 'metrics': '""'}))
        d = Loop(self, ['--config', conf, '--insecure'])
        d.wait_ready()
        self.assertEqual(self.hup(d, conf, '<6>reload: %s:' % conf),
                         [RELOAD, self.limits(conf)])
        self.assertEqual(d.stop(), 0, d.stderr())

# --- 3. TLS -------------------------------------------------------------------------

class TestTls(ConfigTest):

    def setUp(self):
        if shutil.which('openssl') is None:
            self.skipTest('the openssl command is missing (apt-get install openssl)')
        super().setUp()
        self.ca, cert, key = make_pki(self.dir)
        self.backend = self.stub()
        self.proxy = TlsProxy(cert, key, self.backend.port)
        self.addCleanup(self.proxy.stop)
        self.https = 'https://127.0.0.1:%d' % self.proxy.port

    def tls_run(self, name, endpoint=None, args=(), **admin):
        db = os.path.join(self.dir, name + '.db')
        self.add_a(db)
        a = {'endpoint': endpoint or self.https}
        a.update(admin)
        conf = self.conf(config_text(a, {'db': db}), name + '.yaml')
        return db, subprocess.Popen(
            [SCHEDD, '--config', conf, '--once'] + list(args), cwd=self.dir,
            env=dict(os.environ, SCHEDD_NOW=NOW), stderr=subprocess.PIPE, text=True)

    def finish(self, proc):
        try:
            _, err = proc.communicate(timeout=40 * base.SLOW)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError('schedd --once over TLS ran for more than 40 s')
        return proc.returncode, err

    def test_ca_cert_file_verifies_the_server(self):
        db, p = self.tls_run('ca', caCertFilePath=self.ca)
        rc, err = self.finish(p)
        self.assertEqual((rc, masked(err)), (0, once_lines(db, self.https)))
        self.assertEqual(self.runs_of(db), [self.created('a', INSTANT)])
        self.assertEqual([c['body']['name'] for c in self.backend.creates()], [NAME])
        self.assertIn('ok', self.proxy.results())

    def test_verified_by_default(self):
        # Unknown CA (system store only), and the right CA with the wrong host name:
        # both refused by the client. They retry as connection errors, so run together.
        runs = [('noca', self.https, {}, 'SSL certificate problem: unable to get local '
                 'issuer certificate'),
                ('host', 'https://localhost:%d' % self.proxy.port,
                 {'caCertFilePath': self.ca},
                 "SSL: no alternative certificate subject name matches target host name "
                 "'localhost'")]
        started = [(self.tls_run(n, endpoint=e, **a), n, e, why) for n, e, a, why in runs]
        done = [(db, self.finish(proc), n, e, why) for (db, proc), n, e, why in started]
        for db, (rc, err), name, endpoint, why in done:
            with self.subTest(case=name):
                # The launch plan lookup failed: no create was attempted.
                self.assertEqual((rc, masked(err)), (0, once_lines(db, endpoint, [
                    fire_line('pending', attempts=0, error=why, level=4)])))
                self.assertEqual(self.runs_of(db), [
                    ('a', iso(INSTANT), 'scheduled', 'pending', NAME, None, why, 0)])
        # Not one request got through the proxy.
        self.assertEqual(self.backend.calls(), [])
        self.assertEqual(self.backend.creates(), [])

    def test_insecure_is_plain_http_only(self):
        # Regression (fixed): `insecure: true` (and --insecure) with an https:// endpoint turned
        # off certificate and host name checks (CURLOPT_SSL_VERIFYPEER/HOST 0 in
        # lib/admin.c), so a flytectl config with insecure: true left over from
        # a sandbox silently talks TLS to anyone. SPEC 5 says "insecure: true:
        # plain http" and flytectl's insecure means no TLS (insecureSkipVerify
        # is its separate switch, which schedd accepts and ignores). Expected:
        # https stays verified, the run stays pending with the certificate error.
        why = 'SSL certificate problem: unable to get local issuer certificate'
        procs = [self.tls_run('insecure', insecure='true'),
                 self.tls_run('flag', args=['--insecure'])]
        done = [(db, self.finish(proc)) for db, proc in procs]
        for db, (rc, err) in done:
            self.assertEqual((rc, masked(err)), (0, once_lines(db, self.https, [
                fire_line('pending', attempts=0, error=why, level=4)])))
        self.assertEqual(self.backend.creates(), [])


# --- 4. sd_notify ------------------------------------------------------------------------

class Notify:
    """A NOTIFY_SOCKET: an AF_UNIX datagram socket in the test's directory."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, 'notify.sock')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def recv(self, timeout):
        """The next message (text), or None after timeout seconds (* SLOW)."""
        r, _, _ = select.select([self.sock], [], [], timeout * base.SLOW)
        if not r:
            return None
        return self.sock.recv(4096).decode()

    def expect(self, timeout, what):
        m = self.recv(timeout)
        if m is None:
            raise AssertionError('no sd_notify message within %.1f s: wanted %s'
                                 % (timeout * base.SLOW, what))
        return m

    def close(self):
        self.sock.close()


STATUS_IDLE = 'STATUS=1 schedules, 0 fires (0 created, 0 failed, 0 skipped), 0 in flight'


class TestNotify(ConfigTest):

    def notify(self):
        n = Notify(self.dir)
        self.addCleanup(n.close)
        return n

    def args(self, stub):
        """A config naming the stub and the database (no /etc/schedd/config.yaml read)."""
        return ['--config', self.conf(config_text({'endpoint': stub.url},
                                                  {'db': self.db, 'metrics': '""'}))]

    def test_ready_reloading_stopping(self):
        stub = self.stub()
        self.add_a(now=None)
        n = self.notify()
        d = Loop(self, self.args(stub), env={'NOTIFY_SOCKET': n.path})
        self.assertEqual(n.expect(5, 'READY=1'), 'READY=1\n' + STATUS_IDLE)
        self.assertIn('<6>start: 1 schedules, 0 pending runs picked up', d.stderr())
        d.proc.send_signal(signal.SIGHUP)
        self.assertEqual(n.expect(5, 'RELOADING=1'), 'RELOADING=1')
        self.assertEqual(n.expect(5, 'READY=1 after the reload'), 'READY=1\n' + STATUS_IDLE)
        d.proc.send_signal(signal.SIGTERM)
        self.assertEqual(n.expect(5, 'STOPPING=1'), 'STOPPING=1')
        self.assertEqual(d.proc.wait(timeout=10 * base.SLOW), 0, d.stderr())
        self.assertIsNone(n.recv(0.2), 'a message after STOPPING=1')
        self.assertEqual(d.stderr().splitlines(), [
            '<6>start: schedd 0.1.0, database %s, admin %s' % (self.db, stub.url),
            '<6>start: 1 schedules, 0 pending runs picked up',
            RELOAD,
            '<6>reload: %s: maxInflight 32, rateLimit 100/s, watchRate 20/s, historyRetention 7776000 s'
            % os.path.join(self.dir, 'config.yaml'),
            '<6>stop: SIGTERM: taking no new fires, finishing requests in flight',
            '<6>stop: exiting'])

    def test_status_counts_fires(self):
        stub = self.stub()
        self.add_a(cron='* * * * * *', now=None)
        n = self.notify()
        d = Loop(self, self.args(stub), env={'NOTIFY_SOCKET': n.path})
        self.assertTrue(n.expect(5, 'READY=1').startswith('READY=1\nSTATUS=1 schedules, '))
        wait_for(lambda: len(self.runs()) >= 2 and all(r[3] == 'created' for r in self.runs()),
                 5, 'two fires recorded')
        d.proc.send_signal(signal.SIGHUP)
        self.assertEqual(n.expect(5, 'RELOADING=1'), 'RELOADING=1')
        m = n.expect(5, 'READY=1')
        got = re.fullmatch(r'READY=1\nSTATUS=1 schedules, (\d+) fires \((\d+) created, '
                           r'0 failed, 0 skipped\), (\d+) in flight', m)
        self.assertTrue(got, m)
        fires, created, inflight = map(int, got.groups())
        self.assertGreaterEqual(fires, 2, m)
        self.assertEqual(fires, created + inflight, m)
        self.assertEqual(d.stop(), 0, d.stderr())

    def test_watchdog(self):
        stub = self.stub()
        self.add_a(now=None)
        n = self.notify()
        env = {'NOTIFY_SOCKET': n.path, 'WATCHDOG_USEC': '1000000'}
        # sd_watchdog_enabled wants WATCHDOG_PID to be schedd's own pid.
        d = Loop(self, self.args(stub), env=env,
                 argv0=['sh', '-c', 'export WATCHDOG_PID=$$; exec "$0" "$@"'])
        self.assertEqual(n.expect(5, 'READY=1'), 'READY=1\n' + STATUS_IDLE)
        t0 = time.monotonic()
        pings = []
        while time.monotonic() - t0 < 2.1:
            m = n.recv(1)
            if m is None:
                break
            pings.append((time.monotonic(), m))
        self.assertEqual({m for _, m in pings}, {'WATCHDOG=1\n' + STATUS_IDLE})
        # About twice a second (half of WATCHDOG_USEC).
        self.assertIn(len(pings), range(3, 6), pings)
        gaps = [b - a for (a, _), (b, _) in zip(pings, pings[1:])]
        self.assertTrue(all(0.3 < g < 0.8 * base.SLOW for g in gaps), gaps)
        self.assertEqual(d.stop(), 0, d.stderr())

    def test_no_watchdog_for_another_pid(self):
        stub = self.stub()
        self.add_a(now=None)
        n = self.notify()
        env = {'NOTIFY_SOCKET': n.path, 'WATCHDOG_USEC': '200000', 'WATCHDOG_PID': '1'}
        d = Loop(self, self.args(stub), env=env)
        self.assertEqual(n.expect(5, 'READY=1'), 'READY=1\n' + STATUS_IDLE)
        self.assertIsNone(n.recv(0.5), 'WATCHDOG=1 though WATCHDOG_PID is not schedd')
        self.assertEqual(d.stop(), 0, d.stderr())


# --- 5. --log-format json -------------------------------------------------------------------

# --- shared access: the schedd group ---------------------------------------------

class TestSharedAccess(ConfigTest):
    """Members of the schedd group use the daemon's database with schedctl, as
    the unit sets it up: a setgid state directory 2770, UMask=0007. Uids and
    gids without names, switched to with setpriv (root only)."""

    OWNER, MEMBER, OUTSIDER, GROUP = 64101, 64102, 64103, 64100

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root: runs schedd and schedctl as other users')
        if shutil.which('setpriv') is None:
            self.skipTest('needs setpriv (util-linux)')
        os.chmod(self.dir, 0o755)
        self.state = os.path.join(self.dir, 'state')
        os.mkdir(self.state)
        os.chown(self.state, self.OWNER, self.GROUP)
        os.chmod(self.state, 0o2770)
        self.shared = os.path.join(self.state, 'schedd.db')

    def as_user(self, uid, *groups):
        """The argv prefix running a command as uid (primary group its own), in
        groups, under the unit's umask."""
        return (['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid] +
                (['--groups=' + ','.join(map(str, groups))] if groups else
                 ['--clear-groups']) +
                ['--', 'sh', '-c', 'umask 0007 && exec "$@"', 'sh'])

    def ctl_as(self, prefix, *args, env=None):
        e = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LC_ALL': 'C',
             'SCHEDD_NOW': T0}
        for key in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'):
            if key in os.environ:
                e[key] = os.environ[key]
        e.update(env or {})
        p = subprocess.run(prefix + [SCHEDCTL, '--db', self.shared] + list(args),
                           env=e, capture_output=True, text=True, cwd=self.dir,
                           timeout=30 * base.SLOW)
        return p.returncode, p.stdout, p.stderr

    def modes(self):
        """(mode, uid, gid) of the database and its WAL files that exist."""
        out = {}
        for suffix in ('', '-wal', '-shm'):
            try:
                st = os.stat(self.shared + suffix)
            except FileNotFoundError:
                continue
            out[suffix] = (oct(st.st_mode & 0o7777), st.st_gid)
        return out

    def test_group_members_list_and_add_while_the_daemon_runs(self):
        stub = self.stub()
        conf = self.conf(config_text({'endpoint': stub.url}, {'metrics': '""'}))
        os.chmod(conf, 0o644)
        errpath = os.path.join(self.dir, 'schedd.loop.stderr')
        with open(errpath, 'w') as err:
            d = subprocess.Popen(self.as_user(self.OWNER, self.GROUP) +
                                 [SCHEDD, '--config', conf, '--db', self.shared],
                                 stderr=err, stdin=subprocess.DEVNULL,
                                 env={k: v for k, v in os.environ.items()
                                      if k not in ('SCHEDD_NOW', 'SCHEDD_DB')})

        def stderr():
            with open(errpath) as f:
                return f.read()

        def ready():
            if d.poll() is not None:
                raise AssertionError('schedd exited %d: %s' % (d.returncode, stderr()))
            return 'pending runs picked up' in stderr()
        try:
            wait_for(ready, 5, 'schedd to start')
            # The daemon created the database 0660 in the directory's group,
            # and its WAL files take that mode.
            self.assertEqual(self.modes(), {s: ('0o660', self.GROUP)
                                            for s in ('', '-wal', '-shm')})
            member = self.as_user(self.MEMBER, self.GROUP)
            self.assertEqual(self.ctl_as(member, 'list'), (0, 'no schedules\n', ''))
            rc, out, err = self.ctl_as(member, 'add', 'x', '--lp', 'p/d/l', '--cron',
                                       '0 0 * * *')
            self.assertEqual((rc, err), (0, ''), out)
            # Someone outside the group does not get in.
            rc, out, err = self.ctl_as(self.as_user(self.OUTSIDER), 'list')
            self.assertEqual((rc, out), (66, ''), err)
            self.assertEqual(err, 'schedctl: database %s does not exist\n' % self.shared)
        finally:
            d.send_signal(signal.SIGTERM)
            self.assertEqual(d.wait(timeout=15 * base.SLOW), 0, stderr())
        self.assertEqual(self.query('SELECT os_user, command, schedule_name FROM changes'),
                         [('uid %d' % self.MEMBER, 'add', 'x')])

    def test_schedctl_creates_the_database_for_the_group(self):
        member = self.as_user(self.MEMBER, self.GROUP)
        rc, out, err = self.ctl_as(member, 'add', 'x', '--lp', 'p/d/l', '--cron',
                                   '0 0 * * *')
        self.assertEqual((rc, err), (0, ''), out)
        self.assertEqual(self.modes()[''], ('0o660', self.GROUP))
        # The daemon's user (another member) writes it.
        owner = self.as_user(self.OWNER, self.GROUP)
        self.assertEqual(self.ctl_as(owner, 'pause', 'x'), (0, 'paused x\n', ''))

    def test_audit_records_the_invoking_user(self):
        member = self.as_user(self.MEMBER, self.GROUP)
        rc, _, err = self.ctl_as(member, 'add', 'x', '--lp', 'p/d/l', '--cron',
                                 '0 0 * * *')
        self.assertEqual((rc, err), (0, ''))
        # SUDO_USER is believed only from root (as sudo runs it); anyone can set it.
        self.assertEqual(self.ctl_as(member, 'pause', 'x', env={'SUDO_USER': 'alice'}),
                         (0, 'paused x\n', ''))
        self.assertEqual(self.ctl_as([], 'resume', 'x', env={'SUDO_USER': 'alice'}),
                         (0, 'resumed x\n', ''))
        self.assertEqual(self.ctl_as([], 'pause', 'x', env={'SUDO_USER': ''}),
                         (0, 'paused x\n', ''))
        self.assertEqual(self.query('SELECT os_user, command FROM changes ORDER BY id'),
                         [('uid %d' % self.MEMBER, 'add'), ('uid %d' % self.MEMBER, 'pause'),
                          ('alice', 'resume'), ('root', 'pause')])

    def query(self, sql):
        conn = sqlite3.connect(self.shared, timeout=10)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


class TestJsonLog(ConfigTest):

    def json_lines(self, text):
        out = []
        for line in text.splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                self.fail('not a JSON line: %r' % line)
            self.assertIsInstance(doc, dict, line)
            self.assertEqual(sorted(doc), ['event', 'level', 'msg'], line)
            out.append(doc)
        return out

    def test_every_line_is_one_json_object(self):
        stub = self.stub()
        self.add_a()
        self.add('b', '--input', 'site_id=y', '--input', 'nope=1', now=T0)
        # A key with a quote and a tab in it: the JSON lines escape them.
        conf = self.conf(config_text({'endpoint': stub.url, '"we\\"ird\\tkey"': 1},
                                     {'db': self.db}))
        rc, err = self.schedd('--config', conf, '--once', '--log-format', 'json')
        self.assertEqual(rc, 0, err)
        docs = self.json_lines(LATENCY.sub('latency=T', err))
        nb = execution_name('b', INSTANT)
        fires = sorted([d for d in docs if d['event'] == 'fire'], key=lambda d: d['msg'])
        self.assertEqual(fires, [
            {'level': 'info', 'event': 'fire', 'msg': 'schedule=a instant=%s kind=scheduled '
             'execution=%s outcome=created attempts=1 latency=T' % (iso(INSTANT), NAME)},
            {'level': 'warn', 'event': 'fire', 'msg': 'schedule=b instant=%s kind=scheduled '
             'execution=%s outcome=failed attempts=0 latency=T error=%s'
             % (iso(INSTANT), nb, self.runs()[1][6])}])
        self.assertEqual([d for d in docs if d['event'] != 'fire'], [
            {'level': 'warn', 'event': 'config',
             'msg': '%s: unknown key admin.we"ird\tkey ignored' % conf},
            {'level': 'info', 'event': 'start', 'msg': 'schedd 0.1.0, database %s, admin %s, '
             'once' % (self.db, stub.url)},
            {'level': 'info', 'event': 'start', 'msg': '2 schedules, 0 pending runs picked up'},
            {'level': 'info', 'event': 'stop', 'msg': 'exiting'}])
        # Each fire line carries schedule, instant, execution, outcome and latency.
        raw = [json.loads(l) for l in err.splitlines()]
        for d in raw:
            if d['event'] == 'fire':
                self.assertRegex(d['msg'], r'^schedule=\S+ instant=\S+ kind=\S+ execution=s'
                                           r'[0-9a-z]{19} outcome=\S+ attempts=\d+ '
                                           r'latency=\d+\.\d{3}s')
        self.assertEqual([r[3] for r in self.runs()], ['created', 'failed'])

    def test_config_errors_are_json_too(self):
        # Regression (fixed): with --log-format json, errors found before the loop starts
        # (bad config values, YAML errors, a missing file, no endpoint) are
        # written by daemon/main.c as plain "schedd: ..." lines, so a log
        # shipper gets a line that is not JSON; the unknown-key warnings of the
        # same run are JSON.
        conf = self.conf(config_text({'endpoint': 'http://127.0.0.1:1', 'bogus': '1',
                                      'insecure': '3'}))
        rc, err = self.schedd('--config', conf, '--db', self.db, '--once',
                              '--log-format', 'json')
        self.assertEqual(rc, 78)
        docs = self.json_lines(err)
        self.assertEqual(docs[0], {'level': 'warn', 'event': 'config',
                                   'msg': '%s: unknown key admin.bogus ignored' % conf})
        self.assertEqual([(d['level'], d['msg']) for d in docs[1:]],
                         [('error', '%s: admin.insecure must be true or false' % conf)])


if __name__ == '__main__':
    sys.exit(base.main(also=[sys.modules[__name__]]))
