#!/usr/bin/env bash
# A mapped file that shrinks while pcsv reads it: "file changed while
# reading", exit 1, never SIGBUS (io/mapfile.c). The file is a 512 MiB
# sparse one (a header and one field of NULs: no disk used); it is cut to
# 1 MiB as soon as pcsv has mapped it (seen in /proc/PID/maps), long before
# pcsv can have read it all. Runs once (.once).
cd "$TMP" || exit 1
printf 'a,b\n1,' >big.csv
truncate -s 512M big.csv
printf '\n2,y\n' >>big.csv
for c in count "filter --where a==2" "count --parser libcsv"; do
	"$PCSV" $c big.csv --jobs 2 &
	p=$!
	for _ in $(seq 500); do
		grep -q "$TMP/big.csv" /proc/$p/maps 2>/dev/null && break
	done
	truncate -s 1M big.csv
	wait $p
	echo "$c: exit $?"
	truncate -s 512M big.csv
	printf '\n2,y\n' >>big.csv
done
rm -f big.csv
