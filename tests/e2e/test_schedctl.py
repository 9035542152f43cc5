#!/usr/bin/python3
"""End-to-end tests of schedctl: run the binary, assert exact stdout, stderr,
exit code and the rows it leaves in the database.

usage: /usr/bin/python3 tests/e2e/test_schedctl.py BUILD/schedctl [unittest args]

Stdlib only. Each test has its own temporary directory and database, and sets
SCHEDD_NOW so every time is deterministic. Tests marked "# Regression:"
failed against an earlier schedctl and pass since its fix.

Usage errors are one line on stderr, "schedctl: CMD: WHAT (see schedctl CMD
--help)", exit 64; --help prints the full help on stdout, exit 0.
"""

import glob
import json
import os
import socket
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_schedd import execution_name, schedules_digest, ts  # noqa: E402

SCHEDCTL = None  # set from argv in main
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          os.pardir, os.pardir, 'schema')
# The schema version this schedctl writes: one per schema/NNN_*.sql migration.
SCHEMA_VERSION = len(glob.glob(os.path.join(SCHEMA_DIR, '[0-9][0-9][0-9]_*.sql')))
ZONEINFO = '/usr/share/zoneinfo'
OS_USER = pwd.getpwuid(os.geteuid()).pw_name

NOW = '2026-11-26T01:00:00Z'
LATER = '2026-11-26T02:00:00Z'
EVEN_LATER = '2026-11-26T03:00:00Z'

COMMANDS = ['add', 'update', 'remove', 'pause', 'resume', 'repin', 'list',
            'show', 'history', 'trigger', 'backfill', 'apply', 'export',
            'import', 'status', 'next']

USAGE = """\
usage: schedctl [--db PATH] [--config FILE] [--offline] [-o table|json|yaml] COMMAND [ARGS]
       schedctl --version

commands:
  add        add a schedule
  update     change fields of a schedule
  remove     remove schedules (by name or --selector)
  pause      stop firing schedules until resumed
  resume     fire paused schedules again, from now on
  repin      move pinned schedules of a launch plan to a version
  list       list schedules (optionally by --selector)
  show       show a schedule, its next fires and last runs
  history    show runs, newest first
  trigger    fire a schedule once, now
  backfill   fire a schedule's instants in a past range
  apply      make the schedules match a YAML or JSON file
  export     write schedules as a file apply reads back
  import     turn launch plans' native schedules into schedules
  status     daemon liveness, pending, late and failing schedules
  next       print the next fire instants of a cron expression

Run 'schedctl COMMAND --help' for a command's options and examples.
The config is --config FILE, else /etc/schedd/config.yaml when it exists
(flytectl-style YAML, as schedd reads it). The database is --db, else
$SCHEDD_DB, else the config's scheduler.db, else /var/lib/schedd/schedd.db.
add, update, apply, repin and import check each schedule against Flyte
Admin when the config names admin.endpoint; --offline skips the check
(for CI without Admin).
"""

# A byte that is not UTF-8, as a str that os.fsencode turns into b'\xff'.
BAD_BYTE = b'\xff'.decode('utf-8', 'surrogateescape')
RANGE = 'number out of range (a double holds up to about 1.8e308)'
NUL = '\\u0000 (NUL) in a string: text cannot hold it'

SCHEDULE_COLUMNS = [
    'id', 'name', 'project', 'domain', 'launch_plan', 'version', 'cron', 'tz',
    'inputs', 'kickoff_input', 'labels', 'annotations', 'service_account',
    'catchup', 'catchup_window', 'overlap', 'paused', 'note', 'created_at',
    'updated_at', 'active_since']

# The seed example: one of the forty per-site schedules.
SEED_ARGS = ['add', 'data_sync_site_a',
             '--lp', 'flytesnacks/development/data_sync_wf',
             '--cron', '0 */6 * * *', '--tz', 'Asia/Shanghai',
             '--input', 'site_id=site_a', '--input', 'since={{kickoff_time}}',
             '--label', 'team=data', '--label', 'site=site_a']
SEED_NEXT3 = ['2026-11-26T12:00:00+08:00', '2026-11-26T18:00:00+08:00',
              '2026-11-27T00:00:00+08:00']
SEED_NEXT5 = SEED_NEXT3 + ['2026-11-27T06:00:00+08:00',
                           '2026-11-27T12:00:00+08:00']

# SPEC section 4's matrix example, verbatim.
MATRIX_YAML = """\
schedules:
  - name: "data_sync_{site_id}"
    lp: flytesnacks/development/data_sync_wf
    cron: "0 */6 * * *"
    tz: Asia/Shanghai
    inputs: {site_id: "{site_id}", since: "{{kickoff_time}}"}
    labels: {team: data, site: "{site_id}"}
    matrix: {site_id: [site_a, site_b, site_c]}
"""


def row_tuple(name, project='p', domain='d', launch_plan='l', version=None,
              cron='0 * * * *', tz='UTC', inputs='{}', kickoff_input=None,
              labels='{}', annotations='{}', service_account=None,
              catchup='latest', catchup_window=3600, overlap='allow', paused=0,
              note=None, created_at=NOW, updated_at=None, active_since=None,
              id=None):
    """A schedules row as sqlite3 returns it (columns in SCHEDULE_COLUMNS order)."""
    return (id, name, project, domain, launch_plan, version, cron, tz, inputs,
            kickoff_input, labels, annotations, service_account, catchup,
            catchup_window, overlap, paused, note, created_at,
            updated_at or created_at, active_since or created_at)


def schedule_doc(name, project='p', domain='d', launch_plan='l', version=None,
                 cron='0 * * * *', tz='UTC', inputs=None, kickoff_input=None,
                 labels=None, annotations=None, service_account=None,
                 catchup='latest', catchup_window_seconds=3600,
                 overlap='allow', paused=False, note=None, created_at=NOW,
                 updated_at=None, active_since=None, source=None, **extra):
    """A schedule's JSON document (changes.before/after, -o json output)."""
    doc = {
        'name': name, 'project': project, 'domain': domain,
        'launch_plan': launch_plan, 'version': version, 'cron': cron,
        'tz': tz, 'inputs': inputs or {}, 'kickoff_input': kickoff_input,
        'labels': labels or {}, 'annotations': annotations or {},
        'service_account': service_account, 'catchup': catchup,
        'catchup_window_seconds': catchup_window_seconds, 'overlap': overlap,
        'paused': paused, 'note': note, 'created_at': created_at,
        'updated_at': updated_at or created_at,
        'active_since': active_since or created_at, 'source': source,
    }
    doc.update(extra)
    return doc


SEED_ROW = row_tuple(
    'data_sync_site_a', id=1, project='flytesnacks', domain='development',
    launch_plan='data_sync_wf', cron='0 */6 * * *', tz='Asia/Shanghai',
    inputs='{"site_id":"site_a","since":"{{kickoff_time}}"}',
    labels='{"team":"data","site":"site_a"}')
SEED_DOC = schedule_doc(
    'data_sync_site_a', project='flytesnacks', domain='development',
    launch_plan='data_sync_wf', cron='0 */6 * * *', tz='Asia/Shanghai',
    inputs={'site_id': 'site_a', 'since': '{{kickoff_time}}'},
    labels={'team': 'data', 'site': 'site_a'})


def list_line(name, lp, cron, tz, state, nxt, source='-'):
    return '%-32s %-44s %-16s %-20s %-7s %-25s %s\n' % (name, lp, cron, tz, state,
                                                       nxt, source)


LIST_HEADER = list_line('NAME', 'LAUNCH PLAN', 'CRON', 'TZ', 'STATE', 'NEXT',
                        'SOURCE')


def run_line(at, schedule, kind, state, execution, http, tries, phase, error):
    """A history line: the columns padded, no trailing spaces."""
    return ('%-21s %-32s %-9s %-8s %-21s %-4s %-3s %-10s %s' % (
        at, schedule, kind, state, execution, http, tries, phase,
        error)).rstrip(' ') + '\n'


RUN_HEADER = run_line('SCHEDULED', 'SCHEDULE', 'KIND', 'STATE', 'EXECUTION',
                      'HTTP', 'TRY', 'PHASE', 'ERROR')


