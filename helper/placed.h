/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What `portables attach` placed into a portables directory, so that `portables detach` removes
 * exactly that and nothing else. One record per placed image, DIR/.attached/FILENAME (hidden:
 * image discovery skips it), key=value lines:
 *
 *   Image=foo_1.raw            the entry placed in DIR
 *   Mode=symlink|copy
 *   Source=/srv/foo_1.raw      what it was placed from (as on the host, if below the root)
 *   Settings=foo.portable      the settings file attach wrote next to it (absent: none)
 *
 * DIR is a host path ("/etc/portables"); every path is resolved below the root given. */

#define PLACED_RECORD_DIR ".attached"
/* The first line of a NAME.portable attach writes: detach removes only a file that starts so. */
#define PLACED_SETTINGS_HEADER "# Written by portables attach; portables detach removes it.\n"

typedef struct Placed {
        char *dir;              /* host path of the portables directory */
        char *image;
        char *mode;
        char *source;
        char *settings;         /* NULL: none */
} Placed;

void placed_done(Placed *p);
void placed_array_free(Placed *a, size_t n);

/* The NAME of an entry attach places or detach removes: "foo_1.raw" or a directory "foo_1"
 * (image_name_parse()), or a versioned directory "foo.raw.v" or "foo.v" (vpick_dir_name_parse()).
 * -EINVAL if it is none of these, -ENOMEM. */
int placed_entry_name(const char *entry, char **ret);

/* Whether image, a host path as the generator's markers name it, is the entry at host path entry:
 * the same path, or, for a versioned directory entry ("/etc/portables/foo.raw.v"), the version
 * picked in it ("/etc/portables/foo.raw.v/foo_2.raw"). */
bool placed_entry_covers(const char *entry, const char *image);

/* root-prefixed path of a host path (root "/" or NULL: the path itself). */
char *root_path(const char *root, const char *host_path);

int placed_write(const char *root, const Placed *p);
int placed_remove_record(const char *root, const char *dir, const char *image);
/* Every valid record in dir (host path); none if there is no record directory. */
int placed_read_all(const char *root, const char *dir, Placed **ret, size_t *ret_n);

/* Removes a file, symlink or directory tree (not crossing file systems); 0 if it is not there. */
int remove_tree(const char *path);
/* Removes dir/fn (real paths) if it is a settings file attach wrote (PLACED_SETTINGS_HEADER). */
int remove_settings(const char *dir, const char *fn);
/* Removes what the record lists: the entry, the settings file attach wrote, the record itself. */
int placed_undo(const char *root, const Placed *p);
