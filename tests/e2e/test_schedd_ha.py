#!/usr/bin/python3
"""End-to-end tests of several schedd hosts in one group (scheduler.ha, SPEC
section 5.1): two or three daemons, each with its own database holding the
same schedules, one stub Flyte Admin, schedules firing every second.

usage: /usr/bin/python3 tests/e2e/test_schedd_ha.py SCHEDD SCHEDCTL STUB_ADMIN [unittest args]

What is asserted: every instant of every schedule in the measured window is
created exactly once at Admin (the stub refuses a second create of a name,
and a missing one is counted), every host's runs table lists every fire as
created whoever created it (runs.peer = 1 where another host did), a host's
own shard is created by itself while it is up, a host killed with SIGKILL or
cut off from Admin has its shard created by a peer within standbyDelay + 1 s,
and a restarted host's history is complete again. Admin's load is reported as
requests per fire.

SCHEDD_E2E_HA_SECONDS sets how long the steady run lasts (default 30),
SCHEDD_E2E_HA_KILLS how many times a host is killed (default 3) and
SCHEDD_E2E_HA_DOWN how long it stays down (default 4 to 6 s), for longer runs
by hand.
"""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_schedd as base                                  # noqa: E402
from test_schedd import arrival, execution_name, iso, ts, wait_for    # noqa: E402

STANDBY = 2                      # seconds: --standby-delay of every host here
EVERY_SECOND = '* * * * * *'
SCHEDULES = ['site_%02d' % i for i in range(8)]
SECONDS = int(os.environ.get('SCHEDD_E2E_HA_SECONDS', '30'))
KILLS = int(os.environ.get('SCHEDD_E2E_HA_KILLS', '3'))
DOWN = float(os.environ.get('SCHEDD_E2E_HA_DOWN', '4'))      # seconds a killed host stays down, at least


def shard_of(name, shards):
    """lib/fire.c fire_shard: FNV-1a 64 of the name, mod shards."""
    h = 0xcbf29ce484222325
    for byte in name.encode():
        h = ((h ^ byte) * 0x100000001b3) & ((1 << 64) - 1)
    return h % shards if shards > 1 else 0


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))] if values else 0


class Host(base.Daemon):
    """schedd as shard I of N, with its own database (and a schedules directory, if given)."""

    def __init__(self, case, endpoint, db, shard, shards, schedules_dir=None, standby=STANDBY,
                 skew=0):
        base.Daemon.count += 1
        self.case = case
        self.db = db
        self.shard = shard
        self.errpath = os.path.join(case.dir, 'schedd.%d.stderr' % base.Daemon.count)
        self.errf = open(self.errpath, 'w')
        env = dict(os.environ)
        env.pop('SCHEDD_NOW', None)
        if skew:
            env['SCHEDD_CLOCK_SKEW'] = str(skew)
        config = os.path.join(case.dir, 'config.%d.yaml' % base.Daemon.count)
        with open(config, 'w') as f:
            f.write('scheduler:\n  metrics: ""\n  ha: {shard: %d, shards: %d, standbyDelay: %ds}\n'
                    % (shard, shards, standby))
            if schedules_dir is not None:
                f.write('  schedulesDir: %s\n' % schedules_dir)
        self.proc = subprocess.Popen(
            [base.SCHEDD, '--config', config, '--db', db, '--admin-endpoint', endpoint],
            stderr=self.errf, stdin=subprocess.DEVNULL, env=env)
        self.errf.close()
        case.daemons.append(self)


