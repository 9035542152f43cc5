#!/usr/bin/python3
"""
report.py: turn the RESULT lines of bench/cron's runs into its tables.

    report.py CORPUS ZONE RESULTS_FILE...

Prints Markdown tables: ns per next in UTC and in ZONE for schedd and each
peer, the ratio fastest peer / schedd (how many times faster schedd is), the
same for parse + next, a geometric-mean row, and a note for every peer whose
first three fire instants differ from schedd's (a semantics difference, not a
speed one).
"""
import math
import sys

IMPLS = ["schedd", "croniter", "croner", "cron-parser"]


def fmt(ns):
    if ns is None or math.isnan(ns):
        return "-"
    if ns >= 100000:
        return "%.0fk" % (ns / 1000)
    if ns >= 10000:
        return "%.1fk" % (ns / 1000)
    return "%.0f" % ns


def geomean(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x) and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    corpus, zone, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    exprs = [l.strip() for l in open(corpus) if l.strip() and not l.startswith("#")]
    res = {}        # (impl, zone, kind, idx) -> (ns, first)
    for path in files:
        for line in open(path):
            if not line.startswith("RESULT\t"):
                continue
            f = line.rstrip("\n").split("\t")
            _, impl, z, kind, idx, ns, _ops = f[:7]
            first = f[7] if len(f) > 7 else ""
            res[(impl, z, kind, int(idx))] = (float(ns), first)
    impls = [i for i in IMPLS if any(k[0] == i for k in res)]
    peers = [i for i in impls if i != "schedd"]
    notes = []

    def cell(impl, z, kind, idx):
        r = res.get((impl, z, kind, idx))
        if r is None:
            return None, "-"
        ns, first = r
        mark = ""
        if kind == "next" and impl != "schedd":
            s = res.get(("schedd", z, kind, idx))
            if first.startswith("ERR"):
                notes.append("%s, %s, `%s`: %s" % (impl, z, exprs[idx], first))
                return None, "err"
            if s is not None and first != s[1]:
                mark = "!"
                notes.append("%s, %s, `%s`: first fires %s, schedd %s" % (
                    impl, z, exprs[idx], first, s[1]))
        return ns, fmt(ns) + mark

    def table(title, cols):
        print("### " + title)
        print()
        print("ns per call, lower is better; ratio = fastest peer / schedd; "
              "`!` = the peer's first three fires differ from schedd's (notes below).")
        print()
        hdr = ["#", "expression"]
        for z, kind in cols:
            tag = "UTC" if z == "UTC" else "tz"
            hdr += ["%s %s" % (i, tag) for i in impls] + ["ratio %s" % tag]
        print("| " + " | ".join(hdr) + " |")
        print("|" + "|".join(["---:", ":---"] + ["---:"] * (len(hdr) - 2)) + "|")
        sums = {}
        for idx, expr in enumerate(exprs):
            row = [str(idx + 1), "`%s`" % expr]
            for z, kind in cols:
                vals = {}
                for i in impls:
                    ns, text = cell(i, z, kind, idx)
                    vals[i] = ns
                    row.append(text)
                    sums.setdefault((z, kind, i), []).append(ns)
                best = [vals[p] for p in peers if vals.get(p) is not None and not math.isnan(vals[p])]
                s = vals.get("schedd")
                ratio = min(best) / s if best and s else float("nan")
                sums.setdefault((z, kind, "ratio"), []).append(ratio)
                row.append("-" if math.isnan(ratio) else "%.0f×" % ratio)
            print("| " + " | ".join(row) + " |")
        row = ["", "**geometric mean**"]
        for z, kind in cols:
            for i in impls:
                row.append("**%s**" % fmt(geomean(sums.get((z, kind, i), []))))
            g = geomean(sums.get((z, kind, "ratio"), []))
            row.append("**%s**" % ("-" if math.isnan(g) else "%.0f×" % g))
        print("| " + " | ".join(row) + " |")
        print()

    table("cron next: ns per call, UTC and %s" % zone, [("UTC", "next"), (zone, "next")])
    table("parse + first next of a fresh expression, UTC", [("UTC", "parse_next")])
    if notes:
        print("Peers whose answers differ from schedd's (first three fires, Unix seconds):")
        print()
        for n in dict.fromkeys(notes):
            print("- " + n)
        print()


if __name__ == "__main__":
    main()
