# SPDX-License-Identifier: LGPL-2.1-or-later
# Attach on drop: with portables-refresh.path enabled, copying an image into /var/lib/portables is
# all it takes: no daemon-reload, no start. Its enabled service runs within seconds; an image with
# Enable=no is attached but not started; a unit of an image that stays is left running; removing
# an image stops its unit and detaches it. Needs `portables refresh` (helper/refresh.c).
involve hello.service dirsvc.service bootno.service portables-refresh.service portables-refresh.path

# gone_within UNIT SECONDS: the unit is stopped and systemd has forgotten it (LoadState=not-found).
gone_within() {
        local i
        for ((i = 0; i < $2 * 10; i++)); do
                [[ "$(prop "$1" LoadState)" == not-found ]] && return 0
                sleep 0.1
        done
        say "$1 is '$(prop "$1" LoadState) $(state "$1")' after ${2}s (expected gone)"
        return 1
}

# refresh_log REGEX [SECONDS]: portables-refresh.service logged a matching line this boot.
refresh_log() { journal_has _SYSTEMD_UNIT=portables-refresh.service "$1" "${2:-10}"; }

trap 'systemctl disable --now portables-refresh.path >/dev/null 2>&1 || :' EXIT

require "portables knows the 'refresh' verb" sh -c 'portables --help 2>&1 | grep -qw refresh'
require "portables-refresh.path is installed" is_loaded portables-refresh.path
systemctl enable --now portables-refresh.path
require "portables-refresh.path is waiting" wait_state portables-refresh.path '^active/waiting' 5
check "portables-refresh.path runs after the mount of /var/lib/portables" \
        prop_matches portables-refresh.path RequiresMountsFor '/var/lib/portables'

# 1. Drop a squashfs image: its enabled service comes up by itself.
place hello_1.raw /var/lib/portables
check "hello.service running within 10s of the copy, no command" is_running hello.service 10
check "hello.service comes from the generator" from_generator hello.service
check "it is sandboxed like any attached unit" has_portable_dropins hello.service
check "portables-refresh.service started it" refresh_log 'Starting hello\.service'
hello_pid=$(main_pid hello.service)

# 2. A burst: a directory image (many files) and a raw image with Enable=no, together.
settings /var/lib/portables bootno Enable=no
place dirsvc /var/lib/portables
place bootno.raw /var/lib/portables
check "dirsvc.service (directory image) running within 10s" is_running dirsvc.service 10
check "bootno.service attached" refresh_log 'Unit bootno\.service of image /var/lib/portables/bootno\.raw is attached'
check "bootno.service loaded" is_loaded bootno.service
check "bootno.service (Enable=no) not started" is_inactive bootno.service
check "hello.service left running, not restarted" prop_is hello.service NRestarts 0
check "hello.service still the same process" test "$(main_pid hello.service)" = "$hello_pid"
n=$(journalctl -q --no-pager -b _SYSTEMD_UNIT=portables-refresh.service -o cat 2>/dev/null | grep -c 'Refresh done')
note "portables-refresh.service ran $n time(s) for 4 drops in 2 bursts"

# 3. Remove images: their units stop and go, others stay.
rm -f /var/lib/portables/hello_1.raw
check "hello.service stopped and gone within 10s" gone_within hello.service 10
check "portables-refresh.service stopped it" refresh_log 'Unit hello\.service of image /var/lib/portables/hello_1\.raw is gone; stopping it'
check "dirsvc.service still running" is_running dirsvc.service 1
rm -rf /var/lib/portables/dirsvc
check "dirsvc.service stopped and gone within 10s" gone_within dirsvc.service 10
check "no unit of the removed images in the generator dir" \
        sh -c "! ls $GEN_DIR | grep -Eq '^(hello|dirsvc)\\.service'"
check "portables-refresh.service did not fail" sh -c '[ "$(systemctl show -P Result portables-refresh.service)" = success ]'
