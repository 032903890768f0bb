#!/usr/bin/python3
# unit_args.py - pcsv-dask's own logic, without a cluster or pcsv: how the
# command line is split between the tasks and the merge, how files are cut
# into ranges, sizes. Usage: unit_args.py PATH/TO/pcsv-dask; prints one line
# per failure and "unit: N passed, M failed"; exit 1 on a failure.
import importlib.machinery
import importlib.util
import sys

loader = importlib.machinery.SourceFileLoader("pcsv_dask", sys.argv[1])
spec = importlib.util.spec_from_loader("pcsv_dask", loader)
m = importlib.util.module_from_spec(spec)
loader.exec_module(m)

passed = failed = 0


def check(name, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL %s:\n  got  %r\n  want %r" % (name, got, want))


def usage_error(f, *a):
    try:
        f(*a)
    except m.UsageError as e:
        return str(e)
    return None


def split(cmd, line):
    r = m.split_pcsv_args(cmd, line.split())
    return r["files"], r["query"], r["output"], r["exec"], r["jobs_given"]


# query options to the tasks, output options to the merge, files kept in order
check("basic", split("aggregate", "a.csv --by k --agg count,sum:p b.csv -o out.csv --format jsonl"),
      (["a.csv", "b.csv"], ["--by", "k", "--agg", "count,sum:p"], ["-o", "out.csv", "--format", "jsonl"], [], False))
check("equals form", split("aggregate", "--by=k --where=p>1 a.csv --sort=k:desc --limit=3"),
      (["a.csv"], ["--by", "k", "--where", "p>1"], ["--sort", "k:desc", "--limit", "3"], [], False))
check("short clusters", split("aggregate", "-tHj2 a.csv -qo out"),
      (["a.csv"], ["-t", "-H", "-j", "2"], ["-j", "2", "-q", "-o", "out"], ["-j", "2"], True))
check("short with value apart", split("count", "-d ; -j 3 f"),
      (["f"], ["-d", ";", "-j", "3"], ["-j", "3"], ["-j", "3"], True))
check("long prefixes", split("aggregate", "--agg count --wh x>1 --form csv --on-bad skip f"),
      (["f"], ["--agg", "count", "--where", "x>1", "--on-bad-row", "skip"], ["--format", "csv"], [], False))
check("execution options to both", split("aggregate", "f --memory-limit 64M --tmpdir /t --chunk-size 1M"),
      (["f"], ["--memory-limit", "64M", "--tmpdir", "/t", "--chunk-size", "1M"], ["--memory-limit", "64M", "--tmpdir", "/t"],
       ["--memory-limit", "64M", "--tmpdir", "/t"], False))
check("-- ends options", split("aggregate", "--by k -- -odd.csv --by"),
      (["-odd.csv", "--by"], ["--by", "k"], [], [], False))
r = m.split_pcsv_args("aggregate", "-t --quote=' -H -d ; f --by k".split())
check("input options", r["input"], ["-t", "--quote", "'", "-H", "-d", ";"])
check("no-progress dropped", split("count", "--no-progress f"), (["f"], [], [], [], False))
# an option the command does not take goes to the tasks: pcsv refuses it
check("count --format to the tasks", split("count", "f --format jsonl --by k"),
      (["f"], ["--format", "jsonl", "--by", "k"], [], [], False))
check("unknown option to the tasks", split("aggregate", "--nonsense f -x"), (["f"], ["--nonsense", "-x"], [], [], False))
check("help", m.split_pcsv_args("aggregate", ["f", "--help"])["help"], True)
for bad in ("--rejects r", "--partial", "--range 0:5", "--progress", "--file-index 2", "--by", "-o", "--tsv=1"):
    check("refused %s" % bad, usage_error(m.split_pcsv_args, "aggregate", ["f"] + bad.split()) is not None, True)

# adapter options come before the command
st, cmd, rest = m.parse_adapter_args("--local 3 --split=512K --pcsv /x/pcsv count f -j2".split())
check("adapter", (st["local"], st["split"], st["pcsv"], st["scheduler"], cmd, rest),
      (3, 512 << 10, "/x/pcsv", None, "count", ["f", "-j2"]))
st, cmd, rest = m.parse_adapter_args("--scheduler tcp://127.0.0.1:8786 aggregate f".split())
check("scheduler", (st["scheduler"], st["local"], st["split"], cmd), ("tcp://127.0.0.1:8786", None, 256 << 20, "aggregate"))
check("help first", m.parse_adapter_args(["--help", "aggregate"])[0]["help"], True)
for bad in ("--local 2 --scheduler x aggregate f", "--local 0 count f", "--local x count f", "--split 0 count f",
            "--split 5T count f", "--bogus count f", "filter f", "--local 2", "--split"):
    check("adapter refuses %s" % bad, usage_error(m.parse_adapter_args, bad.split()) is not None, True)

check("sizes", [m.parse_size(s, "--split") for s in ("1", "1K", "3m", "2G", "512KiB", "4MB")],
      [1, 1024, 3 << 20, 2 << 30, 512 << 10, 4 << 20])

# ranges tile the file, the last one open-ended
check("empty file", m.cut_ranges(0, 100), [(0, None)])
check("smaller than split", m.cut_ranges(99, 100), [(0, None)])
check("exactly split", m.cut_ranges(100, 100), [(0, None)])
check("one byte more", m.cut_ranges(101, 100), [(0, 100), (100, None)])
check("three", m.cut_ranges(250, 100), [(0, 100), (100, 200), (200, None)])
check("exact multiple", m.cut_ranges(300, 100), [(0, 100), (100, 200), (200, None)])
for size in range(0, 40):
    for sp in (1, 3, 7, 50):
        r = m.cut_ranges(size, sp)
        ok = r[0][0] == 0 and r[-1][1] is None and all(r[k][1] == r[k + 1][0] for k in range(len(r) - 1)) \
            and all(s < size or (s == 0) for s, _ in r)
        if not ok:
            check("tiling %d/%d" % (size, sp), r, "a tiling")
passed += 1

check("status of a signal", (m.status_of(-9), m.status_of(0), m.status_of(2)), (137, 0, 2))

print("unit: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
