# SPDX-License-Identifier: LGPL-2.1-or-later
# Dynamic users and state (issue 5): under the default profile (DynamicUser=yes) an image's
# User=ptestdyn runs as a dynamic user of that name; StateDirectory=, CacheDirectory=,
# LogsDirectory= and RuntimeDirectory= work from the read-only image, and the state survives an
# upgrade from users_1 to users_2 (and a reboot: test/integration/run-reboot boots the tree again
# with users_2.raw in place; this scenario then checks the second boot).
# A read-only image without the mount points of those settings is refused with a line naming each;
# one without /etc/resolv.conf runs without that bind mount.
involve users.service usersnodir.service noresolv.service
REBOOT_STATE=/var/lib/ptest-reboot

counter_on_host() { cat /var/lib/private/users/counter 2>/dev/null; }
users_checks() {        # users_checks VERSION COUNTER
        check "users.service running" is_running users.service
        check "DynamicUser=yes" prop_is users.service DynamicUser yes
        check "User=ptestdyn" prop_is users.service User ptestdyn
        check "runs as a dynamic uid" is_dynamic_uid users.service
        check "state written by start $2 (journal)" journal_has _SYSTEMD_UNIT=users.service "PTEST tag=users counter=$2 writes=ok"
        check "version $1 runs" journal_has _SYSTEMD_UNIT=users.service "PTEST tag=users .*image_version=$1 "
        check "host state /var/lib/private/users/counter is $2" test "$(counter_on_host)" = "$2"
        check "state dir owned by the service's uid" test "$(stat -c %u /var/lib/private/users)" = "$(main_uid users.service)"
        check "cache and logs dirs written" test -s /var/cache/private/users/c -a -s /var/log/private/users/l
}

if [[ -e /usr/local/lib/ptest/boot2 ]]; then
        # Second boot: users_2.raw was in /var/lib/portables at boot; users.service is enabled.
        say "second boot: state from the first boot: counter $(cat $REBOOT_STATE/users.counter 2>/dev/null)"
        prev=$(cat $REBOOT_STATE/users.counter 2>/dev/null)
        require "the first boot left its counter" test -n "$prev"
        check "users.service started at boot" is_running users.service 30
        check "RootImage= is users_2.raw" prop_is users.service RootImage /var/lib/portables/users_2.raw
        users_checks 2 $((prev + 1))
        return 0 2>/dev/null || exit 0
fi

rm -rf /var/lib/private/users /var/lib/users /var/cache/private/users /var/log/private/users $REBOOT_STATE
place users_1.raw /var/lib/portables
reload
require "users.service loaded" is_loaded users.service
check "users.service from the generator" from_generator users.service
check "no portables-users@ dependency under DynamicUser=yes" prop_not_matches users.service Requires 'portables-users@'
since=$(date +@%s.%6N)
systemctl start users.service
users_checks 1 1
check "RuntimeDirectory /run/users inside" in_unit users.service test -s /run/users/r

systemctl restart users.service
users_checks 1 2

place users_2.raw /var/lib/portables
reload
systemctl restart users.service
check "after upgrade RootImage= is users_2.raw" prop_is users.service RootImage /var/lib/portables/users_2.raw
users_checks 2 3
mkdir -p $REBOOT_STATE && counter_on_host >$REBOOT_STATE/users.counter

# Mount points of *Directory= settings missing in a read-only image: refused, each path named.
mark
place usersnodir.raw /var/lib/portables
reload
check "image without /var/lib/usersnodir & co refused, naming each" \
        gen_log_has 'usersnodir.raw not attached: the image has no /var/lib/usersnodir /var/cache/usersnodir /var/log/usersnodir'
check "usersnodir.service not loaded" not_loaded usersnodir.service
check "portables inspect shows the refusal" sh -c 'portables inspect usersnodir | grep -q "has no /var/lib/usersnodir"'

# No /etc/resolv.conf in the image: the default profile binds it; the service runs without it.
mark
place noresolv.raw /var/lib/portables
reload
check "generator notes the missing /etc/resolv.conf" gen_log_has 'noresolv.raw has no /etc/resolv.conf'
systemctl start noresolv.service
check "noresolv.service runs" is_running noresolv.service
check "portables inspect shows the missing bind target" sh -c 'portables inspect noresolv | grep -q "/etc/resolv.conf: bind mount target"'
