#!/usr/bin/python3
"""Differential check of pcsv against itself (run it through run.sh).

    /usr/bin/python3 tests/diff/diff.py PCSV_BINARY

Random small CSV inputs (seeded: every run checks the same cases) with the
awkward parts of the format: quotes, doubled quotes, quoted LF and CRLF line
breaks, CRLF and mixed row ends, empty and "" cells, numbers such as 007,
-0.00, 1e5, .5, 5., +5, -.5 and 9007199254740993, invalid UTF-8, a BOM, no
final line end, and now and then a bad row or a few thousand rows (outputs
past 64 KiB). On each input every command runs in every --format; one
command in one format on one input is a *case*. For each case:

  * the baseline is `pcsv CMD data.csv --format F --jobs 1` (stdout);
  * variations must give the same exit status, the same stdout and the same
    stderr (input names replaced by <INPUT>, since a message names its
    input as given): two other --jobs 1/2/3 x --chunk-size 1/64/default
    pairs, one other way in for the input (`< data.csv`, `cat data.csv |`,
    a zstd copy as FILE, a zstd copy of several frames, a zstd copy on
    stdin or through a pipe, a gzip copy of several members as FILE or
    through a pipe) and one other way out (`-o out.csv`,
    `-o out.csv.zst` read back with `zstd -dc`); each of these three with a
    random jobs/chunk pair. With -o, stdout must be empty, and a failed run
    must leave no file behind. Inputs past 64 KiB try both ways out.
    aggregate also runs spilled (--memory-limit 64K) and with every group
    sent through the partitions and finished into key-range buckets
    (aggradix.c's hooks PCSV_AGG_BUCKET_ROWS=1 and PCSV_AGG_FLUSH_*).
  * on success, the output is well formed: jsonl lines are valid UTF-8 and
    parse with Python's strict json.loads (no NaN/Infinity, no 007); csv
    output reads back (csv module, strict) with no blank line and as many
    rows as the jsonl output has lines; the tsv and jsonl outputs hold the
    same table as the csv output (nulls as empty cells, a JSON number by
    the text it was written with, invalid UTF-8 compared after U+FFFD
    replacement); the exit status does not depend on --format.

Commands that fail (exit 1 on bad data, exit 2 on usage) are fine as long as
every variation fails the same way.

A failing check prints a FAIL block with a shell reproducer; the first
failure of each kind is shrunk first (rows dropped while it still fails).
The last line is `N passed, M failed` over cases; exit 1 when M > 0.

Environment:
  PCSV_DIFF_CASES    how many cases (default 1800; about 60 s on 2 busy cores)
  PCSV_DIFF_SEED     seed (default 20261202)
  PCSV_DIFF_JOBS     cases run concurrently (default 2)
  PCSV_DIFF_SHRINK   0: do not shrink reproducers (default 1)
  PCSV_DIFF_KEEP     directory for the inputs of failing cases (default: a
                     new /tmp/pcsv-diff-XXXX, printed; removed when all pass)
  PCSV_DIFF_TIMEOUT  seconds per pcsv run (default 30)
"""

import csv
import gzip
import io
import json
import math
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, localcontext

FORMATS = ("csv", "tsv", "jsonl")
JOBS = (1, 2, 3)
CHUNKS = (1, 64, None)
JC_ALL = [(j, c) for j in JOBS for c in CHUNKS]
JC_OTHER = [jc for jc in JC_ALL if jc != (1, None)]
INPUTS = ("stdin", "pipe", "zst", "zst_frames", "zst_stdin", "zst_pipe", "gz_members", "gz_pipe")
OUTPUTS = ("o", "o_zst")
BIG = 64 * 1024
TABLE_VERBS = ("aggregate", "filter", "select", "head", "stats")

ODD_NUMBERS = [b"007", b"-0.00", b"1e5", b".5", b"5.", b"+5", b"-.5", b"9007199254740993",
               b"0", b"-0", b"12.30", b"1.2", b"1E-3", b"02134", b"-12", b"1e-7", b"100",
               b"123456789012345678901234567890", b"0.000", b"-9007199254740993"]
TEXT_PIECES = [b"a", b"b", b"Z", b"ab", b" ", b",", b'"', b'""', b"\n", b"\r\n", b"\t", b"\\",
               b"\xc3\xa9", b"\xe2\x82\xac", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82",
               b"{", b":", b"\x01", b"refund", b"NA", b"null", b"true", b"x y", b"'", b"0"]
KEYS = [b"US", b"CA", b"DE", b"", b"a,b", b'q"x', b"\xc3\xbc", b"NA", b"10", b"9", b"007",
        b"7", b"-1", b"\xff", b"us"]
NUM_KEYS = [b"1", b"2", b"10", b"9", b"-3", b"007", b"1.5", b"", b"100"]
BOOLS = [b"true", b"false", b"TRUE", b"yes", b"no", b"1", b"0", b"", b"False"]
MIXED = [b"1", b"2.5", b"x", b"inf", b"nan", b"", b"-0", b"1e5", b"abc", b"9007199254740993"]


# ---------------------------------------------------------------- inputs

class Data:
    """One input: a header and rows, each row its raw bytes and its line end."""

    def __init__(self, cols, header, rows, bom, final_eol, tail=b""):
        self.cols = cols            # [(name, kind)]
        self.header = header        # bytes, or None for an empty file
        self.rows = rows            # [(bytes, eol)]
        self.bom = bom
        self.final_eol = final_eol
        self.tail = tail            # an unterminated quoted row at the end
        self.clean = True           # no bad row was put in on purpose

    def render(self):
        if self.header is None:
            return b""
        parts = [b"\xef\xbb\xbf" if self.bom else b""]
        lines = [(self.header, b"\n" if not self.rows else self.rows[0][1])] + self.rows
        for i, (text, eol) in enumerate(lines):
            parts.append(text)
            if i < len(lines) - 1 or self.final_eol or self.tail:
                parts.append(eol)
        parts.append(self.tail)
        return b"".join(parts)

    def with_rows(self, rows):
        d = Data(self.cols, self.header, rows, self.bom, self.final_eol, self.tail)
        d.clean = self.clean
        return d


def quote_cell(rng, v, p=0.15):
    if any(c in v for c in (b",", b'"', b"\r", b"\n")) or rng.random() < p:
        return b'"' + v.replace(b'"', b'""') + b'"'
    return v


