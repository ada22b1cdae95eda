/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "log.h"
#include "refresh-bus.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

/* As systemctl: a reload of a big system can take a while. */
#define RELOAD_TIMEOUT_USEC (25 * 60 * USEC_PER_SEC)

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_ERROR_NO_SUCH_UNIT "org.freedesktop.systemd1.NoSuchUnit"

/* A unit's ActiveState, and whether a job is queued for it ("inactive", no job, when systemd does
 * not have it loaded). */
int unit_state(sd_bus *bus, const char *unit, char **ret_state, bool *ret_job) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *job = NULL;
        _cleanup_free_ char *state = NULL;
        const char *path;
        uint32_t job_id = 0;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_ERROR_NO_SUCH_UNIT)) {
                        *ret_state = strdup("inactive");
                        if (ret_job)
                                *ret_job = false;
                        return *ret_state ? 0 : -ENOMEM;
                }
                return log_error_errno(r, "Failed to look up %s: %s", unit, error.message ?: "");
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the reply to GetUnit(%s): %m", unit);

        sd_bus_error_free(&error);
        r = sd_bus_get_property_string(bus, SD_DEST, path, SD_UNIT, "ActiveState", &error, &state);
        if (r < 0)
                return log_error_errno(r, "Failed to get the state of %s: %s", unit, error.message ?: "");

        if (ret_job) {
                sd_bus_error_free(&error);
                r = sd_bus_get_property(bus, SD_DEST, path, SD_UNIT, "Job", &error, &job, "(uo)");
                if (r < 0)
                        return log_error_errno(r, "Failed to get the job of %s: %s", unit, error.message ?: "");
                r = sd_bus_message_read(job, "(uo)", &job_id, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to parse the job of %s: %m", unit);
                *ret_job = job_id != 0;
        }

        *ret_state = TAKE_PTR(state);
        return 0;
}

/* StartUnit/StopUnit/ResetFailedUnit; -ENOENT when systemd does not know the unit. */
int unit_call(sd_bus *bus, const char *method, const char *unit) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (streq(method, "ResetFailedUnit"))
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &error, NULL, "s", unit);
        else
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &error, NULL, "ss", unit, "replace");
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_ERROR_NO_SUCH_UNIT))
                        return -ENOENT;
                return log_error_errno(r, "%s(%s) failed: %s", method, unit, error.message ?: "");
        }
        return 0;
}

int manager_reload(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        uint64_t t0 = now_usec();
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "Reload");
        if (r < 0)
                return log_error_errno(r, "Failed to create the Reload call: %m");

        /* Synchronous: systemd replies once the reload, generators included, is complete. */
        r = sd_bus_call(bus, m, RELOAD_TIMEOUT_USEC, &error, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to reload systemd: %s", error.message ?: "");

        log_debug("systemd reloaded in %llu ms.", (unsigned long long) ((now_usec() - t0) / USEC_PER_MSEC));
        return 0;
}

/* Units "PREFIX@*.SUFFIX" systemd has loaded: the instances of a template. */
int template_instances(sd_bus *bus, const char *template, char ***ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *pattern = NULL;
        const char *at, *id;
        int r;

        at = strchr(template, '@');
        if (!at)
                return -EINVAL;
        if (asprintf(&pattern, "%.*s@*%s", (int) (at - template), template, at + 1) < 0)
                return log_oom();

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsByPatterns", &error, &reply,
                               "asas", 0, 1, pattern);
        if (r < 0)
                return log_error_errno(r, "Failed to list the units matching %s: %s", pattern, error.message ?: "");

        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return log_error_errno(r, "Failed to parse the unit list: %m");
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) > 0)
                if (strv_extend(&l, id) < 0)
                        return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to parse the unit list: %m");

        *ret = TAKE_PTR(l);
        return 0;
}
