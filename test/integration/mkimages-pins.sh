# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Images of scenarios 35 and 36 (issue 15: root hashes pinned, and from partition UUIDs). Sourced by
# mkimages.sh, with its helpers (new, mk_root, daemon_unit, squash, root_part_type) and $OUT,
# $SCRATCH.
#
#   pinok.raw         busybox squashfs with its hash tree pinok.verity and no pinok.roothash;
#                     pinok.raw.hex is its root hash (for the scenario's NAME.portable, named so
#                     the generator does not take it for a sidecar)
#   pinbad.raw        the same for another image; the scenario pins pinok's hash for it
#   vrep.raw          GPT by systemd-repart 252: root (squashfs) + root-verity, no signature
#                     partition; repart sets the partition UUIDs from the root hash. vrep.raw.hex
#                     is the root hash repart printed, vrep.raw.root-offset the root partition's
#                     byte offset. If this systemd-repart cannot make verity partitions, vrep.raw is
#                     made with sfdisk and veritysetup, its UUIDs set as repart sets them
#                     (vrep.raw.how says which).
#   vrepx.raw         vrep.raw with another root partition UUID: no longer its root hash's half
#
# Without veritysetup nothing is built and the scenarios skip.

pins_build() {
        local d n hex

        if ! command -v veritysetup >/dev/null; then
                echo "mkimages-pins.sh: veritysetup missing: no pin images" >&2
                return 0
        fi

        for n in pinok pinbad; do
                d=$(new "$n"); mk_root "$d" "$n" 1; daemon_unit "$d" "$n"
                squash "$d" "$OUT/$n.raw"
                rm -f "$OUT/$n.verity"
                veritysetup format "$OUT/$n.raw" "$OUT/$n.verity" --root-hash-file="$OUT/$n.raw.hex" >/dev/null
        done

        d=$(new vrep); mk_root "$d" vrep 1; daemon_unit "$d" vrep
        rm -f "$OUT/vrep.raw"
        if command -v systemd-repart >/dev/null; then
                local defs="$SCRATCH/vrep-repart.d"
                rm -rf "$defs"; mkdir -p "$defs"
                printf '[Partition]\nType=root\nLabel=vrep_1\nFormat=squashfs\nCopyFiles=/:/\nVerity=data\nVerityMatchKey=root\n' \
                        >"$defs/10-root.conf"
                printf '[Partition]\nType=root-verity\nLabel=vrep_1-verity\nVerity=hash\nVerityMatchKey=root\n' \
                        >"$defs/20-root-verity.conf"
                if systemd-repart --empty=create --size=auto --dry-run=no --no-pager --json=short \
                        --definitions="$defs" --root="$d" --seed=random \
                        "$OUT/vrep.raw" >"$SCRATCH/vrep.json" 2>"$SCRATCH/vrep.log"; then
                        sed -n 's/.*"roothash":"\([0-9a-f]\{64\}\)".*/\1/p' "$SCRATCH/vrep.json" >"$OUT/vrep.raw.hex"
                        echo repart >"$OUT/vrep.raw.how"
                else
                        cat "$SCRATCH/vrep.log" >&2
                        rm -f "$OUT/vrep.raw"
                fi
        fi
        if [[ ! -s "$OUT/vrep.raw" || ! -s "$OUT/vrep.raw.hex" ]]; then
                # As repart does it: root partition UUID = the root hash's first 128 bits, root-verity's
                # its last 128 bits.
                local fs="$SCRATCH/vrep.squashfs" tree="$SCRATCH/vrep.verity" ru vu fs_s tree_s vtype
                case "$(uname -m)" in
                x86_64)  vtype=2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 ;;
                aarch64) vtype=df3300ce-d69f-4c92-978c-9bfb0f38d820 ;;
                *) die "no root-verity partition type known for $(uname -m)" ;;
                esac
                squash "$d" "$fs"; rm -f "$tree"
                veritysetup format "$fs" "$tree" --root-hash-file="$OUT/vrep.raw.hex" >/dev/null
                hex=$(cat "$OUT/vrep.raw.hex")
                ru="${hex:0:8}-${hex:8:4}-${hex:12:4}-${hex:16:4}-${hex:20:12}"
                vu="${hex:32:8}-${hex:40:4}-${hex:44:4}-${hex:48:4}-${hex:52:12}"
                fs_s=$(( ($(stat -c %s "$fs") + 4095) / 4096 * 8 ))
                tree_s=$(( ($(stat -c %s "$tree") + 4095) / 4096 * 8 ))
                truncate -s $(( (2048 + fs_s + tree_s + 2048) * 512 )) "$OUT/vrep.raw"
                printf 'label: gpt\nstart=2048, size=%d, type=%s, uuid=%s, name=vrep_1\nstart=%d, size=%d, type=%s, uuid=%s, name=vrep_1-verity\n' \
                        $fs_s "$(root_part_type)" "$ru" $(( 2048 + fs_s )) $tree_s $vtype "$vu" | sfdisk -q "$OUT/vrep.raw" >/dev/null
                dd if="$fs" of="$OUT/vrep.raw" bs=512 seek=2048 conv=notrunc status=none
                dd if="$tree" of="$OUT/vrep.raw" bs=512 seek=$(( 2048 + fs_s )) conv=notrunc status=none
                echo sfdisk+veritysetup >"$OUT/vrep.raw.how"
        fi
        sfdisk -d "$OUT/vrep.raw" | awk -v t="$(root_part_type)" '
                tolower($0) ~ "type= *" t { sub(/.*start= */, ""); sub(/,.*/, ""); print $0 * 512 }' \
                >"$OUT/vrep.raw.root-offset"
        [[ -s "$OUT/vrep.raw.root-offset" ]] || die "vrep.raw: no root partition found"
        cp "$OUT/vrep.raw" "$OUT/vrepx.raw"
        sfdisk -q --part-uuid "$OUT/vrepx.raw" 1 01234567-89ab-cdef-0123-456789abcdef >/dev/null \
                || die "vrepx.raw: cannot set the partition UUID"
}
pins_build
