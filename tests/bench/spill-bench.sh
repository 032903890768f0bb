#!/bin/bash
# spill-bench.sh PCSV_BINARY: issue 13's spilling bar on the 2 GB file.
#
#   bash tests/bench/spill-bench.sh build/pcsv
#   BIG=/work/benchdata/mid.csv RUNS=1 bash tests/bench/spill-bench.sh build/pcsv   # quick
#
# Q6, `aggregate BIG --by user_id,product --agg count,sum:price --jobs JOBS` (~20M groups),
# in memory and with `--memory-limit LIMIT --tmpdir DIR`, interleaved (in memory, limited,
# in memory, ...) RUNS times after `cat BIG > /dev/null`. Reports the median wall seconds
# and peak RSS (/usr/bin/time -f '%e %M') of each, the ratio limited / in memory, the md5
# of each run's standard output, and the `pcsv: spilled` line the limited run prints on
# standard error.
#
# Exit 1 with a FAIL line when the binary takes --memory-limit and
#   - any limited run's output differs from the in-memory output (or runs differ), or
#   - the largest peak RSS of the limited runs is >= RSS_MAX MiB, or
#   - the median time ratio limited / in memory is > RATIO_MAX;
# or when pcsv fails. A binary that rejects --memory-limit as a usage error (exit 2, as
# before issue 13) gets "not supported" for the limited lines, and only the in-memory run
# is timed; any other failure of the option (on a 3-row probe first) is a FAIL.
#
# A WARN line says when other processes used more than BUSY_PCT (default 10) % of the
# machine's CPU during a run (from /proc/stat, minus the run's own CPU; runs under 1 s
# are not judged: clock ticks are too coarse for them).
#
# Environment: BIG (default $BENCH_DIR/big.csv; generated with the shared kit's
# `gencsv 20000000 42` if missing), BENCH_DIR (default /work/benchdata), RUNS (default 3),
# JOBS (default 2), LIMIT (default 256M), RSS_MAX (default 320), RATIO_MAX (default 2.5),
# SPILL_DIR (the --tmpdir, default a fresh directory under BENCH_DIR, removed afterwards).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "spill-bench.sh: $*" >&2; exit 2; }
PCSV=$(readlink -f -- "${1:?usage: spill-bench.sh PCSV_BINARY}")
[ -x "$PCSV" ] || die "$1: not an executable"
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
BIG=${BIG:-$BENCH_DIR/big.csv}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
LIMIT=${LIMIT:-256M}
RSS_MAX=${RSS_MAX:-320}
RATIO_MAX=${RATIO_MAX:-2.5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
# the shared kit: ../shared/bench beside the repository, or beside the main checkout when
# this is a git worktree; BENCH_KIT overrides
KIT=${BENCH_KIT:-$ROOT/../shared/bench}
if [ ! -d "$KIT" ] && common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2> /dev/null); then
    KIT=$(dirname "$common")/../shared/bench
fi

if [ ! -s "$BIG" ]; then
    mkdir -p "$(dirname "$BIG")" "$BENCH_DIR" || die "cannot create the data directory"
    if [ ! -x "$BENCH_DIR/gencsv" ]; then
        [ -f "$KIT/gencsv.c" ] || die "$KIT/gencsv.c not found (set BENCH_KIT)"
        ${CC:-cc} -O2 -o "$BENCH_DIR/gencsv" "$KIT/gencsv.c" || die "cannot compile gencsv"
    fi
    echo "generating $BIG (gencsv 20000000 42, about 2 GB)" >&2
    if ! "$BENCH_DIR/gencsv" 20000000 42 > "$BIG.tmp.$$"; then rm -f "$BIG.tmp.$$"; die "cannot generate $BIG"; fi
    mv "$BIG.tmp.$$" "$BIG" || die "cannot write $BIG"
fi

