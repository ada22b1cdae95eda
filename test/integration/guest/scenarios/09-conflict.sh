# SPDX-License-Identifier: LGPL-2.1-or-later
# An image offering units named like host units (conflict.service in /usr/lib/systemd/system,
# which the generator dir would override, and conflict-etc.service in /etc/systemd/system):
# the host units stay untouched and the journal says so; the image's own unit is attached.
involve conflict.service conflict-etc.service conflict-own.service
pid1=$(main_pid conflict.service); pid2=$(main_pid conflict-etc.service)
require "host conflict.service running before" is_running conflict.service
place conflict.raw /var/lib/portables
mark
reload
check "conflict.service still from /usr/lib" prop_matches conflict.service FragmentPath '^(/usr)?/lib/systemd/system/conflict.service$'
check "conflict.service has no portable drop-ins" prop_not_matches conflict.service DropInPaths 'portable|profile'
check "conflict.service has no RootImage=" prop_is conflict.service RootImage ''
check "conflict.service still running, same PID" sh -c "systemctl is-active -q conflict.service && test \"\$(systemctl show -P MainPID conflict.service)\" = $pid1"
check "conflict-etc.service still from /etc" prop_is conflict-etc.service FragmentPath /etc/systemd/system/conflict-etc.service
check "conflict-etc.service has no portable drop-ins" prop_not_matches conflict-etc.service DropInPaths 'portable|profile'
check "conflict-etc.service still running, same PID" sh -c "systemctl is-active -q conflict-etc.service && test \"\$(systemctl show -P MainPID conflict-etc.service)\" = $pid2"
check "nothing written for the conflicting units" sh -c "! ls -d $GEN_DIR/conflict.service* $GEN_DIR/conflict-etc.service* 2>/dev/null | grep -q ."
check "the journal names conflict.service" gen_log_has 'conflict\.service'
check "the journal names conflict-etc.service" gen_log_has 'conflict-etc\.service'
check "the image's own conflict-own.service is attached" has_portable_dropins conflict-own.service
systemctl restart conflict.service
check "restarting the host unit runs the host's unit (no RootImage)" sh -c 'is=$(systemctl show -P RootImage conflict.service); test -z "$is"'
