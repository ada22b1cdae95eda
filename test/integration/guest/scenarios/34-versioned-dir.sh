# SPDX-License-Identifier: LGPL-2.1-or-later
# A versioned directory (systemd.v(7), as vpick picks): /var/lib/portables/swap.raw.v/ with
# swap_1.raw (content a), swap_2.raw (b) and swap_3+0-1.raw (a, no tries left). swap_2 is picked
# (+0 loses to anything with tries left, then the newest wins): RootImage=, the process's view,
# `portables list` and `inspect` say which and why. Renaming swap_3 to +1-1 gives it tries: it is
# picked, and `portables refresh` with Restart=changed moves the running unit to it; removing it
# goes back to swap_2; swap_2+0 leaves swap_1. Then `portables attach --now` of the directory by
# path places it whole (a symlink in /etc/portables) and runs the version picked in it. Last,
# attach on drop: with portables-refresh.path enabled, a version copied into swap.raw.v/ is attached
# and the running unit moves to it by itself (the generator's drop-in for the path unit).
involve swap.service swap-old.service swap-new.service portables-refresh.path portables-refresh.service

V=/var/lib/portables/swap.raw.v
sees() { grep -qx "IMAGE_VERSION=$2" "/proc/$(main_pid "$1")/root/usr/lib/os-release"; }
row() { portables list --no-legend 2>/dev/null | awk -v v="$1" '$1 == "swap" && $2 == v'; }
row_has() {  # row_has VERSION REGEX
        row "$1" | grep -Eq -- "$2" && return 0
        say "portables list, swap $1: '$(row "$1")' does not match /$2/"
        return 1
}

mkdir -p "$V" /srv/ptest
trap 'rm -rf /srv/ptest' EXIT
cp "$IMAGES/swap.raw.a" "$V/swap_1.raw"
cp "$IMAGES/swap.raw.b" "$V/swap_2.raw"
cp "$IMAGES/swap.raw.a" "$V/swap_3+0-1.raw"
reload
systemctl start swap.service

# 1. Three versions, one without tries left: swap_2 is picked.
require "swap.service running" is_running swap.service 10
check "RootImage= is swap_2 in swap.raw.v/" prop_is swap.service RootImage "$V/swap_2.raw"
check "the process sees swap_2 (b)" sees swap.service b
check "list: swap 2 attached, picked, swap_3+0-1 skipped for its tries" \
        row_has 2 "attached +picked as newest of 2 with tries left in swap\.raw\.v/ \(1 without\); swap_3\+0-1\.raw skipped: no tries left$"
check "list: swap 1 shadowed (swap_2 is newer)" row_has 1 "shadowed +not picked in swap\.raw\.v/: swap_2\.raw is newer$"
check "list: swap 3 shadowed (no tries left)" row_has 3 "shadowed +not picked in swap\.raw\.v/: no tries left \(\+0\), swap_2\.raw has$"
check "inspect swap: the picked version" sh -c "portables inspect swap | grep -qx 'Image: $V/swap_2.raw'"
check "inspect swap_3+0-1.raw: its counter" sh -c "portables inspect 'swap_3+0-1.raw' | grep -qx '        Tries: 0 left, 1 done'"
check "inspect of the directory's path: the picked version" sh -c "portables inspect $V | grep -qx 'Image: $V/swap_2.raw'"
check "is-attached swap" sh -c 'test "$(portables is-attached swap)" = attached'

