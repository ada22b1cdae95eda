# SPDX-License-Identifier: LGPL-2.1-or-later
# A real Debian service: redis-server from Debian's package (debootstrapped, squashed; config
# changed only to log to stdout, keep state in StateDirectory= and be readable by the dynamic
# user; the unit is Debian's) starts under the default profile and answers on loopback.
involve redis-server.service
place redis.raw /var/lib/portables
mark
reload
if ! is_loaded redis-server.service >/dev/null; then
        say "generator said:"; gen_log | sed 's/^/      | /'
fi
require "redis-server.service loaded" is_loaded redis-server.service
note "redis-server.service Names=$(prop redis-server.service Names) (Debian's unit has Alias=redis.service)"
check "unit has the portable drop-ins" has_portable_dropins redis-server.service
check "DynamicUser=yes (default profile)" prop_is redis-server.service DynamicUser yes
check "systemd-analyze verify is clean" verify_clean redis-server.service
systemctl start redis-server.service
require "redis-server.service running" is_running redis-server.service 30
check "runs as a dynamic user" is_dynamic_uid redis-server.service
pong=$(printf 'PING\r\n' | busybox timeout 5 busybox nc 127.0.0.1 6379 2>&1 | tr -d '\r')
say "PING -> $pong"
check "redis answers PING with +PONG on 127.0.0.1:6379" test "$pong" = "+PONG"
val=$(printf 'SET ptest works\r\nGET ptest\r\nQUIT\r\n' | busybox timeout 5 busybox nc 127.0.0.1 6379 2>&1 | tr -d '\r' | sed -n 3p)
check "SET/GET round trip" test "$val" = "works"
check "journalctl PORTABLE=redis.raw has redis' own lines" journal_has PORTABLE=redis.raw 'Ready to accept connections'
# Through /proc/PID/root: the service's own root, as it sees it (entering its mount namespace and
# executing a host binary there is refused by the sandbox).
check "redis sees Debian's os-release in the image" sh -c "grep -q '^ID=debian' /proc/$(main_pid redis-server.service)/root/usr/lib/os-release"
e=$(exposure redis-server.service); say "systemd-analyze security redis-server.service: $e"
systemctl stop redis-server.service
check "redis-server.service stops cleanly" is_inactive redis-server.service
