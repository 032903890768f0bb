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
SELF=gzip-compare.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PCSV=$(readlink -f -- "${1:?usage: gzip-compare.sh PCSV_BINARY}")
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench/compare}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
. "$ROOT/tests/bench/compare-lib.sh"
GZ=${GZ:-$ROOT/build/bench/big.csv.gz}
if [ ! -s "$GZ" ] || [ "$BIG" -nt "$GZ" ]; then
    echo "compressing $BIG -> $GZ (gzip -6, one member)" >&2
    mkdir -p "$(dirname "$GZ")" && gzip -6 -c "$BIG" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ" || exit 2
fi

cat "$GZ" > /dev/null
G=$(printf %q "$GZ")
declare -A wall rss
rows=(
    "pcsv, .gz file@@$P $G"
    "pcsv, gzip -dc \\| pcsv (stdin)@@gzip -dc $G | $P"
    "DuckDB, .gz file@@$DUCKQ $G /dev/stdout"
)
command -v pigz > /dev/null && rows+=("pcsv, pigz -dc \\| pcsv (stdin)@@pigz -dc $G | $P")
run_rows 2 ".gz $(($(stat -c %s "$GZ") / 1000000)) MB"
if [ -n "${wall[0]:-}" ] && [ -n "${wall[1]:-}" ] && [ -n "${wall[2]:-}" ]; then
    echo
    echo "pcsv on the .gz: $(echo "scale=2; ${wall[1]} / ${wall[0]}" | bc)x gzip -dc | pcsv, $(echo "scale=2; ${wall[2]} / ${wall[0]}" | bc)x DuckDB on the .gz"
    bar 0 "<=" 1 "pcsv on the .gz is slower than gzip -dc | pcsv"
    bar 0 "<" 2 "pcsv on the .gz is not faster than DuckDB on it"
fi
exit $fail
