# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenarios 16 (dynamic users, state across upgrade and reboot, mount points) and 17
# (static users from sysusers.d under Profile=trusted, tmpfiles.d). Sourced by mkimages.sh, with
# its helpers (new, mk_root, unit, daemon_unit, squash) and $OUT.
#
# users_1.raw, users_2.raw  User=ptestdyn, StateDirectory=/CacheDirectory=/LogsDirectory=/
#                           RuntimeDirectory=users; counts its starts in /var/lib/users/counter
# usersnodir.raw            the same settings, without /var/lib/usersnodir & co in the image
# noresolv.raw              no /etc/resolv.conf, which the default profile binds onto
# sysu_1.raw                sysusers.d: user ptestsys, group ptestgrp (ptestsys a member); runs as
#                           User=ptestsys; tmpfiles.d lines that must not reach the host
# sysuroot.raw              sysusers.d asks for uid 0 for user ptestroot
# sysuclash.raw             sysusers.d asks for uid 4242 for user daemon (uid 1 on Debian)

users_unit() {  # users_unit DIR NAME
        mkdir -p "$1/var/lib/$2" "$1/var/cache/$2" "$1/var/log/$2"
        unit "$1" "$2.service" <<EOS
[Unit]
Description=ptest $2: dynamic user with state

[Service]
Type=exec
User=ptestdyn
StateDirectory=$2
CacheDirectory=$2
LogsDirectory=$2
RuntimeDirectory=$2
ExecStart=/usr/bin/sh -c 'n=\$\$(cat /var/lib/$2/counter 2>/dev/null || echo 0); n=\$\$((n + 1)); echo \$\$n >/var/lib/$2/counter && echo c >/var/cache/$2/c && echo l >/var/log/$2/l && echo r >/run/$2/r && echo "PTEST tag=$2 counter=\$\$n writes=ok"; /usr/bin/ptest-report $2; exec sleep 100000'

[Install]
WantedBy=multi-user.target
EOS
}

for v in 1 2; do
        d=$(new users$v); mk_root "$d" users $v; users_unit "$d" users; squash "$d" "$OUT/users_$v.raw"
done

d=$(new usersnodir); mk_root "$d" usersnodir 1; users_unit "$d" usersnodir
rm -rf "$d/var/lib/usersnodir" "$d/var/cache" "$d/var/log/usersnodir"
squash "$d" "$OUT/usersnodir.raw"

d=$(new noresolv); mk_root "$d" noresolv 1; daemon_unit "$d" noresolv
rm -f "$d/etc/resolv.conf"; squash "$d" "$OUT/noresolv.raw"

# Static users: images for Profile=trusted. sysusers_image NAME SYSUSERS-TEXT prints the tree.
sysusers_image() {
        local d
        d=$(new "$1"); mk_root "$d" "$1" 1
        mkdir -p "$d/usr/lib/sysusers.d" "$d/var/lib/$1"
        printf '%s\n' "$2" >"$d/usr/lib/sysusers.d/$1.conf"
        unit "$d" "$1.service" <<EOS
[Unit]
Description=ptest $1: static user from the image's sysusers.d

[Service]
Type=exec
User=ptestsys
StateDirectory=$1
ExecStart=/usr/bin/sh -c 'echo ok >/var/lib/$1/written && echo "PTEST tag=$1 state=ok"; /usr/bin/ptest-report $1; exec sleep 100000'
EOS
        echo "$d"
}

d=$(sysusers_image sysu '# ptest: a static user and a group
u ptestsys - "ptest static user" /var/lib/sysu
g ptestgrp -
m ptestsys ptestgrp
u root 0 "Super User" /root
r - 500-900')
mkdir -p "$d/usr/lib/tmpfiles.d"
printf '%s\n' 'f /etc/ptest-tmpfiles-marker 0644 root root - from-the-image' 'd /var/lib/ptest-tmpfiles-dir 0755' \
        >"$d/usr/lib/tmpfiles.d/sysu.conf"
squash "$d" "$OUT/sysu_1.raw"

d=$(sysusers_image sysuroot 'u ptestsys - "ptest static user"
u ptestroot 0 "wants to be root"'); squash "$d" "$OUT/sysuroot.raw"
d=$(sysusers_image sysuclash "u ptestsys -
u daemon 4242 \"clashes with the host's daemon\""); squash "$d" "$OUT/sysuclash.raw"
