#!/usr/bin/env bash
# One byte changed in a partial (in the middle and in the last byte: the
# compressed groups or the checksum) is refused: exit 1, the file named,
# with the byte offset; nothing on stdout. pcsv dump refuses it too. (The
# partial is written at --jobs 1: its layout, so the offsets, may depend on
# the threads otherwise; see partial_deterministic.)
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . && touch -d @1700000000 sales.csv || exit 1
# (a fixed modification time: it is in the partial, so its length does not
# vary with when the file was copied)
MJ=${VARY%%--chunk-size*}
"$PCSV" aggregate sales.csv --by region --agg count,sum:price,median:qty --partial -o "$TMP/a" --jobs 1 || exit
cd "$TMP" || exit
n=$(wc -c <a)
flip() { # flip FILE OFFSET OUT: the byte at OFFSET xor 0x55
	cp "$1" "$3"
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 85)))" | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}
flip a $((n / 2)) mid
flip a $((n - 1)) last
# shellcheck disable=SC2086
for t in mid last; do
	"$PCSV" merge $t $MJ
	echo "merge $t: exit $?"
	"$PCSV" dump $t >/dev/null
	echo "dump $t: exit $?"
done
