/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* Waiting for the jobs attach, detach and reattach queue, and cleaning a unit's directories, over
 * D-Bus (the calls themselves are refresh.c's). */

/* Waits until none of units has a job queued (at most timeout_sec), then checks each one's state:
 * failed units are logged. Returns -ETIMEDOUT, -EIO if one failed, 0 otherwise. */
int units_wait(sd_bus *bus, char *const *units, unsigned timeout_sec);

/* Unit.Clean(["all"]) as `systemctl clean --what=all`: removes the unit's StateDirectory=,
 * CacheDirectory=, LogsDirectory=, RuntimeDirectory= and ConfigurationDirectory= (for a dynamic
 * user, below /var/lib/private & co too), and waits for it. 0 if there was nothing to clean or
 * the unit is not loaded. The unit must be inactive. */
int unit_clean_all(sd_bus *bus, const char *unit);
