/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>

#include "dlopen-util.h"
#include "log.h"

int dlopen_many_sym(void **dlp, const char *filename, ...) {
        void *dl;
        va_list ap;
        int r = 0;

        if (*dlp)
                return 0;       /* loaded and resolved before */

        dl = dlopen(filename, RTLD_NOW | RTLD_NODELETE);
        if (!dl) {
                log_debug("Failed to load %s: %s", filename, dlerror());
                return -EOPNOTSUPP;
        }

        va_start(ap, filename);
        for (;;) {
                void **where = va_arg(ap, void **);
                const char *name;

                if (!where)
                        break;
                name = va_arg(ap, const char *);
                *where = dlsym(dl, name);
                if (!*where) {
                        log_debug("%s has no symbol %s: %s", filename, name, dlerror());
                        r = -EOPNOTSUPP;
                        break;
                }
        }
        va_end(ap);

        if (r < 0) {
                (void) dlclose(dl);
                return r;
        }
        *dlp = dl;
        return 0;
}
