# SPDX-License-Identifier: LGPL-2.1-or-later
# portables is-attached NAME|PATH: prints what the generator does with the image, exit status 0
# only when attached. And portables detach of an image it did not place: only by its path.
involve hello.service

# is_attached EXPECTED_OUTPUT EXPECTED_RC ARG
is_attached() {
        local out rc=0
        out=$(portables is-attached "$3" 2>/dev/null) || rc=$?
        [[ "$out" == "$1" && "$rc" == "$2" ]] && return 0
        say "is-attached $3: '$out', exit $rc (expected '$1', exit $2)"
        return 1
}

check "no such image: not-attached, exit 1" is_attached not-attached 1 hello
place hello_1.raw /var/lib/portables
check "dropped in (no reload needed): attached, exit 0" is_attached attached 0 hello
check "by file name" is_attached attached 0 hello_1.raw
check "by path" is_attached attached 0 /var/lib/portables/hello_1.raw
cp "$IMAGES/hello_1.raw" /var/lib/portables/hello_0.raw
check "an older version: shadowed, exit 1" is_attached shadowed 1 hello_0
ln -s /dev/null /etc/portables/hello.raw
check "masked: masked, exit 1" is_attached masked 1 hello
rm -f /etc/portables/hello.raw
place noosrel.raw /var/lib/portables
check "no os-release: refused, exit 1" is_attached refused 1 noosrel
portables attach --runtime "$IMAGES/rl4.raw" >/dev/null 2>&1
check "attached with attach --runtime: attached, exit 0" is_attached attached 0 rl4

# detach of images attach did not place: by name refused (exit 4), by path removed.
portables detach hello_0 >/dev/null 2>&1; rc=$?
check "detach hello_0 (dropped by hand) by name: exit 4" test "$rc" = 4
check "hello_0.raw still there" test -f /var/lib/portables/hello_0.raw
portables detach /var/lib/portables/hello_0.raw >/dev/null 2>&1; rc=$?
check "detach /var/lib/portables/hello_0.raw by path: exit 0" test "$rc" = 0
check "hello_0.raw removed" test ! -e /var/lib/portables/hello_0.raw
portables detach --runtime rl4 >/dev/null 2>&1; rc=$?
check "detach --runtime rl4: exit 0" test "$rc" = 0
check "after detach: not-attached, exit 1" is_attached not-attached 1 rl4
