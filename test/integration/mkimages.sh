#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds every test image of the integration suite from real parts into OUTDIR:
#   mkimages.sh OUTDIR BUSYBOX [REDIS_TREE [DEBSVC_TREE]]
# BUSYBOX is a static busybox binary (from busybox-static); REDIS_TREE a debootstrapped
# Debian tree with redis-server, DEBSVC_TREE one with the services of scenario 27 (both cached
# by `run`). Nothing here needs root except
# that files keep their owners.
#
# Notes on the images (see also README.md):
# - Every image carries os-release and its units under usr/lib/systemd/system.
# - RootImage= mounts a read-only image, so systemd cannot create mount points in it:
#   each image has the mount points the profiles bind onto: empty /etc/machine-id and
#   /etc/resolv.conf files, and /proc /sys /dev /run /run/host /tmp /var/tmp directories.
set -euo pipefail
trap 'echo "mkimages.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

OUT="${1:?usage: mkimages.sh OUTDIR BUSYBOX [REDIS_TREE]}"
BUSYBOX="${2:?busybox binary}"
REDIS_TREE="${3:-}"
DEBSVC_TREE="${4:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/lib.sh"

need_cmd mksquashfs sfdisk
mkdir -p "$OUT"
SCRATCH="$(mktemp -d "${TMPDIR:-/var/tmp}/ptest-mkimages.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

SQUASH_OPTS=(-noappend -quiet -no-progress -all-root -comp gzip)

# The root partition type of the Discoverable Partitions Specification for this architecture.
root_part_type() {
        case "$(uname -m)" in
                x86_64) echo 4f68bce3-e8cd-4db1-96e7-fbcaf984b709 ;;
                aarch64) echo b921b045-1df0-41c3-af44-4c6f280d3fae ;;
                i?86) echo 44479540-f297-41b2-9af7-d131d5f0458a ;;
                riscv64) echo 72ec70a6-cf74-40e6-bd49-4bda08e8f224 ;;
                *) die "no root partition type known for $(uname -m)" ;;
        esac
}

# mk_root DIR NAME VERSION [EXTRA_OS_RELEASE_LINES...]: a busybox tree with os-release and mount points.
mk_root() {
        local d="$1" name="$2" ver="$3" a
        shift 3
        mkdir -p "$d"/usr/bin "$d"/usr/lib/systemd/system "$d"/etc "$d"/proc "$d"/sys "$d"/dev \
                "$d"/run/host "$d"/tmp "$d"/var/tmp "$d"/var/lib "$d"/srv/www
        ln -sfn usr/bin "$d/bin"
        ln -sfn usr/bin "$d/sbin"
        ln -sfn bin "$d/usr/sbin"
        install -m 0755 "$BUSYBOX" "$d/usr/bin/busybox"
        for a in $("$BUSYBOX" --list); do
                [[ -e "$d/usr/bin/$a" || "$a" == busybox ]] || ln -s busybox "$d/usr/bin/$a"
        done
        : >"$d/etc/machine-id"
        : >"$d/etc/resolv.conf"
        {
                echo "ID=ptest"
                echo "NAME=\"ptest image $name\""
                echo "PRETTY_NAME=\"ptest image $name $ver\""
                echo "VERSION_ID=$ver"
                echo "IMAGE_VERSION=$ver"
                echo "PTEST_IMAGE=$name"
                for a in "$@"; do echo "$a"; done
        } >"$d/usr/lib/os-release"
        # A report helper every service uses: one journal line with what the service sees.
        cat >"$d/usr/bin/ptest-report" <<'EOS'
#!/bin/sh
# ptest-report TAG: print one line describing the environment this service runs in.
img_id=$(. /usr/lib/os-release 2>/dev/null; echo "$ID")
img_ver=$(. /usr/lib/os-release 2>/dev/null; echo "$IMAGE_VERSION")
host_id=$( (. /run/host/os-release) 2>/dev/null && (. /run/host/os-release; echo "$ID") || echo none)
echo "PTEST tag=$1 image_id=$img_id image_version=$img_ver host_id=$host_id uid=$(id -u) user=$(id -un 2>/dev/null) portable=$PORTABLE"
EOS
        # A probe for the profile scenario: can we reach the loopback listener, see the host's /run?
        cat >"$d/usr/bin/ptest-probe" <<'EOS'
#!/bin/sh
/usr/bin/ptest-report "$1"
# (busybox 1.35 wget -T crashes: use timeout)
if timeout 5 wget -q -O - http://127.0.0.1:8090/ok.txt 2>/dev/null | grep -q ptest-listener-ok; then
        echo "PTEST tag=$1 NET=ok"
else
        echo "PTEST tag=$1 NET=fail"
fi
if [ -e /run/ptest-host-marker ]; then echo "PTEST tag=$1 HOSTRUN=yes"; else echo "PTEST tag=$1 HOSTRUN=no"; fi
exit 0
EOS
        chmod 0755 "$d/usr/bin/ptest-report" "$d/usr/bin/ptest-probe"
        echo "ptest-www-ok $name $ver" >"$d/srv/www/index.html"
}

