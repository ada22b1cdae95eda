#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `portables list` and `inspect` on versioned directories (NAME.v/): which entry was picked and
# why, the others' reasons, the counters and architecture in --json, and that what list calls
# attached is what the generator attaches; -j (short when not on a terminal, pretty on one).
# Usage: test-cli-versions.sh PORTABLES GENERATOR PROFILES_DIR
set -eu

portables=$1
generator=$2
profiles=$3
here=$(dirname "$(readlink -f "$0")")

command -v python3 >/dev/null || { echo "python3 missing, skipping"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
"$here/mkroot.sh" "$root" "$profiles" >/dev/null
unset PORTABLES_ROOT SYSTEMD_PAGER PAGER
export SYSTEMD_PROC_CMDLINE="quiet" SYSTEMD_LOG_LEVEL=err

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
P() { "$portables" --no-pager --root="$root" "$@"; }

vimage() {  # vimage NAME.v ENTRY
        local d="$root/var/lib/portables/$1/$2" n=${1%.v}
        mkdir -p "$d"/usr/lib/systemd/system "$d"/etc "$d"/proc "$d"/sys "$d"/dev "$d"/run "$d"/tmp "$d"/var/tmp
        printf 'ID=fixture\nVERSION_ID=1\n' >"$d/usr/lib/os-release"
        : >"$d/etc/machine-id"
        : >"$d/etc/resolv.conf"
        printf '[Service]\nExecStart=/usr/bin/%s\n' "$n" >"$d/usr/lib/systemd/system/$n.service"
}
vimage web.v web_1
vimage web.v web_2+3-1
vimage web.v web_3+0-3
vimage web.v web_4_alpha
mkdir -p "$root/var/lib/portables/web.v/web_5~rc1"

P list >"$tmp/list"
row() { awk -v n="$1" -v v="$2" '$1 == n && $2 == v' "$tmp/list"; }
row web 2 | grep -q 'attached  *picked as newest of 2 with tries left in web.v/ (1 without); 3 tries left, 1 done; web_4_alpha skipped: for another architecture; web_3+0-3 skipped: no tries left; 1 other entry ignored (not web_VERSION/)$' \
        || fail "web_2+3-1 picked: $(row web 2)"
row web 1 | grep -q 'shadowed  *not picked in web.v/: web_2+3-1 is newer$' || fail "web_1: $(row web 1)"
row web 3 | grep -q 'shadowed  *not picked in web.v/: no tries left (+0), web_2+3-1 has$' || fail "web_3+0-3: $(row web 3)"
row web 4 | grep -q . && fail "web_4_alpha listed: $(row web 4)"
grep -q 'web_5' "$tmp/list" && fail "web_5~rc1 listed"
awk '$1 == "web"' "$tmp/list" | grep -q '/var/lib/portables/web.v ' || fail "DIRECTORY of the entries: $(awk '$1 == "web"' "$tmp/list")"

P list --json=short >"$tmp/list.json"
python3 - "$tmp/list.json" <<'PY' || fail "list --json"
import json, sys
l = json.load(open(sys.argv[1]))
web = {i["filename"]: i for i in l if i["name"] == "web"}
assert sorted(web) == ["web_1", "web_2+3-1", "web_3+0-3"], sorted(web)
p = web["web_2+3-1"]
assert p["state"] == "attached" and p["version"] == "2", p
assert p["versioned"] is True and p["triesLeft"] == 3 and p["triesDone"] == 1, p
assert p["architecture"] is None, p
assert p["picked"].startswith("newest of 2 with tries left in web.v/"), p
assert p["directory"] == "/var/lib/portables/web.v", p
assert web["web_3+0-3"]["triesLeft"] == 0 and web["web_3+0-3"]["picked"] is None
assert web["web_1"]["triesLeft"] is None and web["web_1"]["versioned"] is True
foo = [i for i in l if i["filename"] == "foo_2"][0]
assert foo["versioned"] is False and foo["triesLeft"] is None, foo
assert foo["picked"] == "newest of 2 versions of foo in the portables directories", foo
PY

P inspect web >"$tmp/inspect"
grep -q '^Image: /var/lib/portables/web.v/web_2+3-1$' "$tmp/inspect" || fail "inspect web: $(head -n1 "$tmp/inspect")"
grep -q '^        Picked: newest of 2 with tries left in web.v/' "$tmp/inspect" || fail "inspect: no Picked:"
grep -qx '        Tries: 3 left, 1 done' "$tmp/inspect" || fail "inspect: no Tries:"
P inspect web_3+0-3 | grep -q '^        State: shadowed: not picked in web.v/: no tries left' || fail "inspect web_3+0-3"

# What list says is attached, the generator attaches.
mkdir -p "$tmp/gen"
PORTABLES_ROOT=$root SYSTEMD_LOG_TARGET=console "$generator" "$tmp/gen" "$tmp/gen" "$tmp/gen" 2>"$tmp/gen.log" \
        || fail "generator failed: $(cat "$tmp/gen.log")"
grep -qx 'RootDirectory=/var/lib/portables/web.v/web_2+3-1' "$tmp/gen/web.service.d/20-portable.conf" \
        || fail "generator: $(grep Root "$tmp/gen/web.service.d/20-portable.conf" 2>&1)"

# -j: --json=short when not on a terminal, --json=pretty on one (script(1) gives a terminal).
P -j list >"$tmp/j.json"
cmp -s "$tmp/j.json" "$tmp/list.json" || fail "-j not on a terminal is not --json=short"
P list -j >"$tmp/j2.json"
cmp -s "$tmp/j2.json" "$tmp/list.json" || fail "list -j is not --json=short"
if command -v script >/dev/null; then
        script -qec "'$portables' --no-pager --root='$root' -j list" /dev/null | tr -d '\r' >"$tmp/j-tty.json"
        P --json=pretty list >"$tmp/pretty.json"
        cmp -s "$tmp/j-tty.json" "$tmp/pretty.json" || fail "-j on a terminal is not --json=pretty"
fi
"$portables" --help | grep -q '^  -j  ' || fail "--help does not list -j"

if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
fi
echo "all checks passed"
