#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# Every command gives the same bytes on every form of the same input: the
# file, `< file`, a pipe, zstd (one frame, file and pipe; three frames cut
# inside quoted fields), and the rows split over a plain and a zstd file.
# The data has quoted line breaks, doubled quotes, CRLF rows and empties.
cd "$TMP" || exit 1
awk 'BEGIN {
    srand(7); h = "id,name,qty,note"
    print h > "f.csv"; print h > "a.csv"; print h > "b.csv"
    for (i = 1; i <= 400; i++) {
        r = rand()
        note = r < 0.2 ? "\"line one\nline two\"" : r < 0.4 ? "\"he said \"\"hi\"\", twice\"" : r < 0.5 ? "" : "plain " i
        row = i "," (i % 7 == 0 ? "\"Smith, J\"" : "n" (i % 5)) "," (i % 11 == 0 ? "" : int(rand() * 100) / 4) "," note (i % 3 == 0 ? "\r" : "")
        print row > "f.csv"; print row > (i <= 150 ? "a.csv" : "b.csv")
    }
}'
zstd -q f.csv -o f.csv.zst
zstd -q b.csv -o b.csv.zst
n=$(wc -c < f.csv)
{ head -c 5000 f.csv | zstd -q -c; tail -c +5001 f.csv | head -c 7000 | zstd -q -c
  tail -c +12001 f.csv | zstd -q -c; } > f3.csv.zst
echo "input: $n bytes, $(grep -c '^' f.csv) lines"
check() { # NAME ARGS...: the command on every form against the plain file
    local name=$1
    shift
    "$PCSV" "$@" f.csv $VARY > ref 2>&1
    echo "--- $name (exit $?, $(wc -l < ref) lines)"
    "$PCSV" "$@" $VARY < f.csv > o1 2>&1
    cat f.csv | "$PCSV" "$@" $VARY > o2 2>&1
    "$PCSV" "$@" f.csv.zst $VARY > o3 2>&1
    cat f.csv.zst | "$PCSV" "$@" $VARY > o4 2>&1
    "$PCSV" "$@" f3.csv.zst $VARY > o5 2>&1
    "$PCSV" "$@" a.csv b.csv.zst $VARY > o6 2>&1
    local i forms=("< file" "pipe" ".zst" ".zst pipe" "3 frames" "two files")
    for i in 1 2 3 4 5 6; do
        cmp -s ref "o$i" && echo "same: ${forms[$((i - 1))]}" || { echo "DIFFERS: ${forms[$((i - 1))]}"; diff ref "o$i" | head -5; }
    done
}
check aggregate aggregate --by name --agg count,sum:qty,mean:qty,min:note,max:note,first:note,last:id,distinct:note,median:qty
cat ref
check count count
cat ref
check count-where count --where 'qty > 10 && name != "n1"'
check filter filter --where 'note =~ "hi"'
check select select id,note
check head head -n 7
check headers headers
cat ref
check stats stats
cat ref
