# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for scenarios, inside the booted container. Sourced by ptest-run and by each scenario.
#
# Assertions are "soft" (check: record and go on) or "hard" (require: record and end the
# scenario). Every assertion looks at systemd's own state: systemctl show, journalctl,
# systemd-analyze, /proc of the service's main process.

IMAGES=/usr/local/share/ptest/images
GEN_ID=systemd-portable-generator
GEN_DIR=/run/systemd/generator
PORTABLE_DIRS=(/etc/portables /run/portables /var/lib/portables /usr/local/lib/portables /usr/lib/portables)
PTEST_STATE=/run/ptest
mkdir -p "$PTEST_STATE"

say()  { printf '    %s\n' "$*"; }
note() { printf '    NOTE: %s\n' "$*"; echo "$*" >>"$PTEST_STATE/notes"; }

_fail() {
        printf '    FAIL: %s\n' "$*"
        echo "$*" >>"$PTEST_STATE/failures"
}

# check DESCRIPTION CMD...: run CMD; record a failure when it fails.
check() {
        local what="$1"; shift
        if "$@"; then
                printf '    ok: %s\n' "$what"
                return 0
        fi
        _fail "$what"
        return 1
}

# require DESCRIPTION CMD...: like check, but a failure ends the scenario.
require() {
        check "$@" || exit 1
}

# involve UNIT...: units whose journal is printed when the scenario fails.
involve() { printf '%s\n' "$@" >>"$PTEST_STATE/involved"; }

prop() { systemctl show -P "$2" "$1" 2>/dev/null; }

prop_is() {                 # prop_is UNIT PROP VALUE
        local v; v=$(prop "$1" "$2")
        [[ "$v" == "$3" ]] && return 0
        say "$1 $2='$v' (expected '$3')"
        return 1
}

prop_matches() {            # prop_matches UNIT PROP REGEX
        local v; v=$(prop "$1" "$2")
        [[ "$v" =~ $3 ]] && return 0
        say "$1 $2='$v' (expected to match /$3/)"
        return 1
}

prop_not_matches() {        # prop_not_matches UNIT PROP REGEX
        local v; v=$(prop "$1" "$2")
        [[ ! "$v" =~ $3 ]] && return 0
        say "$1 $2='$v' (expected not to match /$3/)"
        return 1
}

state() { printf '%s/%s' "$(prop "$1" ActiveState)" "$(prop "$1" SubState)"; }

# wait_state UNIT REGEX [SECONDS]: wait until ActiveState/SubState matches.
wait_state() {
        local u="$1" re="$2" t="${3:-15}" s i
        for ((i = 0; i < t * 10; i++)); do
                s=$(state "$u")
                [[ "$s" =~ $re ]] && return 0
                [[ "$s" =~ ^failed ]] && break
                sleep 0.1
        done
        say "$u state '$(state "$u")' (waited for /$re/)"
        return 1
}

is_active()  { wait_state "$1" '^active/' "${2:-15}"; }
is_running() { wait_state "$1" '^active/running' "${2:-15}"; }

is_inactive() {
        local s; s=$(state "$1")
        [[ "$s" =~ ^(inactive|failed)/ ]] && return 0
        say "$1 is '$s' (expected inactive)"
        return 1
}

is_loaded() { prop_is "$1" LoadState loaded; }

not_loaded() {
        local s; s=$(prop "$1" LoadState)
        [[ "$s" == not-found ]] && return 0
        say "$1 LoadState='$s' FragmentPath='$(prop "$1" FragmentPath)' (expected not-found)"
        return 1
}

from_generator() { prop_matches "$1" FragmentPath "^$GEN_DIR/"; }

has_portable_dropins() {
        local d; d=$(prop "$1" DropInPaths)
        [[ "$d" == *"$GEN_DIR/$1.d/10-profile.conf"* && "$d" == *"$GEN_DIR/$1.d/20-portable.conf"* ]] && return 0
        # Template instances get their drop-ins from the template's directory.
        local t="${1%%@*}@.${1##*.}"
        [[ "$1" == *@* && "$d" == *"$GEN_DIR/$t.d/10-profile.conf"* && "$d" == *"$GEN_DIR/$t.d/20-portable.conf"* ]] && return 0
        say "$1 DropInPaths='$d'"
        return 1
}

# Main PID's uid and root view.
main_pid() { prop "$1" MainPID; }
main_uid() { awk '/^Uid:/ { print $2 }' "/proc/$(main_pid "$1")/status" 2>/dev/null; }

is_dynamic_uid() {
        local uid; uid=$(main_uid "$1")
        [[ -n "$uid" ]] && ((uid >= 61184 && uid <= 65519)) && return 0
        say "$1 main uid '$uid' (expected a dynamic uid 61184..65519)"
        return 1
}

