#!/usr/bin/python3
"""Random-cut differential test of --partial, --range and merge (issue 14).

    python3 tests/ranges/run.py PCSV_BINARY

For each seed of a fixed list (deterministic) an adversarial CSV file is
built in a temporary directory: quoted fields with embedded LF and CRLF,
doubled quotes, CRLF and LF row ends mixed, blank lines, a UTF-8 BOM, no
final line end, a header whose quoted field holds a line break, empty and
"" fields, numeric and text keys, decimals of several scales, a column that
is numeric but for one value (min/max decide on the whole input), other
delimiters and quote bytes. Then, for a query (every aggregate function is
in some query; `count` too):

  * the reference is the single run `pcsv aggregate FILE QUERY` (stdout,
    stderr, exit status);
  * the file is cut into N ranges (N from 2 to 50) at random byte offsets,
    biased towards the awkward ones: inside the header, inside quoted
    fields, between a \\r and its \\n, right at a row start, 0 and the file
    size (an empty range), END sometimes empty (`S:`) and offsets sometimes
    written with a K suffix;
  * each range runs as `pcsv aggregate FILE QUERY --partial --range S:E -o
    partK` with a random --jobs 1/2 and --chunk-size 64/1K/default;
  * the partials are merged in a random order, sometimes through random
    intermediate groupings (`merge --partial`, also with one part on
    stdin as `-`), and the final `pcsv merge` must print exactly the
    single run's stdout (byte for byte), with the same exit status; its
    stderr must equal the single run's (bad-row summaries included) but for
    lines that mention a re-run range (merge repairing a wrong guess);
  * now and then the final merge and the single run both get --sort or
    --format tsv/jsonl.

Also:
  * two files with the same header read as one table: ranges of each
    (--file-index 1 and 2) merge to `pcsv aggregate A B`'s bytes;
  * fail mode: on files with bad rows (no quoted line breaks), the first
    range in file order that fails must fail exactly as the single run
    does (message with the true line number, exit 1), and the ranges
    before it must succeed;
  * a forced wrong speculation: a range whose START lies inside a long
    quoted field whose content looks like valid CSV rows; merge must repair
    it (the result equals the single run); then with the source renamed
    away merge exits 1 and its message holds the command to re-run
    (`--range S:E --range-state quoted`); with the source put back merge
    succeeds again; with the source changed merge exits 1; and merge
    --partial of the mis-guessed range with its successor only (no
    predecessor to check it against) must not fail, and the final merge
    with the predecessor must give the single run's bytes.

One line per failure (with a reproducer directory kept under
PCSV_RANGES_KEEP or a printed /tmp directory), then `N passed, M failed`.
Exit 1 on any failure, 2 on bad usage.

Environment:
  PCSV_RANGES_SEEDS    how many seeds (default 150: 30-50 s on 2 busy cores)
  PCSV_RANGES_SEED     first seed (default 1402)
  PCSV_RANGES_JOBS     files checked concurrently (default 2)
  PCSV_RANGES_TIMEOUT  seconds per pcsv run (default 30)
  PCSV_RANGES_KEEP     directory for failing cases' files
"""

import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = float(os.environ.get("PCSV_RANGES_TIMEOUT", "30"))
NSEEDS = int(os.environ.get("PCSV_RANGES_SEEDS", "150"))
SEED0 = int(os.environ.get("PCSV_RANGES_SEED", "1402"))
PAR = int(os.environ.get("PCSV_RANGES_JOBS", "2"))

# Columns (1-based, named by index in every query, since a header field may
# hold a line break): 1 key, 2 text, 3 number, 4 decimal, 5 numeric but for
# one text value in some files.
QUERIES = {
    "all_by_key": ["--by", "1", "--agg",
                   "count,count:2,sum:3,mean:3,min:3,max:3,first:2,last:2,distinct:2,"
                   "median:3,p90:3,var:3,stddev:3"],
    "text_key": ["--by", "2", "--agg",
                 "count,min:2,max:2,sum:4,mean:4,first:4,last:4,distinct:4,min:5,max:5"],
    "no_by": ["--agg",
              "count,count:5,sum:4,var:4,stddev:4,median:4,p90:3,p1:3,min:4,max:4,"
              "first:1,last:1,first:5,last:5,distinct:1"],
    "two_keys_where": ["--by", "1,4", "--agg", "count,sum:3,mean:3,last:2",
                       "--where", "$3 > 0 || $2 is null"],
    "count": None,          # count --partial
    "count_where": None,    # count --partial --where
}
# Queries of issue 15 (computed keys, named results), used when the binary
# takes them (a probe at the start).
LATER_QUERIES = {
    "computed_key": ["--by", "len=len($2)", "--agg", "count,median:4,distinct:5,max:2"],
    "named": ["--by", "1", "--agg", "n=count,total=sum:4,m=median:3"],
}
QUERY_NAMES = list(QUERIES)

