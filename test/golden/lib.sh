# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the golden cases' setup scripts. Sourced by the runner before each setup, with
# $ROOT (the host tree the generator sees, via $PORTABLES_ROOT) and $WORK (scratch space) set.

set -euo pipefail

PD=/var/lib/portables

# Skips the case (exit 77) unless we are root and can use loop devices.
need_raw() {
        [ "$(id -u)" = 0 ] || { echo "raw images need root"; exit 77; }
        [ -e /dev/loop-control ] || { echo "no /dev/loop-control"; exit 77; }
}

need_tool() {
        command -v "$1" >/dev/null || { echo "$1 not installed"; exit 77; }
}

# image_tree DIR [ID] — an image's root directory with an os-release.
image_tree() {
        mkdir -p "$1/etc" "$1/usr/lib/systemd/system" "$1/usr/bin"
        # The mount points a read-only image needs for its services' sandbox.
        mkdir -p "$1/proc" "$1/sys" "$1/dev" "$1/run" "$1/tmp" "$1/var/tmp"
        printf 'ID=%s\nVERSION_ID=1\n' "${2:-golden}" >"$1/etc/os-release"
}

# service DIR NAME [EXTRA...] — NAME.service in DIR's /usr/lib/systemd/system, with an
# executable it starts, enabled into multi-user.target. EXTRA lines go into [Service].
service() {
        local dir=$1 name=$2 l
        shift 2
        mkdir -p "$dir/usr/lib/systemd/system" "$dir/usr/bin"
        printf '#!/bin/sh\necho %s\n' "$name" >"$dir/usr/bin/$name-bin"
        chmod 0755 "$dir/usr/bin/$name-bin"
        {
                printf '[Unit]\nDescription=Golden test service %s\n\n[Service]\nExecStart=/usr/bin/%s-bin\n' "$name" "$name"
                for l in "$@"; do printf '%s\n' "$l"; done
                printf '\n[Install]\nWantedBy=multi-user.target\n'
        } >"$dir/usr/lib/systemd/system/$name.service"
}

# unit_file DIR NAME TEXT — any unit file, as given.
unit_file() {
        mkdir -p "$1/usr/lib/systemd/system"
        printf '%s' "$3" >"$1/usr/lib/systemd/system/$2"
}

squashfs() {
        need_tool mksquashfs
        mksquashfs "$1" "$2" -noappend -quiet -all-root -no-progress >/dev/null
}

erofs() {
        need_tool mkfs.erofs
        mkfs.erofs "$2" "$1" >/dev/null 2>&1
}

# The Discoverable Partitions type UUIDs for this architecture.
arch_uuids() {
        case "$(uname -m)" in
        x86_64)  ROOT_UUID=4f68bce3-e8cd-4db1-96e7-fbcaf984b709 USR_UUID=8484680c-9521-48c6-9c11-b0720656f69e ;;
        aarch64) ROOT_UUID=b921b045-1df0-41c3-af44-4c6f280d3fae USR_UUID=b0e01050-ee5f-4390-949a-9101b17104e9 ;;
        *) echo "no partition type UUIDs for $(uname -m)"; exit 77 ;;
        esac
}

# gpt SRC DEST [root|usr] — a GPT disk image with one squashfs partition made from SRC (for "usr",
# SRC's usr/ becomes the usr partition), typed for this architecture. sfdisk rather than
# systemd-repart, so the layout is exactly this and nothing else.
gpt() {
        local src=$1 dest=$2 kind=${3:-root} fs sz mib
        need_tool sfdisk
        arch_uuids
        fs=$WORK/gpt-part.$$.squashfs
        if [ "$kind" = usr ]; then squashfs "$src/usr" "$fs"; else squashfs "$src" "$fs"; fi
        sz=$(stat -c %s "$fs")
        mib=$(( (sz + 1048575) / 1048576 ))
        truncate -s $(( (mib + 2) * 1048576 )) "$dest"
        local type=$ROOT_UUID
        [ "$kind" = usr ] && type=$USR_UUID
        printf 'label: gpt\nstart=2048, size=%d, type=%s, name=%s\n' $(( mib * 2048 )) "$type" "$kind" \
                | sfdisk -q "$dest" >/dev/null
        dd if="$fs" of="$dest" bs=1M seek=1 conv=notrunc status=none
        rm -f "$fs"
}