def gen_value(rng, kind, prof):
    if rng.random() < prof["null"]:
        return b""
    if kind == "k":
        return rng.choice(prof["keys"])
    if kind == "n":
        r = rng.random()
        if r < prof["odd"]:
            return rng.choice(prof["odd_list"])
        if prof["numtype"] == "int":
            return str(rng.randint(-500, 5000)).encode()
        if prof["numtype"] == "dec":
            return ("%.*f" % (rng.randint(0, 3), rng.uniform(-1000, 1000))).encode()
        return repr(rng.uniform(-1e6, 1e6)).encode()
    if kind == "b":
        return rng.choice(BOOLS)
    if kind == "m":
        return rng.choice(MIXED)
    n = rng.randint(0, prof["tlen"])
    return b"".join(rng.choice(TEXT_PIECES) for _ in range(n)) if n else b"x"


def gen_data(rng, big):
    r = rng.random()
    ncols = rng.choice([1, 1, 2, 3, 3, 4, 5])
    if big:  # wide rows: filter/select/head outputs past 64 KiB
        ncols = rng.randint(3, 5)
    kinds = [rng.choice("knnktbm") for _ in range(ncols)]
    if big and "t" not in kinds:
        kinds[-1] = "t"
    cols = [("%s%d" % (k, i), k) for i, k in enumerate(kinds)]
    if r < 0.02 and not big:
        return Data(cols, None, [], False, False)
    header = b",".join(quote_cell(rng, n.encode(), 0.2) for n, _ in cols)
    if r < 0.05 and not big:
        nrows = 0
    elif big:
        nrows = rng.randint(2000, 3500)
    elif rng.random() < 0.25:
        nrows = rng.randint(30, 400)
    else:
        nrows = rng.randint(1, 30)
    eol_mode = rng.choice(["lf", "lf", "crlf", "mixed"])
    prof = {
        "null": rng.choice([0.0, 0.05, 0.2, 0.5]),
        "keys": rng.choice([KEYS, NUM_KEYS, KEYS[:4]]),
        "odd": rng.choice([0.0, 0.1, 0.5, 1.0]),
        "odd_list": rng.sample(ODD_NUMBERS, rng.randint(2, len(ODD_NUMBERS))),
        "numtype": rng.choice(["int", "int", "dec", "real"]),
        "tlen": 24 if big else 6,
    }
    if big:  # wide enough rows that filter/select/head output passes 64 KiB
        prof["null"] = min(prof["null"], 0.05)
    bad = rng.random() < 0.12
    rows = []
    for _ in range(nrows):
        cells = [quote_cell(rng, gen_value(rng, k, prof)) for _, k in cols]
        if bad and rng.random() < 0.02:
            what = rng.random()
            if what < 0.4:
                cells.append(b"extra")
            elif what < 0.7 and len(cells) > 1:
                cells.pop()
            else:
                cells[rng.randrange(len(cells))] = rng.choice([b'ab"c', b'"ab"c'])
        if rng.random() < 0.01:
            cells = [b""] * 1 if rng.random() < 0.5 else cells  # a blank line
        eol = {"lf": b"\n", "crlf": b"\r\n"}.get(eol_mode) or rng.choice([b"\n", b"\r\n"])
        rows.append((b",".join(cells), eol))
    tail = b""
    if rng.random() < 0.02:
        tail = b'"unterminated' + (b"," * (ncols - 1)) + b"\n"
    data = Data(cols, header, rows, rng.random() < 0.15, rng.random() < 0.8, tail)
    data.clean = not bad and not tail
    return data


# ---------------------------------------------------------------- commands

def gen_atom(rng, cols):
    name, kind = rng.choice(cols)
    if rng.random() < 0.1:
        name = "$%d" % (cols.index((name, kind)) + 1)
    if kind == "n":
        v = rng.choice(["0", "5", "-1", "1e2", ".5", "100.00", "007", "9007199254740992"])
        return rng.choice(["%s > %s" % (name, v), "%s <= %s" % (name, v), "%s is null" % name,
                           "%s is not null" % name, "%s * 2 >= %s" % (name, v),
                           "%s %% 2 == 1" % name, "abs(%s) < 100" % name, "%s == %s" % (name, v),
                           "%s + 1 > 1" % name, "%s in (0, 5, 7)" % name, "%s / 3 < 2" % name])
    if kind == "k":
        return rng.choice(['%s == "US"' % name, '%s in ("US", "CA", "10")' % name,
                           '%s != "DE"' % name, "len(%s) > 1" % name, "%s > 5" % name,
                           "%s is null" % name, "upper(%s) == 'US'" % name])
    if kind == "b":
        return rng.choice(["%s == true" % name, "%s != false" % name, name, "not %s" % name,
                           "%s == 1" % name])
    if kind == "m":
        return rng.choice(["%s > 1" % name, '%s == "x"' % name, "%s is not null" % name,
                           "%s < 'b'" % name])
    return rng.choice(['%s =~ "a"' % name, 'contains(%s, ",")' % name, "%s is not null" % name,
                       'starts_with(%s, "a")' % name, 'lower(%s) == "ab"' % name,
                       'trim(%s) is null' % name, '%s !~ "(?i)REFUND"' % name,
                       'ends_with(%s, "b")' % name, "len(%s) >= 3" % name])


def gen_where(rng, cols):
    e = gen_atom(rng, cols)
    for _ in range(rng.choice([0, 0, 1, 2])):
        e = "%s %s %s%s" % (e, rng.choice(["and", "or", "&&", "||"]),
                            rng.choice(["", "", "not "]), gen_atom(rng, cols))
    if rng.random() < 0.15:
        e = "not (%s)" % e
    return e


