#!/usr/bin/env bash
# Issue 11: on a terminal, the progress line is never glued to output. Each
# command runs with stdout and stderr on one pty (python3's pty module, as
# a user's terminal); the transcript is shown with the line drawn in place
# ("\r" text ESC[K) as <progress>, its erasure ("\r" ESC[K) as <erase>,
# whole "pcsv: ..." lines as <plain lines>, and repeats folded. A slow
# input: 20 MB (past the first 16 MiB stream buffer) then a 1.5 s stall, so
# a run lasts over the half second after which the line is drawn. Runs
# once (.once): timing. filter | cat prints its rows as the stream's
# buffers are handed on (issue 15), so its plain lines may fall before or
# after a row: they are checked to start a line each, then taken out.
cd "$TMP" || exit 1
cat >slow.sh <<'SH'
printf 'a,b\n'; yes 1,2 | head -c 20000000; sleep 1.5; printf '3,4\n'
SH
/usr/bin/python3 - "$PCSV" "$TD" <<'PY'
import os, pty, re, subprocess, sys
pcsv, td = sys.argv[1], sys.argv[2]
def run(cmd, plain_apart=False):
    master, slave = pty.openpty()
    p = subprocess.Popen(["bash", "-c", cmd], stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave, env=dict(os.environ, PCSV=pcsv, TD=td))
    os.close(slave)
    data = b""
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        data += b
    p.wait()
    os.close(master)
    t = data.decode("latin-1")
    if plain_apart:
        # plain lines interleave with rows that come out as they arrive
        # (a stream's rows are flushed between its buffers): where they
        # fall depends on timing, so they are taken out, after checking
        # that each one starts a line
        plain = r"pcsv: [^\r\n\x1b]*B/s\r\n"
        apart = all(m.start() == 0 or t[m.start() - 2:m.start()] == "\r\n"
                    for m in re.finditer("pcsv: ", t))
        n = len(re.findall(plain, t))
        t = re.sub(plain, "", t)
        t += (" (and plain lines, each a line of its own)" if n and apart
              else " (plain lines: %d, %s)" % (n, "apart" if apart else "GLUED"))
    t = re.sub(r"\rpcsv: [^\r\n\x1b]*\x1b\[K", "<progress>", t)
    t = t.replace("\r\x1b[K", "<erase>")
    t = re.sub(r"(<progress>)+", "<progress>", t)
    t = re.sub(r"(pcsv: [^\r\n\x1b]*B/s\r\n)+", "<plain lines>", t)
    return t.replace("\r\n", "\\n").replace("\r", "\\r").replace("\x1b", "ESC")
for title, cmd, *apart in [
    ("a quick run: nothing drawn", '"$PCSV" count "$TD/sales.csv"'),
    ("a slow count: drawn, erased before the result",
     'bash slow.sh | "$PCSV" count'),
    ("a slow aggregate: drawn, erased before the result",
     'bash slow.sh | "$PCSV" aggregate --by a'),
    ("the issue's case, select | head -3: not drawn (head may print at any time)",
     'bash slow.sh | "$PCSV" select a | head -3'),
    ("filter | cat with --progress: plain lines (the reader's output never lands on one)",
     'bash slow.sh | "$PCSV" filter --where "a == 3" --progress | cat', True),
    ("filter to the same terminal: not drawn, even with --progress",
     'bash slow.sh | "$PCSV" filter --where "a == 3" --progress'),
    ("filter to a file: drawn, erased",
     'bash slow.sh | "$PCSV" filter --where "a == 3" >out.csv; cat out.csv'),
    ("-q: not drawn", 'bash slow.sh | "$PCSV" count -q'),
]:
    print("--- " + title)
    print(run(cmd, *apart))
PY
