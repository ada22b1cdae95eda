/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-source.h"
#include "macro.h"
#include "verity-source.h"

static int region_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset);

/* Through the cache: from a window that holds all of [offset, offset + size), else a window read
 * afresh from the 4 KiB boundary below offset, in the place of the least recently used one. */
static int cached_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset) {
        ImageSourceCache *c = s->cache;
        uint64_t start = offset & ~(uint64_t) 4095;
        size_t slot = 0, len;
        int r;

        for (size_t k = 0; k < IMAGE_SOURCE_CACHE_WINDOWS; k++) {
                if (c->len[k] > 0 && c->start[k] <= offset && offset - c->start[k] + size <= c->len[k]) {
                        memcpy(buf, c->data[k] + (offset - c->start[k]), size);
                        c->used[k] = ++c->clock;
                        return 0;
                }
                if (c->used[k] < c->used[slot])
                        slot = k;
        }

        len = (size_t) MIN((uint64_t) IMAGE_SOURCE_CACHE_WINDOW, s->size - start);
        if (offset - start + size > len)        /* does not fit one window: read directly */
                return region_pread(s, buf, size, offset);

        c->len[slot] = 0;
        r = region_pread(s, c->data[slot], len, start);
        if (r < 0)
                return r;
        c->start[slot] = start;
        c->len[slot] = len;
        c->used[slot] = ++c->clock;
        memcpy(buf, c->data[slot] + (offset - start), size);
        return 0;
}

ImageSourceCache *image_source_cache_new(void) {
        ImageSourceCache *c = malloc(sizeof(ImageSourceCache));

        if (!c)
                return NULL;
        memset(c->start, 0, sizeof(c->start));
        memset(c->len, 0, sizeof(c->len));
        memset(c->used, 0, sizeof(c->used));
        c->clock = 0;
        return c;
}

int image_source_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset) {
        uint64_t end;

        assert(s);
        assert(buf || size == 0);

        if (__builtin_add_overflow(offset, (uint64_t) size, &end) || end > s->size)
                return -EIO;

        /* Verified: the region is the VeritySource's data region (verity_source_image_source()), and
         * offsets are relative to it for both. */
        if (s->verity)
                return verity_source_pread(s->verity, buf, size, offset);
        if (s->cache && size > 0 && size <= IMAGE_SOURCE_CACHE_WINDOW / 2)
                return cached_pread(s, buf, size, offset);
        return region_pread(s, buf, size, offset);
}

/* pread() of [offset, offset + size), inside the region (checked by the caller). */
static int region_pread(const ImageSource *s, void *buf, size_t size, uint64_t offset) {
        uint8_t *p = buf;
        uint64_t pos;

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
