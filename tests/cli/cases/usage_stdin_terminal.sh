#!/usr/bin/env bash
# Issue 11: with no FILE (or `-`) and standard input a terminal, pcsv stops
# at once with a usage error (exit 2) telling to give a FILE or pipe data
# in, as zstd does, instead of waiting silently for typing. stdin is a pty
# here (python3's pty module); a run that waits is killed after 5 s and
# shows as "hung". A FILE with a terminal on stdin is read as usual.
/usr/bin/python3 - "$PCSV" <<'PY'
import os, pty, subprocess, sys
pcsv = sys.argv[1]
for args in (["count"], ["count", "-"], ["filter", "--where", "qty > 1"],
             ["select", "region"], ["headers"], ["count", "sales.csv", "-"],
             ["count", "sales.csv"]):
    master, slave = pty.openpty()
    p = subprocess.Popen([pcsv] + args, stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    os.close(slave)
    try:
        out, err = p.communicate(timeout=5)
        res = "exit %d" % p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        res = "hung"
    os.close(master)
    print("pcsv %s: %s, stdout %r" % (" ".join(args), res, out.decode()))
    sys.stdout.write(err.decode())
PY
