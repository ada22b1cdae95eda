# SPDX-License-Identifier: LGPL-2.1-or-later
# Confinement: under the default (and nonetwork) profile a hostile image gets what its profile
# grants and nothing else. Each unit of the images of test/integration/mkimages-confine.sh tries
# one way past its sandbox; the scenario starts it (failures ignored: refusing or failing it is
# fine) and then asserts on the host: its files, directories, processes, listeners and units, as
# the kernel and systemd report them. Nothing here looks at what the generator logs or writes:
# whether a unit is refused, loaded and confined, or loaded and broken, only the host counts.
# Two benign images attached beside them must still run with their profile in force.
#
# The host side of it: test/integration/run installs the host units (ptest-host-*.service,
# ptdeps-host*.service, ptpx-host.service, ptesthost-a.service, ptest-pidvictim.service); this
# scenario creates the host files and directories the images aim at, and removes them at the end.
involve ptenv.service hello.service pnonet.service ptpath.path ptsockets-devlog.service ptsockets-quoted.service \
        ptnet.socket ptfsock.socket ptpso.service ptpso-rdso.service ptplus-quoted.service \
        ptplus-cesc.service ptplus-bom.service ptplus-cr.service ptuser-spec.service \
        ptuser-zero.service ptcaps.service ptcaps-bind.service ptstate.service ptrun.service ptpid.service ptest-pidvictim.service \
        ptdeps-wants.service ptdeps-upholds.service ptdeps-requires.service ptdeps-alias.service \
        ptdeps-conflicts.service ptdeps-reqby.service ptdeps-onfail.service ptdeps-onfail2.service \
        ptdeps-trig.timer ptpx-.service ptpx-host.service ptesthost-a.service ptesthost-b.service \
        ptesthost-.service

HOST_UNITS_RUNNING=(ptest-pidvictim.service ptdeps-hostrun.service ptpx-host.service ptesthost-a.service)
HOST_UNITS_IDLE=(ptest-host-wants.service ptest-host-upholds.service ptest-host-reqby.service
                 ptest-host-onfail.service ptest-hostunit2.service ptest-host-aliased.service
                 ptdeps-hostfail.service ptdeps-hosttimer.service)
HOST_PATHS=(/etc/ptest-x /etc/ptest-pso /etc/ptest-rdso /run/ptest-escape-quoted /run/ptest-escape-cesc
            /run/ptest-escape-bom /run/ptest-escape-cr /var/lib/ptest-hostdir /var/lib/private/ptest-hostdir
            /run/ptest-hostrun /run/ptest-host.pid /run/ptest-hostsock)

confine_cleanup() {
        local units
        units=$(generated_units)
        [[ -n "$units" ]] && timeout 60 systemctl stop $units >/dev/null 2>&1
        timeout 60 systemctl stop "${HOST_UNITS_RUNNING[@]}" "${HOST_UNITS_IDLE[@]}" >/dev/null 2>&1
        rm -rf "${HOST_PATHS[@]}"
}
trap confine_cleanup EXIT

# --- helpers (bounded waits only)

# try_start UNIT...: start each, as an operator would; a refusal or failure is not an error here.
try_start() {
        local u
        for u in "$@"; do
                timeout 30 systemctl start "$u" >/dev/null 2>&1 || :
        done
        jobs_idle
}

# Wait (at most 10 s) until systemd has no jobs queued: what a start pulled in has run.
jobs_idle() {
        local i
        for ((i = 0; i < 100; i++)); do
                [[ -z "$(systemctl list-jobs --no-legend 2>/dev/null)" ]] && return 0
                sleep 0.1
        done
        say "jobs still queued after 10 s: $(systemctl list-jobs --no-legend | tr '\n' ';')"
}

loaded() { [[ "$(prop "$1" LoadState)" == loaded ]]; }

# host_absent PATH: nothing at PATH on the host.
host_absent() {
        [[ ! -e "$1" && ! -L "$1" ]] && return 0
        say "on the host: $(ls -ld "$1" 2>&1)"
        return 1
}

# stays_inactive UNIT [SECONDS]: UNIT is not started (watched for SECONDS, default 2).
stays_inactive() {
        local u="$1" t="${2:-2}" i s
        for ((i = 0; i <= t * 10; i++)); do
                s=$(state "$u")
                if [[ ! "$s" =~ ^(inactive|failed)/ ]]; then
                        say "host unit $u is '$s' (expected it never to start)"
                        return 1
                fi
                sleep 0.1
        done
}

