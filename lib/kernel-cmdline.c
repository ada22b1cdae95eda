/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fileio.h"
#include "kernel-cmdline.h"
#include "log.h"
#include "string-util.h"

int kernel_cmdline_portables_enabled(void) {
        _cleanup_free_ char *buf = NULL;
        const char *line, *p;
        int enabled = 1, r;

        line = getenv("SYSTEMD_PROC_CMDLINE");
        if (!line) {
                FILE *f = fopen("/proc/cmdline", "re");
                size_t n = 0;

                if (!f)
                        return log_debug_errno(errno, "Failed to read /proc/cmdline: %m");
                r = getline(&buf, &n, f) < 0 ? -EIO : 0;
                fclose(f);
                if (r < 0)
                        return log_debug_errno(r, "Failed to read /proc/cmdline: %m");
                line = buf;
        }

        p = line;
        for (;;) {
                _cleanup_free_ char *w = NULL;
                const char *v;

                r = extract_first_word(&p, &w);
                if (r < 0)
                        return log_debug_errno(r, "Failed to parse the kernel command line: %m");
                if (r == 0)
                        break;

                if (streq(w, "systemd.portables")) {
                        enabled = 1;
                        continue;
                }
                v = startswith(w, "systemd.portables=");
                if (!v)
                        continue;
                r = parse_boolean(v);
                if (r < 0)
                        log_warning("Invalid systemd.portables=%s on the kernel command line, ignoring.", v);
                else
                        enabled = r;
        }

        return enabled;
}
