# SPDX-License-Identifier: LGPL-2.1-or-later
# Static users (issue 5): under Profile=trusted (no DynamicUser=) the image's sysusers.d entries are
# created on the host by portables-users@<image>.service before the service starts, and the service
# runs as that user. Idempotent. Entries asking for uid 0, or for another uid of an existing host
# user, refuse the image and change nothing on the host. The image's tmpfiles.d is not applied.
involve sysu.service sysuroot.service sysuclash.service
users_unit='portables-users@var-lib-portables-sysu_1.raw.service'
involve "$users_unit"
dbsum() { cat /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null | sha256sum; }

getent passwd ptestsys >/dev/null && userdel ptestsys 2>/dev/null; getent group ptestgrp >/dev/null && groupdel ptestgrp
require "no user ptestsys on the host before" sh -c '! getent passwd ptestsys'
settings /etc/portables sysu Profile=trusted
place sysu_1.raw /var/lib/portables
reload
require "sysu.service loaded" is_loaded sysu.service
check "sysu.service requires $users_unit" prop_matches sysu.service Requires "$users_unit"
check "sysu.service is ordered after it" prop_matches sysu.service After "$users_unit"
check "portables inspect lists the users to create" sh -c 'portables inspect sysu | grep -q "user ptestsys"'
check "user not created by the reload alone" sh -c '! getent passwd ptestsys'
systemctl start sysu.service
check "sysu.service running" is_running sysu.service
check "$users_unit active" is_active "$users_unit"
uid=$(getent passwd ptestsys | cut -d: -f3)
check "user ptestsys exists on the host (uid '$uid')" test -n "$uid"
check "its uid is in the system range" test "${uid:-0}" -ge 1 -a "${uid:-0}" -lt 1000
check "group ptestgrp exists with member ptestsys" sh -c 'getent group ptestgrp | grep -q ":ptestsys$"'
check "sysu.service runs as ptestsys" test "$(main_uid sysu.service)" = "$uid"
check "its StateDirectory is owned by ptestsys" test "$(stat -c %U /var/lib/sysu)" = ptestsys
check "state written" journal_has _SYSTEMD_UNIT=sysu.service 'PTEST tag=sysu state=ok'

before=$(dbsum)
out=$(portables users sysu 2>&1); rc=$?
say "portables users sysu (again): rc=$rc: $out"
check "portables users is idempotent (exit 0)" test $rc -eq 0
check "a second run changes nothing" test "$(dbsum)" = "$before"

# tmpfiles.d of the image: not applied on the host.
check "image tmpfiles.d f line not applied" test ! -e /etc/ptest-tmpfiles-marker
check "image tmpfiles.d d line not applied" test ! -e /var/lib/ptest-tmpfiles-dir
check "portables inspect lists the tmpfiles.d file as not applied" \
        sh -c 'portables inspect sysu | grep -q "/usr/lib/tmpfiles.d/sysu.conf (not applied)"'

# uid 0: refused, nothing changes.
before=$(dbsum)
mark
settings /etc/portables sysuroot Profile=trusted
place sysuroot.raw /var/lib/portables
reload
check "uid 0 refused by the generator" gen_log_has 'sysuroot.raw not attached: .*user ptestroot asks for uid 0'
check "sysuroot.service not loaded" not_loaded sysuroot.service
out=$(portables users /var/lib/portables/sysuroot.raw 2>&1); rc=$?
say "portables users sysuroot.raw: rc=$rc: $out"
check "portables users refuses uid 0 (exit 1)" test $rc -eq 1
check "... with a message naming the entry" grep -q 'sysuroot.conf:2: user ptestroot asks for uid 0' <<<"$out"
check "no user ptestroot" sh -c '! getent passwd ptestroot'
check "host accounts unchanged" test "$(dbsum)" = "$before"

# A name that exists on the host with another uid: refused.
mark
settings /etc/portables sysuclash Profile=trusted
place sysuclash.raw /var/lib/portables
reload
check "clash with host user daemon refused" gen_log_has 'sysuclash.raw not attached: .*user daemon exists on the host with uid 1, the image asks for uid 4242'
check "host accounts still unchanged" test "$(dbsum)" = "$before"

# Under the default profile the same image creates nobody: dynamic users.
# Detach: the users stay (see portables(1)).
systemctl stop sysu.service
rm -f /var/lib/portables/sysu_1.raw
reload
check "after detach the user ptestsys stays" sh -c 'getent passwd ptestsys >/dev/null'
