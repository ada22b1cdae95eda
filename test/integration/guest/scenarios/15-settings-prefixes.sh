# SPDX-License-Identifier: LGPL-2.1-or-later
# Settings and unit matching: the global /etc/systemd/portable.conf applies to images without
# their own NAME.portable and NAME.portable wins over it; a unit matches the prefix only when
# '-', '.', '@' or the end follows it; Prefixes= adds prefixes; unit symlinks that point
# outside the image resolve inside it (they must never pick up a host unit). Version order,
# precedence of the same NAME_VERSION, version masks.
involve pfx.service hello.service foo.service

# Prefix matching, default settings.
place pfx_1.raw /var/lib/portables
reload
check "pfx.service attached" has_portable_dropins pfx.service
check "pfx-a.service attached ('-' follows the prefix)" has_portable_dropins pfx-a.service
check "pfx@.service attached ('@' follows the prefix)" sh -c 'systemctl list-unit-files --no-legend "pfx@.service" | grep -q "^pfx@.service"'
check "pfx@x.service instance gets the drop-ins" has_portable_dropins pfx@x.service
check "pfxother.service not attached (no separator after the prefix)" not_loaded pfxother.service
check "other.service not attached (other prefix)" not_loaded other.service
for u in pfx-esc pfx-esc2; do
        if [[ "$(prop $u.service LoadState)" == loaded ]]; then
                check "$u.service: a link out of the image does not load the host's unit" \
                        prop_not_matches $u.service Description 'ptest host unit'
        else
                check "$u.service: a link out of the image is not attached" not_loaded $u.service
        fi
done

# Prefixes= in NAME.portable adds prefixes (both the image name's and 'other' now).
settings /var/lib/portables pfx "Prefixes=pfx other"
reload
check "Prefixes=pfx other: other.service attached" has_portable_dropins other.service
check "Prefixes=pfx other: pfx.service still attached" has_portable_dropins pfx.service
check "Prefixes=pfx other: pfxother.service still not attached" not_loaded pfxother.service
rm -f /var/lib/portables/pfx.portable

# Global settings, and the per-image file winning over them.
mkdir -p /etc/systemd
printf '[Portable]\nProfile=strict\nEnable=no\n' >/etc/systemd/portable.conf
place hello_1.raw /var/lib/portables
settings /var/lib/portables pfx Profile=default
reload
check "global Profile=strict applies to hello (RestrictAddressFamilies=AF_UNIX)" prop_is hello.service RestrictAddressFamilies AF_UNIX
check "global Enable=no: hello.service not wanted by multi-user.target" test ! -e $GEN_DIR/multi-user.target.wants/hello.service
check "pfx.portable Profile=default wins over the global profile" prop_matches pfx.service RestrictAddressFamilies 'AF_INET'
rm -f /etc/systemd/portable.conf /var/lib/portables/pfx.portable /var/lib/portables/hello_1.raw /var/lib/portables/pfx_1.raw

# Versions compare like systemd-analyze compare-versions: foo_10 is newer than foo_9.
place foo_1.raw /var/lib/portables foo_9.raw
place foo_2.raw /var/lib/portables foo_10.raw
reload
check "foo_10.raw wins over foo_9.raw" prop_is foo.service RootImage /var/lib/portables/foo_10.raw
# Across directories the newest version of NAME wins (README: "the first directory that has a
# NAME[_VERSION] wins" is about the same NAME_VERSION in two directories).
place foo_1.raw /etc/portables foo_1.raw
reload
check "/var/lib/portables/foo_10.raw (newest) wins over /etc/portables/foo_1.raw" \
        prop_is foo.service RootImage /var/lib/portables/foo_10.raw
place foo_2.raw /etc/portables foo_10.raw
reload
check "the same foo_10.raw in /etc/portables and /var/lib/portables: /etc wins" \
        prop_is foo.service RootImage /etc/portables/foo_10.raw
rm /etc/portables/foo_10.raw
# A mask named NAME_VERSION.raw masks that version only: the next newest takes over.
ln -s /dev/null /etc/portables/foo_10.raw
reload
check "/etc/portables/foo_10.raw -> /dev/null masks that version only: foo_9.raw takes over" \
        prop_is foo.service RootImage /var/lib/portables/foo_9.raw
