#!/usr/bin/env python3
"""Known answers for aggregate's statistics, computed independently of pcsv.

    python3 tests/cli/known_answers.py   # rewrites testdata/known.csv and the
                                         # expected output of the agg_known_answers case

Values come from Python's statistics module on exact Fractions (decimals) and
on floats (reals): mean, variance and stdev; quantiles by linear interpolation
at position (n-1)q, as SPEC section 3 says (DuckDB's quantile_cont, numpy's
default), with the same double arithmetic. Floats print as Python's repr,
which is pcsv's shortest round-trip form in the plain range.
"""
import os
import random
import statistics
from fractions import Fraction

here = os.path.dirname(os.path.abspath(__file__))
rnd = random.Random(20261125)
groups = {"a": [], "b": [], "c": [], "d": []}
rows = []
for i in range(400):
    g = rnd.choice("abcd")
    x = "" if rnd.random() < 0.1 else "%d.%02d" % (rnd.randint(-500, 5000), rnd.randint(0, 99))
    if g == "d":
        x = ""  # an all-null group
    r = "%.15e" % (1e9 + rnd.gauss(0, 0.5)) if rnd.random() < 0.95 else ""
    rows.append((g, x, r))
with open(os.path.join(here, "../../testdata/known.csv"), "w") as f:
    f.write("g,x,r\n")
    for row in rows:
        f.write(",".join(row) + "\n")


def fmt(v):
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def quantile(vals, q):
    s = sorted(float(v) for v in vals)
    h = (len(s) - 1) * q
    lo = int(h)
    frac = h - lo
    v = s[lo]
    if frac > 0 and lo + 1 < len(s):
        v += frac * (s[lo + 1] - v)
    return v


out = ["g,count,x_count,x_sum,x_mean,x_var,x_stddev,x_median,x_p90,r_mean,r_var,r_stddev,r_p10"]
for g in sorted({r[0] for r in rows}):
    xs = [Fraction(r[1]) for r in rows if r[0] == g and r[1]]
    rs = [float(r[2]) for r in rows if r[0] == g and r[2]]
    n = sum(1 for r in rows if r[0] == g)
    cells = [g, str(n), str(len(xs))]
    if xs:
        total = sum(xs)
        cells += ["%.2f" % total if total >= 0 else "-%.2f" % -total,
                  fmt(statistics.mean(xs)), fmt(statistics.variance(xs)), fmt(statistics.stdev(xs)),
                  fmt(quantile(xs, 0.5)), fmt(quantile(xs, 0.9))]
    else:
        cells += [""] * 6
    cells += [fmt(statistics.mean([Fraction(v) for v in rs])), fmt(statistics.variance(rs)),
              fmt(statistics.stdev(rs)), fmt(quantile(rs, 0.1))]
    out.append(",".join(cells))
cases = os.path.join(here, "cases")
with open(os.path.join(cases, "agg_known_answers.cmd"), "w") as f:
    f.write("aggregate known.csv --by g --agg count,count:x,sum:x,mean:x,var:x,stddev:x,median:x,p90:x,"
            "mean:r,var:r,stddev:r,p10:r\n")
with open(os.path.join(cases, "agg_known_answers.out"), "w") as f:
    f.write("\n".join(out) + "\n")
