# SPDX-License-Identifier: LGPL-2.1-or-later
# Root hashes from partition UUIDs (issue 15): a GPT image by systemd-repart with Verity=data/hash
# and no signature partition, no NAME.roothash: repart set the partition UUIDs from the root hash,
# which the generator reads back, checks against the hash tree and uses.
#   - vrep runs, from the verified copy (no dm-verity here), the verifier pinned to repart's hash
#   - `portables verify` and `inspect` say where the hash came from: integrity, not authenticity
#   - Verity=signed refuses it (no signature)
#   - a copy with one flipped byte in the root partition: `portables verify` exit 2, the start fails
#   - a copy with another root partition UUID: not a root hash; under Verity=yes refused, saying why
P=/var/lib/portables
involve vrep.service

[[ -e $IMAGES/vrep.raw ]] || { echo "no vrep.raw (veritysetup missing when the images were built)" >"$PTEST_STATE/skip"; exit 0; }

hex=$(cat "$IMAGES/vrep.raw.hex")
off=$(cat "$IMAGES/vrep.raw.root-offset")
say "vrep.raw made by $(cat "$IMAGES/vrep.raw.how"), root hash $hex, root partition at $off"
pv() { out=$(portables verify "$@" 2>&1); rc=$?; say "portables verify $*: rc=$rc: $out"; }
vunit() { echo "portables-verify@$(systemd-escape --path "$P/$1.raw").service"; }
flip() {
        local b
        b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
        printf "\\$(printf %03o $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
involve "$(vunit vrep)"

mkdir -p $P
cp "$IMAGES/vrep.raw" $P/vrep.raw
check "no sidecar next to it" test ! -e $P/vrep.roothash -a ! -e $P/vrep.verity
mark
reload

require "vrep.service loaded (root hash from its partition UUIDs)" is_loaded vrep.service
check "vrep.service requires $(vunit vrep)" prop_matches vrep.service Requires "$(vunit vrep)"
check "RootImage= is the verified copy" prop_is vrep.service RootImage /run/portables-verified/vrep.raw
check "the verifier is pinned to repart's root hash" \
        grep -qx "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=$hex" "$GEN_DIR/$(vunit vrep).d/20-portable.conf"
check "the drop-in says where it came from" \
        grep -q "root hash $hex" "$GEN_DIR/vrep.service.d/20-portable.conf"
check "systemd-analyze verify vrep.service" verify_clean vrep.service
systemctl start vrep.service
check "vrep.service running" is_running vrep.service
check "vrep runs its own image" journal_has _SYSTEMD_UNIT=vrep.service 'PTEST tag=vrep image_id=ptest'
check "$(vunit vrep) verified all of it against the UUIDs' hash" journal_has _SYSTEMD_UNIT="$(vunit vrep)" \
        "vrep.raw: intact, [0-9]+ bytes verified against root hash $hex \\(the UUIDs of the root and root-verity partitions"
systemctl stop vrep.service

pv $P/vrep.raw
check "portables verify vrep.raw: exit 0" test $rc -eq 0
check "... says: integrity, not authenticity" grep -q "integrity, not its authenticity (Verity=signed still needs a signature)" <<<"$out"
out=$(portables inspect vrep 2>&1)
check "portables inspect: root hash from the UUIDs" grep -q "from: uuids: the UUIDs of the root and root-verity partitions" <<<"$out"
check "... integrity, not authenticity" grep -q "integrity, not authenticity" <<<"$out"

# Verity=signed: there is no signature.
settings /etc/portables vrep Verity=signed
mark
reload
check "Verity=signed: refused, unsigned" gen_log_has "Image $P/vrep.raw not attached: Verity=signed, but its root hash $hex is not signed"
check "vrep.service not loaded" not_loaded vrep.service
rm /etc/portables/vrep.portable
mark
reload
require "vrep.service loaded again" is_loaded vrep.service

# A corrupted copy: one byte flipped in the root partition's data.
flip $P/vrep.raw $((off + 300000))
pv $P/vrep.raw
check "portables verify, flipped byte: exit 2" test $rc -eq 2
check "... data corrupted, at an offset" grep -Eq "data corrupted: block [0-9]+ at offset [0-9]+" <<<"$out"
mark
systemctl start vrep.service 2>/dev/null
check "the corrupted vrep.service does not start" is_inactive vrep.service
check "$(vunit vrep) failed: corrupted" journal_has _SYSTEMD_UNIT="$(vunit vrep)" "data corrupted: block [0-9]+ at offset"
systemctl reset-failed "$(vunit vrep)" vrep.service 2>/dev/null
flip $P/vrep.raw $((off + 300000))

# Another root partition UUID (vrepx.raw): not the root hash of the tree; Verity=yes refuses it.
cp "$IMAGES/vrepx.raw" $P/vrep.raw.new && mv $P/vrep.raw.new $P/vrep.raw
settings /etc/portables vrep Verity=yes
mark
reload
check "UUIDs that are not its root hash, Verity=yes: refused, saying why" \
        gen_log_has "Image $P/vrep.raw not attached: Verity=yes, but it has no verity data .*the UUIDs of its root and root-verity partitions are not the root hash of its hash tree, $hex"
check "vrep.service not loaded" not_loaded vrep.service
