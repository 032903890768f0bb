#!/usr/bin/env bash
# Every byte offset of small adversarial files (quoted line breaks, CRLF
# inside and outside quotes, mixed line ends, a BOM, no final line end, a
# header with a quoted line break) as a cut:
#   - two ranges 0:C and C: for every C of hdr_break.csv, every 7th of
#     quoted.csv (the tiles below cut it everywhere);
#   - every file tiled in ranges of one byte each (S:S+1 for every S, and
#     the last S: open), merged in reverse order: every range boundary is a
#     cut, most guesses are wrong and merge repairs them all.
# Each must print exactly the single run's output. One line per check.
# Runs once (NAME.once): about 850 runs of pcsv (NAME.timeout: 300 s for
# the sanitizer builds).
cd "$TMP" || exit 1
cp "$TD/quoted.csv" "$TD/crlf.csv" "$TD/mixed_eol.csv" "$TD/bom.csv" "$TD/noeol_quoted.csv" . || exit 1
printf '"k\r\ney",v\r\n"a\nb",1\r\n"",2\n"c""\r\n",3\r\n,4' >hdr_break.csv
every_cut() { # every_cut STEP FILE QUERY...: cuts 0, STEP, 2 STEP, ...
	local step=$1 f=$2 size c ok=0 n=0 bad=()
	shift 2
	"$PCSV" aggregate "$f" "$@" >single.out || { echo "$f: single run failed"; return; }
	size=$(wc -c <"$f")
	for ((c = 0; c <= size; c += step)); do
		n=$((n + 1))
		if "$PCSV" aggregate "$f" "$@" --partial --range 0:$c -o p1 --jobs 1 2>err &&
			"$PCSV" aggregate "$f" "$@" --partial --range $c: -o p2 --jobs 1 2>>err &&
			"$PCSV" merge p2 p1 >m.out 2>>err && cmp -s m.out single.out; then
			ok=$((ok + 1))
		else
			bad+=("$c")
		fi
	done
	echo "$f, 0:C and C: (C in steps of $step): $ok of $n cuts agree${bad[0]:+; not at ${bad[*]}}"
}
tiles() { # tiles FILE QUERY...
	local f=$1 size s parts=() failed=
	shift
	"$PCSV" aggregate "$f" "$@" >single.out || { echo "$f: single run failed"; return; }
	size=$(wc -c <"$f")
	rm -f t.*
	for ((s = 0; s < size; s++)); do
		r=$s:$((s + 1))
		[ $s = $((size - 1)) ] && r=$s:
		"$PCSV" aggregate "$f" "$@" --partial --range $r -o t.$s --jobs 1 2>err || { failed="range $r: $(head -n 1 err)"; break; }
		parts=("t.$s" "${parts[@]}")
	done
	if [ -z "$failed" ]; then
		"$PCSV" merge "${parts[@]}" >m.out 2>err || failed="merge: $(head -n 1 err)"
	fi
	if [ -n "$failed" ]; then
		echo "$f, $size one-byte ranges: FAILED: $failed"
	else
		cmp -s m.out single.out && echo "$f, $size one-byte ranges: = single run" ||
			echo "$f, $size one-byte ranges: DIFFERS"
	fi
}
every_cut 7 quoted.csv --by 1 --agg count,sum:3,first:5,last:5,distinct:2
every_cut 1 hdr_break.csv --by 1 --agg count,sum:v,first:v
tiles quoted.csv --by 1 --agg count,sum:3,first:5,last:5,distinct:2
tiles crlf.csv --by region --agg count,sum:qty,last:note,median:price
tiles mixed_eol.csv --by region --agg count,first:note,last:note,max:price
tiles bom.csv --by region --agg count,sum:qty,first:qty
tiles noeol_quoted.csv --agg count,last:comment,sum:qty
tiles hdr_break.csv --by 1 --agg count,sum:v,first:v
