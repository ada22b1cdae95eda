/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "context.h"

/* Finding images in the portables directories.
 *
 * In each directory, in precedence order: "NAME[_VERSION].raw" regular files and "NAME[_VERSION]"
 * directories (symlinks to either are followed), and versioned directories as systemd's vpick
 * names them (lib/vpick.h): "NAME.raw.v/" of "NAME_VERSION[_ARCH][+LEFT[-DONE]].raw" files and
 * "NAME.v/" of such directories. Of a versioned directory's entries one is picked as vpick picks
 * it (the others are shadowed, entries vpick does not consider are left out); it then counts as
 * NAME_VERSION in that portables directory, as a sibling "NAME_VERSION.raw" would. The first
 * directory with a given NAME[_VERSION] wins. A symlink to /dev/null named "NAME[.raw]" masks
 * every version of NAME (those in versioned directories too), one named "NAME_VERSION[.raw]" that
 * version, in its own and all later directories. Of the versions of one NAME left, one with tries
 * left (no counter, or LEFT > 0) beats one without (+0), then the newest wins (version_compare());
 * the rest are shadowed. Hidden files, settings (*.portable, *.portable.d) and verity sidecars are
 * not images and are skipped. */

typedef enum ImageType {
        IMAGE_DIRECTORY,
        IMAGE_RAW,
        _IMAGE_TYPE_MAX,
        _IMAGE_TYPE_INVALID = -22,
} ImageType;

typedef enum ImageState {
        IMAGE_CANDIDATE,        /* the one version of NAME to attach */
        IMAGE_MASKED,
        IMAGE_SHADOWED,         /* by a newer version or the same name in an earlier directory */
        IMAGE_INVALID,          /* not usable as an image at all (reason says why) */
        _IMAGE_STATE_MAX,
} ImageState;

const char *image_type_to_string(ImageType t);

typedef struct DiscoveredImage {
        char *filename;         /* "foo_1.raw" */
        char *dir;              /* "/var/lib/portables", as on the host */
        char *path;             /* "/var/lib/portables/foo_1.raw", as on the host */
        char *name;             /* "foo" */
        char *version;          /* "1", or NULL */
        ImageType type;
        ImageState state;
        char *reason;           /* for masked, shadowed and invalid images */
        struct stat st;         /* of what the entry points to */
        unsigned dir_index;     /* of the portables directory (also for an entry of its NAME.v/) */
        /* Entries of a versioned directory: dir is "/var/lib/portables/foo.raw.v", filename
         * "foo_2_x86-64+3-1.raw", version "2"; the counters (VPICK_TRIES_NONE: none) and the
         * architecture named (NULL: none; a static string) as the name says them. */
        bool versioned;
        unsigned tries_left, tries_done;
        const char *architecture;
        char *picked;           /* candidates: how this version was picked, if there was a choice */
} DiscoveredImage;

typedef struct ImageList {
        DiscoveredImage *images;
        size_t n_images;
        HostListing listing;    /* what the portables directories held (see Context.listing) */
        bool incomplete;        /* a directory did not answer by the deadline */
} ImageList;

void image_list_done(ImageList *l);
void discovered_image_done(DiscoveredImage *i);
int discovered_image_copy(const DiscoveredImage *from, DiscoveredImage *to);

/* The entry of l that what names: a path; else the candidate of a NAME (the version the generator
 * attaches); else a file name, also without ".raw"; else the first entry of that NAME. -1 if none. */
ssize_t image_list_find(const ImageList *l, const char *what);

/* An image outside the portables directories, given by a path (absolute, or relative to the
 * working directory; resolved below the context root): a directory, or a regular file NAME.raw.
 * Its dir_index is UINT_MAX. Logs why not; -ENXIO if there is no such file. */
int image_from_path(const Context *c, const char *arg, DiscoveredImage *ret);

/* An image named on a command line, as image_list_find() finds it (not an invalid one), or, for an
 * argument with a "/", an image outside the portables directories (absolute, or relative to the
 * working directory, resolved below the context root; its dir_index is UINT_MAX). Logs why it
 * found nothing. */
int image_find(const Context *c, const char *arg, DiscoveredImage *ret);

/* Fills l with every entry found, candidates and the others, in precedence order (directory
 * order, then by name). Errors reading one directory are logged and that directory skipped; so is
 * one that is not read by deadline_usec (CLOCK_MONOTONIC; 0: none), and l->incomplete set. */
int images_discover(const Context *c, uint64_t deadline_usec, ImageList *l);