# still_running UNIT PID: UNIT still runs, with the same main process.
still_running() {
        local s p; s=$(state "$1"); p=$(main_pid "$1")
        [[ "$s" == active/running && "$p" == "$2" ]] && return 0
        say "host unit $1 is '$s' with main PID '$p' (was active/running with PID $2)"
        return 1
}

# unit_said UNIT: what the unit's processes wrote to the journal since the mark.
unit_said() { since_mark _SYSTEMD_UNIT="$1" -o cat 2>/dev/null; }

# wait_said UNIT REGEX [SECONDS]: wait until the unit wrote a matching line (at most 3 s), if it
# is loaded. journalctl --sync first: journald has then read what the unit's streams hold.
wait_said() {
        local i
        journalctl --sync >/dev/null 2>&1 || :
        loaded "$1" || return 0
        for ((i = 0; i < ${3:-3} * 10; i++)); do
                unit_said "$1" | grep -Eq -- "$2" && return 0
                sleep 0.1
        done
        return 0
}

# never_said UNIT REGEX: the unit's processes never wrote a matching line.
never_said() {
        local l; l=$(unit_said "$1" | grep -E -- "$2")
        [[ -z "$l" ]] && return 0
        say "$1 wrote: $l"
        return 1
}

# not_uid0 UNIT: if UNIT runs, its main process is not uid 0.
not_uid0() {
        local s uid; s=$(state "$1")
        [[ "$s" =~ ^active/ ]] || { say "$1 is '$s' ($(prop "$1" LoadState)): not running"; return 0; }
        uid=$(main_uid "$1")
        [[ -n "$uid" && "$uid" != 0 ]] && return 0
        say "$1 main PID $(main_pid "$1") runs as uid '$uid'"
        return 1
}

# not_main_pid UNIT PID: systemd does not take PID for UNIT's main process.
not_main_pid() {
        local p; p=$(main_pid "$1")
        [[ "$p" != "$2" ]] && return 0
        say "$1 is '$(state "$1")' with MainPID=$p: the host's process"
        return 1
}

