#!/bin/bash
# split-bench.sh PCSV_BINARY: issue 14's bars on splitting a run into ranges.
#
#   bash tests/bench/split-bench.sh build/pcsv
#   SPLIT_MB=200 RUNS=1 bash tests/bench/split-bench.sh build/pcsv   # quick
#
# Q1-like query `aggregate F --by country --agg count,sum:price`, timed three ways,
# interleaved RUNS times after `cat F > /dev/null` (output to /dev/null while timing):
#   single  `pcsv aggregate F Q --jobs 2`
#   split   NPARTS (default 32) ranges of F, `pcsv aggregate F Q --partial --range S:E
#           -o PART --jobs 2` one after another, then `pcsv merge PART...`
#   dask    `pcsv-dask --local 2 --split SIZE/NPARTS --pcsv PCSV aggregate F Q` (one
#           thread per worker), only when cluster/pcsv-dask exists and /usr/bin/python3
#           imports distributed
# Reports the median wall seconds of each and the ratios to the single run.
# Bars (issue 14): split/single <= SPLIT_MAX (default 1.15), dask/single <= DASK_MAX
# (default 1.3). Before timing, each way's output is compared with the single run's
# (byte for byte); a difference is a FAIL.
#
# Exit 1 with FAIL lines when a bar is missed, an output differs or pcsv fails;
# 0 otherwise (also when the binary has no --partial yet: "not supported").
# A WARN line says when other processes used more than BUSY_PCT (default 10) % of the
# machine's CPU during the runs (as spill-bench.sh).
#
# Environment: F (the input; default $BENCH_DIR/big.csv, generated with the shared kit's
# `gencsv 20000000 42`, about 2 GB, if missing), SPLIT_MB (instead of the 2 GB file, a
# file of about SPLIT_MB MB: $BENCH_DIR/split-SPLIT_MB.csv, gencsv SPLIT_MB*10000 rows),
# BENCH_DIR (default /work/benchdata), RUNS (default 3), NPARTS (default 32), JOBS
# (default 2), DASK (0: skip the adapter), SPLIT_MAX, DASK_MAX.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "split-bench.sh: $*" >&2; exit 2; }
PCSV=$(readlink -f -- "${1:?usage: split-bench.sh PCSV_BINARY}")
[ -x "$PCSV" ] || die "$1: not an executable"
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
RUNS=${RUNS:-3}
NPARTS=${NPARTS:-32}
JOBS=${JOBS:-2}
SPLIT_MAX=${SPLIT_MAX:-1.15}
DASK_MAX=${DASK_MAX:-1.3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $NPARTS =~ ^[1-9][0-9]*$ ]] || die "NPARTS must be a positive integer"
if [ -n "${SPLIT_MB:-}" ]; then
    [[ $SPLIT_MB =~ ^[1-9][0-9]*$ ]] || die "SPLIT_MB must be a positive integer"
    F=${F:-$BENCH_DIR/split-$SPLIT_MB.csv}
    ROWS=$((SPLIT_MB * 10000))
else
    F=${F:-$BENCH_DIR/big.csv}
    ROWS=20000000
fi
# the shared kit: ../shared/bench beside the repository, or beside the main checkout when
# this is a git worktree; BENCH_KIT overrides
KIT=${BENCH_KIT:-$ROOT/../shared/bench}
if [ ! -d "$KIT" ] && common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2> /dev/null); then
    KIT=$(dirname "$common")/../shared/bench
fi
if [ ! -s "$F" ]; then
    mkdir -p "$(dirname "$F")" "$BENCH_DIR" || die "cannot create the data directory"
    if [ ! -x "$BENCH_DIR/gencsv" ]; then
        [ -f "$KIT/gencsv.c" ] || die "$KIT/gencsv.c not found (set BENCH_KIT)"
        ${CC:-cc} -O2 -o "$BENCH_DIR/gencsv" "$KIT/gencsv.c" || die "cannot compile gencsv"
    fi
    echo "generating $F (gencsv $ROWS 42)" >&2
    if ! "$BENCH_DIR/gencsv" "$ROWS" 42 > "$F.tmp.$$"; then rm -f "$F.tmp.$$"; die "cannot generate $F"; fi
    mv "$F.tmp.$$" "$F" || die "cannot write $F"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/split-bench.XXXXXX") || die "cannot create a scratch directory"
