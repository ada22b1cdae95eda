/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Specifiers in unit file values, resolved as systemd resolves them where the result depends
 * only on the unit's name:
 *   %n the unit name, %N without the type suffix, %p the prefix (before "@"), %i the instance,
 *   %j the prefix after its last "-"; with full (unit_full_printf() settings): %P, %I, %J the
 *   same unescaped, %f the unescaped instance (else prefix) as a path; and %%.
 * A trailing lone "%" stays, as in systemd. Every other specifier (%U, %u, %h, %H, %m, %t, %S,
 * ...) depends on the host or the user it runs as: -EBADSLT, so that a rule that depends on the
 * value refuses it rather than guess. */
int unit_printf(const char *unit_name, const char *format, bool full, char **ret);

/* Instances the rules put into a template's name to see whether a value depends on the instance
 * (who starts foo@X.service chooses X): two that no real instance is. */
#define UNIT_PRINTF_PROBE_INSTANCE_A "portables-probe-a"
#define UNIT_PRINTF_PROBE_INSTANCE_B "portables-probe-b"
