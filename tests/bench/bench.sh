#!/bin/bash
# bench.sh PCSV_BINARY: time pcsv on generated data and print a Markdown table.
#
#   tests/bench/bench.sh build/pcsv                   # 20M-row big.csv, 2M-row mid.csv
#   ROWS=200000 RUNS=1 tests/bench/bench.sh build/pcsv   # quick trial
#   COMPARE=1 tests/bench/bench.sh build/pcsv         # then DuckDB/Polars side by side
#
# Environment (all optional):
#   ROWS      rows in the big file (default 20000000; other values use big-ROWS.csv)
#   MID_ROWS  rows in the mid file (default 2000000, or ROWS/10 when ROWS is set)
#   RUNS      timed runs per query, median reported (default 3)
#   COMPARE   1 = afterwards run ../shared/bench/compare.sh on the same big file
#   BENCH_DIR passed to compare.sh (default build/bench/compare, whose big.csv is a
#             symlink to ours and whose node/ is shared via /tmp/pcsvbench/node)
#
# Data and outputs live under build/bench/ (relative to the repository root). Each query
# is preceded by `cat FILE > /dev/null` to put the file in the page cache. Wall seconds
# are measured around `/usr/bin/time -f '%e %M'` with a nanosecond clock (the %e field
# has only 1/100 s resolution); peak RSS comes from %M.
#
# Exit status: 0 unless pcsv fails (non-zero exit or signal) or a correctness check
# fails (Q1 --jobs 1 vs --jobs 2 output, count vs the generated row count). Slow
# timings never fail the script.
set -u

die() { echo "bench.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: bench.sh PCSV_BINARY"
PCSV=$(readlink -f -- "$1") || die "cannot resolve $1"
[ -x "$PCSV" ] || die "$1: not an executable file"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) || die "cannot find repo root"
cd "$ROOT" || die "cannot cd to $ROOT"

DEFAULT_ROWS=20000000
ROWS=${ROWS:-$DEFAULT_ROWS}
RUNS=${RUNS:-3}
SEED=42
[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "ROWS must be a positive integer"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "RUNS must be a positive integer"
if [ "$ROWS" = "$DEFAULT_ROWS" ]; then
    BIG_NAME=big.csv
    MID_ROWS=${MID_ROWS:-2000000}
else
    BIG_NAME=big-$ROWS.csv
    MID_ROWS=${MID_ROWS:-$(( ROWS / 10 > 0 ? ROWS / 10 : 1 ))}
fi
if [ "$MID_ROWS" = 2000000 ]; then MID_NAME=mid.csv; else MID_NAME=mid-$MID_ROWS.csv; fi

B=build/bench
OUT=$B/out
mkdir -p "$OUT" || die "cannot create $OUT"

# ------------------------------------------------------------------ generator and data
GEN=$B/gen
if [ ! -x "$GEN" ] || [ tests/bench/gen.c -nt "$GEN" ]; then
    echo "building $GEN" >&2
    ${CC:-cc} -O2 -o "$GEN" tests/bench/gen.c || die "cannot build $GEN"
fi

# gen_file PATH ROWS: (re)generate when missing, or older than the generator
gen_file() {
    local f=$1 n=$2
    if [ -s "$f" ] && [ "$f" -nt "$GEN" ]; then return 0; fi
    echo "generating $f ($n rows, seed $SEED)" >&2
    local t0 t1
    t0=$(date +%s.%N)
    "$GEN" "$n" "$SEED" > "$f.tmp" || { rm -f "$f.tmp"; die "generating $f failed"; }
    mv -f "$f.tmp" "$f"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v s="$(stat -c %s "$f")" \
        'BEGIN {printf "  %.1f s, %.0f MB\n", b - a, s / 1e6}' >&2
}
BIG=$B/$BIG_NAME
MID=$B/$MID_NAME
gen_file "$BIG" "$ROWS"
gen_file "$MID" "$MID_ROWS"

# ------------------------------------------------------------------ /usr/bin/time
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    echo "/usr/bin/time is missing: installing the Debian package 'time'" >&2
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time; } >/dev/null 2>&1
fi
if [ ! -x "$TIME" ]; then
    echo "WARNING: /usr/bin/time is not available and could not be installed" \
         "(try: apt-get install time). Peak RSS will be reported as n/a." >&2
    TIME=
