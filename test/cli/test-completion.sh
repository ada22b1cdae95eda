#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion (shell-completion/bash/portables), sourced into bash and called as bash
# calls it, against the fixture root of mkroot.sh: verbs, options, option values, image names,
# unit names for cat.
# Usage: test-completion.sh PORTABLES COMPLETION PROFILES_DIR
set -eu

portables=$(readlink -f "$1")
completion=$2
profiles=$3
here=$(dirname "$(readlink -f "$0")")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
"$here/mkroot.sh" "$root" "$profiles" >/dev/null
unset PORTABLES_ROOT SYSTEMD_PAGER PAGER
export SYSTEMD_PROC_CMDLINE="quiet" SYSTEMD_LOG_LEVEL=err

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# shellcheck source=/dev/null
. "$completion"
complete -p portables | grep -q -- '-F _portables portables$' || fail "complete -p portables: $(complete -p portables 2>&1)"

# comp "WORDS" — the completions of the last word (empty after a trailing space), one per line,
# sorted.
comp() {
        local -a w
        read -ra w <<<"$1"
        [ -z "$1" ] || [[ "$1" == *" " ]] && w+=("")
        COMP_WORDS=("$portables" "${w[@]}")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _portables "$portables" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect "WORDS" EXPECTED... — exactly these completions (EXPECTED one per argument).
expect() {
        local words=$1; shift
        local got want
        got=$(comp "$words")
        want=$(printf '%s\n' "$@" | sort)
        [ "$got" = "$want" ] || fail "completing '$words': got [$(echo $got)], expected [$(echo $want)]"
}
# has "WORDS" EXPECTED... — at least these.
has() {
        local words=$1 w; shift
        local got
        got=$(comp "$words")
        for w in "$@"; do
                grep -qxF -- "$w" <<<"$got" || fail "completing '$words': no '$w' in [$(echo $got)]"
        done
}

expect "" attach cat detach help inspect is-attached list prepare reattach refresh users verify
expect "i" inspect is-attached
expect "re" reattach refresh
expect "--no-p" --no-pager
expect "--js" --json=
# "=" is a word of its own when bash splits at it (COMP_WORDBREAKS), else part of the option.
expect "--json = " pretty short off help
expect "--json = s" short
expect "--json=" --json=pretty --json=short --json=off --json=help
expect "--json=s" --json=short
has "list -" -j --root= --no-legend --help
expect "attach --c" --copy=
expect "attach --copy = " auto symlink copy
expect "attach --copy=s" --copy=symlink
has "attach --" --runtime --profile= --enable --now --no-reload --no-block --json=
expect "detach --c" --clean
has "detach --" --runtime --now --clean
expect "verify --pol" --policy=
expect "verify --policy = " auto yes signed
has "attach --profile = " default nonetwork strict trusted
expect "users --d" --dry-run

# Images of the fixture root (foo_1, foo_2, bar, ...), with --root= in either form.
has "--root=$root inspect " foo foo_1 foo_2 zed
has "--root $root inspect f" foo foo_1 foo_2
has "inspect --root=$root z" zed
expect "--root=$root is-attached fo" foo
expect "--root=$root inspect foo " 
has "--root=$root reattach " foo
# Paths for attach and reattach: images, directories, versioned directories.
mkdir -p "$tmp/srcs/web.raw.v" "$tmp/srcs/web_2"; : >"$tmp/srcs/web_3.raw"
has "--root=$root attach $tmp/srcs/w" "$tmp/srcs/web.raw.v" "$tmp/srcs/web_2" "$tmp/srcs/web_3.raw"
has "--root=$root reattach $tmp/srcs/w" "$tmp/srcs/web.raw.v" "$tmp/srcs/web_2" "$tmp/srcs/web_3.raw"
has "--root=$root detach " foo zed
# cat: the image, then the units the generator writes for it.
has "--root=$root cat " foo zed
expect "--root=$root cat foo foo-" foo-web.socket
has "--root=$root cat foo " foo.service foo-web.socket
expect "--root=$root cat zed " zed.service
# Directories for --root=.
mkdir -p "$tmp/rootdir-a"
expect "--root=$tmp/rootdir-" "--root=$tmp/rootdir-a"
expect "help " attach cat detach help inspect is-attached list prepare reattach refresh users verify

if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
fi
echo "all checks passed"
