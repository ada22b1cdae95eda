/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The [Install] section of a unit and its drop-ins, as `systemctl enable` reads it: WantedBy=,
 * RequiredBy=, UpheldBy= (lists; an empty assignment resets), DefaultInstance=. Specifiers %n %N
 * %p %i %j and %% are resolved for the unit's name; words that are not valid unit names after
 * that are dropped with a warning. */

typedef struct InstallInfo {
        char **wanted_by;
        char **required_by;
        char **upheld_by;
        char *default_instance;
} InstallInfo;

void install_info_done(InstallInfo *i);

/* text: one unit file or drop-in; may be called repeatedly to add drop-ins. unit_name is the
 * name the unit is installed as (an instance for templates with DefaultInstance=). */
int install_info_parse(InstallInfo *i, const char *text, const char *unit_name, const char *filename);

/* %-specifiers of the [Install] section for unit name. */
int install_name_printf(const char *unit_name, const char *format, char **ret);
