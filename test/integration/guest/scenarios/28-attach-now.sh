# SPDX-License-Identifier: LGPL-2.1-or-later
# portables attach: an image placed into /etc/portables as a symlink, checked, reloaded and with
# --now started (running when the command returns); --runtime --copy=copy --no-reload places an
# atomic copy into /run/portables and loads nothing; --profile= writes NAME.portable and the
# unit runs with that profile; --now --no-block returns before the start job is done; --now starts
# an enabled unit that was attached before from another version of the image.
involve hello.service rl1.service rl2.service rl3.service swap.service swap-new.service swap-old.service

require "portables knows the 'attach' verb" sh -c 'portables --help 2>&1 | grep -qw attach'

# 1. attach --now: a symlink, the unit running when attach returns.
out=$(portables attach --now "$IMAGES/hello_1.raw" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach --now exits 0" test "$rc" = 0
check "/etc/portables/hello_1.raw is a symlink to the image" \
        test "$(readlink /etc/portables/hello_1.raw)" = "$IMAGES/hello_1.raw"
check "attach recorded what it placed" grep -qx "Image=hello_1.raw" /etc/portables/.attached/hello_1.raw
check "hello.service running when attach returned" sh -c '[ "$(systemctl show -P SubState hello.service)" = running ]'
check "hello.service active/running" is_running hello.service 1
check "hello.service comes from the generator" from_generator hello.service
check "its RootImage= is the placed image" prop_is hello.service RootImage /etc/portables/hello_1.raw
check "it is sandboxed like any attached unit" has_portable_dropins hello.service
check "attach wrote no settings file (no option asked for one)" test ! -e /etc/portables/hello.portable
check "attaching it again fails" sh -c '! portables attach "$0/hello_1.raw" 2>/dev/null' "$IMAGES"

# 2. --runtime --copy=copy --no-reload: a regular file in /run/portables, nothing loaded yet.
portables attach --runtime --copy=copy --no-reload "$IMAGES/rl1.raw"; rc=$?
check "attach --runtime --copy=copy exits 0" test "$rc" = 0
check "/run/portables/rl1.raw is a copy (a regular file, same bytes)" \
        sh -c '[ -f /run/portables/rl1.raw ] && [ ! -L /run/portables/rl1.raw ] && cmp -s /run/portables/rl1.raw "$0/rl1.raw"' "$IMAGES"
check "no temporary file left in /run/portables" sh -c '! ls -A /run/portables | grep -q "^\.#"'
check "--no-reload: rl1.service not loaded" not_loaded rl1.service
reload
check "after a reload rl1.service is loaded" is_loaded rl1.service
check "without --now rl1.service is not started" is_inactive rl1.service

# 3. --profile=nonetwork: NAME.portable written, the unit runs under that profile.
portables attach --now --profile=nonetwork "$IMAGES/rl2.raw"; rc=$?
check "attach --profile=nonetwork exits 0" test "$rc" = 0
check "rl2.portable says Profile=nonetwork" grep -qx 'Profile=nonetwork' /etc/portables/rl2.portable
check "rl2.service running" is_running rl2.service 1
check "rl2.service has no network (PrivateNetwork=yes)" prop_is rl2.service PrivateNetwork yes
check "portables list shows the profile" sh -c 'portables list --no-legend | grep -E "^rl2 .* nonetwork .* attached"'

# 4. --now --no-block: returns at once, the unit comes up by itself.
portables attach --now --no-block "$IMAGES/rl3.raw"; rc=$?
check "attach --now --no-block exits 0" test "$rc" = 0
check "rl3.service running within 10s" is_running rl3.service 10

# 5. --now starts every enabled unit of the image, also one that was attached before from another
# version of it (swap_1 in /var/lib/portables, loaded, not started) and so is not new.
mkdir -p /srv/ptest28
cp "$IMAGES/swap.raw.b" /srv/ptest28/swap_2.raw
place swap.raw.a /var/lib/portables swap_1.raw
reload
require "swap.service loaded from swap_1, not started" sh -c 'systemctl show -P RootImage swap.service | grep -qx /var/lib/portables/swap_1.raw && [ "$(systemctl show -P ActiveState swap.service)" = inactive ]'
out=$(portables attach --now /srv/ptest28/swap_2.raw 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check "attach --now swap_2 exits 0" test "$rc" = 0
check "swap.service (here before, from swap_1) running when attach returns" is_running swap.service 1
check "swap.service runs from swap_2" prop_is swap.service RootImage /etc/portables/swap_2.raw
check "swap-new.service (new) running" is_running swap-new.service 1
check "swap-old.service (swap_1's, not this image's) not started" is_inactive swap-old.service
portables detach --now swap >/dev/null 2>&1
rm -rf /srv/ptest28 /var/lib/portables/swap_1.raw
reload