# unit DIR UNITNAME <<EOF ...: write a unit file into the image tree.
unit() { cat >"$1/usr/lib/systemd/system/$2"; }

# A long-running service that reports once and sleeps.
daemon_unit() {
        unit "$1" "$2.service" <<EOF
[Unit]
Description=ptest $2 daemon

[Service]
Type=exec
ExecStart=/usr/bin/sh -c '/usr/bin/ptest-report $2; exec sleep 100000'

[Install]
WantedBy=multi-user.target
EOF
}

squash() { mksquashfs "$1" "$2" "${SQUASH_OPTS[@]}" >/dev/null; }

# gpt SRC OUT: a GPT disk with one root partition for this architecture holding a squashfs of SRC.
gpt() {
        local src="$1" out="$2" part="$SCRATCH/part.$$" size sectors
        squash "$src" "$part"
        size=$(stat -c %s "$part")
        sectors=$(( (size + 4095) / 4096 * 8 ))
        rm -f "$out"
        truncate -s $(( (2048 + sectors + 2048) * 512 )) "$out"
        sfdisk -q "$out" >/dev/null <<EOF
label: gpt
start=2048, size=$sectors, type=$(root_part_type), name=root-$(uname -m)
EOF
        dd if="$part" of="$out" bs=512 seek=2048 conv=notrunc status=none
        rm -f "$part"
}

new() { rm -rf "$SCRATCH/$1"; echo "$SCRATCH/$1"; }

# --- 1: hello (squashfs)
d=$(new hello); mk_root "$d" hello 1; daemon_unit "$d" hello; squash "$d" "$OUT/hello_1.raw"

# --- 2: a directory image, a GPT image, erofs and ext4 images
d=$(new dirsvc); mk_root "$d" dirsvc 1; daemon_unit "$d" dirsvc
rm -rf "$OUT/dirsvc"; cp -a "$d" "$OUT/dirsvc"
d=$(new gptsvc); mk_root "$d" gptsvc 1; daemon_unit "$d" gptsvc; gpt "$d" "$OUT/gptsvc.raw"
if command -v mkfs.erofs >/dev/null; then
        d=$(new erofssvc); mk_root "$d" erofssvc 1; daemon_unit "$d" erofssvc
        rm -f "$OUT/erofssvc.raw"; mkfs.erofs "$OUT/erofssvc.raw" "$d" >/dev/null 2>&1
fi
if command -v mkfs.ext4 >/dev/null; then
        d=$(new ext4svc); mk_root "$d" ext4svc 1; daemon_unit "$d" ext4svc
        rm -f "$OUT/ext4svc.raw"; truncate -s 16M "$OUT/ext4svc.raw"
        mkfs.ext4 -q -F -d "$d" -L ext4svc "$OUT/ext4svc.raw" >/dev/null
fi

# --- 3: present at boot, enabled and not
for n in bootyes bootno; do
        d=$(new $n); mk_root "$d" $n 1; daemon_unit "$d" $n; squash "$d" "$OUT/$n.raw"
done

# --- 4: socket activation: an inetd-style busybox httpd behind Accept=yes
d=$(new sock); mk_root "$d" sock 1
unit "$d" sock.socket <<'EOF'
[Unit]
Description=ptest socket-activated httpd

