#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `portables inspect` and `list` of an image with Extensions= (directory images only, no root
# needed): the stack in systemd's order, the extension each shadowing unit file came from, the
# same in JSON, inspect showing what the generator writes, and a refused extension's reason.
# Usage: test-cli-extensions.sh PORTABLES GENERATOR PROFILES_DIR
set -eu

portables=$1
generator=$2
profiles=$3

command -v python3 >/dev/null || { echo "python3 missing, skipping"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
pd=$root/var/lib/portables
mkdir -p "$root/etc/systemd/system" "$pd" "$root/usr/lib/systemd/system"
for p in default nonetwork strict trusted; do
        mkdir -p "$root/usr/lib/systemd/portable/profile/$p"
        cp "$profiles/$p/service.conf" "$root/usr/lib/systemd/portable/profile/$p/"
done
printf 'ID=debian\nVERSION_ID=12\n' >"$root/etc/os-release"

unit() {  # unit TREE NAME DESCRIPTION
        mkdir -p "$1/usr/lib/systemd/system"
        printf '[Unit]\nDescription=%s\n\n[Service]\nExecStart=/usr/bin/true\n' "$3" >"$1/usr/lib/systemd/system/$2"
}
release() {  # release TREE NAME CONTENT
        mkdir -p "$1/usr/lib/extension-release.d"
        printf '%s' "$3" >"$1/usr/lib/extension-release.d/extension-release.$2"
}
mkdir -p "$pd/app/etc" "$pd/app/usr/bin"
printf 'ID=golden\nVERSION_ID=1\n' >"$pd/app/etc/os-release"
unit "$pd/app" app.service "app from the base"
unit "$pd/app" app-web.service "web from the base"
release "$pd/app-one" app-one $'ID=golden\nVERSION_ID=1\n'
unit "$pd/app-one" app-web.service "web from app-one"
release "$pd/app-two" app-two $'ID=_any\n'
unit "$pd/app-two" app-web.service "web from app-two"
printf '[Portable]\nExtensions=app-one app-two\n' >"$pd/app.portable"
mkdir -p "$pd/bad/etc"
printf 'ID=golden\nVERSION_ID=1\n' >"$pd/bad/etc/os-release"
unit "$pd/bad" bad.service "bad"
release "$pd/bad-ext" bad-ext $'ID=golden\nVERSION_ID=2\n'
printf '[Portable]\nExtensions=bad-ext\n' >"$pd/bad.portable"

unset PORTABLES_ROOT SYSTEMD_PAGER PAGER
export SYSTEMD_PROC_CMDLINE="quiet" SYSTEMD_LOG_LEVEL=err

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
P() { "$portables" --no-pager --root="$root" "$@"; }

P inspect app >"$tmp/app.txt" || fail "inspect app failed"
grep -q '^Stack (bottom to top' "$tmp/app.txt" || fail "no stack in inspect: $(cat "$tmp/app.txt")"
sed -n '/^Stack/,/^$/p' "$tmp/app.txt" | sed 1d | awk 'NF { print $1, $2 }' >"$tmp/stack"
printf 'image /var/lib/portables/app\nextension /var/lib/portables/app-one\nextension /var/lib/portables/app-two\n' \
        | diff -u - "$tmp/stack" || fail "the stack, bottom to top"
grep -q '^        app-web.service (/usr/lib/systemd/system/app-web.service in extension /var/lib/portables/app-two): attached$' \
        "$tmp/app.txt" || fail "app-web.service from app-two: $(grep app-web "$tmp/app.txt")"
grep -q '^        app.service (/usr/lib/systemd/system/app.service): attached$' "$tmp/app.txt" \
        || fail "app.service from the base: $(grep 'app.service' "$tmp/app.txt")"
grep -qx 'ExtensionDirectories=/var/lib/portables/app-one' "$tmp/app.txt" || fail "inspect shows no ExtensionDirectories="
grep -qx 'Description=web from app-two' "$tmp/app.txt" || fail "inspect shows another app-web.service"

P inspect --json=short app | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert [e["path"] for e in j["extensions"]] == ["/var/lib/portables/app-one", "/var/lib/portables/app-two"], j["extensions"]
assert j["extensions"][1]["release"] == ["ID=_any"], j["extensions"]
src = {u["name"]: u["sourceImage"] for u in j["units"]}
assert src == {"app.service": "/var/lib/portables/app", "app-web.service": "/var/lib/portables/app-two"}, src
' || fail "inspect --json: extensions and sourceImage"

# What inspect shows is what the generator writes.
mkdir -p "$tmp/gen"
PORTABLES_ROOT=$root SYSTEMD_LOG_LEVEL=err "$generator" "$tmp/gen" 2>/dev/null || fail "generator failed"
diff -q <(sed -n '/^Description/p' "$tmp/gen/app-web.service") <(echo 'Description=web from app-two') >/dev/null \
        || fail "the generator wrote another app-web.service"

P inspect bad >"$tmp/bad.txt" || :
grep -q 'State: refused: extension /var/lib/portables/bad-ext (Extensions= in its settings): its extension-release does not match: .*VERSION_ID=2, but the base image.s VERSION_ID= is 1' \
        "$tmp/bad.txt" || fail "bad's reason: $(grep State "$tmp/bad.txt")"
P list >"$tmp/list"
grep -q '^app-one .* refused  *an extension image' "$tmp/list" || fail "list: app-one as an extension: $(cat "$tmp/list")"

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
