#!/usr/bin/env bash
# --format jsonl is always valid JSON (RFC 8259), checked with Python's
# strict json.loads over every output line of filter, select, head,
# aggregate (keys, first, min, max) and stats runs on fuzzed fields: random
# bytes (invalid UTF-8, control characters, quotes, delimiters, line
# breaks) in values and column names, and number-like texts (007, -0.00,
# 1e5, .5, 5., +5, -.5, inf, NaN, 0x1F...). A value written as a JSON
# number must have the input's text exactly, and that text must be a JSON
# number; a JSON-number text must come out a number where pcsv reads it as
# one (select/filter/head/first); every string must be the input text with
# U+FFFD for each maximal invalid UTF-8 subpart (Python's decode 'replace'
# does the same); the warning is printed once per run. Runs once (its own
# --jobs/--chunk-size variations inside); fixed seeds, so the summary is
# stable.
exec /usr/bin/python3 - "$PCSV" "$TMP" <<'PY'
import json, random, re, subprocess, sys
from collections import defaultdict

pcsv, tmp = sys.argv[1], sys.argv[2]
NUM = re.compile(rb'-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z')
WARN = b'pcsv: warning: invalid UTF-8 in the output replaced by U+FFFD\n'
failures = []
counts = defaultdict(int)

def fail(msg):
    failures.append(msg)
    if len(failures) <= 20:
        print('FAIL', msg)

NUMLIKE = [b'007', b'-0.00', b'1e5', b'.5', b'5.', b'+5', b'-.5', b'inf', b'NaN', b'0x1F',
           b'-0', b'0', b'02134', b'1E+5', b'1e', b'-inf', b'nan', b'Infinity', b'12.50',
           b'-12', b'0.0', b'1e-5', b'00', b'-', b'5e', b'1_0']

def rnd_num(r):
    s = b'-' if r.random() < .3 else b''
    s += str(r.choice([0, r.randrange(1, 10**r.randrange(1, 15))])).encode()
    if r.random() < .4:
        s += b'.' + str(r.randrange(10**r.randrange(1, 6))).encode()
    if r.random() < .2:
        s += r.choice([b'e', b'E']) + r.choice([b'', b'+', b'-']) + str(r.randrange(300)).encode()
    return s

SPICE = [b'\xff', b'\xc0\xaf', b'\xe0\x80\xaf', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xe2\x82',
         b'\xf0\x9f\x98', b'\x80', b'\xc3\xa9', b'\xe2\x82\xac', b'\xf0\x9f\x98\x80', b'"', b',',
         b'\n', b'\r\n', b'\t', b'\x01', b'\x1f', b'\x7f', b'\\', b'\x00', b' ']

clean = False  # seeds whose texts are valid UTF-8: no warning expected

def rnd_text(r, n):
    out = b''
    while len(out) < n:
        k = r.random()
        if k < .3:
            out += r.choice(SPICE_OK if clean else SPICE)
        elif k < .5 and not clean:
            out += bytes([r.randrange(256)])
        else:
            out += bytes([r.randrange(0x20, 0x7f)])
    return out

SPICE_OK = [x for x in SPICE if x.decode('utf-8', 'replace').encode() == x]

def rnd_field(r):
    k = r.random()
    if k < .1:
        return b''
    if k < .35:
        return r.choice(NUMLIKE)
    if k < .6:
        return rnd_num(r)
    return rnd_text(r, r.randrange(1, 12))

def csv_field(b):
    if any(c in b for c in b',"\r\n') or b == b'':
        return b'"' + b.replace(b'"', b'""') + b'"'
    return b

def text(b):
    return b.decode('utf-8', 'replace')

def loads(line, what):
    """Strict RFC 8259: numbers kept as ('num', text), NaN/Infinity refused,
    control characters in strings refused, duplicate keys kept."""
    def bad_const(s):
        raise ValueError('not JSON: ' + s)
    try:
        return json.loads(line.decode('utf-8', 'strict'), strict=True,
                          parse_float=lambda s: ('num', s), parse_int=lambda s: ('num', s),
                          parse_constant=bad_const, object_pairs_hook=list)
    except (ValueError, UnicodeDecodeError) as e:
        fail('%s: invalid JSON line %r: %s' % (what, line[:200], e))
        return None

def check_value(got, raw, what, must_be_num):
    """got: the decoded JSON value; raw: the input bytes."""
    if raw == b'':
        if got is not None:
            fail('%s: empty field gave %r' % (what, got))
        return
    if isinstance(got, tuple):
        if not NUM.match(raw) or got[1].encode() != raw:
            fail('%s: %r written as the number %s' % (what, raw, got[1]))
    elif isinstance(got, str):
        if got != text(raw):
            fail('%s: %r came out as %r' % (what, raw, got))
        if must_be_num and NUM.match(raw) and float(raw) not in (float('inf'), float('-inf')):
            fail('%s: the JSON number %r came out as a string' % (what, raw))
    else:
        fail('%s: %r came out as %r' % (what, raw, got))

def has_fffd(v):
    if isinstance(v, str):
        return '\ufffd' in v
    if isinstance(v, list):
        return any(has_fffd(k) or has_fffd(x) for k, x in v)
    return False