[Socket]
ListenStream=127.0.0.1:8082
Accept=yes

[Install]
WantedBy=sockets.target
EOF
unit "$d" sock@.service <<'EOF'
[Unit]
Description=ptest httpd connection %i

[Service]
ExecStart=/usr/bin/busybox httpd -i -vv -h /srv/www
StandardInput=socket
StandardError=journal
EOF
squash "$d" "$OUT/sock.raw"

# --- 5: a timer and its service
d=$(new tick); mk_root "$d" tick 1
unit "$d" tick.timer <<'EOF'
[Unit]
Description=ptest tick timer

[Timer]
OnActiveSec=1s
OnUnitActiveSec=3s
AccuracySec=100ms

[Install]
WantedBy=timers.target
EOF
unit "$d" tick.service <<'EOF'
[Unit]
Description=ptest tick

[Service]
Type=oneshot
ExecStart=/usr/bin/ptest-report tick
EOF
squash "$d" "$OUT/tick.raw"

# --- 6 and 10: two versions of foo
for v in 1 2; do
        d=$(new foo$v); mk_root "$d" foo $v; daemon_unit "$d" foo; squash "$d" "$OUT/foo_$v.raw"
done

# --- 8: one image per profile; the .portable settings are written by the scenario
for n in pdefault pnonet pstrict ptrusted pbogus; do
        d=$(new $n); mk_root "$d" $n 1
        unit "$d" $n.service <<EOF
[Unit]
Description=ptest profile probe $n

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/ptest-probe $n
EOF
        squash "$d" "$OUT/$n.raw"
done

# A unit that tries to widen its profile's allow-lists (these settings add up in systemd).
d=$(new pwiden); mk_root "$d" pwiden 1
unit "$d" pwiden.service <<'EOF2'
[Unit]
Description=ptest profile probe pwiden (asks for more address families and syscalls)

[Service]
Type=oneshot
RemainAfterExit=yes
RestrictAddressFamilies=AF_INET AF_INET6
SystemCallFilter=@mount @privileged
ExecStart=/usr/bin/ptest-probe pwiden
EOF2
squash "$d" "$OUT/pwiden.raw"

# --- 9: units named like host units (conflict.service in /usr/lib, conflict-etc.service in /etc)
d=$(new conflict); mk_root "$d" conflict 1
daemon_unit "$d" conflict; daemon_unit "$d" conflict-etc; daemon_unit "$d" conflict-own
squash "$d" "$OUT/conflict.raw"

# --- 11: bad images beside a good one
d=$(new good); mk_root "$d" good 1; daemon_unit "$d" good; squash "$d" "$OUT/good.raw"
head -c 1048576 /dev/urandom >"$OUT/junk.raw"
d=$(new noosrel); mk_root "$d" noosrel 1; daemon_unit "$d" noosrel
rm -f "$d/usr/lib/os-release" "$d/etc/os-release"; squash "$d" "$OUT/noosrel.raw"
d=$(new trunc); mk_root "$d" trunc 1; daemon_unit "$d" trunc
head -c 4194304 /dev/urandom >"$d/usr/lib/bulk.bin"
squash "$d" "$SCRATCH/trunc.full"
head -c $(( $(stat -c %s "$SCRATCH/trunc.full") / 3 )) "$SCRATCH/trunc.full" >"$OUT/trunc.raw"
# ID= missing from os-release (upstream TEST-29 checks this does not crash portabled)
d=$(new noid); mk_root "$d" noid 1; daemon_unit "$d" noid
sed -i '/^ID=/d' "$d/usr/lib/os-release"; squash "$d" "$OUT/noid.raw"

