#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# A slow pipe (tail -f app.csv | pcsv filter): a matching row is printed
# soon after it arrives, not at the end of input or of a 16 MB buffer. The
# reader hands on what came once the pipe is quiet for 100 ms; the writer
# flushes stdout before it waits for more. The first row goes through the
# first buffer (read with the header), the second through the reader
# thread's. Each side notes when it wrote or saw a row ($EPOCHREALTIME);
# a row must be seen within LATE seconds of its write and before the next
# write (the sanitizer builds, which run PCSV_TEST_TIMEOUT_SCALE times
# slower, get that much longer for everything).
scale=${PCSV_TEST_TIMEOUT_SCALE:-1}
late=$scale
gap=$(awk -v s="$scale" 'BEGIN { print 1.5 * s }')
{
	printf 'id,q\n1,20\n2,5\n'
	echo "$EPOCHREALTIME" >"$TMP/w1"
	sleep "$gap"
	echo "$EPOCHREALTIME" >"$TMP/w2"
	printf '3,30\n4,1\n'
	sleep "$gap" # the pipe stays open: only the hand-off can print row 3
	echo "$EPOCHREALTIME" >"$TMP/w3"
} | "$PCSV" filter --where 'q > 18' $VARY | while IFS= read -r line; do
	echo "$EPOCHREALTIME $line"
done >"$TMP/seen"
echo "exit: ${PIPESTATUS[1]}"
cut -d' ' -f2- "$TMP/seen"
# when: ROW WRITTEN NEXT: did ROW come out within $late s of WRITTEN and before NEXT?
when() {
	awk -v row="$1" -v w="$(cat "$2")" -v next_="$(cat "$3")" -v late="$late" '
		$2 == row { seen = $1 }
		END {
			if (seen == "") print row ": never seen"
			else if (seen - w < late + 0 && seen < next_ + 0)
				print row ": seen in time (soon after its write, before the next)"
			else printf "%s: LATE: seen %.2f s after its write (next write at %.2f s)\n", row, seen - w, next_ - w
		}' "$TMP/seen"
}
when 1,20 "$TMP/w1" "$TMP/w2"
when 3,30 "$TMP/w2" "$TMP/w3"
