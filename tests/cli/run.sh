#!/usr/bin/env bash
# run.sh - golden-file tests for the pcsv command line.
#
#   bash tests/cli/run.sh PCSV_BINARY [--update] [CASE...]
#
# A case is tests/cli/cases/NAME.cmd or tests/cli/cases/NAME.sh:
#   NAME.cmd  one line, the arguments after `pcsv`, evaluated by bash (so quoting
#             works); $TD is the absolute testdata directory, $TMP a fresh empty
#             directory for this run.
#   NAME.sh   a bash script, for what one command cannot express (pipelines, -o,
#             pre-existing files). It gets PCSV, TD, TMP and VARY (the variation
#             options, to be appended to its pcsv calls) in the environment and
#             prints what is to be compared.
# Every run starts in the testdata directory, so a case names its inputs
# relatively (sales.csv) and error messages, which quote the path as given, do
# not depend on where the checkout lives. stdin is /dev/null.
#
# Expected results: NAME.out (exact stdout), NAME.err (exact stderr; absent:
# must be empty), NAME.code (exit status; absent: 0).
#
# Determinism is part of every test: each case runs 6 times, with
# `--jobs J --chunk-size C` appended for six pairs of J in 1 2 4 and C in 1,
# 64 and none (pcsv's default): J=1 with C=1 and 64, J=2 with 1 and none,
# J=4 with 64 and none; every run must match the expected files byte for
# byte. PCSV_TEST_VARIES ("V1;V2;...") replaces the six (the sanitizer builds run
# fewer: SAN_VARIES and TSAN_VARIES in the Makefile).
# A case named usage_* or help_*, or with a NAME.once file, runs once with no
# options appended. A NAME.timeout file (seconds) replaces the per-run time
# limit for a case that is big on purpose (a 2^31-byte line takes tens of
# seconds on a sanitizer build).
#
# --update rewrites the expected files of the selected cases from the `--jobs 1`
# run (no options for run-once cases), then checks as usual. Review the diff
# (git diff tests/cli/cases) like code: the expected files are the contract.
#
# Output: one FAIL line per failing case with the variations that failed and a
# unified diff of the first failing run; last line `N passed, M failed`
# (and `, K skipped` when some were).
#
# PCSV_TEST_SKIP_SIGNALS=1 skips the cases with a NAME.signals file (they
# signal a running pcsv). The TSan build sets it: TSan defers a signal that
# lands on a thread sleeping inside uninstrumented code (libomp's team
# barrier) until that thread calls an instrumented function, so a signalled
# run can sleep on instead of dying. The normal and ASan builds run them.
# Exit status: 0 all passed, 1 some failed, 2 bad usage.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cases_dir=$here/cases
TD=$(cd "$here/../../testdata" && pwd)
TIMEOUT=${PCSV_TEST_TIMEOUT:-20}    # seconds per run; a hung run fails its case
# PCSV_TEST_PARALLEL: how many cases run at once (default: CPUs, at most 8).

