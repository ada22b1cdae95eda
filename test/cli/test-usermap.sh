#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# portables-usermap against a fixture root: the generator writes its templates for an image with
# /etc/passwd and /etc/group into the root's /run/systemd/generator, a fake dynamic user is
# "realized" (/run/systemd/dynamic-uid/direct:NAME), and setup/remove make and remove the files
# the sandbox gets, refusing what they must refuse.
# Usage: test-usermap.sh PORTABLES_USERMAP GENERATOR PROFILES_DIR
set -eu

usermap=$1
generator=$2
profiles=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

unset SYSTEMD_LOG_LEVEL
export PORTABLES_ROOT=$root SYSTEMD_LOG_TARGET=console SYSTEMD_PROC_CMDLINE=

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_rc() {  # expect_rc RC CMD...
        local want=$1 rc=0; shift
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        [ "$rc" = "$want" ] || fail "exit $rc, expected $want: $* ($(head -c 300 "$tmp/err"))"
}

# --- the image, and the generator's templates ------------------------------------------------
mkdir -p "$root/usr/lib/systemd/portable/profile" "$root/run/systemd/generator"
for p in "$profiles"/*/; do cp -r "$p" "$root/usr/lib/systemd/portable/profile/"; done
d=$root/var/lib/portables/dnsmasq
mkdir -p "$d/etc" "$d/usr/lib/systemd/system" "$d/usr/sbin" "$d"/{proc,sys,dev,run,tmp,var/tmp}
printf 'ID=debian\nVERSION_ID=12\n' >"$d/etc/os-release"
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' \
        'dnsmasq:x:108:65534:dnsmasq,,,:/var/lib/misc:/usr/sbin/nologin' >"$d/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$d/etc/group"
printf '[Service]\nExecStart=/usr/sbin/dnsmasq -k\n' >"$d/usr/lib/systemd/system/dnsmasq.service"
printf '[Service]\nExecStart=/usr/sbin/dnsmasq -k -C %%i\n' >"$d/usr/lib/systemd/system/dnsmasq@.service"
"$generator" "$root/run/systemd/generator" 2>"$tmp/gen.log" || fail "generator failed: $(cat "$tmp/gen.log")"
t=$root/run/systemd/generator/.portables-users
[ -f "$t/dnsmasq.service/passwd" ] && [ -f "$t/dnsmasq@.service/user" ] || fail "no templates: $(ls -R "$t" 2>&1)"
grep -q '^ExecCondition=+.*/portables-usermap setup %n dnsmasq dnsmasq@.service$' \
        "$root/run/systemd/generator/dnsmasq@.service.d/20-portable.conf" || fail "template unit's drop-in"

# --- setup -----------------------------------------------------------------------------------
mkdir -p "$root/run/systemd/dynamic-uid"
ln -s 61999 "$root/run/systemd/dynamic-uid/direct:dnsmasq"
expect_rc 0 "$usermap" setup dnsmasq.service dnsmasq dnsmasq.service
o=$root/run/portables-users/dnsmasq.service
diff -u - "$o/passwd" <<'EOF' || fail "passwd"
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
dnsmasq:x:61999:61999:dnsmasq,,,:/var/lib/misc:/usr/sbin/nologin
EOF
diff -u - "$o/group" <<'EOF' || fail "group: nogroup (dnsmasq's primary group in the image) and dnsmasq get the gid"
root:x:0:
nogroup:x:61999:
dnsmasq:x:61999:
EOF
[ "$(stat -c %a "$o" "$o/passwd" "$o/group" | tr '\n' ' ')" = "755 644 644 " ] || fail "modes: $(stat -c '%n %a' "$o" "$o"/*)"
[ -z "$(find "$o" -name '.#*')" ] || fail "temporary files left"
# Again (a restart whose stop did not remove them): replaced.
rm "$root/run/systemd/dynamic-uid/direct:dnsmasq"
ln -s 62000 "$root/run/systemd/dynamic-uid/direct:dnsmasq"
expect_rc 0 "$usermap" setup dnsmasq.service dnsmasq dnsmasq.service
grep -q '^dnsmasq:x:62000:62000:' "$o/passwd" || fail "setup again: $(cat "$o/passwd")"

