#!/bin/bash
# gzip-compare.sh PCSV_BINARY: issue 15's speed bar for gzip input, on the 2 GB file.
#   pcsv aggregate big.csv.gz --by country --agg count,sum:price --jobs 2
# against `gzip -dc big.csv.gz | pcsv aggregate ...` (and `pigz -dc |` when pigz is there)
# and DuckDB (tests/bench/zstq.mjs, 2 threads) reading the .gz itself. RUNS timed runs after
# one warm-up each; median wall seconds, MB/s of uncompressed CSV, peak RSS. Every answer is
# checked against DuckDB's (same counts; sums equal to the cent). Exit 1 when pcsv on the .gz
# is slower than `gzip -dc | pcsv` or not faster than DuckDB on the .gz (rerun on a busy
# machine).
#
# Environment: BENCH_DIR (default build/bench/compare: big.csv there, node packages in
# node/; ../shared/bench/compare.sh sets both up), GZ (default build/bench/big.csv.gz, made
# from big.csv with gzip -6 when missing), RUNS (default 3), JOBS (default 2).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PCSV=$(readlink -f -- "${1:?usage: gzip-compare.sh PCSV_BINARY}")
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench/compare}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
BIG=$BENCH_DIR/big.csv
GZ=${GZ:-$ROOT/build/bench/big.csv.gz}
export BENCH_NODE_DIR=$BENCH_DIR/node DUCKDB_THREADS=$JOBS
[ -s "$BIG" ] || { echo "gzip-compare.sh: $BIG missing (run ../shared/bench/compare.sh first)" >&2; exit 2; }
[ -d "$BENCH_NODE_DIR/node_modules/@duckdb" ] || { echo "gzip-compare.sh: DuckDB's node package missing in $BENCH_NODE_DIR (run ../shared/bench/compare.sh first)" >&2; exit 2; }
if [ ! -s "$GZ" ] || [ "$BIG" -nt "$GZ" ]; then
    echo "compressing $BIG -> $GZ (gzip -6, one member)" >&2
    mkdir -p "$(dirname "$GZ")" && gzip -6 -c "$BIG" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ" || exit 2
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
    bash -c "$cmd" > "$out" 2> "$T/err" || { echo "gzip-compare.sh: $name failed:" >&2; cat "$T/err" >&2; return 1; }
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

cat "$GZ" > /dev/null
P=$(printf '%q ' "$PCSV" "${Q[@]}")
declare -A wall rss
rows=(
    "pcsv, .gz file@@$P $(printf %q "$GZ")"
    "pcsv, gzip -dc \\| pcsv (stdin)@@gzip -dc $(printf %q "$GZ") | $P"
    "DuckDB, .gz file@@node $(printf %q "$ROOT/tests/bench/zstq.mjs") $(printf %q "$GZ") /dev/stdout"
)
command -v pigz > /dev/null && rows+=("pcsv, pigz -dc \\| pcsv (stdin)@@pigz -dc $(printf %q "$GZ") | $P")
fail=0 i=0
for row in "${rows[@]}"; do
    name=${row%%@@*} cmd=${row#*@@}
    read -r w m < <(run "$name" "$T/out$i" "$cmd") || { fail=1; i=$((i + 1)); continue; }
    wall[$i]=$w rss[$i]=$m
    i=$((i + 1))
done
norm "$T/out2" > "$T/want"
for ((j = 0; j < ${#rows[@]}; j++)); do
    [ "$j" = 2 ] && continue
    norm "$T/out$j" | cmp -s - "$T/want" || { echo "gzip-compare.sh: answer $j differs from DuckDB's on the .gz" >&2; fail=1; }
done
echo
echo "| $(basename "$BIG") ($((BYTES / 1000000)) MB; .gz $(($(stat -c %s "$GZ") / 1000000)) MB), $JOBS threads, \`aggregate --by country --agg count,sum:price\` | median s | MB/s | peak RSS MiB |"
echo "|---|---|---|---|"
i=0
for row in "${rows[@]}"; do
    name=${row%%@@*}
    if [ -n "${wall[$i]:-}" ]; then
        echo "| $name | ${wall[$i]} | $(echo "$BYTES / ${wall[$i]} / 1000000" | bc) | ${rss[$i]} |"
    fi
    i=$((i + 1))
done
if [ -n "${wall[0]:-}" ] && [ -n "${wall[1]:-}" ] && [ -n "${wall[2]:-}" ]; then
    echo
    echo "pcsv on the .gz: $(echo "scale=2; ${wall[1]} / ${wall[0]}" | bc)x gzip -dc | pcsv, $(echo "scale=2; ${wall[2]} / ${wall[0]}" | bc)x DuckDB on the .gz"
    [ "$(echo "${wall[0]} <= ${wall[1]}" | bc)" = 1 ] || { echo "gzip-compare.sh: pcsv on the .gz is slower than gzip -dc | pcsv" >&2; fail=1; }
    [ "$(echo "${wall[0]} < ${wall[2]}" | bc)" = 1 ] || { echo "gzip-compare.sh: pcsv on the .gz is not faster than DuckDB on it" >&2; fail=1; }
fi
exit $fail
