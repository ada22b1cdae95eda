# SPDX-License-Identifier: LGPL-2.1-or-later
# Extensions=: a base image whose service runs a binary only its extension has. The generator
# reads the stack, writes ExtensionImages= with portablectl's journal fields, and systemd 252
# overlays the extension on the image's /usr: the service runs, its process is the extension's
# binary, and its journal lines carry PORTABLE_EXTENSION=. A new version of the extension
# replaces the old as a new version of the image does: the unit counts as changed (refresh
# says so; Restart=changed would restart it), and a restart runs the new extension's binary. Without the extension the image is
# refused (the generator says which extension is missing).
involve xbase.service

place xbase.raw /var/lib/portables
place xbase-tool.raw /var/lib/portables
settings /var/lib/portables xbase "Extensions=xbase-tool"
mark
reload
check "xbase.service attached" has_portable_dropins xbase.service
check "ExtensionImages= names the extension" prop_matches xbase.service ExtensionImages '/var/lib/portables/xbase-tool\.raw'
check "RootImage= is the base" prop_is xbase.service RootImage /var/lib/portables/xbase.raw
check "the extension is not attached as an image of its own" not_loaded xbase-tool.service
systemctl start xbase.service
check "xbase.service running" is_running xbase.service
check "its main process runs the extension's /usr/bin/xbase-tool" \
        sh -c 'tr "\0" " " </proc/$(systemctl show -P MainPID xbase.service)/cmdline | grep -q "^/usr/bin/sh /usr/bin/xbase-tool"'
check "the kernel says the process that logged is xbase-tool (_COMM=)" \
        journal_has _COMM=xbase-tool 'TOOL=from-extension'
check "the binary is the extension's, seen in the service's mount namespace" \
        sh -c 'nsenter -t $(systemctl show -P MainPID xbase.service) -m -- cat /usr/bin/xbase-tool | grep -q TOOL=from-extension'
check "the tool's journal line (TOOL=from-extension)" journal_has PORTABLE=xbase.raw 'TOOL=from-extension'
check "LogExtraFields=PORTABLE_EXTENSION=xbase-tool.raw on its lines" \
        journal_has PORTABLE_EXTENSION=xbase-tool.raw 'TOOL=from-extension'
check "PORTABLE_EXTENSION_NAME_AND_VERSION=xtool_1 on its lines" \
        journal_has PORTABLE_EXTENSION_NAME_AND_VERSION=xtool_1 'TOOL=from-extension'
check "PORTABLE_ROOT=xbase.raw on its lines" journal_has PORTABLE_ROOT=xbase.raw 'TOOL=from-extension'
check "portables inspect shows the stack" sh -c 'portables inspect xbase | grep -q "xbase-tool.raw"'

# A new version of the extension (Extensions=xbase-tool picks the newest), the old one removed.
mark
cp "$IMAGES/xbase-tool_2.raw" /var/lib/portables/
rm -f /var/lib/portables/xbase-tool.raw
out=$(portables refresh 2>&1)
printf '%s\n' "$out" | sed 's/^/      | /'
check "refresh: xbase.service counts as changed (another extension)" sh -c '
        { printf "%s\n" "$1"; journalctl -q --no-pager -b --since="$(cat '"$PTEST_STATE"'/mark)" -o cat; } |
        grep -q "Unit xbase.service of image /var/lib/portables/xbase.raw changed"' _ "$out"
check "ExtensionImages= names the new version" prop_matches xbase.service ExtensionImages '/var/lib/portables/xbase-tool_2\.raw'
systemctl restart xbase.service
check "after a restart xbase.service runs" is_running xbase.service
check "it runs the new extension's binary" journal_has PORTABLE_EXTENSION=xbase-tool_2.raw 'TOOL=from-extension-2'
systemctl stop xbase.service

# The extension gone: the image is refused, and says why.
rm -f /var/lib/portables/xbase-tool_2.raw
mark
reload
check "without its extension xbase.service is not attached" not_loaded xbase.service
check "the generator names the missing extension" gen_log_has 'xbase.*extension xbase-tool.*not found'
