/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "image-source.h"
#include "macro.h"
#include "verity-source.h"

int image_source_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset) {
        uint64_t end, pos;
        uint8_t *p = buf;

        assert(s);
        assert(buf || size == 0);

        if (__builtin_add_overflow(offset, (uint64_t) size, &end) || end > s->size)
                return -EIO;

        /* Verified: the region is the VeritySource's data region (verity_source_image_source()), and
         * offsets are relative to it for both. */
        if (s->verity)
                return verity_source_pread(s->verity, buf, size, offset);

        if (__builtin_add_overflow(s->offset, offset, &pos) || pos > (uint64_t) INT64_MAX - size)
                return -EIO;

        while (size > 0) {
                ssize_t n = pread(s->fd, p, MIN(size, (size_t) SSIZE_MAX), (off_t) pos);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;    /* the file is shorter than the region */
                p += n;
                pos += (uint64_t) n;
                size -= (size_t) n;
        }
        return 0;
}
