#!/usr/bin/python3
"""End-to-end tests of schedctl's check against Flyte Admin (add, update,
apply, repin) and of schedctl import: the real schedctl against the stub
Admin (tests/stub-admin) on a loopback port, configured through --config.

usage: /usr/bin/python3 tests/e2e/test_schedctl_check.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only; the Stub helper comes from test_schedd.py beside this file.
Each failure is asserted as its exact stderr line and exit code, and that
nothing was written: the database file's bytes are compared, or it does not
exist.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                    # noqa: E402

SCHEDD = SCHEDCTL = STUB = None   # set from argv in main

NOW = '2026-11-26T01:00:00Z'
LP = 'flytesnacks/development/data_sync_wf'
CHECK_HINT = 'nothing written (--offline skips the check)'


class CheckTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='schedctl-check-e2e.')
        self.db = os.path.join(self.dir, 'schedd.db')
        self.stubs = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for s in self.stubs:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stub(self, *flags, extra=()):
        catalog = base.write_catalog(os.path.join(self.dir, 'catalog.json'),
                                     list(extra))
        s = base.Stub(self.dir, flags, catalog, tag='stub%d' % len(self.stubs))
        self.stubs.append(s)
        return s

    def config(self, url, name='config.yaml'):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write('admin:\n  endpoint: %s\n  insecure: true\n'
                    'scheduler:\n  db: %s\n' % (url, self.db))
        return path

    def run_ctl(self, conf, *args):
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LC_ALL': 'C',
               'SCHEDD_NOW': NOW, 'TZDIR': '/usr/share/zoneinfo'}
        for key in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'):
            if key in os.environ:
                env[key] = os.environ[key]
        p = subprocess.run([SCHEDCTL, '--config', conf] + list(args), env=env,
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=60 * base.SLOW)
        return p.returncode, p.stdout, p.stderr

    def ok(self, conf, *args):
        rc, out, err = self.run_ctl(conf, *args)
        self.assertEqual((rc, err), (0, ''), out)
        return out

    def refused(self, conf, args, code, line):
        """A refused command: exact code and stderr line, nothing on stdout, nothing written."""
        before = self.snapshot()
        self.assertEqual(self.run_ctl(conf, *args),
                         (code, '', 'schedctl: %s\n' % line))
        self.assertEqual(self.snapshot(), before, 'the database changed')

    def snapshot(self):
        try:
            with open(self.db, 'rb') as f:
                data = f.read()
        except FileNotFoundError:
            return None
        con = sqlite3.connect(self.db)
        try:
            rows = con.execute('SELECT * FROM schedules ORDER BY id').fetchall()
            changes = con.execute('SELECT count(*) FROM changes').fetchone()
        finally:
            con.close()
        return (len(data) > 0, rows, changes)

    def rows(self, sql):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def add_args(self, name, *extra, lp=LP):
        return ['add', name, '--lp', lp, '--cron', '0 */6 * * *'] + list(extra)


class TestCheck(CheckTest):

    def test_valid_schedule_is_added_after_one_launch_plan_get(self):
        stub = self.stub()
        conf = self.config(stub.url)
        self.ok(conf, *self.add_args('a', '--input', 'site_id=site_a',
                                     '--input', 'since={{kickoff_time}}'))
        self.assertEqual(self.rows('SELECT name, version FROM schedules'),
                         [('a', None)])
        # The same GET the daemon uses for "latest".
        self.assertEqual([(m, p) for m, p, _ in stub.calls()],
                         [('GET', '/api/v1/launch_plans/flytesnacks/development/'
                           'data_sync_wf')])

    def test_unknown_launch_plan(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', lp='flytesnacks/development/nope'),
                     65, 'schedule a: launch plan flytesnacks/development/nope '
                     'not found')

    def test_unknown_pinned_version(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x',
                                         lp=LP + '@v99'),
                     65, 'schedule a: launch plan %s@v99 not found' % LP)

    def test_repin_to_unknown_version_changes_nothing(self):
        conf = self.config(self.stub().url)
        self.ok(conf, *self.add_args('a', '--input', 'site_id=x', lp=LP + '@v1'))
        self.ok(conf, *self.add_args('b', '--input', 'site_id=y', lp=LP + '@v1'))
        self.refused(conf, ['repin', '--lp', LP, '--version', 'v99'], 65,
                     'schedule a: launch plan %s@v99 not found' % LP)
        self.assertEqual(self.ok(conf, 'repin', '--lp', LP, '--version', 'v2'),
                         'repinned a to v2\nrepinned b to v2\n')

    def test_misspelled_input_name(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x',
                                         '--input', 'sitee=y'), 65,
                     'schedule a: input sitee: not an input of the launch plan '
                     '(it has retries, since, site_id)')

    def test_value_of_the_wrong_type(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x',
                                         '--input', 'retries=three'), 65,
                     'schedule a: input retries: expected integer, got "three"')

    def test_template_is_checked_as_the_type_it_will_have(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x',
                                         '--input', 'retries={{kickoff_time}}'),
                     65, 'schedule a: input retries: expected integer, got '
                     '"2026-11-26T01:00:00Z"')
        # As a datetime it converts.
        self.ok(conf, *self.add_args('a', '--input', 'site_id=x',
                                     '--input', 'since={{kickoff_time}}'))

    def test_missing_required_input(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a'), 65,
                     'schedule a: input site_id: required, and not given')

    def test_kickoff_input_not_a_datetime(self):
        conf = self.config(self.stub().url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x',
                                         '--kickoff-input', 'retries'), 65,
                     'schedule a: input retries: the kickoff input must be a '
                     'datetime, the launch plan has integer')
        self.ok(conf, *self.add_args('a', '--input', 'site_id=x',
                                     '--kickoff-input', 'since'))

    def test_update_is_checked(self):
        conf = self.config(self.stub().url)
        self.ok(conf, *self.add_args('a', '--input', 'site_id=x'))
        self.refused(conf, ['update', 'a', '--input', 'retries=x'], 65,
                     'schedule a: input retries: expected integer, got "x"')
        self.ok(conf, 'update', 'a', '--input', 'retries=5')

    def test_admin_down_is_69(self):
        conf = self.config('http://127.0.0.1:1')
        before = self.snapshot()
        rc, out, err = self.run_ctl(conf, *self.add_args('a', '--input', 'site_id=x'))
        self.assertEqual((rc, out), (69, ''))
        self.assertRegex(err, r'^schedctl: Flyte Admin http://127\.0\.0\.1:1: '
                         r'.*Couldn\'t connect to server \(3 attempts\); %s\n$'
                         % re.escape(CHECK_HINT))
        self.assertEqual(self.snapshot(), before)
        self.assertIsNone(before)

    def test_admin_5xx_after_retries_is_69(self):
        stub = self.stub('--fail-rate', '1')
        conf = self.config(stub.url)
        self.refused(conf, self.add_args('a', '--input', 'site_id=x'), 69,
                     'Flyte Admin %s: HTTP 503: stub: injected failure (--fail-rate 1) (3 '
                     'attempts); %s' % (stub.url, CHECK_HINT))

    def test_offline_skips_the_check(self):
        conf = self.config('http://127.0.0.1:1')
        for args in (['--offline'] + self.add_args('a', lp=LP + '@v99'),
                     self.add_args('b', '--offline', lp=LP + '@v99')):
            rc, out, err = self.run_ctl(conf, *args)
            self.assertEqual((rc, err), (0, ''), out)
        self.assertEqual(self.rows('SELECT name, version FROM schedules'),
                         [('a', 'v99'), ('b', 'v99')])

    def test_no_endpoint_no_check(self):
        conf = os.path.join(self.dir, 'noadmin.yaml')
        with open(conf, 'w') as f:
            f.write('scheduler:\n  db: %s\n' % self.db)
        self.ok(conf, *self.add_args('a', lp=LP + '@v99'))

    def test_native_schedule_warning(self):
        stub = self.stub(extra=[{
            'name': 'nightly', 'version': 'v1',
            'schedule': {'cron_schedule': {'schedule': '0 2 * * *'}},
            'state': 'ACTIVE'}])
        conf = self.config(stub.url)
        rc, out, err = self.run_ctl(conf, *self.add_args(
            'a', lp='flytesnacks/development/nightly'))
        self.assertEqual((rc, err), (0, 'schedctl: warning: launch plan '
                         'flytesnacks/development/nightly@v1 is ACTIVE with its '
                         'own schedule in Flyte: it would fire twice (deactivate '
                         'it, or use schedctl import --deactivate)\n'))
        self.assertEqual(self.rows('SELECT name FROM schedules'), [('a',)])

    def test_apply_dry_run_shows_each_check(self):
        conf = self.config(self.stub().url)
        path = os.path.join(self.dir, 'sites.yaml')
        with open(path, 'w') as f:
            f.write('schedules:\n'
                    '  - name: "sync_{site_id}"\n'
                    '    lp: %s\n'
                    '    cron: "0 */6 * * *"\n'
                    '    inputs: {site_id: "{site_id}", since: "{{kickoff_time}}"}\n'
                    '    matrix: {site_id: [site_a, site_b]}\n'
                    '  - name: old\n'
                    '    lp: %s@v1\n'
                    '    cron: "@daily"\n'
                    '    inputs: {site_id: x, retries: many}\n' % (LP, LP))
        self.assertEqual(self.run_ctl(conf, 'apply', path, '--dry-run'), (
            65,
            '+ sync_site_a\n+ sync_site_b\n+ old\n'
            'check sync_site_a: ok (%s@v2)\n'
            'check sync_site_b: ok (%s@v2)\n'
            'check old: refused: input retries: expected integer, got "many"\n'
            '3 added, 0 changed, 0 removed, 0 unchanged (dry run: nothing written)\n'
            % (LP, LP),
            'schedctl: apply: 1 of 3 schedules refused by the check against '
            'Admin (dry run: nothing written)\n'))
        self.assertFalse(os.path.exists(self.db))
        # Applied for real, the refusal is one line and nothing is written.
        self.refused(conf, ['apply', path], 65, 'schedule old: input retries: '
                     'expected integer, got "many"')
        self.assertFalse(os.path.exists(self.db))


SITES = ['site_a', 'site_b', 'site_c']


def site_plan(site, schedule):
    """A per-site launch plan of the first example: its own native schedule."""
    return {
        'name': 'data_sync_' + site, 'version': 'v1', 'state': 'ACTIVE',
        'expected_inputs': {'parameters': {
            'site_id': {'var': {'type': {'simple': 'STRING'}}, 'required': True},
            'since': {'var': {'type': {'simple': 'DATETIME'}}, 'required': True}}},
        'fixed_inputs': {'literals': {
            'site_id': {'scalar': {'primitive': {'string_value': site}}}}},
        'schedule': schedule, 'labels': {'team': 'data', 'site': site}}


IMPORT_ARGS = ['import', '--project', 'flytesnacks', '--domain', 'development',
               '--name-pattern', 'data_sync_site_*', '--lp', LP]
IMPORT_PLAN = ''.join(
    '+ data_sync_%s: cron "%s", inputs {"site_id":"%s"}, labels '
    '{"site":"%s","team":"data"}%s (replaces flytesnacks/development/'
    'data_sync_%s@v1)\n' % (site, cron, site, site, kick, site)
    for site, cron, kick in (('site_a', '0 */6 * * *', ', kickoff input since'),
                             ('site_b', '0 */6 * * *', ', kickoff input since'),
                             ('site_c', '@every 30m', '')))


class TestImport(CheckTest):

    def import_stub(self):
        six = {'cron_schedule': {'schedule': '0 */6 * * *'},
               'kickoff_time_input_arg': 'since'}
        return self.stub(extra=[site_plan('site_a', six), site_plan('site_b', six),
                                site_plan('site_c', {'rate': {'value': 30}}),
                                dict(site_plan('other', six), name='other_lp')])

    def puts(self, stub):
        return [(m, p) for m, p, _ in stub.calls() if m == 'PUT']

    def test_dry_run_shows_and_writes_nothing(self):
        stub = self.import_stub()
        conf = self.config(stub.url)
        self.assertEqual(self.run_ctl(conf, *IMPORT_ARGS, '--dry-run'), (
            0, IMPORT_PLAN + '3 schedules of %s to import (dry run: nothing '
            'written)\n' % LP, ''))
        self.assertFalse(os.path.exists(self.db))
        self.assertEqual(self.puts(stub), [])

    def test_import_creates_rows_then_deactivates(self):
        stub = self.import_stub()
        conf = self.config(stub.url)
        self.assertEqual(self.run_ctl(conf, *IMPORT_ARGS, '--deactivate'), (
            0, IMPORT_PLAN + 'imported 3 schedules of %s\n' % LP + ''.join(
                'deactivated flytesnacks/development/data_sync_%s@v1\n' % s
                for s in SITES), ''))
        self.assertEqual(self.rows(
            'SELECT name, project, domain, launch_plan, version, cron, tz, '
            'inputs, kickoff_input, labels FROM schedules ORDER BY name'), [
            ('data_sync_site_a', 'flytesnacks', 'development', 'data_sync_wf',
             None, '0 */6 * * *', 'UTC', '{"site_id":"site_a"}', 'since',
             '{"site":"site_a","team":"data"}'),
            ('data_sync_site_b', 'flytesnacks', 'development', 'data_sync_wf',
             None, '0 */6 * * *', 'UTC', '{"site_id":"site_b"}', 'since',
             '{"site":"site_b","team":"data"}'),
            ('data_sync_site_c', 'flytesnacks', 'development', 'data_sync_wf',
             None, '@every 30m', 'UTC', '{"site_id":"site_c"}', None,
             '{"site":"site_c","team":"data"}')])
        self.assertEqual(self.rows('SELECT command, schedule_name FROM changes '
                                   'ORDER BY id'),
                         [('import', 'data_sync_' + s) for s in SITES])
        puts = stub.accepted(method='PUT', path='/api/v1/launch_plans/')
        self.assertEqual([(r['path'], r['body']) for r in puts], [
            ('/api/v1/launch_plans/flytesnacks/development/data_sync_%s/v1' % s,
             {'id': {'resource_type': 'LAUNCH_PLAN', 'project': 'flytesnacks',
                     'domain': 'development', 'name': 'data_sync_' + s,
                     'version': 'v1', 'org': ''}, 'state': 'INACTIVE'})
            for s in SITES])
        # Inactive now: a second import finds nothing to replace.
        self.assertEqual(self.run_ctl(conf, *IMPORT_ARGS, '--dry-run'), (
            0, '0 schedules of %s to import (dry run: nothing written)\n' % LP,
            ''))

    def test_nothing_deactivated_when_the_commit_fails(self):
        stub = self.import_stub()
        conf = self.config(stub.url)
        # One of the names is taken: the transaction is refused whole.
        self.ok(conf, '--offline', *self.add_args('data_sync_site_b',
                                                  '--input', 'site_id=x'))
        rc, out, err = self.run_ctl(conf, *IMPORT_ARGS, '--deactivate')
        self.assertEqual((rc, out, err), (65, IMPORT_PLAN,
                         'schedctl: schedule "data_sync_site_b" already exists; '
                         'nothing written\n'))
        self.assertEqual(self.rows('SELECT name FROM schedules'),
                         [('data_sync_site_b',)])
        self.assertEqual(self.puts(stub), [])

    def test_nothing_deactivated_when_the_database_is_locked(self):
        stub = self.import_stub()
        conf = self.config(stub.url)
        self.ok(conf, '--offline', *self.add_args('x', '--input', 'site_id=x'))
        con = sqlite3.connect(self.db, isolation_level=None)
        con.execute('BEGIN IMMEDIATE')
        try:
            rc, out, err = self.run_ctl(conf, *IMPORT_ARGS, '--deactivate')
        finally:
            con.execute('ROLLBACK')
            con.close()
        self.assertEqual((rc, out), (75, IMPORT_PLAN), err)
        self.assertEqual(self.rows('SELECT name FROM schedules'), [('x',)])
        self.assertEqual(self.puts(stub), [])

    def test_import_is_checked(self):
        stub = self.import_stub()
        conf = self.config(stub.url)
        # The base launch plan pinned to a version that does not exist.
        args = IMPORT_ARGS[:-1] + [LP + '@v99']
        rc, out, err = self.run_ctl(conf, *args, '--deactivate')
        self.assertEqual((rc, err), (65, 'schedctl: schedule data_sync_site_a: '
                         'launch plan %s@v99 not found\n' % LP))
        self.assertFalse(os.path.exists(self.db))
        self.assertEqual(self.puts(stub), [])

    def test_import_needs_admin(self):
        conf = self.config('http://127.0.0.1:1')
        self.refused(conf, ['--offline'] + IMPORT_ARGS, 78,
                     'import: reads the launch plans from Flyte Admin: needs '
                     'admin.endpoint in the config, and no --offline')


if __name__ == '__main__':
    sys.exit(base.main(also=[sys.modules[__name__]]))