class HaTest(base.ScheddTest):

    def hosts_db(self, n):
        """n databases with the same schedules (as a schedules directory would make them)."""
        dbs = []
        group = tempfile.mkdtemp(prefix='group%d.' % n, dir=self.dir)
        for i in range(n):
            db = os.path.join(group, 'host%d.db' % i)
            for s in SCHEDULES:
                p = subprocess.run([base.SCHEDCTL, '--db', db, 'add', s, '--lp',
                                    '%s/%s/data_sync_wf' % (base.P, base.D), '--cron',
                                    EVERY_SECOND, '--input', 'site_id=%s' % s],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, 0, p.stderr)
            dbs.append(db)
        return dbs

    def rows(self, db, since, until):
        """{(schedule, instant): (state, peer)} of the runs in [since, until]."""
        self.db = db
        return {(s, ts(at)): (state, peer) for s, at, state, peer in self.query(
            "SELECT schedule_name, scheduled_at, state, peer FROM runs WHERE "
            "scheduled_at BETWEEN ? AND ?", (iso(since), iso(until)))}

    def check_complete(self, stub, dbs, since, until, shards):
        """Admin has each owed instant once; every host lists each as created.
        Returns (owed, {name: arrival}) for the lateness of whoever created it."""
        owed = {execution_name(s, t): (s, t) for s in SCHEDULES
                for t in range(since, until + 1)}

        def everywhere():
            for db in dbs:
                got = self.rows(db, since, until)
                if sum(1 for v in got.values() if v[0] == 'created') < len(owed):
                    return False
            return True
        wait_for(everywhere, 20 * base.SLOW, 'every host to list every fire as created')
        creates = stub.creates()
        names = [r['body']['name'] for r in creates]
        self.assertEqual(len(names), len(set(names)), 'an execution was created twice')
        at = {r['body']['name']: arrival(r) for r in creates}
        missing = sorted(owed[n] for n in owed if n not in at)
        self.assertEqual(missing, [], 'instants never created at Admin')
        for db in dbs:
            got = self.rows(db, since, until)
            self.assertEqual(sorted(k for k, v in got.items() if v[0] != 'created'), [],
                             '%s: runs not created' % db)
        return owed, at

    def standby_latency(self, owed, at, covered):
        """Seconds from each instant to its create, for the (schedule, instant) in covered."""
        return [at[n] - owed[n][1] for n in owed if owed[n] in covered]

    def test_two_and_three_hosts_share_the_schedules(self):
        for shards in (2, 3):
            with self.subTest(hosts=shards):
                self.run_group(shards, SECONDS if shards == 2 else max(10, SECONDS // 3))

    def run_group(self, shards, seconds):
        stub = self.stub()
        dbs = self.hosts_db(shards)
        hosts = [Host(self, stub.url, db, i, shards) for i, db in enumerate(dbs)]
        for h in hosts:
            h.wait_ready()
        since = int(time.time()) + 2
        time.sleep(seconds)
        until = int(time.time()) - STANDBY - 2
        owed, at = self.check_complete(stub, dbs, since, until, shards)
        for h in hosts:
            rc, took = h.stop()
            self.assertEqual(rc, 0, h.stderr())
        # Each host created its own shard (peer 0) and found the others' (peer 1).
        own_peer = foreign_found = foreign = 0
        for h in hosts:
            for (s, t), (state, peer) in self.rows(h.db, since, until).items():
                if shard_of(s, shards) == h.shard:
                    own_peer += peer
                else:
                    foreign += 1
                    foreign_found += peer
        self.assertEqual(own_peer, 0, 'a host recorded its own shard as a peer\'s')
        # A standby creates only what its owner had not created STANDBY s after the instant.
        self.assertGreaterEqual(foreign_found, foreign * 0.95,
                                '%d of %d foreign fires found at Admin' % (foreign_found,
                                                                          foreign))
        late = [at[n] - owed[n][1] for n in owed]
        # Admin's load over the whole run, per execution created.
        calls = [(m, p, st) for m, p, st in stub.calls() if p.startswith(base.EXECUTIONS)]
        created = len(stub.creates())
        posts = sum(1 for m, _, _ in calls if m == 'POST')
        conflicts = sum(1 for m, _, st in calls if m == 'POST' and st == 409)
        gets = sum(1 for m, p, _ in calls if m == 'GET' and p.count('/') == 6)
        lists = sum(1 for m, p, _ in calls if m == 'GET' and p.count('/') == 5)
        print('\n%d hosts, %d s, %d schedules every second: %d fires in the window, each '
              'created once, missing 0; lateness p99 %.3f s; each host created its own '
              'shard, %d of %d fires of other shards were found at Admin; Admin load per '
              'execution created (%d): %.2f creates (%d answered 409), %.2f execution GETs, '
              '%.3f ListExecutions'
              % (shards, seconds, len(SCHEDULES), len(owed), p99(late), foreign_found,
                 foreign, created, posts / created, conflicts, gets / created,
                 lists / created))

    def test_a_killed_host_is_covered_by_its_peer(self):
        stub = self.stub()
        dbs = self.hosts_db(2)
        a = Host(self, stub.url, dbs[0], 0, 2)
        b = Host(self, stub.url, dbs[1], 1, 2)
        a.wait_ready()
        b.wait_ready()
        since = int(time.time()) + 2
        rng = random.Random(os.environ.get('SCHEDD_E2E_SEED', 'ha'))
        down = []                       # (from, to) seconds b was dead
        for _ in range(KILLS):
            time.sleep(2 + rng.random() * 2)
            killed = time.time()
            b.kill9()
            time.sleep(DOWN + rng.random() * 2)
            b = Host(self, stub.url, dbs[1], 1, 2)
            b.wait_ready()
            down.append((killed, time.time()))
        time.sleep(STANDBY + 2)
        until = int(time.time()) - STANDBY - 2
        owed, at = self.check_complete(stub, dbs, since, until, 2)
        # b's shard while b was dead: created by a, within STANDBY + 1 s of the instant.
        covered = {(s, t) for s in SCHEDULES if shard_of(s, 2) == 1
                   for t in range(since, until + 1)
                   if any(k + 1 <= t and t + STANDBY + 1 <= r for k, r in down)}
        self.assertGreater(len(covered), 0)
        latency = self.standby_latency(owed, at, covered)
        self.assertLessEqual(max(latency), STANDBY + 1, sorted(latency)[-5:])
        self.rows(dbs[1], since, until)         # b's history: complete (check_complete)
        peer = sum(1 for k, v in self.rows(dbs[1], since, until).items()
                   if k in covered and v == ('created', 1))
        self.assertEqual(peer, len(covered), 'b lists what a created for it as the peer\'s')
        for h in (a, b):
            rc, _ = h.stop()
            self.assertEqual(rc, 0, h.stderr())
        print('\nb killed %d times for %.1f s in all: fires %d, created once each, missing 0; '
              '%d of b\'s instants created by a, p50/p99/max %.2f/%.2f/%.2f s after the '
              'instant (standbyDelay %d s); b lists all of them as the peer\'s'
              % (len(down), sum(r - k for k, r in down), len(owed), len(covered),
                 sorted(latency)[len(latency) // 2], p99(latency), max(latency), STANDBY))

    def test_a_host_cut_off_from_admin_is_covered(self):
        stub = self.stub()
        dbs = self.hosts_db(2)
        a = Host(self, stub.url, dbs[0], 0, 2)
        cut = Host(self, 'http://127.0.0.1:1', dbs[1], 1, 2)     # nothing listens there
        a.wait_ready()
        cut.wait_ready()
        since = int(time.time()) + 2
        time.sleep(8)
        until = int(time.time()) - STANDBY - 2
        owed = {execution_name(s, t): (s, t) for s in SCHEDULES
                for t in range(since, until + 1)}
        wait_for(lambda: all(n in {r['body']['name'] for r in stub.creates()} for n in owed),
                 10 * base.SLOW, 'a to create every instant')
        creates = stub.creates()
        at = {r['body']['name']: arrival(r) for r in creates}
        self.assertEqual(len(at), len(creates), 'an execution was created twice')
        theirs = {(s, t) for s, t in owed.values() if shard_of(s, 2) == 1}
        latency = self.standby_latency(owed, at, theirs)
        self.assertLessEqual(max(latency), STANDBY + 1, sorted(latency)[-5:])
        for h in (a, cut):
            rc, _ = h.stop()
            self.assertEqual(rc, 0, h.stderr())
        print('\na host cut off from Admin: its %d instants created by the other, p99 %.2f s '
              'after the instant' % (len(theirs), p99(latency)))

    def test_clocks_two_seconds_apart(self):
        # Host 1 reads its clock 2 s ahead: it fires its own shard 2 s early
        # and stands in for host 0's at 3 s (of standbyDelay 5 s) after the
        # instant. Nothing is created twice or missed, and with 2 s < 5 s / 2
        # each host still finds the other's executions instead of creating them.
        standby = 5
        stub = self.stub()
        dbs = self.hosts_db(2)
        hosts = [Host(self, stub.url, dbs[0], 0, 2, standby=standby),
                 Host(self, stub.url, dbs[1], 1, 2, standby=standby, skew=2)]
        for h in hosts:
            h.wait_ready()
        since = int(time.time()) + 4
        time.sleep(15)
        until = int(time.time()) - standby - 3
        owed, at = self.check_complete(stub, dbs, since, until, 2)
        found = foreign = own_peer = 0
        for h in hosts:
            for (s, t), (state, peer) in self.rows(h.db, since, until).items():
                if shard_of(s, 2) == h.shard:
                    own_peer += peer
                else:
                    foreign += 1
                    found += peer
        self.assertEqual(own_peer, 0)
        self.assertGreaterEqual(found, foreign * 0.95, '%d of %d' % (found, foreign))
        early = [at[n] - owed[n][1] for n in owed if shard_of(owed[n][0], 2) == 1]
        for h in hosts:
            rc, _ = h.stop()
            self.assertEqual(rc, 0, h.stderr())
        print('\nclocks 2 s apart (standbyDelay %d s): %d fires, each created once, missing 0; '
              '%d of %d fires of the other shard found at Admin; the skewed host\'s own fires '
              'reach Admin %.2f s from their instant (median)'
              % (standby, len(owed), found, foreign, sorted(early)[len(early) // 2]))

    def status(self, db, *args):
        p = subprocess.run([base.SCHEDCTL, '--db', db, 'status'] + list(args),
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def test_a_schedules_directory_keeps_hosts_identical(self):
        stub = self.stub()
        d = os.path.join(self.dir, 'schedules.d')
        os.mkdir(d)
        sites = os.path.join(d, 'sites.yaml')

        def write(path, sites_list):
            with open(path + '.tmp', 'w') as f:
                f.write('schedules:\n  - name: "sync_{s}"\n'
                        '    lp: flytesnacks/development/data_sync_wf\n'
                        '    cron: "* * * * * *"\n    inputs: {site_id: "{s}"}\n'
                        '    matrix: {s: [%s]}\n' % ', '.join(sites_list))
            os.rename(path + '.tmp', path)      # as config management writes files
        write(sites, ['a', 'b', 'c'])
        dbs = [os.path.join(self.dir, 'host%d.db' % i) for i in range(2)]
        hosts = [Host(self, stub.url, db, i, 2, schedules_dir=d) for i, db in enumerate(dbs)]
        for h in hosts:
            h.wait_ready()

        def names(db):
            self.db = db
            try:
                return sorted(n for n, in self.query('SELECT name FROM schedules'))
            except Exception:   # the schema is not there yet
                return []
        wait_for(lambda: all(names(db) == ['sync_a', 'sync_b', 'sync_c'] for db in dbs), 5,
                 'both hosts to apply the directory at start')
        digests = [json.loads(self.status(db, '-o', 'json')[1])['digest'] for db in dbs]
        self.assertEqual(digests[0], digests[1])
        self.assertEqual(digests[0], base.schedules_digest(dbs[0]))
        self.assertEqual([json.loads(self.status(db, '-o', 'json')[1])['shard'] for db in dbs],
                         ['0/2', '1/2'])
        # An edit reaches both daemons in under a second (applied and loaded).
        t0 = time.monotonic()
        write(sites, ['a', 'b', 'c', 'd'])
        wait_for(lambda: all('sync_d' in names(db) for db in dbs), 5, 'the edit on both hosts')
        took = time.monotonic() - t0
        self.assertLess(took, 1.0)
        since = int(time.time()) + 1
        wait_for(lambda: execution_name('sync_d', since) in
                 {r['body']['name'] for r in stub.creates()}, 5, 'sync_d to fire')
        # A bad file is refused with its place; the schedules in effect keep firing.
        bad = os.path.join(d, 'bad.yaml')
        with open(bad, 'w') as f:
            f.write('- {name: broken, lp: flytesnacks/development/data_sync_wf, cron: "61 * * * *"}\n')
        for h in hosts:
            wait_for(lambda: 'bad.yaml: entry 1 (broken)' in h.stderr(), 5, 'the refusal logged')
            self.assertIn('not applied (schedctl: %s: entry 1 (broken): cron' % bad, h.stderr())
        later = int(time.time()) + 1
        wait_for(lambda: all(execution_name('sync_%s' % s, later) in
                             {r['body']['name'] for r in stub.creates()} for s in 'abcd'), 5,
                 'the old schedules to keep firing')
        self.assertEqual([names(db) for db in dbs], [['sync_a', 'sync_b', 'sync_c', 'sync_d']] * 2)
        os.unlink(bad)
        # A schedule added by hand on one host: the digests differ, and --check says so.
        p = subprocess.run([base.SCHEDCTL, '--db', dbs[0], 'add', 'by_hand', '--lp',
                            'flytesnacks/development/data_sync_wf', '--cron', '0 0 1 1 *',
                            '--input', 'site_id=h'], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        a, b = (json.loads(self.status(db, '-o', 'json')[1])['digest'] for db in dbs)
        self.assertNotEqual(a, b)
        rc, out, err = self.status(dbs[0], '--check', '--expect-digest', b)
        self.assertEqual((rc, err), (1, ''))
        self.assertIn('CHECK: the schedules differ from the expected ones: digest %s, expected %s\n'
                      % (a, b), out)
        rc, out, _ = self.status(dbs[1], '--check', '--expect-digest', b)
        self.assertNotIn('differ', out)
        for h in hosts:
            rc, _ = h.stop()
            self.assertEqual(rc, 0, h.stderr())
        print('\nschedules directory: an edit applied and loaded by both hosts in %.2f s; a bad '
              'file refused, the schedules in effect kept firing; digests equal, then differing '
              'after a schedctl add on one host' % took)


if __name__ == '__main__':
    sys.exit(base.main())
