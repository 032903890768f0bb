#!/usr/bin/env bash
# A line longer than 2^31 bytes: a field of 2^31 + 16 NUL bytes, in a sparse
# file (mapped; no disk used) and piped to stdin (the stream buffer grows to
# hold the row). It works: no 32-bit length or offset wraps. Runs once
# (.once), ~5 s on the release build; its .timeout allows for a sanitizer
# build, where reading 4 GiB takes much longer.
cd "$TMP" || exit 1
printf 'a,b\n1,' >long.csv
truncate -s $((2 ** 31 + 22)) long.csv
printf '\n2,y\n' >>long.csv
echo "count: $("$PCSV" count long.csv), exit $?"
echo "filter: $("$PCSV" filter long.csv --where 'a == 2' | paste -sd ' ' -), exit ${PIPESTATUS[0]}"
echo "count from a pipe: $(cat long.csv | "$PCSV" count), exit $?"
rm -f long.csv
