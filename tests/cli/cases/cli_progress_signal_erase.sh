#!/usr/bin/env bash
# Issue 11: SIGINT or SIGTERM while the progress line is on the terminal:
# the line is erased (the handler chained before outsink's cleanup), then
# pcsv dies of the signal as before (and removes its -o temporary file,
# keeping the old FILE).
# pcsv runs with stdout and stderr on a pty (python3's pty module), stdin
# a pipe that gives 20 MB (past the first 16 MiB stream buffer) and then
# nothing; the signal comes at 1.5 s, when the line has been drawn. The
# transcript is shown as in cli_progress_tty. Runs once (.once); skipped
# under TSan (.signals).
cd "$TMP" || exit 1
/usr/bin/python3 - "$PCSV" <<'PY'
import os, pty, re, signal, subprocess, sys, time
pcsv = sys.argv[1]
for sig, args in ((signal.SIGINT, ["count"]), (signal.SIGTERM, ["count"]),
                  (signal.SIGTERM, ["filter", "--where", "a == 3", "-o", "out.csv"])):
    with open("out.csv", "w") as f:
        f.write("OLD\n")
    master, slave = pty.openpty()
    p = subprocess.Popen([pcsv] + args, stdin=subprocess.PIPE, stdout=slave, stderr=slave)
    os.close(slave)
    p.stdin.write(b"a,b\n" + b"1,2\n" * 5000000)
    p.stdin.flush()
    time.sleep(1.5)
    p.send_signal(sig)
    rc = p.wait()
    p.stdin.close()
    data = b""
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        data += b
    os.close(master)
    t = data.decode("latin-1")
    t = re.sub(r"\rpcsv: [^\r\n\x1b]*\x1b\[K", "<progress>", t)
    t = t.replace("\r\x1b[K", "<erase>")
    t = re.sub(r"(<progress>)+", "<progress>", t)
    t = t.replace("\r\n", "\\n").replace("\r", "\\r").replace("\x1b", "ESC")
    print("pcsv %s, %s: died of %s, terminal: %s, files: %s, out.csv: %r" % (
        " ".join(args), sig.name, signal.Signals(-rc).name if rc < 0 else "exit %d" % rc, t,
        sorted(os.listdir(".")), open("out.csv").read()))
PY