WORDS = ["a", "b", "Z", "ab", "x y", "\u00e9t\u00e9", "NA", "null", "z,z", "1,2,3",
         "-", "0", "007", "10", "9", "a\tb"]


class Failures:
    def __init__(self):
        self.lock = threading.Lock()
        self.passed = 0
        self.failed = 0

    def ok(self):
        with self.lock:
            self.passed += 1

    def fail(self, line):
        with self.lock:
            self.failed += 1
            print("FAIL " + line, flush=True)


RESULTS = Failures()
PCSV = None
KEEP = None


def run(args, cwd, stdin=None):
    """Run pcsv ARGS in CWD; return (code, stdout, stderr)."""
    try:
        p = subprocess.run([PCSV] + args, cwd=cwd, input=stdin, capture_output=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return 124, b"", b"timed out after %gs" % TIMEOUT
    return p.returncode, p.stdout, p.stderr


def cmdline(args):
    return "pcsv " + " ".join(shlex.quote(a) for a in args)


def short(b, n=300):
    s = b.decode("utf-8", "replace")
    return (s[:n] + "...") if len(s) > n else s


# ---------------------------------------------------------------- generator

class Gen:
    """One adversarial file: bytes plus the interesting offsets."""

    def __init__(self, rng, delim=",", quote='"', header=True, bad_rows=0,
                 quoted_breaks=True, numeric_keys=None, rows=None, header_kind=None):
        self.rng = rng
        self.d = delim
        self.q = quote
        self.quoted_breaks = quoted_breaks
        self.buf = bytearray()
        self.inside_quotes = []   # offsets strictly inside a quoted field
        self.cr_lf = []           # offsets of the \n of a \r\n
        self.row_starts = []
        self.header_end = 0
        if rng.random() < 0.3:
            self.buf += b"\xef\xbb\xbf"
        if header:
            if header_kind is None:
                header_kind = rng.choice(["t", "t\nx", "t\r\nx"]) if quoted_breaks else "t"
            self.header_kind = header_kind
            hq = header_kind != "t"
            names = ["k", header_kind, "v", "d", "m"]
            self.row(names, force_quote={1} if hq else set())
        self.header_end = len(self.buf)
        if numeric_keys is None:
            numeric_keys = rng.random() < 0.5
        self.numeric_keys = numeric_keys
        scale = rng.choice([0, 1, 2, 3])
        self.m_text = rng.random() < 0.3
        n = rows if rows is not None else rng.randint(1, 300)
        # never the first row: without a header it sets the number of columns
        bad_at = set(rng.sample(range(1, n), min(bad_rows, n - 1))) if n > 1 else set()
        na_at = rng.randrange(n) if n else -1   # column 5's one text value
        for i in range(n):
            if rng.random() < 0.04:
                self.eol()          # a blank line
            r = [self.key(), self.text(), self.number(scale), self.decimal(), self.mval()]
            if self.m_text and i == na_at:
                r[4] = "NA"
            if i in bad_at:
                r = r[:rng.choice([1, 2, 4])] if rng.random() < 0.6 else r + ["extra"]
            self.row(r, last=(i == n - 1))

    def key(self):
        r = self.rng
        if r.random() < 0.06:
            return ""
        if self.numeric_keys:
            return str(r.choice([0, 1, 2, 3, 5, 8, 13, -1, 10, 100, 7]))
        return r.choice(["us", "ca", "mx", "fr", "de", "a b", "x,y", "q\"q", "US", "0x"])

    def text(self):
        r = self.rng
        x = r.random()
        if x < 0.1:
            return ""
        if x < 0.5:
            return r.choice(WORDS)
        pieces = []
        for _ in range(r.randint(1, 4)):
            y = r.random()
            if y < 0.3 and self.quoted_breaks:
                pieces.append(r.choice(["\n", "\r\n", "\n\n", "\r\n\r\n"]))
            elif y < 0.45:
                pieces.append(self.q)
            elif y < 0.55 and self.quoted_breaks:
                # looks like rows of this file
                pieces.append("\n1%s2%s3%s4%s5\n" % ((self.d,) * 4))
            else:
                pieces.append(r.choice(WORDS))
        return "".join(pieces)

    def number(self, scale):
        r = self.rng
        if r.random() < 0.1:
            return ""
        v = r.randint(-500, 5000)
        if scale == 0 or r.random() < 0.3:
            return str(v)
        s = r.randint(1, scale)
        return "%s%d.%0*d" % ("-" if v < 0 else "", abs(v), s, r.randint(0, 10 ** s - 1))

    def decimal(self):
        r = self.rng
        if r.random() < 0.12:
            return ""
        return r.choice(["12.30", "1.2", "0.005", "-3.5", "100", "7.25", "0", "-0.10",
                         "99999999999999999.99", "3"])

    def mval(self):
        r = self.rng
        if r.random() < 0.1:
            return ""
        return str(r.randint(-20, 20))

    def field(self, s, force=False):
        r = self.rng
        need = (self.d in s or self.q in s or "\n" in s or "\r" in s)
        if not (need or force or (s and r.random() < 0.15) or (not s and r.random() < 0.3)):
            self.buf += s.encode()
            return
        self.buf += self.q.encode()
        start = len(self.buf)
        self.buf += s.replace(self.q, self.q + self.q).encode()
        end = len(self.buf)
        self.buf += self.q.encode()
        self.inside_quotes.extend(range(start, end + 1))
        for i in range(start, end):
            if self.buf[i] == 13 and i + 1 < end and self.buf[i + 1] == 10:
                self.cr_lf.append(i + 1)

    def row(self, fields, force_quote=(), last=False):
        self.row_starts.append(len(self.buf))
        for i, f in enumerate(fields):
            if i:
                self.buf += self.d.encode()
            self.field(f, force=i in force_quote)
        if last and self.rng.random() < 0.4:
            return   # no final line end
        self.eol()

    def eol(self):
        if self.rng.random() < 0.4:
            self.cr_lf.append(len(self.buf) + 1)
            self.buf += b"\r\n"
        else:
            self.buf += b"\n"


def dialect_opts(g):
    o = []
    if g.d == "\t":
        o.append("-t")
    elif g.d != ",":
        o += ["-d", g.d]
    if g.q != '"':
        o += ["--quote", g.q]
    return o


# ---------------------------------------------------------------- cuts

def fmt_off(rng, off):
    if off and off % 1024 == 0 and rng.random() < 0.5:
        return "%dK" % (off // 1024)
    return str(off)


def cut_points(rng, g, n):
    """n ranges: n-1 interior cuts, sorted; may repeat (empty ranges)."""
    size = len(g.buf)
    cuts = []
    for _ in range(n - 1):
        x = rng.random()
        if x < 0.15 and g.header_end > 1:
            c = rng.randint(1, g.header_end)
        elif x < 0.4 and g.inside_quotes:
            c = rng.choice(g.inside_quotes)
        elif x < 0.5 and g.cr_lf:
            c = rng.choice(g.cr_lf)
        elif x < 0.6 and g.row_starts:
            c = rng.choice(g.row_starts)
        elif x < 0.63:
            c = rng.choice([0, size])
        else:
            c = rng.randint(0, size)
        cuts.append(c)
    return sorted(cuts)


def ranges_of(rng, cuts, size):
    pts = [0] + cuts + [size]
    out = []
    for i in range(len(pts) - 1):
        s, e = pts[i], pts[i + 1]
        es = "" if (e == size and rng.random() < 0.5) else fmt_off(rng, e)
        out.append((s, e, "%s:%s" % (fmt_off(rng, s), es)))
    return out


def exec_opts(rng):
    o = []
    j = rng.choice([1, 2])
    o += ["--jobs", str(j)]
    c = rng.choice(["64", "1K", None])
    if c:
        o += ["--chunk-size", c]
    return o


# ---------------------------------------------------------------- merging

def merge_all(rng, d, parts, tag, outopts=()):
    """Merge PARTS in a random order and grouping; return (args, code, out, err)
    of the final merge, or a failure string."""
    pool = list(parts)
    rng.shuffle(pool)
    k = 0
    while len(pool) > 1 and rng.random() < 0.6:
        m = rng.randint(2, min(5, len(pool)))
        pick = rng.sample(range(len(pool)), m)
        group = [pool[i] for i in pick]
        pool = [p for i, p in enumerate(pool) if i not in pick]
        name = "%s.m%d" % (tag, k)
        k += 1
        args, stdin = merge_args(rng, d, group)
        args += ["--partial", "-o", name] + rng.choice([[], ["-j", "1"], ["-j", "2"]])
        code, out, err = run(args, d, stdin)
        if code != 0:
            return "intermediate %s (in %s): exit %d: %s" % (cmdline(args), d, code, short(err))
        pool.insert(rng.randint(0, len(pool)), name)
    args, stdin = merge_args(rng, d, pool)
    args += list(outopts) + rng.choice([[], ["-j", "1"], ["-j", "2"]])
    code, out, err = run(args, d, stdin)
    return args, code, out, err


def merge_args(rng, d, group):
    """`merge GROUP...`, now and then with one part on stdin as `-`."""
    args = ["merge"]
    stdin = None
    use_stdin = rng.random() < 0.15
    for p in group:
        if use_stdin and stdin is None:
            with open(os.path.join(d, p), "rb") as f:
                stdin = f.read()
            args.append("-")
        else:
            args.append(p)
    return args, stdin


def rerun_lines(err):
    """stderr without the lines that report merge re-running a range."""
    keep = [ln for ln in err.split(b"\n")
            if not (b"re-run" in ln or b"rerun" in ln or b"re-ran" in ln)]
    return b"\n".join(keep)


# ---------------------------------------------------------------- one case

def keep_dir(d, name):
    if KEEP is None:
        return d
    dst = os.path.join(KEEP, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(d, dst)
    return dst


OUTPUT_OPTS = [["--sort", "count:desc"], ["--format", "jsonl"], ["--format", "tsv"],
               ["--sort", "count:asc", "--format", "tsv"]]


def check_query(rng, d, name, files, verb, qopts, max_ranges=50):
    """The random-cut check for FILES ([(path, Gen)], read as one table in
    that order) and one query. Returns None or a failure."""
    outopts = []
    if verb == "aggregate" and rng.random() < 0.25:
        outopts = rng.choice(OUTPUT_OPTS)
        if "n=count" in ",".join(qopts):  # the count result is named n there
            outopts = [o.replace("count:", "n:") for o in outopts]
    single_args = [verb] + [p for p, _ in files] + qopts + outopts
    scode, sout, serr = run(single_args, d)
    if scode != 0:
        # Bad rows in fail mode: a different check (check_fail_mode).
        return "single run %s: exit %d: %s" % (cmdline(single_args), scode, short(serr))
    parts = []
    all_cuts = []
    for fi, (path, g) in enumerate(files):
        n = rng.randint(2, max_ranges)
        cuts = cut_points(rng, g, n)
        all_cuts.append(",".join(str(c) for c in cuts))
        rs = ranges_of(rng, cuts, len(g.buf))
        idx = ["--file-index", str(fi + 1)] if fi or rng.random() < 0.3 else []
        for i, (s, e, spec) in enumerate(rs):
            part = "%s.f%dp%d" % (name, fi, i)
            args = ([verb, path] + qopts + ["--partial", "--range", spec, "-o", part] + idx +
                    exec_opts(rng))
            code, out, err = run(args, d)
            if code != 0:
                return "range %d of %d: %s: exit %d: %s" % (i + 1, n, cmdline(args), code,
                                                            short(err))
            if out:
                return "range %s: -o %s but stdout not empty" % (spec, part)
            parts.append(part)
    res = merge_all(rng, d, parts, name, outopts)
    if isinstance(res, str):
        return res
    margs, code, out, err = res
    cuts_s = " / ".join(all_cuts)
    if code != 0:
        return "%s: exit %d (cuts %s): %s" % (cmdline(margs), code, cuts_s, short(err))
    if out != sout:
        return "%s differs from %s (cuts %s): got %r, want %r" % (
            cmdline(margs), cmdline(single_args), cuts_s, short(out, 200), short(sout, 200))
    if rerun_lines(err) != serr:
        return "%s: stderr %r, the single run's %r (cuts %s)" % (
            cmdline(margs), short(err), short(serr), cuts_s)
    return None


def query_for(rng, qname, g, bad):
    if qname.startswith("count"):
        verb = "count"
        q = []
        if qname == "count_where":
            q = ["--where", "$3 >= 100 || $2 =~ \"a\""]
    else:
        verb = "aggregate"
        q = list(QUERIES[qname])
    q += dialect_opts(g)
    if not g.has_header:
        q.append("-H")
    if bad:
        q += ["--on-bad-row", rng.choice(["skip", "warn"])]
    return verb, q


def case_random(seed):
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="pcsv-ranges-%d." % seed)
    try:
        delim, quote = rng.choice([(",", '"')] * 5 + [(";", "'"), ("\t", '"'), ("|", '"')])
        header = rng.random() < 0.9
        bad = 0
        qn = QUERY_NAMES[seed % len(QUERY_NAMES)]
        if rng.random() < 0.2 and qn in ("all_by_key", "count", "two_keys_where"):
            bad = rng.randint(1, 25)
        rows = rng.choice([None, None, None, 0, 1, 2000])
        if rows == 0 and not header:
            rows = 1   # an empty file has no columns for -H to name
        g = Gen(rng, delim, quote, header=header, bad_rows=bad, rows=rows)
        g.has_header = header
        with open(os.path.join(d, "in.csv"), "wb") as f:
            f.write(g.buf)
        # two queries per file: the seed's own and a random one
        for qname in (qn, rng.choice(QUERY_NAMES)):
            verb, q = query_for(rng, qname, g, bad)
            name = "s%d-%s" % (seed, qname)
            why = check_query(rng, d, name, [(os.path.join(d, "in.csv"), g)], verb, q)
            if why:
                RESULTS.fail("%s: %s [files: %s]" % (name, why, keep_dir(d, name)))
            else:
                RESULTS.ok()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_two_files(seed):
    """Two files with the same header read as one table: each cut into
    ranges (--file-index 1 and 2), all partials merged in a random order
    and grouping: the single run `aggregate A B`'s bytes (first/last follow
    the file order)."""
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="pcsv-ranges-two-%d." % seed)
    try:
        kind = rng.choice(["t", "t\nx", "t\r\nx"])
        files = []
        for i in range(2):
            g = Gen(rng, header_kind=kind, rows=rng.randint(1, 200))
            g.has_header = True
            path = os.path.join(d, "in%d.csv" % (i + 1))
            with open(path, "wb") as f:
                f.write(g.buf)
            files.append((path, g))
        qname = rng.choice(["all_by_key", "text_key", "no_by", "count"])
        verb, q = query_for(rng, qname, files[0][1], 0)
        name = "two%d-%s" % (seed, qname)
        why = check_query(rng, d, name, files, verb, q, max_ranges=20)
        if why:
            RESULTS.fail("%s: %s [files: %s]" % (name, why, keep_dir(d, name)))
        else:
            RESULTS.ok()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def case_fail_mode(seed):
    """Bad rows, --on-bad-row fail: the first failing range in file order
    fails exactly as the single run."""
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="pcsv-ranges-fail-%d." % seed)
    name = "fail%d" % seed
    try:
        g = Gen(rng, bad_rows=rng.randint(1, 4), quoted_breaks=False, rows=rng.randint(20, 400))
        g.has_header = True
        path = os.path.join(d, "in.csv")
        with open(path, "wb") as f:
            f.write(g.buf)
        q = list(QUERIES["all_by_key"]) if seed % 2 else []
        verb = "aggregate" if seed % 2 else "count"
        sargs = [verb, path] + q
        scode, sout, serr = run(sargs, d)
        why = None
        if scode != 1:
            why = "single run %s: exit %d, expected 1 (a bad row)" % (cmdline(sargs), scode)
        else:
            n = rng.randint(2, 30)
            rs = ranges_of(rng, cut_points(rng, g, n), len(g.buf))
            for i, (s, e, spec) in enumerate(rs):
                args = [verb, path] + q + ["--partial", "--range", spec, "-o", "p%d" % i] + exec_opts(rng)
                code, out, err = run(args, d)
                if code == 0:
                    continue
                if code != scode or err != serr:
                    why = "%s: exit %d %r; the single run: exit %d %r" % (
                        cmdline(args), code, short(err), scode, short(serr))
                break
            else:
                why = "no range failed; the single run: %r" % short(serr)
        if why:
            RESULTS.fail("%s: %s [files: %s]" % (name, why, keep_dir(d, name)))
        else:
            RESULTS.ok()
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- wrong guess