# --- 12: upstream TEST-29-PORTABLE's minimal_0.raw and minimal_1.raw
d=$(new minimal); mk_root "$d" minimal 0 "MARKER=1" "PORTABLE_PREFIXES=\"app0 minimal minimal-app0\""
ln -sfn ../usr/lib/os-release "$d/etc/os-release"
mkdir -p "$d/opt" "$d/var/lib/app1"; touch "$d/opt/some_file"
unit "$d" minimal-app0.service <<'EOF'
[Service]
ExecStartPre=cat /usr/lib/os-release
ExecStart=sleep 120
EOF
cp "$d/usr/lib/systemd/system/minimal-app0.service" "$d/usr/lib/systemd/system/minimal-app0-foo.service"
squash "$d" "$OUT/minimal_0.raw"
sed -i 's/MARKER=1/MARKER=2/; s/^VERSION_ID=.*/VERSION_ID=1/; s/^IMAGE_VERSION=.*/IMAGE_VERSION=1/' "$d/usr/lib/os-release"
rm "$d/usr/lib/systemd/system/minimal-app0-foo.service"
cp "$d/usr/lib/systemd/system/minimal-app0.service" "$d/usr/lib/systemd/system/minimal-app0-bar.service"
squash "$d" "$OUT/minimal_1.raw"

# --- 15: prefixes and settings: which unit names match, Prefixes=, symlinks that try to leave the image
d=$(new pfx); mk_root "$d" pfx 1
daemon_unit "$d" pfx; daemon_unit "$d" pfx-a; daemon_unit "$d" pfxother; daemon_unit "$d" other
unit "$d" pfx@.service <<'EOF2'
[Service]
Type=exec
ExecStart=/usr/bin/sh -c '/usr/bin/ptest-report pfx@%i; exec sleep 100000'
EOF2
# Absolute and relative links to a unit that exists on the host (scenario 09's host unit) and not
# in the image: resolved inside the image they dangle, resolved on the host they would not.
ln -s /etc/systemd/system/conflict-etc.service "$d/usr/lib/systemd/system/pfx-esc.service"
ln -s ../../../../../../../etc/systemd/system/conflict-etc.service "$d/usr/lib/systemd/system/pfx-esc2.service"
squash "$d" "$OUT/pfx_1.raw"

# --- 13: a real Debian service: redis-server from Debian's own package
if [[ -n "$REDIS_TREE" ]]; then
        d=$(new redis)
        cp -a "$REDIS_TREE" "$d"
        rm -rf "$d"/usr/share/doc "$d"/usr/share/man "$d"/usr/share/locale "$d"/var/cache/apt \
                "$d"/var/lib/apt/lists "$d"/.complete
        # The mount points RootImage= needs in a read-only image.
        mkdir -p "$d"/run/host "$d"/proc "$d"/sys "$d"/dev "$d"/tmp "$d"/var/tmp
        : >"$d/etc/machine-id"
        rm -f "$d/etc/resolv.conf"; : >"$d/etc/resolv.conf"
        # Changes a portable image needs that a package install does not make: log to the journal
        # instead of a file in the read-only image, keep state in a StateDirectory= (writable by
        # the dynamic user) instead of the image's /var/lib/redis owned by the image's redis user,
        # and let that dynamic user read the configuration.
        sed -i 's|^logfile .*|logfile ""|' "$d/etc/redis/redis.conf"
        # Debian keeps the configuration readable by the package's static redis user only (2770/640);
        # the dynamic user of the default profile is not that user.
        chmod 0755 "$d/etc/redis"; chmod 0644 "$d/etc/redis/redis.conf"
        sed -i 's|^\[Service\]|[Service]\nStateDirectory=redis|' "$d/lib/systemd/system/redis-server.service"
        grep -q '^StateDirectory=redis' "$d/lib/systemd/system/redis-server.service" || die "redis unit not patched"
        squash "$d" "$OUT/redis.raw"
fi

# --- 16, 17: users and state (test/integration/mkimages-users.sh)
. "$HERE/mkimages-users.sh"
. "$HERE/mkimages-reload.sh"         # 20-22: reloads (slow files, time budget, extraction cache)
. "$HERE/mkimages-verity.sh"      # 18, 19: verified images
. "$HERE/mkimages-pins.sh"        # 35, 36: pinned root hashes, root hashes from partition UUIDs
. "$HERE/mkimages-escape.sh"      # 23: units that try to leave their sandbox
. "$HERE/mkimages-confine.sh"     # 26: hostile images, one way past the sandbox each
. "$HERE/mkimages-debsvc.sh"      # 27: unmodified Debian services, one image for all
. "$HERE/mkimages-extensions.sh"  # 37, 38, 39: Extensions=

ls -la "$OUT" >&2