fi

# ------------------------------------------------------------------ timing
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

FAILED=0
ROWS_TABLE=()        # "label|file|jobs|secs|mbps|rss"
declare -A SECS RSS

# run_query LABEL FILE JOBS ARGS... : RUNS timed runs; stdout to $OUT/LABEL.out
run_query() {
    local label=$1 file=$2 jobs=$3; shift 3
    local out=$OUT/$label.out err=$OUT/$label.err tl=$OUT/$label.time
    local walls=() rsses=() i rc t0 t1 line
    echo "== $label: pcsv $* ($RUNS runs)" >&2
    cat "$file" > /dev/null
    for ((i = 1; i <= RUNS; i++)); do
        rm -f "$tl"
        t0=$(date +%s.%N)
        if [ -n "$TIME" ]; then
            "$TIME" -o "$tl" -f '%e %M' "$PCSV" "$@" > "$out" 2> "$err"
        else
            "$PCSV" "$@" > "$out" 2> "$err"
        fi
        rc=$?
        t1=$(date +%s.%N)
        if [ "$rc" != 0 ]; then
            echo "FAILED: $label exited with status $rc (stderr: $err):" >&2
            [ -s "$tl" ] && grep -v '^[0-9.]* [0-9]*$' "$tl" | sed 's/^/  /' >&2
            tail -n 5 "$err" | sed 's/^/  /' >&2
            FAILED=1
            ROWS_TABLE+=("$label|$(basename "$file")|$jobs|FAILED (exit $rc)||")
            return 1
        fi
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
        if [ -n "$TIME" ] && line=$(tail -n 1 "$tl") && [[ $line =~ ^[0-9.]+\ ([0-9]+)$ ]]; then
            rsses+=("${BASH_REMATCH[1]}")
        fi
    done
    rm -f "$tl"
    local secs rss mbps bytes
    secs=$(printf '%s\n' "${walls[@]}" | median)
    if [ ${#rsses[@]} -gt 0 ]; then
        rss=$(printf '%s\n' "${rsses[@]}" | median | awk '{printf "%.1f", $1 / 1024}')
    else
        rss=n/a
    fi
    bytes=$(stat -c %s "$file")
    mbps=$(awk -v b="$bytes" -v s="$secs" 'BEGIN {if (s > 0) printf "%.0f", b / 1e6 / s; else print "-"}')
    secs=$(awk -v s="$secs" 'BEGIN {printf "%.3f", s}')
    SECS[$label]=$secs; RSS[$label]=$rss
    ROWS_TABLE+=("$label|$(basename "$file")|$jobs|$secs|$mbps|$rss")
}

Q1_AGG=(--by country --agg count,sum:price,mean:quantity)
Q2_AGG=(--by category,country --agg count,sum:price,min:price,max:price,mean:discount)
Q3_AGG=(--by user_id --agg count,sum:price)

run_query Q1       "$BIG" 2 aggregate "$BIG" "${Q1_AGG[@]}" --jobs 2
run_query Q1-j1    "$BIG" 1 aggregate "$BIG" "${Q1_AGG[@]}" --jobs 1
run_query Q2       "$BIG" 2 aggregate "$BIG" "${Q2_AGG[@]}" --jobs 2
run_query Q3       "$BIG" 2 aggregate "$BIG" "${Q3_AGG[@]}" --jobs 2
run_query C1       "$BIG" 2 count "$BIG" --jobs 2
run_query Q1-mid   "$MID" 2 aggregate "$MID" "${Q1_AGG[@]}" --jobs 2

# ------------------------------------------------------------------ report
echo
echo "## pcsv benchmark ($(basename "$BIG"): $ROWS rows, $(stat -c %s "$BIG") bytes; median of $RUNS)"
echo
echo "| query | file | jobs | median s | MB/s | peak RSS MiB |"
echo "| --- | --- | --- | --- | --- | --- |"
for r in "${ROWS_TABLE[@]}"; do
    IFS='|' read -r l f j s m x <<< "$r"
    echo "| $l | $f | $j | $s | $m | $x |"
done
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a"}'; }
echo "- Q1 time jobs1/jobs2: $(ratio "${SECS[Q1-j1]:-}" "${SECS[Q1]:-}")" \
     "(${SECS[Q1-j1]:-n/a} s / ${SECS[Q1]:-n/a} s)"
echo "- Q1 peak RSS MiB: $(basename "$MID") ${RSS[Q1-mid]:-n/a}, $(basename "$BIG") ${RSS[Q1]:-n/a}," \
     "big/mid $(ratio "${RSS[Q1]:-}" "${RSS[Q1-mid]:-}")"

# ------------------------------------------------------------------ correctness
if [ -f "$OUT/Q1.out" ] && [ -f "$OUT/Q1-j1.out" ] && [ -n "${SECS[Q1]:-}" ] && [ -n "${SECS[Q1-j1]:-}" ]; then
    if cmp -s "$OUT/Q1.out" "$OUT/Q1-j1.out"; then
        echo "- Q1 output --jobs 1 vs --jobs 2: OK (byte-identical)"
    else
        echo "- Q1 output --jobs 1 vs --jobs 2: DIFFERENT ($OUT/Q1-j1.out vs $OUT/Q1.out)"
        FAILED=1
    fi
else
    echo "- Q1 output --jobs 1 vs --jobs 2: not checked (a run failed)"
fi
if [ -n "${SECS[C1]:-}" ]; then
    got=$(tr -d ' \r\n' < "$OUT/C1.out")
    if [ "$got" = "$ROWS" ]; then
        echo "- C1 count: OK ($got)"
    else
        echo "- C1 count: DIFFERENT (got '$got', expected $ROWS)"
        FAILED=1
    fi
fi

# ------------------------------------------------------------------ side-by-side comparison
if [ "${COMPARE:-0}" = 1 ]; then
    CMP=../shared/bench/compare.sh
    if [ ! -f "$CMP" ]; then
        echo "COMPARE=1: $CMP not found (relative to $ROOT); skipping the comparison" >&2
    else
        # compare.sh / run-anchors.sh read $BENCH_DIR/big.csv and only generate it when it
        # is missing or empty: give them a BENCH_DIR whose big.csv is our file.
        if [ -z "${BENCH_DIR:-}" ]; then
            BENCH_DIR=$ROOT/$B/compare
            mkdir -p "$BENCH_DIR" /tmp/pcsvbench/node
            # npm packages survive `make clean`: keep them in the kit's default place
            [ -e "$BENCH_DIR/node" ] || ln -s /tmp/pcsvbench/node "$BENCH_DIR/node"
        fi
        if [ ! -e "$BENCH_DIR/big.csv" ] || [ -L "$BENCH_DIR/big.csv" ]; then
            ln -sfn "$ROOT/$BIG" "$BENCH_DIR/big.csv"
        else
            echo "note: $BENCH_DIR/big.csv exists and is not ours; compare.sh will use it" >&2
        fi
        echo
        echo "## compare.sh (BENCH_DIR=$BENCH_DIR)"
        BENCH_DIR=$BENCH_DIR bash "$CMP" "$PCSV"
        rc=$?
        [ "$rc" = 0 ] || echo "warning: compare.sh exited with status $rc" >&2
    fi
fi

exit "$FAILED"
