#!/usr/bin/env bash
# -o FILE, -o FILE.zst and --rejects R.zst hold exactly what stdout (and a
# plain --rejects R) holds, for every command, at outputs of about 0 B (a
# header-only input), 1 KiB, 1 MiB and 50 MiB: across the 64 KiB output
# buffer and far beyond it (issue 11: output over 64 KiB went around the
# compressor, so FILE.zst held plain rows and then a small zstd frame, with
# exit 0). Each .zst is decompressed with `zstd -dc` and compared byte for
# byte. One in four input rows is bad (a field too many), so --rejects
# grows with the input.
# Runs once (big on purpose); prints one summary line per size and command.
cd "$TMP" || exit 1
gen() { # gen ROWS > FILE: id,grp,val,note; every 4th row has a 5th field
	awk -v n="$1" 'BEGIN {
		print "id,grp,val,note"
		for (i = 1; i <= n; i++) {
			printf "%d,g%d,%d.%02d,note %d is here", i, i % 97, i % 1000, i % 100, i * 7
			if (i % 4 == 0) printf ",extra"
			printf "\n"
		}
	}'
}
gen 0 >in_0.csv
gen 25 >in_1K.csv
gen 23000 >in_1M.csv
gen 1700000 >in_50M.csv
fail=0
for size in 0 1K 1M 50M; do
	in=in_$size.csv
	for cmd in aggregate count filter select head stats headers; do
		case $cmd in
		aggregate) args=(aggregate "$in" --by id --agg count,first:note) ;;
		count) args=(count "$in" --where 'val >= 0') ;;
		filter) args=(filter "$in" --where 'val >= 0') ;;
		select) args=(select 'note,id' "$in") ;;
		head) args=(head -n 100000000 "$in") ;;
		stats) args=(stats "$in") ;;
		headers) args=(headers "$in") ;;
		esac
		bad=(--on-bad-row skip -q)
		[ "$cmd" = headers ] && bad=()
		rm -f ref.out r.csv x.csv x.csv.zst r.csv.zst
		"$PCSV" "${args[@]}" "${bad[@]}" ${bad:+--rejects r.csv} >ref.out
		rc=$?
		"$PCSV" "${args[@]}" "${bad[@]}" -o x.csv ${bad:+--rejects r.csv.zst}
		rc_o=$?
		"$PCSV" "${args[@]}" "${bad[@]}" -o x.csv.zst
		rc_z=$?
		plain=same zst=same rej=-
		cmp -s ref.out x.csv || plain=DIFFERENT
		zstd -qdc x.csv.zst 2>/dev/null | cmp -s ref.out - || zst=DIFFERENT
		if [ -n "${bad[*]}" ]; then
			rej="same ($(wc -c <r.csv) B)"
			zstd -qdc r.csv.zst 2>/dev/null | cmp -s r.csv - || rej=DIFFERENT
		fi
		line="$size $cmd: exit $rc/$rc_o/$rc_z, stdout $(wc -c <ref.out) B, -o x.csv $plain, -o x.csv.zst $zst, --rejects r.csv.zst $rej"
		echo "$line"
		case $line in *DIFFERENT*) fail=1 ;; esac
		leftover=$(ls -A | grep -v -e '^in_' -e '^ref.out$' -e '^r.csv' -e '^x.csv')
		[ -z "$leftover" ] || echo "left over: $leftover"
	done
done
rm -f in_*.csv ref.out r.csv x.csv x.csv.zst r.csv.zst
exit $fail
