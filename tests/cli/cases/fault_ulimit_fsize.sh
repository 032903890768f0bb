#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A file-size limit (ulimit -f) reached while writing: pcsv ignores SIGXFSZ,
# so the write fails with EFBIG and the run ends in "File too large", exit 1
# (found here: the default SIGXFSZ killed pcsv and left the -o temporary file
# behind). The old -o file is kept byte for byte and no temporary file stays.
cd "$TMP" || exit 1
# ~70 KB of random digits: past a 4 KiB limit as csv and as zstd
awk 'BEGIN { srand(1); print "k,a,b"; for (i = 0; i < 3000; i++) print i "," int(rand() * 1e9) "," int(rand() * 1e9) }' >in.csv
mkdir o
printf 'OLD,CONTENT\n' >o/out.csv
cp o/out.csv o/out.csv.zst
for out in o/out.csv o/out.csv.zst; do
	(ulimit -f 4; exec "$PCSV" filter in.csv --where 'k >= 0' -o "$out" $VARY)
	echo "-o $out: exit $?"
	cmp -s "$out" <(printf 'OLD,CONTENT\n') && echo "-o $out: old content kept"
done
echo "directory: [$(ls -A o | paste -sd ' ' -)]"
(ulimit -f 4; exec "$PCSV" select b,k in.csv $VARY >stdout.csv)
echo "stdout to a file: exit $?"
rm -f in.csv stdout.csv