def case_wrong_guess(seed):
    """A START inside a long quoted field whose lines look like this file's
    rows: the guess (unquoted) is wrong; merge repairs it, or says how."""
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="pcsv-ranges-guess-%d." % seed)
    name = "wrong_guess%d" % seed
    try:
        lines = ["id,note,v"]
        for i in range(40):
            lines.append("%d,plain%d,%d" % (i % 5, i, i))
        head = ("\n".join(lines) + "\n").encode()
        # past the 256 KiB the guess reads (README: each state is tried on
        # 256 KiB), so the closing quote is out of its sight
        fake = "\n".join("%d,fake%d,%d" % (i % 7, i, i * 3) for i in range(30000))
        body = ('3,"begin\n' + fake + '\nend",11\n').encode()
        tail = "\n".join("%d,after%d,%d" % (i % 5, i, i) for i in range(40)) + "\n"
        data = head + body + tail.encode()
        path = os.path.join(d, "in.csv")
        with open(path, "wb") as f:
            f.write(data)
        st = os.stat(path)
        field_start = len(head) + len(b'3,"begin\n')
        # START at the start of a fake line near the field's beginning
        start = data.index(b"\n", field_start + 500) + 1
        # END inside the field too: a range that reaches the closing quote
        # sees its guess break a rule there and corrects itself
        end = start + 50000
        q = ["--by", "id", "--agg", "count,sum:v,first:note,last:note,distinct:note,median:v"]
        sargs = ["aggregate", path] + q
        scode, sout, serr = run(sargs, d)
        specs = ["0:%d" % start, "%d:%d" % (start, end), "%d:" % end]
        parts = []
        for i, spec in enumerate(specs):
            args = ["aggregate", path] + q + ["--partial", "--range", spec, "-o", "g%d" % i]
            code, out, err = run(args, d)
            if code != 0:
                raise CaseFail("%s: exit %d: %s" % (cmdline(args), code, short(err)))
            parts.append("g%d" % i)
        # the premise: the middle range's guess is unquoted (wrong)
        code, dump_guess, err = run(["dump", "g1"], d)
        if code != 0:
            raise CaseFail("pcsv dump g1: exit %d: %s" % (code, short(err)))
        if b"quote state at start unquoted (guessed)" not in dump_guess:
            raise CaseFail("the premise failed: pcsv dump g1 does not say 'quote state at "
                           "start unquoted (guessed)': %s" % short(dump_guess, 800))
        # merge repairs (file readable and unchanged), in two orders
        for order in (["g0", "g1", "g2"], ["g2", "g1", "g0"]):
            margs = ["merge"] + order
            code, out, err = run(margs, d)
            if code != 0 or out != sout:
                raise CaseFail("%s: exit %d, %s the single run's output: %s" % (
                    cmdline(margs), code, "same as" if out == sout else "not", short(err)))
        # the source renamed away: exit 1 with the command to re-run
        os.rename(path, path + ".away")
        margs = ["merge", "g0", "g1", "g2"]
        code, out, err = run(margs, d)
        e = err.decode("utf-8", "replace")
        want = ["--range %s" % specs[1], "--range-state quoted", "--partial", path]
        missing = [w for w in want if w not in e]
        if code != 1 or missing or out:
            raise CaseFail("%s with the source gone: exit %d (want 1), stdout %d bytes, "
                           "message lacks %s: %s" % (cmdline(margs), code, len(out), missing,
                                                     short(err, 600)))
        os.rename(path + ".away", path)
        # the command it prints, run as printed, writes a partial that merges
        # with the others to the single run's result
        cmd = None
        for ln in e.split("\n"):
            i = ln.find("pcsv aggregate ")
            if i >= 0:
                cmd = shlex.split(ln[i:].rstrip(" .)`'"))
                break
        if cmd is None:
            raise CaseFail("no `pcsv aggregate ...` command in %r" % short(err, 600))
        if "-o" in cmd:
            cmd[cmd.index("-o") + 1] = "g1fixed"
        else:
            cmd += ["-o", "g1fixed"]
        code, out, err2 = run(cmd[1:], d)
        if code != 0:
            raise CaseFail("the printed command %s: exit %d: %s" % (cmdline(cmd[1:]), code, short(err2)))
        code, out, err2 = run(["merge", "g0", "g1fixed", "g2"], d)
        if code != 0 or out != sout:
            raise CaseFail("merge g0 g1fixed g2 (the printed command's partial): exit %d, "
                           "output %s: %s" % (code, "right" if out == sout else "wrong", short(err2)))
        code, out, err = run(margs, d)
        if code != 0 or out != sout:
            raise CaseFail("%s with the source back: exit %d, output %s: %s" % (
                cmdline(margs), code, "right" if out == sout else "wrong", short(err)))
        # the source changed (one byte of a fake row, same size): no silent re-run
        changed = bytearray(data)
        i = changed.index(b"fake100,")
        changed[i:i + 4] = b"FAKE"
        with open(path, "wb") as f:
            f.write(changed)
        code, out, err = run(margs, d)
        if code != 1 or out:
            raise CaseFail("%s with the source changed: exit %d (want 1), stdout %r: %s" % (
                cmdline(margs), code, short(out, 100), short(err)))
        # the source as it was (bytes and modification time), then the
        # mis-guessed range through an intermediate merge --partial without
        # its predecessor: nothing there can tell which guess is wrong, so
        # it must keep the ranges' facts for the final merge to check
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        # through an intermediate merge --partial of the mis-guessed range
        code, out, err = run(["merge", "--partial", "-o", "g12", "g1", "g2"], d)
        if code != 0:
            raise CaseFail("merge --partial -o g12 g1 g2: exit %d: %s" % (code, short(err)))
        code, out, err = run(["merge", "g12", "g0"], d)
        if code != 0 or out != sout:
            raise CaseFail("merge g12 g0: exit %d, output %s: %s" % (
                code, "right" if out == sout else "wrong", short(err)))
        RESULTS.ok()
    except CaseFail as f:
        RESULTS.fail("%s: %s [files: %s]" % (name, f, keep_dir(d, name)))
    finally:
        shutil.rmtree(d, ignore_errors=True)


