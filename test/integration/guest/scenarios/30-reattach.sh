# SPDX-License-Identifier: LGPL-2.1-or-later
# portables reattach from swap_1 to swap_2 and back. swap_1 has swap.service and swap-old.service,
# swap_2 swap.service (new content) and swap-new.service: the unit that is gone is stopped, the new
# one started, the one in both restarted on the new image (a new main process, RootImage= the new
# image, its journal says SWAP=b), all by the one command.
involve swap.service swap-old.service swap-new.service

mkdir -p /srv/ptest
cp "$IMAGES/swap.raw.a" /srv/ptest/swap_1.raw
cp "$IMAGES/swap.raw.b" /srv/ptest/swap_2.raw
trap 'rm -rf /srv/ptest' EXIT

require "attach --now swap_1" portables attach --now /srv/ptest/swap_1.raw
require "swap.service running" is_running swap.service 5
require "swap-old.service running" is_running swap-old.service 5
t1=$(prop swap.service ExecMainStartTimestampMonotonic)
p1=$(main_pid swap.service)
check "swap.service runs swap_1" prop_is swap.service RootImage /etc/portables/swap_1.raw

# 1. Upgrade.
mark
out=$(portables reattach /srv/ptest/swap_2.raw 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "reattach swap_2 exits 0" test "$rc" = 0
check "swap-old.service (gone from swap_2) stopped" is_inactive swap-old.service
check "swap-old.service unloaded" not_loaded swap-old.service
check "swap-new.service (new in swap_2, enabled) running" is_running swap-new.service 5
check "swap.service running" is_running swap.service 5
check "swap.service restarted: a new main process" test "$(main_pid swap.service)" != "$p1"
t2=$(prop swap.service ExecMainStartTimestampMonotonic)
check "swap.service restarted: ExecMainStartTimestamp changed" test "$t2" != "$t1"
check "swap.service runs from swap_2 now" prop_is swap.service RootImage /etc/portables/swap_2.raw
check "swap.service says SWAP=b" sh -c 'journalctl -q --no-pager -b --since="$(cat '"$PTEST_STATE"'/mark)" -u swap.service -o cat | grep -q "SWAP=b"'
check "/etc/portables holds swap_2 only" test "$(cd /etc/portables && ls)" = "swap_2.raw"
check "the record is swap_2's" test "$(ls /etc/portables/.attached)" = swap_2.raw

# 2. Back to swap_1 (the older version: not shadowed by the one it replaces).
p2=$(main_pid swap.service)
out=$(portables reattach /srv/ptest/swap_1.raw 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "reattach back to swap_1 exits 0" test "$rc" = 0
check "swap-new.service stopped and unloaded" not_loaded swap-new.service
check "swap-old.service running again" is_running swap-old.service 5
check "swap.service restarted again" test "$(main_pid swap.service)" != "$p2"
check "swap.service runs from swap_1" prop_is swap.service RootImage /etc/portables/swap_1.raw

# 3. A refused reattach keeps what ran: swap_1 stays.
cp "$IMAGES/noosrel.raw" /srv/ptest/swap_3.raw
p3=$(main_pid swap.service)
portables reattach /srv/ptest/swap_3.raw >/dev/null 2>&1; rc=$?
check "reattach of a refused swap_3 exits 1" test "$rc" = 1
check "swap_1 still placed, swap_3 not" test "$(cd /etc/portables && ls)" = "swap_1.raw"
check "swap.service untouched" test "$(main_pid swap.service)" = "$p3"

portables detach --now swap >/dev/null
check "detach --now swap: swap.service gone" not_loaded swap.service
