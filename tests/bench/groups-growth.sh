#!/bin/bash
# groups-growth.sh PCSV_BINARY ["SIZES"]: how wall time and peak RSS of a group-by grow with
# the number of groups, pcsv against DuckDB (issue 13).
#
#   bash tests/bench/groups-growth.sh build/pcsv                          # 1k .. 20M groups
#   ROWS=200000 RUNS=1 bash tests/bench/groups-growth.sh build/pcsv "1000 100000"   # quick
#
# For each group count G in SIZES (default "1000 100000 1000000 10000000 20000000") a CSV
# `k,v` of ROWS rows (default 20,000,000) is generated once and cached in BENCH_DIR
# (groups-v1-G<G>-R<ROWS>.csv, 8-15 bytes a row): k is an integer key in [0,G), v a price
# 0.00..999.99 with 2 decimals. Row i belongs to round i / G; each round visits every key
# once, in its own pseudo-random order (a bijection of [0,2^m) by multiplies and xorshifts,
# cycle-walked into [0,G)), so with ROWS >= G every key appears and counts differ by at
# most one. The generator is C, compiled from this script into BENCH_DIR.
#
# Then, interleaved, RUNS times each (file in the page cache first):
#   PCSV aggregate FILE --by k --agg count,sum:v --jobs JOBS -o OUT
#   DuckDB: COPY (SELECT k, count(*), sum(v) FROM read_csv(FILE) GROUP BY k) TO OUT,
#           JOBS threads (tests/bench/groupq.mjs, the DuckDB node package of the shared kit)
# median wall seconds (a nanosecond clock around /usr/bin/time -f '%e %M') and peak RSS
# (%M). Both outputs are checked to hold min(G, ROWS) groups whose counts add up to ROWS.
#
# DuckDB is looked for where the shared kit installs it (BENCH_NODE_DIR, BENCH_DIR/node,
# build/bench/compare/node, /tmp/pcsvbench/node). If it is in none of them it is installed
# into BENCH_DIR/node with npm at the version pinned in ../shared/bench/setup-peers.sh,
# as compare.sh does on first use; NO_INSTALL=1 skips DuckDB instead.
#
# A WARN line follows the table for a size during whose runs other processes used more than
# BUSY_PCT (default 10) % of the machine's CPU (from /proc/stat, minus the runs' own CPU;
# runs under 1 s are not judged: clock ticks are too coarse for them).
#
# Environment: BENCH_DIR (default /work/benchdata), ROWS, RUNS (default 3), JOBS (default 2).
# Exit 1 if pcsv fails or an output is wrong, 2 on a setup error; timings never fail it.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "groups-growth.sh: $*" >&2; exit 2; }
PCSV=$(readlink -f -- "${1:?usage: groups-growth.sh PCSV_BINARY [\"SIZES\"]}")
[ -x "$PCSV" ] || die "$1: not an executable"
SIZES=${2:-"1000 100000 1000000 10000000 20000000"}
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
ROWS=${ROWS:-20000000}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
for g in $SIZES; do [[ $g =~ ^[1-9][0-9]*$ ]] || die "SIZES: '$g' is not a positive integer"; done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
# the shared kit: ../shared/bench beside the repository, or beside the main checkout when
# this is a git worktree; BENCH_KIT overrides
KIT=${BENCH_KIT:-$ROOT/../shared/bench}
if [ ! -d "$KIT" ] && common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2> /dev/null); then
    KIT=$(dirname "$common")/../shared/bench
fi