class CaseFail(Exception):
    pass


# ---------------------------------------------------------------- main

def main():
    global PCSV, KEEP
    if len(sys.argv) != 2:
        print("usage: python3 tests/ranges/run.py PCSV_BINARY", file=sys.stderr)
        return 2
    PCSV = os.path.abspath(sys.argv[1])
    if not (os.path.isfile(PCSV) and os.access(PCSV, os.X_OK)):
        print("run.py: %s: not an executable file" % sys.argv[1], file=sys.stderr)
        return 2
    KEEP = os.environ.get("PCSV_RANGES_KEEP") or None
    if KEEP is None:
        KEEP = tempfile.mkdtemp(prefix="pcsv-ranges-keep.")
    os.makedirs(KEEP, exist_ok=True)
    probe = tempfile.mkdtemp(prefix="pcsv-ranges-probe.")
    with open(os.path.join(probe, "p.csv"), "wb") as f:
        f.write(b"k,t,v,d,m\n1,a,2,3,4\n")
    for name, q in LATER_QUERIES.items():
        if run(["aggregate", "p.csv"] + q, probe)[0] == 0:
            QUERIES[name] = q
            QUERY_NAMES.append(name)
        else:
            print("skip query %s: this pcsv does not take %s" % (name, " ".join(q)))
    shutil.rmtree(probe, ignore_errors=True)
    jobs = [(case_random, SEED0 + i) for i in range(NSEEDS)]
    jobs += [(case_two_files, SEED0 + 500 + i) for i in range(max(1, NSEEDS // 10))]
    jobs += [(case_fail_mode, SEED0 + 1000 + i) for i in range(6)]
    jobs += [(case_wrong_guess, SEED0 + 2000)]
    with ThreadPoolExecutor(max_workers=max(1, PAR)) as ex:
        for f in [ex.submit(fn, s) for fn, s in jobs]:
            f.result()
    if RESULTS.failed == 0 and not os.environ.get("PCSV_RANGES_KEEP"):
        shutil.rmtree(KEEP, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS.passed, RESULTS.failed))
    return 1 if RESULTS.failed else 0


if __name__ == "__main__":
    sys.exit(main())