def gen_aggregate(rng, cols):
    args = []
    by = rng.sample(cols, min(len(cols), rng.choice([0, 1, 1, 1, 2])))
    keys = []
    for name, _ in by:
        if rng.random() < 0.15:
            keys.append(str(cols.index((name, _)) + 1))
        else:
            keys.append(name)
    if rng.random() < 0.08:
        name = rng.choice(cols)[0]
        keys.append("l=len(%s)" % name)
    outnames = []
    if keys:
        args += ["--by", ",".join(keys)]
        for k in keys:
            outnames.append(k.split("=")[0] if "=" in k else
                            (cols[int(k) - 1][0] if k.isdigit() else k))
    pool = ["count"]
    for name, kind in cols:
        pool += ["count:" + name, "min:" + name, "max:" + name, "first:" + name,
                 "last:" + name, "distinct:" + name]
        num = ["sum", "mean", "median", "p%d" % rng.randint(1, 99), "var", "stddev"]
        if kind == "n":
            pool += [f + ":" + name for f in num] * 2
        elif rng.random() < 0.1:
            pool.append(rng.choice(num) + ":" + name)
    specs = []
    for s in rng.sample(pool, min(len(pool), rng.randint(1, 5))):
        if s not in specs:
            specs.append(s)
    args += ["--agg", ",".join(specs)]
    for s in specs:
        f, _, c = s.partition(":")
        outnames.append(c + "_" + f if c else f)
    if rng.random() < 0.5:
        args += ["--sort", rng.choice(outnames) + rng.choice(["", ":asc", ":desc"])]
    if rng.random() < 0.3:
        args += ["--where", gen_where(rng, cols)]
    return args


def gen_select(rng, cols):
    n = len(cols)
    r = rng.random()
    if r < 0.1 and n > 1:
        return "!" + rng.choice(cols)[0]
    if r < 0.2 and n > 1:
        a, b = sorted(rng.sample(range(1, n + 1), 2))
        return "%d-%d" % ((a, b) if rng.random() < 0.7 else (b, a))
    k = 1 if rng.random() < 0.4 else rng.randint(1, n)
    chosen = [rng.randrange(n) for _ in range(k)] if rng.random() < 0.2 else \
        rng.sample(range(n), k)
    return ",".join(cols[i][0] if rng.random() < 0.8 else str(i + 1) for i in chosen)


