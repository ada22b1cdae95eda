# SPDX-License-Identifier: LGPL-2.1-or-later
# portables attach of an image the planner refuses: the planner's reason, exit status 1, and
# nothing placed (the portables directories are as before, byte for byte, no record, no settings
# file); also for a refusal that only the settings make (an unknown --profile=).
involve noosrel.service hello.service

listing() { (cd / && find etc/portables run/portables -mindepth 1 2>/dev/null | sort); }
mkdir -p /etc/portables /run/portables
before=$(listing)

# 1. No os-release: refused before anything is placed.
out=$(portables attach --now "$IMAGES/noosrel.raw" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach of noosrel.raw exits 1" test "$rc" = 1
check "it says why: the planner's reason" sh -c 'printf "%s\n" "$0" | grep -q "no os-release"' "$out"
check "nothing placed in /etc/portables or /run/portables" test "$(listing)" = "$before"
check "noosrel.service not loaded" not_loaded noosrel.service

# 2. --runtime: the same, in /run/portables.
portables attach --runtime "$IMAGES/noosrel.raw" >/dev/null 2>&1; rc=$?
check "attach --runtime of noosrel.raw exits 1" test "$rc" = 1
check "nothing placed (--runtime)" test "$(listing)" = "$before"

# 3. A good image with a profile that does not exist: refused, no settings file written.
out=$(portables attach --now --profile=no-such-profile "$IMAGES/hello_1.raw" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach --profile=no-such-profile exits 1" test "$rc" = 1
check "it names the profile" sh -c 'printf "%s\n" "$0" | grep -q "no-such-profile"' "$out"
check "nothing placed, no hello.portable" test "$(listing)" = "$before"
check "hello.service not loaded" not_loaded hello.service

# 4. Shadowed where it would go: a newer version in /etc/portables, placed by hand. The
#    planner decides in place (the image would never be the one attached): refused, undone.
cp "$IMAGES/hello_1.raw" /etc/portables/hello_9.raw
before=$(listing)
out=$(portables attach "$IMAGES/hello_1.raw" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach of a version shadowed by hello_9 exits 1" test "$rc" = 1
check "it says why" sh -c 'printf "%s\n" "$0" | grep -Eq "shadowed|already attached|none of its units"' "$out"
check "nothing placed beside hello_9.raw" test "$(listing)" = "$before"
rm -f /etc/portables/hello_9.raw
