#!/bin/bash
# memtest.sh PCSV_BINARY: peak RSS of a low-cardinality aggregate must not
# grow with the input: 200 MB against 4 GB, for a mapped file, for standard
# input from a pipe, and for .zst input. Fails (exit 1) when the 4 GB figure
# is more than 10 % above the 200 MB one. Run by `make bench`; not a test of
# speed.
set -u
PCSV=$(readlink -f -- "${1:?usage: memtest.sh PCSV_BINARY}")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
B=build/bench
mkdir -p "$B"
[ -x "$B/gen" ] || ${CC:-cc} -O2 -o "$B/gen" tests/bench/gen.c || exit 2
command -v zstd >/dev/null || { echo "memtest: zstd is missing (make test installs it)"; exit 2; }
[ -x /usr/bin/time ] || { echo "memtest: /usr/bin/time is missing (apt-get install time)"; exit 2; }
SMALL=$B/mem-200M.csv BIG=$B/mem-4G.csv
[ -s "$SMALL" ] || "$B/gen" 2000000 7 > "$SMALL"
[ -s "$BIG" ] || "$B/gen" 40000000 7 > "$BIG"
for f in "$SMALL" "$BIG"; do [ -s "$f.zst" ] || zstd -q -T0 -3 -f "$f" -o "$f.zst"; done
Q=(aggregate --by country --agg count,sum:price,mean:quantity --jobs 2)
rss1() { # mode file -> peak RSS in KiB of one run
    case $1 in
    file) /usr/bin/time -f %M "$PCSV" "${Q[@]}" "$2" 2>&1 >/dev/null | tail -1 ;;
    stdin) cat "$2" | /usr/bin/time -f %M "$PCSV" "${Q[@]}" 2>&1 >/dev/null | tail -1 ;;
    zst) /usr/bin/time -f %M "$PCSV" "${Q[@]}" "$2.zst" 2>&1 >/dev/null | tail -1 ;;
    esac
}
rss() { # the median of 5 runs: one run's peak also depends on address-space
        # randomisation (+-200 KiB even for /bin/true) and on scheduling
    local i
    for i in 1 2 3 4 5; do rss1 "$@"; done | sort -n | sed -n 3p
}
fail=0
echo "| input | 200 MB: peak RSS MiB | 4 GB: peak RSS MiB | ratio |"
echo "| --- | --- | --- | --- |"
for mode in file stdin zst; do
    a=$(rss $mode "$SMALL") b=$(rss $mode "$BIG")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
    ok=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.10) ? "ok" : "GREW" }')
    awk -v m=$mode -v a="$a" -v b="$b" -v r="$ratio" -v ok="$ok" \
        'BEGIN { printf "| %s | %.1f | %.1f | %s %s |\n", m, a / 1024, b / 1024, r, ok }'
    [ "$ok" = ok ] || fail=1
done
exit $fail
