# SPDX-License-Identifier: LGPL-2.1-or-later
# Slow files never slow a reload: a FIFO named foo.raw (opening it would block until a writer
# comes), a symlink bar.raw to another FIFO, and a 1 GiB sparse file of garbage (random bytes at
# both ends, where probes look) in /var/lib/portables. daemon-reload with them takes about as long
# as without them: the difference is well under the generator's time budget (5 s by default), and
# a good image beside them is attached as usual. Each one gets one log line saying why it is
# skipped.
involve rl1.service

# reload_ms: the median wall time of 5 daemon-reloads, in milliseconds.
reload_ms() {
        local k t0 t1 times=()
        for k in 1 2 3 4 5; do
                t0=$(date +%s%N)
                systemctl daemon-reload || return 1
                t1=$(date +%s%N)
                times+=($(( (t1 - t0) / 1000000 )))
        done
        say "daemon-reload times (ms): ${times[*]}" >&2
        printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

place rl1.raw /var/lib/portables
require "daemon-reload with one good image" reload       # fills the extraction cache: warm from here on
without=$(reload_ms)
require "timed reloads without the slow files succeed" test -n "$without"

mkfifo /var/lib/portables/foo.raw
mkfifo /run/ptest-fifo
ln -s /run/ptest-fifo /var/lib/portables/bar.raw
head -c 1M /dev/urandom >/var/lib/portables/junk.raw
dd if=/dev/urandom of=/var/lib/portables/junk.raw bs=1M count=1 seek=1023 conv=notrunc status=none
check "junk.raw is 1 GiB" test "$(stat -c %s /var/lib/portables/junk.raw)" -eq $((1024 * 1024 * 1024))
check "junk.raw is sparse (under 8 MiB allocated)" test "$(du -k /var/lib/portables/junk.raw | cut -f1)" -lt 8192

mark
with=$(timeout 120 bash -c "$(declare -f reload_ms say); reload_ms")
require "timed reloads with the slow files succeed (and end)" test -n "$with"
diff=$((with - without))
note "daemon-reload median: ${without} ms without, ${with} ms with a FIFO, a link to a FIFO and a 1 GiB sparse garbage file (difference ${diff} ms, budget 5000 ms)"
say "daemon-reload median: without ${without} ms, with ${with} ms, difference ${diff} ms"
check "the slow files add less than 1000 ms (a fifth of the 5 s budget) to a reload" test "$diff" -lt 1000

check "rl1.service attached beside them" is_loaded rl1.service
systemctl start rl1.service
check "rl1.service running" is_running rl1.service
check "foo.raw (FIFO): skipped, not a regular file" gen_log_has 'foo\.raw is not usable: not a regular file'
check "bar.raw (link to a FIFO): skipped, not a regular file" gen_log_has 'bar\.raw is not usable: not a regular file'
check "junk.raw: skipped as not a usable image" gen_log_has 'junk\.raw not attached: not a usable image'
check "no generator timeout or failure in the manager's log" \
        sh -c "! journalctl -q --no-pager -b --since='$(cat $PTEST_STATE/mark)' _PID=1 -o cat | grep -Ei 'portable-generator.*(timed out|failed|killed)'"
# A generator of a reload that something else started may be running at any moment: one that is
# blocked on a FIFO stays, so look a few times for a moment without any. By executable, not by
# comm: "systemd-portabl" is also upstream's systemd-portabled, which scenario 12 starts.
check "no generator process left behind (none blocked on a FIFO)" \
        sh -c 'for i in $(seq 20); do
                       found=
                       for p in /proc/[0-9]*; do
                               case "$(readlink "$p/exe" 2>/dev/null)" in */systemd-portable-generator) found=1 ;; esac
                       done
                       [ -z "$found" ] && exit 0
                       sleep 0.25
               done
               exit 1'
check "no process holds the FIFOs open" sh -c "! ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -Eq 'ptest-fifo|foo\\.raw'"
rm -f /run/ptest-fifo
