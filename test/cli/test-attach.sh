#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `portables attach/detach/reattach/is-attached` against a fixture root (mkroot.sh), with --root=:
# argument errors, placement into the tree (symlink, copy, --runtime, settings), refusals that
# leave nothing, detach of exactly what attach placed, reattach, and is-attached exit statuses.
# Nothing here reloads systemd: with --root= the verbs never do.
# Usage: test-attach.sh PORTABLES PROFILES_DIR GENERATOR
set -eu

portables=$1
profiles=$2
generator=$3
here=$(dirname "$(readlink -f "$0")")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
"$here/mkroot.sh" "$root" "$profiles"

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
listing() { (cd "$root" && find etc/portables run/portables -mindepth 1 2>/dev/null | sort); }

# Images: bar_1, bar_2 (directories) inside the tree and outside it; qux (no os-release) outside.
mkimage() {  # mkimage DIR UNIT
        mkdir -p "$1"/usr/lib/systemd/system "$1"/etc "$1"/proc "$1"/sys "$1"/dev "$1"/run "$1"/tmp "$1"/var/tmp
        printf 'ID=fixture\nVERSION_ID=1\n' >"$1/usr/lib/os-release"
        : >"$1/etc/machine-id"; : >"$1/etc/resolv.conf"
        printf '[Service]\nExecStart=/usr/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n' \
                >"$1/usr/lib/systemd/system/$2"
}
mkimage "$root/srv/bar_1" bar.service
mkimage "$root/srv/bar_2" bar.service
mkimage "$tmp/ext/baz2_1" baz2.service
mkdir -p "$tmp/ext/qux_1"; cp -a "$root/var/lib/portables/qux/." "$tmp/ext/qux_1/"
: >"$tmp/notanimage"

# --- argument errors: exit 2, nothing placed
before=$(listing)
expect_rc 2 P attach
expect_rc 2 P attach --copy=sideways "$root/srv/bar_1"
expect_rc 2 P attach --bogus "$root/srv/bar_1"
expect_rc 2 P attach --profile= "$root/srv/bar_1"
expect_rc 2 P attach --profile=a/b "$root/srv/bar_1"
expect_rc 2 P detach
expect_rc 2 P detach --bogus bar
expect_rc 2 P reattach
expect_rc 2 P is-attached
expect_rc 2 P is-attached a b
expect_rc 4 P attach "$tmp/no-such-image_1.raw"
expect_rc 1 P attach "$tmp/notanimage"
expect_rc 1 P attach --copy=symlink "$tmp/ext/baz2_1"   # outside the root: a link would not resolve
[ "$(listing)" = "$before" ] || fail "argument errors placed something: $(listing)"
for v in attach detach reattach is-attached; do
        P --help | grep -q "^  $v " || fail "--help does not list $v"
done

# --- attach into the tree: a relative symlink (inside the root), a record, no settings file
expect_rc 0 P attach "$root/srv/bar_1"
[ "$(readlink "$root/etc/portables/bar_1")" = ../../srv/bar_1 ] || fail "bar_1 link: $(readlink "$root/etc/portables/bar_1")"
grep -qx 'Mode=symlink' "$root/etc/portables/.attached/bar_1" || fail "no record for bar_1"
grep -qx 'Source=/srv/bar_1' "$root/etc/portables/.attached/bar_1" || fail "record source: $(cat "$root/etc/portables/.attached/bar_1")"
[ ! -e "$root/etc/portables/bar.portable" ] || fail "bar.portable written without an option asking for it"
P list --no-legend | grep -Eq '^bar +1 +directory +/etc/portables .* bar.service +attached' || fail "list: $(P list --no-legend | grep bar)"
expect_rc 0 P is-attached bar
[ "$(cat "$tmp/out")" = attached ] || fail "is-attached bar: $(cat "$tmp/out")"
expect_rc 1 P attach "$root/srv/bar_1"          # exists already

