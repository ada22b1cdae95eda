/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"
#include "fs-type.h"
#include "extract-cache.h"
#include "image-discover.h"
#include "image-mount.h"
#include "image-probe.h"
#include "image-source.h"

/* An image opened for reading: fd is its root directory, or, for a raw image the caller found in
 * the extraction cache (extract_cache_lookup() into packed and probe) or one read in user space,
 * the packed tree. By image_root_open(), a raw squashfs or erofs file system (bare or in a GPT
 * partition) is read in user space (image-tree.h) and packed (image-pack.h): no loop device, no
 * mount, no kernel parsing it. Any other raw image, and one whose layout the reader does not know,
 * is mounted read-only in the caller's private mount namespace on a fresh directory below
 * mount_base (set up on first use: image-mount.h), and unmounted, its loop device detached, by image_root_done().
 * Either way what was read is stored in the cache (cache may be NULL; required_paths: see
 * extract_cache_lookup()). Context.image_reader can force either way. */
typedef struct ImageRoot {
        int fd;
        RawMount *mount;
        char *mount_dir;
        RawProbe probe;         /* raw images only */
        bool cached;            /* read from packed, not fd: a cache entry, or read in user space */
        bool verity_xattrs;     /* cached: the image file has user.verity.* xattrs */
        PackedTree packed;
} ImageRoot;

#define IMAGE_ROOT_NULL ((ImageRoot) { .fd = -EBADF })

int image_root_open(const Context *c, const DiscoveredImage *i, MountBase *mount_base, ExtractCache *cache,
                    char *const *required_paths, ImageRoot *ret);
/* As image_root_open(), with the raw image file open already at image_fd (-EBADF: opened here)
 * and probe its probe (NULL: probed here), which are not taken over. */
int image_root_open_probed(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                           MountBase *mount_base, ExtractCache *cache, char *const *required_paths,
                           ImageRoot *ret);
void image_root_done(ImageRoot *r);

/* What the readers take: the tree of a cache hit, else the directory. */
static inline ImageFS image_root_fs(const ImageRoot *r) {
        return (ImageFS) { .fd = r->fd, .packed = r->cached ? &r->packed : NULL };
}

/* Before a raw image is planned, what can be had of it without reading it in this process:
 *  - its cache entry (root->cached, with root->probe and root->verity_xattrs); else
 *  - for a squashfs or erofs file on local storage (mounts: by the device discovery's stat() saw,
 *    so that nothing is even opened before it is known to be local; a btrfs subvolume's files are
 *    not recognized and go on below; NULL: none is local), the file opened (*ret_fd) and probed
 *    (root->probe) to be read in user space by the caller (returns 1): that costs less than a
 *    child, and nothing on local storage stalls; else
 *  - with a budget, read_in_child(userdata) run in a child that may take at most budget_usec
 *    (run_bounded()), so that a file system that stops answering holds up that child, never the
 *    caller; it stores what it read in the cache (returns 0 then), and the entry is looked up again.
 * Returns 0, 1, -ETIMEDOUT when the child did not finish in time, or -ENOMEM. */
typedef struct ImagePrefetch {
        ExtractCache *cache;
        const MountTable *mounts;
        char *const *required_paths;
        uint64_t budget_usec;           /* 0: no child */
        MountBase *mount_base;          /* where the child mounts, set up before it is forked */
        int (*read_in_child)(void *userdata);
        void *userdata;
} ImagePrefetch;

int image_root_prefetch(const Context *c, const DiscoveredImage *i, const ImagePrefetch *args, ImageRoot *root,
                        int *ret_fd);

/* As image_root_open() for a raw image, but reads the file open at fd (e.g. verified data in a
 * memfd), bypassing the cache. */
int image_root_open_fd(const Context *c, const DiscoveredImage *i, int fd, MountBase *mount_base, ImageRoot *ret);

/* Reads raw image i in user space through verity (verity-check.h: verity_check_image_source()),
 * every block verified as it is read, nothing read before and nothing cached; required_paths as
 * for extract_cache_lookup() (the profile's bind targets, whose presence the planner checks). -EOPNOTSUPP if its
 * file system (probe) has no reader that reads all of it; -EBADMSG when any block read does not
 * verify (verity_source_error() says which), whatever the file it belongs to. Blocks nothing reads
 * are not verified here: corrupted ones are found when the whole image is verified before the
 * service starts (portables-verify@.service) or by dm-verity. */
int image_root_read_verified(const DiscoveredImage *i, const RawProbe *probe, VeritySource *verity,
                             char *const *required_paths, ImageRoot *ret);

/* Mounts the raw image at fd below mount_base (-EOPNOTSUPP if NULL or unusable), whatever its file
 * system. */
int image_root_mount(const DiscoveredImage *i, int fd, MountBase *mount_base, ImageRoot *ret);

/* Opens the image file itself (regular files only, never blocking, read-only). */
int image_file_open(const Context *c, const DiscoveredImage *i);
/* The same, and *ret_st (may be NULL) its fstat(). */
int image_file_open_stat(const Context *c, const DiscoveredImage *i, struct stat *ret_st);