T=$(mktemp -d "$BENCH_DIR/spill-bench.XXXXXX") || die "cannot create a scratch directory"
trap 'rm -rf "$T"' EXIT
# Run a private copy: the binary under test may be rebuilt while this runs (a shared tree's
# make), and in-memory and limited runs of two different builds would prove nothing.
cp -- "$PCSV" "$T/pcsv" || die "cannot copy $PCSV"
BIN="$PCSV ($(date -u -r "$PCSV" +%H:%M:%S) UTC, md5 $(md5sum < "$T/pcsv" | cut -c1-12))"
PCSV=$T/pcsv
SPILL=${SPILL_DIR:-$T/spill}
mkdir -p "$SPILL" || die "cannot create $SPILL"
Q=(aggregate "$BIG" --by "user_id,product" --agg "count,sum:price" --jobs "$JOBS")

# Does this binary take the options? A 3-row probe: a build from before issue 13 says
# "--memory-limit is not supported by this version yet" and exits 2.
printf 'k,v\n1,2\n1,3\n' > "$T/probe.csv"
LIM=(--memory-limit "$LIMIT")
supported=1 fails=() warns=()
"$PCSV" aggregate "$T/probe.csv" --by k --agg count --memory-limit "$LIMIT" > /dev/null 2> "$T/probe.err"
rc=$?
if [ "$rc" = 2 ]; then   # a usage error: the option is not there (yet)
    supported=0
    why=$(head -n 1 "$T/probe.err")
elif [ "$rc" != 0 ]; then   # it is there but broken: that must not pass as "not supported"
    supported=no
    fails+=("FAIL: --memory-limit $LIMIT on a 3-row file: exit $rc: $(head -n 1 "$T/probe.err")")
elif mkdir -p "$T/probe.d" && "$PCSV" aggregate "$T/probe.csv" --by k --agg count --memory-limit "$LIMIT" --tmpdir "$T/probe.d" > /dev/null 2> "$T/probe.err"; then
    LIM+=(--tmpdir "$SPILL")
else
    echo "spill-bench.sh: --tmpdir rejected ($(head -n 1 "$T/probe.err")): spilling to the default directory" >&2
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# machine-wide busy clock ticks, all CPUs (/proc/stat)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
HZ=$(getconf CLK_TCK) NCPU=$(nproc)
# run NAME ARGS...: one timed run; appends "wall rss_kib md5 foreign_pct" to $T/NAME.runs
# (foreign_pct: CPU time of OTHER processes during the run, in % of the machine); keeps stderr
run() {
    local name=$1 b0 b1; shift
    b0=$(busy)
    if ! /usr/bin/time -o "$T/time" -f '%e %M %U %S' "$PCSV" "$@" > "$T/$name.out" 2> "$T/$name.err"; then
        echo "spill-bench.sh: $name run failed: $PCSV $*" >&2; tail -n 5 "$T/$name.err" >&2
        return 1
    fi
    b1=$(busy)
    tail -n 1 "$T/time" | awk -v md5="$(md5sum < "$T/$name.out" | cut -d' ' -f1)" \
        -v ticks=$((b1 - b0)) -v hz="$HZ" -v c="$NCPU" '
        { f = ticks / hz - ($3 + $4); if (f < 0) f = 0
          printf "%s %s %s %.0f\n", $1, $2, md5, ($1 >= 1) ? 100 * f / ($1 * c) : 0 }' >> "$T/$name.runs"
    rm -f "$T/$name.out"
}
before=$(ls -A "$SPILL")
cat "$BIG" > /dev/null
for ((r = 1; r <= RUNS; r++)); do
    echo "run $r/$RUNS: in memory" >&2
    run mem "${Q[@]}" || { fails+=("FAIL: the in-memory run failed (its message is on stderr)"); break; }
    if [ "$supported" = 1 ]; then
        echo "run $r/$RUNS: --memory-limit $LIMIT" >&2
        run lim "${Q[@]}" "${LIM[@]}" || { fails+=("FAIL: the --memory-limit $LIMIT run failed"); break; }
        if [ "$(ls -A "$SPILL")" != "$before" ]; then   # reported, never deleted here
            warns+=("WARN: run $r left files in the --tmpdir $SPILL: $(find "$SPILL" -mindepth 1 -maxdepth 1 -printf '%f ' | head -c 200)")
            before=$(ls -A "$SPILL")
        fi
    fi
done

