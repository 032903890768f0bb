#!/bin/bash
# zstd-compare.sh PCSV_BINARY: issue 4's speed bar, side by side with DuckDB on the 2 GB file.
#   pcsv aggregate big.csv.zst --by country --agg count,sum:price --jobs 2
# against DuckDB (tests/bench/zstq.mjs, 2 threads) reading the .zst itself and reading
# `zstd -dc big.csv.zst` from a pipe; and pcsv on the plain file and on `cat big.csv |`,
# for stdin against file throughput. RUNS timed runs after one warm-up each; median wall
# seconds, MB/s of uncompressed CSV, peak RSS. Every answer is checked against DuckDB's
# (same counts; sums equal to the cent). Exit 1 when pcsv on the .zst is slower than
# `zstd -dc | DuckDB` or not faster than DuckDB on the .zst (rerun on a busy machine).
#
# Environment: BENCH_DIR (default build/bench/compare: big.csv there, node packages in
# node/; ../shared/bench/compare.sh sets both up), RUNS (default 3), JOBS (default 2).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PCSV=$(readlink -f -- "${1:?usage: zstd-compare.sh PCSV_BINARY}")
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench/compare}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
BIG=$BENCH_DIR/big.csv
ZST=$ROOT/build/bench/big.csv.zst
export BENCH_NODE_DIR=$BENCH_DIR/node DUCKDB_THREADS=$JOBS
[ -s "$BIG" ] || { echo "zstd-compare.sh: $BIG missing (run ../shared/bench/compare.sh first)" >&2; exit 2; }
[ -d "$BENCH_NODE_DIR/node_modules/@duckdb" ] || { echo "zstd-compare.sh: DuckDB's node package missing in $BENCH_NODE_DIR (run ../shared/bench/compare.sh first)" >&2; exit 2; }
command -v zstd > /dev/null || { echo "zstd-compare.sh: zstd missing (make test installs it)" >&2; exit 2; }
if [ ! -s "$ZST" ] || [ "$BIG" -nt "$ZST" ]; then
    echo "compressing $BIG -> $ZST (zstd -3, one frame)" >&2
    zstd -q -3 -T0 -f "$BIG" -o "$ZST" || exit 2
fi
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
BYTES=$(stat -L -c %s "$BIG")
Q=(aggregate --by country --agg count,sum:price --jobs "$JOBS")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# run NAME OUT SHELL-COMMAND: a warm-up, then RUNS timed runs of bash -c; prints "wall rss_mib"
# (peak RSS of the whole pipeline's biggest process, as /usr/bin/time sees bash's children)
run() {
    local name=$1 out=$2 cmd=$3 w=() r=() i t0 t1
    bash -c "$cmd" > "$out" 2> "$T/err" || { echo "zstd-compare.sh: $name failed:" >&2; cat "$T/err" >&2; return 1; }
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s.%N)
        /usr/bin/time -o "$T/rss" -f '%M' bash -c "$cmd" > "$out" 2> /dev/null
        t1=$(date +%s.%N)
        w+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
        r+=("$(tail -1 "$T/rss")")
    done
    echo "$(printf '%s\n' "${w[@]}" | median) $(printf '%s\n' "${r[@]}" | median | awk '{printf "%.0f", $1/1024}')"
}
# the answer as "country count sum-in-cents", sorted
norm() { tail -n +2 "$1" | awk -F, '{printf "%s %s %.0f\n", $1, $2, $3 * 100}' | sort; }

cat "$BIG" "$ZST" > /dev/null
P=$(printf '%q ' "$PCSV" "${Q[@]}")
declare -A wall rss
rows=(
    "pcsv, .zst file@@$P $(printf %q "$ZST")"
    "pcsv, plain file@@$P $(printf %q "$BIG")"
    "pcsv, cat file \\| pcsv (stdin)@@cat $(printf %q "$BIG") | $P"
    "pcsv, zstd -dc \\| pcsv (stdin)@@zstd -dc $(printf %q "$ZST") | $P"
    "DuckDB, .zst file@@node $(printf %q "$ROOT/tests/bench/zstq.mjs") $(printf %q "$ZST") /dev/stdout"
    "DuckDB, zstd -dc \\| DuckDB (stdin)@@zstd -dc $(printf %q "$ZST") | node $(printf %q "$ROOT/tests/bench/zstq.mjs") /dev/stdin /dev/stdout"
)
fail=0 i=0
for row in "${rows[@]}"; do
    name=${row%%@@*} cmd=${row#*@@}
    read -r w m < <(run "$name" "$T/out$i" "$cmd") || { fail=1; i=$((i + 1)); continue; }
    wall[$i]=$w rss[$i]=$m
    i=$((i + 1))
done
norm "$T/out4" > "$T/want"
for j in 0 1 2 3 5; do
    norm "$T/out$j" | cmp -s - "$T/want" || { echo "zstd-compare.sh: answer $j differs from DuckDB's on the .zst" >&2; fail=1; }
done
echo
echo "| $(basename "$BIG") ($((BYTES / 1000000)) MB; .zst $(($(stat -c %s "$ZST") / 1000000)) MB), $JOBS threads, \`aggregate --by country --agg count,sum:price\` | median s | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
i=0
for row in "${rows[@]}"; do
    name=${row%%@@*}
    if [ -n "${wall[$i]:-}" ]; then
        echo "| $name | ${wall[$i]} | $(echo "$BYTES / ${wall[$i]} / 1000000" | bc) | ${rss[$i]} |"
    fi
    i=$((i + 1))
done
if [ -n "${wall[0]:-}" ] && [ -n "${wall[4]:-}" ] && [ -n "${wall[5]:-}" ]; then
    echo
    echo "pcsv on the .zst: $(echo "scale=2; ${wall[4]} / ${wall[0]}" | bc)x DuckDB on the .zst, $(echo "scale=2; ${wall[5]} / ${wall[0]}" | bc)x zstd -dc | DuckDB"
    [ "$(echo "${wall[0]} <= ${wall[5]}" | bc)" = 1 ] || { echo "zstd-compare.sh: pcsv on the .zst is slower than zstd -dc | DuckDB" >&2; fail=1; }
    [ "$(echo "${wall[0]} < ${wall[4]}" | bc)" = 1 ] || { echo "zstd-compare.sh: pcsv on the .zst is not faster than DuckDB on it" >&2; fail=1; }
fi
exit $fail
