#!/bin/bash
# tests/cluster/run.sh - cluster/pcsv-dask on 2-worker local Dask clusters
# (127.0.0.1 only): what it prints (stdout, stderr, exit status) equals the
# single run `pcsv COMMAND FILE... [OPTIONS]`, byte for byte, on a generated
# file, an adversarial one cut inside quoted fields, two files, a bad row,
# a worker killed mid-run, and -o / --format. Each pcsv-dask run starts its
# own cluster (a few seconds each).
#
# Usage: bash tests/cluster/run.sh PATH/TO/pcsv
# Prints a line per case; the last line is "N passed, M failed"; exit 1 on
# any failure. Needs Debian's python3-distributed (make deps installs it).
set -u
PCSV=$(realpath "${1:?usage: run.sh PATH/TO/pcsv}")
HERE=$(cd "$(dirname "$0")" && pwd)
DASK="$HERE/../../cluster/pcsv-dask"
PY=/usr/bin/python3

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit
}

W=$(mktemp -d "${TMPDIR:-/tmp}/pcsv-cluster-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

if ! $PY -c 'import distributed' 2>/dev/null; then
    bad "python3-distributed is not installed for $PY (apt-get install python3-distributed)"
    finish
fi

# --- pcsv-dask's own logic, no cluster: argument split, range cuts ---
if out=$($PY "$HERE/unit_args.py" "$DASK" 2>&1); then ok "unit: ${out##*unit: }"; else
    echo "$out"
    bad "unit"
fi

# the adapter's usage errors come before any cluster starts
if "$DASK" --help > help.out 2>&1 && grep -q '^Usage: pcsv-dask' help.out; then ok "--help"; else bad "--help"; fi
printf 'a\n1\n' | "$DASK" --local 2 --pcsv "$PCSV" count - > o 2> e
if [ $? = 2 ] && grep -q '^pcsv-dask: ' e && [ ! -s o ]; then ok "stdin refused (exit 2)"; else bad "stdin refused"; fi

# same NAME ARGS...: pcsv-dask (with SPLIT, DASKOPTS) and the single run print
# the same stdout, stderr and exit status. Files are named relatively, as a
# user would (the messages show names as given).
SPLIT=512K
DASKOPTS=
same() {
    local name=$1
    shift
    "$PCSV" "$@" > single.out 2> single.err
    local rc1=$?
    # shellcheck disable=SC2086
    "$DASK" --local 2 --split "$SPLIT" $DASKOPTS --pcsv "$PCSV" "$@" > dask.out 2> dask.err
    local rc2=$?
    if [ $rc1 != $rc2 ]; then
        bad "$name: exit $rc2, single run $rc1"
        sed 's/^/    /' dask.err | head -20
    elif ! cmp -s single.out dask.out; then
        bad "$name: stdout differs"
        diff single.out dask.out | head -10 | sed 's/^/    /'
    elif ! cmp -s single.err dask.err; then
        bad "$name: stderr differs"
        diff single.err dask.err | head -20 | sed 's/^/    /'
    else
        ok "$name (exit $rc1, $(wc -c < single.out) bytes out, $(wc -c < single.err) bytes err)"
    fi
}

# --- 1. a generated file, ~5 MB: 10 ranges; 80 ranges (tree reduction) ---
awk 'BEGIN { srand(7); print "id,k,price,x,note"
    for (i = 1; i <= 180000; i++) {
        x = rand() < 0.05 ? "" : int(rand() * 100000)
        printf "%d,k%d,%d.%02d,%s,w%d\n", i, int(rand() * 300), int(rand() * 1000), int(rand() * 100), x, int(rand() * 50)
    } }' > gen.csv
AGGS=count,sum:price,mean:price,min:x,max:x,first:x,last:x,distinct:x,median:price
same "generated: aggregate, 10 ranges" aggregate gen.csv --by k --agg $AGGS
same "generated: count --where" count gen.csv --where 'price > 500 and x != ""'
SPLIT=64K same "generated: 80 ranges, tree of merges" aggregate gen.csv --by k,note --agg $AGGS,p90:x

# --- 2. adversarial: BOM, CRLF, quoted fields with line breaks (some longer
# than a range), doubled quotes, no final line end; cut every 1K. adv2.csv
# also has quoted fields holding whole CSV rows, so that ranges starting
# inside them guess their quote state wrong: merge repairs them, also
# inside the tree's `merge --partial` groups ---
cat > gen-adv.py <<'EOF'
import random, sys
r = random.Random(14)
rowlike = sys.argv[1] == "rowlike"
out = ['\ufeffk,note,v']
for i in range(1500):
    k = r.choice(['a', 'b', '"c,d"', '"e\r\nf"', 'g'])
    kind = r.random()
    if kind < 0.3:
        note = '"%s"' % '\r\n'.join('line %d, with ""quotes""' % j for j in range(r.randint(1, 4)))
    elif kind < 0.35:
        note = '"%s"' % ('long\n' * r.randint(200, 400))  # spans whole 1K ranges
    elif kind < 0.38 and rowlike:
        note = '"%s"' % ''.join('a,n%d,%d.5\r\n' % (j, j) for j in range(r.randint(100, 300)))
    elif kind < 0.45:
        note = ''
    else:
        note = 'n%d' % r.randint(0, 99)
    v = '' if r.random() < 0.1 else '%d.%d' % (r.randint(-50, 500), r.randint(0, 9))
    out.append('%s,%s,%s' % (k, note, v))
