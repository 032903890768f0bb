#!/usr/bin/env bash
# aggregate --partial then merge of that one partial prints exactly what the
# single run prints, for every aggregate function (SPEC 6), at every --jobs
# and --chunk-size of the partial's run; the merged result is printed.
# the inputs copied beside the partials: merge re-reads a source by the path
# the partial recorded (as given), relative to where merge runs
cd "$TMP" && cp "$TD/sales.csv" . || exit 1
MJ=${VARY%%--chunk-size*}   # merge takes --jobs, not --chunk-size
Q=(--by region --agg 'count,count:note,sum:qty,mean:price,min:price,max:price,first:product,last:product,distinct:product,median:price,p90:qty,var:price,stddev:qty')
# shellcheck disable=SC2086
"$PCSV" aggregate sales.csv "${Q[@]}" --partial -o "$TMP/a.part" $VARY || exit
"$PCSV" aggregate sales.csv "${Q[@]}" >"$TMP/single.out" || exit
cd "$TMP" || exit
# shellcheck disable=SC2086
"$PCSV" merge a.part $MJ >merged.out || exit
cmp -s single.out merged.out && echo "merge = single run" || echo "merge DIFFERS from the single run"
cat merged.out
