# SPDX-License-Identifier: LGPL-2.1-or-later
# Signed verity images (issue 4): root hash signatures (openssl smime over the hex root hash,
# certificate issued by a test CA) checked against /etc/verity.d.
#   - signed, certificate in /etc/verity.d: runs under Verity=signed (from the verified copy)
#   - the certificate removed: refused, and so are unsigned images, images signed by an unknown
#     key, and a signature naming the trusted certificate's issuer and serial made by another key
#   - a GPT image by systemd-repart (root + root-verity + root-verity-sig) runs under Verity=signed;
#     one flipped byte in its root partition is caught by `portables verify` and at start
#   - `portables verify` verdicts and exit codes on each; systemd-analyze verify of the units
P=/var/lib/portables
involve vsig.service vunsigned.service vstranger.service vimpostor.service vgpt.service

[[ -e $IMAGES/vsig.raw ]] || { echo "no verity images (veritysetup or openssl missing when they were built)" >"$PTEST_STATE/skip"; exit 0; }

place_verity() {
        local n="$1" s
        for s in raw verity roothash roothash.p7s; do
                [[ -e $IMAGES/$n.$s ]] && cp "$IMAGES/$n.$s" "$P/$n.$s"
        done
        return 0
}
flip() {
        local b
        b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
        printf "\\$(printf %03o $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
pv() { out=$(portables verify "$@" 2>&1); rc=$?; say "portables verify $*: rc=$rc: $out"; }
vunit() { echo "portables-verify@$(systemd-escape --path "$P/$1.raw").service"; }
verify_instance() {
        local out rc
        # By name, verify does not look in the generator directory: add it, or its drop-in is not read.
        out=$(SYSTEMD_UNIT_PATH=$GEN_DIR: systemd-analyze verify --man=no "$1" 2>&1); rc=$?
        out=$(grep -v '^$' <<<"$out")
        [[ $rc -eq 0 && -z "$out" ]] && return 0
        say "systemd-analyze verify $1 (rc=$rc):"; sed 's/^/      | /' <<<"$out"
        return 1
}
trap 'rm -f /etc/verity.d/ptest.crt' EXIT

mkdir -p $P /etc/verity.d
install -m 0644 "$IMAGES/verity-test.crt" /etc/verity.d/ptest.crt
for n in vsig vunsigned vstranger vimpostor; do
        place_verity $n
        settings /etc/portables $n Verity=signed
done
mark
reload

# --- signed, trusted
require "vsig.service loaded (Verity=signed, certificate in /etc/verity.d)" is_loaded vsig.service
check "vsig.service requires $(vunit vsig)" prop_matches vsig.service Requires "$(vunit vsig)"
check "RootImage= is the verified copy" prop_is vsig.service RootImage /run/portables-verified/vsig.raw
check "systemd-analyze verify vsig.service" verify_clean vsig.service
check "systemd-analyze verify $(vunit vsig)" verify_instance "$(vunit vsig)"
systemctl start vsig.service
check "vsig.service running" is_running vsig.service
check "$(vunit vsig) says who signed it" journal_has _SYSTEMD_UNIT="$(vunit vsig)" \
        'vsig.raw: intact, .*signed by CN=ptest verity signing, trusted by /etc/verity.d/ptest.crt'
check "vsig runs its own image" journal_has _SYSTEMD_UNIT=vsig.service 'PTEST tag=vsig image_id=ptest'
pv $P/vsig.raw
check "portables verify vsig.raw: exit 0" test $rc -eq 0
check "... trusted by /etc/verity.d/ptest.crt" grep -q 'trusted by /etc/verity.d/ptest.crt' <<<"$out"
systemctl stop vsig.service

# --- unsigned, unknown key, impostor: not attached, with the reason
check "vunsigned: refused as unsigned" \
        gen_log_has "Image $P/vunsigned.raw not attached: Verity=signed, but its root hash [0-9a-f]{64} is not signed \\(no NAME.roothash.p7s\\)"
check "vstranger: refused, signer not trusted" \
        gen_log_has "Image $P/vstranger.raw not attached: root hash signature $P/vstranger.roothash.p7s: signed by .*CN=ptest stranger CA.*, which is not among the 1 trusted certificates"
check "vimpostor: refused, does not verify with the trusted key" \
        gen_log_has "Image $P/vimpostor.raw not attached: root hash signature $P/vimpostor.roothash.p7s: .*does not verify with its key"
for n in vunsigned vstranger vimpostor; do
        check "$n.service not loaded" not_loaded $n.service
done
pv $P/vunsigned.raw
check "portables verify vunsigned.raw (Verity=signed from its settings): exit 3" test $rc -eq 3
check "... says unsigned" grep -q 'Verity=signed, but the root hash is not signed' <<<"$out"
pv --policy=yes $P/vunsigned.raw
check "portables verify --policy=yes vunsigned.raw: exit 0" test $rc -eq 0
for n in vstranger vimpostor; do
        pv $P/$n.raw
        check "portables verify $n.raw: exit 4 (untrusted)" test $rc -eq 4
        pv --policy=auto $P/$n.raw
        check "portables verify --policy=auto $n.raw: still exit 4 (a signature present must be trusted)" test $rc -eq 4
done

# A signature present is checked under Verity=auto too (systemd would refuse it at start).
settings /etc/portables vstranger Verity=auto
mark
reload
check "vstranger under Verity=auto: still refused" gen_log_has "Image $P/vstranger.raw not attached: root hash signature"
check "vstranger.service not loaded" not_loaded vstranger.service

# --- the certificate removed: the signed image is refused too
rm -f /etc/verity.d/ptest.crt
mark
reload
check "without the certificate vsig is refused" \
        gen_log_has "Image $P/vsig.raw not attached: root hash signature $P/vsig.roothash.p7s: signed by .*, but there are no trusted certificates"
check "vsig.service not loaded" not_loaded vsig.service
pv $P/vsig.raw
check "portables verify vsig.raw without the certificate: exit 4" test $rc -eq 4
# Only the CA's certificate: the signer's own certificate is the trust anchor, not its issuer.
install -m 0644 "$IMAGES/verity-test-ca.crt" /etc/verity.d/ptest-ca.crt
pv $P/vsig.raw
check "portables verify vsig.raw with only the CA's certificate: exit 4" test $rc -eq 4
rm -f /etc/verity.d/ptest-ca.crt
install -m 0644 "$IMAGES/verity-test.crt" /etc/verity.d/ptest.crt

# --- a GPT image with verity partitions, made by systemd-repart
if [[ -e $IMAGES/vgpt.raw ]]; then
        rm -f $P/vstranger.* $P/vimpostor.* $P/vunsigned.* /etc/portables/*.portable
        cp "$IMAGES/vgpt.raw" $P/vgpt.raw
        settings /etc/portables vgpt Verity=signed
        ghash=$(cat "$IMAGES/vgpt.raw.roothash")
        goff=$(cat "$IMAGES/vgpt.raw.root-offset")
        involve "$(vunit vgpt)"
        mark
        reload
        check "vgpt.service loaded (Verity=signed, signature in the verity-sig partition)" is_loaded vgpt.service
        check "vgpt.service requires $(vunit vgpt)" prop_matches vgpt.service Requires "$(vunit vgpt)"
        check "RootImage= is the verified copy" prop_is vgpt.service RootImage /run/portables-verified/vgpt.raw
        check "the generator pins repart's root hash" \
                grep -qx "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=$ghash" "$GEN_DIR/$(vunit vgpt).d/20-portable.conf"
        check "systemd-analyze verify vgpt.service" verify_clean vgpt.service
        check "systemd-analyze verify $(vunit vgpt)" verify_instance "$(vunit vgpt)"
        systemctl start vgpt.service
        check "vgpt.service running" is_running vgpt.service
        check "vgpt runs its own image" journal_has _SYSTEMD_UNIT=vgpt.service 'PTEST tag=vgpt image_id=ptest'
        pv $P/vgpt.raw
        check "portables verify vgpt.raw: exit 0" test $rc -eq 0
        check "... root hash from the verity-sig partition, signed by the test key" \
                grep -q "root hash $ghash (root-verity-sig partition); signed by CN=ptest verity signing" <<<"$out"
        systemctl stop vgpt.service

        # One byte flipped in the root partition (after the reload).
        flip $P/vgpt.raw $((goff + 300000))
        pv $P/vgpt.raw
        check "portables verify vgpt.raw, flipped byte: exit 2" test $rc -eq 2
        check "... data corrupted, at an offset inside the root partition" \
                grep -Eq "data corrupted: block [0-9]+ at offset [0-9]+" <<<"$out"
        o=$(sed -n 's/.* at offset \([0-9]*\) .*/\1/p' <<<"$out")
        check "... the offset ($o) is the block holding the flipped byte" \
                test -n "$o" -a "${o:-0}" -le $((goff + 300000)) -a $((${o:-0} + 4096)) -gt $((goff + 300000))
        mark
        systemctl start vgpt.service 2>/dev/null
        check "vgpt.service does not start" is_inactive vgpt.service
        check "$(vunit vgpt) failed, offset $o in the journal" journal_has _SYSTEMD_UNIT="$(vunit vgpt)" "offset $o "
        systemctl reset-failed "$(vunit vgpt)" vgpt.service 2>/dev/null
        # At the next reload the generator reads its few blocks verified, and never this one: the
        # units are attached, and the start still fails.
        mark
        reload
        check "at the next reload the generator attaches it (the block is not one it reads)" is_loaded vgpt.service
        systemctl start vgpt.service 2>/dev/null
        check "... and vgpt.service still does not start" is_inactive vgpt.service
        systemctl reset-failed "$(vunit vgpt)" vgpt.service 2>/dev/null
        flip $P/vgpt.raw $((goff + 300000))
        # A flipped byte in the root partition's first block (the squashfs superblock's): the
        # generator reads it, and refuses the image, naming the block.
        flip $P/vgpt.raw $((goff + 200))
        mark
        reload
        check "a corrupted block the generator reads: refused, saying which" \
                gen_log_has "Image $P/vgpt.raw not attached: verification failed: $P/vgpt.raw: data corrupted: block 0 at offset "
        check "vgpt.service not loaded" not_loaded vgpt.service
        flip $P/vgpt.raw $((goff + 200))
else
        note "no vgpt.raw (systemd-repart missing when the images were built): GPT part skipped"
fi
