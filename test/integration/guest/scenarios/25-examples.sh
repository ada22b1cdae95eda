# SPDX-License-Identifier: LGPL-2.1-or-later
# The images of examples/ (built by examples/run-all, handed in with PTEST_EXTRA_IMAGES=), images
# nobody wrote for this suite: each attaches when dropped into /var/lib/portables, its units pass
# systemd-analyze verify, and its services start and run. Skipped when none were handed in.
EXTRA=/usr/local/share/ptest/extra
shopt -s nullglob
imgs=("$EXTRA"/*.raw)
if ((${#imgs[@]} == 0)); then
        echo "no example images (run examples/run-all first and pass PTEST_EXTRA_IMAGES=)" >"$PTEST_STATE/skip"
        exit 0
fi

# A signed example's certificate, to trust its signature.
for crt in "$EXTRA"/*.crt; do
        mkdir -p /etc/verity.d
        cp "$crt" /etc/verity.d/
done

# Has the image an EFI System Partition? RootImage= mounts it too, which needs vfat in the kernel.
has_esp() { head -c 1048576 "$1" | od -An -tx1 | tr -d ' \n' | grep -q 28732ac11ff8d211ba4b00a0c93ec93b; }

for img in "${imgs[@]}"; do
        f=${img##*/}
        cp --sparse=always "$img" /var/lib/portables/
        mark
        reload
        units=$(grep -l "Drop-in created for image '/var/lib/portables/$f'" "$GEN_DIR"/*.service.d/20-portable.conf 2>/dev/null \
                | sed 's|\.d/20-portable\.conf$||; s|.*/||')
        say "$f: $(echo $units)"
        if ! check "$f: attached, services generated" test -n "$units"; then
                gen_log | sed 's/^/      | /'
                rm -f "/var/lib/portables/$f"
                continue
        fi
        for u in $units; do
                involve "$u"
                check "$u: systemd-analyze verify is clean" verify_clean "$u"
                if has_esp "$img" && ! grep -qw vfat /proc/filesystems; then
                        note "$u of $f not started: RootImage= mounts the image's EFI System Partition, and this kernel has no vfat"
                        continue
                fi
                systemctl start "$u"
                check "$u: running" is_running "$u" 60
                check "$u: runs in the image, with PORTABLE=$f" prop_matches "$u" Environment "PORTABLE=$f"
                systemctl stop "$u"
        done
        rm -f "/var/lib/portables/$f"
        reload
done
