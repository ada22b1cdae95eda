/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A minimal image_source_pread() (image-source.h) for the erofs reader's branch: the bounds check
 * and the pread() loop, no verity yet (the verity-source branch has the full one). */

#include <errno.h>
#include <unistd.h>

#include "image-source.h"
#include "macro.h"

int image_source_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset) {
        uint64_t end, pos;
        size_t done = 0;

        if (!s || (!buf && size > 0))
                return -EINVAL;
        if (s->verity)
                return -EOPNOTSUPP;
        if (__builtin_add_overflow(offset, (uint64_t) size, &end) || end > s->size)
                return -EIO;
        if (__builtin_add_overflow(s->offset, offset, &pos) || pos > (uint64_t) INT64_MAX - size)
                return -EIO;

        while (done < size) {
                ssize_t n = pread(s->fd, (uint8_t *) buf + done, size - done, (off_t) (pos + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;    /* the file is shorter than the region claims */
                done += (size_t) n;
        }
        return 0;
}
