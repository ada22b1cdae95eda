# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by mkimages.sh. Scenario 27: unmodified Debian 12 services (PTEST_DEBSVC_PACKAGES in
# lib.sh, debootstrapped once into DEBSVC_TREE) in one squashfs, debsvc.raw. Each image attaches
# only the units matching its name, so the scenario places this one file under every service's
# name (redis-server.raw, nginx.raw, ...). Only what an image builder adds is changed: empty
# /etc/machine-id and /etc/resolv.conf, the mount points RootImage= needs, no documentation; the
# files keep their owners.
# Packages, configuration and units are Debian's as installed.
if [[ -n "${DEBSVC_TREE:-}" ]]; then
        d=$(new debsvc)
        cp -a "$DEBSVC_TREE" "$d"
        rm -rf "$d"/usr/share/doc "$d"/usr/share/man "$d"/usr/share/locale "$d"/var/cache/apt \
                "$d"/var/lib/apt/lists "$d"/.complete "$d"/debootstrap
        mkdir -p "$d"/run/host "$d"/proc "$d"/sys "$d"/dev "$d"/tmp "$d"/var/tmp
        rm -f "$d/etc/machine-id" "$d/etc/resolv.conf"
        : >"$d/etc/machine-id"
        : >"$d/etc/resolv.conf"
        [[ ! -e "$d/usr/sbin/policy-rc.d" ]] || die "debsvc tree still has the policy-rc.d of its build"
        # Owners as installed (mkosi's Format=portable and mksquashfs without -all-root keep them):
        # Debian's /etc/redis is 2770 redis:redis, which the services must cope with.
        opts=()
        for o in "${SQUASH_OPTS[@]}"; do [[ $o == -all-root ]] || opts+=("$o"); done
        mksquashfs "$d" "$OUT/debsvc.raw" "${opts[@]}" >/dev/null
        rm -rf "$d"
fi
