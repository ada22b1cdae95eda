/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "macro.h"

/* Versioned directories, as systemd's vpick (src/shared/vpick.c, systemd.v(7), v256) names them:
 * a directory "NAME.raw.v/" holds raw images "NAME_VERSION[_ARCH][+LEFT[-DONE]].raw", a directory
 * "NAME.v/" holds image directories "NAME_VERSION[_ARCH][+LEFT[-DONE]]/". Of the entries, in this
 * order: those with tries left (no counter, or LEFT > 0) beat those without (+0, "bad": taken
 * only when there is nothing else), then the newer VERSION (version_compare()), then the native
 * architecture before the secondary one (x86 on x86-64, arm on arm64) before none named, then more
 * tries left, then fewer tries done, then the greater file name (strcmp()). An entry for an
 * architecture this machine does not run, or with an invalid VERSION, is not considered.
 *
 * Everything here is parsing of names an unprivileged image builder chose: no allocation beyond
 * the name's length, no loop beyond it. */

/* The values of a counter that is not there. */
#define VPICK_TRIES_NONE UINT_MAX

/* What a versioned directory's name says: "foo.raw.v" -> "foo", raw; "foo.v" -> "foo", not raw.
 * NAME must be a valid image name without "_" (image_name_parse() takes what precedes the first
 * "_" as the name). -EINVAL otherwise (also for names without ".v"), -ENOMEM. */
int vpick_dir_name_parse(const char *filename, char **ret_name, bool *ret_raw);

typedef enum VPickArch {
        VPICK_ARCH_NATIVE,
        VPICK_ARCH_SECONDARY,
        VPICK_ARCH_ANY,                 /* no architecture named (or a word that is not one) */
        _VPICK_ARCH_MAX,
} VPickArch;

typedef struct VPickEntry {
        char *version;                  /* "7.5.14": what is left of the name after the rest */
        const char *architecture;       /* the architecture named ("x86-64"), or NULL */
        VPickArch arch;
        unsigned tries_left, tries_done; /* VPICK_TRIES_NONE without a counter */
} VPickEntry;

void vpick_entry_done(VPickEntry *e);

typedef enum VPickMismatch {
        VPICK_MATCH,
        VPICK_NOT_NAMED,                /* not NAME_*SUFFIX */
        VPICK_BAD_VERSION,              /* what is left is no valid version */
        VPICK_FOREIGN_ARCH,             /* for an architecture this machine does not run */
        _VPICK_MISMATCH_MAX,
} VPickMismatch;

/* Parses an entry of a versioned directory for NAME (suffix ".raw" or ""), as vpick's
 * make_choice() does: strip "NAME_" and the suffix, then a trailing "+LEFT[-DONE]" (decimal, or
 * octal with a leading 0, as systemd's safe_atou() reads them; what does not parse stays part of
 * the version), then "_ARCH" after the last "_" (a word that names no architecture is cut off
 * just the same, and the entry counts as for any architecture). The version must be of
 * [A-Za-z0-9.,_+-]. Returns the VPickMismatch (VPICK_MATCH: *ret filled; ret may be NULL), or
 * -ENOMEM. */
int vpick_entry_parse(const char *filename, const char *name, const char *suffix, VPickEntry *ret);

/* >0 if a is the better choice, <0 if b is, 0 if only the file names can tell (vpick's order
 * above, without its last key). ret_key, if not NULL, says what decided. */
typedef enum VPickKey {
        VPICK_KEY_TRIES_LEFT_ZERO,
        VPICK_KEY_VERSION,
        VPICK_KEY_ARCH,
        VPICK_KEY_TRIES_LEFT,
        VPICK_KEY_TRIES_DONE,
        VPICK_KEY_NONE,
} VPickKey;
int vpick_entry_compare(const VPickEntry *a, const VPickEntry *b, VPickKey *ret_key);

/* This machine's architecture as systemd names it ("x86-64"), and the one it runs as well
 * ("x86"; NULL if none). */
const char *vpick_native_architecture(void);
const char *vpick_secondary_architecture(void);
/* Whether s is one of the architecture names of ConditionArchitecture= (systemd.unit(5)). */
bool vpick_architecture_is_known(const char *s);
