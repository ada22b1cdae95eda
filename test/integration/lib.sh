# SPDX-License-Identifier: LGPL-2.1-or-later
# Host-side helpers of the integration suite. Sourced by `run` and `mkimages.sh`.

PTEST_SUITE="${PTEST_SUITE:-integration}"
PTEST_CACHE="${PTEST_CACHE:-/var/cache/portables-test}"
PTEST_WORK="${PTEST_WORK:-/var/tmp/portables-test}"
PTEST_SUITE_DEB="${PTEST_SUITE_DEB:-bookworm}"
PTEST_MIRROR="${PTEST_MIRROR:-http://deb.debian.org/debian}"
PTEST_NLOOP="${PTEST_NLOOP:-32}"

# Packages of the booted "host" tree. Changing this list changes the cache key. libsquashfs1: the
# generator reads squashfs images in user space (without it, as with the .deb's Recommends left
# out, they are mounted).
PTEST_BASE_PACKAGES="systemd,dbus,systemd-sysv,busybox-static,systemd-container,squashfs-tools,libsquashfs1"
# Packages of the real Debian service image (scenario 13).
PTEST_REDIS_PACKAGES="redis-server"
# Unmodified Debian services of scenario 27: one tree serves as every image (each image attaches
# only the units matching its name). Changing this list changes the cache key.
PTEST_DEBSVC_PACKAGES="redis-server,memcached,mosquitto,nginx-light,lighttpd,prometheus-node-exporter,haproxy,unbound,dnsmasq,chrony"

msg()  { printf '[ptest %s] %s\n' "$(date +%T)" "$*" >&2; }
die()  { msg "FATAL: $*"; exit 1; }

need_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 || die "missing command '$c' (install: $(cmd_pkg "$c"))"
        done
}

cmd_pkg() {
        case "$1" in
                debootstrap) echo debootstrap ;;
                mksquashfs|unsquashfs) echo squashfs-tools ;;
                systemd-nspawn) echo systemd-container ;;
                sfdisk) echo fdisk ;;
                script) echo bsdutils ;;
                mkfs.ext4) echo e2fsprogs ;;
                *) echo "$1" ;;
        esac
}

# Short stable hash of a string (cache keys).
key_of() { printf '%s' "$*" | sha256sum | cut -c1-12; }

# debootstrap_cached NAME PACKAGES VARIANT [isolated] -> prints the path of a cached tree,
# building it (atomically: into NAME.tmp, then rename) when missing. "isolated": packages that
# ship daemons are unpacked in a first stage and configured in a second stage with a
# policy-rc.d that forbids starting services, in a network and PID namespace of its own, so no
# maintainer script can start a daemon on this machine (or bind its ports).
debootstrap_cached() {
        local name="$1" pkgs="$2" variant="${3:-minbase}" isolated="${4:-}"
        local key dir
        key=$(key_of "$PTEST_SUITE_DEB $variant $pkgs")
        dir="$PTEST_CACHE/$name-$PTEST_SUITE_DEB-$key"
        if [[ ! -e "$dir/.complete" ]]; then
                need_cmd debootstrap
                msg "building cached tree $dir (debootstrap $variant: $pkgs)"
                rm -rf "$dir.tmp" "$dir"
                mkdir -p "$PTEST_CACHE"
                if [[ -n "$isolated" ]]; then
                        if ! { debootstrap --foreign --variant="$variant" --include="$pkgs" "$PTEST_SUITE_DEB" \
                                        "$dir.tmp" "$PTEST_MIRROR" &&
                                mkdir -p "$dir.tmp/usr/sbin" &&
                                printf '#!/bin/sh\nexit 101\n' >"$dir.tmp/usr/sbin/policy-rc.d" &&
                                chmod 0755 "$dir.tmp/usr/sbin/policy-rc.d" &&
                                unshare --net --pid --fork --mount chroot "$dir.tmp" /debootstrap/debootstrap --second-stage &&
                                rm -f "$dir.tmp/usr/sbin/policy-rc.d"; } >"$PTEST_CACHE/$name.debootstrap.log" 2>&1; then
                                tail -n 30 "$PTEST_CACHE/$name.debootstrap.log" >&2
                                rm -rf "$dir.tmp"
                                die "debootstrap of $name failed (log: $PTEST_CACHE/$name.debootstrap.log)"
                        fi
                elif ! debootstrap --variant="$variant" --include="$pkgs" "$PTEST_SUITE_DEB" \
                        "$dir.tmp" "$PTEST_MIRROR" >"$PTEST_CACHE/$name.debootstrap.log" 2>&1; then
                        tail -n 30 "$PTEST_CACHE/$name.debootstrap.log" >&2
                        rm -rf "$dir.tmp"
                        die "debootstrap of $name failed (log: $PTEST_CACHE/$name.debootstrap.log)"
                fi
                # Keep the cache small: nothing here is needed by the tests.
                rm -rf "$dir.tmp"/var/cache/apt/archives/*.deb "$dir.tmp"/var/lib/apt/lists/*
                touch "$dir.tmp/.complete"
                mv "$dir.tmp" "$dir"
        fi
        echo "$dir"
}

# Loop device nodes can vanish from the host's /dev between runs: recreate them.
ensure_loop_nodes() {
        local i
        [[ -e /dev/loop-control ]] || mknod -m 0660 /dev/loop-control c 10 237
        for ((i = 0; i < PTEST_NLOOP; i++)); do
                [[ -b /dev/loop$i ]] || { rm -f "/dev/loop$i"; mknod -m 0660 "/dev/loop$i" b 7 "$i"; }
        done
}

loop_bind_args() {
        local i
        printf -- '--bind=/dev/loop-control\n'
        for ((i = 0; i < PTEST_NLOOP; i++)); do
                printf -- '--bind=/dev/loop%d\n' "$i"
        done
}

# Copy a tree cheaply (reflinks where the file system has them).
copy_tree() {
        rm -rf "$2"
        mkdir -p "$(dirname "$2")"
        cp -a --reflink=auto "$1" "$2"
}
