#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A file without read permission: exit 1 "Permission denied", before any
# output. Tests run as root, which reads a mode-000 file anyway, so pcsv runs
# under setpriv (util-linux) with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
# dropped from its bounding set: root then obeys the mode bits like anyone.
cp sales.csv "$TMP/secret.csv"
chmod 000 "$TMP/secret.csv"
cd "$TMP" || exit 1
nocap() { setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search "$@"; }
for c in "count" "aggregate --by region" "filter" "select 1" "head" "headers"; do
	nocap "$PCSV" $c secret.csv $VARY
	echo "$c: exit $?"
done
nocap "$PCSV" filter "$TD/sales.csv" secret.csv $VARY
echo "filter sales.csv secret.csv: exit $?"
rm -f secret.csv
