#!/usr/bin/env bash
# Issue 11: on a terminal, the progress line is never glued to output. Each
# command runs with stdout and stderr on one pty (python3's pty module, as
# a user's terminal); the transcript is shown with the line drawn in place
# ("\r" text ESC[K) as <progress>, its erasure ("\r" ESC[K) as <erase>,
# whole "pcsv: ..." lines as <plain lines>, and repeats folded. A slow
# input: 20 MB (past the first 16 MiB stream buffer) then a 1.5 s stall, so
# a run lasts over the half second after which the line is drawn. Runs
# once (.once): timing.
cd "$TMP" || exit 1
cat >slow.sh <<'SH'
printf 'a,b\n'; yes 1,2 | head -c 20000000; sleep 1.5; printf '3,4\n'
SH
/usr/bin/python3 - "$PCSV" "$TD" <<'PY'
import os, pty, re, subprocess, sys
pcsv, td = sys.argv[1], sys.argv[2]
def run(cmd):
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
    t = re.sub(r"\rpcsv: [^\r\n\x1b]*\x1b\[K", "<progress>", t)
    t = t.replace("\r\x1b[K", "<erase>")
    t = re.sub(r"(<progress>)+", "<progress>", t)
    t = re.sub(r"(pcsv: [^\r\n\x1b]*B/s\r\n)+", "<plain lines>", t)
    return t.replace("\r\n", "\\n").replace("\r", "\\r").replace("\x1b", "ESC")
for title, cmd in [
    ("a quick run: nothing drawn", '"$PCSV" count "$TD/sales.csv"'),
    ("a slow count: drawn, erased before the result",
     'bash slow.sh | "$PCSV" count'),
    ("a slow aggregate: drawn, erased before the result",
     'bash slow.sh | "$PCSV" aggregate --by a'),
    ("the issue's case, select | head -3: not drawn (head may print at any time)",
     'bash slow.sh | "$PCSV" select a | head -3'),
    ("filter | cat with --progress: plain lines (the reader's output never lands on one)",
     'bash slow.sh | "$PCSV" filter --where "a == 3" --progress | cat'),
    ("filter to the same terminal: not drawn, even with --progress",
     'bash slow.sh | "$PCSV" filter --where "a == 3" --progress'),
    ("filter to a file: drawn, erased",
     'bash slow.sh | "$PCSV" filter --where "a == 3" >out.csv; cat out.csv'),
    ("-q: not drawn", 'bash slow.sh | "$PCSV" count -q'),
]:
    print("--- " + title)
    print(run(cmd))
PY