# ---------------------------------------------------------------- the generator
GEN=$BENCH_DIR/groups-gen
cat > "$GEN.c.new" <<'EOF'
/* groups-gen G ROWS: "k,v" CSV on stdout (see tests/bench/groups-growth.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix64(uint64_t x) { /* splitmix64's finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: groups-gen G ROWS\n"); return 2; }
    uint64_t g = strtoull(argv[1], 0, 10), rows = strtoull(argv[2], 0, 10);
    if (g == 0) { fprintf(stderr, "groups-gen: G must be > 0\n"); return 2; }
    unsigned m = 1;
    while (m < 64 && (1ULL << m) < g) m++;
    uint64_t mask = (m == 64) ? ~0ULL : (1ULL << m) - 1, h = m / 2 + 1;
    static char buf[1 << 16];
    size_t n = 0;
    n += (size_t)sprintf(buf, "k,v\n");
    for (uint64_t i = 0; i < rows; i++) {
        uint64_t round = i / g, x = i % g;
        uint64_t a = (mix64(round * 2 + 1) | 1) & mask, b = mix64(round * 2 + 2) & mask;
        do { /* a bijection of [0,2^m), walked until it lands in [0,g) */
            x = (x * 0x9e3779b97f4a7c15ULL + b) & mask;
            x ^= x >> h;
            x = (x * a) & mask;
            x ^= x >> h;
        } while (x >= g);
        uint64_t cents = mix64(i ^ 0x5eed) % 100000;
        char tmp[48], *p = tmp + sizeof tmp;
        *--p = '\n';
        *--p = (char)('0' + cents % 10); cents /= 10;
        *--p = (char)('0' + cents % 10); cents /= 10;
        *--p = '.';
        do { *--p = (char)('0' + cents % 10); cents /= 10; } while (cents);
        *--p = ',';
        do { *--p = (char)('0' + x % 10); x /= 10; } while (x);
        size_t len = (size_t)(tmp + sizeof tmp - p);
        if (n + len > sizeof buf) {
            if (fwrite(buf, 1, n, stdout) != n) return 1;
            n = 0;
        }
        for (size_t j = 0; j < len; j++) buf[n + j] = p[j];
        n += len;
    }
    if (fwrite(buf, 1, n, stdout) != n || fflush(stdout)) return 1;
    return 0;
}
EOF
if [ ! -x "$GEN" ] || ! cmp -s "$GEN.c.new" "$GEN.c"; then
    mv "$GEN.c.new" "$GEN.c" || die "cannot write $GEN.c"
    ${CC:-cc} -O2 -o "$GEN" "$GEN.c" || die "cannot compile $GEN.c"
else
    rm -f "$GEN.c.new"
fi
datafile() { echo "$BENCH_DIR/groups-v1-G$1-R$ROWS.csv"; }
for g in $SIZES; do
    f=$(datafile "$g")
    if [ ! -s "$f" ]; then
        echo "generating $f" >&2
        if ! "$GEN" "$g" "$ROWS" > "$f.tmp.$$"; then rm -f "$f.tmp.$$"; die "cannot generate $f"; fi
        mv "$f.tmp.$$" "$f" || die "cannot write $f"
    fi
done

# ---------------------------------------------------------------- DuckDB
DUCK=
for d in "${BENCH_NODE_DIR:-}" "$BENCH_DIR/node" "$ROOT/build/bench/compare/node" /tmp/pcsvbench/node; do
    if [ -n "$d" ] && [ -d "$d/node_modules/@duckdb/node-api" ]; then DUCK=$d; break; fi
done
if [ -z "$DUCK" ] && [ "${NO_INSTALL:-0}" != 1 ] && command -v npm > /dev/null; then
    # shellcheck disable=SC2016 # the $ is setup-peers.sh's, matched literally
    ver=$(sed -n 's/^DUCKDB_NODE_VERSION=\${DUCKDB_NODE_VERSION:-\([^}]*\)}.*/\1/p' "$KIT/setup-peers.sh" 2> /dev/null)
    echo "installing @duckdb/node-api@${ver:-?} into $BENCH_DIR/node (as ../shared/bench/compare.sh does)" >&2
    if [ -n "$ver" ] && mkdir -p "$BENCH_DIR/node" &&
        (cd "$BENCH_DIR/node" && { [ -f package.json ] || npm init -y > /dev/null; } &&
         npm install --no-audit --no-fund "@duckdb/node-api@$ver" > /dev/null); then
        DUCK=$BENCH_DIR/node
    else
        echo "groups-growth.sh: could not install DuckDB: its columns stay empty" >&2
    fi
fi
command -v node > /dev/null || DUCK=
[ -n "$DUCK" ] || echo "groups-growth.sh: DuckDB not available: its columns are n/a" >&2

