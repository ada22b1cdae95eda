# SPDX-License-Identifier: LGPL-2.1-or-later
# Upstream TEST-29-PORTABLE's minimal_0.raw / minimal_1.raw (PORTABLE_PREFIXES="app0 minimal
# minimal-app0"; minimal-app0.service and minimal-app0-foo.service in _0, minimal-app0-bar.service
# in _1). Upstream: `portablectl attach --now --runtime minimal_0.raw minimal-app0` leaves app0 and
# app0-foo active, not app0-bar; `reattach --now ... minimal_1.raw` leaves app0 and app0-bar active,
# not app0-foo. Here: drop _0, reload, start what was attached; drop _1 beside it, reload, restart;
# then compare with what portablectl itself does in this container.
involve minimal-app0.service minimal-app0-foo.service minimal-app0-bar.service
active_set() { systemctl list-units --no-legend --plain --state=active 'minimal*' | awk '{print $1}' | sort | xargs; }

# --- the generator
place minimal_0.raw /var/lib/portables
reload
units0=$(generated_units | grep '^minimal' | xargs)
say "attached from minimal_0.raw: $units0"
check "minimal_0: minimal-app0.service and minimal-app0-foo.service attached" test "$units0" = "minimal-app0-foo.service minimal-app0.service"
[[ -n "$units0" ]] && systemctl start $units0
gen0=$(active_set)
say "generator, _0 active: $gen0"

place minimal_1.raw /var/lib/portables
reload
units1=$(generated_units | grep '^minimal' | xargs)
say "attached with minimal_1.raw beside minimal_0.raw: $units1"
check "minimal_1 wins: minimal-app0.service and minimal-app0-bar.service attached" test "$units1" = "minimal-app0-bar.service minimal-app0.service"
stale=$(systemctl list-units --no-legend --plain --all --state=not-found 'minimal*' | awk '$3=="active"{print $1}' | xargs)
[[ -n "$stale" ]] && note "after the upgrade reload, $stale (gone from the new image) still runs until stopped; the suite stops it like portablectl reattach does"
# What `reattach --now` does: stop units the new image lacks, restart those it still has, start new ones.
[[ -n "$stale" ]] && systemctl stop $stale
[[ -n "$units1" ]] && systemctl restart $units1
gen1=$(active_set)
say "generator, _1 active: $gen1"
check "minimal-app0 runs from minimal_1.raw" prop_is minimal-app0.service RootImage /var/lib/portables/minimal_1.raw
check "minimal-app0 sees MARKER=2" journal_has _SYSTEMD_UNIT=minimal-app0.service '^MARKER=2'
portables_clean >/dev/null 2>&1

# --- portablectl, for comparison
pc0="" pc1=""
if portablectl attach --now --runtime $IMAGES/minimal_0.raw minimal-app0 >/tmp/pc.log 2>&1; then
        pc0=$(active_set)
        if timeout 60 portablectl reattach --now --runtime $IMAGES/minimal_1.raw minimal-app0 >>/tmp/pc.log 2>&1; then
                pc1=$(active_set)
        fi
        portablectl detach --now --runtime $IMAGES/minimal_1.raw minimal-app0 >>/tmp/pc.log 2>&1 || \
                portablectl detach --now --runtime $IMAGES/minimal_0.raw minimal-app0 >>/tmp/pc.log 2>&1 || :
fi
if [[ -z "$pc0" || -z "$pc1" ]]; then
        say "portablectl did not work in this container:"; sed 's/^/      | /' /tmp/pc.log
        note "portablectl unusable in the container; compared with upstream's expected sets instead"
        pc0="minimal-app0-foo.service minimal-app0.service"
        pc1="minimal-app0-bar.service minimal-app0.service"
fi
say "portablectl: attach _0 active: $pc0; reattach _1 active: $pc1"
check "after _0: generator's active units equal portablectl's ($pc0)" test "$gen0" = "$pc0"
check "after _1: generator's active units equal portablectl's ($pc1)" test "$gen1" = "$pc1"
