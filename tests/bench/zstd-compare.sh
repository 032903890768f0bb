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
SELF=zstd-compare.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PCSV=$(readlink -f -- "${1:?usage: zstd-compare.sh PCSV_BINARY}")
BENCH_DIR=${BENCH_DIR:-$ROOT/build/bench/compare}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
. "$ROOT/tests/bench/compare-lib.sh"
ZST=$ROOT/build/bench/big.csv.zst
command -v zstd > /dev/null || { echo "zstd-compare.sh: zstd missing (make test installs it)" >&2; exit 2; }
if [ ! -s "$ZST" ] || [ "$BIG" -nt "$ZST" ]; then
    echo "compressing $BIG -> $ZST (zstd -3, one frame)" >&2
    mkdir -p "$(dirname "$ZST")" && zstd -q -3 -T0 -f "$BIG" -o "$ZST" || exit 2
fi

cat "$BIG" "$ZST" > /dev/null
Z=$(printf %q "$ZST")
declare -A wall rss
rows=(
    "pcsv, .zst file@@$P $Z"
    "pcsv, plain file@@$P $(printf %q "$BIG")"
    "pcsv, cat file \\| pcsv (stdin)@@cat $(printf %q "$BIG") | $P"
    "pcsv, zstd -dc \\| pcsv (stdin)@@zstd -dc $Z | $P"
    "DuckDB, .zst file@@$DUCKQ $Z /dev/stdout"
    "DuckDB, zstd -dc \\| DuckDB (stdin)@@zstd -dc $Z | $DUCKQ /dev/stdin /dev/stdout"
)
run_rows 4 ".zst $(($(stat -c %s "$ZST") / 1000000)) MB"
if [ -n "${wall[0]:-}" ] && [ -n "${wall[4]:-}" ] && [ -n "${wall[5]:-}" ]; then
    echo
    echo "pcsv on the .zst: $(echo "scale=2; ${wall[4]} / ${wall[0]}" | bc)x DuckDB on the .zst, $(echo "scale=2; ${wall[5]} / ${wall[0]}" | bc)x zstd -dc | DuckDB"
    bar 0 "<=" 5 "pcsv on the .zst is slower than zstd -dc | DuckDB"
    bar 0 "<" 4 "pcsv on the .zst is not faster than DuckDB on it"
fi
exit $fail
