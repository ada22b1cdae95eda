/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Where a user-space file system reader (image-tree.h) gets its bytes: a region of an image file
 * (a bare file system: the whole file; a GPT partition: its extent), read with pread(), never past
 * the region. Optionally every block read is first verified against a dm-verity hash tree
 * (verity-source.h): then a reader only ever sees data that hashes up to the root hash.
 *
 * Readers must treat what they get as hostile: a region is never larger than the file, but its
 * content is anything. */

typedef struct VeritySource VeritySource;

/* Readers read a few bytes at a time (an inode, a directory entry): an unverified source keeps the
 * last IMAGE_SOURCE_CACHE_WINDOWS windows of IMAGE_SOURCE_CACHE_WINDOW bytes it read, so that
 * most reads cost no system call. (A VeritySource has caches of its own.) */
#define IMAGE_SOURCE_CACHE_WINDOW (32U * 1024U)
#define IMAGE_SOURCE_CACHE_WINDOWS 4U

typedef struct ImageSourceCache {
        uint8_t data[IMAGE_SOURCE_CACHE_WINDOWS][IMAGE_SOURCE_CACHE_WINDOW];
        uint64_t start[IMAGE_SOURCE_CACHE_WINDOWS];     /* relative to the region */
        size_t len[IMAGE_SOURCE_CACHE_WINDOWS];         /* 0: unused */
        uint64_t used[IMAGE_SOURCE_CACHE_WINDOWS];      /* LRU stamps */
        uint64_t clock;
} ImageSourceCache;

typedef struct ImageSource {
        int fd;                 /* the image file, read only with pread() */
        uint64_t offset;        /* the region in it, bytes */
        uint64_t size;
        VeritySource *verity;   /* if not NULL, reads go through it (verified); then fd, offset and size
                                 * must be those of verity_source_image_source(): the VeritySource's
                                 * data region, of which it reads verity_source_size() bytes */
        ImageSourceCache *cache;        /* if not NULL (and not verity), reads are served from it: the
                                         * same bytes a pread() gives, as long as the file does not
                                         * change; owned by the caller, outlives the readers */
} ImageSource;

/* A cache with every window unused; its 128 KiB of window data are not cleared (never read before
 * they are written). free() it. NULL on ENOMEM. */
ImageSourceCache *image_source_cache_new(void);

/* Reads exactly size bytes at offset (relative to the region) into buf. -EIO if [offset, offset +
 * size) is not inside the region or the file is shorter than it claims; -EBADMSG if verification
 * fails (the block does not hash to the tree); other negative errno on I/O errors. */
int image_source_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset);