col() { [ -s "$T/$1.runs" ] && awk -v c="$2" '{print $c}' "$T/$1.runs" | median; }
mib() { awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1 / 1024 }'; }
mw=$(col mem 1) mm=$(col mem 2 | mib)
md5s_mem=$(awk '{print $3}' "$T/mem.runs" 2> /dev/null | sort -u)
echo
echo "pcsv: $BIN"
echo "Q6 on $(basename "$BIG") ($(($(stat -L -c %s "$BIG") / 1000000)) MB), \`aggregate --by user_id,product --agg count,sum:price --jobs $JOBS\`, median of $RUNS interleaved runs"
echo
echo "| run | median s | peak RSS MiB (median / max) | output md5 | stderr |"
echo "|---|---|---|---|---|"
if [ -s "$T/mem.runs" ]; then
    mx=$(awk '{print $2}' "$T/mem.runs" | sort -n | tail -n 1 | mib)
    echo "| in memory | $mw | $mm / $mx | $(echo "$md5s_mem" | tr '\n' ' ')| |"
fi
[ "$(echo "$md5s_mem" | grep -c .)" -le 1 ] || fails+=("FAIL: the in-memory runs disagree with each other")
if [ "$supported" = 0 ]; then
    echo "| --memory-limit $LIMIT | not supported | not supported | not supported | $why |"
    echo
    echo "spill/in-memory: not supported (this binary rejects --memory-limit)"
elif [ "$supported" = no ]; then
    echo "| --memory-limit $LIMIT | failed on a 3-row probe | | | $(head -n 1 "$T/probe.err") |"
elif [ -s "$T/lim.runs" ]; then
    lw=$(col lim 1) lm=$(col lim 2 | mib)
    lx=$(awk '{print $2}' "$T/lim.runs" | sort -n | tail -n 1 | mib)
    md5s_lim=$(awk '{print $3}' "$T/lim.runs" | sort -u)
    spilled=$(grep -m 1 '^pcsv: spilled' "$T/lim.err")
    echo "| --memory-limit $LIMIT | $lw | $lm / $lx | $(echo "$md5s_lim" | tr '\n' ' ')| ${spilled:-(no \"pcsv: spilled\" line)} |"
    ratio=$(awk -v a="$lw" -v b="$mw" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    same=no
    [ "$md5s_lim" = "$md5s_mem" ] && [ "$(echo "$md5s_lim" | grep -c .)" = 1 ] && same=yes
    echo
    echo "spill/in-memory: ${ratio}x time; outputs byte-identical: $same"
    [ "$same" = yes ] || fails+=("FAIL: the --memory-limit $LIMIT output differs from the in-memory output (md5 $(echo "$md5s_lim" | tr '\n' ' ')vs $(echo "$md5s_mem" | tr '\n' ' '))")
    awk -v x="$lx" -v m="$RSS_MAX" 'BEGIN { exit !(x >= m) }' &&
        fails+=("FAIL: peak RSS with --memory-limit $LIMIT is $lx MiB, >= $RSS_MAX MiB")
    awk -v r="$ratio" -v m="$RATIO_MAX" 'BEGIN { exit !(r > m) }' &&
        fails+=("FAIL: --memory-limit $LIMIT takes ${ratio}x the in-memory time, > ${RATIO_MAX}x")
    [ -n "$spilled" ] || warns+=("WARN: no 'pcsv: spilled' line on stderr with --memory-limit $LIMIT")
fi
busiest=$(cat "$T"/*.runs 2> /dev/null | awk '$4 > m { m = $4 } END { print m + 0 }')
[ "$busiest" -le "${BUSY_PCT:-10}" ] ||
    warns+=("WARN: other processes used up to $busiest% of the machine's CPU during these runs: rerun before trusting the times")
echo
[ ${#warns[@]} = 0 ] || printf '%s\n' "${warns[@]}"
if [ ${#fails[@]} = 0 ]; then
    if [ "$supported" = 1 ]; then echo "OK"; else echo "OK (in memory only: --memory-limit not supported)"; fi
    exit 0
fi
printf '%s\n' "${fails[@]}"
exit 1
