#!/usr/bin/env bash
# Every byte offset C of small adversarial files (quoted line breaks, CRLF
# inside and outside quotes, mixed line ends, a BOM, no final line end, a
# header with a quoted line break): the ranges 0:C and C: merge to exactly
# the single run's output. Prints one line per file: how many cuts agreed.
# Runs once (NAME.once): about 2 x 700 runs of pcsv.
cd "$TMP" || exit 1
cp "$TD/quoted.csv" "$TD/crlf.csv" "$TD/mixed_eol.csv" "$TD/bom.csv" "$TD/noeol_quoted.csv" . || exit 1
printf '"k\r\ney",v\r\n"a\nb",1\r\n"",2\n"c""\r\n",3\r\n,4' >hdr_break.csv
check() { # check FILE QUERY...
	local f=$1 size c ok=0 bad=()
	shift
	"$PCSV" aggregate "$f" "$@" >single.out || { echo "$f: single run failed"; return; }
	size=$(wc -c <"$f")
	for ((c = 0; c <= size; c++)); do
		if "$PCSV" aggregate "$f" "$@" --partial --range 0:$c -o p1 --jobs 1 2>err &&
			"$PCSV" aggregate "$f" "$@" --partial --range $c: -o p2 --jobs 1 2>>err &&
			"$PCSV" merge p2 p1 >m.out 2>>err && cmp -s m.out single.out; then
			ok=$((ok + 1))
		else
			bad+=("$c")
		fi
	done
	echo "$f: $ok of $((size + 1)) cuts agree${bad[0]:+; not at ${bad[*]}}"
}
check quoted.csv --by 1 --agg count,sum:3,first:5,last:5,distinct:2
check crlf.csv --by region --agg count,sum:qty,last:note,median:price
check mixed_eol.csv --by region --agg count,first:note,last:note,max:price
check bom.csv --by region --agg count,sum:qty,first:qty
check noeol_quoted.csv --agg count,last:comment,sum:qty
check hdr_break.csv --by 1 --agg count,sum:v,first:v
