#!/usr/bin/env bash
# Issue 11: the SIGBUS guard of mapped files (io/mapfile.c) held 64 entries,
# so from the 65th input on a file that shrank while read through its
# mapping (--parser libcsv reads the mapping) crashed pcsv with SIGBUS.
# 100 inputs, all open at once; the last is a 512 MiB sparse file (a
# header and one field of NULs) cut to 1 MiB as soon as pcsv has mapped it
# (seen in /proc/PID/maps, as in hostile_truncated_while_mapped), long
# before pcsv can have read it all: "file changed while reading", exit 1.
# Runs once (.once).
cd "$TMP" || exit 1
for i in $(seq 1 99); do printf 'a,b\n%d,x\n' "$i" >"f$i.csv"; done
mk() {
	printf 'a,b\n1,' >big.csv
	truncate -s 512M big.csv
	printf '\n2,y\n' >>big.csv
}
files=()
for i in $(seq 1 99); do files+=("f$i.csv"); done
files+=(big.csv)
for c in "count --parser libcsv" "aggregate --by a --parser libcsv" count; do
	mk
	# shellcheck disable=SC2086 # $c is split on purpose
	"$PCSV" $c "${files[@]}" --jobs 2 &
	p=$!
	# (up to 10 s: a sanitizer build on a busy machine opens 100 files slowly)
	for _ in $(seq 1000); do
		grep -q "$TMP/big.csv" /proc/$p/maps 2>/dev/null && break
		sleep 0.01
	done
	truncate -s 1M big.csv
	wait $p
	echo "$c, 100 files, the last one shrinking: exit $?"
done
rm -f big.csv
echo "--- 100 files, none shrinking"
printf 'a,b\n100,x\n' >f100.csv
"$PCSV" count --parser libcsv f*.csv
