#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A 20 MB input, larger than a stream buffer (16 MiB): bad rows before, at
# and after the buffer boundaries, some with quoted line breaks. The rejects
# from the mapped file, from a pipe and from zstd on a pipe are the same but
# for the file column. (--chunk-size is not varied: tiny chunks of 20 MB
# would only make the case slow.)
vary=${VARY%%--chunk-size*}
cd "$TMP" || exit 1
awk 'BEGIN {
	print "id,name,qty"; n = 12
	for (i = 1; i <= 1100000; i++) {
		if (n > 16777216 - 40 && !near) { # a bad row across the first buffer end
			near = 1
			r = sprintf("%d,\"bad\nrow across the 16 MiB mark, %d\"\n", i, i)
		} else if (i % 61111 == 0) r = sprintf("%d,\"bad\nrow %d\"\n", i, i)
		else if (i % 97777 == 0) r = sprintf("%d,n%d,x%d\n", i, i, i)
		else r = sprintf("%d,name-%d,%d\n", i, i % 1000, i % 7)
		printf "%s", r; n += length(r)
	}
}' >big.csv
wc -c <big.csv
"$PCSV" aggregate big.csv --agg count,sum:qty --rejects "$TMP/file.csv" $vary
echo "exit $?"
cat "$TMP/file.csv"
cat big.csv | "$PCSV" aggregate --agg count,sum:qty --rejects "$TMP/pipe.csv" $vary
zstd -q -c big.csv | "$PCSV" aggregate --agg count,sum:qty --rejects "$TMP/zst.csv" $vary
for s in pipe zst; do
	if cmp -s <(sed 's/^<stdin>,//' "$TMP/$s.csv") <(sed 's/^big\.csv,//' "$TMP/file.csv"); then
		echo "$s: same rejects as the file"
	else
		echo "$s: DIFFERENT rejects"
	fi
done
