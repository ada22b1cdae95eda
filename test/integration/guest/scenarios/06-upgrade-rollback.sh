# SPDX-License-Identifier: LGPL-2.1-or-later
# Upgrade and rollback: foo_2.raw beside foo_1.raw + reload + restart runs version 2;
# deleting foo_2.raw + reload + restart runs version 1 again.
involve foo.service
version_running() {     # the IMAGE_VERSION the running foo.service sees
        in_unit foo.service cat /usr/lib/os-release | sed -n 's/^IMAGE_VERSION=//p'
}
place foo_1.raw /var/lib/portables
reload
require "foo.service loaded" is_loaded foo.service
systemctl start foo.service
require "foo.service running" is_running foo.service
check "version 1 runs" test "$(version_running)" = 1

place foo_2.raw /var/lib/portables
reload
check "after reload RootImage= is foo_2.raw" prop_is foo.service RootImage /var/lib/portables/foo_2.raw
check "after reload PORTABLE=foo_2.raw" prop_matches foo.service Environment '(^| )PORTABLE=foo_2.raw( |$)'
check "NeedDaemonReload=no after reload" prop_is foo.service NeedDaemonReload no
systemctl restart foo.service
check "foo.service running after restart" is_running foo.service
check "version 2 runs" test "$(version_running)" = 2
check "journal PORTABLE=foo_2.raw has version 2's line" journal_has PORTABLE=foo_2.raw 'PTEST tag=foo .*image_version=2 .*portable=foo_2.raw'

rm -f /var/lib/portables/foo_2.raw
reload
check "after rollback RootImage= is foo_1.raw" prop_is foo.service RootImage /var/lib/portables/foo_1.raw
systemctl restart foo.service
check "foo.service running after rollback restart" is_running foo.service
check "version 1 runs again" test "$(version_running)" = 1
