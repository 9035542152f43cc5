# benchlib.py: what bench/burst, lateness, watch and reload share: builds, databases, the stub, the daemon, /proc readings, the table.
"""Helpers for the firing-path benchmarks (SPEC section 9). Stdlib only.

The daemon is driven only through its command line (`schedd --config FILE
--db PATH`), schedctl and SQL, and is ready when it says READY=1 on
$NOTIFY_SOCKET (SPEC section 5), so the scripts work against any schedd
that keeps that contract.
"""

import argparse
import calendar
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CATALOG = os.path.join(TOP, 'tests', 'stub-admin', 'catalog.json')
LP = 'flytesnacks/development/data_sync_wf@v2'
# The reference stub's allocator: a deeper per-size free list saves about a sixth of the
# instructions of a create (tests/stub-admin/README.md, Speed). Loadgen and daemon runs get it alike.
STUB_ENV = {'GLIBC_TUNABLES': 'glibc.malloc.tcache_count=1000'}
CLK_TCK = os.sysconf('SC_CLK_TCK')


class BenchError(Exception):
    """The run itself broke (not a missed goal): the script exits 1."""


def say(name, msg):
    sys.stderr.write('bench/%s: %s\n' % (name, msg))
    sys.stderr.flush()


def parser(name, doc):
    p = argparse.ArgumentParser(prog='bench/' + name, description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--smoke', action='store_true',
                   help='a tiny run (a few seconds): does the benchmark itself work?')
    p.add_argument('--build-dir', metavar='DIR',
                   help='use the binaries of this configured build tree (with tests) instead '
                        'of building Release in build-bench-rel')
    p.add_argument('--keep', action='store_true', help='keep the work directory')
    return p


def main(name, run):
    """Run run(), turning a BenchError into exit status 1."""
    try:
        run()
    except BenchError as e:
        say(name, 'run broken: %s' % e)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


# --- binaries -----------------------------------------------------------------

class Bins:
    def __init__(self, build):
        self.build = build
        self.schedd = os.path.join(build, 'schedd')
        self.schedctl = os.path.join(build, 'schedctl')
        self.stub = os.path.join(build, 'tests', 'stub-admin', 'stub_admin')
        self.loadgen = os.path.join(build, 'tests', 'loadgen')
        for b in (self.schedd, self.schedctl, self.stub, self.loadgen):
            if not os.access(b, os.X_OK):
                raise BenchError('%s is missing (build the tree with SCHEDD_TESTS=ON)' % b)


def binaries(name, args):
    """The build tree given, or a Release build in build-bench-rel (built -j2)."""
    if args.build_dir:
        return Bins(os.path.abspath(args.build_dir))
    build = os.path.join(TOP, 'build-bench-rel')
    say(name, 'building Release in %s' % build)
    for cmd in (['cmake', '-S', TOP, '-B', build, '-DCMAKE_BUILD_TYPE=Release',
                 '-DSCHEDD_TESTS=ON'],
                ['cmake', '--build', build, '-j2', '--target', 'schedd', 'schedctl',
                 'stub_admin', 'loadgen']):
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-4000:])
            raise BenchError('%s failed' % ' '.join(cmd[:2]))
    return Bins(build)


