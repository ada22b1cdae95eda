/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "log.h"
#include "prepare.h"
#include "scan.h"

int verb_prepare(int argc, char **argv) {
        _cleanup_(scan_done) Scan s = {};
        size_t attached = 0, refused = 0;
        int r;

        r = scan_run(&s, /* extra_path= */ NULL);
        if (r < 0)
                return r;

        for (size_t k = 0; k < s.n_items; k++)
                if (s.items[k].status == STATUS_ATTACHED)
                        attached++;
                else if (s.items[k].status == STATUS_REFUSED)
                        refused++;

        log_info("Prepared %zu image(s) for attaching, %zu refused.", attached, refused);
        return 0;
}
