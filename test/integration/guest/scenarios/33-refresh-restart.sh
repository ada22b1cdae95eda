# SPDX-License-Identifier: LGPL-2.1-or-later
# Attach on drop with Restart=changed: portables refresh does for an upgrade by drop what reattach
# does. swap_1 (swap.service SWAP=a, swap-old.service) runs; swap_2 (swap.service SWAP=b,
# swap-new.service) is dropped beside it: swap.service is restarted on swap_2 (a new main process,
# RootImage=, the image its process sees, its journal), swap-old stopped, swap-new started. Without
# the setting the same upgrade restarts nothing (swap.service keeps its process and image). The
# global setting in portable.conf counts too, and an image replaced in place under the same name
# (other unit files) is a change as well.
involve swap.service swap-old.service swap-new.service hello.service portables-refresh.service portables-refresh.path

# refresh_log REGEX [SECONDS]: portables-refresh.service logged a matching line since the mark.
refresh_log() {
        local i
        for ((i = 0; i < ${2:-10} * 10; i++)); do
                since_mark _SYSTEMD_UNIT=portables-refresh.service -o cat | grep -Eq -- "$1" && {
                        since_mark _SYSTEMD_UNIT=portables-refresh.service -o cat | grep -E -- "$1" | tail -n 2 | sed 's/^/      | /'
                        return 0
                }
                sleep 0.1
        done
        say "portables-refresh.service: no line matching /$1/ since the mark; last lines:"
        since_mark _SYSTEMD_UNIT=portables-refresh.service -o cat | tail -n 8 | sed 's/^/      | /'
        return 1
}
# refreshed: a refresh run finished since the mark (the path unit triggered it).
refreshed() { refresh_log 'Refresh done' 20; }
# sees UNIT VERSION: the unit's main process sees the image of that IMAGE_VERSION as its /.
sees() { grep -qx "IMAGE_VERSION=$2" "/proc/$(main_pid "$1")/root/usr/lib/os-release"; }
says() { since_mark -u "$1" -o cat | grep -q "$2"; }

trap 'systemctl disable --now portables-refresh.path >/dev/null 2>&1 || :; rm -f /etc/systemd/portable.conf' EXIT

systemctl enable --now portables-refresh.path
require "portables-refresh.path is waiting" wait_state portables-refresh.path '^active/waiting' 5

# 1. Restart=changed in swap.portable: the upgrade by drop restarts what changed.
settings /var/lib/portables swap Restart=changed
mark
place swap.raw.a /var/lib/portables swap_1.raw
require "swap.service running from swap_1 (dropped)" is_running swap.service 15
check "the refresh for swap_1 is done" refreshed
require "swap-old.service running" is_running swap-old.service 5
check "portables inspect shows Restart=changed" sh -c 'portables inspect swap | grep -qx "        Restart: changed"'
p1=$(main_pid swap.service); t1=$(prop swap.service ExecMainStartTimestampMonotonic)
check "swap.service sees swap_1 (a)" sees swap.service a
mark
place swap.raw.b /var/lib/portables swap_2.raw
check "a refresh ran for swap_2" refreshed
check "refresh says it restarts swap.service" refresh_log 'Unit swap\.service now comes from image /var/lib/portables/swap_2\.raw instead of /var/lib/portables/swap_1\.raw; restarting it'
check "swap.service running" is_running swap.service 10
check "swap.service restarted: a new main process" test "$(main_pid swap.service)" != "$p1"
check "swap.service restarted: ExecMainStartTimestamp changed" test "$(prop swap.service ExecMainStartTimestampMonotonic)" != "$t1"
check "swap.service RootImage= swap_2" prop_is swap.service RootImage /var/lib/portables/swap_2.raw
check "swap.service's process sees swap_2 (b)" sees swap.service b
check "swap.service's journal says SWAP=b" says swap.service SWAP=b
check "swap-old.service (gone from swap_2) stopped" is_inactive swap-old.service
check "swap-new.service (new, enabled) running" is_running swap-new.service 10
# What did not change is not restarted: another image dropped, swap's units stay as they are.
p12=$(main_pid swap.service)
mark
place hello_1.raw /var/lib/portables
check "a refresh ran for hello_1" refreshed
check "hello.service (new) running" is_running hello.service 10
check "that refresh restarted nothing" refresh_log 'Refresh done: 1 unit\(s\) started, 0 stopped, 0 restarted'
check "swap.service not restarted by it" test "$(main_pid swap.service)" = "$p12"
mark
rm -f /var/lib/portables/hello_1.raw
check "a refresh ran for the removed hello_1" refreshed

# 2. Without the setting: the same kind of upgrade (swap_3, content a) restarts nothing.
mark
rm -f /var/lib/portables/swap.portable
check "the refresh for the removed swap.portable is done" refreshed
p2=$(main_pid swap.service); t2=$(prop swap.service ExecMainStartTimestampMonotonic)
mark
place swap.raw.a /var/lib/portables swap_3.raw
check "a refresh ran for swap_3" refreshed
check "refresh says swap.service keeps its image" refresh_log 'Unit swap\.service now comes from image /var/lib/portables/swap_3\.raw .*keeps what it started with'
check "swap.service not restarted: same main process" test "$(main_pid swap.service)" = "$p2"
check "swap.service not restarted: same ExecMainStartTimestamp" test "$(prop swap.service ExecMainStartTimestampMonotonic)" = "$t2"
check "swap.service's process still sees swap_2 (b)" sees swap.service b
check "swap-old.service (new again) started" is_running swap-old.service 10
check "swap-new.service (gone) stopped" is_inactive swap-new.service

# 3. Restart=changed in portable.conf (global), and an image replaced in place under its name:
# swap_3 overwritten with swap.raw.b (same size, other unit files) is a change too.
printf '[Portable]\nRestart=changed\n' >/etc/systemd/portable.conf
systemctl restart swap.service
require "swap.service running from swap_3 (a)" sh -c "sleep 1; grep -qx IMAGE_VERSION=a /proc/\$(systemctl show -P MainPID swap.service)/root/usr/lib/os-release"
p3=$(main_pid swap.service)
mark
cat "$IMAGES/swap.raw.b" >/var/lib/portables/swap_3.raw
check "a refresh ran for the overwritten swap_3" refreshed
check "refresh says swap.service of swap_3 changed" refresh_log 'Unit swap\.service of image /var/lib/portables/swap_3\.raw changed; restarting it'
check "swap.service restarted: a new main process" sh -c "sleep 1; test \"\$(systemctl show -P MainPID swap.service)\" != $p3"
check "swap.service's process sees the new swap_3 (b)" sees swap.service b
check "swap.service's journal says SWAP=b" says swap.service SWAP=b

systemctl disable --now portables-refresh.path >/dev/null 2>&1
