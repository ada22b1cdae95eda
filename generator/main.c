/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* systemd-portable-generator: portable service images in, native units out.
 * Called by systemd as "systemd-portable-generator NORMAL_DIR [EARLY_DIR LATE_DIR]". */

#include <malloc.h>

#include "generator.h"
#include "log.h"

int main(int argc, char *argv[]) {
        log_setup("systemd-portable-generator", isatty(STDERR_FILENO) ? LOG_TARGET_CONSOLE : LOG_TARGET_AUTO);

        /* Every raw image read in user space allocates and frees the same few blocks (libsquashfs'
         * block buffers are 128 KiB, past glibc's default mmap threshold): keep them in the heap,
         * and the heap as it is, rather than mmap()/munmap() or grow and trim it once per image. */
        (void) mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);

        if (argc != 2 && argc != 4) {
                log_error("This program takes one or three arguments: the generator output directories.");
                return 1;
        }

        return generator_run(argv[1]) < 0 ? 1 : 0;
}
