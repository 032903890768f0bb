# compare-lib.sh - sourced by zstd-compare.sh and gzip-compare.sh: time the issue-4 query
# (aggregate --by country --agg count,sum:price) over several inputs and check every answer
# against DuckDB's. The caller sets SELF (its name, for messages), ROOT, PCSV, BENCH_DIR, RUNS,
# JOBS; this sets BIG, the node packages' place, a scratch directory T and the query P.
BIG=$BENCH_DIR/big.csv
export BENCH_NODE_DIR=$BENCH_DIR/node DUCKDB_THREADS=$JOBS
[ -s "$BIG" ] || { echo "$SELF: $BIG missing (run ../shared/bench/compare.sh first)" >&2; exit 2; }
[ -d "$BENCH_NODE_DIR/node_modules/@duckdb" ] || { echo "$SELF: DuckDB's node package missing in $BENCH_NODE_DIR (run ../shared/bench/compare.sh first)" >&2; exit 2; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
BYTES=$(stat -L -c %s "$BIG")
P=$(printf '%q ' "$PCSV" aggregate --by country --agg count,sum:price --jobs "$JOBS")
DUCKQ="node $(printf %q "$ROOT/tests/bench/zstq.mjs")" # DuckDB: duckq INPUT /dev/stdout

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# run NAME OUT SHELL-COMMAND: a warm-up, then RUNS timed runs of bash -c; prints "wall rss_mib"
# (peak RSS of the whole pipeline's biggest process, as /usr/bin/time sees bash's children)
run() {
    local name=$1 out=$2 cmd=$3 w=() r=() i t0 t1
    bash -c "$cmd" > "$out" 2> "$T/err" || { echo "$SELF: $name failed:" >&2; cat "$T/err" >&2; return 1; }
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

# run_rows REF INPUTS: time each "name@@shell command" of the array rows, check every answer
# against row REF's (DuckDB's), print the table (INPUTS describes the files); fills wall[i] and
# rss[i] (declare -A them first) and sets fail=1 on any failure or wrong answer
run_rows() {
    local ref=$1 inputs=$2 row name cmd w m i=0
    fail=0
    for row in "${rows[@]}"; do
        name=${row%%@@*} cmd=${row#*@@}
        if read -r w m < <(run "$name" "$T/out$i" "$cmd"); then
            wall[$i]=$w rss[$i]=$m
        else
            fail=1
        fi
        i=$((i + 1))
    done
    norm "$T/out$ref" > "$T/want"
    for ((i = 0; i < ${#rows[@]}; i++)); do
        [ "$i" = "$ref" ] && continue
        norm "$T/out$i" | cmp -s - "$T/want" || { echo "$SELF: answer $i (${rows[$i]%%@@*}) differs from DuckDB's" >&2; fail=1; }
    done
    echo
    echo "| $(basename "$BIG") ($((BYTES / 1000000)) MB; $inputs), $JOBS threads, \`aggregate --by country --agg count,sum:price\` | median s | MB/s | peak RSS MiB |"
    echo "|---|---|---|---|"
    for ((i = 0; i < ${#rows[@]}; i++)); do
        [ -n "${wall[$i]:-}" ] && echo "| ${rows[$i]%%@@*} | ${wall[$i]} | $(echo "$BYTES / ${wall[$i]} / 1000000" | bc) | ${rss[$i]} |"
    done
    return 0
}
# bar A OP B WHAT: wall[A] OP wall[B] (OP < or <=) holds, or WHAT is said and fail=1
bar() {
    [ "$(echo "${wall[$1]} $2 ${wall[$3]}" | bc)" = 1 ] || { echo "$SELF: $4" >&2; fail=1; }
}
