#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# portables-usermap against a fixture root: the generator writes its templates and helper unit for
# an image with /etc/passwd and /etc/group into the root's /run/systemd/generator; setup, run as a
# fake dynamic user (setpriv) with a runtime directory of its own, as portables-usermap@.service
# runs it, makes the files the sandbox gets, refusing what it must refuse.
# Usage: test-usermap.sh PORTABLES_USERMAP GENERATOR PROFILES_DIR
set -eu

usermap=$1
generator=$2
profiles=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"       # the fake dynamic user reads the templates below it
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
[ -f "$t/dnsmasq.service/passwd" ] || fail "no templates: $(ls -R "$t" 2>&1)"
[ ! -e "$t/dnsmasq@.service" ] || fail "templates for a template unit"
h=$root/run/systemd/generator/portables-usermap@dnsmasq.service.service
grep -q '^ExecStart=.*/portables-usermap setup dnsmasq.service dnsmasq$' "$h" || fail "helper unit: $(cat "$h" 2>&1)"
grep -q '^Requires=portables-usermap@dnsmasq.service.service$' \
        "$root/run/systemd/generator/dnsmasq.service.d/20-portable.conf" || fail "the service requires its helper"

# --- setup, as the dynamic user -------------------------------------------------------------
command -v setpriv >/dev/null || { echo "setpriv missing: skipped"; exit 77; }
o=$root/run/portables-users/dnsmasq.service
mkdir -p "$o" && chown 61999:61999 "$o"
as_dyn() { RUNTIME_DIRECTORY=$o setpriv --reuid=61999 --regid=61999 --clear-groups "$@"; }
expect_rc 0 as_dyn "$usermap" setup dnsmasq.service dnsmasq
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
[ "$(stat -c %a "$o/passwd" "$o/group" | tr '\n' ' ')" = "644 644 " ] || fail "modes: $(stat -c '%n %a' "$o"/*)"
[ -z "$(find "$o" -name '.#*')" ] || fail "temporary files left"
# Again (a restart): replaced.
expect_rc 0 as_dyn "$usermap" setup dnsmasq.service dnsmasq
grep -q '^dnsmasq:x:61999:61999:' "$o/passwd" || fail "setup again: $(cat "$o/passwd")"

# --- refusals ----------------------------------------------------------------------------------
expect_rc 1 env RUNTIME_DIRECTORY="$o" "$usermap" setup dnsmasq.service dnsmasq
grep -q 'as root' "$tmp/err" || fail "as root: $(cat "$tmp/err")"
expect_rc 1 setpriv --reuid=61999 --regid=61999 --clear-groups env -u RUNTIME_DIRECTORY "$usermap" setup dnsmasq.service dnsmasq
expect_rc 1 as_dyn "$usermap" setup ../x.service dnsmasq
expect_rc 1 as_dyn "$usermap" setup dnsmasq@.service dnsmasq
expect_rc 1 as_dyn "$usermap" setup dnsmasq@a.service dnsmasq
expect_rc 1 as_dyn "$usermap" setup dnsmasq.socket dnsmasq
expect_rc 1 as_dyn "$usermap" setup dnsmasq.service 'a:b'
expect_rc 1 as_dyn "$usermap" setup dnsmasq.service
expect_rc 1 as_dyn "$usermap" frobnicate dnsmasq.service
expect_rc 1 as_dyn "$usermap" setup nodrop.service dnsmasq   # no templates
grep -q 'Failed to read' "$tmp/err" || fail "no templates: $(cat "$tmp/err")"
# A symlink in place of the runtime directory is not written through.
mkdir -p "$tmp/elsewhere" && chown 61999:61999 "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$tmp/link"
expect_rc 1 env RUNTIME_DIRECTORY="$tmp/link" setpriv --reuid=61999 --regid=61999 --clear-groups "$usermap" setup dnsmasq.service dnsmasq
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "wrote through a symlink"

expect_rc 0 "$usermap" --help
grep -q 'setup UNIT USER' "$tmp/out" || fail "--help"

if [ $failures -gt 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "all passed"
