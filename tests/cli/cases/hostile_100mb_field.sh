#!/usr/bin/env bash
# A 100 MB field, generated here: once plain (x...), once quoted with
# delimiters, doubled quotes and line breaks inside (a,""b\n repeated). Every
# command gets it right, from the file at several --jobs/--chunk-size and
# from a pipe; filter copies it byte for byte. Runs once (.once) with its own
# variations, to stay cheap (a few seconds).
cd "$TMP" || exit 1
{ printf 'a,b\n1,'; head -c 100000000 /dev/zero | tr '\0' x; printf '\n2,y\n'; } >plain.csv
{ printf 'a,b\n1,"'; yes 'a,""b' | head -c 100000000; printf '"\n2,y\n'; } >quoted.csv
for f in plain.csv quoted.csv; do
	echo "$f: count $("$PCSV" count $f --jobs 2)," \
		"aggregate $("$PCSV" aggregate $f --agg count,max:b,sum:a --jobs 4 --chunk-size 1M | paste -sd ' ' -)," \
		"filter $("$PCSV" filter $f --jobs 2 | cmp - $f && echo byte-identical)," \
		"select b,a: $("$PCSV" select b,a $f --jobs 1 | wc -c) bytes," \
		"from a pipe: count $("$PCSV" count --jobs 2 <$f)"
done
rm -f plain.csv quoted.csv
