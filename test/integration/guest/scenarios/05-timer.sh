# SPDX-License-Identifier: LGPL-2.1-or-later
# A timer from an image triggers its service from the same image.
involve tick.timer tick.service
place tick.raw /var/lib/portables
reload
require "tick.timer loaded" is_loaded tick.timer
check "tick.service loaded with the portable drop-ins" has_portable_dropins tick.service
check "systemd-analyze verify tick.timer is clean" verify_clean tick.timer
systemctl start tick.timer
check "tick.timer active/waiting" wait_state tick.timer '^active/waiting' 5
check "tick.service ran from the image (journalctl PORTABLE=tick.raw)" \
        journal_has PORTABLE=tick.raw 'PTEST tag=tick image_id=ptest .*portable=tick.raw' 10
check "tick.timer has triggered (LastTriggerUSec set)" test -n "$(prop tick.timer LastTriggerUSec)"
check "tick.service result success" prop_is tick.service Result success
