# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The benchmark images, shared by bench/run, bench/upstream (through bench/run) and bench/boot.
# Sourced. The caller sets WORK (images go to $WORK/images/KIND/, built once and kept: the count
# built so far is in .count) and defines msg and die.
#
# Every image is the tree of mk_tree: os-release, one enabled Type=oneshot service named after the
# image (bsqu0042.raw holds bsqu0042.service: the unit must carry the image's name, so raw images
# cannot be copies of one file), empty /etc/machine-id and /etc/resolv.conf, and the mount points
# a read-only image needs. Kinds:
#
#   dir               a directory tree
#   squashfs          a bare squashfs file, NAME.raw
#   erofs             a bare erofs file, NAME.raw
#   gpt               a GPT disk image: one 1 MiB root partition for this architecture, a squashfs
#   gpt-erofs         the same with an erofs root partition
#   gpt-erofs-verity  gpt-erofs plus a root-verity partition holding the dm-verity hash tree of the
#                     root partition (partition UUIDs from the root hash, as systemd-repart makes
#                     them), and NAME.roothash beside it
#
# ensure_verity_sidecars KIND N adds NAME.verity (veritysetup format) and NAME.roothash beside the
# bare images (squashfs, erofs) 1..N of KIND, so that one set of files serves with and without verity.

# Image names have no "_" (that would make them versions of one name) and a fixed length: the
# letter b, the first three letters of the kind, four digits (gpt-erofs-verity images are named as
# the gpt-erofs ones: the same images, with verity data).
img_name() { printf 'b%s%04d' "${1:0:3}" "$2"; }

root_part_type() {
        case "$(uname -m)" in
                x86_64) echo 4f68bce3-e8cd-4db1-96e7-fbcaf984b709 ;;
                aarch64) echo b921b045-1df0-41c3-af44-4c6f280d3fae ;;
                i?86) echo 44479540-f297-41b2-9af7-d131d5f0458a ;;
                riscv64) echo 72ec70a6-cf74-40e6-bd49-4bda08e8f224 ;;
                *) die "no root partition type known for $(uname -m)" ;;
        esac
}

root_verity_part_type() {
        case "$(uname -m)" in
                x86_64) echo 2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 ;;
                aarch64) echo df3300ce-d69f-4c92-978c-9bfb0f38d820 ;;
                i?86) echo d13c5d3b-b5d1-422a-b29f-9454fdc89d76 ;;
                riscv64) echo b6ed5582-440b-4209-b8da-5ff7c419ea3d ;;
                *) die "no root-verity partition type known for $(uname -m)" ;;
        esac
}

# mk_tree DIR NAME: os-release, one enabled service, and the mount points a read-only image needs.
mk_tree() {
        local d="$1" name="$2"
        rm -rf "$d"
        mkdir -p "$d"/usr/lib/systemd/system "$d"/etc "$d"/proc "$d"/sys "$d"/dev "$d"/run \
                "$d"/tmp "$d"/var/tmp
        : >"$d/etc/machine-id"
        : >"$d/etc/resolv.conf"
        printf 'ID=bench\nVERSION_ID=1\nPRETTY_NAME="bench image"\n' >"$d/usr/lib/os-release"
        cat >"$d/usr/lib/systemd/system/$name.service" <<EOF
[Unit]
Description=bench service $name

[Service]
Type=oneshot
ExecStart=/usr/bin/true

[Install]
WantedBy=multi-user.target
EOF
}

SQUASH_OPTS=(-noappend -quiet -no-progress -all-root -comp gzip)
EROFS_OPTS=(--quiet --all-root -T0)
GPT_SECTORS=2048        # 1 MiB root partition: plenty for a file system of a few files
GPT_VERITY_SECTORS=128  # 64 KiB root-verity partition: a hash tree of 1 MiB of data is 12 KiB

# mk_fs KIND DIR OUT: a squashfs or erofs image of DIR.
mk_fs() {
        rm -f "$3"
        case "$1" in
                squashfs) mksquashfs "$2" "$3" "${SQUASH_OPTS[@]}" >/dev/null ;;
                erofs) mkfs.erofs "${EROFS_OPTS[@]}" "$3" "$2" >/dev/null ;;
                *) die "mk_fs: unknown file system $1" ;;
        esac || die "cannot make a $1 image of $2"
}

# fs_into_partition FS IMAGE: writes file system image FS into the root partition (sector 2048).
fs_into_partition() {
        (( $(stat -c %s "$1") <= GPT_SECTORS * 512 )) || die "$1 too big for the partition"
        dd if="$1" of="$2" bs=512 seek=2048 conv=notrunc status=none
}

# gpt_template: $WORK/images/gpt.template, a GPT with an empty root partition at sector 2048.
gpt_template() {
        local t="$WORK/images/gpt.template"
        [[ -f $t ]] && return 0
        mkdir -p "$WORK/images"
        truncate -s $(( (2048 + GPT_SECTORS + 2048) * 512 )) "$t.tmp"
        sfdisk -q "$t.tmp" >/dev/null <<EOF || die "sfdisk failed"
label: gpt
start=2048, size=$GPT_SECTORS, type=$(root_part_type), name=root-$(uname -m)
EOF
        mv "$t.tmp" "$t"
}

# hex_uuid HEX32: 32 hex digits as a UUID (8-4-4-4-12).
hex_uuid() { printf '%s-%s-%s-%s-%s' "${1:0:8}" "${1:8:4}" "${1:12:4}" "${1:16:4}" "${1:20:12}"; }

