# SPDX-License-Identifier: LGPL-2.1-or-later
# Verified images (issue 4), sidecars made by `veritysetup format`: this kernel has no dm-verity, so
# the generator uses the snapshot mode (lib/verity-policy.h): each unit requires
# portables-verify@<escaped image path>.service, which verifies the image in userspace and writes
# the verified data to /run/portables-verified/<file>, and RootImage= points there.
#   - an intact image runs, from the verified copy; the copy goes when the service stops
#   - one byte flipped in the data area after the reload: portables-verify@ fails with the offset
#     in the journal, the service does not start, no copy is left
#   - the same image at the next reload: Verity=yes refuses it (the generator verifies before it
#     reads units), Verity=auto attaches it and it still cannot start
#   - a malformed .roothash (too short, not hex) is a clear refusal, not a crash
#   - `portables verify` verdicts and exit codes; systemd-analyze verify of the generated units
P=/var/lib/portables
involve vok.service vshort.service vnothex.service

[[ -e $IMAGES/vok.raw ]] || { echo "no verity images (veritysetup or openssl missing when they were built)" >"$PTEST_STATE/skip"; exit 0; }

# place_verity NAME [NEWNAME]: the image and its sidecars (.verity, .roothash, .roothash.p7s).
place_verity() {
        local n="$1" to="${2:-$1}" s
        for s in raw verity roothash roothash.p7s; do
                [[ -e $IMAGES/$n.$s ]] && cp "$IMAGES/$n.$s" "$P/$to.$s"
        done
        return 0
}
# flip FILE OFFSET: invert one byte.
flip() {
        local b
        b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
        printf "\\$(printf %03o $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# pv ARGS...: run `portables verify`, keep its output in $out and status in $rc.
pv() { out=$(portables verify "$@" 2>&1); rc=$?; say "portables verify $*: rc=$rc: $out"; }
# no_generator_crash: systemd says nothing about the generator failing since the mark.
no_generator_crash() {
        ! since_mark -o cat | grep -E 'systemd-portable-generator.* (failed|terminated by signal|dumped core)'
}
# unit_logged_since_mark UNIT REGEX: UNIT logged a matching line since the last mark.
unit_logged_since_mark() {
        local i
        for ((i = 0; i < 50; i++)); do
                since_mark _SYSTEMD_UNIT="$1" -o cat | grep -Eq -- "$2" && return 0
                sleep 0.1
        done
        say "$1 logged nothing matching /$2/ since the mark"
        return 1
}
# wait_for_gone PATH: PATH disappears within 5 seconds.
wait_for_gone() {
        local i
        for ((i = 0; i < 50; i++)); do
                [[ -e "$1" ]] || return 0
                sleep 0.1
        done
        say "$1 still exists"
        return 1
}
# verify_instance UNIT: systemd-analyze verify of a template instance with its drop-ins.
verify_instance() {
        local out rc
        # By name, verify does not look in the generator directory: add it, or its drop-in is not read.
        out=$(SYSTEMD_UNIT_PATH=$GEN_DIR: systemd-analyze verify --man=no "$1" 2>&1); rc=$?
        out=$(grep -v '^$' <<<"$out")
        [[ $rc -eq 0 && -z "$out" ]] && return 0
        say "systemd-analyze verify $1 (rc=$rc):"; sed 's/^/      | /' <<<"$out"
        return 1
}

mkdir -p $P
place_verity vok
settings /etc/portables vok Verity=yes
vu="portables-verify@$(systemd-escape --path $P/vok.raw).service"
involve "$vu"
hash=$(tr -d '\n' <$P/vok.roothash)
mark
reload

# --- intact
require "vok.service loaded" is_loaded vok.service
check "vok.service from the generator" from_generator vok.service
check "vok.service has the portable drop-ins" has_portable_dropins vok.service
check "vok.service requires $vu" prop_matches vok.service Requires "$vu"
check "vok.service is ordered after it" prop_matches vok.service After "$vu"
check "RootImage= is the verified copy" prop_is vok.service RootImage /run/portables-verified/vok.raw
check "the generator pins the root hash for $vu" \
        grep -qx "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=$hash" "$GEN_DIR/$vu.d/20-portable.conf"
check "$vu sees the pinned hash" prop_matches "$vu" Environment "PORTABLES_VERIFY_EXPECT_ROOT_HASH=$hash"
check "systemd-analyze verify vok.service (with the generated drop-ins)" verify_clean vok.service
check "systemd-analyze verify $vu (with the generated drop-in)" verify_instance "$vu"
# ... and that check does read the generator's drop-ins: a bad one next to it is found.
printf '[Service]\nPtestBogusKey=1\n' >"$GEN_DIR/$vu.d/99-ptest-bogus.conf"
check "verify_instance sees a bad drop-in in the generator directory" eval '! verify_instance "$vu" >/dev/null'
rm -f "$GEN_DIR/$vu.d/99-ptest-bogus.conf"
check "no copy before start" test ! -e /run/portables-verified/vok.raw
systemctl start vok.service
check "vok.service running" is_running vok.service
check "$vu active" is_active "$vu"
check "the verified copy exists" test -f /run/portables-verified/vok.raw
check "the copy is the image's data, byte for byte" cmp -s /run/portables-verified/vok.raw $P/vok.raw
check "$vu logged the verdict" journal_has _SYSTEMD_UNIT="$vu" "vok.raw: intact, [0-9]+ bytes verified against root hash $hash"
check "vok runs its own image" journal_has _SYSTEMD_UNIT=vok.service 'PTEST tag=vok image_id=ptest'
check "a loop device is backed by the verified copy" sh -c 'grep -qx /run/portables-verified/vok.raw /sys/block/loop*/loop/backing_file'
pv $P/vok.raw
check "portables verify vok.raw: exit 0" test $rc -eq 0
check "... says intact" grep -q "intact, .* root hash $hash" <<<"$out"
pv --policy=signed $P/vok.raw
check "portables verify --policy=signed vok.raw: exit 3 (unsigned)" test $rc -eq 3
systemctl stop vok.service
check "$vu stops with the service (StopWhenUnneeded=)" wait_state "$vu" '^inactive/' 10
check "the copy is removed" test ! -e /run/portables-verified/vok.raw

# --- one byte flipped in the data area after the reload: the units are attached, start fails
off=500000; blk_off=$((off / 4096 * 4096))
flip $P/vok.raw $off
mark
systemctl start vok.service 2>/dev/null
check "vok.service does not start" is_inactive vok.service
check "no main process" prop_is vok.service MainPID 0
check "$vu failed" wait_state "$vu" '^failed/' 10
check "$vu exit status 2 (corrupted)" prop_is "$vu" ExecMainStatus 2
check "the journal says verification failed, and where: offset $blk_off" journal_has _SYSTEMD_UNIT="$vu" "Verification failed: $P/vok.raw: data corrupted: block $((off / 4096)) at offset $blk_off .*does not match the hash tree"
check "no copy of corrupted data" test ! -e /run/portables-verified/vok.raw
pv $P/vok.raw
check "portables verify: exit 2 (corrupted)" test $rc -eq 2
check "... naming the offset" grep -q "offset $blk_off" <<<"$out"
systemctl reset-failed "$vu" vok.service 2>/dev/null

# --- the corrupted image at the next reload: Verity=yes reads the units from verified blocks only.
# The generator reads the few blocks it needs, each verified up to the root hash; the flipped one
# is in file data it never reads, so the units are attached, and the whole image is verified
# before the service starts: the start still fails.
mark
reload
check "Verity=yes, a corrupted block the generator does not read: attached" is_loaded vok.service
systemctl start vok.service 2>/dev/null
check "Verity=yes: vok.service does not start" is_inactive vok.service
check "Verity=yes: $vu failed" wait_state "$vu" '^failed/' 10
check "Verity=yes: $vu exit status 2 (corrupted)" prop_is "$vu" ExecMainStatus 2
systemctl reset-failed "$vu" vok.service 2>/dev/null
flip $P/vok.raw $off

# ... a corrupted block the generator reads (block 0: the squashfs superblock's): refused, saying where.
flip $P/vok.raw 200
mark
reload
check "Verity=yes: the generator refuses it, saying where" \
        gen_log_has "Image $P/vok.raw not attached: verification failed: $P/vok.raw: data corrupted: block 0 at offset 0 "
check "vok.service not loaded" not_loaded vok.service
check "the generator did not crash" no_generator_crash
flip $P/vok.raw 200
flip $P/vok.raw $off

# ... Verity=auto does not verify at reload, but the start still fails.
settings /etc/portables vok Verity=auto
mark
reload
check "Verity=auto: vok.service attached" is_loaded vok.service
check "Verity=auto: it still requires $vu" prop_matches vok.service Requires "$vu"
systemctl start vok.service 2>/dev/null
check "Verity=auto: vok.service does not start" is_inactive vok.service
check "Verity=auto: $vu failed" wait_state "$vu" '^failed/' 10
check "Verity=auto: $vu exit status 2" prop_is "$vu" ExecMainStatus 2
check "Verity=auto: the offset in its journal, since the mark" unit_logged_since_mark "$vu" "offset $blk_off "
systemctl reset-failed "$vu" vok.service 2>/dev/null

# Repaired (the byte flipped back): it runs again without a reload.
flip $P/vok.raw $off
systemctl start vok.service
check "repaired: vok.service running" is_running vok.service
systemctl stop vok.service

# Another intact image put in its place without a reload: not what the units were read from.
for s in raw verity roothash; do cp "$IMAGES/vunsigned.$s" "$P/vok.$s"; done
systemctl start vok.service 2>/dev/null
check "replaced without a reload: vok.service does not start" is_inactive vok.service
check "replaced without a reload: $vu exit status 7 (changed)" prop_is "$vu" ExecMainStatus 7
check "... the journal says the root hash differs from the attached one" \
        journal_has _SYSTEMD_UNIT="$vu" "root hash [0-9a-f]{64} differs from $hash, the one its units were attached with"
systemctl reset-failed "$vu" vok.service 2>/dev/null
place_verity vok

# --- malformed .roothash: too short, not hex. A clear refusal beside an image that works.
rm -f /etc/portables/vok.portable
place_verity vshort; place_verity vnothex
mark
reload
check "vshort: refused, naming the file and what is wrong" \
        gen_log_has "Image $P/vshort.raw not attached: malformed verity data: $P/vshort.roothash: .*too short"
check "vnothex: refused, naming the file and what is wrong" \
        gen_log_has "Image $P/vnothex.raw not attached: malformed verity data: $P/vnothex.roothash: .*not a hexadecimal"
check "vshort.service not loaded" not_loaded vshort.service
check "vnothex.service not loaded" not_loaded vnothex.service
check "the generator did not crash" no_generator_crash
check "vok.service (Verity=auto, intact) attached in the same reload" is_loaded vok.service
for n in vshort vnothex; do
        pv $P/$n.raw
        check "portables verify $n.raw: exit 5 (malformed)" test $rc -eq 5
        check "... names $n.roothash" grep -q "$P/$n.roothash: malformed root hash" <<<"$out"
done

# --- a file name that needs escaping: the instance name (systemd-escape --path), %f in the
# template's ExecStart=, RootImage= and the drop-in's file name must all agree.
portables_clean >/dev/null 2>&1
odd='vok_1 b%n-x'
place_verity vok "$odd"
ou="portables-verify@$(systemd-escape --path "$P/$odd.raw").service"
involve "$ou"
say "image '$P/$odd.raw', verify unit '$ou'"
mark
reload
require "vok.service loaded from '$odd.raw'" is_loaded vok.service
check "$ou is required by vok.service" prop_matches "$ou" RequiredBy '(^| )vok\.service( |$)'
check "RootImage= is the verified copy of '$odd.raw'" prop_is vok.service RootImage "/run/portables-verified/$odd.raw"
check "the pinned hash is in $ou's drop-in" prop_matches "$ou" Environment "PORTABLES_VERIFY_EXPECT_ROOT_HASH=$hash"
systemctl start vok.service
check "vok.service running" is_running vok.service
check "$ou verified '$odd.raw'" journal_has _SYSTEMD_UNIT="$ou" "$P/vok_1 b%n-x.raw: intact"
check "the copy exists" test -f "/run/portables-verified/$odd.raw"
systemctl stop vok.service
check "the copy is removed" wait_for_gone "/run/portables-verified/$odd.raw"
