#!/usr/bin/env bash
# shellcheck disable=SC2086 # $VARY is split on purpose
# CSV and TSV output never write a row as a blank line (SPEC 2): a row of
# one empty field, a null included, is written "", so it reads back as a
# row (issue 11: `pcsv select a in.csv | pcsv count` printed 1, not 2).
# Every command that prints rows, csv and tsv, header line included.
printf 'a,b\n,1\nx,2\n' >"$TMP/in.csv"
printf 'a\n""\nx\n""\n' >"$TMP/one.csv"
printf 'a\n""\n""\n' >"$TMP/nulls.csv"
printf '""\n""\n' >"$TMP/noname.csv"
cd "$TMP" || exit 1
show() { # show FORMAT CMD...: the output and what pcsv counts in it, read back
	local fmt=$1
	shift
	local read_opts=""
	[ "$fmt" = tsv ] && read_opts=-t
	out=$("$PCSV" "$@" --format "$fmt" $VARY)
	echo "--- $fmt: $* ($?)"
	printf '%s\n' "$out"
	printf '%s\n' "$out" | "$PCSV" count $read_opts | sed 's/^/rows read back: /'
}
for fmt in csv tsv; do
	show $fmt select a in.csv
	show $fmt filter one.csv
	show $fmt filter in.csv --where "b < 2" --select a
	show $fmt head -n 3 one.csv
	show $fmt select a,a in.csv
	show $fmt aggregate nulls.csv --agg first:a
	show $fmt aggregate one.csv --by a
	show $fmt select 1 noname.csv
done
