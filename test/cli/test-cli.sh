#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `portables` against a fixture root (mkroot.sh): list, inspect, cat, exit codes, and that inspect
# shows byte for byte what systemd-portable-generator writes for the same root.
# Usage: test-cli.sh PORTABLES GENERATOR PROFILES_DIR
set -eu

portables=$1
generator=$2
profiles=$3
here=$(dirname "$(readlink -f "$0")")

command -v python3 >/dev/null || { echo "python3 missing, skipping"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
"$here/mkroot.sh" "$root" "$profiles"

# Nothing from the environment that runs us may change what we see.
unset PORTABLES_ROOT SYSTEMD_PAGER PAGER
export SYSTEMD_PROC_CMDLINE="quiet"
export SYSTEMD_LOG_LEVEL=err

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_rc() {  # expect_rc RC CMD...
        local want=$1 rc=0; shift
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        [ "$rc" = "$want" ] || fail "exit $rc, expected $want: $* ($(head -c 300 "$tmp/err"))"
}

P() { "$portables" --no-pager --root="$root" "$@"; }

# --- list, as a table ------------------------------------------------------------------------
P list >"$tmp/list"
row() { awk -v n="$1" -v v="$2" '$1 == n && $2 == v' "$tmp/list"; }
row foo 2 | grep -q ' strict .* foo-web.socket,foo.service attached' || fail "foo_2 not attached with profile strict: $(row foo 2)"
row foo 1 | grep -q 'shadowed  *shadowed by newer version /var/lib/portables/foo_2' || fail "foo_1 not shadowed: $(row foo 1)"
row baz - | grep -q ' masked ' || fail "baz not masked: $(row baz -)"
row qux - | grep -q 'refused  *no os-release file' || fail "qux not refused for its os-release: $(row qux -)"
row zed - | grep -q ' zed.service  *attached  *not attached: foo.service: unit foo.service is attached from an image of higher precedence' \
        || fail "zed (its skipped unit in REASON): $(row zed -)"
P list --json=short | python3 -c '
import json, sys
zed = [i for i in json.load(sys.stdin) if i["name"] == "zed"][0]
assert [u["name"] for u in zed["notAttached"]] == ["foo.service"], zed
assert "higher precedence" in zed["notAttached"][0]["reason"], zed
' || fail "list --json: zed's notAttached"
row hostclash - | grep -q 'refused  *none of its units can be attached' || fail "hostclash: $(row hostclash -)"
if [ "$(id -u)" = 0 ]; then
        row broken - | grep -q 'refused  *not a usable image' || fail "broken.raw as root: $(row broken -)"
else
        row broken - | grep -q 'not-inspected' || fail "broken.raw as user: $(row broken -)"
fi
head -n1 "$tmp/list" | grep -q '^NAME  *VERSION  *TYPE  *DIRECTORY  *PROFILE  *VERITY  *UNITS  *STATE  *REASON$' || fail "list header: $(head -n1 "$tmp/list")"
tail -n1 "$tmp/list" | grep -qx '7 images listed.' || fail "list footer: $(tail -n1 "$tmp/list")"
P list --no-legend >"$tmp/list-nolegend"
[ "$(wc -l <"$tmp/list-nolegend")" = 7 ] || fail "--no-legend: $(wc -l <"$tmp/list-nolegend") lines, expected 7"
grep -q '^NAME' "$tmp/list-nolegend" && fail "--no-legend printed the header"

# $PORTABLES_ROOT is the same as --root=, and --root= wins over it.
PORTABLES_ROOT=$root "$portables" --no-pager list >"$tmp/list-env"
cmp -s "$tmp/list" "$tmp/list-env" || fail "PORTABLES_ROOT= and --root= differ"
PORTABLES_ROOT=/nonexistent "$portables" --no-pager --root="$root" list >"$tmp/list-both"
cmp -s "$tmp/list" "$tmp/list-both" || fail "--root= does not override PORTABLES_ROOT="

# --- list --json ------------------------------------------------------------------------------
P list --json=short >"$tmp/list.json"
[ "$(wc -l <"$tmp/list.json")" = 1 ] || fail "--json=short is not one line"
P list --json=pretty >"$tmp/list-pretty.json"
grep -q $'^\t\t"name" : "foo",$' "$tmp/list-pretty.json" || fail "--json=pretty is not tab-indented with ' : '"
python3 - "$tmp/list.json" "$tmp/list-pretty.json" <<'PY' || fail "list --json"
import json, sys
short = json.load(open(sys.argv[1]))
pretty = json.load(open(sys.argv[2]))
assert short == pretty, "short and pretty differ"
by = {(i["name"], i["version"]): i for i in short}
foo = by[("foo", "2")]
assert foo["state"] == "attached" and foo["profile"] == "strict", foo
assert foo["units"] == ["foo-web.socket", "foo.service"], foo["units"]
assert foo["type"] == "directory" and foo["directory"] == "/var/lib/portables", foo
assert by[("foo", "1")]["state"] == "shadowed"
assert by[("baz", None)]["state"] == "masked"
assert by[("qux", None)]["state"] == "refused" and "os-release" in by[("qux", None)]["reason"]
assert by[("zed", None)]["units"] == ["zed.service"]
assert len(short) == 7, len(short)
PY

# --- inspect --json: exactly what the generator writes --------------------------------------
mkdir "$tmp/gen"
PORTABLES_ROOT=$root SYSTEMD_LOG_LEVEL=emerg "$generator" "$tmp/gen"
for img in foo zed; do
        P inspect --json=short "$img" >"$tmp/inspect-$img.json" || fail "inspect $img failed"
done
python3 - "$tmp/gen" "$tmp/inspect-foo.json" "$tmp/inspect-zed.json" <<'PY' || fail "inspect does not match the generator's output"
import json, os, sys
gen = sys.argv[1]
seen = set()
for f in sys.argv[2:]:
    d = json.load(open(f))
    assert d["state"] == "attached", d["state"]
    for u in d["units"]:
        if u["state"] != "attached":
            assert u["files"] == [], u
            continue
        for fl in u["files"]:
            p = os.path.join(gen, fl["name"])
            assert fl["path"] == "/run/systemd/generator/" + fl["name"], fl["path"]
            if "linkTarget" in fl:
                assert os.readlink(p) == fl["linkTarget"], (p, os.readlink(p), fl["linkTarget"])
            else:
                assert not os.path.islink(p), p
                data = open(p, "rb").read()
                assert data == fl["content"].encode(), "content differs: " + p
            seen.add(fl["name"])
written = set()
for dp, dns, fns in os.walk(gen):
    for n in fns + [x for x in dns if os.path.islink(os.path.join(dp, x))]:
        written.add(os.path.relpath(os.path.join(dp, n), gen))
# The run's report of what is not attached (lib/plan-report.h) is the generator's, not an image's.
written -= {".portables-report", "multi-user.target.wants/portables-report.service"}
assert written == seen, ("generator wrote", sorted(written - seen), "inspect showed", sorted(seen - written))
z = json.load(open(sys.argv[3]))
skipped = [u for u in z["units"] if u["name"] == "foo.service"][0]
assert skipped["state"] == "skipped" and "higher precedence" in skipped["reason"], skipped
foo = json.load(open(sys.argv[2]))
assert foo["osRelease"]["PRETTY_NAME"] == 'Foo "two" \\ grüne Äpfel', foo["osRelease"]
assert foo["settings"]["sources"] == ["/etc/portables/foo.portable"], foo["settings"]
svc = [u for u in foo["units"] if u["name"] == "foo.service"][0]
assert svc["user"] == "foo" and svc["dynamicUser"] is True, svc
assert svc["supplementaryGroups"] == ["audio", "video"], svc
assert "/etc/machine-id" in svc["bindDestinations"], svc
PY

# Text inspect names every file the generator writes, with its content.
P inspect foo >"$tmp/inspect-foo.txt"
grep -qx '# /run/systemd/generator/foo.service.d/10-profile.conf' "$tmp/inspect-foo.txt" || fail "inspect text lacks 10-profile.conf"
grep -qx '# /run/systemd/generator/multi-user.target.wants/foo.service -> ../foo.service' "$tmp/inspect-foo.txt" || fail "inspect text lacks the .wants link"
grep -q 'State: attached' "$tmp/inspect-foo.txt" || fail "inspect text state"
P inspect qux | grep -q 'State: refused: no os-release file' || fail "inspect qux refusal"
P inspect foo_1 | grep -q 'State: shadowed: shadowed by newer version' || fail "inspect foo_1 (by stem)"
P inspect /var/lib/portables/zed | grep -q '^Image: /var/lib/portables/zed$' || fail "inspect by path"

# An image outside the portables directories is planned after all the others.
mkdir -p "$root/srv/extra"
cp -a "$root/var/lib/portables/zed" "$root/srv/extra/zed2"
P inspect --json=short /srv/extra/zed2 >"$tmp/extra.json" || fail "inspect outside path"
python3 - "$tmp/extra.json" <<'PY' || fail "inspect of an image outside the portables directories"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["inPortablesDirectory"] is False, d
assert d["state"] == "refused", d["state"]   # zed.service and foo.service are both claimed already
PY

# --- cat: the unit, then its drop-ins, each under "# path", as the generator writes them ------
P cat foo foo.service >"$tmp/cat"
{
        printf '# /run/systemd/generator/foo.service\n'; cat "$tmp/gen/foo.service"
        for f in 00-image-50-limits.conf 10-profile.conf 20-portable.conf; do
                printf '\n# /run/systemd/generator/foo.service.d/%s\n' "$f"; cat "$tmp/gen/foo.service.d/$f"
        done
} >"$tmp/cat.expected"
cmp "$tmp/cat" "$tmp/cat.expected" || { diff -u "$tmp/cat.expected" "$tmp/cat" | head -20; fail "cat foo foo.service differs from the generator's files"; }
P cat foo foo >"$tmp/cat-short"
cmp -s "$tmp/cat" "$tmp/cat-short" || fail "cat foo foo (no suffix) differs"

# --- exit codes --------------------------------------------------------------------------------
expect_rc 0 P list
expect_rc 4 P inspect nosuchimage
expect_rc 4 P inspect /srv/nosuchimage
expect_rc 4 P cat nosuchimage foo.service
expect_rc 4 P cat foo nosuch.service
expect_rc 4 P cat zed foo.service        # skipped in zed: the generator does not write it
expect_rc 4 P cat qux qux.service        # refused image
expect_rc 2 P
expect_rc 2 P frobnicate
expect_rc 2 P inspect
expect_rc 2 P inspect a b
expect_rc 2 P cat foo
expect_rc 2 P list --json=bogus
expect_rc 2 P --no-such-option list
expect_rc 2 P list --no-such-option
expect_rc 4 P inspect -- nosuchimage
expect_rc 0 P inspect --json=short -- foo
expect_rc 2 "$portables" --root=/nonexistent/dir list
expect_rc 0 P --help
grep -q '^  inspect NAME|PATH' "$tmp/out" || fail "--help does not list inspect"
expect_rc 0 P --version
grep -q '^portables ' "$tmp/out" || fail "--version"

# Option parsing (getopt_long()): a value as the next word, unambiguous abbreviations, the verbs'
# own options anywhere after the verb, and "--" right after verify/users still before their options.
expect_rc 0 P --json short list
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "--json short is not --json=short"
expect_rc 0 P list --no-leg
grep -q '^NAME ' "$tmp/out" && fail "--no-leg is not --no-legend"
expect_rc 2 P list --no
grep -q "Unknown option '--no'" "$tmp/err" || fail "ambiguous --no not refused: $(cat "$tmp/err")"
expect_rc 2 "$portables" --no-pager --root
grep -q 'Option --root needs a value' "$tmp/err" || fail "--root without a value: $(cat "$tmp/err")"
expect_rc 5 P verify --policy=yes broken
expect_rc 5 P verify --policy yes broken
expect_rc 5 P verify broken -q --policy yes
expect_rc 5 P verify -- --policy=yes broken
expect_rc 2 P verify --policy=bogus broken
expect_rc 2 P verify --policy
grep -q 'Option --policy needs a value' "$tmp/err" || fail "verify --policy without a value: $(cat "$tmp/err")"
expect_rc 2 P verify --bogus broken
grep -q 'Unknown option for verify: --bogus' "$tmp/err" || fail "verify --bogus: $(cat "$tmp/err")"
expect_rc 2 P verify -x broken
grep -q 'Unknown option for verify: -x' "$tmp/err" || fail "verify -x: $(cat "$tmp/err")"
expect_rc 2 P verify --dry-run broken
expect_rc 2 P --policy=yes verify broken
grep -q "Unknown option '--policy=yes' (try --help)" "$tmp/err" || fail "--policy before verify: $(cat "$tmp/err")"
expect_rc 2 P list --dry-run
expect_rc 2 P users
grep -q "Too few arguments for 'users'" "$tmp/err" || fail "users without image: $(cat "$tmp/err")"
expect_rc 2 P users foo bar
grep -q 'users: one image only' "$tmp/err" || fail "users with two images: $(cat "$tmp/err")"
expect_rc 2 P users --bogus foo
grep -q 'Unknown option for users: --bogus' "$tmp/err" || fail "users --bogus: $(cat "$tmp/err")"
expect_rc 0 P users foo --dry-run
expect_rc 0 P users -- --dry-run foo

# A broken global portable.conf: the generator attaches nothing, and list says so.
printf '[Portable]\nBogus=1\n' >"$root/etc/systemd/portable.conf"
P list --json=short 2>/dev/null >"$tmp/broken.json"
python3 - "$tmp/broken.json" <<'PY' || fail "broken portable.conf"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(i["state"] != "attached" for i in d), [(i["name"], i["state"]) for i in d]
assert any("global settings" in (i["reason"] or "") for i in d), d
PY

# The generator runs at every daemon-reload: it loads no library but libc at start (libblkid,
# libmount and libcrypto are dlopen()ed when an image is read or verified, libsystemd not at all).
if command -v readelf >/dev/null; then
        # (The ASan/UBSan runtimes of a sanitizer build aside.)
        needed=$(readelf -d "$generator" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v 'san\.so' | tr '\n' ' ')
        [ "$needed" = "libc.so.6 " ] || fail "the generator links more than libc: $needed"
fi

if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
fi
echo "all checks passed"