trap 'rm -rf "$T"' EXIT
# a private copy: the binary under test may be rebuilt while this runs
cp -- "$PCSV" "$T/pcsv" || die "cannot copy $PCSV"
BIN="$PCSV ($(date -u -r "$PCSV" +%H:%M:%S) UTC, md5 $(md5sum < "$T/pcsv" | cut -c1-12))"
PCSV=$T/pcsv
Q=(--by country --agg count,sum:price)
SIZE=$(stat -L -c %s "$F")
fails=() warns=()

# the ranges: NPARTS cuts of SIZE, the last one open-ended
RANGES=()
for ((i = 0; i < NPARTS; i++)); do
    s=$((SIZE * i / NPARTS)) e=$((SIZE * (i + 1) / NPARTS))
    [ $i = $((NPARTS - 1)) ] && e=
    RANGES+=("$s:$e")
done
SPLIT=$(( (SIZE + NPARTS - 1) / NPARTS ))

single() { "$PCSV" aggregate "$F" "${Q[@]}" --jobs "$JOBS"; }
split_run() {
    local i=0 r parts=()
    rm -f "$T"/part.*
    for r in "${RANGES[@]}"; do
        "$PCSV" aggregate "$F" "${Q[@]}" --partial --range "$r" -o "$T/part.$i" --jobs "$JOBS" || return
        parts+=("$T/part.$i")
        i=$((i + 1))
    done
    "$PCSV" merge "${parts[@]}" --jobs "$JOBS"
}
DASK_BIN=$ROOT/cluster/pcsv-dask
dask=0
if [ "${DASK:-1}" != 0 ] && [ -f "$DASK_BIN" ] && /usr/bin/python3 -c 'import distributed' 2> /dev/null; then
    dask=1
fi
dask_run() { /usr/bin/python3 "$DASK_BIN" --local 2 --split "$SPLIT" --pcsv "$PCSV" aggregate "$F" "${Q[@]}"; }

# Does this binary write partials? A usage error (exit 2) means not yet.
printf 'country,price\nUS,1\n' > "$T/probe.csv"
"$PCSV" aggregate "$T/probe.csv" "${Q[@]}" --partial --range 0: -o "$T/probe.part" 2> "$T/probe.err"
rc=$?
if [ $rc = 2 ]; then
    echo "split-bench.sh: not supported: this binary refuses --partial --range ($(head -n 1 "$T/probe.err"))"
    exit 0
elif [ $rc != 0 ]; then
    echo "FAIL: --partial --range on a 1-row file: exit $rc: $(head -n 1 "$T/probe.err")"
    exit 1
fi

# correctness first, untimed
cat "$F" > /dev/null
single > "$T/single.out" 2> "$T/single.err" || { echo "FAIL: the single run failed: $(head -n 3 "$T/single.err")"; exit 1; }
if split_run > "$T/split.out" 2> "$T/split.err"; then
    cmp -s "$T/single.out" "$T/split.out" || fails+=("FAIL: $NPARTS ranges + merge print other bytes than the single run")
else
    fails+=("FAIL: the split run failed: $(head -n 3 "$T/split.err" | tr '\n' ' ')")
fi
if [ $dask = 1 ]; then
    if dask_run > "$T/dask.out" 2> "$T/dask.err"; then
        cmp -s "$T/single.out" "$T/dask.out" || fails+=("FAIL: pcsv-dask prints other bytes than the single run")
    else
        fails+=("FAIL: pcsv-dask failed: $(tail -n 3 "$T/dask.err" | tr '\n' ' ')")
        dask=0
    fi