# --- outside the tree: a copy (auto), --runtime, --profile= and --enable write NAME.portable
expect_rc 0 P attach --runtime --profile=trusted --enable "$tmp/ext/baz2_1"
[ -d "$root/run/portables/baz2_1" ] && [ ! -L "$root/run/portables/baz2_1" ] || fail "baz2_1 not copied into /run/portables"
diff -r "$tmp/ext/baz2_1" "$root/run/portables/baz2_1" >/dev/null || fail "the copy differs"
printf '%s\n' '# Written by portables attach; portables detach removes it.' '[Portable]' 'Profile=trusted' 'Enable=yes' \
        | cmp -s - "$root/run/portables/baz2.portable" || fail "baz2.portable: $(cat "$root/run/portables/baz2.portable")"
P list --no-legend | grep -Eq '^baz2 .* trusted .* attached' || fail "baz2 not attached with trusted: $(P list --no-legend | grep baz2)"
ls -A "$root/run/portables" | grep -q '^\.#' && fail "temporary left in /run/portables"
# A settings file the admin wrote is not overwritten.
printf '[Portable]\nProfile=strict\n' >"$root/etc/portables/mine.portable"
mkimage "$tmp/ext/mine" mine.service
expect_rc 1 P attach --profile=trusted "$tmp/ext/mine"
grep -qx 'Profile=strict' "$root/etc/portables/mine.portable" || fail "the admin's mine.portable was changed"
[ ! -e "$root/etc/portables/mine" ] || fail "mine placed although its settings could not be written"
rm "$root/etc/portables/mine.portable"

# --- refusals leave nothing: no os-release (after the copy: checked in place), unknown profile
before=$(listing)
expect_rc 1 P attach "$tmp/ext/qux_1"
grep -q 'no os-release' "$tmp/err" || fail "qux_1 refusal does not say why: $(cat "$tmp/err")"
expect_rc 1 P attach --profile=no-such-profile "$root/srv/bar_2"
grep -q "no-such-profile" "$tmp/err" || fail "unknown profile refusal: $(cat "$tmp/err")"
[ "$(listing)" = "$before" ] || fail "a refused attach left something: $(diff <(echo "$before") <(listing))"

# --- reattach: bar_1 -> bar_2 -> bar_1, the record follows; a refused one keeps the old version
expect_rc 0 P reattach "$root/srv/bar_2"
[ -L "$root/etc/portables/bar_2" ] && [ ! -e "$root/etc/portables/bar_1" ] || fail "reattach bar_2: $(ls "$root/etc/portables")"
[ -e "$root/etc/portables/.attached/bar_2" ] && [ ! -e "$root/etc/portables/.attached/bar_1" ] || fail "reattach records: $(ls "$root/etc/portables/.attached")"
expect_rc 0 P reattach "$root/srv/bar_1"
[ -L "$root/etc/portables/bar_1" ] && [ ! -e "$root/etc/portables/bar_2" ] || fail "reattach back to bar_1: $(ls "$root/etc/portables")"
P list --no-legend | grep -Eq '^bar +1 .* attached' || fail "bar_1 not attached after rollback"
cp -a "$tmp/ext/qux_1" "$root/srv/bar_3"
expect_rc 1 P reattach "$root/srv/bar_3"
[ -L "$root/etc/portables/bar_1" ] && [ ! -e "$root/etc/portables/bar_3" ] || fail "refused reattach: $(ls -A "$root/etc/portables")"
ls -A "$root/etc/portables" | grep -q '^\.#' && fail "reattach left a hidden entry: $(ls -A "$root/etc/portables")"
# The same file name again, now refused (its os-release gone): the old entry and record stay.
mv "$root/srv/bar_1/usr/lib/os-release" "$tmp/bar-os-release"
expect_rc 1 P reattach "$root/srv/bar_1"
[ -L "$root/etc/portables/bar_1" ] && grep -qx 'Image=bar_1' "$root/etc/portables/.attached/bar_1" \
        || fail "refused reattach of the same name: $(ls -A "$root/etc/portables" "$root/etc/portables/.attached")"
