# SPDX-License-Identifier: LGPL-2.1-or-later
# Extensions=: an extension whose extension-release does not match the base (VERSION_ID=7 on a
# VERSION_ID=1 base) refuses the image, the reason in the generator's journal; two directory
# extensions stacked: the later one's unit file wins (systemd loads it), and at run time the
# overlay has the later one's files on top too.
involve xbase.service xbase-web.service

place xbase.raw /var/lib/portables
place xbase-bad.raw /var/lib/portables
settings /var/lib/portables xbase "Extensions=xbase-bad"
mark
reload
check "a mismatched extension: xbase.service not attached" not_loaded xbase.service
check "the reason is in the generator's journal (file, field, values)" \
        gen_log_has 'xbase\.raw not attached: extension /var/lib/portables/xbase-bad\.raw .*extension-release\.xbase-bad: VERSION_ID=7, but the base image.s VERSION_ID= is 1'
rm -f /var/lib/portables/xbase-bad.raw

place xbase-tool.raw /var/lib/portables
place xbase-l1 /var/lib/portables
place xbase-l2 /var/lib/portables
settings /var/lib/portables xbase "Extensions=xbase-tool xbase-l1" "Extensions=xbase-l2"
reload
check "stacked: xbase-web.service attached" has_portable_dropins xbase-web.service
check "the later extension's unit file wins (Description from l2)" prop_is xbase-web.service Description 'ptest xbase-web from l2'
check "ExtensionDirectories= has both directories, in order" \
        prop_matches xbase-web.service ExtensionDirectories '/var/lib/portables/xbase-l1.*/var/lib/portables/xbase-l2'
systemctl start xbase-web.service
check "xbase-web.service running" is_running xbase-web.service
check "it ran l2's command, and the overlay shows l2's file on top" journal_has PORTABLE=xbase.raw 'LAYER=l2 FILE=l2'
systemctl stop xbase-web.service
