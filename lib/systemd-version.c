/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <stdlib.h>

#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "systemd-version.h"

#define PREFIX "libsystemd-shared-"

static const char *const library_dirs[] = {
        "/usr/lib/systemd",
        "/lib/systemd",
        "/usr/lib64/systemd",
#if defined(__x86_64__)
        "/usr/lib/x86_64-linux-gnu/systemd",
#elif defined(__aarch64__)
        "/usr/lib/aarch64-linux-gnu/systemd",
#endif
        NULL,
};

unsigned systemd_version_from_library_name(const char *name) {
        const char *p;
        unsigned long v;
        char *e;

        assert(name);

        p = startswith(name, PREFIX);
        if (!p || !ascii_isdigit(*p) || !endswith(name, ".so"))
                return 0;
        errno = 0;
        v = strtoul(p, &e, 10);
        if (errno != 0 || v == 0 || v > 100000 || !(*e == '.' || *e == '-'))
                return 0;
        return (unsigned) v;
}

unsigned systemd_version(const Context *c) {
        const char *e;
        unsigned best = 0;

        e = getenv(PORTABLES_SYSTEMD_VERSION_ENV);
        if (!isempty(e)) {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(e, &end, 10);
                if (errno == 0 && *end == '\0' && v <= 100000)
                        return (unsigned) v;
                log_debug("Ignoring invalid $%s=%s.", PORTABLES_SYSTEMD_VERSION_ENV, e);
        }

        for (const char *const *d = library_dirs; *d; d++) {
                _cleanup_closedir_ DIR *dd = NULL;
                struct dirent *de;

                if (host_opendir(c, *d, &dd) < 0)
                        continue;
                while ((de = readdir(dd))) {
                        unsigned v = systemd_version_from_library_name(de->d_name);
                        if (v > best)
                                best = v;
                }
                if (best > 0)
                        break;  /* one installation: its directory is the first that has the library */
        }

        log_debug("systemd version: %u%s.", best, best == 0 ? " (not found: treated as old)" : "");
        return best;
}
