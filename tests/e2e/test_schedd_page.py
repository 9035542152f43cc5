#!/usr/bin/python3
"""End-to-end tests of schedd's status page (/, /schedules/NAME, /missed on
scheduler.metrics): the facts on each page against schedctl and the runs
table, escaping, methods, paging; and the pages in headless Chromium.

usage: /usr/bin/python3 tests/e2e/test_schedd_page.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only; the helpers come from test_schedd.py and test_schedd_metrics.py
beside this file. The browser test installs Debian's chromium and
chromium-driver with apt-get when they are missing, and is skipped (saying
why) where that cannot be done or Chromium does not run. Set
SCHEDD_PAGE_SCREENSHOT=FILE to keep the screenshot of / there.
"""

import datetime
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                    # noqa: E402
import test_schedd_metrics as metrics                         # noqa: E402
from test_schedd import FAILS_WF, P, D, iso, wait_for         # noqa: E402
from test_schedd_metrics import ConfigDaemon, free_port, http_get  # noqa: E402

SCHEDD = SCHEDCTL = STUB = None   # set from argv in main (and in test_schedd)

CONSOLE = 'https://console.example/console'
EVERY_SECOND = '* * * * * *'
SCRIPT = '<script>alert(1)</script>'
ROW = re.compile(r'<tr class="schedule[^"]*"><td><a href="/schedules/([^"]+)">.*?</tr>')
STRIP = re.compile(r'<div class="strip">(.*?)</div>')
MARK = re.compile(r'<(a|span) class="(\w+)"(?: href="([^"]*)")? title="([^"]*)"></\1>')
NEXT = re.compile(r'<span class="next">([^<]+)</span> <small>([^<]+)</small>')


class PageTest(base.ScheddTest):

    def start(self, stub):
        self.port = free_port()
        path = os.path.join(self.dir, 'config.yaml')
        with open(path, 'w') as f:
            f.write('admin:\n  consoleUrl: "%s/"\nscheduler:\n  metrics: "127.0.0.1:%d"\n'
                    % (CONSOLE, self.port))
        d = ConfigDaemon(self, stub, path)
        d.wait_ready()
        wait_for(lambda: 'metrics: serving' in d.stderr(), 5, 'the server')
        return d

    def get(self, path, want=200, method='GET'):
        status, headers, body, _ = http_get(self.port, path, method)
        self.assertEqual(status, want, body)
        if status in (200, 400, 404) and method == 'GET':
            self.assertEqual(headers['Content-Type'], 'text/html; charset=utf-8')
            self.assertEqual(headers['Cache-Control'], 'no-store')
            self.assertTrue(body.startswith('<!DOCTYPE html>\n'), body[:100])
            self.assertTrue(body.endswith('</body></html>\n'), body[-100:])
        return body

    def rows(self, body):
        """{name: row html} in page order."""
        return {m.group(1): m.group(0) for m in ROW.finditer(body)}

    def names(self, path):
        return list(self.rows(self.get(path)))

    def count(self, where, params=()):
        return self.query('SELECT count(*) FROM runs WHERE ' + where, params)[0][0]

    def setup_schedules(self, stub):
        """daily (labelled, in New York), flaky (fails), held (paused, a note to
        escape), skips (catch-up none, added 45 minutes ago: skipped instants)."""
        past = iso(time.time() - 45 * 60)
        self.add('daily', '--input', 'site_id=d', '--label', 'team=data',
                 '--tz', 'America/New_York', cron='0 6 * * *')
        self.add('flaky', '--input', 'site_id=f', cron=EVERY_SECOND,
                 lp='%s/%s/data_sync_fails' % (P, D))
        self.add('held', '--input', 'site_id=h', '--paused', '--note',
                 'on <hold> & "why"', cron=EVERY_SECOND)
        self.add('skips', '--input', 'site_id=s', '--catchup', 'none',
                 cron='*/10 * * * *', now=past)
        # Labels are checked by schedctl; the page must not trust the store.
        self.execute("UPDATE schedules SET labels = json_set(labels, '$.x', ?) "
                     "WHERE name = 'daily'", (SCRIPT,))
        d = self.start(stub)
        # flaky failing: two executions ended FAILED; then paused and quiet.
        wait_for(lambda: self.count("schedule_name = 'flaky' AND phase = 'FAILED'") >= 2,
                 20, 'two failed executions of flaky')
        self.ctl('pause', 'flaky')
        wait_for(lambda: self.count("schedule_name = 'flaky' AND (state = 'pending' OR "
                                    "(state = 'created' AND phase IS NOT 'FAILED'))") == 0,
                 20, 'flaky to be quiet')
        return d


