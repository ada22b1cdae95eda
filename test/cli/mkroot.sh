#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the fixture OS tree for the `portables` CLI tests in $1 (which must not exist yet).
# $2: the project's profiles/ directory. Layout and what each image tests:
#   /var/lib/portables/foo_1/, foo_2/  two versions: foo_2 attached, foo_1 shadowed
#   /etc/portables/foo.portable        Profile=strict for foo
#   /etc/portables/baz -> /dev/null    masks /var/lib/portables/baz/
#   /var/lib/portables/qux/            no os-release: refused
#   /var/lib/portables/zed/            PORTABLE_PREFIXES="zed foo": its foo.service is skipped
#                                      (foo_2 sorts first and claims it), zed.service attached
#   /var/lib/portables/hostclash/      its only unit exists on the host: refused
#   /var/lib/portables/broken.raw      not a file system: refused (root) / not inspected (user)
set -eu

root=$1
profiles=$2

[ -e "$root" ] && { echo "$root exists already" >&2; exit 1; }

mkdir -p "$root"/etc/systemd/system "$root"/etc/portables "$root"/var/lib/portables \
         "$root"/usr/lib/systemd/portable/profile "$root"/usr/lib/systemd/system
for p in default nonetwork strict trusted; do
        mkdir -p "$root/usr/lib/systemd/portable/profile/$p"
        cp "$profiles/$p/service.conf" "$root/usr/lib/systemd/portable/profile/$p/"
done
printf 'ID=debian\nVERSION_ID=12\n' >"$root/etc/os-release"

image() {  # image DIR OS_RELEASE_EXTRA
        local d="$root/var/lib/portables/$1"
        mkdir -p "$d"/usr/lib/systemd/system "$d"/etc "$d"/proc "$d"/sys "$d"/dev "$d"/run "$d"/tmp "$d"/var/tmp
        printf 'ID=fixture\nVERSION_ID=1\n%s' "${2:-}" >"$d/usr/lib/os-release"
        : >"$d/etc/machine-id"
        : >"$d/etc/resolv.conf"
}

image foo_1
cat >"$root/var/lib/portables/foo_1/usr/lib/systemd/system/foo.service" <<'UNIT'
[Service]
ExecStart=/usr/bin/foo --old
UNIT

image foo_2 'PRETTY_NAME="Foo \"two\" \\ grüne Äpfel"
'
cat >"$root/var/lib/portables/foo_2/usr/lib/systemd/system/foo.service" <<'UNIT'
[Unit]
Description=Foo, version 2

[Service]
ExecStart=/usr/bin/foo
User=foo
SupplementaryGroups=audio video

[Install]
WantedBy=multi-user.target
UNIT
cat >"$root/var/lib/portables/foo_2/usr/lib/systemd/system/foo-web.socket" <<'UNIT'
[Socket]
# The strict profile has no network: a file system socket, in a /run directory of its own.
ListenStream=/run/foo/web.sock
Service=foo.service

[Install]
WantedBy=sockets.target
UNIT
mkdir -p "$root/var/lib/portables/foo_2/usr/lib/systemd/system/foo.service.d"
cat >"$root/var/lib/portables/foo_2/usr/lib/systemd/system/foo.service.d/50-limits.conf" <<'UNIT'
[Service]
LimitNOFILE=4096
UNIT
printf '[Portable]\nProfile=strict\n' >"$root/etc/portables/foo.portable"

image baz
printf '[Service]\nExecStart=/bin/true\n' >"$root/var/lib/portables/baz/usr/lib/systemd/system/baz.service"
ln -s /dev/null "$root/etc/portables/baz"

mkdir -p "$root/var/lib/portables/qux/usr/lib/systemd/system"
printf '[Service]\nExecStart=/bin/true\n' >"$root/var/lib/portables/qux/usr/lib/systemd/system/qux.service"

image zed 'PORTABLE_PREFIXES="zed foo"
'
printf '[Service]\nExecStart=/bin/zed\n' >"$root/var/lib/portables/zed/usr/lib/systemd/system/zed.service"
printf '[Service]\nExecStart=/bin/zed-foo\n' >"$root/var/lib/portables/zed/usr/lib/systemd/system/foo.service"

image hostclash
printf '[Service]\nExecStart=/bin/true\n' >"$root/var/lib/portables/hostclash/usr/lib/systemd/system/hostclash.service"
printf '[Service]\nExecStart=/bin/host\n' >"$root/etc/systemd/system/hostclash.service"

head -c 65536 /dev/zero >"$root/var/lib/portables/broken.raw"
