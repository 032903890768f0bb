# the same table from a pipe and from zstd as from the file
a=$($PCSV stats stats_types.csv $VARY)
b=$(cat stats_types.csv | $PCSV stats $VARY)
c=$(zstd -q -c stats_types.csv | $PCSV stats $VARY)
[ "$a" = "$b" ] && [ "$a" = "$c" ] && echo same
