/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "is-attached.h"
#include "log.h"
#include "output.h"
#include "scan.h"
#include "string-util.h"

int verb_is_attached(int argc, char **argv) {
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        const ScannedImage *i;
        int r;

        assert(argc == 2);

        r = scan_run(&s, NULL);
        if (r < 0)
                return r;

        i = scan_find(&s, argv[1]);
        if (!i) {
                printf("not-attached\n");
                return EXIT_FAILURE;
        }
        printf("%s\n", image_status_to_string(i->status));
        if (i->status != STATUS_ATTACHED) {
                const char *why = scanned_image_reason(i);
                if (why)
                        log_info("%s: %s", i->image->path, why);
                return EXIT_FAILURE;
        }
        if (s.disabled)
                log_warning("Portable services are disabled on the kernel command line (systemd.portables=0).");
        return 0;
}
