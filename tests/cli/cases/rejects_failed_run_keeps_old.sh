#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A failed run keeps an existing rejects file (and -o file) as they were and
# leaves no temporary file: an unterminated quote (always an error, also in
# skip mode, found after bad rows were already dropped), a missing second
# input, an unwritable -o directory (found after the whole input was read).
mkdir "$TMP/o"
printf 'OLD REJECTS\n' >"$TMP/o/r.csv"
printf 'OLD RESULT\n' >"$TMP/o/out.csv"
"$PCSV" aggregate rejects_then_unterminated.csv --agg count --on-bad-row skip \
	--rejects "$TMP/o/r.csv" -o "$TMP/o/out.csv" $VARY
echo "unterminated: exit $?, directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
"$PCSV" filter ragged.csv nope.csv --on-bad-row warn --rejects "$TMP/o/r.csv" $VARY
echo "missing input: exit $?, directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
"$PCSV" aggregate ragged.csv --agg count --rejects "$TMP/o/r.csv" -o "$TMP/missing/out.csv" $VARY 2>/dev/null
echo "unwritable -o: exit $?, directory: [$(ls -A "$TMP/o" | paste -sd " " -)]"
"$PCSV" count ragged.csv --rejects "$TMP/missing/r.csv" $VARY 2>/dev/null
echo "unwritable rejects: exit $?"
echo "r.csv: $(cat "$TMP/o/r.csv"); out.csv: $(cat "$TMP/o/out.csv")"