fi
[ ${#fails[@]} = 0 ] || { printf '%s\n' "${fails[@]}"; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
HZ=$(getconf CLK_TCK) NCPU=$(nproc)
# timed NAME FUNCTION: appends "wall foreign_pct" to $T/NAME.runs (foreign_pct: CPU time of
# processes other than this run's, in % of the machine; children included via times)
timed() {
    local name=$1 t0 t1 b0 b1 c0 c1
    shift
    b0=$(busy) c0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat) t0=$(date +%s.%N)
    "$@" > /dev/null 2> "$T/$name.err" || { echo "split-bench.sh: the $name run failed" >&2; return 1; }
    t1=$(date +%s.%N) b1=$(busy) c1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    awk -v a="$t0" -v b="$t1" -v ticks=$((b1 - b0 - (c1 - c0))) -v hz="$HZ" -v c="$NCPU" \
        'BEGIN { w = b - a; f = ticks / hz; if (f < 0) f = 0
                 printf "%.3f %.0f\n", w, (w >= 1) ? 100 * f / (w * c) : 0 }' >> "$T/$name.runs"
}
for ((r = 1; r <= RUNS; r++)); do
    cat "$F" > /dev/null
    echo "run $r/$RUNS: single" >&2
    timed single single || fails+=("FAIL: the single run failed")
    echo "run $r/$RUNS: $NPARTS ranges + merge" >&2
    timed split split_run || fails+=("FAIL: the split run failed")
    if [ $dask = 1 ]; then
        echo "run $r/$RUNS: pcsv-dask --local 2" >&2
        timed dask dask_run || fails+=("FAIL: the pcsv-dask run failed")
    fi
done

col() { [ -s "$T/$1.runs" ] && awk '{print $1}' "$T/$1.runs" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "-"; else printf "%.2f", a / b }'; }
sw=$(col single) pw=$(col split) dw=
pr=$(ratio "$pw" "$sw") dr=-
echo
echo "pcsv: $BIN"
echo "$(basename "$F") ($((SIZE / 1000000)) MB), \`aggregate --by country --agg count,sum:price\`, median of $RUNS interleaved runs"
echo
echo "| run | median s | / single |"
echo "|---|---|---|"
echo "| single, --jobs $JOBS | $sw | 1.00 |"
echo "| $NPARTS ranges one after another (--jobs $JOBS) + merge | $pw | $pr |"
if [ $dask = 1 ]; then
    dw=$(col dask) dr=$(ratio "$dw" "$sw")
    echo "| pcsv-dask --local 2 --split $SPLIT | $dw | $dr |"
else
    if [ "${DASK:-1}" = 0 ]; then why="DASK=0"
    elif [ -f "$DASK_BIN" ]; then why="/usr/bin/python3 lacks distributed"
    else why="no cluster/pcsv-dask"; fi
    echo "| pcsv-dask --local 2 | not run ($why) | |"
fi
echo
echo "split/single: ${pr}x (bar ${SPLIT_MAX}x)${dw:+; dask/single: ${dr}x (bar ${DASK_MAX}x)}"
awk -v r="$pr" -v m="$SPLIT_MAX" 'BEGIN { exit !(r != "-" && r > m) }' &&
    fails+=("FAIL: $NPARTS ranges + merge take ${pr}x the single run, > ${SPLIT_MAX}x")
[ $dask = 1 ] && awk -v r="$dr" -v m="$DASK_MAX" 'BEGIN { exit !(r != "-" && r > m) }' &&
    fails+=("FAIL: pcsv-dask --local 2 takes ${dr}x the single run, > ${DASK_MAX}x")
busiest=$(cat "$T"/*.runs 2> /dev/null | awk '$2 > m { m = $2 } END { print m + 0 }')
[ "$busiest" -le "${BUSY_PCT:-10}" ] ||
    warns+=("WARN: other processes used up to $busiest% of the machine's CPU during these runs: rerun before trusting the times")
[ ${#warns[@]} = 0 ] || printf '%s\n' "${warns[@]}"
if [ ${#fails[@]} = 0 ]; then
    echo "OK"
    exit 0
fi
printf '%s\n' "${fails[@]}"
exit 1
