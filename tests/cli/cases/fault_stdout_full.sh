#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Standard output on a full device (/dev/full): every command ends in
# "cannot write: No space left on device", exit 1. -o naming a device (here
# through a symlink to /dev/full) writes to it in place, as `>` does, and
# fails the same way; the symlink stays a symlink.
for c in "aggregate sales.csv --by region --agg sum:qty" "count sales.csv" "filter sales.csv" \
	"select 2,1 sales.csv" "head sales.csv -n 3" "headers sales.csv"; do
	"$PCSV" $c $VARY >/dev/full
	echo "$c: exit $?"
done
ln -s /dev/full "$TMP/full"
"$PCSV" count sales.csv -o "$TMP/full" $VARY 2>&1 | sed "s|$TMP/||"
echo "-o symlink to /dev/full: exit ${PIPESTATUS[0]}"
[ -L "$TMP/full" ] && [ -c "$TMP/full" ] && echo "the symlink still points to the device"