sys.stdout.buffer.write('\r\n'.join(out).encode())  # no final line end
EOF
$PY gen-adv.py plain > adv.csv
$PY gen-adv.py rowlike > adv2.csv
ADV=count,first:note,last:note,sum:v,min:v,max:v,distinct:note
SPLIT=1K same "adversarial: aggregate, cut every 1K" aggregate adv.csv --by k --agg $ADV
SPLIT=1K same "adversarial: count" count adv.csv
SPLIT=1K same "adversarial, wrong guesses repaired: aggregate" aggregate adv2.csv --by k --agg $ADV

# --- 3. two files: first/last follow file order; one smaller than a range ---
head -n 60001 gen.csv > one.csv
{ head -n 1 gen.csv; tail -n 2000 gen.csv; } > two.csv
same "two files" aggregate one.csv two.csv --by note --agg count,first:id,last:id,first:x,last:x,sum:price

# --- 4. a bad row in a middle range: fail, skip and warn as the single run ---
awk 'NR == 90000 { print "1,2" } { print }' gen.csv > badrow.csv
same "bad row: fail (exit 1, same message)" aggregate badrow.csv --by k --agg count,sum:price
same "bad row: --on-bad-row skip" aggregate badrow.csv --by k --agg count,sum:price --on-bad-row skip
same "bad row: count --on-bad-row warn" count badrow.csv --on-bad-row warn

# --- 5. a worker killed mid-run: the first range task to start on a worker
# kills that worker (once, a marker directory says it happened); Dask runs
# its tasks again elsewhere; the bytes are the same ---
# (its parent is a worker when its grandparent is pcsv-dask: the check
# before the cluster starts runs it too, as pcsv-dask's own child)
cat > killing-pcsv <<EOF
#!/bin/bash
case " \$* " in *" --range "*)
    gp=\$(awk '{ print \$4 }' /proc/\$PPID/stat)
    if tr '\0' '\n' < /proc/\$gp/cmdline | sed -n 2p | grep -q '/pcsv-dask\$' && mkdir "$W/killed" 2>/dev/null; then
        kill -9 \$PPID
        exit 1
    fi;;
esac
exec "$PCSV" "\$@"
EOF
chmod +x killing-pcsv
"$DASK" --local 2 --split 256K --pcsv ./killing-pcsv aggregate gen.csv --by k --agg $AGGS > dask.out 2> dask.err
rc=$?
"$PCSV" aggregate gen.csv --by k --agg $AGGS > single.out 2> single.err
if [ ! -d killed ]; then
    bad "worker killed: no worker was killed"
elif [ $rc = 0 ] && cmp -s single.out dask.out && cmp -s single.err dask.err; then
    ok "worker killed mid-run: same bytes"
else
    bad "worker killed mid-run: exit $rc"
    head -20 dask.err | sed 's/^/    /'
fi

# --- 6. output options go to the merge ---
"$DASK" --local 2 --split 512K --pcsv "$PCSV" aggregate gen.csv --by k --agg $AGGS -o dask.csv > dask.out 2> dask.err
rc=$?
"$PCSV" aggregate gen.csv --by k --agg $AGGS -o single.csv
if [ $rc = 0 ] && [ ! -s dask.out ] && [ ! -s dask.err ] && cmp -s single.csv dask.csv; then ok "-o FILE"; else bad "-o FILE (exit $rc)"; fi
same "--format jsonl --sort" aggregate gen.csv --format jsonl --by note --agg count,sum:price --sort price_sum:desc

# --- 7. SIGTERM mid-run: exit 143, the temporary directory removed ---
mkdir tmp
# 320 tasks; the signal comes once the workers are up (their directories)
TMPDIR=$W/tmp "$DASK" --local 2 --split 16K --pcsv "$PCSV" aggregate gen.csv --by k,note --agg $AGGS > /dev/null 2> dask.err &
pid=$!
for _ in $(seq 100); do
    compgen -G 'tmp/dask-worker-space/worker-*' > /dev/null && break
    sleep 0.2
done
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
left=$(find tmp -maxdepth 1 -name 'pcsv-dask-*')
if [ $rc = 143 ] && [ -z "$left" ] && [ ! -s dask.err ]; then ok "SIGTERM: exit 143, no temporary files"; else
    bad "SIGTERM: exit $rc, left: $left"
    head -5 dask.err | sed 's/^/    /'
fi

finish
