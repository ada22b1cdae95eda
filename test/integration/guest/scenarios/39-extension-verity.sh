# SPDX-License-Identifier: LGPL-2.1-or-later
# Extensions= under Verity=yes, on a kernel without dm-verity (as here): the extension is verified
# as the image is. Its units require portables-verify@ of both, ExtensionImages= is the
# extension's verified copy in /run/portables-verified, and the generator pins the extension's
# root hash for its verification unit. The service runs the extension's binary from the verified
# copy; a byte flipped in the extension after the reload fails the start (its verification fails,
# exit 2) and refuses the image at the next reload, naming the extension; an extension without
# verity data is refused too.
P=/var/lib/portables
vu_base="portables-verify@$(systemd-escape --path $P/xbase.raw).service"
vu_ext="portables-verify@$(systemd-escape --path $P/xbase-tool.raw).service"
# As systemctl show prints it in Requires= and After=: quoted, its backslash escaped.
vu_ext_re='portables-verify@var-lib-portables-xbase\\+x2dtool\.raw\.service'
involve xbase.service "$vu_base" "$vu_ext"

[[ -e $IMAGES/xverity/xbase-tool.verity ]] || { echo "no verity images (veritysetup missing when they were built)" >"$PTEST_STATE/skip"; exit 0; }

# flip FILE OFFSET: invert one byte.
flip() {
        local b
        b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
        printf "\\$(printf %03o $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

mkdir -p $P
cp "$IMAGES"/xverity/* $P/
settings $P xbase "Verity=yes" "Extensions=xbase-tool"
hash=$(tr -d '\n' <$P/xbase-tool.roothash)
mark
reload
require "xbase.service attached" has_portable_dropins xbase.service
check "RootImage= is the image's verified copy" prop_is xbase.service RootImage /run/portables-verified/xbase.raw
check "ExtensionImages= is the extension's verified copy" \
        prop_matches xbase.service ExtensionImages '^/run/portables-verified/xbase-tool\.raw'
check "xbase.service requires $vu_ext" prop_matches xbase.service Requires "$vu_ext_re"
check "xbase.service is ordered after it" prop_matches xbase.service After "$vu_ext_re"
check "xbase.service requires $vu_base too" prop_matches xbase.service Requires "$vu_base"
check "$vu_ext sees the extension's pinned root hash" prop_matches "$vu_ext" Environment "PORTABLES_VERIFY_EXPECT_ROOT_HASH=$hash"
check "systemd-analyze verify xbase.service (with the generated drop-ins)" verify_clean xbase.service
check "portables inspect shows the extension's root hash and how it is verified" \
        sh -c "portables inspect xbase | grep -q \"verity: root hash $hash from sidecar: $P/xbase-tool.roothash; verified in userspace\""

systemctl start xbase.service
check "xbase.service running" is_running xbase.service
check "$vu_ext active" is_active "$vu_ext"
check "$vu_ext logged the verdict" journal_has _SYSTEMD_UNIT="$vu_ext" "xbase-tool.raw: intact, [0-9]+ bytes verified against root hash $hash"
check "the extension's verified copy is its data, byte for byte" cmp -s /run/portables-verified/xbase-tool.raw $P/xbase-tool.raw
check "its main process runs the extension's /usr/bin/xbase-tool" \
        sh -c 'tr "\0" " " </proc/$(systemctl show -P MainPID xbase.service)/cmdline | grep -q "^/usr/bin/sh /usr/bin/xbase-tool"'
check "the tool's journal line, from the extension" journal_has PORTABLE_EXTENSION=xbase-tool.raw 'TOOL=from-extension'
check "a loop device is backed by the extension's verified copy" \
        sh -c 'grep -qx /run/portables-verified/xbase-tool.raw /sys/block/loop*/loop/backing_file'
systemctl stop xbase.service
check "$vu_ext stops with the service (StopWhenUnneeded=)" wait_state "$vu_ext" '^inactive/' 10
check "the extension's copy is removed" test ! -e /run/portables-verified/xbase-tool.raw

# One byte of the extension flipped after the reload: its verification fails the start.
flip $P/xbase-tool.raw 100
mark
systemctl start xbase.service 2>/dev/null
check "xbase.service does not start" is_inactive xbase.service
check "$vu_ext failed" wait_state "$vu_ext" '^failed/' 10
check "$vu_ext exit status 2 (corrupted)" prop_is "$vu_ext" ExecMainStatus 2
check "no copy of corrupted data" test ! -e /run/portables-verified/xbase-tool.raw
systemctl reset-failed "$vu_ext" "$vu_base" xbase.service 2>/dev/null

# ... and at the next reload the generator, reading the extension's first block (its only one),
# refuses the image.
mark
reload
check "the corrupted extension refuses the image, named" \
        gen_log_has "Image $P/xbase.raw not attached: extension $P/xbase-tool.raw .*verification failed: $P/xbase-tool.raw: .*(block 0|the only data block)"
check "xbase.service not loaded" not_loaded xbase.service
flip $P/xbase-tool.raw 100

# An extension without verity data under Verity=yes: refused, named.
rm -f $P/xbase-tool.verity $P/xbase-tool.roothash
mark
reload
check "an extension without verity data refuses the image" \
        gen_log_has "Image $P/xbase.raw not attached: extension $P/xbase-tool.raw .*Verity=yes, but it has no verity data"
check "xbase.service still not loaded" not_loaded xbase.service
