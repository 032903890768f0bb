#!/bin/bash
# stats-compare.sh PCSV_BINARY: issue 5's bar, side by side with DuckDB on the 2 GB file.
#   1. the SPEC's two-key query Q2 through ../shared/bench/compare.sh (pcsv, DuckDB, Polars;
#      answers checked against DuckDB's);
#   2. `pcsv stats` against DuckDB's SUMMARIZE (tests/bench/summarize.mjs), 2 threads each,
#      RUNS timed runs after one warm-up, median wall seconds and peak RSS.
# Prints a Markdown table; exit 1 if pcsv is not at least 1.5x faster than DuckDB on Q2 or
# slower than DuckDB's SUMMARIZE on stats (timings on a busy machine are noise: rerun).
#
# Environment: BENCH_DIR (default build/bench/compare: big.csv there, node packages in
# node/), RUNS (default 3), JOBS (default 2), SKIP_Q2=1 to time stats only.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PCSV=$(readlink -f -- "${1:?usage: stats-compare.sh PCSV_BINARY}")
export BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench/compare}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
BIG=$BENCH_DIR/big.csv
CMP=$ROOT/../shared/bench/compare.sh
[ -f "$CMP" ] || { echo "stats-compare.sh: $CMP not found" >&2; exit 2; }
fail=0

q2_pcsv= q2_duck=
if [ "${SKIP_Q2:-0}" != 1 ]; then
    RUNS=$RUNS bash "$CMP" "$PCSV" "Q2" | tee /tmp/stats-compare.$$ || fail=1
    # the wall medians, from the kit's results (one line per file, peer and query)
    TSV=$BENCH_DIR/results/anchors.tsv
    if [ -f "$TSV" ]; then
        q2_duck=$(awk -F'\t' '$1=="big" && $2=="duckdb" && $3=="Q2" {v=$4} END {print v}' "$TSV")
        q2_pcsv=$(awk -F'\t' '$1=="big" && $2=="pcsv" && $3=="Q2" {v=$4} END {print v}' "$TSV")
    fi
    rm -f /tmp/stats-compare.$$
fi

[ -s "$BIG" ] || { echo "stats-compare.sh: $BIG missing (run compare.sh or make bench first)" >&2; exit 2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# time_runs CMD...: RUNS runs after a warm-up; prints "median_wall median_rss_mib"
time_runs() {
    "$@" > /dev/null 2>&1 || { echo "stats-compare.sh: failed: $*" >&2; return 1; }
    local w=() r=() i t0 t1 log=/tmp/stats-time.$$
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s.%N)
        /usr/bin/time -o "$log" -f '%M' "$@" > /dev/null 2>&1
        t1=$(date +%s.%N)
        w+=("$(echo "scale=2; ($t1 - $t0) / 1" | bc)")
        r+=("$(cat "$log")")
    done
    rm -f "$log"
    echo "$(printf '%s\n' "${w[@]}" | median) $(printf '%s\n' "${r[@]}" | median | awk '{printf "%.0f", $1/1024}')"
}
cat "$BIG" > /dev/null
read -r s_pcsv m_pcsv < <(time_runs "$PCSV" stats "$BIG" --jobs "$JOBS" -o /tmp/stats-pcsv.$$.csv)
read -r s_duck m_duck < <(DUCKDB_THREADS=$JOBS BENCH_NODE_DIR=$BENCH_DIR/node \
    time_runs node "$ROOT/tests/bench/summarize.mjs" "$BIG" /tmp/stats-duck.$$.csv)
rm -f /tmp/stats-pcsv.$$.csv /tmp/stats-duck.$$.csv

echo
echo "| $(basename "$BIG") ($(du -hL "$BIG" | cut -f1)), $JOBS threads | pcsv | DuckDB | DuckDB / pcsv |"
echo "|---|---|---|---|"
if [ -n "$q2_pcsv" ] && [ -n "$q2_duck" ]; then
    r=$(echo "scale=2; $q2_duck / $q2_pcsv" | bc)
    echo "| Q2 aggregate by category,country | ${q2_pcsv} s | ${q2_duck} s | ${r}x |"
    [ "$(echo "$r >= 1.5" | bc)" = 1 ] || { echo "Q2: less than 1.5x DuckDB" >&2; fail=1; }
fi
r=$(echo "scale=2; $s_duck / $s_pcsv" | bc)
echo "| stats vs SUMMARIZE | ${s_pcsv} s / ${m_pcsv} MiB | ${s_duck} s / ${m_duck} MiB | ${r}x |"
[ "$(echo "$r >= 1.0" | bc)" = 1 ] || { echo "stats: slower than DuckDB's SUMMARIZE" >&2; fail=1; }
exit $fail
