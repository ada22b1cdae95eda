# SPDX-License-Identifier: LGPL-2.1-or-later
# The time budget: with TimeBudgetSec=1ms in /etc/systemd/portable.conf and five raw images the
# cache has never seen, a reload reads what fits into the budget and defers the rest, saying so in
# the journal, and pulls portables-prepare.service into multi-user.target (which starts it at
# boot). Starting it by hand here (no reboot) reads the deferred images into the extraction cache
# and reloads: every image is then attached from the cache, and the enabled units of the deferred
# ones run (`portables refresh` starts what is new). The enabled units of images attached by the
# first reload are started the way boot starts them: by starting multi-user.target.
IMGS=(rl1 rl2 rl3 rl4 rl5)
involve portables-prepare.service "${IMGS[@]/%/.service}"

require "portables-prepare.service is installed" is_loaded portables-prepare.service
mkdir -p /etc/systemd
printf '[Portable]\nTimeBudgetSec=1ms\n' >/etc/systemd/portable.conf
for n in "${IMGS[@]}"; do place "$n.raw" /var/lib/portables; done

mark
require "daemon-reload succeeds" reload
check "the generator says images were deferred" gen_log_has 'image\(s\) deferred to portables-prepare\.service'
deferred=$(gen_log | grep -c 'deferred: the time budget for this reload is used up')
note "TimeBudgetSec=1ms: $deferred of ${#IMGS[@]} uncached raw images deferred by the first reload"
check "at least one image deferred (got $deferred)" test "$deferred" -ge 1
check "portables-prepare.service pulled into multi-user.target" \
        test -L "$GEN_DIR/multi-user.target.wants/portables-prepare.service"
check "multi-user.target wants it" prop_matches multi-user.target Wants 'portables-prepare\.service'
deferred_imgs=() early_imgs=()
for n in "${IMGS[@]}"; do
        if gen_log | grep -q "Image /var/lib/portables/$n\\.raw deferred"; then
                deferred_imgs+=("$n")
                check "$n.service of a deferred image not loaded yet" not_loaded "$n.service"
        else
                early_imgs+=("$n")
                check "$n.service (read within the budget) attached" from_generator "$n.service"
        fi
done

mark
check "systemctl start portables-prepare.service succeeds" systemctl start portables-prepare.service
check "portables-prepare.service ended with success" prop_is portables-prepare.service Result success
for n in "${IMGS[@]}"; do
        check "$n.service attached" from_generator "$n.service"
done
for n in "${deferred_imgs[@]}"; do
        check "$n.service (deferred, enabled) started by portables-prepare.service" is_running "$n.service" 15
done
for n in "${early_imgs[@]}"; do
        check "$n.service (attached by the first reload) wanted by multi-user.target" \
                prop_matches multi-user.target Wants "$n\\.service"
done
# What boot does with them (multi-user.target wants them, checked above): start them. Starting the
# already active multi-user.target again was not reliable for this in systemd 252.
((${#early_imgs[@]})) && systemctl start "${early_imgs[@]/%/.service}"
for n in "${IMGS[@]}"; do
        check "$n.service (enabled) running" is_running "$n.service" 15
done
check "the reload after prepare deferred nothing" sh -c "! journalctl -q --no-pager -b --since='$(cat $PTEST_STATE/mark)' SYSLOG_IDENTIFIER=$GEN_ID -o cat | grep -q deferred"
check "portables-prepare.service no longer pulled in" \
        test ! -e "$GEN_DIR/multi-user.target.wants/portables-prepare.service"
