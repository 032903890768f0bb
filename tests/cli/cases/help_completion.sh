#!/usr/bin/env bash
# Issue 15: completions/pcsv.bash, sourced in bash, fills COMPREPLY from the
# pcsv on the line: commands, the options of the command on the line (pcsv
# --list-options COMMAND), the values of --format / --on-bad-row, files,
# and the column names of the file on the line after --by, --agg FN:,
# --sort, --select and select (pcsv headers FILE, with the line's -t).
# shellcheck disable=SC1091
source "$TD/../completions/pcsv.bash"
cd "$TD" || exit 1
# complete LINE: the line typed so far, with $PCSV as the program, the
# cursor at the '^' in it or at its end; prints the sorted COMPREPLY, one per
# line, after the line.
complete_line() {
	local before=${1%%^*}
	COMP_LINE="$PCSV ${1/^/}"
	COMP_POINT=$((${#PCSV} + 1 + ${#before}))
	COMPREPLY=()
	_pcsv
	echo "\$ pcsv $1<TAB>"
	if [ ${#COMPREPLY[@]} -gt 0 ]; then printf '  %s\n' "${COMPREPLY[@]}" | LC_ALL=C sort; fi
}
complete_line "agg"
complete_line "he"
complete_line "help w"
complete_line "count --r"
complete_line "head sales.csv --no"
complete_line "aggregate sales.csv --form"
complete_line "aggregate sales.csv --format "
complete_line "filter sales.csv --on-bad-row s"
complete_line "aggregate sales.csv --by "
complete_line "aggregate sales.csv --by region,p"
complete_line "aggregate --jobs 2 sales.csv --agg sum:"
complete_line "aggregate sales.csv --agg count,me"
complete_line "aggregate sales.csv --agg sum:q"
complete_line "aggregate sales.tsv -t --sort "
complete_line "select "
complete_line "select ^ sales.csv"
complete_line "select p^ sales.tsv -t"
complete_line "select region,^ -H sales.csv"
complete_line "select r sales.csv"
complete_line "filter sales.csv --select n"
complete_line "count sales.cs"
complete_line "count part"
# column names that a shell would expand or split come back as they are
printf 'a b,$x,it'"'"'s,*\n1,2,3,4\n' >"$TMP/odd.csv"
complete_line "aggregate $TMP/odd.csv --by " | sed "s|$TMP|\$TMP|"
