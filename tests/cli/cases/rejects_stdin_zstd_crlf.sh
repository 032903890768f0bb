#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A CRLF file with quoted CRLF line breaks, a bad row whose quoted field
# holds a CRLF, a non-number, and a ragged last row without a line end:
# the same rejects (but the file name) from the file, stdin, the .zst file
# and .zst on stdin. Raw rows keep their inner \r\n; each rejects line ends
# in \n. (Carriage returns are shown as <CR>.)
show() { sed 's/\r/<CR>/g' "$1"; }
"$PCSV" aggregate rejects_crlf.csv --agg count,sum:qty --rejects "$TMP/file.csv" $VARY
echo "exit $?"
show "$TMP/file.csv"
for src in stdin zst zststdin; do
	case $src in
	stdin) cat rejects_crlf.csv | "$PCSV" aggregate --agg count,sum:qty --rejects "$TMP/$src.csv" $VARY ;;
	zst) "$PCSV" aggregate rejects_crlf.csv.zst --agg count,sum:qty --rejects "$TMP/$src.csv" $VARY ;;
	zststdin) "$PCSV" aggregate - --agg count,sum:qty --rejects "$TMP/$src.csv" $VARY <rejects_crlf.csv.zst ;;
	esac
	echo "--- $src: exit $?"
	show "$TMP/$src.csv" | head -3
	if cut -d, -f2- "$TMP/$src.csv" | cmp -s - <(cut -d, -f2- "$TMP/file.csv"); then
		echo "$src: same rejects as the file but the file column"
	else
		echo "$src: DIFFERENT rejects"
	fi
done
