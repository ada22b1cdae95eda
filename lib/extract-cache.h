/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "extract-cache-bundle.h"
#include "image-discover.h"
#include "image-fs.h"
#include "image-probe.h"

/* A cache of what was read from raw images, so that an unchanged raw image is never mounted
 * again on a reload.
 *
 * An entry is keyed by the image file's identity (device, inode, size, mtime, ctime: the ctime
 * cannot be set back by anyone, so rewriting the file in place always changes the key). It is one
 * file, a packed tree (lib/image-fs.h) with just what the planner reads: the os-release file, the
 * unit files and drop-ins of the unit directories (masks and aliases kept as such), sysusers.d and
 * tmpfiles.d, markers for the mount points the sandbox checks, and the probe result. A hit is read
 * in one go and handed to the same readers a mounted image goes to. It lives in /run/systemd/portables-cache (root only), or $PORTABLES_CACHE_DIR (with
 * $PORTABLES_ROOT set, only there);
 * entries not used by a complete run are pruned, and those it used are written into one more file,
 * the bundle (extract-cache-bundle.h), which the next run reads instead of one file per image. */

#define EXTRACT_CACHE_DIR_DEFAULT "/run/systemd/portables-cache"
/* Files in the cache directory that are not entries (host-claims.h): never pruned. */
#define EXTRACT_CACHE_KEEP_PREFIX "claim-"

typedef struct ExtractCache {
        char *dir;
        int dir_fd;             /* -EBADF when the cache is unusable: then everything is a miss */
        char **used;            /* keys looked up or stored in this run */
        CacheBundle bundle;     /* the entries the last complete run used, read on first lookup */
        bool bundle_loaded;
        CacheBundleBuilder kept;/* entries used in this run that the bundle did not give */
        bool defer_stores;      /* stores go into the bundle only, at extract_cache_prune() or
                                 * extract_cache_flush(), not into files of their own */
        char **files;           /* the entry files, listed on first need, sorted */
        size_t n_files;
        bool files_listed;
        bool files_changed;     /* since listed: every entry file is looked for */
} ExtractCache;

/* rerooted: $PORTABLES_ROOT is in use; then only an explicit $PORTABLES_CACHE_DIR is used. */
int extract_cache_open(ExtractCache *ret, bool rerooted);
void extract_cache_done(ExtractCache *c);

/* 1 and the cached tree and probe on a hit, 0 on a miss. required_paths are paths whose presence
 * the caller will check (profile bind targets): an entry that did not record them is a miss.
 * ret_verity_xattrs (may be NULL): whether the image file has user.verity.* xattrs, which only
 * the image file itself can give (they are part of its identity: setting one changes the ctime). */
int extract_cache_lookup(ExtractCache *c, const DiscoveredImage *i, char *const *required_paths,
                         PackedTree *ret_tree, RawProbe *ret_probe, bool *ret_verity_xattrs);

/* Packs what the planner needs from the image src (mounted, or read in user space: image-pack.h)
 * and stores it in the cache c (NULL, or unusable: not stored); image_fd is the image file (for its
 * xattrs). If ret_tree is not NULL, the packed tree goes there too, exactly as a lookup would give
 * it, and failures to pack are returned; otherwise they are only logged (nothing is cached). */
int extract_cache_store(ExtractCache *c, const DiscoveredImage *i, const ImageFS *src, int image_fd,
                        const RawProbe *probe, char *const *required_paths, PackedTree *ret_tree);

/* Removes entries not used in this run, and writes those it used into the bundle. For complete
 * runs only: what an incomplete one did not look at may still be needed. */
int extract_cache_prune(ExtractCache *c);

/* At the end of an incomplete run: writes what it stored into the bundle, keeping what the bundle
 * held; removes nothing. */
int extract_cache_flush(ExtractCache *c);

/* Another process (a child) may have stored entry files since the first lookup. */
static inline void extract_cache_files_changed(ExtractCache *c) {
        c->files_changed = true;
}

/* Stores go into files of their own from now on (ExtractCache.defer_stores off): in a child
 * that stores for its parent, which reads them there. */
static inline void extract_cache_write_through(ExtractCache *c) {
        c->defer_stores = false;
}
