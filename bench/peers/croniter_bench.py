#!/usr/bin/python3
"""
croniter_bench.py: the croniter peer of bench/cron (run with Debian's /usr/bin/python3).

    croniter_bench.py CORPUS START BUDGET_MS ZONE

Same measurements and output as cron_bench.c: for each expression,
  next UTC     croniter(expr, START).get_next() repeated (float start: UTC)
  next ZONE    the same from a tz-aware datetime in ZONE
  parse_next   croniter(expr, START).get_next() on a fresh object, UTC
Iteration restarts from START (set_current) when it passes 2100.
"""
import datetime
import sys
import time
from zoneinfo import ZoneInfo

from croniter import croniter

HORIZON = 4102444800
BATCH = 20


def first3(expr, start):
    it = croniter(expr, start)
    return ",".join(str(int(it.get_next())) for _ in range(3))


def bench_next(expr, start, budget_ns):
    it = croniter(expr, start)
    for _ in range(BATCH):                     # warm-up
        if it.get_next() > HORIZON:
            it.set_current(start, force=True)
    it.set_current(start, force=True)
    n = 0
    t0 = time.perf_counter_ns()
    while True:
        for _ in range(BATCH):
            if it.get_next() > HORIZON:
                it.set_current(start, force=True)
        n += BATCH
        el = time.perf_counter_ns() - t0
        if el >= budget_ns:
            return el / n, n


def bench_parse_next(expr, start, budget_ns):
    n = 0
    t0 = time.perf_counter_ns()
    while True:
        for _ in range(BATCH):
            croniter(expr, start).get_next()
        n += BATCH
        el = time.perf_counter_ns() - t0
        if el >= budget_ns:
            return el / n, n


def main():
    corpus, start, budget_ms, zname = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    budget = budget_ms * 1000000
    zone = ZoneInfo(zname)
    start_local = datetime.datetime.fromtimestamp(start, zone)
    exprs = [l.strip() for l in open(corpus) if l.strip() and not l.startswith("#")]
    for idx, expr in enumerate(exprs):
        for zlabel, st in (("UTC", float(start)), (zname, start_local)):
            try:
                first = first3(expr, st)
                ns, n = bench_next(expr, st, budget)
                print("RESULT\tcroniter\t%s\tnext\t%d\t%.1f\t%d\t%s" % (zlabel, idx, ns, n, first))
            except Exception as e:              # noqa: BLE001: report, go on
                print("RESULT\tcroniter\t%s\tnext\t%d\tnan\t0\tERR %s" % (zlabel, idx, e))
        try:
            ns, n = bench_parse_next(expr, float(start), budget)
            print("RESULT\tcroniter\tUTC\tparse_next\t%d\t%.1f\t%d\t" % (idx, ns, n))
        except Exception as e:                  # noqa: BLE001
            print("RESULT\tcroniter\tUTC\tparse_next\t%d\tnan\t0\tERR %s" % (idx, e))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
