/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <stddef.h>

#include "image-fs.h"
#include "ini.h"
#include "names.h"

/* Reading an image's units: those whose names match one of the prefixes, of the types in
 * UnitType, from the image's /etc/systemd/system, /usr/lib/systemd/system and /lib/systemd/system
 * (a name in an earlier directory hides it in later ones), and their drop-ins ("*.conf" in UNIT.d,
 * same precedence per file name). A unit that is a symlink to /dev/null in the image is masked
 * there and skipped; a symlink to a unit of another name is an alias and skipped (we never create
 * names the image did not ship as files). Everything is read through the image root, bounded. */

#define IMAGE_UNITS_MAX 1024U
#define UNIT_DROPINS_MAX 64U
#define IMAGE_UNIT_BYTES_MAX (32U * 1024U * 1024U)

typedef struct UnitDropin {
        char *name;             /* "override.conf" */
        char *source;           /* path inside the image */
        int layer;              /* of a stack (image-fs.h), where source was found: 0 the base */
        char *content;
        IniLines *lines;        /* content read once (ini.h), NULL where it must be parsed */
} UnitDropin;

typedef struct ImageUnit {
        char *name;             /* "foo.service" */
        UnitType type;
        char *source;           /* path inside the image */
        int layer;              /* of a stack (image-fs.h), where source was found: 0 the base */
        char *content;
        IniLines *lines;        /* content read once (ini.h), NULL where it must be parsed */
        UnitDropin *dropins;
        size_t n_dropins;
        /* EnvironmentFile= read from the image (unit-env.h) */
        bool environment_files;         /* the unit has some: the host paths are reset */
        char **environment;             /* their KEY=VALUE assignments */
        char *environment_refused;      /* why they cannot be carried over (a missing file, too much) */
        /* What its sandbox adds for the package (unit-adapt.h) */
        char **derived_dirs;            /* "StateDirectory=NAME", ...: checked against the host when planned */
        char *pid_file_reset;           /* its PIDFile=, directly in the sandbox's own /run: reset */
        char *refused;                  /* why it cannot run from this image, under any profile */
} ImageUnit;

typedef struct ImageUnits {
        ImageUnit *units;
        size_t n_units;
} ImageUnits;

void image_units_done(ImageUnits *u);

/* A unit's text, or a drop-in's, read with these callbacks as ini_parse_full() reads it (from the
 * lines read once when there are). */
static inline int image_unit_parse(const ImageUnit *u, ini_assignment_t assignment, ini_garbage_t garbage,
                                   ini_garbage_t invalid, void *userdata) {
        return ini_parse_lines(u->lines, u->content, u->source, assignment, garbage, invalid, userdata);
}
static inline int unit_dropin_parse(const UnitDropin *d, ini_assignment_t assignment, ini_garbage_t garbage,
                                    ini_garbage_t invalid, void *userdata) {
        return ini_parse_lines(d->lines, d->content, d->source, assignment, garbage, invalid, userdata);
}

extern const char *const image_unit_dirs[];

/* Lists a directory inside the image, sorted, without hidden entries. Missing directories are
 * empty (*ret == NULL). */
int image_list_dir(const ImageFS *fs, const char *path, char ***ret);

/* image_path is for log messages. Units that cannot be read are logged and skipped; the result
 * may be empty. */
int image_extract_units(const ImageFS *fs, const char *image_path, char *const *prefixes, ImageUnits *ret);
