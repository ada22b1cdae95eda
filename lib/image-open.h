/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"
#include "extract-cache.h"
#include "image-discover.h"
#include "image-raw.h"

/* An image opened for reading: fd is its root directory, or, for a raw image the caller found in
 * the extraction cache (extract_cache_lookup() into packed and probe), the packed tree. By
 * image_root_open(), a raw image is mounted read-only in the caller's private mount namespace
 * (mount_namespace_private()) on a fresh directory below mount_base, stored in the cache (cache
 * may be NULL; required_paths: see extract_cache_lookup()), and unmounted, its loop device
 * detached, by image_root_done(). */
typedef struct ImageRoot {
        int fd;
        RawMount *mount;
        char *mount_dir;
        RawProbe probe;         /* raw images only */
        bool cached;            /* a cache entry: packed, not fd */
        bool verity_xattrs;     /* cached: the image file has user.verity.* xattrs */
        PackedTree packed;
} ImageRoot;

#define IMAGE_ROOT_NULL ((ImageRoot) { .fd = -EBADF })

int image_root_open(const Context *c, const DiscoveredImage *i, const char *mount_base, ExtractCache *cache,
                    char *const *required_paths, ImageRoot *ret);
void image_root_done(ImageRoot *r);

/* What the readers take: the tree of a cache hit, else the directory. */
static inline ImageFS image_root_fs(const ImageRoot *r) {
        return (ImageFS) { .fd = r->fd, .packed = r->cached ? &r->packed : NULL };
}

/* As image_root_open() for a raw image, but mounts the file open at fd (e.g. verified data in a
 * memfd), bypassing the cache. */
int image_root_open_fd(const DiscoveredImage *i, int fd, const char *mount_base, ImageRoot *ret);

/* Opens the image file itself (regular files only, never blocking, read-only). */
int image_file_open(const Context *c, const DiscoveredImage *i);