def run(args, what):
    """Run pcsv; its stderr must be the one warning exactly when some output
    string holds a U+FFFD (the inputs hold none of their own)."""
    p = subprocess.run([pcsv] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail('%s: exit %d: %r' % (what, p.returncode, p.stderr[:300]))
    lines = p.stdout.split(b'\n')
    if lines[-1] != b'':
        fail('%s: output does not end in a line end' % what)
    out = [loads(l, what) for l in lines[:-1]]
    rep = any(has_fffd(o) for o in out)
    if p.stderr != (WARN if rep else b''):
        fail('%s: stderr %r, %s replacements' % (what, p.stderr[:300], 'some' if rep else 'no'))
    counts['runs that warned'] += rep
    return out

def pairs_ok(obj, names, what):
    if obj is None:
        return False
    keys = [k for k, _ in obj]
    if keys != [text(n) for n in names]:
        fail('%s: keys %r, want %r' % (what, keys, [text(n) for n in names]))
        return False
    return True

VARY = [['--jobs', '1'], ['--jobs', '2', '--chunk-size', '1'], ['--jobs', '4', '--chunk-size', '64']]
for seed in range(8):
    r = random.Random(seed)
    clean = seed >= 6
    ncols = r.randrange(1, 5)
    names = [b'id'] + [rnd_text(r, r.randrange(1, 6)) + b'_%d' % i for i in range(1, ncols)]
    nrows = r.randrange(50, 400)
    rows = [[b'%d' % (i + 1)] + [rnd_field(r) for _ in range(1, ncols)] for i in range(nrows)]
    # the key column of aggregate: few distinct values so groups have several rows
    keys = [rnd_field(r) for _ in range(8)]
    for row in rows:
        row.append(r.choice(keys))
    names.append(b'key')
    path = '%s/f%d.csv' % (tmp, seed)
    with open(path, 'wb') as f:
        f.write(b','.join(csv_field(n) for n in names) + b'\n')
        for row in rows:
            f.write(b','.join(csv_field(v) for v in row) + b'\n')
    bad_utf8 = any(text(v).encode() != v for row in rows for v in row) or \
        any(text(n).encode() != n for n in names)
    for vary in VARY:
        tag = 'seed %d %s' % (seed, ' '.join(vary))
        for cmd, nwant in (('select', nrows), ('filter', nrows), ('head', min(nrows, 37))):
            args = {'select': ['select', '1-%d' % len(names)], 'filter': ['filter'],
                    'head': ['head', '-n', '37']}[cmd]
            out = run(args + [path, '--format', 'jsonl'] + vary, '%s %s' % (cmd, tag))
            if len(out) != nwant:
                fail('%s %s: %d lines, want %d' % (cmd, tag, len(out), nwant))
            for obj, row in zip(out, rows):
                if pairs_ok(obj, names, cmd):
                    for (k, v), raw in zip(obj, row):
                        check_value(v, raw, '%s %s' % (cmd, tag), True)
            counts[cmd] += len(out)
        # aggregate: group keys, first/min/max of the last data column
        c = len(names) - 2
        cname = names[c]
        aggname = '%d' % (c + 1)
        out = run(['aggregate', path, '--by', 'key', '--agg',
                   'count,first:%s,min:%s,max:%s' % (aggname, aggname, aggname),
                   '--format', 'jsonl'] + vary, 'aggregate ' + tag)
        groups = defaultdict(list)
        for row in rows:
            groups[row[-1]].append(row[c])
        seen = []
        for obj in out:
            if obj is None:
                continue
            d = [v for _, v in obj]
            if len(d) != 5:
                fail('aggregate %s: %r' % (tag, obj))
                continue
            kv = d[0]
            kraw = [k for k in groups if (k == b'' and kv is None) or
                    (kv is not None and (text(k) == kv if isinstance(kv, str) else k == kv[1].encode()))]
            if len(kraw) != 1:
                fail('aggregate %s: key %r matches %d groups' % (tag, kv, len(kraw)))
                continue
            k = kraw[0]
            seen.append(k)
            check_value(kv, k, 'aggregate key ' + tag, False)
            vals = groups[k]
            if d[1] != ('num', str(len(vals))):
                fail('aggregate %s: count %r, want %d' % (tag, d[1], len(vals)))
            nonempty = [v for v in vals if v != b'']
            check_value(d[2], nonempty[0] if nonempty else b'', 'aggregate first ' + tag, c == 0)
            for j, name in ((3, 'min'), (4, 'max')):
                if d[j] is None:
                    if nonempty:
                        fail('aggregate %s: %s null' % (tag, name))
                    continue
                raw = [v for v in nonempty if (text(v) == d[j] if isinstance(d[j], str) else
                                               v == d[j][1].encode())]
                if not raw:
                    fail('aggregate %s: %s %r not an input value' % (tag, name, d[j]))
                else:
                    check_value(d[j], raw[0], 'aggregate %s %s' % (name, tag), False)
        if sorted(seen) != sorted(groups):
            fail('aggregate %s: groups %r, want %r' % (tag, seen, list(groups)))
        counts['aggregate'] += len(out)
        # stats: one line per column, named by its (fixed) name
        out = run(['stats', path, '--format', 'jsonl'] + vary, 'stats ' + tag)
        if len(out) != len(names):
            fail('stats %s: %d lines' % (tag, len(out)))
        for obj, n, col in zip(out, names, range(len(names))):
            if obj is None:
                continue
            d = dict(obj)
            if d.get('column') != text(n):
                fail('stats %s: column %r, want %r' % (tag, d.get('column'), text(n)))
            for m in ('min', 'max'):
                v = d.get(m)
                if isinstance(v, str) and v not in {text(row[col]) for row in rows}:
                    fail('stats %s: %s %r not an input value' % (tag, m, v))
                if isinstance(v, tuple) and not NUM.match(v[1].encode()):
                    fail('stats %s: %s %r' % (tag, m, v))
        counts['stats'] += len(out)
    counts['inputs with invalid UTF-8'] += bad_utf8

for k in sorted(counts):
    print('%s: %d' % (k, counts[k]))
print('failures: %d' % len(failures))
sys.exit(1 if failures else 0)
PY