# ---- dm-verity data for the pin and partition-UUID cases (reproducible: fixed times, salt, UUIDs) ----

VERITY_SALT=5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed
VERITY_TREE_UUID=11111111-2222-3333-4444-555555555555

squashfs_fixed() {
        need_tool mksquashfs
        mksquashfs "$1" "$2" -noappend -quiet -all-root -no-progress -mkfs-time 0 -all-time 0 >/dev/null
}

# verity_format DATA TREE — veritysetup format with fixed salt and UUID; prints the root hash.
verity_format() {
        need_tool veritysetup
        rm -f "$2"
        veritysetup format "$1" "$2" --salt="$VERITY_SALT" --uuid="$VERITY_TREE_UUID" \
                --root-hash-file="$2.hex" >/dev/null
        cat "$2.hex"
        rm -f "$2.hex"
}

# verity_sidecar SRC DEST.raw — a squashfs of SRC and its hash tree DEST.verity, no NAME.roothash;
# prints the root hash.
verity_sidecar() {
        squashfs_fixed "$1" "$2"
        verity_format "$2" "${2%.raw}.verity"
}

# uuid_of HEX — 32 hex digits as a UUID string.
uuid_of() {
        printf '%s-%s-%s-%s-%s' "${1:0:8}" "${1:8:4}" "${1:12:4}" "${1:16:4}" "${1:20:12}"
}

# verity_gpt SRC DEST [repart|wrong] [root|usr] — a GPT image: root partition (squashfs of SRC) and
# its root-verity partition, made with sfdisk ("usr": a usr partition of SRC/usr and its usr-verity
# partition). "repart" (default) sets the partition UUIDs from the root hash as systemd-repart does
# (data: its first 128 bits, verity: its last 128 bits); "wrong" swaps them. Prints the root hash.
verity_gpt() {
        local src=$1 dest=$2 how=${3:-repart} kind=${4:-root} fs tree hex vtype dtype ru vu fmib tmib
        need_tool sfdisk
        arch_uuids
        case "$(uname -m)-$kind" in
        x86_64-root)  vtype=2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 ;;
        x86_64-usr)   vtype=77ff5f63-e7b6-4633-acf4-1565b864c0e6 ;;
        aarch64-root) vtype=df3300ce-d69f-4c92-978c-9bfb0f38d820 ;;
        aarch64-usr)  vtype=6e11a4e7-fbca-4ded-b9e9-e1a512bb664e ;;
        esac
        dtype=$ROOT_UUID
        [ "$kind" = usr ] && { dtype=$USR_UUID; src=$src/usr; }
        fs=$WORK/vgpt.$$.squashfs tree=$WORK/vgpt.$$.verity
        squashfs_fixed "$src" "$fs"
        hex=$(verity_format "$fs" "$tree")
        ru=$(uuid_of "${hex:0:32}") vu=$(uuid_of "${hex:32:32}")
        [ "$how" = wrong ] && { local t=$ru; ru=$vu; vu=$t; }
        fmib=$(( ($(stat -c %s "$fs") + 1048575) / 1048576 ))
        tmib=$(( ($(stat -c %s "$tree") + 1048575) / 1048576 ))
        truncate -s $(( (fmib + tmib + 2) * 1048576 )) "$dest"
        printf 'label: gpt\nlabel-id: 01234567-89ab-cdef-0123-456789abcdef\nstart=2048, size=%d, type=%s, uuid=%s, name=%s\nstart=%d, size=%d, type=%s, uuid=%s, name=%s-verity\n' \
                $(( fmib * 2048 )) "$dtype" "$ru" "$kind" $(( 2048 + fmib * 2048 )) $(( tmib * 2048 )) "$vtype" "$vu" "$kind" \
                | sfdisk -q "$dest" >/dev/null
        dd if="$fs" of="$dest" bs=1M seek=1 conv=notrunc status=none
        dd if="$tree" of="$dest" bs=1M seek=$(( 1 + fmib )) conv=notrunc status=none
        rm -f "$fs" "$tree"
        printf '%s\n' "$hex"
}