def gen_commands(rng, data):
    cols = data.cols
    nrows = len(data.rows)
    cmds = [["headers"], ["stats"],
            ["count"] + (["--where", gen_where(rng, cols)] if rng.random() < 0.7 else []),
            ["filter", "--where", gen_where(rng, cols)],
            ["select", gen_select(rng, cols)],
            ["head"] + ([] if rng.random() < 0.2 else
                        ["-n", str(rng.choice([0, 1, 3, nrows // 2, nrows, nrows + 5, 100000]))]),
            ["aggregate"] + gen_aggregate(rng, cols),
            ["aggregate"] + gen_aggregate(rng, cols)]
    bad = any(b'"ab"c' in r or b'ab"c' in r for r, _ in data.rows) or \
        len({r.count(b",") for r, _ in data.rows}) > 1
    for c in cmds:
        if c[0] != "headers" and rng.random() < (0.6 if bad else 0.05):
            c += ["--on-bad-row", rng.choice(["skip", "warn"])]
    return cmds


# ---------------------------------------------------------------- running

class Res:
    def __init__(self, rc, out, err, files=None):
        self.rc, self.out, self.err = rc, out, err
        self.files = files  # for -o runs: names left in the output directory


NAMES_RE = re.compile(
    rb"data\.frames\.csv\.zst|data\.csv\.zst|data\.members\.csv\.gz|data\.csv|<stdin>")


SPILLED_RE = re.compile(rb"^pcsv: spilled [^\n]*\n", re.M)


def norm_err(b):
    # the line a spilling aggregate adds (its size depends on --jobs) goes:
    # the spill variation must say the same as the in-memory run otherwise
    return SPILLED_RE.sub(b"", NAMES_RE.sub(b"<INPUT>", b))


def split_env(extra):
    """("ENV:NAME=VALUE" entries of a variation's extra are environment
    variables, not options): ([NAME=VALUE...], the options)."""
    return ([x[4:] for x in extra if x.startswith("ENV:")],
            tuple(x for x in extra if not x.startswith("ENV:")))


class Runner:
    def __init__(self, pcsv, timeout):
        self.pcsv = pcsv
        self.timeout = timeout
        self.lock = threading.Lock()
        self.runs = 0

    def argv(self, cmd, fmt, inp, jc, outpath=None, extra=()):
        j, c = jc
        a = [self.pcsv, cmd[0]]
        rest = list(cmd[1:])
        if cmd[0] == "select":  # pcsv select COLS [FILE...]
            a.append(rest.pop(0))
        if inp == "file":
            a.append("data.csv")
        elif inp == "zst":
            a.append("data.csv.zst")
        elif inp == "zst_frames":
            a.append("data.frames.csv.zst")
        elif inp == "gz_members":
            a.append("data.members.csv.gz")
        a += rest + ["--format", fmt, "--jobs", str(j)]
        if c is not None:
            a += ["--chunk-size", str(c)]
        if outpath:
            a += ["-o", outpath]
        return a + list(extra)

    def run(self, d, cmd, fmt, inp="file", out="stdout", jc=(1, None), extra=()):
        with self.lock:
            self.runs += 1
        outdir = None
        outpath = None
        if out != "stdout":
            outdir = tempfile.mkdtemp(prefix="o-", dir=d)
            outpath = os.path.join(outdir, "out.csv" + (".zst" if out == "o_zst" else ""))
        assigns, extra = split_env(extra)
        env = dict(os.environ)
        env.update(a.split("=", 1) for a in assigns)
        argv = self.argv(cmd, fmt, inp, jc, outpath, extra)
        stdin = subprocess.DEVNULL
        feeder = None
        fh = None
        if inp in ("stdin", "zst_stdin"):
            fh = open(os.path.join(d, "data.csv" if inp == "stdin" else "data.csv.zst"), "rb")
            stdin = fh
        elif inp in ("pipe", "zst_pipe", "gz_pipe"):
            src = {"pipe": "data.csv", "zst_pipe": "data.csv.zst", "gz_pipe": "data.members.csv.gz"}
            feeder = subprocess.Popen(["cat", src[inp]],
                                      cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            stdin = feeder.stdout
        try:
            p = subprocess.run(argv, cwd=d, stdin=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=self.timeout, env=env)
            rc, o, e = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as ex:
            rc, o, e = "timeout", ex.stdout or b"", ex.stderr or b""
        finally:
            if fh:
                fh.close()
            if feeder:
                feeder.stdout.close()
                feeder.wait()
        res = Res(rc, o, norm_err(e))
        if outdir:
            res.files = sorted(os.listdir(outdir))
            if os.path.exists(outpath):
                if out == "o_zst":
                    z = subprocess.run(["zstd", "-dc", outpath], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE)
                    res.ofile = z.stdout if z.returncode == 0 else None
                    res.zerr = z.stderr.decode("utf-8", "replace").strip().replace(
                        outpath, "out.csv.zst")
                else:
                    with open(outpath, "rb") as f:
                        res.ofile = f.read()
            shutil.rmtree(outdir, ignore_errors=True)
        return res


def write_inputs(d, data, rng, cuts=None):
    """data.csv, data.csv.zst, data.frames.csv.zst and data.members.csv.gz in
    d: (raw, cuts). cuts: where the frames (and the gzip members) split
    (drawn from rng when not given; clamped to
    the input, which shrinks while a failure is minimised)."""
    raw = data.render()
    with open(os.path.join(d, "data.csv"), "wb") as f:
        f.write(raw)
    subprocess.run(["zstd", "-q", "-f", "data.csv", "-o", "data.csv.zst"], cwd=d, check=True)
    # several frames, split anywhere (also inside a row or a quoted field)
    if cuts is None:
        cuts = sorted(rng.sample(range(len(raw) + 1), min(len(raw) + 1, rng.randint(1, 3))))
    cuts = [min(c, len(raw)) for c in cuts]
    with open(os.path.join(d, "data.frames.csv.zst"), "wb") as f:
        prev = 0
        for c in cuts + [len(raw)]:
            z = subprocess.run(["zstd", "-q", "-c"], input=raw[prev:c], stdout=subprocess.PIPE,
                               check=True)
            f.write(z.stdout)
            prev = c
    with open(os.path.join(d, "data.members.csv.gz"), "wb") as f:
        prev = 0
        for c in cuts + [len(raw)]:
            f.write(gzip.compress(raw[prev:c], compresslevel=6, mtime=0))
            prev = c
    return raw, cuts


# ---------------------------------------------------------------- checks

def first_diff(a, b):
    al, bl = a.split(b"\n"), b.split(b"\n")
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else None
        y = bl[i] if i < len(bl) else None
        if x != y:
            return "line %d: %s vs %s (%d vs %d bytes in all)" % (
                i + 1, short(x), short(y), len(a), len(b))
    return "same lines, %d vs %d bytes" % (len(a), len(b))


def short(x):
    if x is None:
        return "(none)"
    r = repr(x)
    return r if len(r) < 90 else r[:87] + "..."


def compare(base, var, out):
    """Differences of variation var from the baseline: [(check, detail)]."""
    probs = []
    if var.rc != base.rc:
        probs.append(("exit status", "%s vs %s; stderr: %s" % (
            base.rc, var.rc, short(var.err.strip()[:300]))))
    if var.err != base.err:
        probs.append(("stderr", first_diff(base.err, var.err)))
    if out == "stdout":
        if var.out != base.out:
            probs.append(("stdout", first_diff(base.out, var.out)))
        return probs
    if var.out:
        probs.append(("-o: stdout not empty", short(var.out[:200])))
    if var.rc == 0:
        got = getattr(var, "ofile", None)
        if got is None:
            probs.append(("-o: output file", "missing or unreadable: %s; dir: %s" % (
                getattr(var, "zerr", ""), var.files)))
        elif base.rc == 0 and got != base.out:
            probs.append(("-o: output file", first_diff(base.out, got)))
        if var.files != [os.path.basename("out.csv" + (".zst" if out == "o_zst" else ""))]:
            probs.append(("-o: directory", "left %s" % var.files))
    elif var.files:
        probs.append(("-o: failed run left files", "%s" % var.files))
    return probs


class JNum(str):
    """A JSON number, kept as the text it was written with."""


def reject_constant(s):
    raise ValueError("not JSON: %s" % s)


def parse_jsonl(b):
    """(rows, problem): rows are lists of (key, value) pairs."""
    if b and not b.endswith(b"\n"):
        return None, ("jsonl: invalid JSON", "no line end at the end")
    rows = []
    for i, line in enumerate(b.split(b"\n")[:-1] if b else []):
        try:
            s = line.decode("utf-8")
        except UnicodeDecodeError as ex:
            return None, ("jsonl: not UTF-8", "line %d (%s): %s" % (i + 1, ex.reason, short(line)))
        try:
            v = json.loads(s, parse_int=JNum, parse_float=JNum, parse_constant=reject_constant,
                           object_pairs_hook=list)
        except ValueError as ex:
            return None, ("jsonl: invalid JSON", "line %d: %s: %s" % (i + 1, ex, short(line)))
        rows.append(v)
    return rows, None


def parse_csv(b):
    text = b.decode("utf-8", "surrogateescape")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True)), None
    except csv.Error as ex:
        return None, "csv module: %s" % ex


class _LoneEmpty(list):
    def __eq__(self, other):
        return other in ([""], ['""'])

    def __ne__(self, other):
        return not self == other


LONE_EMPTY = _LoneEmpty([""])
TSV_ESC = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def parse_tsv(b):
    if b and not b.endswith(b"\n"):
        return None, "no line end at the end"
    text = b.decode("utf-8", "surrogateescape")
    rows = []
    for line in text.split("\n")[:-1] if text else []:
        if line == '""':
            # a lone empty field is written "" (never a blank line, SPEC 2);
            # TSV has no quoting, so the text "" looks the same: LONE_EMPTY
            # matches both
            rows.append(LONE_EMPTY)
            continue
        rows.append([re.sub(r"\\(.)", lambda m: TSV_ESC.get(m.group(1), m.group(0)), f)
                     for f in line.split("\t")])
    return rows, None


def canon(s):
    """Text as comparable across formats: invalid UTF-8 as one U+FFFD per run."""
    if s is None:
        return ""
    b = s.encode("utf-8", "surrogateescape")
    return re.sub("\ufffd+", "\ufffd", b.decode("utf-8", "replace"))


def opt(cmd, name):
    return cmd[cmd.index(name) + 1] if name in cmd else None


def count_problem(cmd, rows, count_fn):
    """Does the csv output (records, header first) have as many rows as
    `pcsv count` (with the same --where and --on-bad-row) says it should?"""
    verb = cmd[0]
    bad = ["--on-bad-row", opt(cmd, "--on-bad-row")] if "--on-bad-row" in cmd else []
    where = ["--where", opt(cmd, "--where")] if "--where" in cmd else []
    body = rows[1:]
    header = rows[0] if rows else []
    if verb == "aggregate" and header.count("count") != 1:
        return None
    if verb == "aggregate" and bad and re.search(
            r"(^|,)(sum|mean|median|p\d+|var|stddev):", opt(cmd, "--agg")):
        return None  # a non-number there is a bad row for aggregate, not for count
    r = count_fn(["count"] + (where if verb in ("filter", "aggregate") else []) + bad)
    if r.rc != 0 or not r.out.strip().isdigit():
        return None
    total = int(r.out)
    cc = " ".join(["count"] + (where if verb in ("filter", "aggregate") else []) + bad)
    if verb in ("filter", "select"):
        if len(body) != total:
            return "%d rows, `pcsv %s` says %d" % (len(body), cc, total)
    elif verb == "head":
        n = int(opt(cmd, "-n") or 10)
        if len(body) != min(n, total):
            return "%d rows, `pcsv %s` says %d" % (len(body), cc, total)
    elif verb == "stats":
        if "count" not in header or "nulls" not in header:
            return None
        ic, ino = header.index("count"), header.index("nulls")
        for row in body:
            if len(row) == len(header) and int(row[ic]) + int(row[ino]) != total:
                return "column %s: count %s + nulls %s, `pcsv %s` says %d" % (
                    row[0], row[ic], row[ino], cc, total)
    elif verb == "aggregate":
        i = header.index("count")
        got = sum(int(row[i]) for row in body if len(row) == len(header) and row[i].isdigit())
        if got != total:
            return "the count column adds up to %d, `pcsv %s` says %d" % (got, cc, total)
    return None


INT_RE = re.compile(r"[+-]?\d+\Z")
DEC_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)\Z")


def read_input(raw):
    """The input as Python's csv module reads it: (header, rows), blank
    lines dropped; None when a row has the wrong number of fields."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        rows = [r for r in csv.reader(io.StringIO(raw.decode("utf-8", "surrogateescape"),
                                                  newline=""), strict=True) if r != []]
    except csv.Error:
        return None
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        return None
    return rows[0], rows[1:]


def value_problem(cmd, data, out):
    """Independent results for what is easy to get right in Python:
    aggregate's groups (by key text, an empty key a group of its own) and
    count, count:C, first:C, last:C and sum:C of integer or plain decimal
    columns (exact; decimals with the most fraction digits of the column).
    Only for inputs with no bad row, without --where or computed keys."""
    if cmd[0] != "aggregate" or not data.clean or "--where" in cmd or len(out) < 1 or \
            "--on-bad-row" in cmd:  # (skip drops rows with a non-number in sum:C)
        return None
    parsed = read_input(data.render())
    if parsed is None:
        return None
    header, rows = parsed
    by = opt(cmd, "--by")
    keys = by.split(",") if by else []
    if any("=" in k for k in keys) or not rows:
        return None
    try:
        kidx = [header.index(k) if k in header else int(k) - 1 for k in keys]
    except ValueError:
        return None
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[i] for i in kidx), []).append(r)
    ohead, body = out[0], out[1:]
    got = {}
    for r in body:
        if len(r) != len(ohead):
            return None
        got[tuple(r[:len(keys)])] = r
    if set(got) != set(groups):
        missing = sorted(set(groups) - set(got))[:3]
        extra = sorted(set(got) - set(groups))[:3]
        return "groups differ: missing %s, unexpected %s" % (short(missing), short(extra))
    specs = (opt(cmd, "--agg") or "count").split(",")
    for si, spec in enumerate(specs):
        f, _, c = spec.partition(":")
        if c and c not in header:
            return None
        ci = header.index(c) if c else None
        col = [r[ci] for r in rows if r[ci] != ""] if c else []
        scale = None
        if f == "sum":
            if all(INT_RE.match(v) for v in col):
                scale = 0
            elif all(DEC_RE.match(v) for v in col):
                scale = max(len(v.partition(".")[2]) for v in col)
            else:
                continue
        elif f not in ("count", "first", "last"):
            continue
        for k, grows in groups.items():
            vals = [r[ci] for r in grows if r[ci] != ""] if c else None
            if f == "count":
                want = str(len(vals) if c else len(grows))
            elif not vals:
                want = ""
            elif f == "first":
                want = vals[0]
            elif f == "last":
                want = vals[-1]
            else:
                with localcontext() as ctx:  # exact: no rounding at 28 digits
                    ctx.prec = 1000
                    tot = sum(Decimal(v) for v in vals).quantize(Decimal(1).scaleb(-scale))
                want = format(tot, "f")
                if tot == 0:
                    want = want.lstrip("-")
            have = got[k][len(keys) + si]
            if have != want:
                return "group %s, %s: %s, expected %s" % (short(k), spec, short(have), short(want))
    return None


def format_checks(cmd, bases, count_fn=None, data=None):
    """Checks of the baseline outputs of one command in the three formats:
    {fmt: [(check, detail)]}. count_fn(args) runs pcsv ARGS on the same
    input, for the row counts."""
    probs = {f: [] for f in FORMATS}
    rcs = {f: bases[f].rc for f in FORMATS}
    if len(set(rcs.values())) > 1:
        for f in ("tsv", "jsonl"):
            if rcs[f] != rcs["csv"]:
                probs[f].append(("exit status differs from --format csv",
                                 "csv %s, %s %s; stderr: %s" % (
                                     rcs["csv"], f, rcs[f], short(bases[f].err[:300]))))
    ok = {f: bases[f].rc == 0 for f in FORMATS}
    j = c = t = None
    if ok["jsonl"]:
        j, why = parse_jsonl(bases["jsonl"].out)
        if why:
            probs["jsonl"].append(why)
    if cmd[0] not in TABLE_VERBS:
        return probs
    if ok["csv"]:
        c, why = parse_csv(bases["csv"].out)
        if why:
            probs["csv"].append(("csv: does not read back", why))
        elif any(r == [] for r in c):
            i = c.index([])
            probs["csv"].append(("csv: blank line", "record %d is a blank line: %s" % (
                i + 1, first_lines(bases["csv"].out))))
            c = None
    if ok["tsv"]:
        t, why = parse_tsv(bases["tsv"].out)
        if why:
            probs["tsv"].append(("tsv: malformed", why))
    if c is not None and j is not None:
        header = c[0] if c else []
        data_rows = c[1:]
        if len(data_rows) != len(j):
            probs["csv"].append(("csv: row count differs from jsonl", "%d csv rows after the "
                                 "header, %d jsonl lines" % (len(data_rows), len(j))))
        else:
            for i, (cr, jr) in enumerate(zip(data_rows, j)):
                if not isinstance(jr, list):
                    probs["jsonl"].append(("jsonl: not the csv table", "line %d is not an object: "
                                           "%s" % (i + 1, short(jr))))
                    break
                jk = [canon(k) for k, _ in jr]
                # a JSON true/false is the csv text true/false (stats'
                # distinct_exact); lists and objects never are
                jv = [("true" if v else "false") if isinstance(v, bool)
                      else canon(v) if not isinstance(v, (list, dict)) else repr(v)
                      for _, v in jr]
                ck = [canon(x) for x in header]
                cv = [canon(x) for x in cr]
                if jk != ck or jv != cv:
                    if len(jk) != len(ck):
                        what = "%d keys, csv has %d columns: %s" % (len(jk), len(ck), short(jr))
                    else:
                        k = next(k for k in range(len(jk)) if (jk[k], jv[k]) != (ck[k], cv[k]))
                        what = "column %d: csv %s, jsonl %s" % (k + 1, short((ck[k], cv[k])),
                                                                short(jr[k]))
                    probs["jsonl"].append(("jsonl: not the csv table", "row %d, %s" % (
                        i + 1, what)))
                    break
    if c is not None and count_fn:
        why = count_problem(cmd, c, count_fn)
        if why:
            probs["csv"].append(("rows disagree with count", why))
    if c is not None and data is not None:
        why = value_problem(cmd, data, c)
        if why:
            probs["csv"].append(("aggregate: wrong result", why))
    if c is not None and cmd[0] == "aggregate":
        why = sort_problem(cmd, c)
        if why:
            probs["csv"].append(("aggregate: output order", why))
    if c is not None and t is not None and len(t) == len(c) and all(y == x for x, y in zip(c, t)):
        pass
    elif c is not None and t is not None:
        for i in range(max(len(c), len(t))):
            x = c[i] if i < len(c) else None
            y = t[i] if i < len(t) else None
            if not (y == x):
                probs["tsv"].append(("tsv: not the csv table", "record %d: csv %s, tsv %s" % (
                    i + 1, short(x), short(y))))
                break
    return probs


NUM_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def is_number(v):
    """pcsv's num_parse: [+-]digits[.digits][e[+-]digits], also 5. and .5;
    not inf, nan or 1e999."""
    return bool(NUM_RE.match(v)) and not math.isinf(float(v))


def sort_problem(cmd, rows):
    """Is aggregate's output (csv records, header first) in the order SPEC 3
    asks for? By key ascending (a key column whose values are all numbers
    numerically, else by bytes; empty keys last), or by --sort COL[:dir]
    with the same rule, empty cells last, ties in key order."""
    if len(rows) < 3:
        return None
    header, body = rows[0], rows[1:]
    args = cmd[1:]
    by = args[args.index("--by") + 1] if "--by" in args else ""
    nkeys = len(by.split(",")) if by else 0
    if "--sort" in args:
        spec = args[args.index("--sort") + 1]
        name, desc = spec, False
        for suf in (":asc", ":desc"):
            if spec.endswith(suf):
                name, desc = spec[:-len(suf)], suf == ":desc"
        if header.count(name) != 1:
            return None
        sort = (header.index(name), desc)
    else:
        sort = None
    cols = {}

    def column_key(j, desc=False):
        if j not in cols:
            vals = [r[j] for r in body]
            num = all(v == "" or is_number(v) for v in vals)
            cols[j] = num
        num = cols[j]

        def key(v):
            if v == "":
                return (1, 0)
            x = Decimal(v) if num else v.encode("utf-8", "surrogateescape")
            return (0, x)
        return key

    def cmp(a, b, j, desc=False):
        k = column_key(j)
        x, y = k(a[j]), k(b[j])
        if x[0] != y[0]:
            return -1 if x[0] < y[0] else 1
        if x[1] == y[1]:
            # equal numbers written differently (-0 and 0.00): SPEC 3 does
            # not say which comes first, so such a pair is not judged
            return 0 if a[j] == b[j] else None
        r = -1 if x[1] < y[1] else 1
        return -r if desc else r

    def cmp_keys(a, b):
        for j in range(nkeys):
            r = cmp(a, b, j)
            if r != 0:
                return r
        return 0

    for i in range(len(body) - 1):
        a, b = body[i], body[i + 1]
        if len(a) != len(header) or len(b) != len(header):
            return None
        if sort:
            r = cmp(a, b, sort[0], sort[1])
            if r is None:
                continue
            if r > 0:
                return "rows %d and %d are not in --sort %s order (%s column): %s, %s" % (
                    i + 1, i + 2, header[sort[0]], "numeric" if cols[sort[0]] else "bytes",
                    short(a), short(b))
            if r < 0:
                continue
        r = cmp_keys(a, b)
        if r is not None and r > 0:
            return "rows %d and %d are not in key order%s: %s, %s" % (
                i + 1, i + 2, " (a --sort tie)" if sort else "", short(a), short(b))
    return None


def first_lines(b):
    return short(b[:120])


# ---------------------------------------------------------------- cases

class Failure:
    def __init__(self, di, ci, cmd, fmt, check, detail, var=None):
        self.di, self.ci, self.cmd, self.fmt = di, ci, cmd, fmt
        self.check, self.detail, self.var = check, detail, var
        self.repro = None

    def kind(self):
        what = self.var[0] if self.var else "format"
        return (self.cmd[0], what, self.check)


def var_label(var):
    label, inp, out, jc, extra = var
    s = " ".join(extra + ("",)) + "--jobs %d%s" % (jc[0], "" if jc[1] is None else " --chunk-size %d" % jc[1])
    if inp != "file":
        s += ", input " + inp
    if out != "stdout":
        s += ", " + {"o": "-o out.csv", "o_zst": "-o out.csv.zst"}[out]
    return s


def sample_variations(rng, big, verb):
    vs = [("jobs/chunk", "file", "stdout", jc, ()) for jc in rng.sample(JC_OTHER, 2)]
    vs.append(("input", rng.choice(INPUTS), "stdout", rng.choice(JC_ALL), ()))
    outs = OUTPUTS if big and verb in TABLE_VERBS else (rng.choice(OUTPUTS),)
    for o in outs:
        vs.append(("output", "file", o, rng.choice(JC_ALL), ()))
    # the serial reference parser (it refuses --where and stats: exit 2,
    # which check_command does not count as a difference)
    if rng.random() < 0.4:
        vs.append(("parser", "file", "stdout", rng.choice(JC_ALL), ("--parser", "libcsv")))
    # a group table spilled to temporary files (issue 13): the same bytes
    if verb == "aggregate":
        vs.append(("spill", "file", rng.choice(("stdout",) + OUTPUTS), rng.choice(JC_ALL),
                   ("--memory-limit", "64K")))
        # every group through the partitions, finished into key-range
        # buckets however few (aggradix.c's measuring hooks): the same bytes
        vs.append(("buckets", "file", rng.choice(("stdout",) + OUTPUTS), rng.choice(JC_ALL),
                   ("ENV:PCSV_AGG_BUCKET_ROWS=1", "ENV:PCSV_AGG_FLUSH_GROUPS=7",
                    "ENV:PCSV_AGG_FLUSH_SMALL=3", "ENV:PCSV_AGG_FINISH_GROUPS=1")))
    return vs


def not_applicable(var, r):
    # refused: a command that takes no --parser, or --where/skip with libcsv
    return var[0] == "parser" and r.rc == 2 and b"--parser" in r.err


def check_command(runner, d, di, ci, cmd, rng, big, data):
    """Run one command in every format with its variations: ({fmt: [Failure]})."""
    bases = {f: runner.run(d, cmd, f) for f in FORMATS}
    fails = {f: [] for f in FORMATS}
    for f in FORMATS:
        for var in sample_variations(rng, big, cmd[0]):
            r = runner.run(d, cmd, f, var[1], var[2], var[3], var[4])
            if not_applicable(var, r):
                continue
            probs = compare(bases[f], r, var[2])
            if probs:  # one failure per variation, named by its first problem
                fails[f].append(Failure(di, ci, cmd, f, probs[0][0], "; ".join(
                    "%s: %s" % p for p in probs), var))
    for f, probs in format_checks(cmd, bases, lambda a: runner.run(d, a, "csv"), data).items():
        for check, detail in probs:
            fails[f].append(Failure(di, ci, cmd, f, check, detail))
    return fails


def still_fails(runner, d, fl, data):
    """Does failure fl (same check) still happen on data, the input now in d?"""
    if fl.var:
        base = runner.run(d, fl.cmd, fl.fmt)
        r = runner.run(d, fl.cmd, fl.fmt, fl.var[1], fl.var[2], fl.var[3], fl.var[4])
        return any(c == fl.check for c, _ in compare(base, r, fl.var[2]))
    bases = {f: runner.run(d, fl.cmd, f) for f in FORMATS}
    return any(c == fl.check for c, _ in format_checks(
        fl.cmd, bases, lambda a: runner.run(d, a, "csv"), data)[fl.fmt])


def shrink(runner, d, data, fl, budget, cuts0):
    """Drop rows (halves, quarters, ... single rows) while fl still happens."""
    rng = random.Random(0)
    rows = list(data.rows)
    tries = 0

    def attempt(cand):
        nonlocal tries
        tries += 1
        cd = data.with_rows(cand)
        write_inputs(d, cd, rng, cuts0)
        return still_fails(runner, d, fl, cd)

    n = 2
    while rows and tries < budget:
        size = max(1, len(rows) // n)
        changed = False
        i = 0
        while i < len(rows) and tries < budget:
            cand = rows[:i] + rows[i + size:]
            if attempt(cand):
                rows = cand
                changed = True
            else:
                i += size
        if not changed:
            if size == 1:
                break
            n *= 2
    final = data.with_rows(rows)
    raw, cuts = write_inputs(d, final, rng, cuts0)
    if not still_fails(runner, d, fl, final):  # should not happen; keep the original
        final = data
        raw, cuts = write_inputs(d, data, rng, cuts0)
    return final, raw, cuts


def sh_bytes(b):
    """bytes as a bash $'...' word."""
    out = []
    for ch in b:
        c = chr(ch)
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\'")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= ch < 0x7f:
            out.append(c)
        else:
            out.append("\\x%02x" % ch)
    return "$'" + "".join(out) + "'"


def reproducer(runner, fl, d, raw, cuts):
    path = os.path.join(d, "data.csv")
    lines = []
    if len(raw) <= 1500:
        lines.append("printf %%s %s > /tmp/r.csv" % sh_bytes(raw))
    else:
        lines.append("cp %s /tmp/r.csv   # %d bytes" % (shlex.quote(path), len(raw)))

    def cmdline(inp, jc, outpath=None, extra=()):
        env, extra = split_env(extra)
        a = runner.argv(fl.cmd, fl.fmt, inp, jc, outpath, extra)
        a = ["/tmp/r.csv" if x == "data.csv" else "/tmp/r.csv.zst" if x in (
            "data.csv.zst", "data.frames.csv.zst") else x for x in a]
        s = " ".join(shlex.quote(x) for x in env + a)
        if inp == "stdin":
            s += " < /tmp/r.csv"
        elif inp == "zst_stdin":
            s += " < /tmp/r.csv.zst"
        elif inp == "pipe":
            s = "cat /tmp/r.csv | " + s
        elif inp == "zst_pipe":
            s = "cat /tmp/r.csv.zst | " + s
        return s

    if fl.var:
        _, inp, out, jc, extra = fl.var
        if inp in ("zst", "zst_stdin", "zst_pipe"):
            lines.append("zstd -q -f /tmp/r.csv -o /tmp/r.csv.zst")
        elif inp == "zst_frames":
            prev, first = 0, True
            for c in cuts + [len(raw)]:
                lines.append("head -c %d /tmp/r.csv | tail -c %d | zstd -q -c %s /tmp/r.csv.zst" % (
                    c, c - prev, ">" if first else ">>"))
                prev, first = c, False
        lines.append(cmdline("file", (1, None)) + " > /tmp/a.out 2> /tmp/a.err; echo $?")
        if out == "stdout":
            lines.append(cmdline(inp, jc, None, extra) + " > /tmp/b.out 2> /tmp/b.err; echo $?")
            lines.append("cmp /tmp/a.out /tmp/b.out; diff /tmp/a.err /tmp/b.err")
        else:
            o = "/tmp/r-out.csv" + (".zst" if out == "o_zst" else "")
            lines.append(cmdline(inp, jc, o, extra) + " 2> /tmp/b.err; echo $?")
            lines.append(("zstd -dc %s | cmp /tmp/a.out -" if out == "o_zst" else
                          "cmp /tmp/a.out %s") % o)
    else:
        lines.append(cmdline("file", (1, None)) + "; echo $?")
        if fl.check.startswith("csv") or fl.check.startswith("tsv") or "csv table" in fl.check:
            other = "jsonl" if fl.fmt == "csv" else "csv"
            a = runner.argv(fl.cmd, other, "file", (1, None))
            lines.append(" ".join(shlex.quote("/tmp/r.csv" if x == "data.csv" else x)
                                  for x in a) + "   # to compare with")
    return "\n".join("    " + x for x in lines)


def main():
    if len(sys.argv) != 2:
        print("usage: diff.py PCSV_BINARY", file=sys.stderr)
        return 2
    pcsv = os.path.abspath(sys.argv[1])
    if not (os.path.isfile(pcsv) and os.access(pcsv, os.X_OK)):
        print("diff.py: %s: not an executable file" % sys.argv[1], file=sys.stderr)
        return 2
    ncases = int(os.environ.get("PCSV_DIFF_CASES", "1800"))
    seed = int(os.environ.get("PCSV_DIFF_SEED", "20261202"))
    par = max(1, int(os.environ.get("PCSV_DIFF_JOBS", "2")))
    do_shrink = os.environ.get("PCSV_DIFF_SHRINK", "1") != "0"
    timeout = float(os.environ.get("PCSV_DIFF_TIMEOUT", "30"))
    runner = Runner(pcsv, timeout)
    work = tempfile.mkdtemp(prefix="pcsv-diff-")
    start = time.time()

    # Inputs and their commands, decided up front from the seed alone.
    plan = []
    total = 0
    di = 0
    while total < ncases:
        rng = random.Random("%d/%d" % (seed, di))
        data = gen_data(rng, di % 10 == 3)  # every tenth input is big
        cmds = gen_commands(rng, data)
        room = (ncases - total + len(FORMATS) - 1) // len(FORMATS)
        cmds = cmds[:room]
        plan.append((di, data, cmds, rng))
        total += len(cmds) * len(FORMATS)
        di += 1

    cuts_of = {}  # input -> where its several-frames zstd copy splits

    def do_input(item):
        di, data, cmds, rng = item
        d = os.path.join(work, "in%04d" % di)
        os.mkdir(d)
        raw, cuts_of[di] = write_inputs(d, data, rng)
        big = len(raw) > BIG
        out = []
        for ci, cmd in enumerate(cmds):
            vr = random.Random("%d/%d/%d" % (seed, di, ci))
            out.append((ci, cmd, check_command(runner, d, di, ci, cmd, vr, big, data)))
        return out

    with ThreadPoolExecutor(max_workers=par) as ex:
        results = list(ex.map(do_input, plan))

    passed = failed = 0
    fails = []
    for per_input in results:
        for ci, cmd, byfmt in per_input:
            for f in FORMATS:
                if byfmt[f]:
                    failed += 1
                    fails += byfmt[f]
                else:
                    passed += 1

    # Shrink and print the first failure of each kind; list the others.
    kinds = {}
    for fl in fails:
        kinds.setdefault(fl.kind(), []).append(fl)
    keep = os.environ.get("PCSV_DIFF_KEEP") or work
    shrunk = 0
    for kn, (k, fls) in enumerate(sorted(kinds.items(), key=lambda kv: kv[0])):
        fl = fls[0]
        data = plan[fl.di][1]
        d = os.path.join(keep, "fail%02d" % kn)
        os.makedirs(d, exist_ok=True)
        rng = random.Random(0)
        raw, cuts = write_inputs(d, data, rng, cuts_of[fl.di])
        if do_shrink and shrunk < 16 and still_fails(runner, d, fl, data):
            shrunk += 1
            data2, raw, cuts = shrink(runner, d, data, fl, 60, cuts_of[fl.di])
            note = "input %d: %d rows, shrunk to %d" % (fl.di, len(data.rows), len(data2.rows))
        else:
            note = "input %d: %d rows" % (fl.di, len(data.rows))
        fl.repro = (note, reproducer(runner, fl, d, raw, cuts))

    for n, (k, fls) in enumerate(sorted(kinds.items(), key=lambda kv: kv[0])):
        fl = fls[0]
        verb, what, check = k
        fmts = sorted({x.fmt for x in fls})
        print("FAIL %s [%s] %s (%d case%s; formats %s)" % (
            verb, what, check, len(fls), "" if len(fls) == 1 else "s", ",".join(fmts)))
        print("  command: pcsv %s --format %s%s" % (
            " ".join(shlex.quote(x) for x in fl.cmd), fl.fmt,
            "; variation: " + var_label(fl.var) if fl.var else ""))
        print("  detail: %s" % fl.detail)
        print("  %s; reproducer:" % fl.repro[0])
        print(fl.repro[1])
        for other in fls[1:4]:
            print("  also: input %d: pcsv %s --format %s%s: %s" % (
                other.di, " ".join(shlex.quote(x) for x in other.cmd), other.fmt,
                " (" + var_label(other.var) + ")" if other.var else "", other.detail[:160]))
        if len(fls) > 4:
            print("  ... and %d more" % (len(fls) - 4))
    print("diff: %d inputs, %d pcsv runs, %.0f s; seed %d%s" % (
        len(plan), runner.runs, time.time() - start, seed,
        "; failing inputs kept in " + keep if fails else ""))
    if not fails and not os.environ.get("PCSV_DIFF_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    elif not os.environ.get("PCSV_DIFF_KEEP"):
        for name in os.listdir(work):
            if name.startswith("in"):
                shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
