/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/image-source.c: reads through the window cache give exactly the bytes of direct reads, at
 * every kind of offset (inside a window, across two, at the end of the region, larger than a
 * window), and out-of-region reads fail the same way with and without it. */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"
#include "image-source.h"
#include "macro.h"
#include "tests.h"

#define FILE_SIZE (300U * 1024U + 123U)
#define REGION_OFFSET 777U

TEST(cache_matches_pread) {
        char path[] = "/tmp/test-image-source.XXXXXX";
        _cleanup_close_ int fd = mkstemp(path);
        _cleanup_free_ uint8_t *content = malloc(FILE_SIZE), *a = malloc(FILE_SIZE), *b = malloc(FILE_SIZE);
        _cleanup_free_ ImageSourceCache *cache = image_source_cache_new();
        ImageSource direct, cached;
        uint64_t region;

        CHECK(fd >= 0 && content && a && b && cache);
        if (fd < 0 || !content || !a || !b || !cache)
                return;
        (void) unlink(path);
        srand(4711);
        for (size_t k = 0; k < FILE_SIZE; k++)
                content[k] = (uint8_t) rand();
        CHECK_INT(loop_write(fd, content, FILE_SIZE), 0);

        region = FILE_SIZE - REGION_OFFSET - 5;
        direct = (ImageSource) { .fd = fd, .offset = REGION_OFFSET, .size = region };
        cached = direct;
        cached.cache = cache;

        for (unsigned k = 0; k < 20000; k++) {
                size_t size = rand() % 4 == 0 ? (size_t) (rand() % (IMAGE_SOURCE_CACHE_WINDOW * 2)) : (size_t) (rand() % 200);
                uint64_t off = (uint64_t) rand() % (region + 10);
                int ra = image_source_pread(&direct, a, size, off);
                int rb = image_source_pread(&cached, b, size, off);

                CHECK_INT(rb, ra);
                if (ra == 0 && rb == 0 && memcmp(a, b, size) != 0) {
                        CHECK(false);
                        fprintf(stderr, "differs at %llu+%zu\n", (unsigned long long) off, size);
                        break;
                }
                if (ra == 0)
                        CHECK(memcmp(a, content + REGION_OFFSET + off, size) == 0);
        }
        /* The last byte of the region, and one past it. */
        CHECK_INT(image_source_pread(&cached, b, 1, region - 1), 0);
        CHECK_INT(b[0], content[REGION_OFFSET + region - 1]);
        CHECK_INT(image_source_pread(&cached, b, 1, region), -EIO);
        CHECK_INT(image_source_pread(&cached, b, 2, region - 1), -EIO);
}

int main(void) {
        RUN(cache_matches_pread);
        return tests_finish();
}