usage() {
	echo "usage: bash tests/cli/run.sh PCSV_BINARY [--update] [CASE...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
pcsv_arg=$1
shift
update=0
names=()
for a in "$@"; do
	case $a in
	--update) update=1 ;;
	-*) usage ;;
	*) n=${a##*/}; n=${n%.cmd}; n=${n%.sh}; names+=("$n") ;;
	esac
done

case $pcsv_arg in
*/*) PCSV=$(cd "$(dirname "$pcsv_arg")" 2>/dev/null && pwd)/$(basename "$pcsv_arg") ;;
*) PCSV=$(command -v "$pcsv_arg") ;;
esac
if [ ! -f "$PCSV" ] || [ ! -x "$PCSV" ]; then
	echo "run.sh: $pcsv_arg: not an executable file" >&2
	exit 2
fi

if [ ${#names[@]} -eq 0 ]; then
	while IFS= read -r f; do
		n=${f##*/}; n=${n%.*}
		names+=("$n")
	done < <(shopt -s nullglob; printf '%s\n' "$cases_dir"/*.cmd "$cases_dir"/*.sh | LC_ALL=C sort -u)
fi
for n in "${names[@]}"; do
	if [ -f "$cases_dir/$n.cmd" ] && [ -f "$cases_dir/$n.sh" ]; then
		echo "run.sh: case $n has both a .cmd and a .sh" >&2
		exit 2
	fi
	if [ ! -f "$cases_dir/$n.cmd" ] && [ ! -f "$cases_dir/$n.sh" ]; then
		echo "run.sh: no case $n in $cases_dir" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pcsv-cli.XXXXXX") || exit 2
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Six of the nine pairs of --jobs 1 2 4 and --chunk-size 1 64 (default),
# each jobs and each chunk size twice, so at every chunk size two job
# counts must agree.
all_varies=("--jobs 1 --chunk-size 1" "--jobs 1 --chunk-size 64" "--jobs 2 --chunk-size 1"
	"--jobs 2" "--jobs 4 --chunk-size 64" "--jobs 4")
# PCSV_TEST_VARIES="V1;V2;...": these variations instead (the sanitizer
# builds run fewer: the normal build checks all six for determinism)
if [ -n "${PCSV_TEST_VARIES:-}" ]; then
	IFS=';' read -r -a all_varies <<<"$PCSV_TEST_VARIES"
fi

# Cases run concurrently, each in its own directory $w; their reports are
# printed afterwards in case order.
par=${PCSV_TEST_PARALLEL:-$(nproc 2>/dev/null || echo 2)}
[ "$par" -gt 8 ] && par=8

# run_case NAME VARY: run once; leaves $w/out, $w/err and sets $code.
run_case() {
	local name=$1 vary=$2 tmp
	run_no=$((run_no + 1))
	tmp=$w/tmp$run_no
	mkdir "$tmp"
	# shellcheck disable=SC2030,SC2031 # each run exports its own TMP and VARY
	if [ -f "$cases_dir/$name.cmd" ]; then
		local args
		args=$(<"$cases_dir/$name.cmd")
		(
			cd "$TD" || exit 125
			export PCSV TD TMP="$tmp" VARY="$vary"
			eval "exec timeout -k 2 $case_timeout \"\$PCSV\" $args \$VARY"
		) </dev/null >"$w/out" 2>"$w/err"
	else
		(
			cd "$TD" || exit 125
			export PCSV TD TMP="$tmp" VARY="$vary"
			exec timeout -k 2 "$case_timeout" bash "$cases_dir/$name.sh"
		) </dev/null >"$w/out" 2>"$w/err"
	fi
	code=$?
}

# check NAME: compare the last run with the expected files ($exp_out,
# $exp_err: the file or /dev/null when absent; $want_code); on mismatch
# write a report to $w/report and return 1.
check() {
	local name=$1 ok=0
	if ! cmp -s "$exp_out" "$w/out"; then
		ok=1
		diff -u --label "$name.out (expected)" --label "stdout (actual)" \
			"$exp_out" "$w/out" >>"$w/report"
	fi
	if ! cmp -s "$exp_err" "$w/err"; then
		ok=1
		diff -u --label "$name.err (expected)" --label "stderr (actual)" \
			"$exp_err" "$w/err" >>"$w/report"
	fi
	if [ "$code" != "$want_code" ]; then
		ok=1
		if [ "$code" = 124 ] || [ "$code" = 137 ]; then
			echo "exit status: expected $want_code, got $code (timed out after ${case_timeout}s)" >>"$w/report"
		else
			echo "exit status: expected $want_code, got $code" >>"$w/report"
		fi
	fi
	return $ok
}

# update NAME VARY: rewrite the expected files from one run.
update() {
	local name=$1 f
	run_case "$name" "$2"
	for f in out err; do
		if [ -s "$w/$f" ]; then
			cmp -s "$w/$f" "$cases_dir/$name.$f" 2>/dev/null ||
				{ cp "$w/$f" "$cases_dir/$name.$f"; echo "updated $name.$f"; }
		elif [ -f "$cases_dir/$name.$f" ]; then
			rm -f "$cases_dir/$name.$f"; echo "removed $name.$f"
		fi
	done
	if [ "$code" != 0 ]; then
		[ "$(cat "$cases_dir/$name.code" 2>/dev/null)" = "$code" ] ||
			{ echo "$code" >"$cases_dir/$name.code"; echo "updated $name.code"; }
	elif [ -f "$cases_dir/$name.code" ]; then
		rm -f "$cases_dir/$name.code"; echo "removed $name.code"
	fi
}

# process NAME: run every variation of one case; print its report and
# leave $w/status (pass or fail).
process() {
	local name=$1 varies vary upd_vary bad=() list n
	w=$work/$name
	run_no=0
	case_timeout=$TIMEOUT
	[ -f "$cases_dir/$name.timeout" ] && case_timeout=$(tr -d ' \n' <"$cases_dir/$name.timeout")
	# PCSV_TEST_TIMEOUT_SCALE=N: every limit N times longer (the TSan build)
	case_timeout=$((case_timeout * ${PCSV_TEST_TIMEOUT_SCALE:-1}))
	mkdir "$w"
	if [[ $name == usage_* || $name == help_* ]] || [ -f "$cases_dir/$name.once" ]; then
		varies=("")
		upd_vary=""
	else
		varies=("${all_varies[@]}")
		upd_vary="--jobs 1"
	fi
	[ $update = 1 ] && update "$name" "$upd_vary"

	exp_out=/dev/null exp_err=/dev/null want_code=0
	[ -f "$cases_dir/$name.out" ] && exp_out=$cases_dir/$name.out
	[ -f "$cases_dir/$name.err" ] && exp_err=$cases_dir/$name.err
	[ -f "$cases_dir/$name.code" ] && want_code=$(tr -d ' \n' <"$cases_dir/$name.code")
	for vary in "${varies[@]}"; do
		run_case "$name" "$vary"
		if ! check "$name"; then
			[ ${#bad[@]} = 0 ] && mv "$w/report" "$w/first_report"
			rm -f "$w/report"
			bad+=("${vary:-no options}")
			# A hung binary would make the remaining runs slow too.
			[ "$code" = 124 ] || [ "$code" = 137 ] && break
		fi
	done
	if [ ${#bad[@]} = 0 ]; then
		echo pass >"$w/status"
		return
	fi
	echo fail >"$w/status"
	if [ ${#bad[@]} = ${#varies[@]} ]; then
		list="all ${#varies[@]} runs"
		[ ${#varies[@]} = 1 ] && list="the one run"
	else
		list=$(printf '%s; ' "${bad[@]}")
		list="${#bad[@]} of ${#varies[@]} runs: ${list%; }"
	fi
	echo "FAIL $name ($list)"
	# Show carriage returns, which diff would print invisibly.
	head -n 20 "$w/first_report" | sed -e 's/\r/\\r/g' -e 's/^/    /'
	n=$(wc -l <"$w/first_report")
	[ "$n" -gt 20 ] && echo "    ... ($((n - 20)) more diff lines)"
	return 0
}

skipped=0
if [ -n "${PCSV_TEST_SKIP_SIGNALS:-}" ]; then
	kept=()
	for name in "${names[@]}"; do
		if [ -f "$cases_dir/$name.signals" ]; then
			echo "skip $name (PCSV_TEST_SKIP_SIGNALS: it signals a running pcsv)"
			skipped=$((skipped + 1))
		else
			kept+=("$name")
		fi
	done
	names=("${kept[@]}")
fi

running=0
for name in "${names[@]}"; do
	if [ "$running" -ge "$par" ]; then
		wait -n
		running=$((running - 1))
	fi
	process "$name" >"$work/$name.report" 2>&1 &
	running=$((running + 1))
done
wait

passed=0
failed=0
for name in "${names[@]}"; do
	cat "$work/$name.report"
	if [ "$(cat "$work/$name/status" 2>/dev/null)" = pass ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		[ -f "$work/$name/status" ] || echo "FAIL $name: the runner itself failed on this case"
	fi
done

if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed = 0 ]
