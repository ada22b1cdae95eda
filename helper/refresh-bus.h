/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

/* `portables refresh`: the calls to systemd's manager over D-Bus. Errors are logged, with the
 * message systemd gave. */

/* A unit's ActiveState in *ret_state, and whether a job is queued for it in *ret_job (if
 * non-NULL): "inactive" and no job when systemd does not have it loaded. */
int unit_state(sd_bus *bus, const char *unit, char **ret_state, bool *ret_job);

/* Manager.StartUnit/StopUnit (mode "replace", job queued, not waited for) or ResetFailedUnit;
 * -ENOENT (not logged) when systemd does not know the unit. */
int unit_call(sd_bus *bus, const char *method, const char *unit);

/* Manager.Reload, synchronous: returns once the reload, generators included, is complete. */
int manager_reload(sd_bus *bus);

/* The units "PREFIX@*.SUFFIX" systemd has loaded for template "PREFIX@.SUFFIX": its instances. */
int template_instances(sd_bus *bus, const char *template, char ***ret);
