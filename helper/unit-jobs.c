/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "refresh.h"
#include "string-util.h"
#include "strv.h"
#include "unit-jobs.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define POLL_USEC 100000U

int units_wait(sd_bus *bus, char *const *units, unsigned timeout_sec) {
        unsigned rounds = timeout_sec * (1000000U / POLL_USEC);
        int ret = 0, r;

        STRV_FOREACH(u, units) {
                _cleanup_free_ char *state = NULL;
                bool job = true;

                for (;;) {
                        state = mfree(state);
                        r = unit_state(bus, *u, &state, &job);
                        if (r < 0)
                                return r;
                        if (!job)
                                break;
                        if (rounds == 0)
                                return log_error_errno(ETIMEDOUT, "Timed out waiting for the job of %s.", *u);
                        rounds--;
                        (void) usleep(POLL_USEC);
                }
                if (streq(state, "failed")) {
                        log_error("Unit %s failed; see 'systemctl status %s'.", *u, *u);
                        ret = ret ?: -EIO;
                } else
                        log_info("Unit %s is %s.", *u, state);
        }
        return ret;
}

int unit_clean_all(sd_bus *bus, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned rounds = 60U * (1000000U / POLL_USEC);
        int r;

        assert(bus);
        assert(unit);

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "CleanUnit", &error, NULL, "sas", unit, 1, "all");
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NothingToClean") ||
                    sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit") ||
                    sd_bus_error_has_name(&error, SD_BUS_ERROR_NOT_SUPPORTED)) {
                        log_debug("Nothing to clean for %s: %s", unit, error.message ?: "");
                        return 0;
                }
                return log_error_errno(r, "Failed to clean %s: %s", unit, error.message ?: "");
        }

        /* The unit is in "maintenance" while its directories are removed. */
        for (;;) {
                _cleanup_free_ char *state = NULL;

                r = unit_state(bus, unit, &state, NULL);
                if (r < 0)
                        return r;
                if (!streq(state, "maintenance")) {
                        if (streq(state, "failed")) {
                                (void) unit_call(bus, "ResetFailedUnit", unit);
                                return log_error_errno(EIO, "Cleaning %s failed; see its journal.", unit);
                        }
                        log_info("Removed the directories of %s.", unit);
                        return 0;
                }
                if (rounds-- == 0)
                        return log_error_errno(ETIMEDOUT, "Timed out cleaning %s.", unit);
                (void) usleep(POLL_USEC);
        }
}
