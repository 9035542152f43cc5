#!/usr/bin/python3
"""End-to-end tests of schedd against an Admin (or what stands in front of it)
that lies: a 2xx to a create that is not Admin's answer (a login page, an
empty body, JSON cut short, an error object), a token with a CRLF and a header
after it, and executions that vanish after they were created. The real
daemon, schedctl and the stub Flyte Admin (tests/stub-admin, its hostile
modes) as separate processes on loopback.

usage: /usr/bin/python3 tests/e2e/test_schedd_hostile.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

Stdlib only; the helpers come from test_schedd.py, test_schedd_config.py and
test_schedd_metrics.py beside this file. What every case asserts: no run is
ever recorded created without its execution at Admin, and once the stub
behaves again every instant ends with exactly one execution there.

"Regression:" tests failed against an earlier schedd and pass since its fix.
About a minute (the loop case waits for one 30 s retry round).
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                    # noqa: E402
import test_schedd_config as cfgtest                          # noqa: E402
import test_schedd_metrics as mtest                           # noqa: E402
from test_schedd import EXECUTIONS, P, D, execution_name, iso, ts, wait_for  # noqa: E402

T0 = '2026-11-26T05:00:00Z'          # when the --once cases' schedule is added
NOW = '2026-11-26T06:00:01Z'         # the --once runs' clock
INSTANT = ts('2026-11-26T06:00:00Z')  # what they fire
NAME = execution_name('a', INSTANT)
EVERY_SECOND = '* * * * * *'
# (mode, whether the stub carried the create out before its bad answer)
CREATE_MODES = [('html', False), ('error-object', False), ('empty', True),
                ('invalid-json', True)]


def exec_path(name):
    return '%s/%s/%s/%s' % (EXECUTIONS, P, D, name)


class HostileTest(cfgtest.ConfigTest):

    def hostile(self, stub, **modes):
        status, body = stub.request('POST', '/stub/hostile', modes)
        self.assertEqual(status, 200, body)

    def stats(self, stub):
        status, body = stub.request('GET', '/stub/stats')
        self.assertEqual(status, 200, body)
        return body

    def assert_created_only_with_an_execution(self, stub):
        """Every run recorded created has its execution at the stub, now."""
        for (name,) in self.query("SELECT execution_name FROM runs WHERE state = 'created'"):
            status, body = stub.request('GET', exec_path(name))
            self.assertEqual(status, 200, 'run of %s recorded created, and Admin has no '
                             'such execution: %s' % (name, body))


# --- 1. a 2xx to a create that is not Admin's answer ----------------------------------

class TestBadCreateAnswers(HostileTest):

    def test_each_bad_2xx_is_created_only_once_admin_has_it(self):
        stub = self.stub()
        for mode, carried_out in CREATE_MODES:
            with self.subTest(mode=mode):
                self.db = os.path.join(self.dir, mode + '.db')
                self.add('a', '--input', 'site_id=x', now=T0)
                self.assertEqual(stub.request('POST', '/stub/reset')[0], 200)
                self.hostile(stub, create=mode)
                # Regression: the html and error-object answers were followed by a
                # look-up (404) and the same create at once, round and round as
                # fast as the stub answered: --once never ended.
                err = self.once(stub, now=NOW, timeout=20)
                self.assertIn("HTTP 200 is not Admin's answer to a create; looking it up",
                              err)
                # One create, one look-up: found (created) or not (pending till the next round).
                self.assertEqual(stub.calls()[-2:], [
                    ('POST', EXECUTIONS, 200),
                    ('GET', exec_path(NAME), 200 if carried_out else 404)])
                stats = self.stats(stub)
                self.assertEqual(stats['hostile_answers'], 1, stats)
                if carried_out:
                    self.assertEqual(self.runs(), [self.created('a', INSTANT)])
                else:
                    self.assertEqual(self.runs(), [
                        ('a', iso(INSTANT), 'scheduled', 'pending', NAME, 404,
                         "HTTP 200 to the create was not Admin's answer, and Admin has "
                         "no such execution", 1)])
                    self.assertEqual(stats['executions'], 0, stats)
                self.assert_created_only_with_an_execution(stub)
                # The stub behaves again: the next run creates it, exactly once.
                self.hostile(stub)
                self.once(stub, now=NOW)
                self.assertEqual([r[3] for r in self.runs()], ['created'])
                self.assert_created_only_with_an_execution(stub)
                self.assertEqual(list(self.bodies(stub)), [NAME])
                self.assertEqual(self.stats(stub)['executions'], 1)

    def test_a_login_page_for_a_while_in_the_loop(self):
        stub = self.stub()
        self.add('a', '--input', 'site_id=x', cron=EVERY_SECOND)
        d = self.daemon(stub)
        d.wait_ready()
        wait_for(lambda: len(stub.creates()) >= 2, 5, 'two creates')
        self.hostile(stub, create='html')
        on = time.time()
        # While the proxy answers its page: never created without an execution.
        while time.time() < on + 3:
            self.assert_created_only_with_an_execution(stub)
            time.sleep(0.2)
        self.hostile(stub)
        off = time.time()
        bad = self.stats(stub)['hostile_answers']
        # One create per instant of the page, each looked up once: no loop.
        self.assertGreaterEqual(bad, 2)
        self.assertLessEqual(bad, 5, 'creates answered by the page in about 3 s')
        first = min(ts(r[1]) for r in self.runs())
        last = int(off) + 2

        def all_created():
            self.assert_created_only_with_an_execution(stub)
            return self.query("SELECT count(*) FROM runs WHERE state = 'created' AND "
                              "scheduled_at BETWEEN ? AND ?",
                              (iso(first), iso(last)))[0][0] == last - first + 1
        # The instants of the page go in the next retry round, 30 s later.
        wait_for(all_created, 45, 'every instant to be created')
        rc, took = d.stop()
        self.assertEqual(rc, 0, d.stderr())
        bodies = self.bodies(stub)        # fails on a name created twice
        for t in range(first, last + 1):
            self.assertIn(execution_name('a', t), bodies, iso(t))
        self.assertEqual(self.query("SELECT count(*) FROM runs WHERE state = 'failed'"),
                         [(0,)])


# --- 2. a token with a header smuggled after it ------------------------------------------

class TestPoisonedToken(HostileTest):

    def test_a_token_with_crlf_is_refused_and_no_header_is_injected(self):
        stub = self.auth_stub('--hostile-token', 'crlf')
        self.add('a', '--input', 'site_id=x', now=T0)
        conf = self.conf(cfgtest.config_text(
            {'endpoint': stub.url, 'authType': 'ClientSecret', 'clientId': cfgtest.CLIENT_ID,
             'clientSecretLocation': self.secret_file()}, {'db': self.db, 'metrics': '""'}))
        rc, err = self.schedd('--config', conf, '--once')
        err = re.sub(r'\(\d+ characters\)', '(N characters)', err)
        refused = ('<4>oauth: token endpoint answered a token that is not an RFC 6750 '
                   'b64token (N characters); refused, fetching another after a backoff')
        why = ('no OAuth2 token: token endpoint answered a token that is not an RFC 6750 '
               'b64token')
        # Regression: the token went into the header as it was: every request carried
        # "X-Injected: yes", and the execution was created with it.
        self.assertEqual((rc, cfgtest.masked(err)), (0, cfgtest.once_lines(
            self.db, stub.url, [refused] * 3 + [cfgtest.fire_line(
                'pending', attempts=0, error=why, level=4)])))
        stats = self.stats(stub)
        self.assertEqual((stats['injected_headers'], stats['executions']), (0, 0), stats)
        self.assertEqual(stub.creates(), [])
        self.assertEqual(cfgtest.api_calls(cfgtest.stub_log(stub)), [
            ('GET', '/.well-known/oauth-authorization-server', 200)]
            + [('POST', '/oauth2/token', 200)] * 3)
        # Good tokens again: the run is created, once, and nothing ever carried the header.
        self.hostile(stub)
        rc, err = self.schedd('--config', conf, '--once')
        self.assertEqual(rc, 0, err)
        self.assertNotIn('oauth:', err)
        self.assertEqual([r[3] for r in self.runs()], ['created'])
        self.assertEqual(list(self.bodies(stub)), [NAME])
        stats = self.stats(stub)
        self.assertEqual((stats['injected_headers'], stats['executions']), (0, 1), stats)
        self.assert_secret_nowhere(err, self.db)


# --- 3. executions that vanish after they were created --------------------------------------

class TestVanishedExecutions(HostileTest, mtest.MetricsTest):

    def test_an_execution_admin_no_longer_has_is_marked_unknown(self):
        stub = self.stub()
        for s in ('a', 'b', 'c'):
            self.add(s, '--input', 'site_id=%s' % s, '--paused')
        port = mtest.free_port()
        d = self.start(stub, port)
        for s in ('a', 'b', 'c'):
            self.ctl('trigger', s)
        wait_for(lambda: len(stub.creates()) == 3, 5, 'three creates')
        names = {r['body']['name']: r for r in stub.creates()}
        # The outcomes are committed in a batch just after the creates' answers.
        wait_for(lambda: self.query("SELECT count(*) FROM runs WHERE execution_name IS NOT "
                                    "NULL")[0][0] == 3, 5, 'the three outcomes recorded')
        by_schedule = dict(self.query("SELECT schedule_name, execution_name FROM runs"))
        # Deleted behind schedd's back before its first look (5 s after the create).
        for s in ('b', 'c'):
            status, body = stub.request('POST', '/stub/executions/%s/%s/%s/forget'
                                        % (P, D, by_schedule[s]))
            self.assertEqual(status, 200, body)
        self.assertEqual(len(names), 3)

        def phases():
            return dict(self.query("SELECT schedule_name, phase FROM runs"))
        wait_for(lambda: phases() == {'a': 'QUEUED', 'b': 'UNKNOWN', 'c': 'UNKNOWN'}, 15,
                 'the phases to be looked up')
        for s in ('b', 'c'):
            run_id = self.query("SELECT id FROM runs WHERE schedule_name = ?", (s,))[0][0]
            self.assertIn('<4>watch: execution %s (run %d) is not known to Admin; its phase '
                          'is recorded UNKNOWN' % (by_schedule[s], run_id),
                          d.stderr().splitlines())
        # Still created: Admin had it once. status shows them and --check fails on them.
        self.assertEqual({r[3] for r in self.runs()}, {'created'})
        out = self.ctl('status')
        self.assertIn('\nunknown:    2 executions (24h; created, then not found at Admin)\n',
                      out)
        p = self.run_status_check()
        self.assertEqual(p[0], 1, p)
        self.assertIn('CHECK: 2 executions of the last 24 h were created and then not found '
                      'at Admin', p[1].splitlines())
        m = self.scrape(port)
        self.assertEqual(mtest.sample(m, 'schedd_executions_unknown_total'), 2)
        self.assertEqual(mtest.sample(m, 'schedd_executions_watched'), 1)   # a, QUEUED
        rc, took = d.stop()
        self.assertEqual(rc, 0, d.stderr())

    def run_status_check(self):
        """schedctl status --check: (exit code, stdout, stderr)."""
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        p = subprocess.run([base.SCHEDCTL, '--db', self.db, 'status', '--check'], env=env,
                           capture_output=True, text=True, timeout=30 * base.SLOW)
        return p.returncode, p.stdout, p.stderr


if __name__ == '__main__':
    sys.exit(base.main(also=(cfgtest, mtest)))
