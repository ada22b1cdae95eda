# SPDX-License-Identifier: LGPL-2.1-or-later
# Profiles, one image each, chosen by NAME.portable: strict and nonetwork cannot reach a listener
# on loopback, default can, trusted can and sees the host's /run. An unknown profile leaves the
# image unattached with a log line saying so. Records `systemd-analyze security` per profile, and
# checks that each of default, nonetwork and strict exposes strictly less than upstream systemd's
# profile of the same name on the same unit in the same boot.
involve pdefault.service pnonet.service pstrict.service ptrusted.service pwiden.service ptest-listener.service
mkdir -p /tmp/ptest-www && echo ptest-listener-ok >/tmp/ptest-www/ok.txt
systemctl stop ptest-listener.service >/dev/null 2>&1
systemd-run -q --unit=ptest-listener busybox httpd -f -p 127.0.0.1:8090 -h /tmp/ptest-www
touch /run/ptest-host-marker
require "loopback listener answers on the host" sh -c 'sleep 0.3; busybox timeout 5 busybox wget -q -O - http://127.0.0.1:8090/ok.txt | grep -q ptest-listener-ok'

for n in pdefault pnonet pstrict ptrusted pbogus pwiden; do place $n.raw /var/lib/portables; done
# pdefault has no settings file: the default profile applies.
settings /var/lib/portables pnonet Profile=nonetwork
settings /var/lib/portables pstrict Profile=strict
settings /etc/portables ptrusted Profile=trusted       # settings may live in another portables dir
settings /var/lib/portables pbogus Profile=nosuchprofile
settings /var/lib/portables pwiden Profile=strict
mark
reload

probe() {       # probe NAME PROFILE NET HOSTRUN
        local n="$1" p="$2" net="$3" hostrun="$4" f
        check "$n.service loaded" is_loaded $n.service || return
        f=/usr/lib/systemd/portable/profile/$p/service.conf
        check "$n: 10-profile.conf carries every setting of profile $p" \
                sh -c "grep -v -e '^#' -e '^\$' -e '^\[' $f | sed -e 's/[[:space:]]*\\\\\$//' | while read -r l; do grep -qF -- \"\$l\" $GEN_DIR/$n.service.d/10-profile.conf || { echo \"      missing: \$l\"; exit 1; }; done"
        check "$n: systemd-analyze verify is clean" verify_clean $n.service
        systemctl start $n.service
        check "$n: ran" is_active $n.service
        check "$n ($p): network to loopback $net" journal_has PORTABLE=$n.raw "PTEST tag=$n NET=$net"
        check "$n ($p): sees host /run: $hostrun" journal_has PORTABLE=$n.raw "PTEST tag=$n HOSTRUN=$hostrun"
        local e; e=$(exposure $n.service)
        say "systemd-analyze security $n.service ($p): $e"
        EXPOSURE[$p]=$e
}
declare -A EXPOSURE
: >/results/security.tsv
probe pdefault default ok no
probe pnonet nonetwork fail no
probe pstrict strict fail no
probe ptrusted trusted ok yes
check "default profile: DynamicUser=yes" prop_is pdefault.service DynamicUser yes
check "strict profile: DynamicUser=yes" prop_is pstrict.service DynamicUser yes
check "nonetwork profile: PrivateNetwork=yes" prop_is pnonet.service PrivateNetwork yes

# pwiden.service (strict) adds RestrictAddressFamilies=AF_INET AF_INET6 and SystemCallFilter=@mount
# @privileged in its own unit: systemd merges such allow-lists, so unless the generator refuses or
# neutralises them the unit gets more than its profile allows.
if [[ "$(prop pwiden.service LoadState)" == loaded ]]; then
        say "pwiden.service attached; RestrictAddressFamilies=$(prop pwiden.service RestrictAddressFamilies)"
        # The generator applies the intersection of the unit's list (AF_INET AF_INET6) and the
        # profile's (AF_UNIX): nothing, "none". What matters: no family beyond the profile's.
        check "pwiden (strict): RestrictAddressFamilies= has no AF_INET/AF_INET6" \
                sh -c '! systemctl show -P RestrictAddressFamilies pwiden.service | grep -E "AF_INET"'
        check "pwiden (strict): the generator logged what it did not apply" \
                journal_has SYSLOG_IDENTIFIER=systemd-portable-generator "pwiden.service: .*RestrictAddressFamilies=AF_INET.* would widen profile 'strict'"
        check "pwiden (strict): SystemCallFilter= has no mount()" sh -c '! systemctl show -P SystemCallFilter pwiden.service | tr " " "\n" | grep -x mount >/dev/null'
        systemctl start pwiden.service
        check "pwiden (strict): still no network to loopback" journal_has PORTABLE=pwiden.raw "PTEST tag=pwiden NET=fail"
else
        check "pwiden: refused with a line naming the widening setting" gen_log_has 'pwiden.*(RestrictAddressFamilies|SystemCallFilter)'
fi

check "unknown profile: pbogus.service not attached" not_loaded pbogus.service
check "unknown profile: no generator output for pbogus" test ! -e $GEN_DIR/pbogus.service
check "unknown profile: a generator line names the image and the profile" gen_log_has 'pbogus.*nosuchprofile|nosuchprofile.*pbogus'
systemctl stop ptest-listener.service
rm -f /run/ptest-host-marker

# Upstream's profiles (systemd-container's files, saved by `run` before the project's replaced
# them) on the same units, in the same boot: the very same unit and image, only 10-profile.conf
# differs. Each of ours must expose strictly less (systemd-analyze security: lower is better).
# Without upstream's files: the exposure systemd 252 gives them.
UPSTREAM_PROFILES=/usr/local/share/ptest/upstream-profile
declare -A UPSTREAM_252=([default]="3.2 OK" [nonetwork]="2.0 OK" [strict]="0.9 SAFE")
below() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { exit !(a != "" && b != "" && a + 0 < b + 0) }'; }
systemctl stop pdefault.service pnonet.service pstrict.service
for spec in pdefault:default pnonet:nonetwork pstrict:strict; do
        n=${spec%%:*} p=${spec#*:}
        [[ -f $UPSTREAM_PROFILES/$p/service.conf ]] && settings /var/lib/portables $n Profile=$UPSTREAM_PROFILES/$p
done
reload
for spec in pdefault:default pnonet:nonetwork pstrict:strict; do
        n=${spec%%:*} p=${spec#*:} f=$UPSTREAM_PROFILES/$p/service.conf
        if [[ -f $f ]]; then
                check "$n: 10-profile.conf is now upstream's $p" \
                        sh -c "grep -v -e '^#' -e '^\$' $f | while IFS= read -r l; do grep -qxF -- \"\$l\" $GEN_DIR/$n.service.d/10-profile.conf || exit 1; done"
                up=$(exposure $n.service) how="measured"
        else
                up=${UPSTREAM_252[$p]} how="systemd 252's, not measured: no upstream profile files"
        fi
        say "systemd-analyze security $n.service: $p ${EXPOSURE[$p]}, upstream's $p $up ($how)"
        check "$p: exposure ${EXPOSURE[$p]} strictly below upstream's $p ($up)" below "${EXPOSURE[$p]}" "$up"
        printf '%s\t%s\t%s\tupstream %s\n' "$p" "$n.service" "${EXPOSURE[$p]}" "$up" >>/results/security.tsv
done
printf '%s\t%s\t%s\n' trusted ptrusted.service "${EXPOSURE[trusted]}" >>/results/security.tsv
