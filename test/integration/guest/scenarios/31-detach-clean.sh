# SPDX-License-Identifier: LGPL-2.1-or-later
# portables detach --now --clean: /etc, /var and /run before attach and after detach are the same,
# minus what systemd itself changes meanwhile (journal, its own runtime state): the image's state,
# cache and logs (below /var/lib/private & co, for its dynamic user), its runtime directory, its
# extraction cache entry, the link, the record: nothing of it remains. detach without --now
# refuses while the unit runs, and removes nothing. The same for an image under trusted with
# sysusers.d: the users `portables users` created for it go too (and only those).
involve users.service sysu.service

noise='^/var/(lib|cache|log)/private$|^/etc/(passwd|group|shadow|gshadow)-$|^/run/(ptest|log/journal|systemd/(journal|units|propagate|transient|inaccessible|seats|sessions|users|userdb|notify|private|ask-password|io\.system)|udev|credentials)|^/var/log/journal|^/var/lib/systemd/(random-seed|timers|catalog|coredump|journal)|^/var/tmp/systemd-private-|^/tmp/'
snapshot() { find /etc /var /run -xdev 2>/dev/null | grep -Ev "$noise" | sort; }

mkdir -p /etc/portables
# What scenario 16 (users_1/users_2, state kept across upgrades) leaves, when it ran in this boot.
rm -rf /var/lib/private/users /var/lib/users /var/cache/private/users /var/cache/users \
        /var/log/private/users /var/log/users /run/systemd/portables-cache/claim-run-users
before=$(snapshot)

require "attach --now users_1" portables attach --now "$IMAGES/users_1.raw"
require "users.service running" is_running users.service 5
check "it wrote its state" journal_has _SYSTEMD_UNIT=users.service 'PTEST tag=users counter=1 writes=ok'
check "its state is on the host" test -d /var/lib/private/users
during=$(snapshot)
say "attach added $(comm -13 <(echo "$before") <(echo "$during") | wc -l) paths"

# Without --now: refused while the unit runs, nothing removed.
portables detach users >/dev/null 2>&1; rc=$?
check "detach without --now refuses while users.service runs" test "$rc" = 1
check "the link is still there" test -L /etc/portables/users_1.raw
check "users.service still running" is_running users.service 1

out=$(portables detach --now --clean users 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "detach --now --clean exits 0" test "$rc" = 0
check "users.service gone" not_loaded users.service
after=$(snapshot)
d=$(diff <(echo "$before") <(echo "$after"))
[[ -n "$d" ]] && printf '%s\n' "$d" | sed 's/^/      | /'
check "/etc, /var, /run as before attach" test -z "$d"
check "no /var/lib/private/users" test ! -e /var/lib/private/users
check "no /var/cache/private/users, /var/log/private/users" test ! -e /var/cache/private/users -a ! -e /var/log/private/users

# --- trusted, static users from sysusers.d
dbsum() { cat /etc/passwd /etc/group /etc/shadow /etc/gshadow 2>/dev/null | sha256sum; }
# What scenario 17 (same image, detached without --clean) leaves, when it ran in this boot.
getent passwd ptestsys >/dev/null && userdel ptestsys 2>/dev/null; getent group ptestgrp >/dev/null && groupdel ptestgrp
rm -rf /var/lib/sysu
before=$(snapshot); accounts=$(dbsum)
require "attach --profile=trusted sysu_1" portables attach --profile=trusted "$IMAGES/sysu_1.raw"
# sysu.service has no [Install]: not enabled, so attach --now would not start it.
systemctl start sysu.service
require "sysu.service running" is_running sysu.service 5
check "user ptestsys created" getent passwd ptestsys
check "attach recorded the accounts portables users created" grep -qx 'user ptestsys' /etc/portables/.users/sysu
out=$(portables detach --now --clean sysu 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "detach --now --clean sysu exits 0" test "$rc" = 0
check "user ptestsys removed" sh -c '! getent passwd ptestsys'
check "group ptestgrp removed" sh -c '! getent group ptestgrp'
check "the accounts are as before attach, byte for byte" test "$(dbsum)" = "$accounts"
after=$(snapshot)
d=$(diff <(echo "$before") <(echo "$after"))
[[ -n "$d" ]] && printf '%s\n' "$d" | sed 's/^/      | /'
check "/etc, /var, /run as before attach (trusted image)" test -z "$d"