class SchedctlTest(unittest.TestCase):
    """Per-test temp dir and database; helpers to run schedctl and read rows."""

    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='schedctl-e2e-')
        os.chmod(self.dir, 0o755)  # the read-only test runs as another user
        self.db = os.path.join(self.dir, 'schedd.db')
        self.env = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'LC_ALL': 'C',
            'SCHEDD_DB': self.db,
            'SCHEDD_NOW': NOW,
            'TZDIR': ZONEINFO,
        }
        for key in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'):
            if key in os.environ:
                self.env[key] = os.environ[key]

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- running schedctl ---

    def run_ctl(self, *args, now=None, env=None, prefix=(), stdin=None):
        e = dict(self.env)
        if now is not None:
            e['SCHEDD_NOW'] = now
        if env:
            for k, v in env.items():
                if v is None:
                    e.pop(k, None)
                else:
                    e[k] = v
        p = subprocess.run(list(prefix) + [SCHEDCTL] + list(args), env=e,
                           cwd=self.dir, input=stdin, capture_output=True,
                           timeout=60)
        return (p.returncode, p.stdout.decode('utf-8'),
                p.stderr.decode('utf-8'))

    def check(self, args, code=0, out='', err='', **kw):
        """Run schedctl and assert exact exit code, stdout and stderr."""
        rc, o, e = self.run_ctl(*args, **kw)
        self.assertEqual((rc, o, e), (code, out, err),
                         'schedctl ' + ' '.join(args))
        return o

    def check_json(self, args, doc, **kw):
        """Run schedctl -o json ...: exit 0, empty stderr, stdout one JSON document."""
        rc, o, e = self.run_ctl('-o', 'json', *args, **kw)
        self.assertEqual((rc, e), (0, ''), 'schedctl -o json ' + ' '.join(args))
        self.assertTrue(o.endswith('\n') and o.count('\n') == 1 or
                        args[0] == 'export', o)
        self.assertEqual(json.loads(o), doc)
        return o

    def fail_msg(self, args, code, err, **kw):
        """A failing command: exact code and one-line stderr, nothing on stdout."""
        return self.check(args, code, '', 'schedctl: ' + err + '\n', **kw)

    def usage_error(self, args, what, cmd=None, **kw):
        """A usage error of cmd (default args[0]): one line naming it, exit 64."""
        cmd = cmd or args[0]
        return self.fail_msg(args, 64, '%s: %s (see schedctl %s --help)' %
                             (cmd, what, cmd), **kw)

    def add_seed(self):
        self.check(SEED_ARGS, 0, 'added data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3))

    def add(self, name, *extra, now=None, lp='p/d/l', cron='0 * * * *'):
        rc, o, e = self.run_ctl('add', name, '--lp', lp, '--cron', cron,
                                *extra, now=now)
        self.assertEqual((rc, e), (0, ''), o)

    def digest(self):
        """The schedules' digest, as status shows it."""
        return schedules_digest(self.db)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    # --- the database ---

    def query(self, sql, params=(), db=None):
        con = sqlite3.connect(db or self.db)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def execute(self, sql, params=(), db=None):
        con = sqlite3.connect(db or self.db)
        try:
            con.execute(sql, params)
            con.commit()
        finally:
            con.close()

    def schedules(self, db=None):
        return self.query('SELECT %s FROM schedules ORDER BY id' %
                          ', '.join(SCHEDULE_COLUMNS), db=db)

    def changes(self, db=None):
        """changes rows with before/after parsed."""
        return [(i, at, user, cmd, name,
                 None if b is None else json.loads(b),
                 None if a is None else json.loads(a))
                for (i, at, user, cmd, name, b, a) in self.query(
                    'SELECT id, at, os_user, command, schedule_name, before, '
                    'after FROM changes ORDER BY id', db=db)]

    def count(self, table, db=None):
        return self.query('SELECT count(*) FROM %s' % table, db=db)[0][0]

    def runs(self, db=None):
        return self.query('SELECT schedule_id, schedule_name, scheduled_at, '
                          'kind, state, execution_name, http_status, error, '
                          'attempts, recorded_at, sent_at, finished_at, phase '
                          'FROM runs ORDER BY id', db=db)

    def insert_run(self, name, scheduled_at, state, kind='scheduled',
                   execution_name=None, http_status=None, error=None,
                   attempts=0, sent_at=None, phase=None):
        self.execute(
            'INSERT INTO runs (schedule_id, schedule_name, scheduled_at, kind, '
            'state, execution_name, http_status, error, attempts, recorded_at, '
            'sent_at, finished_at, phase) VALUES ((SELECT id FROM schedules '
            'WHERE name = ?1), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?2, ?9, '
            'CASE WHEN ?4 = \'pending\' THEN NULL ELSE ?9 END, ?10)',
            (name, scheduled_at, kind, state, execution_name, http_status,
             error, attempts, sent_at, phase))

    def snapshot(self, path=None):
        """The bytes of the database and its WAL files (None: absent)."""
        path = path or self.db
        snap = {}
        for suffix in ('', '-wal', '-shm', '-journal'):
            try:
                with open(path + suffix, 'rb') as f:
                    snap[suffix] = f.read()
            except FileNotFoundError:
                snap[suffix] = None
        return snap

    def assertUnchanged(self, before, path=None, msg=None):
        after = self.snapshot(path)
        for suffix in before:
            self.assertTrue(before[suffix] == after[suffix],
                            'database%s changed: %s' % (suffix, msg))


# --------------------------------------------------------------------------
# the command line itself


class TestCommandLine(SchedctlTest):

    def test_no_args_is_one_line_and_exits_64(self):
        self.fail_msg([], 64, 'no command given (see schedctl --help)')
        # Global options alone are no command either.
        self.fail_msg(['-o', 'json'], 64, 'no command given (see schedctl --help)')
        self.assertFalse(os.path.exists(self.db))

    def test_help(self):
        self.check(['--help'], 0, USAGE)
        self.check(['-h'], 0, USAGE)

    def test_unknown_command(self):
        self.fail_msg(['bogus'], 64, 'unknown command "bogus"; run schedctl --help')

    def test_unknown_global_option(self):
        for args, word in ((['--bogus', 'list'], '--bogus'), (['-x', 'list'], '-x'),
                           (['--db'], '--db'), (['-o'], '-o')):
            with self.subTest(args=args):
                self.fail_msg(args, 64, 'unknown option or missing value: %s '
                              '(see schedctl --help)' % word)
        self.assertFalse(os.path.exists(self.db))

    def test_every_command_has_help_with_examples(self):
        for cmd in COMMANDS:
            for flag in ('--help', '-h'):
                with self.subTest(cmd=cmd, flag=flag):
                    rc, o, e = self.run_ctl(cmd, flag)
                    self.assertEqual((rc, e), (0, ''))
                    self.assertTrue(o.startswith('usage: schedctl %s' % cmd), o)
                    self.assertIn('\nexamples:\n', o)
                    self.assertIn('  schedctl %s' % cmd, o)
        # add and update have their own help: update's --lp and --cron are optional.
        self.assertTrue(self.run_ctl('add', '--help')[1].startswith(
            'usage: schedctl add NAME --lp PROJECT/DOMAIN/LAUNCHPLAN[@VERSION] '
            '--cron EXPR\n'))
        rc, o, e = self.run_ctl('update', '--help')
        self.assertEqual((rc, e), (0, ''))
        self.assertTrue(o.startswith(
            'usage: schedctl update NAME [--lp PROJECT/DOMAIN/LAUNCHPLAN[@VERSION]] '
            '[--cron EXPR]\n'), o)
        self.assertIn('\nChange fields of an existing schedule;', o)
        self.assertNotIn('schedctl add', o)
        # --help wins over a usage error after it, and the global -h too.
        self.assertEqual(self.run_ctl('add', '--help', 'a', 'b'), (0, self.run_ctl(
            'add', '-h')[1], ''))
        self.assertEqual(self.run_ctl('-h', 'list'), (0, USAGE, ''))
        # Help never touches the database.
        self.assertFalse(os.path.exists(self.db))

    def test_bad_output_format(self):
        self.fail_msg(['-o', 'xml', 'list'], 64, '-o: "xml" is not table, json or yaml')
        self.fail_msg(['list', '-o', 'JSON'], 64, '-o: "JSON" is not table, json or yaml')

    def test_version(self):
        # One line, the version CMakeLists.txt's project() gives.
        with open(os.path.join(SCHEMA_DIR, os.pardir, 'CMakeLists.txt')) as f:
            version = re.search(r'project\(schedd VERSION ([0-9.]+)', f.read()).group(1)
        self.check(['--version'], 0, 'schedctl %s\n' % version)
        self.check(['--db', '/nonexistent/x.db', '--version'], 0,
                   'schedctl %s\n' % version)
        # It is global only: after a command it is an unknown option.
        self.usage_error(['list', '--version'],
                         'unknown option or missing value: --version')
        self.assertFalse(os.path.exists(self.db))

    def test_bad_schedd_now(self):
        self.fail_msg(['next', '* * * * *'], 64, 'SCHEDD_NOW: "garbage" is not an '
                      'RFC 3339 time like 2026-11-26T06:00:00Z', now='garbage')

    def test_db_option_overrides_environment(self):
        other = os.path.join(self.dir, 'other.db')
        self.check(['--db', other, 'add', 'x', '--lp', 'p/d/l', '--cron',
                    '0 0 * * *'], 0,
                   'added x; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n')
        self.assertFalse(os.path.exists(self.db))
        self.assertEqual([r[1] for r in self.schedules(db=other)], ['x'])
        # The option also works after the command.
        self.check(['list', '--db', other], 0, LIST_HEADER +
                   list_line('x', 'p/d/l', '0 0 * * *', 'UTC', 'active',
                             '2026-11-27T00:00:00Z'))

    def test_config_missing_is_66_and_writes_nothing(self):
        missing = os.path.join(self.dir, 'nope.yaml')
        for args in (['--config', missing, 'list'],
                     ['add', 'x', '--lp', 'p/d/l', '--cron', '@daily',
                      '--config', missing]):
            self.fail_msg(args, 66, 'config: %s: No such file or directory'
                          % missing)
        self.assertFalse(os.path.exists(self.db))

    def test_config_unreadable_is_66(self):
        if os.geteuid() == 0:
            self.skipTest('root reads any file')
        path = self.write('config.yaml', 'scheduler:\n  db: /x.db\n')
        os.chmod(path, 0)
        self.fail_msg(['--config', path, 'list'], 66,
                      'config: %s: Permission denied' % path)

    def test_config_bad_is_one_line(self):
        path = self.write('config.yaml', 'scheduler:\n  db: [1, 2]\n')
        rc, o, e = self.run_ctl('--config', path, 'list')
        self.assertEqual((rc, o, e.count('\n')), (78, '', 1), e)
        self.assertTrue(e.startswith('schedctl: config: '), e)

    def test_config_scheduler_db_is_used(self):
        other = os.path.join(self.dir, 'from-config.db')
        path = self.write('config.yaml', 'scheduler:\n  db: %s\n' % other)
        # $SCHEDD_DB wins over the config, --db over both.
        self.add('by_env')
        self.check(['--config', path, 'add', 'by_config', '--lp', 'p/d/l',
                    '--cron', '0 0 * * *'], 0,
                   'added by_config; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n',
                   env={'SCHEDD_DB': None})
        self.assertEqual([r[1] for r in self.schedules(db=other)],
                         ['by_config'])
        self.assertEqual([r[1] for r in self.schedules()], ['by_env'])
        rc, o, e = self.run_ctl('--config', path, 'list')
        self.assertEqual((rc, e), (0, ''))
        self.assertIn('by_env', o)
        third = os.path.join(self.dir, 'third.db')
        rc, o, e = self.run_ctl('--config', path, '--db', third, 'add', 'x',
                                '--lp', 'p/d/l', '--cron', '@daily')
        self.assertEqual((rc, e), (0, ''))
        self.assertEqual([r[1] for r in self.schedules(db=third)], ['x'])

    def test_unknown_option_message_names_schedctl(self):
        self.add_seed()
        for args, what in (
                (['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *', '--bogus'],
                 'unknown option or missing value: --bogus'),
                (['update', 'data_sync_site_a', '--bogus'],
                 'unknown option or missing value: --bogus'),
                (['add', 'x', '--cron', '0 * * * *', '--lp'],
                 'unknown option or missing value: --lp'),
                (['list', '-x'], 'unknown option or missing value: -x'),
                (['history', '--limit'], 'unknown option or missing value: --limit'),
                (['next', '* * * * *', '-n'], 'unknown option or missing value: -n'),
                (['backfill', 'data_sync_site_a', '--to'],
                 'unknown option or missing value: --to'),
                (['resume', 'data_sync_site_a', '--note', 'hi'], '--note is for pause'),
                (['remove', 'data_sync_site_a', '--note', 'hi'], '--note is for pause'),
                (['remove', '--note', 'hi', '--selector', 'team=data'],
                 '--note is for pause')):
            with self.subTest(args=args):
                before = self.snapshot()
                self.usage_error(args, what)
                self.assertUnchanged(before)
        self.assertEqual(self.schedules(), [SEED_ROW])

    def test_unknown_option_in_a_cluster_is_named(self):
        # Regression: an unknown short option followed by others in the same word
        # ("-Zq") is reported with the word before it: "list: unknown option
        # or missing value: list" (and "schedctl -Zq list" names the path of
        # the binary). ctl_getopt and main print argv[optind - 1], which is the
        # unknown option only when it ends its word; the option is optopt.
        self.usage_error(['list', '-Zq'], 'unknown option or missing value: -Z')
        self.fail_msg(['-Zq', 'list'], 64, 'unknown option or missing value: -Z '
                      '(see schedctl --help)')


# --------------------------------------------------------------------------
# add, update


class TestAdd(SchedctlTest):

    def test_seed_example(self):
        self.add_seed()
        self.assertEqual(self.schedules(), [SEED_ROW])
        self.assertEqual(self.changes(),
                         [(1, NOW, OS_USER, 'add', 'data_sync_site_a', None,
                           SEED_DOC)])
        self.assertEqual(self.count('runs'), 0)
        self.assertEqual(self.query('PRAGMA user_version'), [(SCHEMA_VERSION,)])
        self.assertEqual(self.query('PRAGMA journal_mode'), [('wal',)])

    def test_seed_example_json(self):
        self.check_json(SEED_ARGS, dict(SEED_DOC, next=SEED_NEXT3))
        self.assertEqual(self.schedules(), [SEED_ROW])

    def test_every_option(self):
        inputs_file = self.write('inputs.json', '{"a": 1, "b": "x"}')
        out = self.check(
            ['add', 'weekly', '--lp', 'proj/dom/lp_name@v7', '--cron', '15 3 * * 1',
             '--tz', 'Europe/Paris', '--inputs', '@' + inputs_file,
             '--input', 'n=3', '--input', 'f=true', '--input', 's=abc',
             '--input', 'q="q"', '--input', 'o={"k":[1,2]}',
             '--input', 'd={{kickoff_time:%Y-%m-%d}}',
             '--input', 'who={{schedule_name}}', '--kickoff-input', 'kickoff',
             '--label', 'team=data', '--label', 'example.com/tier=gold',
             '--annotation', 'owner=Jane Doe', '--service-account', 'sched-runner',
             '--catchup', 'all', '--catchup-window', '1h30m', '--overlap', 'skip',
             '--note', 'weekly job'], 0,
            'added weekly; next fires:\n  2026-11-30T03:15:00+01:00\n'
            '  2026-12-07T03:15:00+01:00\n  2026-12-14T03:15:00+01:00\n')
        self.assertEqual(self.schedules(), [row_tuple(
            'weekly', id=1, project='proj', domain='dom', launch_plan='lp_name',
            version='v7', cron='15 3 * * 1', tz='Europe/Paris',
            inputs='{"a":1,"b":"x","n":3,"f":true,"s":"abc","q":"q",'
                   '"o":{"k":[1,2]},"d":"{{kickoff_time:%Y-%m-%d}}",'
                   '"who":"{{schedule_name}}"}',
            kickoff_input='kickoff',
            labels='{"team":"data","example.com/tier":"gold"}',
            annotations='{"owner":"Jane Doe"}', service_account='sched-runner',
            catchup='all', catchup_window=5400, overlap='skip', note='weekly job')])

    def test_paused_shows_no_fires(self):
        self.check(['add', 'held', '--lp', 'p/d/l@v1', '--cron', '0 0 * * *',
                    '--paused', '--note', 'hi'], 0,
                   'added held; next fires:\n  none: paused\n')
        self.assertEqual(self.schedules(), [row_tuple(
            'held', id=1, version='v1', cron='0 0 * * *', paused=1, note='hi')])

    def test_paused_json(self):
        self.check_json(['add', 'held', '--lp', 'p/d/l@v1', '--cron',
                         '0 0 * * *', '--paused', '--note', 'hi'],
                        schedule_doc('held', version='v1', cron='0 0 * * *',
                                     paused=True, note='hi', next=[]))

    def test_name_of_128_characters(self):
        name = 'n' * 128
        self.check(['add', name, '--lp', 'p/d/l', '--cron', '0 0 * * *'], 0,
                   'added %s; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n' % name)
        self.assertEqual(self.query('SELECT name FROM schedules'), [(name,)])

    def test_tzdir_is_used(self):
        empty = os.path.join(self.dir, 'zoneinfo')
        os.mkdir(empty)
        self.fail_msg(SEED_ARGS, 65, 'unknown time zone "Asia/Shanghai"',
                      env={'TZDIR': empty})
        self.assertFalse(os.path.exists(self.db))

    def test_catchup_window_zero(self):
        # A window of 0 is accepted from add and update, as from a file.
        self.check(['add', 'w', '--lp', 'p/d/l', '--cron', '0 0 * * *',
                    '--catchup-window', '0s'], 0,
                   'added w; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n')
        self.assertEqual(self.query('SELECT catchup_window FROM schedules'), [(0,)])
        self.check(['update', 'w', '--catchup-window', '2h'], 0,
                   'updated w; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n', now=LATER)
        self.check(['update', 'w', '--catchup-window', '0m'], 0,
                   'updated w; next fires:\n  2026-11-27T00:00:00Z\n'
                   '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n', now=EVEN_LATER)
        self.assertEqual(self.query('SELECT catchup_window, updated_at FROM schedules'),
                         [(0, EVEN_LATER)])

    BIG = ('numbers of 16 digits or more cannot be kept exactly; '
           'write it as a string ("...")')

    def test_big_integer_input_refused(self):
        # JSON numbers are doubles and cJSON prints 15 significant digits, so
        # a number of 16 digits or more would be stored changed: it is refused
        # before the database is created; as a string it is kept exactly.
        for extra in (['--input', 'n=12345678901234567'],
                      ['--inputs', '{"n": 12345678901234567}'],
                      ['--input', 'n=-12345678901234567'],
                      ['--input', 'n=9007199254740993'],
                      ['--input', 'n=1000000000000000']):
            with self.subTest(extra=extra):
                self.fail_msg(['add', 'big', '--lp', 'p/d/l', '--cron', '0 * * * *']
                              + extra, 65, 'input n: ' + self.BIG)
                self.assertEqual(os.listdir(self.dir), [])
        # Nested values are named by their top-level input.
        self.fail_msg(['add', 'big', '--lp', 'p/d/l', '--cron', '0 * * * *', '--inputs',
                       '{"a": {"b": [1, 123456789012345678]}}'], 65, 'input a: ' + self.BIG)
        self.fail_msg(['add', 'big', '--lp', 'p/d/l', '--cron', '0 * * * *', '--input',
                       'x=1e300'], 65, 'input x: ' + self.BIG)
        self.assertEqual(os.listdir(self.dir), [])
        self.add('big', '--input', 'n="12345678901234567"')
        self.assertEqual(self.query('SELECT inputs FROM schedules'),
                         [('{"n":"12345678901234567"}',)])

    def test_integers_up_to_15_digits_kept_exactly(self):
        self.add('a', '--input', 'n=999999999999999', '--input', 'm=-999999999999999',
                 '--input', 'k=123456789012345')
        self.assertEqual(self.query('SELECT inputs FROM schedules'),
                         [('{"n":999999999999999,"m":-999999999999999,'
                           '"k":123456789012345}',)])

    def test_input_value_that_is_not_json_is_a_string(self):
        # --input VALUE is JSON only when the whole of it is JSON.
        self.add('s', '--input', 'k=12abc', '--input', 'n=12', '--input', 'a=[1',
                 '--input', 'b=true x', '--input', 'e=', '--input', 'o={"x":1}')
        self.assertEqual(self.query('SELECT inputs FROM schedules'),
                         [('{"k":"12abc","n":12,"a":"[1","b":"true x","e":"",'
                           '"o":{"x":1}}',)])

    def test_input_value_keeps_its_text(self):
        # Regression: --input VALUE was JSON whenever cJSON took it, so
        # site_id=001 was stored as the integer 1 (and 1. as 1). VALUE is
        # JSON only when it is valid strict JSON; else it is kept as text.
        self.add('ids', '--input', 'site_id=001', '--input', 'code=00123',
                 '--input', 'neg=-007', '--input', 'dot=1.', '--input', 'plus=+1',
                 '--input', 'hex=0x10', '--input', 'lead=.5', '--input', 'n=12',
                 '--input', 'f=1.5', '--input', 'e=1e3', '--input', 'z=0',
                 '--input', 'o={"id":007}', '--input', 'l=[1,2]')
        self.assertEqual(self.query('SELECT inputs FROM schedules'),
                         [('{"site_id":"001","code":"00123","neg":"-007","dot":"1.",'
                           '"plus":"+1","hex":"0x10","lead":".5","n":12,"f":1.5,'
                           '"e":1000,"z":0,"o":"{\\"id\\":007}","l":[1,2]}',)])

    def test_service_account_names(self):
        self.add('sa1', '--service-account', 'flyte.data-sa')
        self.add('sa2', '--service-account', '.'.join(['a' * 63] * 4)[:253])
        self.assertEqual([len(r[0]) for r in self.query(
            'SELECT service_account FROM schedules ORDER BY id')], [13, 253])

    def test_service_account_of_64_characters(self):
        # Regression: a service account is checked as a label-key prefix, each
        # dot-separated part at most 63 characters; a Kubernetes service
        # account name is a DNS-1123 subdomain (lowercase [a-z0-9.-],
        # alphanumeric ends, at most 253, no limit per part), which is what
        # the message itself states, so a valid 64-character name is refused
        # with a message it satisfies.
        rc, o, e = self.run_ctl('add', 'sa', '--lp', 'p/d/l', '--cron', '0 * * * *',
                                '--service-account', 's' * 64)
        self.assertEqual((rc, e), (0, ''), o)
        self.assertEqual(self.query('SELECT service_account FROM schedules'),
                         [('s' * 64,)])

    def test_kickoff_input_names(self):
        # The duplicate check is case-sensitive, as Flyte input names are.
        self.add('k1', '--kickoff-input', 'since', '--input', 'Since=x')
        self.add('k2', '--kickoff-input', '_run_at', '--input', 'run_at=x')
        self.assertEqual(self.query('SELECT name, kickoff_input, inputs FROM schedules '
                                    'ORDER BY id'),
                         [('k1', 'since', '{"Since":"x"}'),
                          ('k2', '_run_at', '{"run_at":"x"}')])


class TestBadInput(SchedctlTest):
    """Each class of bad input: exact message and code, database byte-identical."""

    def setUp(self):
        super().setUp()
        self.add_seed()

    def cases(self):
        base = ['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *']
        missing = os.path.join(self.dir, 'missing.json')
        return [
            # cron
            (['add', 'x', '--lp', 'p/d/l', '--cron', '0 25 * * *'], 65,
             'cron "0 25 * * *": hour 25 out of range 0-23'),
            (['add', 'x', '--lp', 'p/d/l', '--cron', 'bad'], 65,
             'cron "bad": expected 5 or 6 fields, got 1'),
            (['add', 'x', '--lp', 'p/d/l', '--cron', '0 0 30 2 *'], 65,
             'cron "0 0 30 2 *": never fires: 0 0 30 2 *'),
            (['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *\n0 1 * * *'], 65,
             'cron must be one line'),
            (['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *\r'], 65,
             'cron must be one line'),
            # zone
            (base + ['--tz', 'Mars/Base'], 65, 'unknown time zone "Mars/Base"'),
            # JSON inputs
            (base + ['--inputs', '{bad'], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', '{"a": 1} x'], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', '{}}'], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', ''], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', '[1, 2]'], 65, '--inputs: not a JSON object'),
            (base + ['--inputs', '"text"'], 65, '--inputs: not a JSON object'),
            (base + ['--inputs', 'null'], 65, '--inputs: not a JSON object'),
            (base + ['--input', 'n=12345678901234567'], 65,
             'input n: numbers of 16 digits or more cannot be kept exactly; '
             'write it as a string ("...")'),
            (base + ['--inputs', '@' + missing], 66,
             '--inputs: cannot read ' + missing),
            (base + ['--input', 'novalue'], 65, '--input: "novalue" is not KEY=VALUE'),
            (base + ['--input', '=v'], 65, '--input: "=v" is not KEY=VALUE'),
            # names
            (['add', 'a b', '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
             'name "a b" must match ^[A-Za-z0-9_.-]{1,128}$'),
            (['add', 'n' * 129, '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
             'name "%s" must match ^[A-Za-z0-9_.-]{1,128}$' % ('n' * 129)),
            (['add', 'a/b', '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
             'name "a/b" must match ^[A-Za-z0-9_.-]{1,128}$'),
            # labels and annotations
            (base + ['--label', 'Bad Key=x'], 65,
             'labels: key "Bad Key" is not a valid Kubernetes label key'),
            (base + ['--label', 'Example.com/tier=x'], 65,
             'labels: key "Example.com/tier" is not a valid Kubernetes label key'),
            (base + ['--label', 'k' * 64 + '=x'], 65,
             'labels: key "%s" is not a valid Kubernetes label key' % ('k' * 64)),
            (base + ['--label', 'k=-bad'], 65,
             'labels: value "-bad" of "k" is not a valid Kubernetes label value '
             '(at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)'),
            (base + ['--label', 'k=' + 'v' * 64], 65,
             'labels: value "%s" of "k" is not a valid Kubernetes label value '
             '(at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)' % ('v' * 64)),
            (base + ['--label', 'k=a b'], 65,
             'labels: value "a b" of "k" is not a valid Kubernetes label value '
             '(at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)'),
            (base + ['--label', 'novalue'], 65,
             '--label: "novalue" is not KEY=VALUE or KEY-'),
            (base + ['--label', '-'], 65, '--label: "-" is not KEY=VALUE or KEY-'),
            (base + ['--input', 'x-'], 65, '--input: "x-" is not KEY=VALUE'),
            (base + ['--annotation', 'bad key=v'], 65,
             'annotations: key "bad key" is not a valid Kubernetes label key'),
            # a key prefix is a DNS subdomain, checked label by label
            (base + ['--label', 'a..b/team=x'], 65,
             'labels: key "a..b/team" is not a valid Kubernetes label key'),
            (base + ['--label', 'a-.b/team=x'], 65,
             'labels: key "a-.b/team" is not a valid Kubernetes label key'),
            (base + ['--label', 'a.-b/team=x'], 65,
             'labels: key "a.-b/team" is not a valid Kubernetes label key'),
            (base + ['--label', 'Example.com/team=x'], 65,
             'labels: key "Example.com/team" is not a valid Kubernetes label key'),
            (base + ['--annotation', 'ex_ample.com/owner=x'], 65,
             'annotations: key "ex_ample.com/owner" is not a valid Kubernetes label key'),
            # launch plan references
            (['add', 'x', '--lp', 'p/d', '--cron', '0 * * * *'], 65,
             '--lp: launch plan "p/d" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            (['add', 'x', '--lp', 'p/d/l@', '--cron', '0 * * * *'], 65,
             '--lp: launch plan "p/d/l@" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            (['add', 'x', '--lp', 'p/d/l/m', '--cron', '0 * * * *'], 65,
             '--lp: launch plan "p/d/l/m" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            (['add', 'x', '--lp', 'p//l', '--cron', '0 * * * *'], 65,
             '--lp: launch plan "p//l" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            (['add', 'x', '--lp', 'p d/d/l', '--cron', '0 * * * *'], 65,
             '--lp: launch plan "p d/d/l" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            # durations
            (base + ['--catchup-window', '5x'], 65,
             '--catchup-window: "5x" is not a duration like 30m, 2h, 1d (at most 366d)'),
            (base + ['--catchup-window', '367d'], 65,
             '--catchup-window: "367d" is not a duration like 30m, 2h, 1d (at most 366d)'),
            (base + ['--catchup-window', '1.5h'], 65,
             '--catchup-window: "1.5h" is not a duration like 30m, 2h, 1d (at most 366d)'),
            (base + ['--catchup-window', '-1h'], 65,
             '--catchup-window: "-1h" is not a duration like 30m, 2h, 1d (at most 366d)'),
            (base + ['--catchup-window', ''], 65,
             '--catchup-window: "" is not a duration like 30m, 2h, 1d (at most 366d)'),
            # policies
            (base + ['--catchup', 'sometimes'], 65,
             'catchup "sometimes" is not all, latest or none'),
            (base + ['--overlap', 'queue'], 65,
             'overlap "queue" is not allow, skip, buffer-one or cancel-previous'),
            (base + ['--service-account', 'Bad_SA!'], 65,
             'service account "Bad_SA!" is not a Kubernetes name (lowercase '
             '[a-z0-9.-], at most 253)'),
            (base + ['--service-account', 'data_sa'], 65,
             'service account "data_sa" is not a Kubernetes name (lowercase '
             '[a-z0-9.-], at most 253)'),
            (base + ['--service-account', 'sa.-x'], 65,
             'service account "sa.-x" is not a Kubernetes name (lowercase '
             '[a-z0-9.-], at most 253)'),
            # (a message longer than err's 256-byte buffer is cut at 255)
            (base + ['--service-account', 's' * 254], 65,
             ('service account "%s" is not a Kubernetes name (lowercase '
              '[a-z0-9.-], at most 253)' % ('s' * 254))[:255]),
            (base + ['--kickoff-input', 'a-b'], 65,
             'kickoff input "a-b" is not an input name'),
            (base + ['--kickoff-input', '1st'], 65,
             'kickoff input "1st" is not an input name'),
            (base + ['--kickoff-input', ''], 65,
             'kickoff input "" is not an input name'),
            (base + ['--kickoff-input', 'site_id', '--input', 'site_id=1'], 65,
             'kickoff input "site_id" is also given in inputs'),
            # templates
            (base + ['--input', 'x={{kickof}}'], 65,
             'input x: unknown template "{{kickof}}" (use kickoff_time, '
             'prev_kickoff_time or last_success_time|DEFAULT, each with :FORMAT, or '
             'schedule_name)'),
            (base + ['--input', 'x={{kickoff_time'], 65, 'input x: "{{" without "}}"'),
            (base + ['--input', 'since={{last_success_time}}'], 65,
             'input since: "{{last_success_time}}" needs a default for while no run has '
             'succeeded, e.g. {{last_success_time|1970-01-01T00:00:00Z}}'),
            # duplicates and required options
            (['add', 'data_sync_site_a', '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
             'schedule "data_sync_site_a" already exists (use schedctl update)'),
            (['add', 'x', '--lp', 'p/d/l'], 64,
             'add: --lp and --cron are required (see schedctl add --help)'),
            (['add', 'x', '--cron', '0 * * * *'], 64,
             'add: --lp and --cron are required (see schedctl add --help)'),
            # missing schedules
            (['update', 'nope', '--cron', '0 * * * *'], 66, 'no schedule named "nope"'),
            (['remove', 'nope'], 66, 'no schedule named "nope"'),
            (['pause', 'nope'], 66, 'no schedule named "nope"'),
            (['resume', 'nope'], 66, 'no schedule named "nope"'),
            (['show', 'nope'], 66, 'no schedule named "nope"'),
            (['trigger', 'nope'], 66, 'no schedule named "nope"'),
            (['backfill', 'nope', '--from', '2026-11-01T00:00:00Z', '--to',
              '2026-11-02T00:00:00Z'], 66, 'no schedule named "nope"'),
            # update with bad values
            (['update', 'data_sync_site_a', '--cron', '0 25 * * *'], 65,
             'cron "0 25 * * *": hour 25 out of range 0-23'),
            (['update', 'data_sync_site_a', '--tz', 'Mars/Base'], 65,
             'unknown time zone "Mars/Base"'),
            (['update', 'data_sync_site_a', '--inputs', '{"a": 1} x'], 65,
             '--inputs: not valid JSON'),
            (['update', 'data_sync_site_a', '--kickoff-input', 'site_id'], 65,
             'kickoff input "site_id" is also given in inputs'),
            (['update', 'data_sync_site_a', '--cron', '0 */6 * * *\n'], 65,
             'cron must be one line'),
            (['update', 'data_sync_site_a', '--label', 'site=site a'], 65,
             'labels: value "site a" of "site" is not a valid Kubernetes label value '
             '(at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)'),
            (['update', 'data_sync_site_a', '--input', 'since={{kickof}}'], 65,
             'input since: unknown template "{{kickof}}" (use kickoff_time, '
             'prev_kickoff_time or last_success_time|DEFAULT, each with :FORMAT, or '
             'schedule_name)'),
            # selectors, repin, history options
            (['pause', '--selector', 'team in (a'], 65,
             'selector "team in (a": expected key=value, key!=value, key in (a,b), '
             'key notin (a,b), key or !key, joined by commas'),
            (['repin', '--lp', 'flytesnacks/development/data_sync_wf@v1',
              '--version', 'v2'], 64, '--lp takes no @version; give it with --version'),
            (['repin', '--lp', 'flytesnacks/development/data_sync_wf',
              '--version', 'bad version'], 65, '--version: "bad version" is not a valid version'),
            (['repin', '--lp', 'bad', '--version', 'v1'], 65,
             '--lp: launch plan "bad" is not PROJECT/DOMAIN/NAME[@VERSION]'),
            (['history', '--state', 'bogus'], 64,
             '--state: "bogus" is not pending, created, failed or skipped'),
            (['history', '--limit', '0'], 64, '--limit: "0" is not a number from 1 to 1000000'),
            (['history', '--limit', 'abc'], 64, '--limit: "abc" is not a number from 1 to 1000000'),
            (['backfill', 'data_sync_site_a', '--from', '2026-11-25T00:00:00Z',
              '--to', '2026-11-24T00:00:00Z'], 65, '--from is after --to'),
            (['backfill', 'data_sync_site_a', '--from', '2026-11-25', '--to',
              '2026-11-26T00:00:00Z'], 65,
             '--from: "2026-11-25" is not an RFC 3339 time like 2026-11-26T06:00:00Z'),
            # Regression: input that cannot fire or cannot be kept as written
            # was accepted (a duplicate key fails every fire, 1e999 was
            # stored as null, \\u0000 cut the text short, raw invalid UTF-8
            # made every fire a 400).
            (base + ['--inputs', '{"site_id":"a","site_id":"b"}'], 65,
             '--inputs: duplicate key "site_id"'),
            (base + ['--inputs', '{"a": {"x": 1, "y": 2, "x": 3}}'], 65,
             '--inputs: duplicate key "x"'),
            (base + ['--input', 'o={"k":1,"k":2}'], 65, 'input o: duplicate key "k"'),
            (base + ['--input', 'ratio=1e999'], 65, 'input ratio: ' + RANGE),
            (base + ['--input', 'ratio=-1e999'], 65, 'input ratio: ' + RANGE),
            (base + ['--input', 'tiny=1e-400'], 65, 'input tiny: ' + RANGE),
            (base + ['--inputs', '{"l": [1, 2e308]}'], 65, '--inputs: ' + RANGE),
            (base + ['--input', 's="a\\u0000b"'], 65, 'input s: ' + NUL),
            (base + ['--inputs', '{"s": "a\\u0000b"}'], 65, '--inputs: ' + NUL),
            (base + ['--inputs', '{"a\\u0000": 1}'], 65, '--inputs: ' + NUL),
            (base + ['--inputs', '{"s": "\\ud800"}'], 65,
             '--inputs: a \\u escape is half of a UTF-16 surrogate pair'),
            (base + ['--inputs', '{"site_id": 001}'], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', '{"s": "a\tb"}'], 65, '--inputs: not valid JSON'),
            (base + ['--inputs', '{"s": "a' + BAD_BYTE + 'b"}'], 65,
             '--inputs: not valid UTF-8'),
            (base + ['--inputs', '@' + self.nul_file()], 65,
             '--inputs: %s holds a NUL byte' % self.nul_file()),
            (base + ['--input', 'k=a' + BAD_BYTE], 65, '--input: not valid UTF-8'),
            (base + ['--input', 'k' + BAD_BYTE + '=a'], 65, '--input: not valid UTF-8'),
            (base + ['--label', 'k=' + BAD_BYTE], 65, '--label: not valid UTF-8'),
            (base + ['--annotation', 'k=a' + BAD_BYTE], 65,
             '--annotation: not valid UTF-8'),
            (base + ['--note', 'a' + BAD_BYTE], 65, 'note: not valid UTF-8'),
            (['pause', 'data_sync_site_a', '--note', BAD_BYTE], 65,
             'note: not valid UTF-8'),
            (['update', 'data_sync_site_a', '--input', 'ratio=1e999'], 65,
             'input ratio: ' + RANGE),
            (['update', 'data_sync_site_a', '--inputs', '{"a":1,"a":1}'], 65,
             '--inputs: duplicate key "a"'),
            (['update', 'data_sync_site_a', '--note', BAD_BYTE], 65,
             'note: not valid UTF-8'),
            (base + ['--input', 'deep=' + '[' * 32 + '1' + ']' * 32], 65,
             'input deep: nested deeper than 32 levels'),
            # what the user typed is echoed as valid UTF-8 ('?' for a bad byte)
            (['add', 'n' + BAD_BYTE, '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
             'name "n?" must match ^[A-Za-z0-9_.-]{1,128}$'),
            # Regression: @every took a unit twice, or a smaller one first.
            (base[:-1] + ['@every 1s1s'], 65,
             'cron "@every 1s1s": @every needs a duration like 90s, 5m, 2h, 1d'),
            (base[:-1] + ['@every 30m1h'], 65,
             'cron "@every 30m1h": @every needs a duration like 90s, 5m, 2h, 1d'),
            (base + ['--catchup-window', '1h1h'], 65,
             '--catchup-window: "1h1h" is not a duration like 30m, 2h, 1d (at most 366d)'),
            # Regression: a backfill reaching past now queued future
            # instants, which the daemon then sent at once.
            (['backfill', 'data_sync_site_a', '--from', '2026-11-25T00:00:00Z',
              '--to', '2099-01-01T00:00:00Z'], 65,
             '--to 2099-01-01T00:00:00Z is after now (2026-11-26T01:00:00Z): '
             'backfill asks only for past instants'),
            (['backfill', 'data_sync_site_a', '--from', '2026-11-26T01:00:01Z',
              '--to', '2026-11-26T01:00:01Z', '--dry-run'], 65,
             '--to 2026-11-26T01:00:01Z is after now (2026-11-26T01:00:00Z): '
             'backfill asks only for past instants'),
        ]

    def nul_file(self):
        return self.write('nul.json', '{"a": 1}\0{"b": 2}')

    def test_each_bad_input_changes_nothing(self):
        for args, code, err in self.cases():
            with self.subTest(args=args):
                before = self.snapshot()
                self.fail_msg(args, code, err)
                self.assertUnchanged(before, msg=args)
        self.assertEqual(self.schedules(), [SEED_ROW])
        self.assertEqual(self.count('changes'), 1)

    def test_bad_input_with_json_output(self):
        # -o json changes nothing about errors: stderr, and no stdout.
        before = self.snapshot()
        self.fail_msg(['-o', 'json', 'add', 'x', '--lp', 'p/d/l', '--cron',
                       '0 25 * * *'], 65, 'cron "0 25 * * *": hour 25 out of range 0-23')
        self.assertUnchanged(before)

    def test_usage_errors(self):
        # One line naming the command and what is wrong; no usage text.
        for args, what in (
                (['add'], 'expected one NAME'),
                (['add', 'a', 'b', '--lp', 'p/d/l', '--cron', '0 * * * *'],
                 'expected one NAME'),
                (['add', '--lp', 'p/d/l', '--cron', '0 * * * *'], 'expected one NAME'),
                (['update'], 'expected one NAME'),
                (['update', 'a', 'b', '--cron', '0 * * * *'], 'expected one NAME'),
                (['remove'], 'give NAMEs or --selector'),
                (['remove', 'a', '--selector', 'x=y'], 'give NAMEs or --selector'),
                (['pause'], 'give NAMEs or --selector'),
                (['pause', '--note', 'n'], 'give NAMEs or --selector'),
                (['resume'], 'give NAMEs or --selector'),
                (['repin', '--lp', 'p/d/l'], '--lp and --version are required'),
                (['repin', '--version', 'v2'], '--lp and --version are required'),
                (['repin', '--lp', 'p/d/l', '--version', 'v2', 'extra'],
                 'takes no operands'),
                (['list', 'extra'], 'takes no operands'),
                (['show'], 'expected one NAME'),
                (['show', 'a', 'b'], 'expected one NAME'),
                (['history', 'a', 'b'], 'expected at most one NAME'),
                (['trigger'], 'give one NAME or --selector'),
                (['trigger', 'a', 'b'], 'give one NAME or --selector'),
                (['trigger', 'a', '--selector', 'team=data'],
                 'give one NAME or --selector'),
                (['trigger', 'a', '--timeout', '1m'], '--timeout is for --wait'),
                (['backfill', 'data_sync_site_a', '--from', '2026-11-01T00:00:00Z'],
                 '--from and --to are required'),
                (['backfill', '--from', '2026-11-01T00:00:00Z', '--to',
                  '2026-11-02T00:00:00Z'], 'give one NAME or --selector'),
                (['backfill', 'a', '--selector', 'team=data', '--from',
                  '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z'],
                 'give one NAME or --selector'),
                (['apply'], 'expected one FILE (or DIR, or -)'),
                (['apply', 'a.yaml', 'b.yaml'], 'expected one FILE (or DIR, or -)'),
                (['export', 'extra'], 'takes no operands'),
                (['status', 'extra'], 'takes no operands'),
                (['next'], 'expected one EXPR'),
                (['next', 'a', 'b'], 'expected one EXPR')):
            with self.subTest(args=args):
                before = self.snapshot()
                self.usage_error(args, what)
                self.assertUnchanged(before)
        # Global options before the command do not change the message.
        self.usage_error(['--db', self.db, '-o', 'json', 'show'], 'expected one NAME',
                         cmd='show')

    def test_name_with_newline_gives_one_line(self):
        # Control characters in what the user typed are shown as '?'.
        before = self.snapshot()
        self.fail_msg(['add', 'a\nb', '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
                      'name "a?b" must match ^[A-Za-z0-9_.-]{1,128}$')
        self.fail_msg(['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *', '--tz',
                       'Mars/\x1b[31mBase\x7f'], 65,
                      'unknown time zone "Mars/?[31mBase?"')
        self.fail_msg(['show', 'no\r\nbody'], 66, 'no schedule named "no??body"')
        self.fail_msg(['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *',
                       '--label', 'k=a\tb'], 65,
                      'labels: value "a?b" of "k" is not a valid Kubernetes label '
                      'value (at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)')
        self.assertUnchanged(before)


class TestDatabaseFile(SchedctlTest):
    """The database file itself: missing, a directory, corrupt, newer, foreign, read-only, locked."""

    ADD = ['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *']

    def test_missing_directory(self):
        path = os.path.join(self.dir, 'nodir', 'schedd.db')
        self.fail_msg(['--db', path] + self.ADD, 73,
                      'cannot create database %s: No such file or directory' % path)
        self.assertFalse(os.path.exists(os.path.dirname(path)))

    def test_missing_database_for_readers_and_editors(self):
        for args in (['list'], ['show', 'x'], ['history'], ['status'], ['export'],
                     ['remove', 'x'], ['pause', 'x'], ['resume', 'x'],
                     ['update', 'x', '--cron', '0 * * * *'], ['trigger', 'x'],
                     ['repin', '--lp', 'p/d/l', '--version', 'v2'],
                     ['backfill', 'x', '--from', '2026-11-01T00:00:00Z', '--to',
                      '2026-11-02T00:00:00Z']):
            with self.subTest(args=args):
                self.fail_msg(args, 66, 'database %s does not exist' % self.db)
                self.assertEqual(os.listdir(self.dir), [])

    def test_failed_add_does_not_create_the_database(self):
        # add checks everything before it opens (or creates) the database.
        base = ['add', 'x', '--lp', 'p/d/l', '--cron', '0 * * * *']
        for args, code, err in (
                (['add', 'x', '--lp', 'p/d/l', '--cron', '0 25 * * *'], 65,
                 'cron "0 25 * * *": hour 25 out of range 0-23'),
                (base + ['--tz', 'Mars/Base'], 65, 'unknown time zone "Mars/Base"'),
                (base + ['--label', 'k=a b'], 65, 'labels: value "a b" of "k" is not '
                 'a valid Kubernetes label value (at most 63 of [A-Za-z0-9_.-], '
                 'alphanumeric at both ends)'),
                (base + ['--inputs', '[]'], 65, '--inputs: not a JSON object'),
                (base + ['--catchup-window', '5x'], 65, '--catchup-window: "5x" is not '
                 'a duration like 30m, 2h, 1d (at most 366d)'),
                (['add', 'a b', '--lp', 'p/d/l', '--cron', '0 * * * *'], 65,
                 'name "a b" must match ^[A-Za-z0-9_.-]{1,128}$'),
                (['add', 'x', '--lp', 'p/d/l'], 64,
                 'add: --lp and --cron are required (see schedctl add --help)')):
            with self.subTest(args=args):
                self.fail_msg(args, code, err)
                self.assertEqual(os.listdir(self.dir), [])

    def test_database_is_a_directory(self):
        os.mkdir(self.db)
        for args in (self.ADD, ['list']):
            with self.subTest(args=args):
                self.fail_msg(args, 74, 'database %s: cannot open: unable to open '
                              'database file' % self.db)
                self.assertEqual(os.listdir(self.db), [])

    def test_corrupt_file(self):
        garbage = bytes((i * 7 + 13) % 256 for i in range(8192))
        with open(self.db, 'wb') as f:
            f.write(garbage)
        for args in (self.ADD, ['list'], ['status'], ['trigger', 'x']):
            with self.subTest(args=args):
                before = self.snapshot()
                self.fail_msg(args, 74, 'database %s: file is not a database' % self.db)
                self.assertUnchanged(before)
        self.assertEqual(sorted(os.listdir(self.dir)), ['schedd.db'])

    def test_database_from_the_future(self):
        con = sqlite3.connect(self.db)
        con.execute('PRAGMA application_id=1396918340')
        con.execute('PRAGMA user_version=999')
        con.close()
        for args in (self.ADD, ['list'], ['apply', self.write('f.yaml', MATRIX_YAML)]):
            with self.subTest(args=args):
                before = self.snapshot()
                self.fail_msg(args, 65, 'database %s has schema version 999, newer '
                              'than this schedd\'s %d; upgrade schedd'
                              % (self.db, SCHEMA_VERSION))
                self.assertUnchanged(before)
        self.assertEqual(self.query('PRAGMA user_version'), [(999,)])

    def test_foreign_sqlite_database(self):
        self.execute('CREATE TABLE t (a)')
        self.execute('INSERT INTO t VALUES (1)')
        for args in (self.ADD, ['list'], ['status']):
            with self.subTest(args=args):
                before = self.snapshot()
                self.fail_msg(args, 65, 'database %s is not a schedd database' % self.db)
                self.assertUnchanged(before)
        self.assertEqual(self.query('SELECT * FROM t'), [(1,)])
        self.assertEqual(self.query('PRAGMA user_version'), [(0,)])

    def test_empty_file_becomes_a_database(self):
        open(self.db, 'wb').close()
        self.check(['list'], 0, 'no schedules\n')
        self.assertEqual(self.query('PRAGMA user_version'), [(SCHEMA_VERSION,)])
        self.assertEqual(self.query('PRAGMA application_id'), [(1396918340,)])

    def other_user(self):
        """A command prefix running schedctl as an unprivileged user, or None."""
        if os.geteuid() != 0:
            return ()
        for prefix in (['runuser', '-u', 'nobody', '--'],
                       ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']):
            if shutil.which(prefix[0]) and subprocess.run(
                    prefix + ['true'], capture_output=True).returncode == 0:
                return prefix
        return None

    def test_read_only_database(self):
        prefix = self.other_user()
        if prefix is None:
            self.skipTest('cannot run as another user')
        ro = os.path.join(self.dir, 'ro')
        os.mkdir(ro)
        db = os.path.join(ro, 'schedd.db')
        self.env['SCHEDD_DB'] = db
        self.add_seed()
        os.chmod(db, 0o644)
        os.chmod(ro, 0o555)
        before = self.snapshot(db)
        # The editor is refused with an I/O error.
        self.fail_msg(self.ADD, 74, 'database %s: attempt to write a readonly '
                      'database' % db, prefix=prefix)
        self.assertUnchanged(before, db)
        # So is a reader: schedctl opens read-write (and SQLite cannot read a
        # WAL database whose directory it cannot write without a -shm file).
        self.fail_msg(['list'], 74, 'database %s: attempt to write a readonly '
                      'database' % db, prefix=prefix)
        self.assertUnchanged(before, db)
        os.chmod(ro, 0o755)
        self.assertEqual(self.schedules(db=db), [SEED_ROW])

    def test_locked_past_busy_timeout(self):
        self.add_seed()
        holder = sqlite3.connect(self.db, isolation_level=None)
        holder.execute('BEGIN IMMEDIATE')
        try:
            start = time.monotonic()
            self.fail_msg(self.ADD, 75, 'database %s is locked (still busy after '
                          '5000 ms); try again' % self.db)
            elapsed = time.monotonic() - start
            # Reading does not need the write lock.
            self.check(['list'], 0, LIST_HEADER + list_line(
                'data_sync_site_a', 'flytesnacks/development/data_sync_wf',
                '0 */6 * * *', 'Asia/Shanghai', 'active', SEED_NEXT3[0]))
        finally:
            holder.execute('ROLLBACK')
            holder.close()
        self.assertGreaterEqual(elapsed, 4.5)
        self.assertLess(elapsed, 10.0)
        self.assertEqual(self.schedules(), [SEED_ROW])
        self.assertEqual(self.count('changes'), 1)

    def test_lock_released_in_time_waits(self):
        # A lock held for less than the busy timeout only delays the writer.
        self.add_seed()
        holder = sqlite3.connect(self.db, isolation_level=None,
                                 check_same_thread=False)
        holder.execute('BEGIN IMMEDIATE')
        timer = threading.Timer(1.0, lambda: holder.execute('ROLLBACK'))
        timer.start()
        try:
            rc, o, e = self.run_ctl(*self.ADD)
        finally:
            timer.join()
            holder.close()
        self.assertEqual((rc, e), (0, ''))
        self.assertEqual(self.count('schedules'), 2)


class TestUpdate(SchedctlTest):

    def setUp(self):
        super().setUp()
        self.add_seed()

    def test_change_cron(self):
        self.check(['update', 'data_sync_site_a', '--cron', '0 */4 * * *'], 0,
                   'updated data_sync_site_a; next fires:\n'
                   '  2026-11-26T12:00:00+08:00\n  2026-11-26T16:00:00+08:00\n'
                   '  2026-11-26T20:00:00+08:00\n', now=LATER)
        row = list(SEED_ROW)
        row[SCHEDULE_COLUMNS.index('cron')] = '0 */4 * * *'
        row[SCHEDULE_COLUMNS.index('updated_at')] = LATER
        self.assertEqual(self.schedules(), [tuple(row)])
        self.assertEqual(self.changes()[1:], [
            (2, LATER, OS_USER, 'update', 'data_sync_site_a', SEED_DOC,
             dict(SEED_DOC, cron='0 */4 * * *', updated_at=LATER))])

    def test_remove_labels_and_annotations(self):
        self.check(['update', 'data_sync_site_a', '--annotation', 'owner=ana'], 0,
                   'updated data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3), now=LATER)
        # KEY- removes KEY (kubectl's form); with a set in the same update.
        self.check_json(['update', 'data_sync_site_a', '--label', 'site-', '--label',
                         'tier=gold', '--annotation', 'owner-'],
                        dict(SEED_DOC, updated_at=EVEN_LATER, next=SEED_NEXT3,
                             labels={'team': 'data', 'tier': 'gold'}),
                        now=EVEN_LATER)
        self.assertEqual(self.query('SELECT labels, annotations FROM schedules'),
                         [('{"team":"data","tier":"gold"}', '{}')])
        self.assertEqual(self.changes()[-1][3], 'update')
        self.assertEqual(self.changes()[-1][6]['labels'], {'team': 'data', 'tier': 'gold'})
        # Removing a label that is not there changes nothing, and writes nothing.
        before = self.snapshot()
        self.check(['update', 'data_sync_site_a', '--label', 'site-'], 0,
                   'unchanged: data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3), now=EVEN_LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.count('changes'), 3)
        # A key with a hyphen inside is still a key to set.
        self.check(['update', 'data_sync_site_a', '--label', 'a-b=c'], 0,
                   'updated data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3), now=EVEN_LATER)
        self.assertEqual(self.query('SELECT labels FROM schedules'),
                         [('{"team":"data","tier":"gold","a-b":"c"}',)])

    def test_merge_inputs(self):
        self.check_json(['update', 'data_sync_site_a', '--input', 'retries=3',
                         '--input', 'site_id=site_a2', '--input', 'opts={"a":[1,2]}'],
                        dict(SEED_DOC, updated_at=LATER, next=SEED_NEXT3,
                             inputs={'site_id': 'site_a2', 'since': '{{kickoff_time}}',
                                     'retries': 3, 'opts': {'a': [1, 2]}}),
                        now=LATER)
        # A key already there keeps its place; new keys go last.
        self.assertEqual(self.query('SELECT inputs FROM schedules'), [
            ('{"site_id":"site_a2","since":"{{kickoff_time}}","retries":3,'
             '"opts":{"a":[1,2]}}',)])
        # --inputs replaces the whole object.
        self.check(['update', 'data_sync_site_a', '--inputs', '{"x": 1}'], 0,
                   'updated data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3), now=EVEN_LATER)
        self.assertEqual(self.query('SELECT inputs, updated_at FROM schedules'),
                         [('{"x": 1}', EVEN_LATER)])
        self.assertEqual(self.count('changes'), 3)

    def test_version_and_labels(self):
        self.check(['update', 'data_sync_site_a', '--lp',
                    'flytesnacks/development/data_sync_wf@v3', '--label', 'site=site_z',
                    '--paused', '--note', 'moving'], 0,
                   'updated data_sync_site_a; next fires:\n  none: paused\n', now=LATER)
        self.assertEqual(self.query('SELECT version, labels, paused, note, active_since '
                                    'FROM schedules'),
                         [('v3', '{"team":"data","site":"site_z"}', 1, 'moving', NOW)])

    def test_unchanged_at_same_instant(self):
        out = 'unchanged: data_sync_site_a; next fires:\n' + \
            ''.join('  %s\n' % t for t in SEED_NEXT3)
        before = self.snapshot()
        self.check(['update', 'data_sync_site_a', '--cron', '0 */6 * * *'], 0, out)
        self.check(['update', 'data_sync_site_a'], 0, out)
        self.assertUnchanged(before)
        self.assertEqual(self.count('changes'), 1)

    def test_unchanged_later(self):
        # An update that changes nothing writes nothing, also when SCHEDD_NOW
        # has moved on since the last write: updated_at is not bumped.
        before = self.snapshot()
        out = ('unchanged: data_sync_site_a; next fires:\n' +
               ''.join('  %s\n' % t for t in SEED_NEXT3))
        self.check(['update', 'data_sync_site_a', '--cron', '0 */6 * * *',
                    '--tz', 'Asia/Shanghai'], 0, out, now=LATER)
        self.check(['update', 'data_sync_site_a', '--lp',
                    'flytesnacks/development/data_sync_wf', '--catchup-window', '1h',
                    '--overlap', 'allow'], 0, out, now=EVEN_LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.schedules(), [SEED_ROW])
        self.assertEqual(self.count('changes'), 1)

    def test_unchanged_input_and_label_values(self):
        # Regression: --input and --label delete the key and add it again at the end,
        # so setting a value the schedule already has reorders the JSON and
        # update reports "updated", bumps updated_at and records a changes row
        # whose before and after differ only in key order (apply compares the
        # objects and calls the same thing unchanged).
        before = self.snapshot()
        self.check(['update', 'data_sync_site_a', '--input', 'site_id=site_a',
                    '--label', 'team=data'], 0,
                   'unchanged: data_sync_site_a; next fires:\n' +
                   ''.join('  %s\n' % t for t in SEED_NEXT3), now=LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.count('changes'), 1)

    def test_changes_rows_carry_the_schedule_id(self):
        self.add('other')
        self.check(['update', 'other', '--cron', '5 * * * *'], 0,
                   'updated other; next fires:\n  2026-11-26T01:05:00Z\n'
                   '  2026-11-26T02:05:00Z\n  2026-11-26T03:05:00Z\n')
        self.check(['remove', 'data_sync_site_a'], 0, 'removed data_sync_site_a\n')
        self.assertEqual(self.query('SELECT id, command, schedule_name, schedule_id '
                                    'FROM changes ORDER BY id'),
                         [(1, 'add', 'data_sync_site_a', 1), (2, 'add', 'other', 2),
                          (3, 'update', 'other', 2),
                          (4, 'remove', 'data_sync_site_a', 1)])


# --------------------------------------------------------------------------
# remove, pause, resume, repin


class TestBulk(SchedctlTest):

    def setUp(self):
        super().setUp()
        for site in ('site_a', 'site_b', 'site_c'):
            self.add('data_sync_' + site, '--label', 'team=data', '--label',
                     'site=' + site, lp='flytesnacks/development/data_sync_wf')
        self.add('report', '--label', 'team=bi', lp='flytesnacks/production/report_wf')
        self.add('nolabel')
        self.names = ['data_sync_site_a', 'data_sync_site_b', 'data_sync_site_c',
                      'report', 'nolabel']

    def state(self):
        return self.query('SELECT name, paused, note, updated_at, active_since '
                          'FROM schedules ORDER BY id')

    def test_remove_by_names(self):
        self.check(['remove', 'data_sync_site_a', 'report'], 0,
                   'removed data_sync_site_a\nremoved report\n', now=LATER)
        self.assertEqual([r[1] for r in self.schedules()],
                         ['data_sync_site_b', 'data_sync_site_c', 'nolabel'])
        tail = self.changes()[5:]
        self.assertEqual([(c[3], c[4], c[5]['name'], c[6]) for c in tail],
                         [('remove', 'data_sync_site_a', 'data_sync_site_a', None),
                          ('remove', 'report', 'report', None)])
        self.assertEqual({c[1] for c in tail}, {LATER})

    def test_remove_all_or_nothing(self):
        before = self.snapshot()
        self.fail_msg(['remove', 'data_sync_site_a', 'nope', 'report'], 66,
                      'no schedule named "nope"')
        self.fail_msg(['pause', 'data_sync_site_a', 'report', 'nope'], 66,
                      'no schedule named "nope"')
        self.fail_msg(['resume', 'nope', 'data_sync_site_a'], 66,
                      'no schedule named "nope"')
        self.assertUnchanged(before)

    def test_remove_by_selector_json(self):
        self.check_json(['remove', '--selector', 'team=data,site in (site_a,site_b)'],
                        {'removed': ['data_sync_site_a', 'data_sync_site_b']})
        self.assertEqual([r[1] for r in self.schedules()],
                         ['data_sync_site_c', 'report', 'nolabel'])
        self.assertEqual(self.count('changes'), 7)

    def test_remove_keeps_history(self):
        self.insert_run('report', '2026-11-26T00:00:00Z', 'created',
                        execution_name='e1', http_status=200, attempts=1,
                        sent_at='2026-11-26T00:00:01Z')
        self.check(['remove', 'report'], 0, 'removed report\n')
        self.assertEqual(self.query('SELECT schedule_id, schedule_name FROM runs'),
                         [(None, 'report')])
        self.check(['history', 'report'], 0, RUN_HEADER + run_line(
            '2026-11-26T00:00:00Z', 'report', 'scheduled', 'created', 'e1', 200, 1,
            '-', ''))

    def test_selector_without_match(self):
        # Regression: when nothing changes, remove, pause and resume print "no
        # schedule matches" whatever the reason; the intended text is
        # "nothing to remove" / "nothing to pause" / "nothing to resume".
        before = self.snapshot()
        self.check(['remove', '--selector', 'team=nobody'], 0, 'nothing to remove\n')
        self.check(['pause', '--selector', 'team=nobody'], 0, 'nothing to pause\n')
        self.check(['resume', '--selector', 'team=nobody'], 0, 'nothing to resume\n')
        self.assertUnchanged(before)

    def test_selector_without_match_json(self):
        before = self.snapshot()
        self.check_json(['pause', '--selector', 'team=nobody'], {'paused': []})
        self.check_json(['remove', '--selector', 'team=nobody'], {'removed': []})
        self.check_json(['resume', '--selector', 'team=nobody'], {'resumed': []})
        self.assertUnchanged(before)

    def test_pause_paused_and_resume_active_change_nothing(self):
        self.check(['pause', 'data_sync_site_a', '--note', 'n1'], 0,
                   'paused data_sync_site_a\n', now=LATER)
        before = self.snapshot()
        # Paused already, with the same note or none: no row, no updated_at bump.
        self.check_json(['pause', 'data_sync_site_a'], {'paused': []}, now=EVEN_LATER)
        self.check_json(['pause', 'data_sync_site_a', '--note', 'n1'], {'paused': []},
                        now=EVEN_LATER)
        # Active already.
        self.check_json(['resume', 'report', 'nolabel'], {'resumed': []}, now=EVEN_LATER)
        self.assertUnchanged(before)
        # A selector picks only what changes.
        self.check_json(['pause', '--selector', 'team=data'],
                        {'paused': ['data_sync_site_b', 'data_sync_site_c']},
                        now=EVEN_LATER)
        self.assertEqual(self.state(), [
            ('data_sync_site_a', 1, 'n1', LATER, NOW),
            ('data_sync_site_b', 1, None, EVEN_LATER, NOW),
            ('data_sync_site_c', 1, None, EVEN_LATER, NOW),
            ('report', 0, None, NOW, NOW), ('nolabel', 0, None, NOW, NOW)])
        # Another note is a change.
        self.check(['pause', 'data_sync_site_a', '--note', 'n2'], 0,
                   'paused data_sync_site_a\n', now=EVEN_LATER)
        self.assertEqual(self.state()[0],
                         ('data_sync_site_a', 1, 'n2', EVEN_LATER, NOW))
        self.assertEqual([(c[3], c[4]) for c in self.changes()[5:]], [
            ('pause', 'data_sync_site_a'), ('pause', 'data_sync_site_b'),
            ('pause', 'data_sync_site_c'), ('pause', 'data_sync_site_a')])

    def test_nothing_to_pause_or_resume(self):
        # Regression: pausing a paused schedule by name prints "no schedule matches"
        # (the schedule matched; it just needed no change); the intended
        # text is "nothing to pause", and "nothing to resume" for resume.
        self.check(['pause', 'data_sync_site_a'], 0, 'paused data_sync_site_a\n')
        before = self.snapshot()
        self.check(['pause', 'data_sync_site_a'], 0, 'nothing to pause\n', now=LATER)
        self.check(['resume', 'report'], 0, 'nothing to resume\n', now=LATER)
        self.assertUnchanged(before)

    def test_selector_absent_key(self):
        # !key: schedules without that label.
        self.check(['pause', '--selector', '!site'], 0,
                   'paused nolabel\npaused report\n', now=LATER)
        self.assertEqual([r[:2] for r in self.state()],
                         [(n, 1 if n in ('report', 'nolabel') else 0) for n in self.names])

    def test_selector_not_equal(self):
        # key!=v also matches schedules without the key, as in Kubernetes.
        self.check(['pause', '--selector', 'site!=site_b'], 0,
                   'paused data_sync_site_a\npaused data_sync_site_c\npaused nolabel\n'
                   'paused report\n', now=LATER)
        self.check_json(['list', '--selector', 'team=data,site notin (site_a)'], [
            schedule_doc('data_sync_site_b', project='flytesnacks', domain='development',
                         launch_plan='data_sync_wf',
                         labels={'team': 'data', 'site': 'site_b'},
                         next=['2026-11-26T02:00:00Z']),
            schedule_doc('data_sync_site_c', project='flytesnacks', domain='development',
                         launch_plan='data_sync_wf',
                         labels={'team': 'data', 'site': 'site_c'}, paused=True,
                         updated_at=LATER, next=[])])

    def test_pause_note_and_resume(self):
        self.check(['pause', 'data_sync_site_a', 'data_sync_site_b', '--note',
                    'site migration'], 0,
                   'paused data_sync_site_a\npaused data_sync_site_b\n', now=LATER)
        self.assertEqual(self.state(), [
            ('data_sync_site_a', 1, 'site migration', LATER, NOW),
            ('data_sync_site_b', 1, 'site migration', LATER, NOW),
            ('data_sync_site_c', 0, None, NOW, NOW),
            ('report', 0, None, NOW, NOW), ('nolabel', 0, None, NOW, NOW)])
        pause = self.changes()[5]
        self.assertEqual(pause, (6, LATER, OS_USER, 'pause', 'data_sync_site_a',
                                 pause[5], dict(pause[5], paused=True,
                                                note='site migration',
                                                updated_at=LATER)))
        self.assertEqual(pause[5]['paused'], False)
        # resume sets active_since to now: the paused period is not caught up.
        self.check(['resume', 'data_sync_site_a'], 0, 'resumed data_sync_site_a\n',
                   now=EVEN_LATER)
        self.assertEqual(self.state()[:2], [
            ('data_sync_site_a', 0, 'site migration', EVEN_LATER, EVEN_LATER),
            ('data_sync_site_b', 1, 'site migration', LATER, NOW)])
        self.check_json(['resume', '--selector', 'team=data,site=site_b'],
                        {'resumed': ['data_sync_site_b']}, now=EVEN_LATER)
        self.assertEqual(self.state()[1],
                         ('data_sync_site_b', 0, 'site migration', EVEN_LATER, EVEN_LATER))
        self.assertEqual([c[3] for c in self.changes()[5:]],
                         ['pause', 'pause', 'resume', 'resume'])

    def test_pause_by_selector_json_and_list(self):
        self.check_json(['pause', '--selector', 'team=data'],
                        {'paused': ['data_sync_site_a', 'data_sync_site_b',
                                    'data_sync_site_c']}, now=LATER)
        self.check(['list'], 0, LIST_HEADER + ''.join(
            list_line(n, 'flytesnacks/development/data_sync_wf', '0 * * * *', 'UTC',
                      'paused', '-') for n in self.names[:3]) +
            list_line('nolabel', 'p/d/l', '0 * * * *', 'UTC', 'active',
                      '2026-11-26T03:00:00Z') +
            list_line('report', 'flytesnacks/production/report_wf', '0 * * * *', 'UTC',
                      'active', '2026-11-26T03:00:00Z'), now=LATER)


class TestRepin(SchedctlTest):

    def setUp(self):
        super().setUp()
        lp = 'flytesnacks/development/data_sync_wf'
        self.add('pinned_a', '--label', 'site=site_a', lp=lp + '@v1')
        self.add('pinned_b', '--label', 'site=site_b', lp=lp + '@v1')
        self.add('latest_c', '--label', 'site=site_c', lp=lp)
        self.add('already', lp=lp + '@v2')
        self.add('other_lp', lp='flytesnacks/development/other_wf@v1')
        self.add('other_domain', lp='flytesnacks/production/data_sync_wf@v1')

    def versions(self):
        return self.query('SELECT name, version, updated_at FROM schedules ORDER BY id')

    def test_repin_pinned_only(self):
        self.check(['repin', '--lp', 'flytesnacks/development/data_sync_wf',
                    '--version', 'v2'], 0,
                   'repinned pinned_a to v2\nrepinned pinned_b to v2\n', now=LATER)
        self.assertEqual(self.versions(), [
            ('pinned_a', 'v2', LATER), ('pinned_b', 'v2', LATER),
            ('latest_c', None, NOW), ('already', 'v2', NOW), ('other_lp', 'v1', NOW),
            ('other_domain', 'v1', NOW)])
        self.assertEqual([(c[1], c[3], c[4], c[5]['version'], c[6]['version'])
                          for c in self.changes()[6:]],
                         [(LATER, 'repin', 'pinned_a', 'v1', 'v2'),
                          (LATER, 'repin', 'pinned_b', 'v1', 'v2')])
        before = self.snapshot()
        self.check(['repin', '--lp', 'flytesnacks/development/data_sync_wf',
                    '--version', 'v2'], 0,
                   'no pinned schedule of flytesnacks/development/data_sync_wf needs moving\n',
                   now=EVEN_LATER)
        self.assertUnchanged(before)

    def test_repin_with_selector_json(self):
        self.check_json(['repin', '--lp', 'flytesnacks/development/data_sync_wf',
                         '--version', 'v3', '--selector', 'site in (site_b,site_c)'],
                        {'repinned': ['pinned_b'], 'version': 'v3'}, now=LATER)
        self.assertEqual([v[:2] for v in self.versions()], [
            ('pinned_a', 'v1'), ('pinned_b', 'v3'), ('latest_c', None),
            ('already', 'v2'), ('other_lp', 'v1'), ('other_domain', 'v1')])
        self.assertEqual(self.count('changes'), 7)

    def test_repin_refuses_version_in_lp(self):
        before = self.snapshot()
        self.fail_msg(['repin', '--lp', 'flytesnacks/development/data_sync_wf@v1',
                       '--version', 'v2'], 64,
                      '--lp takes no @version; give it with --version')
        self.assertUnchanged(before)


# --------------------------------------------------------------------------
# list, show, history


class TestQueries(SchedctlTest):

    def setUp(self):
        super().setUp()
        self.add_seed()
        self.add('data_sync_site_b', '--input', 'site_id=site_b', '--label', 'team=data',
                 '--label', 'site=site_b', '--tz', 'Asia/Shanghai',
                 lp='flytesnacks/development/data_sync_wf@v3', cron='0 */6 * * *')
        self.add('report', '--label', 'team=bi', '--paused',
                 lp='flytesnacks/production/report_wf@v1', cron='30 7 * * 1-5')
        self.insert_run('data_sync_site_a', '2026-11-25T16:00:00Z', 'created',
                        execution_name='exec-a1', http_status=200, attempts=1,
                        sent_at='2026-11-25T16:00:01Z', phase='SUCCEEDED')
        self.insert_run('data_sync_site_a', '2026-11-25T22:00:00Z', 'failed',
                        http_status=503, error='upstream unavailable', attempts=3,
                        sent_at='2026-11-25T22:00:02Z')
        self.insert_run('data_sync_site_b', '2026-11-25T22:00:00Z', 'pending')
        self.insert_run('report', '2026-11-25T07:30:00Z', 'skipped',
                        error='paused')

    SITE_B_DOC = schedule_doc(
        'data_sync_site_b', project='flytesnacks', domain='development',
        launch_plan='data_sync_wf', version='v3', cron='0 */6 * * *',
        tz='Asia/Shanghai', inputs={'site_id': 'site_b'},
        labels={'team': 'data', 'site': 'site_b'})
    REPORT_DOC = schedule_doc(
        'report', project='flytesnacks', domain='production', launch_plan='report_wf',
        version='v1', cron='30 7 * * 1-5', labels={'team': 'bi'}, paused=True)

    RUN_A_FAILED = {
        'schedule': 'data_sync_site_a', 'scheduled_at': '2026-11-25T22:00:00Z',
        'kind': 'scheduled', 'state': 'failed', 'execution_name': None,
        'http_status': 503, 'error': 'upstream unavailable', 'attempts': 3,
        'phase': None, 'sent_at': '2026-11-25T22:00:02Z'}
    RUN_A_CREATED = {
        'schedule': 'data_sync_site_a', 'scheduled_at': '2026-11-25T16:00:00Z',
        'kind': 'scheduled', 'state': 'created', 'execution_name': 'exec-a1',
        'http_status': 200, 'error': None, 'attempts': 1, 'phase': 'SUCCEEDED',
        'sent_at': '2026-11-25T16:00:01Z'}
    RUN_B_PENDING = {
        'schedule': 'data_sync_site_b', 'scheduled_at': '2026-11-25T22:00:00Z',
        'kind': 'scheduled', 'state': 'pending', 'execution_name': None,
        'http_status': 0, 'error': None, 'attempts': 0, 'phase': None,
        'sent_at': None}
    RUN_REPORT = {
        'schedule': 'report', 'scheduled_at': '2026-11-25T07:30:00Z',
        'kind': 'scheduled', 'state': 'skipped', 'execution_name': None,
        'http_status': 0, 'error': 'paused', 'attempts': 0, 'phase': None,
        'sent_at': None}

    LINE_A_FAILED = run_line('2026-11-25T22:00:00Z', 'data_sync_site_a', 'scheduled',
                             'failed', '-', 503, 3, '-', 'upstream unavailable')
    LINE_A_CREATED = run_line('2026-11-25T16:00:00Z', 'data_sync_site_a', 'scheduled',
                              'created', 'exec-a1', 200, 1, 'SUCCEEDED', '')
    LINE_B_PENDING = run_line('2026-11-25T22:00:00Z', 'data_sync_site_b', 'scheduled',
                              'pending', '-', 0, 0, '-', '')
    LINE_REPORT = run_line('2026-11-25T07:30:00Z', 'report', 'scheduled', 'skipped',
                           '-', 0, 0, '-', 'paused')

    def test_list(self):
        before = self.snapshot()
        self.check(['list'], 0, LIST_HEADER +
                   list_line('data_sync_site_a', 'flytesnacks/development/data_sync_wf',
                             '0 */6 * * *', 'Asia/Shanghai', 'active', SEED_NEXT3[0]) +
                   list_line('data_sync_site_b', 'flytesnacks/development/data_sync_wf@v3',
                             '0 */6 * * *', 'Asia/Shanghai', 'active', SEED_NEXT3[0]) +
                   list_line('report', 'flytesnacks/production/report_wf@v1',
                             '30 7 * * 1-5', 'UTC', 'paused', '-'))
        self.assertUnchanged(before)

    def test_list_json(self):
        self.check_json(['list'], [dict(SEED_DOC, next=SEED_NEXT3[:1]),
                                   dict(self.SITE_B_DOC, next=SEED_NEXT3[:1]),
                                   dict(self.REPORT_DOC, next=[])])

    def test_list_selector(self):
        self.check(['list', '--selector', 'team=data,site in (site_a,site_b)'], 0,
                   LIST_HEADER +
                   list_line('data_sync_site_a', 'flytesnacks/development/data_sync_wf',
                             '0 */6 * * *', 'Asia/Shanghai', 'active', SEED_NEXT3[0]) +
                   list_line('data_sync_site_b', 'flytesnacks/development/data_sync_wf@v3',
                             '0 */6 * * *', 'Asia/Shanghai', 'active', SEED_NEXT3[0]))
        self.check(['list', '--selector', '!site'], 0, LIST_HEADER +
                   list_line('report', 'flytesnacks/production/report_wf@v1',
                             '30 7 * * 1-5', 'UTC', 'paused', '-'))
        self.check(['list', '--selector', 'team=nobody'], 0, 'no schedules\n')
        self.check_json(['list', '--selector', 'team=nobody'], [])

    def test_list_empty(self):
        self.check(['remove', '--selector', 'team'], 0,
                   'removed data_sync_site_a\nremoved data_sync_site_b\nremoved report\n')
        self.check(['list'], 0, 'no schedules\n')
        self.check_json(['list'], [])

    def test_show(self):
        before = self.snapshot()
        self.check(['show', 'data_sync_site_a'], 0, """\
name                   data_sync_site_a
project                flytesnacks
domain                 development
launch_plan            data_sync_wf
version                null
cron                   0 */6 * * *
tz                     Asia/Shanghai
inputs                 {"site_id":"site_a","since":"{{kickoff_time}}"}
kickoff_input          null
labels                 {"team":"data","site":"site_a"}
annotations            {}
service_account        null
catchup                latest
catchup_window_seconds 3600
overlap                allow
paused                 false
note                   null
created_at             2026-11-26T01:00:00Z
updated_at             2026-11-26T01:00:00Z
active_since           2026-11-26T01:00:00Z
source                 null
next fires:
""" + ''.join('  %s\n' % t for t in SEED_NEXT5) + 'last runs:\n' + RUN_HEADER +
            self.LINE_A_FAILED + self.LINE_A_CREATED)
        self.assertUnchanged(before)

    def test_show_paused(self):
        rc, o, e = self.run_ctl('show', 'report')
        self.assertEqual((rc, e), (0, ''))
        self.assertTrue(o.endswith('next fires:\n  none: paused\nlast runs:\n' +
                                   RUN_HEADER + self.LINE_REPORT), o)
        self.assertIn('\npaused                 true\n', o)

    def test_show_without_runs(self):
        self.execute("DELETE FROM runs WHERE schedule_name = 'data_sync_site_b'")
        rc, o, e = self.run_ctl('show', 'data_sync_site_b')
        self.assertEqual((rc, e), (0, ''))
        self.assertTrue(o.endswith('last runs:\n  none\n'), o)
        self.check_json(['show', 'data_sync_site_b'],
                        dict(self.SITE_B_DOC, next=SEED_NEXT5, runs=[]))

    def test_show_json(self):
        self.check_json(['show', 'data_sync_site_a'],
                        dict(SEED_DOC, next=SEED_NEXT5,
                             runs=[self.RUN_A_FAILED, self.RUN_A_CREATED]))
        self.check_json(['show', 'report'],
                        dict(self.REPORT_DOC, next=[], runs=[self.RUN_REPORT]))

    def test_history(self):
        before = self.snapshot()
        out = self.check(['history'], 0, RUN_HEADER + self.LINE_B_PENDING +
                         self.LINE_A_FAILED + self.LINE_A_CREATED + self.LINE_REPORT)
        # No line ends in spaces, whichever columns are empty.
        self.assertEqual([l for l in out.split('\n') if l.endswith(' ')], [])
        self.assertTrue(self.LINE_B_PENDING.endswith(' 0    0   -\n'))
        self.check(['history', 'data_sync_site_a'], 0, RUN_HEADER +
                   self.LINE_A_FAILED + self.LINE_A_CREATED)
        self.check(['history', '--state', 'failed'], 0, RUN_HEADER + self.LINE_A_FAILED)
        self.check(['history', '--limit', '1'], 0, RUN_HEADER + self.LINE_B_PENDING)
        self.check(['history', 'data_sync_site_a', '--state', 'pending'], 0, 'no runs\n')
        self.check(['history', 'nope'], 0, 'no runs\n')
        self.assertUnchanged(before)

    def test_history_json(self):
        self.check_json(['history'], [self.RUN_B_PENDING, self.RUN_A_FAILED,
                                      self.RUN_A_CREATED, self.RUN_REPORT])
        self.check_json(['history', '--state', 'created', '--limit', '5'],
                        [self.RUN_A_CREATED])
        self.check_json(['history', 'data_sync_site_a', '--limit', '1'],
                        [self.RUN_A_FAILED])
        self.check_json(['history', '--state', 'pending', 'report'], [])

    def test_history_default_limit_50(self):
        con = sqlite3.connect(self.db)
        con.executemany(
            "INSERT INTO runs (schedule_id, schedule_name, scheduled_at, state, "
            "recorded_at) VALUES (1, 'data_sync_site_a', ?1, 'created', ?1)",
            [('2026-10-%02dT%02d:00:00Z' % (1 + i // 24, i % 24),) for i in range(60)])
        con.commit()
        con.close()
        rc, o, e = self.run_ctl('-o', 'json', 'history')
        self.assertEqual((rc, e), (0, ''))
        self.assertEqual(len(json.loads(o)), 50)

    def test_history_since_phase_selector(self):
        before = self.snapshot()
        self.check(['history', '--since', '2026-11-25T16:00:00Z'], 0, RUN_HEADER +
                   self.LINE_B_PENDING + self.LINE_A_FAILED + self.LINE_A_CREATED)
        self.check(['history', '--since', '2026-11-26T06:00:00+08:00'], 0, RUN_HEADER +
                   self.LINE_B_PENDING + self.LINE_A_FAILED)
        self.check(['history', '--phase', 'SUCCEEDED'], 0, RUN_HEADER + self.LINE_A_CREATED)
        self.check(['history', '--phase', 'succeeded', 'data_sync_site_a'], 0,
                   RUN_HEADER + self.LINE_A_CREATED)
        self.check(['history', '--phase', 'FAILED'], 0, 'no runs\n')
        self.check(['history', '--selector', 'team=data'], 0, RUN_HEADER +
                   self.LINE_B_PENDING + self.LINE_A_FAILED + self.LINE_A_CREATED)
        self.check(['history', '--selector', 'site in (site_a)', '--limit', '1'], 0,
                   RUN_HEADER + self.LINE_A_FAILED)
        self.check(['history', '--selector', 'team=bi', '--state', 'skipped'], 0,
                   RUN_HEADER + self.LINE_REPORT)
        # A NAME the selector does not match: both must hold.
        self.check(['history', 'report', '--selector', 'team=data'], 0, 'no runs\n')
        self.check(['history', '--selector', 'team=nobody'], 0, 'no runs\n')
        self.check_json(['history', '--selector', 'team=data', '--since',
                         '2026-11-25T22:00:00Z', '--state', 'failed'],
                        [self.RUN_A_FAILED])
        self.assertUnchanged(before)
        self.fail_msg(['history', '--phase', 'DONE'], 64, '--phase: "DONE" is not a '
                      'Flyte execution phase (QUEUED, RUNNING, SUCCEEDED, FAILED, '
                      'ABORTED, TIMED_OUT, ...)')
        self.fail_msg(['history', '--since', 'yesterday'], 65, '--since: "yesterday" is '
                      'not an RFC 3339 time like 2026-11-26T06:00:00Z')
        self.fail_msg(['history', '--selector', 'team in (a'], 65,
                      'selector "team in (a": expected key=value, key!=value, key in '
                      '(a,b), key notin (a,b), key or !key, joined by commas')

    def test_yaml_is_the_json_document(self):
        # The same document as -o json, in block YAML: exact text.
        self.check(['-o', 'yaml', 'history', 'data_sync_site_a', '--limit', '1'], 0, """\
- schedule: data_sync_site_a
  scheduled_at: "2026-11-25T22:00:00Z"
  kind: scheduled
  state: failed
  execution_name: null
  http_status: 503
  error: "upstream unavailable"
  attempts: 3
  phase: null
  sent_at: "2026-11-25T22:00:02Z"
""")
        self.check(['-o', 'yaml', 'history', '--phase', 'ABORTED'], 0, '[]\n')
        self.check(['show', 'report', '-o', 'yaml'], 0, """\
name: report
project: flytesnacks
domain: production
launch_plan: report_wf
version: v1
cron: "30 7 * * 1-5"
tz: UTC
inputs: {}
kickoff_input: null
labels:
  team: bi
annotations: {}
service_account: null
catchup: latest
catchup_window_seconds: 3600
overlap: allow
paused: true
note: null
created_at: "2026-11-26T01:00:00Z"
updated_at: "2026-11-26T01:00:00Z"
active_since: "2026-11-26T01:00:00Z"
source: null
next: []
runs:
  - schedule: report
    scheduled_at: "2026-11-25T07:30:00Z"
    kind: scheduled
    state: skipped
    execution_name: null
    http_status: 0
    error: paused
    attempts: 0
    phase: null
    sent_at: null
""")
        rc, out, err = self.run_ctl('-o', 'yaml', 'list', '--selector', 'site=site_a')
        self.assertEqual((rc, err), (0, ''))
        self.assertTrue(out.startswith('- name: data_sync_site_a\n  project: flytesnacks\n'),
                        out)
        self.assertIn('\n  inputs:\n    site_id: site_a\n    since: "{{kickoff_time}}"\n'
                      '  kickoff_input: null\n', out)
        self.assertTrue(out.endswith('\n  next:\n    - "2026-11-26T12:00:00+08:00"\n'), out)
        self.check(['-o', 'yaml', 'pause', '--selector', 'site=site_b'], 0,
                   'paused:\n  - data_sync_site_b\n')
        self.check(['-o', 'yaml', 'next', '0 0 1 1 *', '-n', '1'], 0,
                   'expression: "0 0 1 1 *"\ntimezone: UTC\nnext:\n'
                   '  - "2027-01-01T00:00:00Z"\n')
        # Keys and strings YAML would read as something else are quoted.
        self.add('odd', '--label', 'yes=no', '--input', 'n=true', '--input', 'v=1.5',
                 '--annotation', 'x=a: b')
        rc, out, err = self.run_ctl('-o', 'yaml', 'show', 'odd')
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('\ninputs:\n  "n": true\n  v: 1.5\nkickoff_input: null\n'
                      'labels:\n  "yes": "no"\nannotations:\n  x: "a: b"\n', out)

    def test_history_bad_state(self):
        self.fail_msg(['history', '--state', 'running'], 64,
                      '--state: "running" is not pending, created, failed or skipped')


# --------------------------------------------------------------------------
# trigger, backfill


class TestRuns(SchedctlTest):

    def setUp(self):
        super().setUp()
        self.add_seed()

    def test_trigger(self):
        exec_now = execution_name('data_sync_site_a', ts(NOW))
        self.check(['trigger', 'data_sync_site_a'], 0,
                   'triggered data_sync_site_a at 2026-11-26T01:00:00Z: execution %s\n'
                   % exec_now)
        self.assertEqual(self.runs(), [
            (1, 'data_sync_site_a', NOW, 'trigger', 'pending', None, None, None, 0,
             NOW, None, None, None)])
        self.assertEqual(self.changes()[1:], [
            (2, NOW, OS_USER, 'trigger', 'data_sync_site_a', None, None)])
        # A second trigger at the same instant would be the same run.
        before = self.snapshot()
        self.fail_msg(['trigger', 'data_sync_site_a'], 75,
                      'data_sync_site_a has a run at 2026-11-26T01:00:00Z already; '
                      'try again in a second')
        self.assertUnchanged(before)
        # A second later it is a new run.
        self.check_json(['trigger', 'data_sync_site_a'],
                        [{'schedule': 'data_sync_site_a',
                          'scheduled_at': '2026-11-26T01:00:01Z',
                          'execution_name': execution_name(
                              'data_sync_site_a', ts('2026-11-26T01:00:01Z'))}],
                        now='2026-11-26T01:00:01Z')
        self.assertEqual([r[2:5] for r in self.runs()], [
            (NOW, 'trigger', 'pending'),
            ('2026-11-26T01:00:01Z', 'trigger', 'pending')])
        self.check(['-o', 'yaml', 'trigger', 'data_sync_site_a'], 0,
                   '- schedule: data_sync_site_a\n'
                   '  scheduled_at: "2026-11-26T01:00:02Z"\n'
                   '  execution_name: %s\n' % execution_name(
                       'data_sync_site_a', ts('2026-11-26T01:00:02Z')),
                   now='2026-11-26T01:00:02Z')

    def test_trigger_paused(self):
        self.check(['pause', 'data_sync_site_a'], 0, 'paused data_sync_site_a\n')
        self.check(['trigger', 'data_sync_site_a'], 0,
                   'triggered data_sync_site_a at %s: execution %s\n'
                   % (LATER, execution_name('data_sync_site_a', ts(LATER))), now=LATER)
        self.assertEqual([r[2:5] for r in self.runs()], [(LATER, 'trigger', 'pending')])

    def test_trigger_missing_schedule(self):
        before = self.snapshot()
        self.fail_msg(['trigger', 'nope'], 66, 'no schedule named "nope"')
        self.assertUnchanged(before)

    def add_site_b(self):
        self.add('data_sync_site_b', '--label', 'team=data', '--label', 'site=site_b',
                 '--tz', 'Asia/Shanghai', lp='flytesnacks/development/data_sync_wf',
                 cron='0 */6 * * *')
        self.add('report', '--label', 'team=bi', lp='p/d/report', cron='0 7 * * *')

    def test_trigger_selector(self):
        self.add_site_b()
        a, b = (execution_name('data_sync_site_%s' % x, ts(NOW)) for x in 'ab')
        self.check(['trigger', '--selector', 'team=data'], 0,
                   'triggered data_sync_site_a at %s: execution %s\n'
                   'triggered data_sync_site_b at %s: execution %s\n' % (NOW, a, NOW, b))
        self.assertEqual([r[1:5] for r in self.runs()], [
            ('data_sync_site_a', NOW, 'trigger', 'pending'),
            ('data_sync_site_b', NOW, 'trigger', 'pending')])
        self.assertEqual([c[3:5] for c in self.changes()[3:]], [
            ('trigger', 'data_sync_site_a'), ('trigger', 'data_sync_site_b')])
        # All or nothing: report has no run now, site_a and site_b have one.
        before = self.snapshot()
        self.fail_msg(['trigger', '--selector', 'team'], 75,
                      'data_sync_site_a has a run at %s already; try again in a second'
                      % NOW)
        self.assertUnchanged(before)
        # Nothing matched: nothing to do.
        self.check(['trigger', '--selector', 'team=nobody'], 0, 'nothing to trigger\n')
        self.check_json(['trigger', '--selector', 'team=nobody'], [])
        self.assertUnchanged(before)
        self.fail_msg(['trigger', '--selector', 'team in (a'], 65,
                      'selector "team in (a": expected key=value, key!=value, key in '
                      '(a,b), key notin (a,b), key or !key, joined by commas')

    def set_run(self, name, state, phase=None, error=None):
        self.execute('UPDATE runs SET state = ?2, phase = ?3, error = ?4, '
                     'execution_name = CASE WHEN ?2 = \'created\' THEN ?5 END '
                     'WHERE schedule_name = ?1 AND kind = \'trigger\'',
                     (name, state, phase, error, execution_name(name, ts(NOW))))

    def wait_in_background(self, args, steps):
        """schedctl ARGS while a thread plays the daemon: steps of (delay, name, state, phase, error)."""
        def daemon():
            for delay, *step in steps:
                time.sleep(delay)
                self.set_run(*step)
        t = threading.Thread(target=daemon)
        t.start()
        try:
            return self.run_ctl(*args)
        finally:
            t.join()

    def test_trigger_wait_succeeded(self):
        self.add_site_b()
        a, b = (execution_name('data_sync_site_%s' % x, ts(NOW)) for x in 'ab')
        rc, out, err = self.wait_in_background(
            ['trigger', '--selector', 'team=data', '--wait'],
            [(0.3, 'data_sync_site_b', 'created', 'RUNNING', None),
             (0.3, 'data_sync_site_b', 'created', 'SUCCEEDED', None),
             (0.3, 'data_sync_site_a', 'created', 'QUEUED', None),
             (0.3, 'data_sync_site_a', 'created', 'SUCCEEDED', None)])
        self.assertEqual((rc, out, err), (0,
            'triggered data_sync_site_a at %s: execution %s\n'
            'triggered data_sync_site_b at %s: execution %s\n'
            'data_sync_site_b: execution %s SUCCEEDED\n'
            'data_sync_site_a: execution %s SUCCEEDED\n' % (NOW, a, NOW, b, b, a), ''))

    def test_trigger_wait_not_succeeded_exits_1(self):
        self.add_site_b()
        a, b = (execution_name('data_sync_site_%s' % x, ts(NOW)) for x in 'ab')
        for final in ('FAILED', 'ABORTED', 'TIMED_OUT', 'UNKNOWN'):
            with self.subTest(final=final):
                self.execute('DELETE FROM runs')
                rc, out, err = self.wait_in_background(
                    ['-o', 'json', 'trigger', '--selector', 'team=data', '--wait'],
                    [(0.3, 'data_sync_site_a', 'created', final, None),
                     (0.3, 'data_sync_site_b', 'created', 'SUCCEEDED', None)])
                self.assertEqual((rc, err), (1, ''))
                self.assertEqual(json.loads(out), [
                    {'schedule': 'data_sync_site_a', 'scheduled_at': NOW,
                     'execution_name': a, 'state': 'created', 'phase': final,
                     'error': None},
                    {'schedule': 'data_sync_site_b', 'scheduled_at': NOW,
                     'execution_name': b, 'state': 'created', 'phase': 'SUCCEEDED',
                     'error': None}])
        # Not created at all (a permanent error at Admin): over, not succeeded.
        self.execute('DELETE FROM runs')
        rc, out, err = self.wait_in_background(
            ['trigger', 'data_sync_site_a', '--wait'],
            [(0.3, 'data_sync_site_a', 'failed', None, 'launch plan not found')])
        self.assertEqual((rc, out, err), (1,
            'triggered data_sync_site_a at %s: execution %s\n'
            'data_sync_site_a: execution %s failed: launch plan not found\n'
            % (NOW, a, a), ''))

    def test_trigger_wait_timeout_exits_75(self):
        t0 = time.monotonic()
        rc, out, err = self.run_ctl('trigger', 'data_sync_site_a', '--wait',
                                    '--timeout', '1s')
        self.assertLess(time.monotonic() - t0, 10)
        a = execution_name('data_sync_site_a', ts(NOW))
        self.assertEqual((rc, out, err), (75,
            'triggered data_sync_site_a at %s: execution %s\n' % (NOW, a),
            'schedctl: 1 of 1 executions not finished after 1s (is schedd running?)\n'))
        # The trigger itself stays: the daemon sends it when it comes.
        self.assertEqual([r[1:5] for r in self.runs()], [
            ('data_sync_site_a', NOW, 'trigger', 'pending')])
        self.fail_msg(['trigger', 'data_sync_site_a', '--wait', '--timeout', '0s'], 64,
                      '--timeout: "0s" is not a duration like 30s, 10m, 2h (at most 7d)',
                      now=LATER)

    def test_backfill_selector(self):
        self.add_site_b()
        before = self.snapshot()
        self.check(['backfill', '--selector', 'team=data', '--from', '2026-11-24T04:00:00Z',
                    '--to', '2026-11-24T10:00:00Z', '--dry-run'], 0,
                   '2026-11-24T12:00:00+08:00\n2026-11-24T18:00:00+08:00\n'
                   'data_sync_site_a: 2 instants, 0 requested (dry run: nothing written)\n'
                   '2026-11-24T12:00:00+08:00\n2026-11-24T18:00:00+08:00\n'
                   'data_sync_site_b: 2 instants, 0 requested (dry run: nothing written)\n',
                   now=LATER)
        self.assertUnchanged(before)
        self.check_json(['backfill', '--selector', 'site=site_b', '--from',
                         '2026-11-24T04:00:00Z', '--to', '2026-11-24T10:00:00Z'],
                        [{'schedule': 'data_sync_site_b', 'dry_run': False,
                          'instants': ['2026-11-24T12:00:00+08:00',
                                       '2026-11-24T18:00:00+08:00'],
                          'requested': 2}], now=LATER)
        self.assertEqual([r[1:5] for r in self.runs()], [
            ('data_sync_site_b', '2026-11-24T04:00:00Z', 'backfill', 'pending'),
            ('data_sync_site_b', '2026-11-24T10:00:00Z', 'backfill', 'pending')])
        self.check(['-o', 'yaml', 'backfill', '--selector', 'team=data', '--from',
                    '2026-11-24T04:00:00Z', '--to', '2026-11-24T04:00:00Z'], 0,
                   '- schedule: data_sync_site_a\n'
                   '  dry_run: false\n'
                   '  instants:\n'
                   '    - "2026-11-24T12:00:00+08:00"\n'
                   '  requested: 1\n'
                   '- schedule: data_sync_site_b\n'
                   '  dry_run: false\n'
                   '  instants:\n'
                   '    - "2026-11-24T12:00:00+08:00"\n'
                   '  requested: 0\n', now=LATER)
        self.assertEqual([c[3:5] for c in self.changes()[3:]], [
            ('backfill', 'data_sync_site_b'), ('backfill', 'data_sync_site_a')])
        # All or nothing: the minutely schedule asks for too much, nothing is
        # written and nothing printed.
        self.add('minutely', '--label', 'team=data', cron='* * * * *')
        before = self.snapshot()
        self.fail_msg(['backfill', '--selector', 'team=data', '--from',
                       '2026-11-01T00:00:00Z', '--to', '2026-11-07T22:40:00Z'], 65,
                      'minutely fires more than 10000 times from --from to --to; '
                      'backfill a shorter range', now=LATER)
        self.assertUnchanged(before)
        self.check(['backfill', '--selector', 'team=nobody', '--from',
                    '2026-11-24T04:00:00Z', '--to', '2026-11-24T10:00:00Z'], 0,
                   'nothing to backfill\n', now=LATER)

    def test_backfill_dry_run_writes_nothing(self):
        before = self.snapshot()
        self.check(['backfill', 'data_sync_site_a', '--from', '2026-11-24T00:00:00Z',
                    '--to', '2026-11-25T00:00:00Z', '--dry-run'], 0,
                   '2026-11-24T12:00:00+08:00\n2026-11-24T18:00:00+08:00\n'
                   '2026-11-25T00:00:00+08:00\n2026-11-25T06:00:00+08:00\n'
                   'data_sync_site_a: 4 instants, 0 requested (dry run: nothing written)\n',
                   now=LATER)
        self.check_json(['backfill', 'data_sync_site_a', '--from',
                         '2026-11-24T04:00:00Z', '--to', '2026-11-24T10:00:00Z',
                         '--dry-run'],
                        [{'schedule': 'data_sync_site_a', 'dry_run': True,
                          'instants': ['2026-11-24T12:00:00+08:00',
                                       '2026-11-24T18:00:00+08:00'],
                          'requested': 0}], now=LATER)
        self.assertUnchanged(before)

    def test_backfill_inclusive_and_skips_existing(self):
        self.insert_run('data_sync_site_a', '2026-11-24T16:00:00Z', 'created',
                        execution_name='e', http_status=200, attempts=1,
                        sent_at='2026-11-24T16:00:01Z')
        self.check(['backfill', 'data_sync_site_a', '--from', '2026-11-24T04:00:00Z',
                    '--to', '2026-11-25T04:00:00Z'], 0,
                   '2026-11-24T12:00:00+08:00  requested\n'
                   '2026-11-24T18:00:00+08:00  requested\n'
                   '2026-11-25T00:00:00+08:00  has a run already\n'
                   '2026-11-25T06:00:00+08:00  requested\n'
                   '2026-11-25T12:00:00+08:00  requested\n'
                   'data_sync_site_a: 5 instants, 4 requested\n', now=LATER)
        self.assertEqual(self.runs(), [
            (1, 'data_sync_site_a', '2026-11-24T16:00:00Z', 'scheduled', 'created', 'e',
             200, None, 1, '2026-11-24T16:00:00Z', '2026-11-24T16:00:01Z',
             '2026-11-24T16:00:01Z', None)] + [
            (1, 'data_sync_site_a', at, 'backfill', 'pending', None, None, None, 0,
             LATER, None, None, None)
            for at in ('2026-11-24T04:00:00Z', '2026-11-24T10:00:00Z',
                       '2026-11-24T22:00:00Z', '2026-11-25T04:00:00Z')])
        self.assertEqual(self.changes()[1:], [
            (2, LATER, OS_USER, 'backfill', 'data_sync_site_a', None, None)])
        # Again: everything has a run already.
        self.check_json(['backfill', 'data_sync_site_a', '--from',
                         '2026-11-24T04:00:00Z', '--to', '2026-11-24T10:00:00Z'],
                        [{'schedule': 'data_sync_site_a', 'dry_run': False,
                          'instants': ['2026-11-24T12:00:00+08:00',
                                       '2026-11-24T18:00:00+08:00'],
                          'requested': 0}], now=EVEN_LATER)
        self.assertEqual(self.count('runs'), 5)
        # Nothing requested: no changes row either.
        self.assertEqual(self.count('changes'), 2)

    def test_backfill_of_nothing_writes_nothing(self):
        before = self.snapshot()
        # A range with no instant, and one whose instants all have runs.
        self.check(['backfill', 'data_sync_site_a', '--from', '2026-11-24T05:00:00Z',
                    '--to', '2026-11-24T09:59:59Z'], 0,
                   'data_sync_site_a: 0 instants, 0 requested\n', now=LATER)
        self.assertUnchanged(before)
        self.insert_run('data_sync_site_a', '2026-11-24T10:00:00Z', 'pending')
        before = self.snapshot()
        self.check(['backfill', 'data_sync_site_a', '--from', '2026-11-24T10:00:00Z',
                    '--to', '2026-11-24T10:00:00Z'], 0,
                   '2026-11-24T18:00:00+08:00  has a run already\n'
                   'data_sync_site_a: 1 instants, 0 requested\n', now=LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.count('changes'), 1)
        self.assertEqual(self.count('runs'), 1)

    def test_backfill_limit(self):
        self.add('minutely', cron='* * * * *')
        # 10000 instants (both ends included) are allowed ...
        rc, o, e = self.run_ctl('backfill', 'minutely', '--from', '2026-11-01T00:00:00Z',
                                '--to', '2026-11-07T22:39:00Z', '--dry-run')
        self.assertEqual((rc, e), (0, ''))
        self.assertTrue(o.endswith('minutely: 10000 instants, 0 requested (dry run: '
                                   'nothing written)\n'), o[-200:])
        # ... 10001 are refused, and nothing is written.
        before = self.snapshot()
        for extra in ([], ['--dry-run']):
            self.fail_msg(['backfill', 'minutely', '--from', '2026-11-01T00:00:00Z',
                           '--to', '2026-11-07T22:40:00Z'] + extra, 65,
                          'minutely fires more than 10000 times from --from to --to; '
                          'backfill a shorter range')
        self.assertUnchanged(before)

    def test_backfill_from_after_to(self):
        before = self.snapshot()
        self.fail_msg(['backfill', 'data_sync_site_a', '--from', '2026-11-25T00:00:00Z',
                       '--to', '2026-11-24T23:59:59Z'], 65, '--from is after --to')
        self.assertUnchanged(before)


# --------------------------------------------------------------------------
# apply, export


class TestApply(SchedctlTest):

    def matrix_rows(self, at=NOW):
        return [row_tuple('data_sync_' + s, id=i + 1, project='flytesnacks',
                          domain='development', launch_plan='data_sync_wf',
                          cron='0 */6 * * *', tz='Asia/Shanghai',
                          inputs='{"site_id":"%s","since":"{{kickoff_time}}"}' % s,
                          labels='{"team":"data","site":"%s"}' % s, created_at=at)
                for i, s in enumerate(('site_a', 'site_b', 'site_c'))]

    def test_matrix(self):
        path = self.write('schedules.yaml', MATRIX_YAML)
        self.check(['apply', path], 0, '+ data_sync_site_a\n+ data_sync_site_b\n'
                   '+ data_sync_site_c\n3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.schedules(), self.matrix_rows())
        self.assertEqual([c[:6] for c in self.changes()],
                         [(i + 1, NOW, OS_USER, 'apply', 'data_sync_' + s, None)
                          for i, s in enumerate(('site_a', 'site_b', 'site_c'))])
        self.assertEqual(self.changes()[1][6], schedule_doc(
            'data_sync_site_b', project='flytesnacks', domain='development',
            launch_plan='data_sync_wf', cron='0 */6 * * *', tz='Asia/Shanghai',
            inputs={'site_id': 'site_b', 'since': '{{kickoff_time}}'},
            labels={'team': 'data', 'site': 'site_b'}, source=path))
        # Twice: nothing changes, not even updated_at, and no audit rows.
        before = self.snapshot()
        self.check(['apply', path], 0, '0 added, 0 changed, 0 removed, 3 unchanged\n',
                   now=LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.count('changes'), 3)

    def test_apply_json_output(self):
        path = self.write('schedules.yaml', MATRIX_YAML)
        self.check(['-o', 'json', 'apply', path], 0,
                   '{"dry_run":false,"added":["data_sync_site_a","data_sync_site_b",'
                   '"data_sync_site_c"],"changed":[],"kept":[],"removed":[],"unchanged":0}\n')
        self.assertEqual(self.schedules(), self.matrix_rows())
        self.check_json(['apply', path, '--prune'],
                        {'dry_run': False, 'added': [], 'changed': [], 'kept': [], 'removed': [],
                         'unchanged': 3}, now=LATER)
        self.assertEqual(self.count('changes'), 3)

    def test_apply_json_dry_run_diff(self):
        self.check(['apply', self.write('m.yaml', MATRIX_YAML)], 0,
                   '+ data_sync_site_a\n+ data_sync_site_b\n+ data_sync_site_c\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        # The same file, edited (a file of another name is another source).
        path = self.write('m.yaml', """\
schedules:
  - name: data_sync_site_a
    lp: flytesnacks/development/data_sync_wf@v2
    cron: "0 */6 * * *"
    tz: Asia/Shanghai
    inputs: {site_id: site_a, since: "{{kickoff_time}}", retries: 3}
    labels: {team: data}
    note: moved
  - name: data_sync_site_b
    lp: flytesnacks/development/data_sync_wf
    cron: "0 */6 * * *"
    tz: Asia/Shanghai
    inputs: {site_id: site_b, since: "{{kickoff_time}}"}
    labels: {team: data, site: site_b}
  - {name: new_one, lp: p/d/l, cron: "@daily"}
""")
        before = self.snapshot()
        self.check_json(['apply', path, '--prune', '--dry-run'], {
            'dry_run': True, 'added': ['new_one'],
            'changed': [{'name': 'data_sync_site_a', 'fields': {
                'lp': {'from': 'flytesnacks/development/data_sync_wf',
                       'to': 'flytesnacks/development/data_sync_wf@v2'},
                'inputs': {'from': {'site_id': 'site_a', 'since': '{{kickoff_time}}'},
                           'to': {'site_id': 'site_a', 'since': '{{kickoff_time}}',
                                  'retries': 3}},
                'labels': {'from': {'team': 'data', 'site': 'site_a'},
                           'to': {'team': 'data'}},
                'note': {'from': None, 'to': 'moved'}}}],
            'kept': [], 'removed': ['data_sync_site_c'], 'unchanged': 1}, now=LATER)
        self.assertUnchanged(before)
        # The same report as text: + lines, then ~ lines, then - lines.
        self.check(['apply', path, '--prune', '--dry-run'], 0,
                   '+ new_one\n'
                   '~ data_sync_site_a: lp "flytesnacks/development/data_sync_wf" -> '
                   '"flytesnacks/development/data_sync_wf@v2"\n'
                   '~ data_sync_site_a: inputs {"site_id":"site_a","since":'
                   '"{{kickoff_time}}"} -> {"site_id":"site_a","since":'
                   '"{{kickoff_time}}","retries":3}\n'
                   '~ data_sync_site_a: labels {"team":"data","site":"site_a"} -> '
                   '{"team":"data"}\n'
                   '~ data_sync_site_a: note (unset) -> "moved"\n'
                   '- data_sync_site_c\n'
                   '1 added, 1 changed, 1 removed, 1 unchanged (dry run: nothing written)\n',
                   now=LATER)
        self.assertUnchanged(before)

    def test_dry_run_diff_and_prune(self):
        self.check(['apply', self.write('m.yaml', MATRIX_YAML)], 0,
                   '+ data_sync_site_a\n+ data_sync_site_b\n+ data_sync_site_c\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        # The same file, edited (a file of another name is another source).
        path = self.write('m.yaml', """\
schedules:
  - name: "data_sync_{site_id}"
    lp: flytesnacks/development/data_sync_wf@v2
    cron: "0 */4 * * *"
    tz: Asia/Shanghai
    inputs: {site_id: "{site_id}", since: "{{kickoff_time}}"}
    labels: {team: data, site: "{site_id}"}
    catchup_window: 2h
    matrix: {site_id: [site_a, site_b]}
  - name: new_one
    lp: p/d/l
    cron: "@daily"
    paused: true
    note: "a note"
""")
        diff = ''.join(
            '~ data_sync_%s: lp "flytesnacks/development/data_sync_wf" -> '
            '"flytesnacks/development/data_sync_wf@v2"\n'
            '~ data_sync_%s: cron "0 */6 * * *" -> "0 */4 * * *"\n'
            '~ data_sync_%s: catchup_window "1h" -> "2h"\n' % (s, s, s)
            for s in ('site_a', 'site_b'))
        # Text output: every + line, then every ~ line, then every - line.
        before = self.snapshot()
        self.check(['apply', path, '--dry-run'], 0, '+ new_one\n' + diff +
                   '1 added, 2 changed, 0 removed, 0 unchanged (dry run: nothing written)\n',
                   now=LATER)
        self.check(['apply', path, '--prune', '--dry-run'], 0, '+ new_one\n' + diff +
                   '- data_sync_site_c\n'
                   '1 added, 2 changed, 1 removed, 0 unchanged (dry run: nothing written)\n',
                   now=LATER)
        self.assertUnchanged(before)
        # For real, with --prune.
        self.check(['apply', path, '--prune'], 0, '+ new_one\n' + diff +
                   '- data_sync_site_c\n'
                   '1 added, 2 changed, 1 removed, 0 unchanged\n', now=LATER)
        a, b, _ = self.matrix_rows()
        changed = [tuple(v if c not in ('version', 'cron', 'catchup_window', 'updated_at')
                         else {'version': 'v2', 'cron': '0 */4 * * *',
                               'catchup_window': 7200, 'updated_at': LATER}[c]
                         for c, v in zip(SCHEDULE_COLUMNS, r)) for r in (a, b)]
        self.assertEqual(self.schedules(), changed + [row_tuple(
            'new_one', id=4, cron='@daily', paused=1, note='a note', created_at=LATER)])
        tail = self.changes()[3:]
        self.assertEqual([(c[1], c[3], c[4], c[5] is None, c[6] is None) for c in tail], [
            (LATER, 'apply', 'data_sync_site_a', False, False),
            (LATER, 'apply', 'data_sync_site_b', False, False),
            (LATER, 'apply', 'new_one', True, False),
            (LATER, 'apply --prune', 'data_sync_site_c', False, True)])
        self.assertEqual(tail[0][6]['cron'], '0 */4 * * *')
        self.assertEqual(tail[0][5]['cron'], '0 */6 * * *')

    def test_prune_with_an_empty_file(self):
        # No names to look up at all: everything goes.
        self.check(['apply', self.write('m.yaml', MATRIX_YAML)], 0,
                   '+ data_sync_site_a\n+ data_sync_site_b\n+ data_sync_site_c\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.check(['apply', self.write('m.yaml', 'schedules: []\n'), '--prune'], 0,
                   '- data_sync_site_a\n- data_sync_site_b\n- data_sync_site_c\n'
                   '0 added, 0 changed, 3 removed, 0 unchanged\n', now=LATER)
        self.assertEqual(self.count('schedules'), 0)

    def test_dry_run_on_missing_database_creates_nothing(self):
        # Against a database that does not exist yet everything is new, and
        # the dry run does not create it.
        path = self.write('m.yaml', MATRIX_YAML)
        self.check(['apply', path, '--dry-run', '--prune'], 0,
                   '+ data_sync_site_a\n+ data_sync_site_b\n+ data_sync_site_c\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged (dry run: nothing written)\n')
        self.check_json(['apply', path, '--dry-run'],
                        {'dry_run': True, 'added': ['data_sync_site_a', 'data_sync_site_b',
                                                    'data_sync_site_c'],
                         'changed': [], 'kept': [], 'removed': [], 'unchanged': 0})
        self.assertEqual(os.listdir(self.dir), ['m.yaml'])

    def test_json_file(self):
        path = self.write('s.json', json.dumps({'schedules': [
            {'name': 'j1', 'lp': 'p/d/l@v1', 'cron': '0 * * * *',
             'labels': {'team': 'data'}, 'inputs': {'n': 3, 'flag': True},
             'catchup': 'none', 'catchup_window': 600, 'overlap': 'cancel-previous',
             'service_account': 'runner', 'kickoff_input': 'ts'}]}))
        self.check(['apply', path], 0, '+ j1\n1 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.schedules(), [row_tuple(
            'j1', id=1, version='v1', inputs='{"n":3,"flag":true}', labels='{"team":"data"}',
            catchup='none', catchup_window=600, overlap='cancel-previous',
            service_account='runner', kickoff_input='ts')])
        # A bare list of schedules is accepted too.
        path = self.write('l.json', '[{"name": "j2", "lp": "p/d/l", "cron": "@hourly"}]')
        self.check(['apply', path], 0, '+ j2\n1 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.count('schedules'), 2)

    def test_invalid_file_writes_nothing(self):
        self.add_seed()
        missing = os.path.join(self.dir, 'missing.yaml')
        cases = [
            ('bad_cron.yaml', """\
schedules:
  - name: good
    lp: p/d/l
    cron: "0 * * * *"
  - name: bad_cron
    lp: p/d/l
    cron: "0 25 * * *"
""", 65, 'entry 2 (bad_cron): cron "0 25 * * *": hour 25 out of range 0-23'),
            ('unknown.yaml', """\
schedules:
  - name: good
    lp: p/d/l
    cron: "0 * * * *"
  - name: other
    lp: p/d/l
    cron: "0 * * * *"
    colour: blue
""", 65, 'entry 2 (other): colour: unknown field'),
            ('syntax.yaml', """\
schedules:
  - name: a
    lp: p/d/l
    cron: "0 * * * *"
  - name: b
   lp: p/d/l
""", 65, "6:4: did not find expected '-' indicator"),
            ('dup.yaml', """\
schedules:
  - name: "dup_{x}"
    lp: p/d/l
    cron: "0 * * * *"
    matrix: {x: [a, b]}
  - name: dup_a
    lp: p/d/l
    cron: "0 * * * *"
""", 65, 'entry 2 (dup_a): name "dup_a" also used by entry 1'),
            ('matrix_key.yaml', """\
schedules:
  - name: "m_{x}"
    lp: p/d/l
    cron: "0 * * * *"
    inputs: {a: "{nokey}"}
    matrix: {x: [1]}
""", 65, 'entry 1 (m_{x}): "{nokey}" is not a matrix key'),
            ('bad_label.yaml', """\
schedules:
  - name: ok
    lp: p/d/l
    cron: "0 * * * *"
  - name: lab
    lp: p/d/l
    cron: "0 * * * *"
    labels: {team: "a b"}
""", 65, 'entry 2 (lab): labels: value "a b" of "team" is not a valid Kubernetes '
                 'label value (at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends)'),
            ('no_lp.yaml', 'schedules:\n  - {name: x, cron: "0 * * * *"}\n', 65,
             'entry 1 (x): lp: missing'),
            ('top.yaml', 'other: 1\n', 65, 'unknown top-level key "other" (expected schedules, source)'),
            ('empty.yaml', '', 65, 'empty document'),
            # Regression: libyaml decodes \u0000 (and YAML's \0) into the
            # text, where it ended the string: "ok\u0000bad" created "ok",
            # and a cron or an input was cut short without a word.
            ('nul_name.json', '[{"name": "ok\\u0000bad", "lp": "p/d/l", '
             '"cron": "0 * * * *"}]', 65, '1:11: ' + NUL),
            ('nul_cron.json', '[{"name": "ok", "lp": "p/d/l", '
             '"cron": "0 * * * *\\u0000 junk"}]', 65, '1:40: ' + NUL),
            ('nul_input.json', '[{"name": "ok", "lp": "p/d/l", "cron": "0 * * * *", '
             '"inputs": {"s": "a\\u0000b"}}]', 65, '1:69: ' + NUL),
            ('nul_key.yaml', 'schedules:\n  - {name: ok, lp: p/d/l, cron: "@hourly", '
             'inputs: {"a\\0": 1}}\n', 65, '2:53: ' + NUL),
            # Regression: 1e999 in a file was kept as the string "1e999".
            ('range.json', '{"schedules": [{"name": "r", "lp": "p/d/l", '
             '"cron": "0 * * * *", "inputs": {"ratio": 1e999}}]}', 65,
             '1:86: ' + RANGE),
            ('range.yaml', 'schedules:\n  - {name: r, lp: p/d/l, cron: "@hourly", '
             'inputs: {tiny: -1e-400}}\n', 65, '2:58: ' + RANGE),
            # duplicate keys anywhere in a file: a schedule, its inputs, its matrix
            ('dup_key.json', '[{"name": "a", "lp": "p/d/l", "cron": "@hourly", '
             '"name": "b"}]', 65, '1:50: duplicate key "name"'),
            ('dup_input.json', '[{"name": "a", "lp": "p/d/l", "cron": "@hourly", '
             '"inputs": {"site_id": "a", "site_id": "b"}}]', 65,
             '1:77: duplicate key "site_id"'),
            ('dup_matrix.yaml', 'schedules:\n  - {name: "m_{x}", lp: p/d/l, '
             'cron: "@hourly", matrix: {x: [a], x: [b]}}\n', 65,
             '2:66: duplicate key "x"'),
            # the first name used twice in file order is the one named
            ('dup3.yaml', 'schedules:\n  - {name: "m_{x}", lp: p/d/l, cron: "@hourly", '
             'matrix: {x: [c, a, b, a, c]}}\n', 65,
             'entry 1 (m_{x}): name "m_a" also used by entry 1'),
            # Regression: the matrix was expanded before it was counted.
            ('cap.yaml', 'schedules:\n  - {name: "m_{a}_{b}_{c}", lp: p/d/l, '
             'cron: "@hourly", matrix: {a: [%s], b: [%s], c: [%s]}}\n' %
             ((', '.join(str(i) for i in range(100)),) * 3), 65,
             'entry 1 (m_{a}_{b}_{c}): matrix: 1000000 combinations; a file expands '
             'to at most 100000 schedules'),
        ]
        for name, text, code, err in cases:
            with self.subTest(file=name):
                path = self.write(name, text)
                before = self.snapshot()
                self.fail_msg(['apply', path, '--prune'], code, path + ':' +
                              ('' if err[0].isdigit() else ' ') + err)
                self.assertUnchanged(before)
        before = self.snapshot()
        self.fail_msg(['apply', missing], 66, missing + ': No such file or directory')
        self.assertUnchanged(before)
        self.assertEqual(self.schedules(), [SEED_ROW])

    def test_invalid_utf8_file(self):
        path = os.path.join(self.dir, 'bad.yaml')
        with open(path, 'wb') as f:
            f.write(b'schedules:\n  - {name: x, lp: p/d/l, cron: "@hourly", '
                    b'note: "a\xffb"}\n')
        self.fail_msg(['apply', path], 65, path + ': byte 62: invalid leading '
                      'UTF-8 octet')
        self.assertFalse(os.path.exists(self.db))

    def test_matrix_keeps_leading_zeros(self):
        # Regression: unquoted [001, 010] made data_sync_1 and data_sync_10,
        # and a number was written with 17 digits (1.1000000000000001).
        path = self.write('z.yaml', """\
schedules:
  - name: "data_sync_{site_id}"
    lp: p/d/l
    cron: "@hourly"
    inputs: {site_id: "{site_id}", code: 00123, n: 7}
    matrix: {site_id: [001, 010, 1.1, 2]}
""")
        self.check(['apply', path], 0, '+ data_sync_001\n+ data_sync_010\n'
                   '+ data_sync_1.1\n+ data_sync_2\n'
                   '4 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.query('SELECT name, inputs FROM schedules ORDER BY id'), [
            ('data_sync_001', '{"site_id":"001","code":"00123","n":7}'),
            ('data_sync_010', '{"site_id":"010","code":"00123","n":7}'),
            ('data_sync_1.1', '{"site_id":1.1,"code":"00123","n":7}'),
            ('data_sync_2', '{"site_id":2,"code":"00123","n":7}')])

    def test_matrix_of_ten_billion_is_refused_at_once(self):
        # Regression: 10^10 combinations were refused only once 100,000 had
        # been expanded, each name compared with every other (minutes).
        values = '[%s]' % ', '.join(str(i) for i in range(100))
        path = self.write('big.yaml', 'schedules:\n  - name: "m_{a}_{b}_{c}_{d}_{e}"\n'
                          '    lp: p/d/l\n    cron: "@hourly"\n'
                          '    matrix: {a: %s, b: %s, c: %s, d: %s, e: %s}\n' %
                          ((values,) * 5))
        start = time.monotonic()
        self.fail_msg(['apply', path, '--dry-run'], 65, path + ': entry 1 '
                      '(m_{a}_{b}_{c}_{d}_{e}): matrix: 10000000000 combinations; '
                      'a file expands to at most 100000 schedules')
        self.assertLess(time.monotonic() - start, 10)

    def test_matrix_at_the_cap(self):
        # 100,000 schedules (the cap) in one matrix: expanded, names checked
        # by sorting, a dry run answered in seconds; one more is refused.
        a = ', '.join('a%03d' % i for i in range(1000))
        b = ', '.join('b%02d' % i for i in range(100))
        path = self.write('cap.yaml', 'schedules:\n  - {name: "x_{a}_{b}", lp: p/d/l, '
                          'cron: "@hourly", matrix: {a: [%s], b: [%s]}}\n' % (a, b))
        rc, o, e = self.run_ctl('apply', path, '--dry-run')
        self.assertEqual((rc, e), (0, ''))
        self.assertEqual(o.count('\n'), 100001)
        self.assertTrue(o.startswith('+ x_a000_b00\n+ x_a000_b01\n'), o[:100])
        self.assertTrue(o.endswith('+ x_a999_b99\n100000 added, 0 changed, 0 removed, '
                                   '0 unchanged (dry run: nothing written)\n'), o[-200:])
        with open(path, 'a') as f:
            f.write('  - {name: x_a500_b50, lp: p/d/l, cron: "@hourly"}\n')
        self.fail_msg(['apply', path, '--dry-run'], 65, path + ': entry 2 '
                      '(x_a500_b50): expands to more than 100000 schedules')
        self.assertFalse(os.path.exists(self.db))

    def test_invalid_file_does_not_create_database(self):
        path = self.write('bad.yaml', 'schedules:\n  - {name: x, lp: p/d/l, cron: "0 25 * * *"}\n')
        self.fail_msg(['apply', path], 65,
                      path + ': entry 1 (x): cron "0 25 * * *": hour 25 out of range 0-23')
        self.assertFalse(os.path.exists(self.db))

    def test_resume_through_file(self):
        path = self.write('p.yaml', 'schedules:\n  - {name: x, lp: p/d/l, cron: "@hourly", '
                          'paused: true}\n')
        self.check(['apply', path], 0, '+ x\n1 added, 0 changed, 0 removed, 0 unchanged\n')
        path = self.write('p.yaml', 'schedules:\n  - {name: x, lp: p/d/l, cron: "@hourly"}\n')
        self.check(['apply', path], 0, '~ x: paused true -> false\n'
                   '0 added, 1 changed, 0 removed, 0 unchanged\n', now=LATER)
        self.assertEqual(self.query('SELECT paused, created_at, updated_at, active_since '
                                    'FROM schedules'), [(0, NOW, LATER, LATER)])


class TestApplyOwnership(SchedctlTest):
    """Issue 9: apply owns what its file says, the operator owns the rest."""

    def apply_matrix(self):
        path = self.write('sites.yaml', MATRIX_YAML)
        self.check(['apply', path], 0, '+ data_sync_site_a\n+ data_sync_site_b\n'
                   '+ data_sync_site_c\n3 added, 0 changed, 0 removed, 0 unchanged\n')
        return path

    def sources(self):
        return self.query('SELECT name, source FROM schedules ORDER BY name')

    def test_prune_keeps_other_sources_and_operators(self):
        path = self.apply_matrix()
        other = self.write('other.yaml', 'schedules:\n  - {name: bi_daily, lp: p/d/l, '
                           'cron: "@daily"}\n')
        self.check(['apply', other, '--source', 'team-bi'], 0,
                   '+ bi_daily\n1 added, 0 changed, 0 removed, 0 unchanged\n')
        self.add('by_hand')
        self.assertEqual(self.sources(), [
            ('bi_daily', 'team-bi'), ('by_hand', None), ('data_sync_site_a', path),
            ('data_sync_site_b', path), ('data_sync_site_c', path)])
        # The same file without site_c, pruned: only its own schedule goes.
        self.write('sites.yaml', MATRIX_YAML.replace(', site_c]', ']'))
        self.check(['apply', path, '--prune'], 0, '- data_sync_site_c\n'
                   '0 added, 0 changed, 1 removed, 2 unchanged\n', now=LATER)
        # A file of no schedules pruned as team-bi removes team-bi's only.
        self.check(['apply', self.write('none.yaml', 'schedules: []\n'), '--prune',
                    '--source', 'team-bi'], 0,
                   '- bi_daily\n0 added, 0 changed, 1 removed, 0 unchanged\n', now=LATER)
        self.assertEqual(self.sources(), [
            ('by_hand', None), ('data_sync_site_a', path), ('data_sync_site_b', path)])
        self.check(['list'], 0, LIST_HEADER +
                   list_line('by_hand', 'p/d/l', '0 * * * *', 'UTC', 'active',
                             '2026-11-26T02:00:00Z') +
                   ''.join(list_line('data_sync_' + s, 'flytesnacks/development/data_sync_wf',
                                     '0 */6 * * *', 'Asia/Shanghai', 'active',
                                     '2026-11-26T12:00:00+08:00', path)
                           for s in ('site_a', 'site_b')))
        self.assertEqual(json.loads(self.run_ctl('-o', 'json', 'show', 'by_hand')[1])['source'],
                         None)

    def test_a_directory_is_one_source(self):
        d = os.path.join(self.dir, 'schedules.d')
        os.mkdir(d)
        self.write('schedules.d/b.json', '{"schedules": [{"name": "report", "lp": "p/d/l", '
                   '"cron": "0 7 * * *"}]}\n')
        self.write('schedules.d/a.yaml', 'schedules:\n  - name: "sync_{s}"\n    lp: p/d/l\n'
                   '    cron: "0 */6 * * *"\n    matrix: {s: [x, y]}\n')
        # Not schedules: hidden files (an editor's swap file), other suffixes.
        self.write('schedules.d/.a.yaml.swp', 'not: [yaml')
        self.write('schedules.d/README', 'not yaml either: [')
        self.write('schedules.d/b.json.bak', '{')
        # Files in name order, entries in file order.
        self.check(['apply', d], 0, '+ sync_x\n+ sync_y\n+ report\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.sources(), [('report', d), ('sync_x', d), ('sync_y', d)])
        self.add('by_hand')
        before = self.snapshot()
        # A bad file: named with its entry, nothing written.
        c = self.write('schedules.d/c.yaml', '- {name: later, lp: p/d/l, cron: "0 8 * * * * * *"}\n')
        self.check(['apply', d], 65, '', 'schedctl: %s: entry 1 (later): cron "0 8 * * * * * *": '
                   'expected 5 or 6 fields, got 8\n' % c)
        self.write('schedules.d/c.yaml', '- {name: report, lp: p/d/l, cron: "0 8 * * *"}\n')
        self.check(['apply', d], 65, '', 'schedctl: %s: entry 1 (report): name "report" also '
                   'used by %s entry 1\n' % (c, os.path.join(d, 'b.json')))
        self.write('schedules.d/c.yaml', 'source: mine\nschedules: []\n')
        self.check(['apply', d], 65, '', 'schedctl: %s: unknown top-level key "source" '
                   '(expected schedules; the source of a directory\'s files is the '
                   'directory)\n' % c)
        self.write('schedules.d/c.yaml', 'schedules: [\n')
        rc, out, err = self.run_ctl('apply', d)
        self.assertEqual((rc, out), (65, ''))
        self.assertTrue(err.startswith('schedctl: %s:2:' % c), err)
        self.assertUnchanged(before)
        os.unlink(c)
        # A file removed, pruned: its schedules go, the operator's stay.
        os.unlink(os.path.join(d, 'a.yaml'))
        self.check(['apply', d, '--prune'], 0, '- sync_x\n- sync_y\n'
                   '0 added, 0 changed, 2 removed, 1 unchanged\n', now=LATER)
        self.assertEqual(self.sources(), [('by_hand', None), ('report', d)])
        self.check(['apply', os.path.join(self.dir, 'nowhere.d')], 66, '',
                   'schedctl: %s: No such file or directory\n'
                   % os.path.join(self.dir, 'nowhere.d'))

    def test_pause_then_apply_keeps_paused(self):
        path = self.apply_matrix()
        self.check(['pause', 'data_sync_site_b', '--note', 'site migration'], 0,
                   'paused data_sync_site_b\n')
        before = self.snapshot()
        self.check(['apply', path], 0,
                   '= data_sync_site_b: paused true left as set by the operator (file: false)\n'
                   '= data_sync_site_b: note "site migration" left as set by the operator '
                   '(file: (unset))\n'
                   '0 added, 0 changed, 0 removed, 3 unchanged\n', now=LATER)
        self.assertUnchanged(before)
        self.check_json(['apply', path, '--dry-run'], {
            'dry_run': True, 'added': [], 'changed': [], 'removed': [], 'unchanged': 3,
            'kept': [{'name': 'data_sync_site_b', 'fields': {
                'paused': {'kept': True, 'file': False},
                'note': {'kept': 'site migration', 'file': None}}}]})
        self.assertEqual(self.query('SELECT name, paused, note FROM schedules ORDER BY id'), [
            ('data_sync_site_a', 0, None), ('data_sync_site_b', 1, 'site migration'),
            ('data_sync_site_c', 0, None)])
        # Resumed by the operator: the file agrees again on paused.
        self.check(['resume', 'data_sync_site_b'], 0, 'resumed data_sync_site_b\n',
                   now=LATER)
        self.check(['apply', path], 0,
                   '= data_sync_site_b: note "site migration" left as set by the operator '
                   '(file: (unset))\n'
                   '0 added, 0 changed, 0 removed, 3 unchanged\n', now=EVEN_LATER)

    def test_file_that_says_paused_false_resumes(self):
        path = self.write('sites.yaml', MATRIX_YAML.replace(
            '    matrix:', '    paused: false\n    matrix:'))
        self.check(['apply', path], 0, '+ data_sync_site_a\n+ data_sync_site_b\n'
                   '+ data_sync_site_c\n3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.check(['pause', 'data_sync_site_a'], 0, 'paused data_sync_site_a\n')
        self.check(['apply', path], 0, '~ data_sync_site_a: paused true -> false\n'
                   '0 added, 1 changed, 0 removed, 2 unchanged\n', now=LATER)
        self.assertEqual(self.query("SELECT paused, active_since FROM schedules "
                                    "WHERE name = 'data_sync_site_a'"), [(0, LATER)])
        # The file owns paused again: pausing by file then leaving it out resumes.
        self.check(['apply', path], 0, '0 added, 0 changed, 0 removed, 3 unchanged\n',
                   now=EVEN_LATER)

    def test_repin_then_apply_keeps_the_version(self):
        path = self.write('sites.yaml', MATRIX_YAML.replace(
            'data_sync_wf\n', 'data_sync_wf@v1\n'))
        self.check(['apply', path], 0, '+ data_sync_site_a\n+ data_sync_site_b\n'
                   '+ data_sync_site_c\n3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.check(['repin', '--lp', 'flytesnacks/development/data_sync_wf',
                    '--version', 'v2', '--selector', 'site=site_c'], 0,
                   'repinned data_sync_site_c to v2\n')
        before = self.snapshot()
        self.check(['apply', path], 0, '= data_sync_site_c: version "v2" left as set by '
                   'the operator (file: "v1")\n'
                   '0 added, 0 changed, 0 removed, 3 unchanged\n', now=LATER)
        self.assertUnchanged(before)
        self.assertEqual(self.query('SELECT name, version FROM schedules ORDER BY id'), [
            ('data_sync_site_a', 'v1'), ('data_sync_site_b', 'v1'), ('data_sync_site_c', 'v2')])
        # A file that pins a new version takes over.
        self.write('sites.yaml', MATRIX_YAML.replace('data_sync_wf\n', 'data_sync_wf@v3\n'))
        self.check(['apply', path], 0, ''.join(
            '~ data_sync_%s: lp "flytesnacks/development/data_sync_wf@%s" -> '
            '"flytesnacks/development/data_sync_wf@v3"\n' % (s, v)
            for s, v in (('site_a', 'v1'), ('site_b', 'v1'), ('site_c', 'v2'))) +
            '0 added, 3 changed, 0 removed, 0 unchanged\n', now=LATER)
        self.assertEqual(self.query('SELECT version, repinned_from FROM schedules'),
                         [('v3', None)] * 3)

    INCLUDE_YAML = """\
schedules:
  - name: "sync_{site_id}"
    lp: "p/d/wf@{version}"
    cron: "0 6 * * *"
    tz: "{tz}"
    inputs: {site_id: "{site_id}"}
    labels: {site: "{site_id}", tier: "{tier}"}
    matrix:
      site_id: ["001", "002", "003"]
      tz: [UTC]
      version: [v1]
      exclude: [{site_id: "002"}]
      include:
        - {site_id: "001", tier: std}
        - {site_id: "003", tier: gold}
        - {site_id: "002", tz: Asia/Tokyo, version: v2, tier: std}
"""

    def test_matrix_include_exclude(self):
        path = self.write('inc.yaml', self.INCLUDE_YAML)
        self.check(['apply', path], 0, '+ sync_001\n+ sync_003\n+ sync_002\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.assertEqual(self.query(
            'SELECT name, version, tz, inputs, labels FROM schedules ORDER BY id'), [
            ('sync_001', 'v1', 'UTC', '{"site_id":"001"}', '{"site":"001","tier":"std"}'),
            ('sync_003', 'v1', 'UTC', '{"site_id":"003"}', '{"site":"003","tier":"gold"}'),
            ('sync_002', 'v2', 'Asia/Tokyo', '{"site_id":"002"}',
             '{"site":"002","tier":"std"}')])
        # An include that sets no list and makes a schedule of its own lacks {site_id}.
        bad = self.write('bad.yaml', self.INCLUDE_YAML + '        - {tz: Europe/Paris}\n')
        self.fail_msg(['apply', bad], 65, bad + ': entry 1 (sync_{site_id}): '
                      '"{site_id}" is not a matrix key')
        bad = self.write('bad2.yaml', self.INCLUDE_YAML.replace(
            '{site_id: "002"}]', '{site: "002"}]'))
        self.fail_msg(['apply', bad], 65, bad + ': entry 1 (sync_{site_id}): '
                      'matrix: exclude 1: site is not a list of the matrix')

    def test_apply_from_stdin(self):
        self.usage_error(['apply', '-'], 'standard input needs --source NAME or a '
                         'top-level source: key', stdin=MATRIX_YAML.encode())
        self.assertFalse(os.path.exists(self.db))
        self.check(['apply', '-', '--source', 'team-data'], 0,
                   '+ data_sync_site_a\n+ data_sync_site_b\n+ data_sync_site_c\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n', stdin=MATRIX_YAML.encode())
        self.assertEqual(self.sources(), [('data_sync_site_%s' % s, 'team-data')
                                          for s in 'abc'])
        # A top-level source: key names it too; --source wins over it.
        text = 'source: team-data\n' + MATRIX_YAML.replace(', site_c]', ']')
        self.check(['apply', '-', '--prune'], 0, '- data_sync_site_c\n'
                   '0 added, 0 changed, 1 removed, 2 unchanged\n', stdin=text.encode())
        self.fail_msg(['apply', '-'], 65, 'stdin:1:13: did not find expected node content',
                      stdin=b'schedules: [}\n')

    def test_export_apply_round_trip_with_a_matrix(self):
        path = self.write('inc.yaml', self.INCLUDE_YAML)
        self.check(['apply', path], 0, '+ sync_001\n+ sync_003\n+ sync_002\n'
                   '3 added, 0 changed, 0 removed, 0 unchanged\n')
        self.add('by_hand')
        # The matrix entry is written whole; by_hand is not of that source.
        rc, text, e = self.run_ctl('export', '--selector', 'site')
        self.assertEqual((rc, e), (0, ''))
        self.assertEqual(text, 'source: "%s"\nschedules:\n'
                         '  - name: "sync_{site_id}"\n'
                         '    lp: "p/d/wf@{version}"\n'
                         '    cron: "0 6 * * *"\n'
                         '    tz: "{tz}"\n'
                         '    inputs: {"site_id":"{site_id}"}\n'
                         '    labels: {"site":"{site_id}","tier":"{tier}"}\n'
                         '    matrix: {"site_id":["001","002","003"],"tz":["UTC"],'
                         '"version":["v1"],"exclude":[{"site_id":"002"}],'
                         '"include":[{"site_id":"001","tier":"std"},'
                         '{"site_id":"003","tier":"gold"},{"site_id":"002",'
                         '"tz":"Asia/Tokyo","version":"v2","tier":"std"}]}\n' % path)
        exported = self.write('exported.yaml', text)
        before = self.snapshot()
        self.check(['apply', exported, '--prune'], 0,
                   '0 added, 0 changed, 0 removed, 3 unchanged\n', now=LATER)
        self.assertUnchanged(before)
        # Changed by hand: that schedule is written on its own, the others too.
        self.assertEqual(self.run_ctl('update', 'sync_003', '--cron', '0 7 * * *')[0], 0)
        rc, text, e = self.run_ctl('-o', 'json', 'export', '--selector', 'site')
        doc = json.loads(text)
        self.assertEqual(doc['source'], path)
        self.assertEqual([(s['name'], s['cron'], s['lp']) for s in doc['schedules']], [
            ('sync_001', '0 6 * * *', 'p/d/wf@v1'), ('sync_002', '0 6 * * *', 'p/d/wf@v2'),
            ('sync_003', '0 7 * * *', 'p/d/wf@v1')])
        exported = self.write('exported.json', text)
        self.check(['apply', exported], 0,
                   '0 added, 0 changed, 0 removed, 3 unchanged\n', now=LATER)


class TestExport(SchedctlTest):

    def populate(self):
        self.add_seed()
        inputs_file = self.write('in.json', '{"a": 1.5, "u": "h\\u00e9llo \\u2713"}')
        self.add('weekly', '--tz', 'Europe/Paris', '--inputs', '@' + inputs_file,
                 '--input', 'd={{kickoff_time:%Y-%m-%d}}', '--kickoff-input', 'kickoff',
                 '--label', 'team=bi', '--label', 'example.com/tier=gold',
                 '--annotation', 'owner=Jane Doe', '--service-account', 'sched-runner',
                 '--catchup', 'all', '--catchup-window', '1h30m', '--overlap', 'skip',
                 '--note', 'weekly job', lp='proj/dom/lp_name@v7', cron='15 3 * * 1')
        self.add('held', '--paused', '--note', 'on hold', '--label', 'team=data',
                 cron='@every 90m')

    SEED_YAML = """\
  - name: "data_sync_site_a"
    lp: "flytesnacks/development/data_sync_wf"
    cron: "0 */6 * * *"
    tz: "Asia/Shanghai"
    inputs: {"site_id":"site_a","since":"{{kickoff_time}}"}
    labels: {"team":"data","site":"site_a"}
    annotations: {}
    catchup: "latest"
    catchup_window: "1h"
    overlap: "allow"
    paused: false
"""
    HELD_YAML = """\
  - name: "held"
    lp: "p/d/l"
    cron: "@every 90m"
    tz: "UTC"
    inputs: {}
    labels: {"team":"data"}
    annotations: {}
    catchup: "latest"
    catchup_window: "1h"
    overlap: "allow"
    paused: true
    note: "on hold"
"""
    WEEKLY_YAML = """\
  - name: "weekly"
    lp: "proj/dom/lp_name@v7"
    cron: "15 3 * * 1"
    tz: "Europe/Paris"
    inputs: {"a":1.5,"u":"h\u00e9llo \u2713","d":"{{kickoff_time:%Y-%m-%d}}"}
    kickoff_input: "kickoff"
    labels: {"team":"bi","example.com/tier":"gold"}
    annotations: {"owner":"Jane Doe"}
    service_account: "sched-runner"
    catchup: "all"
    catchup_window: "1h30m"
    overlap: "skip"
    paused: false
    note: "weekly job"
"""

    def spec_rows(self, db=None):
        return self.query('SELECT %s FROM schedules ORDER BY name' %
                          ', '.join(SCHEDULE_COLUMNS[1:18]), db=db)

    def round_trip(self, *args, fmt='yaml'):
        """export args, apply into a fresh database, export again: same text, same rows."""
        rc, first, e = self.run_ctl(*args)
        self.assertEqual((rc, e), (0, ''))
        path = self.write('export.' + fmt, first)
        fresh = os.path.join(self.dir, 'fresh-%d.db' % len(os.listdir(self.dir)))
        rc, o, e = self.run_ctl('--db', fresh, 'apply', path, now=LATER)
        self.assertEqual((rc, e), (0, ''), o)
        rc, second, e = self.run_ctl('--db', fresh, *args, now=LATER)
        self.assertEqual((rc, e), (0, ''))
        # The same, and now the file is their source (an operator made them).
        names = [n for (n,) in self.query('SELECT name FROM schedules', db=fresh)]
        if fmt == 'json':
            doc = json.loads(first)
            if names:
                doc = dict({'source': path}, **doc)
            self.assertEqual(json.loads(second), doc)
        else:
            self.assertEqual(second, ('source: "%s"\n' % path if names else '') + first)
        # Applying the export to the database it came from takes over what
        # the operator made, and changes nothing else; then it is a no-op
        # (--prune only when the export holds every schedule).
        total = len(names)
        names = [n for n in names if self.query(
            'SELECT source IS NOT ? FROM schedules WHERE name = ?', (path, n))[0][0]]
        prune = [] if '--selector' in args else ['--prune']
        self.check(['apply', path] + prune, 0, ''.join(
            '~ %s: source (unset) -> "%s"\n' % (n, path) for n in names) +
            '0 added, %d changed, 0 removed, %d unchanged\n' % (len(names), total - len(names)),
            now=LATER)
        before = self.snapshot()
        rc, o, e = self.run_ctl('apply', path, *prune, now=EVEN_LATER)
        self.assertEqual((rc, e), (0, ''))
        self.assertTrue(o.startswith('0 added, 0 changed, 0 removed, '), o)
        self.assertUnchanged(before)
        return first, fresh

    def test_export_yaml(self):
        self.populate()
        before = self.snapshot()
        self.check(['export'], 0, 'schedules:\n' + self.SEED_YAML + self.HELD_YAML +
                   self.WEEKLY_YAML)
        self.assertUnchanged(before)

    def test_export_empty(self):
        self.check(['apply', self.write('e.yaml', 'schedules: []\n')], 0,
                   '0 added, 0 changed, 0 removed, 0 unchanged\n')
        self.check(['export'], 0, 'schedules:\n  []\n')
        self.check_json(['export'], {'schedules': []})
        self.round_trip('export')

    def test_round_trip(self):
        self.populate()
        _, fresh = self.round_trip('export')
        self.assertEqual(self.spec_rows(db=fresh), self.spec_rows())

    def test_round_trip_selector(self):
        self.populate()
        text, fresh = self.round_trip('export', '--selector', 'team=data')
        self.assertEqual(text, 'schedules:\n' + self.SEED_YAML + self.HELD_YAML)
        self.assertEqual(self.spec_rows(db=fresh),
                         [r for r in self.spec_rows() if r[0] != 'weekly'])

    def test_round_trip_json(self):
        self.populate()
        text, fresh = self.round_trip('-o', 'json', 'export', fmt='json')
        doc = json.loads(text)
        self.assertEqual([s['name'] for s in doc['schedules']],
                         ['data_sync_site_a', 'held', 'weekly'])
        self.assertEqual(doc['schedules'][0], {
            'name': 'data_sync_site_a', 'lp': 'flytesnacks/development/data_sync_wf',
            'cron': '0 */6 * * *', 'tz': 'Asia/Shanghai',
            'inputs': {'site_id': 'site_a', 'since': '{{kickoff_time}}'},
            'labels': {'team': 'data', 'site': 'site_a'}, 'annotations': {},
            'catchup': 'latest', 'catchup_window': '1h', 'overlap': 'allow',
            'paused': False})
        self.assertEqual(self.spec_rows(db=fresh), self.spec_rows())
        text, fresh = self.round_trip('-o', 'json', 'export', '--selector',
                                      'example.com/tier', fmt='json')
        self.assertEqual([s['name'] for s in json.loads(text)['schedules']], ['weekly'])

    def test_round_trip_keeps_big_integers(self):
        # The largest numbers schedctl accepts (15 digits) survive export and
        # apply exactly; longer ones are refused at add time (strings instead).
        self.add('big', '--inputs', '{"n": 999999999999999, "s": "12345678901234567"}')
        text, fresh = self.round_trip('export')
        self.assertIn('\n    inputs: {"n":999999999999999,"s":"12345678901234567"}\n', text)
        self.assertEqual(json.loads(self.query('SELECT inputs FROM schedules', db=fresh)[0][0]),
                         {'n': 999999999999999, 's': '12345678901234567'})

    # Text export has to write so that apply reads it back the same: YAML
    # takes DEL, the C1 controls, U+2028/U+2029 (line breaks to it), U+FEFF,
    # U+FFFE and U+FFFF only as escapes.
    AWKWARD = ('tab\there, new\nline, cr\r, quote " backslash \\ slash /, '
               'del \x7f, c1 \x80 \x85 \x9f, ls \u2028 ps \u2029, bom \ufeff, '
               'nonchars \ufffe \uffff, nbsp \xa0, h\xe9llo \u2713 \U0001F600, '
               '{braces} {{kickoff_time}}, # hash, - dash, key: colon, \'single\'')

    def populate_varied(self):
        inputs = {
            's': 'text', 'empty': '', 'zeros': '001', 'looks_big': '1e999',
            'looks_true': 'true', 'looks_null': 'null', 'awkward': self.AWKWARD,
            'i': 42, 'neg': -7, 'zero': 0, 'f': 1.5, 'tiny': 1e-7, 'third': 0.1,
            'sub': 1e-310, 'max': 999999999999999, 't': True, 'no': False,
            'none': None, 'list': [1, 'two', [3.5, None], {}],
            'map': {'a': {'b': [True]}, '': 'empty key', 'sp ace': 1},
            'empty_list': [], 'empty_map': {},
            'deep': json.loads('[' * 31 + '"bottom"' + ']' * 31),
            'tpl': '{{kickoff_time:%Y-%m-%d}} {{schedule_name}}'}
        path = self.write('varied.json', json.dumps(inputs))
        self.add('everything', '--inputs', '@' + path, '--input', 'id=007',
                 '--kickoff-input', 'kick', '--label', 'team=data',
                 '--label', 'example.com/tier=gold', '--label', 'empty=',
                 '--annotation', 'text=' + self.AWKWARD, '--annotation', 'x.io/y=',
                 '--service-account', 'runner.sa', '--catchup', 'all',
                 '--catchup-window', '1d1h1m1s', '--overlap', 'buffer-one',
                 '--note', self.AWKWARD, '--tz', 'Asia/Kolkata',
                 lp='proj/dom/lp_name@v1.2-rc_3', cron='30\t2 L * *')
        self.add('held', '--paused', '--note', 'on hold \u2028 until Monday',
                 '--catchup', 'none', '--catchup-window', '0s',
                 '--overlap', 'cancel-previous', cron='@every 1h30m')
        self.add('rate', '--overlap', 'skip', '--tz', 'America/St_Johns',
                 '--catchup-window', '366d', cron='rate(5 minutes)')
        self.add('seconds', '--catchup-window', '2h', '--tz', 'Europe/Paris',
                 cron='*/10 0 9 ? * MON-FRI')
        self.add('nth', '--input', 'n=-0.5', '--tz', 'Australia/Lord_Howe',
                 cron='0 9 LW * *')
        self.add('weekday', cron='0 9 * * 1#2')
        return inputs

    def test_round_trip_of_every_kind_of_value(self):
        # Regression: export wrote DEL and U+2028 raw; apply then refused
        # the file or folded the line break into a space.
        inputs = self.populate_varied()
        # Applied from a file that names its source: the fresh database's
        # schedules get the same source, so every view is the same.
        self.execute("UPDATE schedules SET source = 'all'")
        views = (['list'], ['-o', 'json', 'list'], ['export'], ['-o', 'json', 'export'])
        want = {}
        for args in views:
            rc, want[tuple(args)], e = self.run_ctl(*args)
            self.assertEqual((rc, e), (0, ''), args)
        text = want[('export',)]
        for raw in ('\x7f', '\x85', '\u2028', '\ufeff', '\uffff'):
            self.assertNotIn(raw, text)
        self.assertIn('\\u2028', text)
        self.assertIn('\\u007F', want[('-o', 'json', 'export')])
        for fmt, args in (('yaml', ['export']), ('json', ['-o', 'json', 'export'])):
            with self.subTest(fmt=fmt):
                path = self.write('all.' + fmt, want[tuple(args)])
                fresh = os.path.join(self.dir, 'fresh-%s.db' % fmt)
                self.check(['--db', fresh, 'apply', path], 0,
                           ''.join('+ %s\n' % n for n in sorted(
                               ['everything', 'held', 'rate', 'seconds', 'nth',
                                'weekday'])) +
                           '6 added, 0 changed, 0 removed, 0 unchanged\n')
                for view in views:
                    self.assertEqual(self.run_ctl('--db', fresh, *view),
                                     (0, want[tuple(view)], ''), view)
                self.assertEqual(self.spec_rows(db=fresh), self.spec_rows())
                # And back onto the database it came from: nothing to do.
                before = self.snapshot()
                self.check(['apply', path, '--prune'], 0,
                           '0 added, 0 changed, 0 removed, 6 unchanged\n', now=LATER)
                self.assertUnchanged(before)
        # What was stored is what was given, every value as it was.
        self.assertEqual(json.loads(self.query(
            'SELECT inputs FROM schedules WHERE name = ?', ('everything',))[0][0]),
            dict(inputs, id='007'))


# --------------------------------------------------------------------------
# status


NO_UNKNOWN = 'unknown:    0 executions (24h; created, then not found at Admin)\n'


class TestStatus(SchedctlTest):

    def setUp(self):
        super().setUp()
        self.check(['apply', self.write('e.yaml', 'schedules: []\n')], 0,
                   '0 added, 0 changed, 0 removed, 0 unchanged\n')

    def test_empty(self):
        before = self.snapshot()
        self.check(['status'], 0, 'daemon:     never seen\nschedules:  0 (0 paused), digest ' + self.digest() + '\n'
                   'pending:    0 runs\nlate (24h): 0 fires\n' + NO_UNKNOWN +
                   'failing:    0 schedules\n')
        self.check_json(['status'], {
            'daemon': 'never seen', 'daemon_heartbeat_at': None, 'schedules': 0,
            'paused': 0, 'digest': self.digest(), 'shard': None, 'pending': 0, 'oldest_pending_at': None, 'late_fires_24h': 0,
            'unknown_executions_24h': 0, 'failing': []})
        self.assertUnchanged(before)

    def failing(self):
        self.add('a')
        self.add('b', '--paused')
        self.insert_run('a', '2026-11-26T00:00:00Z', 'created', http_status=200,
                        attempts=1, sent_at='2026-11-26T00:00:01Z', execution_name='e')
        self.insert_run('a', '2026-11-26T01:00:00Z', 'failed', http_status=500,
                        error='boom', attempts=3, sent_at='2026-11-26T01:00:05Z')
        self.insert_run('a', '2026-11-26T01:30:00Z', 'failed', kind='trigger',
                        http_status=400, error='bad input', attempts=1,
                        sent_at='2026-11-26T01:30:01Z')
        self.insert_run('b', '2026-11-26T01:00:00Z', 'failed', http_status=500,
                        error='b err', attempts=1, sent_at='2026-11-26T01:03:00Z')
        self.insert_run('b', '2026-11-26T02:00:00Z', 'pending')

    FAILING_TABLE = (
        'failing:    2 schedules\n'
        '  a                                2 in a row, last 2026-11-26T01:30:00Z: bad input\n'
        '  b                                1 in a row, last 2026-11-26T01:00:00Z: b err\n')
    FAILING_JSON = [
        {'name': 'a', 'consecutive_failures': 2, 'last_failure_at': '2026-11-26T01:30:00Z',
         'last_error': 'bad input'},
        {'name': 'b', 'consecutive_failures': 1, 'last_failure_at': '2026-11-26T01:00:00Z',
         'last_error': 'b err'}]

    def test_failing_runs(self):
        self.failing()
        self.check(['status'], 0, 'daemon:     never seen\nschedules:  2 (1 paused), digest ' + self.digest() + '\n'
                   'pending:    1 runs, oldest scheduled 2026-11-26T02:00:00Z\n'
                   'late (24h): 1 fires\n' + NO_UNKNOWN + self.FAILING_TABLE, now=LATER)
        self.check_json(['status'], {
            'daemon': 'never seen', 'daemon_heartbeat_at': None, 'schedules': 2,
            'paused': 1, 'digest': self.digest(), 'shard': None, 'pending': 1, 'oldest_pending_at': '2026-11-26T02:00:00Z',
            'late_fires_24h': 1, 'unknown_executions_24h': 0, 'failing': self.FAILING_JSON},
            now=LATER)

    def test_failed_executions(self):
        # Created runs whose executions ended FAILED or TIMED_OUT in Flyte are
        # failures; one still RUNNING and an overlap skip are passed over, and
        # a success before them ends the streak.
        self.add('c')
        for at, state, phase in (('00:00', 'created', 'SUCCEEDED'),
                                 ('01:00', 'created', 'FAILED'),
                                 ('01:10', 'skipped', None),
                                 ('01:20', 'created', 'TIMED_OUT'),
                                 ('01:30', 'created', 'RUNNING')):
            self.insert_run('c', '2026-11-26T%s:00Z' % at, state, http_status=200,
                            attempts=1, sent_at='2026-11-26T%s:01Z' % at,
                            execution_name='c%s' % at.replace(':', ''), phase=phase)
        want = ('failing:    1 schedules\n'
                '  c                                2 in a row, last 2026-11-26T01:20:00Z: '
                'execution c0120 ended TIMED_OUT\n')
        self.check(['status'], 0, 'daemon:     never seen\nschedules:  1 (0 paused), digest ' + self.digest() + '\n'
                   'pending:    0 runs\nlate (24h): 0 fires\n' + NO_UNKNOWN + want, now=LATER)
        rc, o, e = self.run_ctl('status', '--check', '--max-failures', '2', now=LATER)
        self.assertEqual((rc, e), (1, ''))
        self.assertIn('CHECK: 1 schedules failed 2 or more times in a row\n', o)
        # The default is 3 in a row.
        rc, o, e = self.run_ctl('status', '--check', now=LATER)
        self.assertNotIn('in a row\nCHECK', o)
        self.assertEqual([l for l in o.splitlines() if l.startswith('CHECK:')],
                         ['CHECK: the daemon is never seen'])
        # The running one ends SUCCEEDED: c is well again.
        self.execute("UPDATE runs SET phase = 'SUCCEEDED' WHERE execution_name = 'c0130'")
        self.check_json(['status'], {
            'daemon': 'never seen', 'daemon_heartbeat_at': None, 'schedules': 1,
            'paused': 0, 'digest': self.digest(), 'shard': None, 'pending': 0, 'oldest_pending_at': None, 'late_fires_24h': 0,
            'unknown_executions_24h': 0, 'failing': []}, now=LATER)

    def test_daemon_heartbeat(self):
        self.failing()
        self.execute("INSERT INTO daemon VALUES (1, 4242, 'host1', '0.1.0', "
                     "'2026-11-26T00:00:00Z', '2026-11-26T01:59:30Z', NULL, NULL)")
        rest = ('schedules:  2 (1 paused), digest ' + self.digest() + '\n'
                'pending:    1 runs, oldest scheduled 2026-11-26T02:00:00Z\n'
                'late (24h): 1 fires\n' + NO_UNKNOWN + self.FAILING_TABLE)
        self.check(['status'], 0, 'daemon:     running (host1, pid 4242, heartbeat '
                   '2026-11-26T01:59:30Z)\n' + rest, now=LATER)
        self.check_json(['status'], {
            'daemon': 'running', 'daemon_heartbeat_at': '2026-11-26T01:59:30Z',
            'schedules': 2, 'paused': 1, 'digest': self.digest(), 'shard': None, 'pending': 1,
            'oldest_pending_at': '2026-11-26T02:00:00Z', 'late_fires_24h': 1,
            'unknown_executions_24h': 0, 'failing': self.FAILING_JSON}, now=LATER)
        self.check(['status'], 0, 'daemon:     not responding (host1, pid 4242, heartbeat '
                   '2026-11-26T01:59:30Z)\n' + rest, now='2026-11-26T02:01:31Z')
        self.execute("UPDATE daemon SET stopped_at = '2026-11-26T01:59:31Z'")
        self.check(['status'], 0, 'daemon:     stopped (host1, pid 4242, heartbeat '
                   '2026-11-26T01:59:30Z)\n' + rest, now=LATER)

    def test_idle_daemon_on_this_host_is_running(self):
        # No heartbeat for a while (nothing fired) but its pid is alive here.
        host = socket.gethostname()
        self.execute("INSERT INTO daemon VALUES (1, %d, '%s', '0.1.0', "
                     "'2026-11-26T00:00:00Z', '2026-11-26T00:00:00Z', NULL, NULL)"
                     % (os.getpid(), host))
        self.check_json(['status'], {
            'daemon': 'running', 'daemon_heartbeat_at': '2026-11-26T00:00:00Z',
            'schedules': 0, 'paused': 0, 'digest': self.digest(), 'shard': None, 'pending': 0, 'oldest_pending_at': None,
            'late_fires_24h': 0, 'unknown_executions_24h': 0, 'failing': []}, now=LATER)

    def test_check(self):
        # Healthy: exit 0 and one ok line.
        self.execute("INSERT INTO daemon VALUES (1, 4242, 'host1', '0.1.0', "
                     "'2026-11-26T00:00:00Z', '2026-11-26T01:59:30Z', NULL, NULL)")
        self.check(['status', '--check'], 0, 'daemon:     running (host1, pid 4242, '
                   'heartbeat 2026-11-26T01:59:30Z)\nschedules:  0 (0 paused), digest ' + self.digest() + '\n'
                   'pending:    0 runs\nlate (24h): 0 fires\n' + NO_UNKNOWN +
                   'failing:    0 schedules\n'
                   'CHECK: ok\n', now=LATER)
        # Unhealthy: one CHECK line per problem, exit 1.
        self.failing()
        rc, o, e = self.run_ctl('status', '--check', '--max-failures', '2',
                                '--max-late', '120', now='2026-11-26T02:05:00Z')
        self.assertEqual((rc, e), (1, ''))
        self.assertEqual([l for l in o.splitlines() if l.startswith('CHECK:')], [
            'CHECK: the daemon is not responding',
            'CHECK: 1 schedules failed 2 or more times in a row',
            'CHECK: a pending run is 300 s late',
            'CHECK: 1 fires of the last 24 h were more than 120 s late'])
        rc, o, e = self.run_ctl('-o', 'json', 'status', '--check', '--max-failures', '3',
                                '--max-late', '600', now='2026-11-26T02:05:00Z')
        doc = json.loads(o)
        self.assertEqual((rc, doc['healthy'], doc['problems']),
                         (1, False, ['the daemon is not responding']))
        # A created execution Admin turned out not to have (the daemon's watch
        # recorded phase UNKNOWN) is counted and needs a person; one older than
        # 24 h no longer.
        for at in ('2026-11-26T01:45:00Z', '2026-11-24T01:45:00Z'):
            self.insert_run('a', at, 'created', http_status=200, attempts=1, sent_at=at,
                            execution_name='gone', phase='UNKNOWN')
        rc, o, e = self.run_ctl('status', '--check', '--max-failures', '3',
                                '--max-late', '600', now='2026-11-26T02:05:00Z')
        self.assertEqual((rc, e), (1, ''))
        self.assertIn('\nunknown:    1 executions (24h; created, then not found at Admin)\n', o)
        self.assertEqual([l for l in o.splitlines() if l.startswith('CHECK:')], [
            'CHECK: the daemon is not responding',
            'CHECK: 1 executions of the last 24 h were created and then not found at Admin'])
        doc = json.loads(self.run_ctl('-o', 'json', 'status', now='2026-11-26T02:05:00Z')[1])
        self.assertEqual(doc['unknown_executions_24h'], 1)
        self.fail_msg(['status', '--check', '--max-late', 'x'], 64,
                      '--max-late: "x" is not a number from 1 to 100000000')


# --------------------------------------------------------------------------
# next


class TestNext(SchedctlTest):

    def test_next(self):
        self.check(['next', '0 */6 * * *', '--tz', 'Asia/Shanghai', '-n', '4'], 0,
                   ''.join(t + '\n' for t in SEED_NEXT5[:4]))
        self.check(['next', '0 0 L * *', '-n', '3'], 0,
                   '2026-11-30T00:00:00Z\n2026-12-31T00:00:00Z\n2027-01-31T00:00:00Z\n')
        self.check(['next', '@every 90m', '--after', '2026-11-26T00:00:00Z', '-n', '2'], 0,
                   '2026-11-26T01:30:00Z\n2026-11-26T03:00:00Z\n')
        # Default: 5 instants after SCHEDD_NOW, UTC.
        self.check(['next', '0 0 * * *'], 0, ''.join(
            '2026-11-%02dT00:00:00Z\n' % d for d in range(27, 32) if d <= 30) +
            '2026-12-01T00:00:00Z\n')
        self.assertFalse(os.path.exists(self.db))

    def test_dst(self):
        # 02:30 does not exist on 2026-03-08 in New York: it fires at 03:00 EDT.
        self.check(['next', '30 2 * * *', '--tz', 'America/New_York', '--after',
                    '2026-03-07T12:00:00Z', '-n', '3'], 0,
                   '2026-03-08T03:00:00-04:00\n2026-03-09T02:30:00-04:00\n'
                   '2026-03-10T02:30:00-04:00\n')
        # 01:30 happens twice on 2026-11-01: it fires once.
        self.check_json(['next', '30 1 * * *', '--tz', 'America/New_York', '--after',
                         '2026-10-31T12:00:00Z', '-n', '3'],
                        {'expression': '30 1 * * *', 'timezone': 'America/New_York',
                         'next': ['2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00',
                                  '2026-11-03T01:30:00-05:00']})

    def test_errors(self):
        for n in ('0', 'x', '100001', '-1', ''):
            with self.subTest(n=n):
                self.fail_msg(['next', '* * * * *', '-n', n], 64,
                              '-n: "%s" is not a number from 1 to 100000' % n)
        self.fail_msg(['next', '* * * * *', '--after', 'yesterday'], 65,
                      '--after: "yesterday" is not an RFC 3339 time like 2026-11-26T06:00:00Z')
        self.fail_msg(['next', '* * * * *', '--tz', 'Nowhere/Zone'], 65,
                      '--tz: unknown time zone "Nowhere/Zone"')
        self.fail_msg(['next', '0 25 * * *'], 65, 'cron "0 25 * * *": hour 25 out of range 0-23')
        self.assertFalse(os.path.exists(self.db))


# --------------------------------------------------------------------------
# concurrency


class TestConcurrency(SchedctlTest):

    def test_two_writers_lose_nothing(self):
        # Create the database first, so both writers start from the same schema.
        self.check(['apply', self.write('e.yaml', 'schedules: []\n')], 0,
                   '0 added, 0 changed, 0 removed, 0 unchanged\n')
        results = {}

        def writer(prefix):
            out = []
            for i in range(40):
                out.append(self.run_ctl('add', '%s_%02d' % (prefix, i), '--lp', 'p/d/l',
                                        '--cron', '%d * * * *' % i, '--label',
                                        'writer=' + prefix))
            results[prefix] = out

        threads = [threading.Thread(target=writer, args=(p,)) for p in ('w1', 'w2')]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for prefix in ('w1', 'w2'):
            for i, (rc, o, e) in enumerate(results[prefix]):
                self.assertEqual((rc, e), (0, ''), '%s_%02d' % (prefix, i))
                self.assertTrue(o.startswith('added %s_%02d; next fires:\n' % (prefix, i)))
        self.assertEqual(self.count('schedules'), 80)
        self.assertEqual(self.count('changes'), 80)
        self.assertEqual(
            sorted(r[0] for r in self.query('SELECT name FROM schedules')),
            sorted('%s_%02d' % (p, i) for p in ('w1', 'w2') for i in range(40)))
        self.assertEqual(
            sorted(r[0] for r in self.query("SELECT schedule_name FROM changes "
                                            "WHERE command = 'add'")),
            sorted('%s_%02d' % (p, i) for p in ('w1', 'w2') for i in range(40)))
        self.assertEqual(self.query('PRAGMA integrity_check'), [('ok',)])

    def test_writers_creating_the_database_at_once(self):
        # No database yet: four adds start together and all succeed; the
        # schema is applied once.
        for round_ in range(5):
            db = os.path.join(self.dir, 'race%d.db' % round_)
            results = [None] * 4
            start = threading.Barrier(4)

            def writer(i):
                start.wait()
                results[i] = self.run_ctl('--db', db, 'add', 'w%d' % i, '--lp', 'p/d/l',
                                          '--cron', '0 0 * * *')

            threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for i, r in enumerate(results):
                self.assertEqual(r, (0, 'added w%d; next fires:\n  2026-11-27T00:00:00Z\n'
                                        '  2026-11-28T00:00:00Z\n  2026-11-29T00:00:00Z\n'
                                     % i, ''), 'round %d' % round_)
            self.assertEqual(sorted(r[1] for r in self.schedules(db=db)),
                             ['w0', 'w1', 'w2', 'w3'])
            self.assertEqual(self.query('PRAGMA user_version', db=db), [(SCHEMA_VERSION,)])
            self.assertEqual(self.query('PRAGMA integrity_check', db=db), [('ok',)])


def main():
    global SCHEDCTL
    if len(sys.argv) < 2:
        sys.stderr.write('usage: %s SCHEDCTL [unittest args]\n' % sys.argv[0])
        return 64
    SCHEDCTL = os.path.abspath(sys.argv[1])
    if not os.access(SCHEDCTL, os.X_OK):
        sys.stderr.write('%s: not an executable\n' % SCHEDCTL)
        return 66
    prog = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=1)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
