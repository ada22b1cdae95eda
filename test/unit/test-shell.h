/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running the tools that build test images (mksquashfs, veritysetup, openssl, ...). */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"

/* Runs a shell command line; 0, or -EIO (the command line is printed) if it failed. */
static inline int shell(const char *fmt, ...) _printf_(1, 2);
static inline int shell(const char *fmt, ...) {
        _cleanup_free_ char *cmd = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&cmd, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        r = system(cmd);
        if (r != 0)
                fprintf(stderr, "command failed (%d): %s\n", r, cmd);
        return r == 0 ? 0 : -EIO;
}

/* Whether a tool is on $PATH. */
static inline bool have(const char *tool) {
        return shell("command -v %s >/dev/null 2>&1", tool) == 0;
}
