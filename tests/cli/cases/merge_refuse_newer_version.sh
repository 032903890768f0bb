#!/usr/bin/env bash
# A partial of a newer format version (the u32 little-endian at byte 8,
# README "Partial files", patched from 1 to 2 and to 4294967295) is
# refused clearly: exit 1, the file named; so is version 0. dump too.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv --by region --agg count --partial -o "$TMP/a" $VARY || exit
cd "$TMP" || exit
setv() { # setv IN OUT BYTES: bytes 8..11 replaced
	cp "$1" "$2" && printf "$3" | dd of="$2" bs=1 seek=8 conv=notrunc status=none
}
od -An -tu1 -j 8 -N 4 a | tr -s ' ' | sed 's/^ /version bytes: /'
setv a v2 '\002\000\000\000'
setv a vmax '\377\377\377\377'
setv a v0 '\000\000\000\000'
# shellcheck disable=SC2086
for v in v2 vmax v0; do
	"$PCSV" merge a $v $MJ; echo "merge a $v: exit $?"
done
"$PCSV" dump v2 >/dev/null; echo "dump v2: exit $?"
