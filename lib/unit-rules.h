/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "host-users.h"
#include "names.h"
#include "unit-extract.h"

/* What an image's unit may ask for, under every profile except "trusted": an allowlist.
 *
 * Each unit file and each of its drop-ins in the image is read exactly as systemd 252 reads it
 * (ini.h: line ends, byte order marks, comments, continuations; extract-word.h: quoting and
 * escaping; unit-printf.h: specifiers), and every assignment must match a row of unit_rules[]:
 * its section, its key, and what its kind demands of the value. An assignment no row names is
 * refused, so that a setting systemd adds later is refused until it is known to be safe. A
 * setting is on the list only if systemd applies it inside the service's sandbox, to the unit's
 * own processes and cgroup, or to the image's own units and paths, or if the profile drop-in,
 * written after the unit, sets it back.
 *
 * "The image's own units" are the units of the image that are attached (found in the image, not
 * present on the host, not attached from an image of higher precedence), and instances of its
 * templates; a name matching the image's prefix is not enough. Host places a unit may use on the
 * host side (/run/NAME for RuntimeDirectory=, sockets, PID files and path units; /var/lib/NAME and
 * friends) must belong to the image (see UnitRuleHost).
 *
 * The table is also the documentation: tools/rules-man prints portables-confinement(7) from it. */

typedef enum UnitRuleKind {
        RULE_ANY,               /* any value */
        RULE_IGNORED,           /* systemd ignores it (obsolete settings) */
        RULE_NEUTRALIZED,       /* any value; the profile drop-in sets it back to "no" */
        RULE_REFUSED,           /* never, with the row's reason */
        RULE_VALUES,            /* one of the row's words (a trailing ':' admits that prefix) */
        RULE_NUMBER_RANGE,      /* an integer from min to max, or one of the row's words */
        RULE_EXEC,              /* command lines without "+", "!", "!!" */
        RULE_USER,              /* User=, Group= */
        RULE_GROUPS,            /* SupplementaryGroups= */
        RULE_UNITS,             /* unit names: own units, or those of the row's list */
        RULE_RW_PATHS,          /* ReadWritePaths= */
        RULE_BIND_RO,           /* BindReadOnlyPaths= */
        RULE_CAPS,              /* AmbientCapabilities= */
        RULE_EXEC_DIR,          /* StateDirectory=, CacheDirectory=, LogsDirectory=, RuntimeDirectory= */
        RULE_PID_FILE,          /* PIDFile= */
        RULE_LISTEN,            /* ListenStream=, ListenDatagram=, ListenSequentialPacket= */
        RULE_PATH_WATCH,        /* PathExists=, ... of path units */
        RULE_LIMIT,             /* resource limits: at most max, soft and hard */
        RULE_DEVICES,           /* DeviceAllow=: only under PrivateDevices=yes */
        RULE_LOG_FIELDS,        /* LogExtraFields=: not the generator's PORTABLE* fields */
        RULE_ENV_FILE,          /* EnvironmentFile=: carried over from the image (unit-env.h) */
        _RULE_KIND_MAX,
} UnitRuleKind;

/* Unit types a row applies to. */
#define RULE_SERVICE (1U << UNIT_SERVICE)
#define RULE_SOCKET  (1U << UNIT_SOCKET)
#define RULE_TARGET  (1U << UNIT_TARGET)
#define RULE_TIMER   (1U << UNIT_TIMER)
#define RULE_PATH    (1U << UNIT_PATH)
#define RULE_ALL     (RULE_SERVICE | RULE_SOCKET | RULE_TARGET | RULE_TIMER | RULE_PATH)

typedef struct UnitRule {
        const char *section;
        const char *key;
        unsigned types;
        UnitRuleKind kind;
        const char *const *words;       /* RULE_VALUES, RULE_NUMBER_RANGE: accepted words; RULE_UNITS:
                                         * host units accepted besides the image's own */
        long min, max;                  /* RULE_NUMBER_RANGE; RULE_LIMIT: max */
        const char *why;                /* RULE_REFUSED: the reason; else what is checked, if it
                                         * needs saying beyond the kind's text */
} UnitRule;

extern const UnitRule unit_rules[];
extern const size_t n_unit_rules;

/* What a kind demands, for the man page and messages. */
const char *unit_rule_kind_to_string(UnitRuleKind k);

/* The row for section/key in a unit of that type, or NULL. */
const UnitRule *unit_rule_find(UnitType type, const char *section, const char *key);

/* The order a passive target comes in at boot (0 early, higher later), -1 for other units; and the
 * table's own copy of the name. */