# ---------------------------------------------------------------- timing
T=$(mktemp -d "$BENCH_DIR/groups-growth.XXXXXX") || die "cannot create a scratch directory"
trap 'rm -rf "$T"' EXIT
# Run a private copy: the binary under test may be rebuilt while this runs (a shared tree's
# make), and a table of two different builds would prove nothing.
cp -- "$PCSV" "$T/pcsv" || die "cannot copy $PCSV"
BIN="$PCSV ($(date -u -r "$PCSV" +%H:%M:%S) UTC, md5 $(md5sum < "$T/pcsv" | cut -c1-12))"
PCSV=$T/pcsv
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# machine-wide busy clock ticks, all CPUs (/proc/stat)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
HZ=$(getconf CLK_TCK) NCPU=$(nproc)
# timed OUT CMD...: one run; appends "wall_s rss_kib foreign_pct" to $T/times.<basename OUT>
# (foreign_pct: CPU time of OTHER processes during the run, in % of the machine); 1 on failure
timed() {
    local out=$1 t0 t1 b0 b1; shift
    b0=$(busy) t0=$(date +%s.%N)
    if ! /usr/bin/time -o "$T/time" -f '%e %M %U %S' "$@" > "$T/stdout" 2> "$T/err"; then
        echo "groups-growth.sh: failed: $*" >&2; tail -n 5 "$T/err" >&2; return 1
    fi
    t1=$(date +%s.%N) b1=$(busy)
    # %e has 1/100 s resolution: the wall clock is taken around it with nanoseconds
    tail -n 1 "$T/time" | awk -v a="$t0" -v b="$t1" -v ticks=$((b1 - b0)) -v hz="$HZ" -v c="$NCPU" '
        { w = b - a; f = ticks / hz - ($3 + $4); if (f < 0) f = 0
          printf "%.3f %s %.0f\n", w, $2, (w >= 1) ? 100 * f / (w * c) : 0 }' >> "$T/times.$(basename "$out")"
}
# check OUT G: min(G, ROWS) groups, counts adding up to ROWS (column 2 is the count)
check() {
    local want=$(( $2 < ROWS ? $2 : ROWS ))
    awk -F, -v want="$want" -v rows="$ROWS" 'NR > 1 { n++; s += $2 }
        END { if (n != want || s != rows) { printf "%d groups (want %d), counts add up to %d (want %d)\n", n, want, s, rows; exit 1 } }' "$1"
}
lines=() warns=() fails=()
for g in $SIZES; do
    f=$(datafile "$g")
    rm -f "$T"/times.*
    cat "$f" > /dev/null
    ok_p=1 ok_d=1 pbad=failed
    for ((r = 0; r < RUNS; r++)); do
        if [ "$ok_p" = 1 ]; then
            timed "$T/pcsv.csv" "$PCSV" aggregate "$f" --by k --agg count,sum:v --jobs "$JOBS" -o "$T/pcsv.csv" ||
                { ok_p=0; fails+=("FAIL G=$g: pcsv failed (its message is on stderr)"); }
        fi
        if [ -n "$DUCK" ] && [ "$ok_d" = 1 ]; then
            BENCH_NODE_DIR=$DUCK DUCKDB_THREADS=$JOBS timed "$T/duck.csv" node "$ROOT/tests/bench/groupq.mjs" "$f" "$T/duck.csv" || ok_d=0
        fi
    done
    if [ "$ok_p" = 1 ]; then
        msg=$(check "$T/pcsv.csv" "$g") || { fails+=("FAIL G=$g: pcsv's output: $msg"); ok_p=0 pbad=wrong; }
    fi
    if [ -n "$DUCK" ] && [ "$ok_d" = 1 ]; then
        msg=$(check "$T/duck.csv" "$g") || { warns+=("WARN G=$g: DuckDB's output: $msg"); ok_d=0; }
    fi
    pw=- pm=- dw=- dm=- ratio=-
    if [ "$ok_p" = 1 ]; then
        pw=$(awk '{print $1}' "$T/times.pcsv.csv" | median | awk '{printf "%.3f", $1}')
        pm=$(awk '{print $2}' "$T/times.pcsv.csv" | median | awk '{printf "%.0f", $1 / 1024}')
    else
        pw=$pbad
    fi
    if [ -z "$DUCK" ]; then
        dw=n/a dm=n/a
    elif [ "$ok_d" = 1 ]; then
        dw=$(awk '{print $1}' "$T/times.duck.csv" | median | awk '{printf "%.3f", $1}')
        dm=$(awk '{print $2}' "$T/times.duck.csv" | median | awk '{printf "%.0f", $1 / 1024}')
        [ "$ok_p" = 1 ] && ratio=$(awk -v d="$dw" -v p="$pw" 'BEGIN { printf "%.2fx", (p > 0) ? d / p : 0 }')
    else
        dw=failed
    fi
    lines+=("| $g | $pw | $pm | $dw | $dm | $ratio |")
    busiest=$(cat "$T"/times.* 2> /dev/null | awk '$3 > m { m = $3 } END { print m + 0 }')
    [ "$busiest" -le "${BUSY_PCT:-10}" ] ||
        warns+=("WARN G=$g: other processes used up to $busiest% of the machine's CPU during these runs: rerun before trusting the times")
    echo "G=$g: pcsv $pw s / $pm MiB, DuckDB $dw s / $dm MiB" >&2
done
rm -f "$T"/*.csv

echo
echo "pcsv: $BIN"
echo "$ROWS rows \`k,v\`, \`aggregate --by k --agg count,sum:v --jobs $JOBS\` against DuckDB \`GROUP BY k\` at $JOBS threads; median of $RUNS, wall s / peak RSS MiB; ratio = DuckDB s / pcsv s"
echo
echo "| groups | pcsv s | pcsv MiB | DuckDB s | DuckDB MiB | ratio |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${lines[@]}"
[ ${#warns[@]} = 0 ] || { echo; printf '%s\n' "${warns[@]}"; }
[ ${#fails[@]} = 0 ] || { echo; printf '%s\n' "${fails[@]}"; exit 1; }
exit 0
