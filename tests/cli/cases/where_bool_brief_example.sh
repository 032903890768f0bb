#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# SPEC 4: a comparison with true or false is a byte-string compare with the
# text "true" or "false", not a test of truthiness: `b == true` keeps only the
# text true, `b != false` every non-null text but false. A bare column as a
# whole condition still uses truthiness (no, yes, true, 1 hold; 0, false and
# null do not).
cd "$TMP" || exit 1
printf 'b\nno\ntrue\nyes\nfalse\n1\n0\nTRUE\n""\n' >in.csv
for w in 'b == true' 'b != false' 'b == false' '(b == "yes") == true' 'b'; do
	echo "--where $w:"
	"$PCSV" filter in.csv --where "$w" $VARY
	echo "exit $?"
done
rm -f in.csv