int unit_rule_target_level(const char *name);
const char *unit_rule_target_name(const char *name);

/* Sections systemd reads for a unit type ("X-" sections, which it ignores, are fine too). */
bool unit_rule_section_known(UnitType type, const char *section);

/* Settings the profile drop-in sets back after the unit (RULE_NEUTRALIZED), as drop-in text for
 * [Service]. */
extern const char unit_rules_neutralize_text[];

/* What run_dir_usable() and state_dir_usable() return for a name outside the image's name space. */
#define UNIT_RULE_HOST_FOREIGN_NAME 2

/* What the checks need to know of the host and the image. */
typedef struct UnitRuleHost {
        /* 1 if the image may use /run/NAME (in its name space, not the host's, and it does not exist
         * on the host, or the image claimed it before), 0 if not, UNIT_RULE_HOST_FOREIGN_NAME if NAME
         * is outside the image's name space, <0 on errors. NULL: never. */
        int (*run_dir_usable)(void *userdata, const char *name);
        /* For StateDirectory= and friends: 1 if BASE/NAME (BASE /var/lib, /var/cache, /var/log) is
         * free for the image: in its name space, missing, or the "private/NAME" symlink systemd
         * makes for a dynamic user; 0 if it is the host's, UNIT_RULE_HOST_FOREIGN_NAME as above.
         * NULL: always free. */
        int (*state_dir_usable)(void *userdata, const char *base, const char *name);
        /* 1 if a dynamic user may be called name: no host unit runs as it or is named so (their
         * dynamic users and directories would be shared), 0 if not. NULL: always. */
        int (*identity_usable)(void *userdata, const char *name);
        /* For After=: 1 if ordering after the host's unit name cannot close a cycle: the host has
         * no such unit, or it is no target and not itself ordered after a target later than the
         * passive ones; 0 if not. NULL: never. */
        int (*after_usable)(void *userdata, const char *name);
        void *userdata;
} UnitRuleHost;

typedef struct UnitRuleContext {
        char *const *own_units;         /* the image's own units (see above) */
        const HostUsers *host;          /* may be NULL: no host identities are known */
        char *const *protected_paths;   /* host files bound into the sandbox (profile, /run/host) */
        char *const *profile_ro_binds;  /* sources the profile binds read-only */
        char *const *profile_caps;      /* the profile's CapabilityBoundingSet= (NULL: none allowed) */
        bool profile_network;           /* the profile's services reach the network */
        bool profile_private_devices;   /* the profile has PrivateDevices=yes */
        char *const *state_dirs;        /* "/var/lib/NAME", ... of the image's services */
        char *const *writable_dirs;     /* those and "/run/NAME" of their RuntimeDirectory=, templates too */
        const UnitRuleHost *host_state; /* may be NULL */
} UnitRuleContext;

/* Checks unit u and its drop-ins. Returns 0 if every assignment is acceptable, else the number of
 * violations with *ret_violations listing each ("file:line: Setting=value: why"), <0 on errors. */
int unit_check_rules(const ImageUnit *u, const UnitRuleContext *rc, char ***ret_violations);
/* As unit_check_rules(), and *ret_referenced (may be NULL) lists the own units (templates for
 * instances) the unit names or triggers. At most 32 violations are listed, then a count. */
int unit_check_rules_full(const ImageUnit *u, const UnitRuleContext *rc, char ***ret_violations,
                          char ***ret_referenced);

/* The host directories of the StateDirectory=, CacheDirectory= and LogsDirectory= of an image's
 * services ("/var/lib/NAME", ...), as systemd parses them, needed before any unit is checked (path
 * units may watch them); values the rules refuse are left out. */
int unit_rules_state_dirs(const ImageUnits *units, char ***ret);
/* The same with their RuntimeDirectory= ("/run/NAME"), and those of templates: where no bind mount
 * of any of the image's units may go below. */
int unit_rules_writable_dirs(const ImageUnits *units, char ***ret);

/* Removes from *own the units the rules refuse (with rc, whose own_units is *own), and those that
 * name or trigger a removed one, to a fixed point: afterwards every unit left in *own passes the
 * rules with that very list. */
int unit_rules_settle_own(const ImageUnits *units, const UnitRuleContext *rc, char ***own);

/* A unit name that would make its drop-in directory apply to other units: "foo-.service"
 * (systemd reads foo-.service.d/ for every foo-*.service), "foo-@.service". */
bool unit_name_is_prefix_dropin(const char *name);
