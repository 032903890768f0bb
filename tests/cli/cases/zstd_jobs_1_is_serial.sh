#!/usr/bin/env bash
# --jobs is io/'s thread budget too (issue 12): at --jobs 1 a .zst input of
# several frames (pzstd's) is decoded by the reader alone and -o FILE.zst
# is compressed by the writer alone, so pcsv starts exactly as many threads
# as for the same rows from a plain pipe into a plain file; at --jobs 2 and
# 4 the decoders and libzstd's workers join. The threads are counted with
# strace (clone with CLONE_THREAD); without a working strace that part
# prints its expected line unchecked (test_instream.c and test_outsink.c
# count the threads too). The results are byte-identical at every --jobs.
# Runs once (.once): it sets --jobs itself.
cd "$TMP" || exit 1
threads() { # threads started by: pcsv ARGS... (LeakSanitizer cannot run under ptrace)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=clone,clone3 -o st "$PCSV" "$@" || { echo "failed: $*" >&2; return 1; }
	grep -c CLONE_THREAD st
}
for j in 1 2 4; do
	"$PCSV" filter "$TD/sales.pz.csv.zst" --where 'qty >= 1' --jobs $j -o "o$j.csv.zst"
	echo "--jobs $j: exit $?"
	zstd -qdc "o$j.csv.zst" >"o$j.csv"
done
cat o1.csv
cmp o1.csv o2.csv && cmp o1.csv o4.csv && echo "--jobs 1, 2, 4: byte-identical"
if strace -f -qq -o /dev/null true 2>/dev/null; then
	z=$(threads filter "$TD/sales.pz.csv.zst" --where 'qty >= 1' --jobs 1 -o z.csv.zst)
	p=$(cat "$TD/sales.csv" | threads filter --where 'qty >= 1' --jobs 1 -o p.csv)
	[ -n "$z" ] && [ "$z" = "$p" ] && echo "--jobs 1: no thread for zstd" ||
		echo "--jobs 1: $z threads with zstd, $p without"
	z=$(threads filter "$TD/sales.pz.csv.zst" --where 'qty >= 1' --jobs 2 -o z.csv.zst)
	p=$(cat "$TD/sales.csv" | threads filter --where 'qty >= 1' --jobs 2 -o p.csv)
	[ -n "$z" ] && [ -n "$p" ] && [ "$z" -gt "$p" ] && echo "--jobs 2: zstd threads join" ||
		echo "--jobs 2: $z threads with zstd, $p without"
else
	echo "--jobs 1: no thread for zstd"
	echo "--jobs 2: zstd threads join"
fi
