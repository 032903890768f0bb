#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A full disk during -o: a 16 KiB tmpfs mounted for the test (needs root with
# CAP_SYS_ADMIN, as `make test` runs here; elsewhere the case fails and says
# why, rather than pass without testing). Exit 1 with "No space left on
# device", the old output byte-identical, no temporary file left; a result
# that fits is still written.
cd "$TMP" || exit 1
awk 'BEGIN { srand(2); print "k,a,b"; for (i = 0; i < 3000; i++) print i "," int(rand() * 1e9) "," int(rand() * 1e9) }' >in.csv
mkdir d
if ! mount -t tmpfs -o size=16k pcsv-test d 2>/dev/null; then
	echo "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): the full-disk case cannot run"
	exit 1
fi
trap 'umount d' EXIT
printf 'OLD,CONTENT\n' >d/out.csv
cp d/out.csv d/out.csv.zst
for out in d/out.csv d/out.csv.zst; do
	"$PCSV" select b,a,k in.csv -o "$out" $VARY
	echo "-o $out: exit $?"
	cmp -s "$out" <(printf 'OLD,CONTENT\n') && echo "-o $out: old content kept"
done
echo "directory: [$(ls -A d | paste -sd ' ' -)]"
"$PCSV" count in.csv -o d/out.csv $VARY
echo "a result that fits: exit $?, out.csv: $(cat d/out.csv)"
rm -f in.csv
