# SPDX-License-Identifier: LGPL-2.1-or-later
# A squashfs image in /var/lib/portables, attached by a daemon-reload: the service starts in the
# image (its /usr/lib/os-release), sees the host's os-release at /run/host/os-release, runs as a
# dynamic user under the default profile, and `journalctl PORTABLE=hello_1.raw` finds its lines.
involve hello.service
place hello_1.raw /var/lib/portables
reload
require "hello.service loaded after daemon-reload" is_loaded hello.service
check "unit comes from the generator dir" from_generator hello.service
check "unit has 10-profile.conf and 20-portable.conf" has_portable_dropins hello.service
check "RootImage= is the image" prop_is hello.service RootImage /var/lib/portables/hello_1.raw
check "Environment= has PORTABLE=hello_1.raw" prop_matches hello.service Environment '(^| )PORTABLE=hello_1.raw( |$)'
check "LogExtraFields= has PORTABLE=hello_1.raw" prop_matches hello.service LogExtraFields '(^| )PORTABLE=hello_1.raw( |$)' 
check "DynamicUser=yes (default profile)" prop_is hello.service DynamicUser yes
check "BindReadOnlyPaths= has /etc/os-release:/run/host/os-release" prop_matches hello.service BindReadOnlyPaths '/etc/os-release:/run/host/os-release'
check "systemd-analyze verify is clean" verify_clean hello.service
systemctl start hello.service
require "hello.service running" is_running hello.service
check "main process runs as a dynamic user" is_dynamic_uid hello.service
img_id=$(in_unit hello.service cat /usr/lib/os-release | sed -n 's/^PTEST_IMAGE=//p')
check "service sees the image's /usr/lib/os-release (PTEST_IMAGE=hello)" test "$img_id" = hello
host_osrel=$(in_unit hello.service cat /run/host/os-release 2>/dev/null)
check "service sees the host's os-release at /run/host/os-release" test "$host_osrel" = "$(cat /etc/os-release)"
check "journalctl PORTABLE=hello_1.raw finds the service's line" \
        journal_has PORTABLE=hello_1.raw 'PTEST tag=hello image_id=ptest image_version=1 host_id=debian uid=6[0-9]+ .*portable=hello_1.raw'
check "journalctl -u hello.service works too" journal_has _SYSTEMD_UNIT=hello.service 'PTEST tag=hello'
