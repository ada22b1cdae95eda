# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad images beside a good one: garbage junk.raw, noosrel.raw (no os-release), noid.raw
# (os-release without ID=), an empty directory, a truncated squashfs. The good one works; each
# bad one is skipped with one clear journal line.
involve good.service
for i in good.raw junk.raw noosrel.raw noid.raw trunc.raw; do place $i /var/lib/portables; done
mkdir /var/lib/portables/emptydir
mark
t0=$(date +%s%N)
require "daemon-reload succeeds" reload
t1=$(date +%s%N)
note "daemon-reload with 6 images (1 good, 5 bad) took $(( (t1 - t0) / 1000000 )) ms"
check "good.service loaded" is_loaded good.service
systemctl start good.service
check "good.service running" is_running good.service
for n in junk noosrel noid trunc emptydir; do
        check "$n: no unit attached" sh -c "! ls $GEN_DIR | grep -q '^$n'"
done
sleep 0.5
for n in junk.raw noosrel.raw noid.raw trunc.raw emptydir; do
        check "$n: a generator line says why it was skipped" gen_log_has "${n//./\\.}"
        c=$(gen_log | grep -c -F "$n")
        check "$n: exactly one line per reload (got $c)" test "$c" -eq 1
done
check "good.raw: no warning about the good image" sh -c "! journalctl -q --no-pager -b --since='$(cat $PTEST_STATE/mark)' SYSLOG_IDENTIFIER=$GEN_ID -p warning -o cat | grep -q 'good\\.raw'"