# 2. swap_3 gets a try: it is picked; portables refresh with Restart=changed restarts onto it.
settings /var/lib/portables swap Restart=changed
p1=$(main_pid swap.service)
mv "$V/swap_3+0-1.raw" "$V/swap_3+1-1.raw"
out=$(portables refresh 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "portables refresh exits 0" test "$rc" = 0
check "refresh restarted swap.service" grep -q "Unit swap.service now comes from image $V/swap_3+1-1.raw instead of $V/swap_2.raw; restarting it" <<<"$out"
check "swap.service running" is_running swap.service 10
check "swap.service restarted: a new main process" test "$(main_pid swap.service)" != "$p1"
check "RootImage= is swap_3+1-1" prop_is swap.service RootImage "$V/swap_3+1-1.raw"
check "the process sees swap_3 (a)" sees swap.service a
check "list: swap 3 attached, 1 try left" row_has 3 "attached +picked as newest of 3 in swap\.raw\.v/; 1 tries left, 1 done$"
check "inspect swap: Tries: 1 left, 1 done" sh -c "portables inspect swap | grep -qx '        Tries: 1 left, 1 done'"

# 3. swap_3 removed: back to swap_2. 4. swap_2 out of tries: swap_1.
rm "$V/swap_3+1-1.raw"
reload
check "RootImage= back to swap_2" prop_is swap.service RootImage "$V/swap_2.raw"
mv "$V/swap_2.raw" "$V/swap_2+0.raw"
reload
check "RootImage= swap_1 (swap_2+0 has no tries left)" prop_is swap.service RootImage "$V/swap_1.raw"
check "list: swap 1 picked as the only one with tries left" row_has 1 "attached +picked as newest of 1 with tries left in swap\.raw\.v/ \(1 without\)"
systemctl restart swap.service
check "the process sees swap_1 (a)" sh -c "sleep 1; grep -qx IMAGE_VERSION=a /proc/\$(systemctl show -P MainPID swap.service)/root/usr/lib/os-release"
systemctl stop swap.service swap-old.service swap-new.service 2>/dev/null
rm -rf "$V" /var/lib/portables/swap.portable
reload

# 5. attach --now of a versioned directory by path: placed whole, the picked version runs.
mkdir -p /srv/ptest/swap.raw.v
cp "$IMAGES/swap.raw.a" /srv/ptest/swap.raw.v/swap_1.raw
cp "$IMAGES/swap.raw.b" /srv/ptest/swap.raw.v/swap_2.raw
out=$(portables attach --now /srv/ptest/swap.raw.v 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach --now swap.raw.v exits 0" test "$rc" = 0
check "/etc/portables/swap.raw.v is a symlink to the directory" test "$(readlink /etc/portables/swap.raw.v)" = /srv/ptest/swap.raw.v
check "swap.service running when attach returns" is_running swap.service 1
check "swap-new.service (enabled in swap_2) running" is_running swap-new.service 1
check "RootImage= the version picked through the placed directory" prop_is swap.service RootImage /etc/portables/swap.raw.v/swap_2.raw
check "the process sees swap_2 (b)" sees swap.service b
out=$(portables detach --now swap 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "detach --now swap exits 0" test "$rc" = 0
check "swap.service gone" not_loaded swap.service
check "swap-new.service gone" not_loaded swap-new.service
check "/etc/portables/swap.raw.v removed, the source kept" sh -c 'test ! -e /etc/portables/swap.raw.v && test -e /srv/ptest/swap.raw.v/swap_2.raw'

# 6. Attach on drop into a versioned directory: the generator's drop-in makes portables-refresh.path
# watch swap.raw.v/, so a new version copied into it is attached and, with Restart=changed, the
# running unit moves to it, with no command.
rm -rf /srv/ptest/swap.raw.v
mkdir -p "$V"
cp "$IMAGES/swap.raw.a" "$V/swap_1.raw"
settings /var/lib/portables swap Restart=changed
reload
systemctl start swap.service
systemctl enable --now portables-refresh.path >/dev/null 2>&1
trap 'systemctl disable --now portables-refresh.path >/dev/null 2>&1; rm -rf /srv/ptest' EXIT
require "portables-refresh.path is waiting" wait_state portables-refresh.path '^active/waiting' 5
check "portables-refresh.path watches swap.raw.v/ (the generator's drop-in)" \
        sh -c "systemctl cat portables-refresh.path | grep -qx 'PathChanged=$V'"
check "its drop-in is in the generator's directory" test -f "$GEN_DIR/portables-refresh.path.d/50-versioned.conf"
require "swap.service running swap_1" prop_is swap.service RootImage "$V/swap_1.raw"
p1=$(main_pid swap.service)
cp "$IMAGES/swap.raw.b" "$V/.swap_2.raw.tmp" && mv "$V/.swap_2.raw.tmp" "$V/swap_2.raw"
swap_on_2() { test "$(prop swap.service RootImage)" = "$V/swap_2.raw" && is_running swap.service 1; }
wait_swap_2() { for _ in $(seq 40); do swap_on_2 && return 0; sleep 0.5; done; return 1; }
check "within 20s of the drop, swap.service runs swap_2 (no command)" wait_swap_2
check "a new main process" test "$(main_pid swap.service)" != "$p1"
check "the process sees swap_2 (b)" sees swap.service b
check "portables-refresh.service did it" journal_has _SYSTEMD_UNIT=portables-refresh.service "now comes from image $V/swap_2\\.raw" 10
systemctl disable --now portables-refresh.path >/dev/null 2>&1
systemctl stop swap.service swap-old.service swap-new.service 2>/dev/null
rm -rf "$V" /var/lib/portables/swap.portable
reload
