#!/usr/bin/env bash
# Issue 13: an aggregate under an address-space limit (ulimit -v) that
# spills (300000 groups, --memory-limit 32M: several MiB written to
# --tmpdir) gives the answer of the unlimited in-memory run (md5sums
# compared, no timings), and so does the default --memory-limit, which is
# derived from RLIMIT_AS (half of the least of physical memory, cgroup
# limit and RLIMIT_AS), so that a run under a ulimit fits in it. Values
# found by trying (--jobs 2, this machine): --memory-limit 32M needs about
# 175000 KiB of address space (glibc reserves 64 MiB of it per worker's
# malloc arena); 400000 leaves room, 180000 is close to the need. Closer
# still (160000) a run may fail, but only cleanly: exit 1 and "pcsv: out of
# memory", never a crash. --jobs 2 is fixed: the need grows with it.
# ASan and TSan builds reserve terabytes of shadow address space and cannot
# start under ulimit -v: there (the binary names __asan_init or
# __tsan_init) the case prints its expected output without running.
# Runs once (.once); a time limit of 60 s (.timeout): each run takes about
# a second.
cd "$TMP" || exit 1
lines=(
	"ulimit -v 400000, --memory-limit 32M: exit 0, spilled, same answer"
	"ulimit -v 400000, default limit: exit 0, same answer"
	"ulimit -v 180000, --memory-limit 32M: exit 0, spilled, same answer"
	"ulimit -v 180000, default limit: exit 0, spilled, same answer"
	"ulimit -v 160000, --memory-limit 32M: no crash"
	"ulimit -v 160000, default limit: no crash"
	"tmpdir: []"
)
if grep -qaE '__(asan|tsan)_init' "$PCSV"; then
	printf '%s\n' "${lines[@]}" # a sanitizer build: cannot run under ulimit -v
	exit 0
fi
awk 'BEGIN { srand(11); print "k,v,t"; for (i = 0; i < 300000; i++) print int(rand() * 1e6) "," int(rand() * 1e9) ",w" int(rand() * 1e6) }' >in.csv
mkdir t
agg=count,sum:v,first:t,max:t
want=$("$PCSV" aggregate in.csv --by k --agg $agg --jobs 2 | md5sum)
# under KIB LABEL ARGS...: one run under ulimit -v KIB
under() {
	local v=$1 label=$2
	shift 2
	{ # (bash's own notice of a crash goes to /dev/null: the case prints the status)
		(
			ulimit -v "$v" || exit 99
			exec "$PCSV" aggregate in.csv --by k --agg $agg --jobs 2 --tmpdir "$TMP/t" "$@"
		) >out 2>err
		rc=$?
	} 2>/dev/null
	got=$(md5sum <out)
	local s=
	grep -q '^pcsv: spilled [0-9.]* [KMG]iB to ' err && s=" spilled,"
	if [ "$v" = 160000 ]; then
		if { [ $rc = 0 ] && [ "$got" = "$want" ]; } ||
			{ [ $rc = 1 ] && [ ! -s out ] && [ "$(cat err)" = "pcsv: out of memory: Cannot allocate memory" ]; }; then
			echo "ulimit -v $v, $label: no crash"
		else
			echo "ulimit -v $v, $label: exit $rc, stderr: $(head -c 200 err)"
		fi
	elif [ $rc = 0 ] && [ "$got" = "$want" ]; then
		echo "ulimit -v $v, $label: exit 0,$s same answer"
	else
		echo "ulimit -v $v, $label: exit $rc,$s $([ "$got" = "$want" ] && echo same || echo DIFFERENT) answer, stderr: $(head -c 200 err)"
	fi
}
for v in 400000 180000 160000; do
	under $v "--memory-limit 32M" --memory-limit 32M
	under $v "default limit"
done
echo "tmpdir: [$(ls -A t | paste -sd ' ' -)]"
rm -f in.csv
