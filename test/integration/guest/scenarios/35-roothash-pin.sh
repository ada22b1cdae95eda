# SPDX-License-Identifier: LGPL-2.1-or-later
# Pinned root hashes (issue 15): RootHash= in NAME.portable.
#   - pinok has a hash tree (pinok.verity) and no root hash of its own: pinned to its root hash it
#     is attached, verified (from the verified copy: no dm-verity here) and runs
#   - pinbad pinned to pinok's root hash: refused, the generator's journal naming the settings file
#     and line and both hashes; with a pinbad.roothash of its own that differs from the pin too
#   - `portables verify`: the pin from the settings, and --expect-root-hash= on an image that has no
#     root hash of its own (exit 0 for the right one, 7 for another)
#   - pinok.raw replaced by pinbad's content after the reload: the start fails (the verifier checks
#     the pin), the next reload refuses it
P=/var/lib/portables
involve pinok.service pinbad.service

[[ -e $IMAGES/pinok.raw ]] || { echo "no pin images (veritysetup missing when they were built)" >"$PTEST_STATE/skip"; exit 0; }

ok=$(cat "$IMAGES/pinok.raw.hex")
bad=$(cat "$IMAGES/pinbad.raw.hex")
pv() { out=$(portables verify "$@" 2>&1); rc=$?; say "portables verify $*: rc=$rc: $out"; }
vunit() { echo "portables-verify@$(systemd-escape --path "$P/$1.raw").service"; }
involve "$(vunit pinok)"

mkdir -p $P
for n in pinok pinbad; do
        cp "$IMAGES/$n.raw" "$IMAGES/$n.verity" $P/
done
settings /etc/portables pinok "RootHash=$ok"
settings /etc/portables pinbad "# pinned to another image's root hash" "RootHash=$ok"
mark
reload

# --- the pin matches
require "pinok.service loaded (RootHash= matches its hash tree)" is_loaded pinok.service
check "pinok.service requires $(vunit pinok)" prop_matches pinok.service Requires "$(vunit pinok)"
check "RootImage= is the verified copy" prop_is pinok.service RootImage /run/portables-verified/pinok.raw
check "the verifier is pinned to the RootHash=" \
        grep -qx "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=$ok" "$GEN_DIR/$(vunit pinok).d/20-portable.conf"
check "systemd-analyze verify pinok.service" verify_clean pinok.service
systemctl start pinok.service
check "pinok.service running" is_running pinok.service
check "pinok runs its own image" journal_has _SYSTEMD_UNIT=pinok.service 'PTEST tag=pinok image_id=ptest'
check "$(vunit pinok) verified it against the pin" journal_has _SYSTEMD_UNIT="$(vunit pinok)" \
        "pinok.raw: intact, [0-9]+ bytes verified against root hash $ok"
pv $P/pinok.raw
check "portables verify pinok.raw (pin from its settings): exit 0" test $rc -eq 0
check "... against the RootHash= of /etc/portables/pinok.portable" grep -q "root hash $ok (RootHash= in /etc/portables/pinok.portable:2)" <<<"$out"
out=$(portables inspect pinok 2>&1)
check "portables inspect pinok shows the pin" grep -q "Pinned root hash: $ok (RootHash= in /etc/portables/pinok.portable:2)" <<<"$out"
check "... and where the root hash came from" grep -q "from: pin: RootHash= in /etc/portables/pinok.portable:2, the pinned one" <<<"$out"
systemctl stop pinok.service

# --- the pin does not match
check "pinbad refused: file, line, both hashes" \
        gen_log_has "Image $P/pinbad.raw not attached: RootHash= in /etc/portables/pinbad.portable:3 pins root hash $ok, but the image's hash tree has root hash $bad"
check "pinbad.service not loaded" not_loaded pinbad.service
pv $P/pinbad.raw
check "portables verify pinbad.raw (pinned to another hash): exit 7" test $rc -eq 7
pv --expect-root-hash="$bad" $P/pinbad.raw
check "portables verify --expect-root-hash=<its tree's hash> pinbad.raw, no root hash of its own: exit 0" test $rc -eq 0
rm /etc/portables/pinbad.portable
pv $P/pinbad.raw
check "without a pin or root hash: exit 6 (no verity data)" test $rc -eq 6
pv --expect-root-hash="$ok" $P/pinbad.raw
check "portables verify --expect-root-hash=<another hash> pinbad.raw: exit 7" test $rc -eq 7

# With a root hash of its own, the pin must be that one.
printf '%s\n' "$bad" >$P/pinbad.roothash
settings /etc/portables pinbad "RootHash=$ok"
mark
reload
check "pinbad with its own pinbad.roothash, another pin: refused naming both" \
        gen_log_has "Image $P/pinbad.raw not attached: RootHash= in /etc/portables/pinbad.portable:2 pins root hash $ok, but the image's root hash is $bad \\(from $P/pinbad.roothash\\)"
check "pinbad.service not loaded" not_loaded pinbad.service
settings /etc/portables pinbad "RootHash=$bad"
mark
reload
check "pinned to its own root hash: loaded" is_loaded pinbad.service

# --- pinok swapped for pinbad's content after the reload: the start fails, the reload refuses it
cp "$IMAGES/pinbad.raw" $P/pinok.raw.new && mv $P/pinok.raw.new $P/pinok.raw
cp "$IMAGES/pinbad.verity" $P/pinok.verity.new && mv $P/pinok.verity.new $P/pinok.verity
mark
systemctl start pinok.service 2>/dev/null
check "swapped image: pinok.service does not start" is_inactive pinok.service
check "$(vunit pinok) failed on the pin" journal_has _SYSTEMD_UNIT="$(vunit pinok)" "pins root hash $ok, but the image's hash tree has root hash $bad"
systemctl reset-failed "$(vunit pinok)" pinok.service 2>/dev/null
mark
reload
check "next reload: pinok refused" gen_log_has "Image $P/pinok.raw not attached: RootHash= in /etc/portables/pinok.portable:2 pins root hash $ok"
check "pinok.service not loaded" not_loaded pinok.service
