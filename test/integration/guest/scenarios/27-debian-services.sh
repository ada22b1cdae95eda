# SPDX-License-Identifier: LGPL-2.1-or-later
# Unmodified Debian 12 services as portable images: a measurement. One squashfs of a debootstrapped
# tree with all of them (debsvc.raw, mkimages-debsvc.sh) is placed, one service at a time, under
# the service's name (a symlink NAME.raw to it: each name attaches only its own units). For each
# service and profile it records whether the unit is attached, active (running, NRestarts=0 a few
# seconds after the start) and answers with its own protocol on its port or socket, with a reason
# where not, into /results/debian-services.tsv (printed by `run`). Then the same images once more
# with upstream's `portablectl attach --profile=default` and `--profile=trusted` (systemd-container's
# own profiles; the generator masked), the same columns.
#
# A service that does not run is recorded, not failed: checks assert only what works today (EXPECT
# below), so that a regression fails the suite. Under nonetwork and strict the service has a network
# namespace of its own: the probe runs in it (nsenter -n), as a client beside the service would.
involve redis-server.service memcached.service mosquitto.service nginx.service lighttpd.service \
        prometheus-node-exporter.service haproxy.service unbound.service dnsmasq.service chrony.service

DEBSVC_IMAGE=$IMAGES/debsvc.raw
TSV=/results/debian-services.tsv
SETTLE=${PTEST_DEBSVC_SETTLE:-2}
[[ -f $DEBSVC_IMAGE ]] || { echo "no debsvc.raw in the image library" >"$PTEST_STATE/skip"; exit 0; }
printf 'service\tprofile\tattached\tactive\tanswers\treason\n' >"$TSV"

# service:probe. The image name is the unit's prefix: NAME.raw attaches NAME.service.
SERVICES=(redis-server:redis memcached:memcached mosquitto:mqtt nginx:http lighttpd:http
          prometheus-node-exporter:metrics haproxy:none unbound:dns dnsmasq:dns chrony:none)

# What works today with the generator of this tree, measured (service:profile:what, what =
# answers, active or refused): each is checked, so that it keeps working.
# refused = not attached, with the reason at attach time (not left in a restart loop).
EXPECT=(redis-server:default:answers mosquitto:default:answers nginx:default:answers
        lighttpd:default:answers prometheus-node-exporter:default:answers dnsmasq:default:answers
        haproxy:default:refused unbound:default:refused chrony:default:refused)

# The probes, as a script: run as is, or inside a service's network namespace. Each prints what
# it got and exits 0 only when the service answered in its own protocol.
cat >/run/ptest/debsvc-probe <<'EOS'
#!/bin/bash
exec 2>/dev/null
nc() { busybox timeout 5 busybox nc "$@"; }
case "$1" in
redis)
        out=$(printf 'PING\r\nQUIT\r\n' | nc 127.0.0.1 6379 | tr -d '\r' | head -n 1)
        echo "PING -> ${out:-nothing}"; [[ $out == "+PONG" ]] ;;
memcached)
        out=$(printf 'version\r\nquit\r\n' | nc 127.0.0.1 11211 | tr -d '\r' | head -n 1)
        echo "version -> ${out:-nothing}"; [[ $out == VERSION* ]] ;;
mqtt)
        # CONNECT (MQTT 3.1.1, clean session, keep-alive 60, client id "ptst"), then DISCONNECT.
        out=$(printf '\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04ptst\xe0\x00' | nc 127.0.0.1 1883 |
                od -An -tx1 -N4 | xargs)
        echo "CONNECT -> ${out:-nothing}"; [[ $out == "20 02 00 00" ]] ;;
http)
        out=$(printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' | nc 127.0.0.1 80 | tr -d '\r' | head -n 1)
        echo "GET / -> ${out:-nothing}"; [[ $out == HTTP/1.* ]] ;;
metrics)
        out=$(printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' | nc 127.0.0.1 9100 | tr -d '\r' 2>/dev/null |
                grep -m 1 '^node_')
        echo "GET /metrics -> ${out:-no node_ line}"; [[ $out == node_* ]] ;;
