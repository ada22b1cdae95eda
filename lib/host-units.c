/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdlib.h>

#include "host-units.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

bool host_units_contains(char *const *sorted, const char *name) {
        assert(name);

        return sorted && bsearch(&name, sorted, strv_length(sorted), sizeof(char *), cmp_strp);
}

const char *host_units_instance_of(char *const *sorted, const char *template) {
        const char *at, *suffix;
        size_t n_prefix, lo = 0, hi;

        assert(template);

        at = strchr(template, '@');
        if (!at || !sorted)
                return NULL;
        n_prefix = at + 1 - template;
        suffix = at + 1;
        /* The first entry not below "foo@", then those that start with it. */
        hi = strv_length(sorted);
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (strncmp(sorted[mid], template, n_prefix) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (char *const *u = sorted + lo; *u && strneq(*u, template, n_prefix); u++)
                if (!streq(*u, template) && endswith(*u, suffix))
                        return *u;
        return NULL;
}
