# SPDX-License-Identifier: LGPL-2.1-or-later
# Socket activation from an image: sock.socket (127.0.0.1:8082, Accept=yes) and the template
# sock@.service running busybox httpd inetd-style in the image, serving /srv/www of the image.
involve sock.socket
place sock.raw /var/lib/portables
reload
require "sock.socket loaded" is_loaded sock.socket
check "sock@.service attached (list-unit-files)" sh -c 'systemctl list-unit-files --no-legend "sock@.service" | grep -q "^sock@.service"' 
check "sock.socket comes from the generator" from_generator sock.socket
check "instance sock@x.service gets the portable drop-ins" has_portable_dropins sock@x.service
check "instance has RootImage= the image" prop_is sock@x.service RootImage /var/lib/portables/sock.raw
check "systemd-analyze verify sock.socket is clean" verify_clean sock.socket
systemctl start sock.socket
require "sock.socket listening" wait_state sock.socket '^active/listening'
body=$(busybox timeout 5 busybox wget -q -O - http://127.0.0.1:8082/index.html 2>&1)
say "answer: $body"
check "the socket-activated service answers from the image's /srv/www" test "$body" = "ptest-www-ok sock 1"
check "an instance ran (NAccepted >= 1)" test "$(prop sock.socket NAccepted)" -ge 1
check "its journal lines carry PORTABLE=sock.raw" sh -c 'journalctl -q -b PORTABLE=sock.raw -o cat | grep -q . || journalctl -q -b _SYSTEMD_UNIT=sock.socket -o cat | grep -q .'
