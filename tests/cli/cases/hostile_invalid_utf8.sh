#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Invalid UTF-8 (a lone \xff\xfe, a truncated sequence, a surrogate, an
# overlong slash) is passed through byte for byte by filter and select,
# grouped on by aggregate, and never matches a regex by accident.
"$PCSV" filter invalid_utf8.csv $VARY | cmp - invalid_utf8.csv && echo "filter: byte-identical"
"$PCSV" select 1-2 invalid_utf8.csv $VARY | cmp - invalid_utf8.csv && echo "select 1-2: byte-identical"
"$PCSV" select t invalid_utf8.csv $VARY | od -An -c
"$PCSV" aggregate invalid_utf8.csv --by t --agg count $VARY | od -An -c
"$PCSV" filter invalid_utf8.csv --where 't =~ "z|x|abc"' $VARY | od -An -c
"$PCSV" count invalid_utf8.csv --where 't =~ "^.{4}$"' $VARY