# An instance, from its template's files.
expect_rc 0 "$usermap" setup 'dnsmasq@a\x2db.service' dnsmasq 'dnsmasq@.service'
[ -f "$root/run/portables-users/dnsmasq@a\\x2db.service/passwd" ] || fail "instance: $(ls "$root/run/portables-users")"

# --- refusals: all exit 255, so that ExecCondition= fails the unit instead of skipping it ------
expect_rc 255 "$usermap" setup dnsmasq.service nosuchuser dnsmasq.service
grep -q 'not realized' "$tmp/err" || fail "unknown user: $(cat "$tmp/err")"
expect_rc 255 "$usermap" setup dnsmasq.service dnsmasq other.service
expect_rc 255 "$usermap" setup dnsmasq@a.service dnsmasq other@.service
expect_rc 255 "$usermap" setup ../x.service dnsmasq ../x.service
expect_rc 255 "$usermap" setup dnsmasq@.service dnsmasq dnsmasq@.service
expect_rc 255 "$usermap" setup dnsmasq.socket dnsmasq dnsmasq.socket
expect_rc 255 "$usermap" setup dnsmasq.service 'a:b' dnsmasq.service
expect_rc 255 "$usermap" setup dnsmasq.service dnsmasq
expect_rc 255 "$usermap" frobnicate dnsmasq.service
expect_rc 255 "$usermap" setup nodrop.service dnsmasq nodrop.service   # no templates
grep -q 'Failed to read' "$tmp/err" || fail "no templates: $(cat "$tmp/err")"
rm "$root/run/systemd/dynamic-uid/direct:dnsmasq"
ln -s 1000 "$root/run/systemd/dynamic-uid/direct:dnsmasq"
expect_rc 255 "$usermap" setup dnsmasq.service dnsmasq dnsmasq.service
grep -q 'not a dynamic uid' "$tmp/err" || fail "uid out of range: $(cat "$tmp/err")"
rm "$root/run/systemd/dynamic-uid/direct:dnsmasq"
ln -s 61999 "$root/run/systemd/dynamic-uid/direct:dnsmasq"

# A symlink or a directory others may write to is never written through.
mkdir -p "$tmp/elsewhere"
mv "$root/run/portables-users" "$root/run/portables-users.real"
ln -s "$tmp/elsewhere" "$root/run/portables-users"
expect_rc 255 "$usermap" setup dnsmasq.service dnsmasq dnsmasq.service
expect_rc 255 "$usermap" remove dnsmasq.service
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "wrote through a symlink"
rm "$root/run/portables-users"
mv "$root/run/portables-users.real" "$root/run/portables-users"
chmod 0777 "$root/run/portables-users/dnsmasq.service"
expect_rc 255 "$usermap" setup dnsmasq.service dnsmasq dnsmasq.service
grep -q 'not a directory of our own' "$tmp/err" || fail "world-writable: $(cat "$tmp/err")"
chmod 0755 "$root/run/portables-users/dnsmasq.service"

# --- remove ----------------------------------------------------------------------------------
touch "$o/.#passwd.12345678"    # left by an interrupted setup
expect_rc 0 "$usermap" remove dnsmasq.service
[ ! -e "$o" ] || fail "remove left $(ls -A "$o")"
expect_rc 0 "$usermap" remove dnsmasq.service           # not there: fine
expect_rc 255 "$usermap" remove ../etc.service
expect_rc 0 "$usermap" --help
grep -q 'setup UNIT USER UNIT_FILE' "$tmp/out" || fail "--help"

if [ $failures -gt 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "all passed"
