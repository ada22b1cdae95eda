/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "accounts.h"
#include "etc-copy.h"
#include "etc-scan.h"
#include "fuzz.h"

/* The listing of an image's /etc (etc-scan.h), as the extraction cache stores it, and what the
 * planner does with it next: which trees a user of the image gets. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        _cleanup_free_ char *s = NULL;
        char *members[] = { (char *) "redis", NULL };
        HostAccount users[] = { { .name = (char *) "redis", .id = 105, .gid = 107 } };
        HostAccount groups[] = { { .name = (char *) "ssl-cert", .id = 108, .members = members } };
        HostAccounts a = { .users = users, .n_users = 1, .groups = groups, .n_groups = 1 };
        EtcCopy *c = NULL;
        size_t n = 0;

        fuzz_setup();
        s = fuzz_string(data, size);
        if (etc_listing_parse(s, &e) < 0)
                return 0;
        if (etc_copy_select(&e, &a, "redis", &c, &n) >= 0)
                etc_copies_free(c, n);
        return 0;
}
