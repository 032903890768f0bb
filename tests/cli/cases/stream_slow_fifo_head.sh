#!/usr/bin/env bash
# A slow FIFO named as FILE, read by select, then by head: select prints a
# row soon after its write, before the next write; head -n 1 prints its row
# and exits (the reader thread, waiting for more input, is woken up) soon
# after the row is written, long before the writer closes the pipe. LATE
# seconds are allowed (PCSV_TEST_TIMEOUT_SCALE times more on the sanitizer
# builds); each side notes when it wrote or saw ($EPOCHREALTIME).
scale=${PCSV_TEST_TIMEOUT_SCALE:-1}
late=$scale
gap=$(awk -v s="$scale" 'BEGIN { print 1.5 * s }')
mkfifo "$TMP/f"
writer() {
	{
		printf 'id,note\n1,"one\nrow"\n'
		echo "$EPOCHREALTIME" >"$TMP/w1"
		sleep "$gap"
		echo "$EPOCHREALTIME" >"$TMP/w2"
		printf '2,two\n'
		sleep "$gap"
	} >"$TMP/f"
}
# in_time WHAT SEEN WRITTEN NEXT (NEXT empty: not written yet)
in_time() {
	awk -v what="$1" -v seen="$2" -v w="$3" -v next_="$4" -v late="$late" 'BEGIN {
		if (seen - w < late + 0 && (next_ == "" || seen < next_ + 0))
			print what ": in time (soon after the write, before the next)"
		else printf "%s: LATE: %.2f s after the write (next write at %.2f s)\n", what, seen - w, next_ - w
	}'
}
writer &
"$PCSV" select note "$TMP/f" | while IFS= read -r line; do
	echo "$EPOCHREALTIME $line"
done >"$TMP/seen"
wait
cut -d' ' -f2- "$TMP/seen"
in_time "select: row 1" "$(awk '$2 == "row\"" { print $1 }' "$TMP/seen")" "$(cat "$TMP/w1")" "$(cat "$TMP/w2")"

rm "$TMP/w1" "$TMP/w2"
writer &
"$PCSV" head -n 1 "$TMP/f"
echo "head: exit $?"
exited=$EPOCHREALTIME
in_time "head -n 1: exit" "$exited" "$(cat "$TMP/w1")" "$(cat "$TMP/w2" 2>/dev/null)"
wait
