#!/usr/bin/env bash
# Issue 15: doc/pcsv.1 has an entry (a .TP heading of the option in bold)
# for every option the binary accepts (pcsv --list-options, generated from
# opt_table) with every value it takes (csv|tsv|jsonl ...), and one for
# every command: a new option without a man entry fails here. The page
# formats without groff warnings.
man=$TD/../doc/pcsv.1
missing=0
while read -r opt arg; do
	re=${opt//-/\\\\-}
	line=$(grep -E "^\.(B|BI|BR|IB) .*${re}([ \"]|\\\\f|$)" "$man" | head -n 1)
	if [ -z "$line" ]; then
		echo "no man entry for $opt"
		missing=1
		continue
	fi
	# a list of the values taken (csv|tsv|jsonl), not an argument's shape
	case $arg in
	*[!a-z0-9\|]* | '') ;;
	*'|'*)
		IFS='|' read -r -a vals <<<"$arg"
		for v in "${vals[@]}"; do
			grep -qF -- "${v//-/\\-}" <<<"$line" || { echo "$opt: value $v not in its man entry"; missing=1; }
		done
		;;
	esac
done < <("$PCSV" --list-options)
while read -r c; do
	grep -qE "^\.(B|BI|BR) \"?$c( |\"|$)" "$man" || { echo "no man entry for command $c"; missing=1; }
done < <("$PCSV" --list-commands)
[ $missing = 0 ] && echo "every option, value and command has a man entry"
if command -v groff >/dev/null; then
	groff -man -ww -z "$man" 2>&1
fi
