/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "verity-sidecar.h"

/* Settings, global (/etc/systemd/portable.conf and portable.conf.d drop-ins) and per image
 * (NAME.portable in a portables directory, first directory wins, and "*.conf" in NAME.portable.d
 * drop-ins from all of them). Both are INI files with a [Portable] section:
 *
 *   Profile=  default, nonetwork, strict, trusted, another profile name, or an absolute directory
 *   Enable=   yes (default): [Install] links are created; no: units are loaded but not pulled in
 *   Prefixes= unit name prefixes (instead of PORTABLE_PREFIXES= / the image name); empty resets
 *   Verity=   auto (default), yes (verity data required), signed (signed root hash required)
 *   Extensions= extension images stacked on the image, bottom to top: names found in the portables
 *             directories, or absolute paths; lines add up (global first), empty resets
 *   Restart=  no (default): `portables refresh` (attach on drop) leaves units that changed running
 *             on the old image; changed: it restarts them, as `portables reattach` does
 *   RootHash= (NAME.portable only) the root hash the image must have, hex (as NAME.roothash); implies
 *             Verity=yes. An image without a root hash of its own but with a hash tree gets it
 *             (verity-pin.h). Empty resets.
 *   TimeBudgetSec= (global only) how long one generator run may spend mounting raw images that
 *             are not in the extraction cache; the rest are deferred. Default 5s; "infinity"
 *
 * Anything unknown or unparsable is an error: the image is then not attached, never run with
 * less than it asked for. */

typedef enum VerityPolicy {
        VERITY_AUTO,
        VERITY_REQUIRED,
        VERITY_SIGNED,
        _VERITY_POLICY_MAX,
        _VERITY_POLICY_INVALID = -22,
} VerityPolicy;

const char *verity_policy_to_string(VerityPolicy p);
VerityPolicy verity_policy_from_string(const char *s);

/* Restart=: what `portables refresh` does with a running unit whose generated files changed. */
typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_CHANGED,
        _RESTART_POLICY_MAX,
        _RESTART_POLICY_INVALID = -22,
} RestartPolicy;

const char *restart_policy_to_string(RestartPolicy p);
RestartPolicy restart_policy_from_string(const char *s);

typedef struct PortableSettings {
        char *profile;          /* NULL: unset */
        int enable;             /* -1: unset */
        char **prefixes;        /* NULL: unset */
        char **extensions;      /* Extensions=, bottom to top; NULL: none */
        bool prefixes_inherited; /* prefixes came from the global settings */
        VerityPolicy verity;    /* _VERITY_POLICY_INVALID: unset */
        RestartPolicy restart;  /* _RESTART_POLICY_INVALID: unset */
        VerityPin root_hash;    /* RootHash=, with its origin "RootHash= in FILE:LINE" */
        uint64_t time_budget_usec; /* UINT64_MAX: unset; 0: no budget */
        char **sources;         /* files read, for operators */
} PortableSettings;

#define PORTABLE_SETTINGS_NULL                                  \
        (PortableSettings) {                                    \
                .enable = -1, .verity = _VERITY_POLICY_INVALID, .restart = _RESTART_POLICY_INVALID, .time_budget_usec = UINT64_MAX, \
        }

void portable_settings_done(PortableSettings *s);

/* Parses one settings file's text into s (assignments override what s holds). */
int portable_settings_parse(PortableSettings *s, const char *text, const char *filename);

/* Global settings. On error, logged with file and line. */
int portable_settings_load_global(const Context *c, PortableSettings *ret);

/* Per image settings for NAME, merged over a copy of global. */
int portable_settings_load_image(const Context *c, const char *name, const PortableSettings *global,
                                 PortableSettings *ret);

/* Effective values. */
const char *portable_settings_profile(const PortableSettings *s);
bool portable_settings_enable(const PortableSettings *s);
VerityPolicy portable_settings_verity(const PortableSettings *s);  /* RootHash= makes auto yes */
RestartPolicy portable_settings_restart(const PortableSettings *s);
const VerityPin *portable_settings_root_hash(const PortableSettings *s);  /* NULL: none pinned */
uint64_t portable_settings_time_budget_usec(const PortableSettings *s);     /* 0: none */

#define EXTENSIONS_MAX 16U

#define TIME_BUDGET_USEC_DEFAULT (5ULL * 1000000ULL)