mv "$tmp/bar-os-release" "$root/srv/bar_1/usr/lib/os-release"

# --- versioned directories: placed whole (the generator picks in them), by path into the tree
mkvimage() { mkimage "$1" web.service; }
mkvimage "$root/srv/web.v/web_1"; mkvimage "$root/srv/web.v/web_2"; mkvimage "$root/srv/web.v/web_3+0-1"
P inspect /srv/web.v >"$tmp/out" 2>&1
grep -qx 'Image: /srv/web.v/web_2' "$tmp/out" || fail "inspect of a .v path does not pick web_2: $(head -n 3 "$tmp/out")"
grep -q '^        Picked: newest of 2 with tries left in web.v/ (1 without); web_3+0-1 skipped: no tries left' "$tmp/out" \
        || fail "inspect of a .v path: no Picked: $(cat "$tmp/out")"
SYSTEMD_LOG_LEVEL=notice expect_rc 0 P attach --now "$root/srv/web.v"     # --root=: placed, no reload, exit 0
grep -q -- '--root=: not starting anything' "$tmp/err" || fail "attach --now --root= does not say it starts nothing: $(cat "$tmp/err")"
[ "$(readlink "$root/etc/portables/web.v")" = ../../srv/web.v ] || fail "web.v not placed as the directory: $(ls -l "$root/etc/portables")"
grep -qx 'Image=web.v' "$root/etc/portables/.attached/web.v" || fail "no record for web.v"
P list --no-legend | grep -Eq '^web +2 +directory +/etc/portables/web.v .* web.service +attached' || fail "list web: $(P list --no-legend | grep web)"
expect_rc 0 P is-attached web
expect_rc 0 P is-attached /etc/portables/web.v
# The pick follows the directory: web_3 given tries, then it is the one.
mv "$root/srv/web.v/web_3+0-1" "$root/srv/web.v/web_3+1-1"
P list --no-legend | grep -Eq '^web +3 +directory +/etc/portables/web.v .* attached' || fail "web_3+1-1 not picked: $(P list --no-legend | grep web)"
mv "$root/srv/web.v/web_3+1-1" "$root/srv/web.v/web_3+0-1"
# What the generator writes for the tree is the picked version.
mkdir -p "$tmp/gen"
PORTABLES_ROOT=$root "$generator" "$tmp/gen" "$tmp/gen" "$tmp/gen" 2>/dev/null || fail "generator failed"
grep -qx 'RootDirectory=/etc/portables/web.v/web_2' "$tmp/gen/web.service.d/20-portable.conf" \
        || fail "generator: $(grep Root "$tmp/gen/web.service.d/20-portable.conf" 2>&1)"
SYSTEMD_LOG_LEVEL=notice expect_rc 0 P detach --now --clean web     # --root=: removed, nothing stopped
grep -q -- '--root=: not stopping or cleaning units' "$tmp/err" || fail "detach --now --root= does not say it stops nothing: $(cat "$tmp/err")"
[ ! -e "$root/etc/portables/web.v" ] && [ ! -e "$root/etc/portables/.attached/web.v" ] || fail "detach web left: $(ls -A "$root/etc/portables")"
expect_rc 2 P refresh                            # reloads the running systemd: never with --root=
[ -d "$root/srv/web.v/web_2" ] || fail "detach removed the source of the symlink"
# Outside the root: a copy of the whole directory; reattach to a plain version replaces it.
mkvimage "$tmp/ext/web.v/web_7"
expect_rc 0 P attach "$tmp/ext/web.v"
[ -d "$root/etc/portables/web.v/web_7" ] && [ ! -L "$root/etc/portables/web.v" ] || fail "web.v not copied: $(ls -lA "$root/etc/portables")"
mkvimage "$root/srv/web_8"
expect_rc 0 P reattach "$root/srv/web_8"
[ -L "$root/etc/portables/web_8" ] && [ ! -e "$root/etc/portables/web.v" ] || fail "reattach web.v -> web_8: $(ls -A "$root/etc/portables")"
expect_rc 0 P detach web
# Refused: a versioned directory with nothing to pick, or with an invalid name; nothing placed.
before=$(listing)
mkdir -p "$root/srv/empty.v/other" "$root/srv/web_1.v/web_1"
expect_rc 1 P attach "$root/srv/empty.v"
grep -q 'without an entry empty_VERSION' "$tmp/err" || fail "empty.v refusal: $(cat "$tmp/err")"
expect_rc 1 P attach "$root/srv/web_1.v"
[ "$(listing)" = "$before" ] || fail "a refused .v attach left something: $(diff <(echo "$before") <(listing))"