class Workdir:
    def __init__(self, name, keep):
        self.path = tempfile.mkdtemp(prefix='schedd-bench-%s.' % name)
        self.keep = keep
        self.name = name

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    def close(self, failed=False):
        if self.keep or failed:
            say(self.name, 'kept %s' % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


# --- time ---------------------------------------------------------------------

def rfc3339(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def parse_ms(text):
    """'2026-11-26T06:00:00.012Z' to Unix seconds (float)."""
    return calendar.timegm(time.strptime(text[:19], '%Y-%m-%dT%H:%M:%S')) + \
        float('0' + text[19:-1])


def parse_rfc3339(text):
    """RFC 3339 UTC with up to 9 fraction digits to Unix seconds (float)."""
    return parse_ms(text)


def cron_at(t):
    """6-field cron firing every day at the UTC second of t."""
    g = time.gmtime(t)
    return '%d %d %d * * *' % (g.tm_sec, g.tm_min, g.tm_hour)


# --- database -----------------------------------------------------------------

def make_db(bins, db, n, cron_sql, paused_sql='0'):
    """A fresh database with n schedules of data_sync_wf@v2 (site_id input), catch-up none.

    One `schedctl add` makes the schema (a paused seed that never fires), then one INSERT
    the rest; cron_sql is an SQL expression of i (1..n) giving each schedule's cron.
    """
    conf = db + '.schedctl.yaml'
    with open(conf, 'w') as f:
        f.write('scheduler:\n  metrics: ""\n')
    p = subprocess.run([bins.schedctl, '--config', conf, '--db', db, 'add', 'seed',
                        '--lp', LP, '--cron', '0 0 1 1 *', '--input', 'site_id=seed',
                        '--paused', '--catchup', 'none'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=clean_env())
    if p.returncode != 0:
        raise BenchError('schedctl add seed: %s' % p.stderr.strip())
    now = rfc3339(time.time())
    conn = sqlite3.connect(db, timeout=60)
    try:
        conn.execute(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) "
            "INSERT INTO schedules (name, project, domain, launch_plan, version, cron, tz, "
            "inputs, catchup, paused, created_at, updated_at, active_since) "
            "SELECT 'b' || i, 'flytesnacks', 'development', 'data_sync_wf', 'v2', " +
            cron_sql + ", 'UTC', json_object('site_id', 'site_' || i), 'none', " +
            paused_sql + ", ?, ?, ? FROM k", (n, now, now, now))
        conn.commit()
    finally:
        conn.close()


def set_cron(db, cron):
    """Point every bench schedule (not the seed) at one cron expression."""
    conn = sqlite3.connect(db, timeout=60)
    try:
        conn.execute("UPDATE schedules SET cron = ? WHERE name GLOB 'b[0-9]*'", (cron,))
        conn.commit()
    finally:
        conn.close()


def clean_env(extra=None):
    env = dict(os.environ)
    for k in ('SCHEDD_NOW', 'SCHEDD_DB', 'NOTIFY_SOCKET', 'GLIBC_TUNABLES'):
        env.pop(k, None)
    env.update(extra or {})
    return env


# --- the stub -----------------------------------------------------------------

class Stub:
    """stub_admin on a free loopback port, without in-memory records."""

    count = 0

    def __init__(self, bins, work, *flags):
        Stub.count += 1
        tag = 'stub%d' % Stub.count
        self.port_file = work.file(tag + '.port')
        self.errpath = work.file(tag + '.stderr')
        with open(self.errpath, 'w') as err:
            self.proc = subprocess.Popen(
                [bins.stub, '--catalog', CATALOG, '--port', '0', '--port-file',
                 self.port_file, '--no-records'] + list(flags),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                env=clean_env(STUB_ENV))
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise BenchError('stub_admin did not start: %s' % self.stderr())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.url = 'http://127.0.0.1:%d' % self.port

    def stderr(self):
        try:
            with open(self.errpath) as f:
                return f.read()[-2000:]
        except OSError:
            return ''

    def get(self, path):
        req = urllib.request.Request(self.url + path, headers={'Accept': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except OSError as e:
            raise BenchError('stub GET %s: %s' % (path, e))

    def stats(self):
        return self.get('/stub/stats')

    def post(self, path, body=None):
        req = urllib.request.Request(self.url + path, data=json.dumps(body or {}).encode(),
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except OSError as e:
            raise BenchError('stub POST %s: %s' % (path, e))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def loadgen(bins, stub, n, concurrency, prefix):
    """The stub's own accept rate for n creates at this concurrency: loadgen's JSON line."""
    p = subprocess.run([bins.loadgen, '--url', stub.url, '-n', str(n), '-c', str(concurrency),
                        '--prefix', prefix, '--quiet'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise BenchError('loadgen: %s %s' % (p.stdout.strip(), p.stderr.strip()))
    return json.loads(p.stdout)


# --- the daemon ---------------------------------------------------------------

def write_config(path, stub, max_inflight=64, rate_limit=100000):
    with open(path, 'w') as f:
        f.write('admin:\n  endpoint: %s\n  insecure: true\n'
                'scheduler:\n  maxInflight: %d\n  rateLimit: %d\n  metrics: ""\n'
                % (stub.url, max_inflight, rate_limit))
    return path


class Daemon:
    """schedd --config FILE --db PATH, ready when it sends READY=1 to $NOTIFY_SOCKET."""

    def __init__(self, bins, work, config, db, tag='schedd', wrap=None, ready_timeout=120):
        self.errpath = work.file(tag + '.stderr')
        sock_path = work.file(tag + '.notify')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(sock_path)
        self.started = time.time()
        cmd = (wrap or []) + [bins.schedd, '--config', config, '--db', db]
        with open(self.errpath, 'w') as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         env=clean_env({'NOTIFY_SOCKET': sock_path}))
        self.pid = self.proc.pid if not wrap else self._child_pid()
        self.ready_at = self._wait_ready(ready_timeout)

    def _child_pid(self):
        """schedd's pid under a wrapper (strace): the wrapper's child running schedd."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open('/proc/%d/task/%d/children' % (self.proc.pid, self.proc.pid)) as f:
                    kids = f.read().split()
            except OSError:
                kids = []
            for k in kids:
                try:
                    with open('/proc/%s/comm' % k) as f:
                        if f.read().strip() == 'schedd':
                            return int(k)
                except OSError:
                    pass
            time.sleep(0.01)
        raise BenchError('schedd did not start under %s' % self.proc.args[0])

    def _wait_ready(self, timeout):
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.sock.recv(4096).decode(errors='replace')
            except socket.timeout:
                if self.proc.poll() is not None:
                    raise BenchError('schedd exited %d before READY: %s'
                                     % (self.proc.returncode, self.stderr()))
                continue
            if 'READY=1' in msg.split('\n'):
                return time.time()
        raise BenchError('schedd sent no READY=1 within %d s: %s' % (timeout, self.stderr()))

    def stderr(self):
        try:
            with open(self.errpath) as f:
                return f.read()[-3000:]
        except OSError:
            return ''

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise BenchError('schedd exited %d: %s' % (self.proc.returncode, self.stderr()))

    def cpu_s(self):
        """utime + stime so far, seconds (/proc/PID/stat fields 14 and 15)."""
        with open('/proc/%d/stat' % self.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kb(self):
        with open('/proc/%d/status' % self.pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return 0

    def stop(self):
        """SIGTERM; SIGKILL after 30 s (SPEC: exit within 10 s)."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.sock.close()


# --- fsync counting -----------------------------------------------------------

class FsyncCounter:
    """fsync + fdatasync calls of one process, by the kernel's syscall tracepoints.

    `perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p PID`
    counts in the kernel, without stopping the process (unlike ptrace), so the
    daemon runs at full speed while counted. Needs perf and tracefs (root).
    """

    EVENTS = 'syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync'

    @staticmethod
    def available():
        if shutil.which('perf') is None:
            return False
        p = subprocess.run(['perf', 'stat', '-x,', '-e', FsyncCounter.EVENTS, '--', 'true'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        return p.returncode == 0 and 'sys_enter_fsync' in p.stderr

    def __init__(self, work, pid):
        self.out = work.file('fsync.%d.csv' % pid)
        self.proc = subprocess.Popen(['perf', 'stat', '-x,', '-o', self.out, '-e', self.EVENTS,
                                      '-p', str(pid)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)   # attached before the burst starts

    def stop(self):
        """The count since attach."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        total = 0
        with open(self.out) as f:
            for line in f:
                parts = line.strip().split(',')
                if len(parts) > 2 and parts[2].startswith('syscalls:sys_enter_f'):
                    if not parts[0].strip().isdigit():
                        raise BenchError('perf stat could not count %s: %s' % (parts[2], line))
                    total += int(parts[0])
        return total


# --- waiting and the table ----------------------------------------------------

def wait_for(what, cond, timeout, interval=0.2, daemon=None):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if daemon is not None:
            daemon.check_alive()
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def fmt_ms(s):
    return '%.0f ms' % (s * 1000) if s is not None else 'n/a'


def ratio(value, goal):
    if value is None or goal in (None, 0):
        return ''
    return '%.2fx' % (value / goal)


def table(rows):
    """Markdown: measure | value | goal | ratio to goal."""
    out = ['| measure | value | goal | ratio to goal |', '| --- | ---: | ---: | ---: |']
    for r in rows:
        out.append('| %s | %s | %s | %s |' % tuple((list(r) + ['', '', ''])[:4]))
    print('\n'.join(out))
    sys.stdout.flush()
