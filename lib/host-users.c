/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "host-users.h"
#include "strv.h"

void host_users_done(HostUsers *h) {
        assert(h);

        h->users = strv_free(h->users);
        h->groups = strv_free(h->groups);
}

static int names(const HostAccount *a, size_t n, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        for (size_t k = 0; k < n; k++)
                if (strv_extend(&l, a[k].name) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int host_users_from_accounts(const HostAccounts *a, HostUsers *ret) {
        _cleanup_(host_users_done) HostUsers h = {};

        assert(a);
        assert(ret);

        if (names(a->users, a->n_users, &h.users) < 0 || names(a->groups, a->n_groups, &h.groups) < 0)
                return -ENOMEM;
        *ret = TAKE_STRUCT(h);
        return 0;
}