# no_host_listener PORT: no TCP socket listens on PORT in the host's network namespace.
no_host_listener() {
        local hex l
        hex=$(printf '%04X' "$1")
        l=$(awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { print FILENAME ": " $2 }' \
                /proc/net/tcp /proc/net/tcp6 2>/dev/null)
        [[ -z "$l" ]] && return 0
        say "listening on the host: $l"
        return 1
}

# fingerprint PATH: type, owner, mode of PATH (not following a symlink).
fingerprint() { stat -c '%F %U:%G %a' "$1" 2>&1; }
is_fingerprint() {
        local f; f=$(fingerprint "$1")
        [[ "$f" == "$2" ]] && return 0
        say "$1 on the host: '$f' (expected '$2')"
        return 1
}

not_from_generator() {  # not_from_generator UNIT: neither its file nor a drop-in from a generator
        local f d; f=$(prop "$1" FragmentPath); d=$(prop "$1" DropInPaths)
        [[ "$f" != /run/systemd/generator* && "$d" != */run/systemd/generator* ]] && return 0
        say "$1 FragmentPath='$f' DropInPaths='$d'"
        return 1
}

# --- the host as it is before

confine_cleanup
mkdir -m 0700 /var/lib/ptest-hostdir
echo host-secret >/var/lib/ptest-hostdir/secret; chmod 0600 /var/lib/ptest-hostdir/secret
mkdir -m 0755 /run/ptest-hostrun; echo host-keep >/run/ptest-hostrun/keep
echo host-data >/run/ptest-hostsock
timeout 30 systemctl start "${HOST_UNITS_RUNNING[@]}"
for u in "${HOST_UNITS_RUNNING[@]}"; do require "host unit $u running" is_running "$u"; done
declare -A HOSTPID
for u in "${HOST_UNITS_RUNNING[@]}"; do HOSTPID[$u]=$(main_pid "$u"); done
echo "${HOSTPID[ptest-pidvictim.service]}" >/run/ptest-host.pid
for u in "${HOST_UNITS_IDLE[@]}"; do require "host unit $u loaded and inactive" sh -c "systemctl show -P LoadState $u | grep -qx loaded && ! systemctl is-active -q $u"; done
require "nothing listens on port 2222 before" no_host_listener 2222

# --- the images, with two benign ones beside them

mkdir -p /etc/default && echo "PTENV_VALUE=HOST-SECRET" >/etc/default/ptenv
for n in ptpath ptsockets ptnet ptfsock ptpso ptplus ptuser ptcaps ptstate ptrun ptpid ptdeps ptpx ptclaim ptenv; do
        place $n.raw /var/lib/portables
done
settings /var/lib/portables ptnet Profile=nonetwork
place hello_1.raw /var/lib/portables
place pnonet.raw /var/lib/portables
settings /var/lib/portables pnonet Profile=nonetwork
mark
reload

say "-- benign images still attach, with their profile in force"
check "hello.service attached" has_portable_dropins hello.service
timeout 30 systemctl start hello.service
check "hello.service runs" is_running hello.service
check "hello.service: DynamicUser=yes" prop_is hello.service DynamicUser yes
check "hello.service: ProtectSystem=strict" prop_is hello.service ProtectSystem strict
check "hello.service: only CAP_NET_BIND_SERVICE raised" prop_is hello.service AmbientCapabilities cap_net_bind_service
check "hello.service: NoNewPrivileges=yes" prop_is hello.service NoNewPrivileges yes
check "hello.service runs as a dynamic user" is_dynamic_uid hello.service
check "pnonet.service (nonetwork) attached" has_portable_dropins pnonet.service
check "pnonet.service: DynamicUser=yes" prop_is pnonet.service DynamicUser yes
check "pnonet.service: ProtectSystem=strict" prop_is pnonet.service ProtectSystem strict
check "pnonet.service: PrivateNetwork=yes" prop_is pnonet.service PrivateNetwork yes

say "-- 1: a path unit with MakeDirectory= on a host path"
try_start ptpath.path
check "1 path unit: /etc/ptest-x not created on the host" host_absent /etc/ptest-x

say "-- 2: a service that names the host's journal sockets in Sockets="
try_start ptsockets-devlog.service ptsockets-quoted.service
for u in ptsockets-devlog.service ptsockets-quoted.service; do
        wait_said $u 'PTEST tag='
        unit_said $u | sed 's/^/      | /'
        check "2 ${u%.service}: gets no file descriptors of host sockets (no LISTEN_FDS)" never_said $u 'LISTEN_FDS=[0-9]'
done

say "-- 3: a socket on the host's network for an image under Profile=nonetwork"
try_start ptnet.socket
check "3 nonetwork socket: nothing listens on 127.0.0.1:2222 on the host" no_host_listener 2222

say "-- 3b: a socket path where the host has a file"
try_start ptfsock.socket
check "3b socket path: the host's /run/ptest-hostsock is still its file" \
        sh -c 'test -f /run/ptest-hostsock -a ! -L /run/ptest-hostsock && test "$(cat /run/ptest-hostsock)" = host-data' ||
        say "/run/ptest-hostsock: $(fingerprint /run/ptest-hostsock)"
timeout 30 systemctl stop ptfsock.socket >/dev/null 2>&1
check "3b socket path: still the host's file after the socket stopped" \
        sh -c 'test -f /run/ptest-hostsock && test "$(cat /run/ptest-hostsock)" = host-data'

say "-- 4: control commands without the sandbox (PermissionsStartOnly=, RootDirectoryStartOnly=)"
try_start ptpso.service ptpso-rdso.service
check "4 PermissionsStartOnly: /etc/ptest-pso not created on the host" host_absent /etc/ptest-pso
check "4b RootDirectoryStartOnly: /etc/ptest-rdso not created on the host" host_absent /etc/ptest-rdso
for u in ptpso.service ptpso-rdso.service; do
        wait_said $u 'PTEST tag='
        check "4 ${u%.service}: no command ran as uid 0" never_said $u 'PTEST tag=.* uid=0$'
done

say "-- 5: ExecStartPre=+ hidden by quoting, a C escape, a byte order mark, a lone CR"
try_start ptplus-quoted.service ptplus-cesc.service ptplus-bom.service ptplus-cr.service
for t in quoted cesc bom cr; do
        check "5 $t: /run/ptest-escape-$t not created on the host" host_absent /run/ptest-escape-$t
        wait_said ptplus-$t.service 'PTEST tag='
        check "5 $t: no command ran as uid 0" never_said ptplus-$t.service 'PTEST tag=.* uid=0$'
done

say "-- 6: User= that resolves to root"
try_start ptuser-spec.service ptuser-zero.service
for u in ptuser-spec.service ptuser-zero.service; do
        check "6 ${u%.service}: does not run as uid 0" not_uid0 $u
        wait_said $u 'PTEST tag='
        check "6 ${u%.service}: wrote no uid=0" never_said $u 'PTEST tag=.* uid=0$'
done

say "-- 6b: AmbientCapabilities=CAP_SETUID, then setuid(0)"
try_start ptcaps.service
check "6b ptcaps: does not run as uid 0" not_uid0 ptcaps.service
wait_said ptcaps.service 'PTEST tag='
check "6b ptcaps: nothing ran as uid 0" never_said ptcaps.service 'PTEST tag=.* uid=0$'
check "6b ptcaps: not attached (the capability is refused)" not_loaded ptcaps.service

say "-- 6c: a bind mount below the service's own StateDirectory=, through a planted symlink"
try_start ptcaps-bind.service
timeout 10 systemctl reload ptcaps-bind.service >/dev/null 2>&1 || :
timeout 10 systemctl restart ptcaps-bind.service >/dev/null 2>&1 || :
check "6c ptcaps-bind: no /etc/sub or /etc/ptest-bind-escape made on the host" \
        sh -c '! test -e /etc/ptest-bind-escape && ! test -e /etc/sub/ptest-bind-escape'
check "6c ptcaps-bind: not attached (the mount point is refused)" not_loaded ptcaps-bind.service

say "-- 7: StateDirectory= named like a host directory"
try_start ptstate.service
unit_said ptstate.service | sed 's/^/      | /'
check "7 StateDirectory: /var/lib/ptest-hostdir still root's 0700 directory" \
        is_fingerprint /var/lib/ptest-hostdir 'directory root:root 700'
check "7 StateDirectory: its file intact and root's" \
        sh -c 'test "$(cat /var/lib/ptest-hostdir/secret)" = host-secret && test "$(stat -c %U:%G /var/lib/ptest-hostdir/secret)" = root:root'
check "7 StateDirectory: not moved to /var/lib/private" host_absent /var/lib/private/ptest-hostdir

say "-- 8: RuntimeDirectory= named like a host directory"
try_start ptrun.service
check "8 RuntimeDirectory: /run/ptest-hostrun still root's after start" \
        is_fingerprint /run/ptest-hostrun 'directory root:root 755'
timeout 30 systemctl stop ptrun.service >/dev/null 2>&1
check "8 RuntimeDirectory: /run/ptest-hostrun and its file still there after stop" \
        sh -c 'test -d /run/ptest-hostrun && test "$(cat /run/ptest-hostrun/keep)" = host-keep'

say "-- 9: PIDFile= the host's PID file, naming a host process"
victim=${HOSTPID[ptest-pidvictim.service]}
try_start ptpid.service
check "9 PIDFile: ptpid.service did not adopt the host's process $victim" not_main_pid ptpid.service "$victim"
timeout 30 systemctl stop ptpid.service >/dev/null 2>&1
jobs_idle
check "9 PIDFile: /run/ptest-host.pid still there after stop" \
        sh -c "test \"\$(cat /run/ptest-host.pid 2>/dev/null)\" = $victim" || say "/run/ptest-host.pid: $(fingerprint /run/ptest-host.pid)"
check "9 PIDFile: the host's process $victim still runs" still_running ptest-pidvictim.service "$victim"

say "-- 10: dependencies on host units"
try_start ptdeps-wants.service
check "10 Wants=: ptest-host-wants.service not started" stays_inactive ptest-host-wants.service
try_start ptdeps-upholds.service
check "10 Upholds=: ptest-host-upholds.service not started" stays_inactive ptest-host-upholds.service
try_start ptdeps-requires.service
check "10 Requires=: ptest-hostunit2.service not started" stays_inactive ptest-hostunit2.service
try_start ptdeps-alias.service
check "10 Requires= a host alias: ptest-host-aliased.service not started" stays_inactive ptest-host-aliased.service
try_start ptdeps-conflicts.service
check "10 Conflicts= a host unit named with the image's prefix: ptdeps-hostrun.service still runs" \
        still_running ptdeps-hostrun.service "${HOSTPID[ptdeps-hostrun.service]}"
check "10 [Install] RequiredBy=: ptest-host-reqby.service requires no unit of the image" \
        prop_not_matches ptest-host-reqby.service Requires 'ptdeps'
check "10 [Install] RequiredBy=: nor wants one" prop_not_matches ptest-host-reqby.service Wants 'ptdeps'
timeout 30 systemctl start ptest-host-reqby.service
reqby_pid=$(main_pid ptest-host-reqby.service)
timeout 30 systemctl stop ptdeps-reqby.service >/dev/null 2>&1 || :
jobs_idle
check "10 [Install] RequiredBy=: stopping the image's unit leaves ptest-host-reqby.service running" \
        still_running ptest-host-reqby.service "$reqby_pid"
try_start ptdeps-onfail2.service
check "10 OnFailure= a host unit named with the image's prefix: ptdeps-hostfail.service not started" \
        stays_inactive ptdeps-hostfail.service
try_start ptdeps-trig.timer
if loaded ptdeps-trig.timer; then
        for ((i = 0; i < 50; i++)); do [[ "$(prop ptdeps-trig.timer LastTriggerUSec)" =~ [0-9] ]] && break; sleep 0.1; done
        jobs_idle
fi
check "10 a timer's Unit= a host unit named with the image's prefix: ptdeps-hosttimer.service not started" \
        stays_inactive ptdeps-hosttimer.service
try_start ptdeps-onfail.service
check "10 OnFailure= with OnFailureJobMode=isolate: ptest-host-onfail.service not started" \
        stays_inactive ptest-host-onfail.service
check "10 the host still runs: multi-user.target active" prop_is multi-user.target ActiveState active
check "10 the host still runs: hello.service untouched" is_running hello.service 1

say "-- 11: a unit named PREFIX-.service: its drop-ins would apply to every host unit PREFIX-*.service"
try_start ptpx-.service
check "11 ptpx-host.service has no drop-in from the generator" not_from_generator ptpx-host.service
check "11 ptpx-host.service has no RootImage=" prop_is ptpx-host.service RootImage ''
check "11 ptpx-host.service has not the image's environment" prop_not_matches ptpx-host.service Environment PTEST_PTPX
check "11 ptpx-host.service still runs, same process" still_running ptpx-host.service "${HOSTPID[ptpx-host.service]}"

say "-- 12: PORTABLE_PREFIXES= claiming the namespace of a host unit"
try_start ptesthost-.service ptesthost-b.service
check "12 ptesthost-a.service still the host's unit" \
        prop_matches ptesthost-a.service FragmentPath '^(/usr)?/lib/systemd/system/ptesthost-a\.service$'
check "12 ptesthost-a.service has nothing from the generator" not_from_generator ptesthost-a.service
check "12 ptesthost-a.service has no RootImage=" prop_is ptesthost-a.service RootImage ''
check "12 ptesthost-a.service has not the image's environment" prop_not_matches ptesthost-a.service Environment PTEST_CLAIM
check "12 ptesthost-a.service still runs, same process" still_running ptesthost-a.service "${HOSTPID[ptesthost-a.service]}"

say "-- 13: EnvironmentFile= is the image's file, not the host's"
timeout 30 systemctl start ptenv.service
check "13 ptenv.service ran with the image's value" journal_has PORTABLE=ptenv.raw "PTEST tag=ptenv value=from the image, 100%n"
check "13 ptenv.service never saw the host's file" sh -c '! journalctl -q -b --no-pager PORTABLE=ptenv.raw -o cat | grep -q HOST-SECRET'
check "13 ptenv.service: no EnvironmentFile= left for the host" sh -c '[ -z "$(systemctl show -P EnvironmentFiles ptenv.service)" ]'
rm -f /etc/default/ptenv

say "-- the benign image is still fine"
check "hello.service still runs as a dynamic user" is_dynamic_uid hello.service