# mk_gpt_verity TREE OUT: a GPT image with an erofs root partition and its root-verity partition;
# OUT.roothash gets the root hash. The root partition's UUID is the first half of the root hash,
# the verity partition's the second, as systemd-repart makes them and systemd looks for them.
mk_gpt_verity() {
        local tree="$1" out="$2" s="$WORK/scratch-verity" hex
        mk_fs erofs "$tree" "$s.fs"
        (( $(stat -c %s "$s.fs") <= GPT_SECTORS * 512 )) || die "erofs image too big for the partition"
        truncate -s $((GPT_SECTORS * 512)) "$s.fs"      # the hash tree covers the whole partition
        rm -f "$s.hash"
        veritysetup format "$s.fs" "$s.hash" --root-hash-file="$s.hex" >/dev/null || die "veritysetup format failed"
        hex=$(cat "$s.hex")
        [[ $hex =~ ^[0-9a-f]{64}$ ]] || die "veritysetup: unexpected root hash '$hex'"
        (( $(stat -c %s "$s.hash") <= GPT_VERITY_SECTORS * 512 )) || die "hash tree too big for its partition"
        rm -f "$out.tmp"
        truncate -s $(( (2048 + GPT_SECTORS + GPT_VERITY_SECTORS + 2048) * 512 )) "$out.tmp"
        sfdisk -q "$out.tmp" >/dev/null <<EOF || die "sfdisk failed"
label: gpt
start=2048, size=$GPT_SECTORS, type=$(root_part_type), uuid=$(hex_uuid "${hex:0:32}"), name=root-$(uname -m)
start=$((2048 + GPT_SECTORS)), size=$GPT_VERITY_SECTORS, type=$(root_verity_part_type), uuid=$(hex_uuid "${hex:32:32}"), name=root-$(uname -m)-verity
EOF
        dd if="$s.fs" of="$out.tmp" bs=512 seek=2048 conv=notrunc status=none
        dd if="$s.hash" of="$out.tmp" bs=512 seek=$((2048 + GPT_SECTORS)) conv=notrunc status=none
        printf '%s\n' "$hex" >"${out%.raw}.roothash"
        mv "$out.tmp" "$out"
        rm -f "$s.fs" "$s.hash" "$s.hex"
}

# ensure_images KIND N: images 1..N of KIND in $WORK/images/KIND (built once, kept).
ensure_images() {
        local kind="$1" n="$2" dir="$WORK/images/$1" i name t have
        mkdir -p "$dir"
        have=$(cat "$dir/.count" 2>/dev/null || echo 0)
        ((have >= n)) && return 0
        msg "building $kind images $((have + 1))..$n"
        t="$WORK/scratch"
        case "$kind" in
                gpt|gpt-erofs) gpt_template ;;
        esac
        for ((i = have + 1; i <= n; i++)); do
                name=$(img_name "$kind" "$i")
                case "$kind" in
                        dir)
                                mk_tree "$dir/$name.tmp" "$name"
                                rm -rf "$dir/$name"
                                mv "$dir/$name.tmp" "$dir/$name"
                                ;;
                        squashfs|erofs)
                                mk_tree "$t" "$name"
                                mk_fs "$kind" "$t" "$dir/$name.raw.tmp"
                                mv "$dir/$name.raw.tmp" "$dir/$name.raw"
                                ;;
                        gpt|gpt-erofs)
                                mk_tree "$t" "$name"
                                mk_fs "$([[ $kind == gpt ]] && echo squashfs || echo erofs)" "$t" "$t.fs"
                                cp "$WORK/images/gpt.template" "$dir/$name.raw.tmp"
                                fs_into_partition "$t.fs" "$dir/$name.raw.tmp"
                                mv "$dir/$name.raw.tmp" "$dir/$name.raw"
                                ;;
                        gpt-erofs-verity)
                                mk_tree "$t" "$name"
                                mk_gpt_verity "$t" "$dir/$name.raw"
                                ;;
                        *) die "unknown kind $kind" ;;
                esac
        done
        rm -rf "$t" "$t.fs"
        echo "$n" >"$dir/.count"
}

# ensure_verity_sidecars KIND N: NAME.verity and NAME.roothash beside bare images 1..N of KIND
# (ensure_images KIND N first), as `veritysetup format NAME.raw NAME.verity` makes them.
ensure_verity_sidecars() {
        local kind="$1" n="$2" dir="$WORK/images/$1" i name have s="$WORK/scratch-verity"
        have=$(cat "$dir/.verity-count" 2>/dev/null || echo 0)
        ((have >= n)) && return 0
        msg "building verity sidecars of $kind images $((have + 1))..$n"
        for ((i = have + 1; i <= n; i++)); do
                name=$(img_name "$kind" "$i")
                [[ -f "$dir/$name.raw" ]] || die "no image $dir/$name.raw"
                rm -f "$dir/$name.verity.tmp"
                veritysetup format "$dir/$name.raw" "$dir/$name.verity.tmp" --root-hash-file="$s.hex" >/dev/null \
                        || die "veritysetup format $dir/$name.raw failed"
                [[ $(cat "$s.hex") =~ ^[0-9a-f]{64}$ ]] || die "veritysetup: unexpected root hash"
                printf '%s\n' "$(cat "$s.hex")" >"$dir/$name.roothash"
                mv "$dir/$name.verity.tmp" "$dir/$name.verity"
        done
        rm -f "$s.hex"
        echo "$n" >"$dir/.verity-count"
}
