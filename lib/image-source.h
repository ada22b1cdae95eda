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

typedef struct ImageSource {
        int fd;                 /* the image file, read only with pread() */
        uint64_t offset;        /* the region in it, bytes */
        uint64_t size;
        VeritySource *verity;   /* if not NULL, reads go through it (verified); then fd, offset and size
                                 * must be those of verity_source_image_source(): the VeritySource's
                                 * data region, of which it reads verity_source_size() bytes */
} ImageSource;

/* Reads exactly size bytes at offset (relative to the region) into buf. -EIO if [offset, offset +
 * size) is not inside the region or the file is shorter than it claims; -EBADMSG if verification
 * fails (the block does not hash to the tree); other negative errno on I/O errors. */
int image_source_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset);