# --- is-attached: states and exit statuses
expect_rc 1 P is-attached foo_1; [ "$(cat "$tmp/out")" = shadowed ] || fail "is-attached foo_1: $(cat "$tmp/out")"
expect_rc 1 P is-attached baz; [ "$(cat "$tmp/out")" = masked ] || fail "is-attached baz: $(cat "$tmp/out")"
expect_rc 1 P is-attached qux; [ "$(cat "$tmp/out")" = refused ] || fail "is-attached qux: $(cat "$tmp/out")"
expect_rc 1 P is-attached nothing; [ "$(cat "$tmp/out")" = not-attached ] || fail "is-attached nothing: $(cat "$tmp/out")"
expect_rc 0 P is-attached foo

# --- detach: what attach placed, by name or by its source path; others only by their path
expect_rc 4 P detach foo                         # not placed by attach
[ -d "$root/var/lib/portables/foo_2" ] || fail "detach foo removed foo_2"
expect_rc 4 P detach baz2                        # placed with --runtime: not in /etc/portables
expect_rc 0 P detach --runtime "$tmp/ext/baz2_1"
[ ! -e "$root/run/portables/baz2_1" ] && [ ! -e "$root/run/portables/baz2.portable" ] || fail "detach --runtime baz2: $(ls -A "$root/run/portables")"
expect_rc 0 P detach bar
[ -z "$(ls -A "$root/etc/portables" | grep -v -x -e baz -e foo.portable)" ] || fail "detach bar left: $(ls -A "$root/etc/portables")"
[ -d "$root/srv/bar_1" ] || fail "detach removed the source of the symlink"
expect_rc 0 P detach /var/lib/portables/qux     # an image attach did not place, by path
[ ! -e "$root/var/lib/portables/qux" ] || fail "detach by path did not remove qux"
expect_rc 4 P detach /srv/bar_1                  # no longer attached, not in a portables directory

# --- portables users records what it created, for detach --clean (needs systemd-sysusers)
if command -v systemd-sysusers >/dev/null; then
        mkimage "$tmp/ext/acct_1" acct.service
        printf '[Service]\nUser=ptestacct\nExecStart=/usr/bin/true\n' >"$tmp/ext/acct_1/usr/lib/systemd/system/acct.service"
        mkdir -p "$tmp/ext/acct_1/usr/lib/sysusers.d"
        printf 'g ptestacctg -\nu ptestacct -\nm ptestacct ptestacctg\n' >"$tmp/ext/acct_1/usr/lib/sysusers.d/acct.conf"
        expect_rc 0 P attach --profile=trusted "$tmp/ext/acct_1"
        expect_rc 0 P users acct
        expect_rc 0 P users acct                 # idempotent: the record does not grow
        printf 'group ptestacctg\nuser ptestacct\n' | cmp -s - "$root/etc/portables/.users/acct" \
                || fail "users record: $(cat "$root/etc/portables/.users/acct" 2>&1)"
        expect_rc 0 P detach acct
        [ -e "$root/etc/portables/.users/acct" ] || fail "detach without --clean removed the users record"
fi

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all attach/detach CLI checks passed"