class TestPage(PageTest):

    def test_pages_agree_with_schedctl_and_the_runs_table(self):
        stub = self.stub('--phase-after', '0.3', catalog=self.catalog([FAILS_WF]))
        self.setup_schedules(stub)
        body = self.get('/')
        rows = self.rows(body)
        self.assertEqual(list(rows), ['daily', 'flaky', 'held', 'skips'])

        # Next fires: schedctl next's, in the zone and in UTC.
        want = self.ctl('next', '0 6 * * *', '--tz', 'America/New_York', '-n', '3').split()
        got = NEXT.findall(rows['daily'])
        self.assertEqual([local for local, _ in got], want)
        self.assertEqual([utc for _, utc in got],
                         [iso(datetime.datetime.fromisoformat(t).timestamp()) for t in want])
        self.assertIn('every day at 06:00<br><code>0 6 * * *</code> '
                      '<small>America/New_York</small>', rows['daily'])
        self.assertIn('<span class="muted">paused</span>', rows['held'])

        # The strip: the last 30 runs, oldest first, by outcome; links to the console.
        for name in ('flaky', 'skips', 'daily', 'held'):
            marks = MARK.findall(STRIP.search(rows[name]).group(1))
            runs = self.query('SELECT scheduled_at, state, kind, execution_name, phase '
                              'FROM runs WHERE schedule_name = ? ORDER BY scheduled_at '
                              'DESC LIMIT 30', (name,))[::-1]
            self.assertEqual(len(marks), len(runs), name)
            for (tag, outcome, href, title), (at, state, kind, execution, phase) in \
                    zip(marks, runs):
                self.assertTrue(html.unescape(title).startswith(at + ' '), title)
                if state == 'created':
                    self.assertEqual((tag, href), ('a', '%s/projects/%s/domains/%s/'
                                                   'executions/%s' % (CONSOLE, P, D, execution)))
                else:
                    self.assertEqual((tag, href), ('span', ''))
                want_outcome = ('failed' if state == 'failed' or phase == 'FAILED' else
                                'missed' if state == 'skipped' and kind == 'catchup' else
                                'skipped' if state == 'skipped' else None)
                if want_outcome is not None:
                    self.assertEqual(outcome, want_outcome, (name, at))
        self.assertGreater(self.count("schedule_name = 'skips' AND state = 'skipped'"), 0)
        self.assertIn('<b>failing</b> (%d)' % self.count(
            "schedule_name = 'flaky' AND phase = 'FAILED'"), rows['flaky'])

        # Escaped wherever it comes from.
        self.assertNotIn(SCRIPT, body)
        self.assertIn('x=&lt;script&gt;alert(1)&lt;/script&gt;', rows['daily'])

        # Filters: state (the failing of schedctl status), label selector.
        failing = [f['name'] for f in json.loads(self.ctl('status', '-o', 'json'))['failing']]
        self.assertEqual(failing, ['flaky'])
        self.assertEqual(self.names('/?state=failing'), failing)
        self.assertEqual(self.names('/?state=paused'), ['flaky', 'held'])
        self.assertEqual(self.names('/?state=late'), [])
        self.assertEqual(self.names('/?selector=team%3Ddata'), ['daily'])
        self.assertEqual(self.names('/?selector=team%21%3Ddata&state=paused'),
                         ['flaky', 'held'])
        bad = self.get('/?selector=%3D%3D', want=400)
        self.assertIn('<p class="problem">selector: ', bad)
        self.assertIn('state: not failing, paused or late',
                      self.get('/?state=%3Cx%3E', want=400))
        self.get('/?page=0', want=400)

        # /schedules/NAME: definition, timeline, every run (up to 100), the audit.
        page = self.get('/schedules/flaky')
        runs = self.query("SELECT scheduled_at, execution_name FROM runs WHERE "
                          "schedule_name = 'flaky' ORDER BY scheduled_at DESC LIMIT 100")
        self.assertEqual(re.findall(r'<tr class="run"><td>([^<]+)</td>', page),
                         [at for at, _ in runs])
        for _, execution in runs:
            if execution is not None:
                self.assertIn('<a href="%s/projects/%s/domains/%s/executions/%s">%s</a>'
                              % (CONSOLE, P, D, execution, execution), page)
        self.assertIn('<svg class="timeline"', page)
        self.assertEqual(page.count('<tr class="change">'),
                         self.query("SELECT count(*) FROM changes WHERE "
                                    "schedule_name = 'flaky'")[0][0])
        held = self.get('/schedules/held')
        self.assertIn('<tr><th>note</th><td>on &lt;hold&gt; &amp; &quot;why&quot;</td></tr>',
                      held)
        self.assertNotIn(SCRIPT, self.get('/schedules/daily'))
        self.assertIn('no schedule named', self.get('/schedules/nope', want=404))

        # /missed: every skipped run, newest first, with its reason.
        missed = self.get('/missed')
        skipped = self.query("SELECT schedule_name, scheduled_at, error FROM runs WHERE "
                             "state = 'skipped' ORDER BY scheduled_at DESC")
        got = re.findall(r'<tr class="missed-fire"><td>([^<]+)</td><td><a href='
                         r'"/schedules/[^"]+">([^<]+)</a></td>.*?<td>([^<]*)</td></tr>',
                         missed)
        self.assertEqual([(n, at, html.unescape(r)) for at, n, r in got],
                         [tuple(s) for s in skipped])

        # Read only: 405 for anything but GET and HEAD; HEAD has no body.
        self.get('/', want=405, method='POST')
        self.get('/schedules/flaky', want=405, method='DELETE')
        self.assertEqual(http_get(self.port, '/', 'HEAD')[:3:2], (200, ''))

        # Paging: 150 more (paused) schedules, 100 a page.
        self.execute("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                     "WHERE i < 149) INSERT INTO schedules (name, project, domain, "
                     "launch_plan, cron, paused, created_at, updated_at, active_since) "
                     "SELECT printf('zz%03d', i), 'p', 'd', 'lp', '0 * * * *', 1, "
                     "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
                     "'2026-01-01T00:00:00Z' FROM n")
        first = self.get('/')
        self.assertEqual(list(self.rows(first)),
                         ['daily', 'flaky', 'held', 'skips'] +
                         ['zz%03d' % i for i in range(96)])
        self.assertIn('page 1 <a href="/?page=2">next &rarr;</a>', first)
        second = self.get('/?page=2')
        self.assertEqual(list(self.rows(second)), ['zz%03d' % i for i in range(96, 150)])
        self.assertIn('<a href="/?page=1">&larr; previous</a> page 2 </p>', second)
        self.assertEqual(self.names('/?page=3'), [])
        self.assertEqual(len(self.names('/?state=paused&page=2')), 52)