# in_unit UNIT CMD...: run CMD in the mount namespace of UNIT's main process.
in_unit() { local u="$1"; shift; nsenter -t "$(main_pid "$u")" -m -- "$@"; }

# osrel_field FILE KEY: print KEY's value from an os-release file.
osrel_field() { sed -n "s/^$2=//p" "$1" | tr -d '"'; }

# Mark a point in time before an action, then read the journal from there.
# (A timestamp, not a cursor: journalctl 252 with --after-cursor and a match skips the first
# matching entry after the cursor.)
mark() { date +@%s.%6N >"$PTEST_STATE/mark"; }

since_mark() {
        local m; m=$(cat "$PTEST_STATE/mark" 2>/dev/null)
        journalctl -q --no-pager -b ${m:+--since="$m"} "$@"
}

gen_log() { since_mark SYSLOG_IDENTIFIER=$GEN_ID -o cat; }

# gen_log_has REGEX [SECONDS]: the generator logged a matching line since the last mark.
gen_log_has() {
        local i
        for ((i = 0; i < ${2:-5} * 10; i++)); do
                gen_log | grep -Eq -- "$1" && { gen_log | grep -E -- "$1" | sed 's/^/      | /'; return 0; }
                sleep 0.1
        done
        say "no generator line matching /$1/ since mark; generator said:"
        gen_log | sed 's/^/      | /' | tail -n 20
        return 1
}

# journal_has MATCH REGEX [SECONDS]: journalctl MATCH (e.g. PORTABLE=foo.raw) has a matching line.
journal_has() {
        local match="$1" re="$2" i
        for ((i = 0; i < ${3:-10} * 10; i++)); do
                journalctl -q --no-pager -b "$match" -o cat 2>/dev/null | grep -Eq -- "$re" && {
                        journalctl -q --no-pager -b "$match" -o cat | grep -E -- "$re" | tail -n 2 | sed 's/^/      | /'
                        return 0
                }
                sleep 0.1
        done
        say "journalctl $match: no line matching /$re/; last lines:"
        journalctl -q --no-pager -b "$match" -o cat 2>/dev/null | tail -n 5 | sed 's/^/      | /'
        return 1
}

reload() { systemctl daemon-reload; }

# place IMAGE DIR [NEWNAME]: copy an image (file or directory) from the library into a portables dir.
place() {
        mkdir -p "$2"
        cp -a "$IMAGES/$1" "$2/${3:-$1}"
}

# settings DIR NAME KEY=VALUE...: write DIR/NAME.portable
settings() {
        local dir="$1" name="$2"; shift 2
        mkdir -p "$dir"
        { echo "[Portable]"; printf '%s\n' "$@"; } >"$dir/$name.portable"
}

# Units the generator emitted (unit files, not drop-in dirs or .wants dirs).
generated_units() {
        find "$GEN_DIR" -maxdepth 1 \( -type f -o -type l \) -printf '%f\n' 2>/dev/null | sort
}

# Remove everything from the portables dirs, stop what came from them, reload.
portables_clean() {
        local u units
        units=$(generated_units)
        [[ -n "$units" ]] && systemctl stop $units >/dev/null 2>&1
        # Units whose files are already gone but still run (removed while active).
        units=$(systemctl list-units --all --plain --no-legend --state=not-found 2>/dev/null | awk '{print $1}')
        [[ -n "$units" ]] && systemctl stop $units >/dev/null 2>&1
        for d in "${PORTABLE_DIRS[@]}"; do
                [[ -d "$d" ]] && find "$d" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
        done
        rm -f /etc/systemd/portable.conf
        reload
        systemctl reset-failed >/dev/null 2>&1 || :
}

# verify_clean UNIT: systemd-analyze verify finds nothing wrong with UNIT, its drop-ins included.
# Lines about executables are filtered: verify checks them on the host, not in the image
# (a known limitation of systemd-analyze for RootImage=/RootDirectory= units).
verify_clean() {
        local out rc f
        # verify takes unit files, not names: give it the file systemd loaded (drop-ins come along).
        f=$(prop "$1" FragmentPath)
        [[ -n "$f" ]] || { say "$1 has no FragmentPath"; return 1; }
        out=$(systemd-analyze verify --man=no "$f" 2>&1); rc=$?
        out=$(grep -v -E 'is not executable: No such file|Command .* is not executable' <<<"$out" | grep -v '^$')
        [[ -z "$out" ]] && return 0
        say "systemd-analyze verify $1 (rc=$rc):"
        sed 's/^/      | /' <<<"$out"
        return 1
}

exposure() {
        systemd-analyze security --no-pager "$1" 2>/dev/null |
                sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]* [A-Z]*\).*/\1/p'
}
