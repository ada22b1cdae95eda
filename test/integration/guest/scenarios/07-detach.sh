# SPDX-License-Identifier: LGPL-2.1-or-later
# Detach: remove the image + reload: its units are gone from list-unit-files and nothing of it
# is left in /run or /etc. Also records what happens to a unit still running when its image goes.
involve hello.service
leftovers() {   # files named after the image or its unit under /run and /etc
        find /run /etc -xdev \( -name 'hello*' -o -name '*hello_1*' \) 2>/dev/null | grep -v '^/run/ptest'
}
place hello_1.raw /var/lib/portables
reload
require "hello.service loaded" is_loaded hello.service
systemctl start hello.service
require "hello.service running" is_running hello.service
systemctl stop hello.service
rm -f /var/lib/portables/hello_1.raw
reload
check "hello.service gone from list-unit-files" sh -c '! systemctl list-unit-files --no-legend "hello*" | grep -q .'
check "hello.service LoadState=not-found" not_loaded hello.service
l=$(leftovers); [[ -n "$l" ]] && say "left over: $l"
check "nothing of the image left in /run or /etc" test -z "$l"

# Removed while running: systemd keeps the unit (it cannot vanish a running unit); stopping it
# must then leave nothing behind either.
place hello_1.raw /var/lib/portables
reload
systemctl start hello.service
is_running hello.service >/dev/null
rm -f /var/lib/portables/hello_1.raw
reload
s="$(prop hello.service LoadState) $(state hello.service)"
note "image removed while hello.service ran: after reload the unit is '$s' (systemd keeps a running unit; stop it to finish the detach)"
systemctl stop hello.service
check "after stopping, hello.service is gone" not_loaded hello.service
l=$(leftovers); [[ -n "$l" ]] && say "left over: $l"
check "nothing left in /run or /etc after stop" test -z "$l"
