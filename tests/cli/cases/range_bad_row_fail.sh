#!/usr/bin/env bash
# --on-bad-row fail in a range: the range that holds the bad row fails with
# exactly the single run's message (the true line number of the file, also
# after quoted line breaks before the range), exit 1; a range before it
# succeeds. quoted_lines_bad.csv's line 7 (`3,ok,abc`) is the bad row.
# shellcheck disable=SC2086
{
	"$PCSV" aggregate quoted_lines_bad.csv --by id --agg sum:v; echo "single run: exit $?"
	"$PCSV" aggregate quoted_lines_bad.csv --by id --agg sum:v --partial --range 0:40 -o "$TMP/a" $VARY; echo "range 0:40: exit $?"
	"$PCSV" aggregate quoted_lines_bad.csv --by id --agg sum:v --partial --range 40: -o "$TMP/b" $VARY; echo "range 40:: exit $?"
	"$PCSV" aggregate ragged.csv --agg count --partial --range 30: -o "$TMP/c" $VARY; echo "ragged.csv range 30:: exit $?"
	"$PCSV" aggregate ragged.csv --agg count; echo "ragged.csv single run: exit $?"
}
