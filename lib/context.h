/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Where the host is. Every host path the generator and the helper read is resolved below root:
 * "/" normally, or $PORTABLES_ROOT, so tests and image builders can point both at an OS tree
 * offline. Absolute symlinks inside that tree resolve inside it. Paths written into units are
 * always the host's own (without the root prefix). */

#define PORTABLES_ROOT_ENV "PORTABLES_ROOT"

/* What listing some host directories found (images_discover() lists the portables directories),
 * so that looking up a name that is not there (NAME.portable, NAME.roothash, ... for every image)
 * costs no system call. */
typedef struct HostListing {
        char **dirs;                    /* listed completely, or found missing */
        char **entries;                 /* "DIR/NAME" for every entry in them, sorted */
        size_t n_entries;
} HostListing;

void host_listing_done(HostListing *l);
/* names: every entry of dir (NULL: dir is missing). */
int host_listing_add(HostListing *l, const char *dir, char *const *names);
void host_listing_seal(HostListing *l);
/* Whether l knows that path is not there: its directory was listed and has no such entry. */
bool host_listing_absent(const HostListing *l, const char *path);

/* How raw images are read ($PORTABLES_IMAGE_READER, for tests and debugging): squashfs and erofs
 * in user space, everything else mounted ("auto", the default); everything mounted ("mount"); or
 * nothing mounted ("userspace": what has no user-space reader is refused). */
#define PORTABLES_IMAGE_READER_ENV "PORTABLES_IMAGE_READER"

typedef enum ImageReader {
        IMAGE_READER_AUTO,
        IMAGE_READER_MOUNT,
        IMAGE_READER_USERSPACE,
        _IMAGE_READER_MAX,
} ImageReader;

typedef struct Context {
        char *root;                     /* "/" or $PORTABLES_ROOT, absolute */
        int root_fd;                    /* O_PATH directory fd of root */
        const HostListing *listing;     /* if set (not owned), names it knows absent are -ENOENT at once */
        ImageReader image_reader;       /* $PORTABLES_IMAGE_READER */
} Context;

int context_init(Context *c);
/* As context_init(), with root given explicitly (NULL or "" for "/"; must be absolute), for
 * `portables --root=DIR`. */
int context_init_root(Context *c, const char *root);
void context_done(Context *c);

/* Opens a host path (absolute, as on the host) below the root, following symlinks inside it.
 * Returns an O_PATH fd; flags may add O_DIRECTORY or O_NOFOLLOW. */
int host_open(const Context *c, const char *path, int flags);

/* As host_open(), then reopened for reading (regular file, bounded) or listing (directory). */
int host_read_file(const Context *c, const char *path, size_t max, char **ret, size_t *ret_size);
int host_opendir(const Context *c, const char *path, DIR **ret);

/* 1 if path exists below root (any file type, symlinks not followed), 0 if not. */
int host_exists(const Context *c, const char *path);


/* systemd's search directories. */
extern const char *const portable_search_dirs[];      /* image directories, in precedence order */
extern const char *const portable_watched_dirs[];     /* those of them attach on drop watches */
extern const char *const profile_dirs[];              /* .../systemd/portable/profile */
extern const char *const host_unit_dirs[];            /* every directory a host unit can be in */
extern const char *const config_dropin_dirs[];        /* /etc/systemd ... /usr/lib/systemd */