class TestBrowser(PageTest):
    """/ and /schedules/NAME in headless Chromium: the DOM has the rows, and a screenshot."""

    def chromium(self):
        """The chromium binary, installed with apt-get when missing; None when it cannot be."""
        found = shutil.which('chromium')
        if found is None and os.geteuid() == 0 and shutil.which('apt-get'):
            subprocess.run(['apt-get', 'install', '-y', '-q', 'chromium', 'chromium-driver'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=900)
            found = shutil.which('chromium')
        return found

    def browse(self, chromium, *args):
        p = subprocess.run([chromium, '--headless', '--no-sandbox', '--disable-gpu',
                            '--user-data-dir=' + os.path.join(self.dir, 'chromium'),
                            '--enable-logging=stderr', '--v=0'] + list(args),
                           capture_output=True, text=True, timeout=120)
        return p

    def test_pages_render_in_chromium(self):
        chromium = self.chromium()
        if chromium is None:
            self.skipTest('chromium is not installed and apt-get could not install it '
                          '(apt-get install chromium chromium-driver)')
        probe = self.browse(chromium, '--dump-dom', 'about:blank')
        if probe.returncode != 0:
            self.skipTest('chromium does not run here: %s' % probe.stderr[-300:])
        stub = self.stub('--phase-after', '0.3', catalog=self.catalog([FAILS_WF]))
        self.setup_schedules(stub)
        url = 'http://127.0.0.1:%d' % self.port
        for path, want in [('/', ['daily', 'flaky', 'held', 'skips']),
                           ('/schedules/flaky', ['flaky'])]:
            p = self.browse(chromium, '--dump-dom', url + path)
            self.assertEqual(p.returncode, 0, p.stderr[-2000:])
            for name in want:
                self.assertIn('href="/schedules/%s"' % name if path == '/' else
                              '<h1>%s</h1>' % name, p.stdout)
            self.assertNotIn('Uncaught', p.stderr)
            self.assertNotIn('CONSOLE(', p.stderr)
        shot = os.environ.get('SCHEDD_PAGE_SCREENSHOT') or os.path.join(self.dir, 'page.png')
        p = self.browse(chromium, '--screenshot=' + shot, '--window-size=1280,900',
                        '--hide-scrollbars', url + '/')
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        with open(shot, 'rb') as f:
            self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')


if __name__ == '__main__':
    sys.exit(base.main(also=[sys.modules[__name__], metrics]))
