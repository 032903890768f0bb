#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A failed run leaves an existing -o FILE untouched and no temporary file
# beside it; a failed run with no existing FILE creates none.
# pcsv's error messages go to this script's stderr (compared with .err).
mkdir "$TMP/o"
printf 'OLD CONTENT\n' >"$TMP/o/result.csv"
for input in ragged.csv unterminated.csv nope.csv; do
	out=$("$PCSV" aggregate "$input" --by name --agg count -o "$TMP/o/result.csv" $VARY)
	echo "$input: exit $?, stdout bytes ${#out}, directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
	echo "$input: result.csv: $(cat "$TMP/o/result.csv")"
done
mkdir "$TMP/p"
"$PCSV" aggregate notnum.csv --by id --agg sum:price -o "$TMP/p/new.csv" $VARY
echo "notnum.csv: exit $?, directory: [$(ls -A "$TMP/p")]"