dns)
        # A query for localhost. A (id 0x1234, recursion desired) over UDP to 127.0.0.1:53.
        out=$(exec 3<>/dev/udp/127.0.0.1/53 &&
                printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x09localhost\x00\x00\x01\x00\x01' >&3 &&
                busybox timeout 3 dd bs=512 count=1 <&3 2>/dev/null | od -An -tx1 -v | xargs)
        set -- $out
        if [[ $# -ge 12 && $1 == 12 && $2 == 34 && $(( 0x$3 & 0x80 )) != 0 ]]; then
                echo "localhost. A -> rcode=$(( 0x$4 & 0x0f )) answers=$(( 0x$7 * 256 + 0x$8 ))"; exit 0
        fi
        echo "localhost. A -> ${out:-nothing}"; exit 1 ;;
*)      echo "no probe"; exit 2 ;;
esac
EOS
chmod 0755 /run/ptest/debsvc-probe

oneline() { tr '\n\t' '  ' | sed -e 's/  */ /g' -e 's/^ //' -e 's/ $//' | cut -c1-300; }

# Why UNIT failed, from its journal since the mark: the service's own last lines (its processes:
# _SYSTEMD_UNIT=), then systemd's first line that names the step or the error.
unit_tail() {
        local own sys
        # Lines that say what went wrong first (a daemon's warnings and info lines come before them).
        own=$(since_mark _SYSTEMD_UNIT="$1" -o cat | awk '!seen[$0]++' |
                grep -i -E 'emerg|error|fatal|fail|denied|cannot|can.t|not permitted|read-only|invalid|only root|not supported' |
                tail -n "${2:-2}" | sed 's/$/ |/' | oneline)
        [[ -n $own ]] || own=$(since_mark _SYSTEMD_UNIT="$1" -o cat | awk '!seen[$0]++' | tail -n "${2:-2}" | sed 's/$/ |/' | oneline)
        sys=$(since_mark -u "$1" -o cat | grep -E -m 1 'Failed (at step|to (set up|determine|load|execute|run|spawn|open|mount))|skipped because|code=(exited|killed|dumped)')
        echo "$own${own:+ }$sys" | oneline
}

# Why the generator did not attach NAME: `portables inspect`'s state and what it says of UNIT
# (every refused setting); else the generator's journal lines about it.
gen_reason() {
        local name="$1" unit="$2" r
        r=$(portables inspect "$name" 2>/dev/null | awk -v u="$unit" '
                /^ *State:/ { print; next }
                /^        [^ ]/ { on = (index($0, "        " u " ") == 1) }
                on' | head -n 8 | oneline)
        # Without the helper (PTEST_FAKE_GENERATOR): the generator's lines about UNIT, else the image's.
        [[ -n $r ]] || r=$(gen_log | grep -F "/$name.raw" | grep -E -m 3 "unit $unit( |:)" | oneline)
        [[ -n $r ]] || r=$(gen_log | grep -F "/$name.raw" | tail -n 2 | oneline)
        r=${r//Image \/var\/lib\/portables\/$name.raw: /}
        echo "${r:-no reason found}"
}

# measure SERVICE PROBE PROFILE MODE: MODE gen (the generator) or upstream (portablectl attach).
# Places the image, starts the unit, waits SETTLE seconds, probes, records a row, cleans up.
measure() {
        local name="$1" kind="$2" profile="$3" mode="$4" unit="$1.service"
        local attached=no active=no answers=- reason="" st nr pid out label=$profile
        mark
        if [[ $mode == gen ]]; then
                ln -sfn "$DEBSVC_IMAGE" "/var/lib/portables/$name.raw"
                [[ $profile == default ]] || settings /var/lib/portables "$name" "Profile=$profile"
                reload
                if [[ $(prop "$unit" LoadState) == loaded && $(prop "$unit" FragmentPath) == "$GEN_DIR/"* ]]; then
                        attached=yes
                else
                        reason="not attached: $(gen_reason "$name" "$unit")"
                fi
        else
                label=upstream-$profile
                ln -f "$DEBSVC_IMAGE" "/var/tmp/debsvc/$name.raw" 2>/dev/null || cp "$DEBSVC_IMAGE" "/var/tmp/debsvc/$name.raw"
                if out=$(timeout 60 portablectl attach --runtime --no-pager --profile="$profile" "/var/tmp/debsvc/$name.raw" 2>&1) &&
                   [[ $(prop "$unit" LoadState) == loaded ]]; then
                        attached=yes
                        # Once per profile: portabled used systemd-container's profile, not ours.
                        [[ -n ${UPSTREAM_CHECKED[$profile]:-} ]] || check "portablectl --profile=$profile used systemd-container's $profile" \
                                cmp -s "/run/systemd/system.attached/$unit.d/10-profile.conf" "$UPSTREAM_PROFILES/$profile/service.conf"
                        UPSTREAM_CHECKED[$profile]=1
                else
                        reason="not attached: portablectl: $(oneline <<<"$out")"
                fi
        fi
        if [[ $attached == yes ]]; then
                timeout 30 systemctl start "$unit" >/dev/null 2>&1
                sleep "$SETTLE"
                st=$(state "$unit") nr=$(prop "$unit" NRestarts)
                if [[ $st == active/running && $nr == 0 ]]; then
                        active=yes
                        pid=$(main_pid "$unit")
                        if [[ $kind != none ]]; then
                                if [[ $(prop "$unit" PrivateNetwork) == yes ]]; then
                                        out=$(nsenter -t "$pid" -n /run/ptest/debsvc-probe "$kind") && answers=yes || answers=no
                                        out="$out (in its network namespace)"
                                else
                                        out=$(/run/ptest/debsvc-probe "$kind") && answers=yes || answers=no
                                fi
                                [[ $answers == yes ]] || reason="no answer: $out; $(unit_tail "$unit" 2)"
                                say "$name ($label): $out"
                        fi
                else
                        reason="$st NRestarts=$nr Result=$(prop "$unit" Result)"
                        [[ $(prop "$unit" ConditionResult) == no ]] && reason="$reason, a condition failed"
                        reason="$reason: $(unit_tail "$unit" 3)"
                fi
        fi
        say "$name ($label): attached=$attached active=$active answers=$answers ${reason:+- $reason}"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$attached" "$active" "$answers" "${reason:--}" >>"$TSV"
        RESULT["$name:$label"]="$attached:$active:$answers"
        # Clean up: stop, remove the image, reload.
        timeout 30 systemctl stop "$unit" >/dev/null 2>&1
        if [[ $mode == gen ]]; then
                rm -f "/var/lib/portables/$name.raw" "/var/lib/portables/$name.portable"
                reload
        else
                timeout 60 portablectl detach --runtime --no-pager "/var/tmp/debsvc/$name.raw" >/dev/null 2>&1 ||
                        say "portablectl detach $name.raw failed"
                rm -f "/var/tmp/debsvc/$name.raw"
        fi
        systemctl reset-failed "$unit" >/dev/null 2>&1 || :
}

declare -A RESULT UPSTREAM_CHECKED
T0=$SECONDS
# --- the generator of this tree: default (no settings file), nonetwork, strict
for p in default nonetwork strict; do
        for s in "${SERVICES[@]}"; do
                measure "${s%%:*}" "${s#*:}" "$p" gen
        done
done
say "generator pass: $((SECONDS - T0))s"

# --- upstream: portablectl with systemd-container's own profiles, the generator masked
T1=$SECONDS
UPSTREAM_PROFILES=/usr/local/share/ptest/upstream-profile
if [[ ${PTEST_DEBSVC_UPSTREAM:-1} == 1 ]] && command -v portablectl >/dev/null && [[ -d $UPSTREAM_PROFILES ]]; then
        mkdir -p /etc/systemd/system-generators /run/systemd/portable/profile /var/tmp/debsvc
        ln -sfn /dev/null /etc/systemd/system-generators/systemd-portable-generator
        # Ours replaced systemd-container's files at the same paths; /run/systemd/portable/profile
        # comes first in portabled's search path.
        for p in default trusted; do
                rm -rf "/run/systemd/portable/profile/$p"
                cp -r "$UPSTREAM_PROFILES/$p" "/run/systemd/portable/profile/$p"
        done
        reload
        for p in default trusted; do
                for s in "${SERVICES[@]}"; do
                        measure "${s%%:*}" "${s#*:}" "$p" upstream
                done
        done
        rm -f /etc/systemd/system-generators/systemd-portable-generator
        rm -rf /run/systemd/portable/profile/default /run/systemd/portable/profile/trusted /var/tmp/debsvc
        reload
        say "upstream pass: $((SECONDS - T1))s"
else
        note "27: upstream pass skipped (portablectl or systemd-container's profiles missing)"
fi

# --- what works today must keep working
for e in "${EXPECT[@]}"; do
        IFS=: read -r name profile what <<<"$e"
        r=${RESULT["$name:$profile"]:-}
        case $what in
        answers) check "$name ($profile) answers with its own protocol" test "$r" = yes:yes:yes ;;
        active)  check "$name ($profile) is active" test "${r%:*}" = yes:yes ;;
        refused) check "$name ($profile) is refused at attach time" test "${r%%:*}" = no ;;
        esac
done
