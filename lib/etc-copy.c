/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdlib.h>

#include "etc-copy.h"
#include "string-util.h"
#include "strv.h"

void etc_copies_free(EtcCopy *c, size_t n) {
        for (size_t k = 0; k < n; k++)
                free(c[k].take);
        free(c);
}

typedef struct User {
        uint32_t uid;
        uint32_t *gids;         /* the primary group (if valid) and those it is a member of */
        size_t n_gids;
} User;

static bool user_has_gid(const User *u, uint32_t gid) {
        for (size_t k = 0; k < u->n_gids; k++)
                if (u->gids[k] == gid)
                        return true;
        return false;
}

/* The rwx bits that apply to u, as the kernel chooses them: the owner's if it is the owner, else
 * the group's if it has the group, else the others'. */
static unsigned perm_for(const EtcEntry *e, const User *u) {
        if (e->uid == u->uid)
                return (e->mode >> 6) & 7;
        if (user_has_gid(u, e->gid))
                return (e->mode >> 3) & 7;
        return e->mode & 7;
}

static bool tree_is_users(const EtcTree *t, const User *u) {
        for (size_t k = 0; k < t->n_owners; k++)
                if ((t->owners[k].uid != 0 && t->owners[k].uid == u->uid) ||
                    (t->owners[k].gid != 0 && user_has_gid(u, t->owners[k].gid)))
                        return true;
        return false;
}

static int copy_entries(const EtcTree *t, const User *u, EtcCopy *c) {
        c->take = calloc(t->n_entries ?: 1, sizeof(bool));
        if (!c->take)
                return -ENOMEM;

        /* Parents come before their children. */
        for (size_t k = 0; k < t->n_entries; k++) {
                const EtcEntry *e = t->entries + k;
                unsigned perm = perm_for(e, u);
                bool take;

                if (e->parent != SIZE_MAX && !c->take[e->parent])
                        continue;
                /* A directory it may only enter (0710): what is in it, it may open by name. */
                take = e->type == 'l' || (e->type == 'f' && (perm & 4)) || (e->type == 'd' && (perm & 1));
                if (!take)
                        continue;
                c->take[k] = true;
                c->n_taken++;
                c->size += e->size;
        }
        return 0;
}

int etc_copy_select(const ImageEtc *etc, const HostAccounts *accounts, const char *user, EtcCopy **ret,
                    size_t *ret_n) {
        _cleanup_free_ uint32_t *gids = NULL;
        EtcCopy *copies = NULL;
        const HostAccount *a;
        size_t n = 0;
        User u;
        int r;

        assert(etc);
        assert(accounts);
        assert(user);
        assert(ret);
        assert(ret_n);

        *ret = NULL;
        *ret_n = 0;

        a = host_account_by_name(accounts->users, accounts->n_users, user);
        if (!a || a->id == 0 || etc->overflow)
                return 0;

        gids = calloc(accounts->n_groups + 1, sizeof(uint32_t));
        if (!gids)
                return -ENOMEM;
        u = (User) { .uid = a->id, .gids = gids };
        if (a->gid != UINT32_MAX)
                gids[u.n_gids++] = a->gid;
        for (size_t k = 0; k < accounts->n_groups; k++)
                if (strv_contains(accounts->groups[k].members, user))
                        gids[u.n_gids++] = accounts->groups[k].id;

        for (size_t k = 0; k < etc->n_trees; k++) {
                const EtcTree *t = etc->trees + k;
                EtcCopy *c;

                if (!tree_is_users(t, &u))
                        continue;
                c = reallocarray(copies, n + 1, sizeof(EtcCopy));
                if (!c) {
                        etc_copies_free(copies, n);
                        return -ENOMEM;
                }
                copies = c;
                copies[n] = (EtcCopy) { .tree = t };
                n++;
                if (t->large || t->unreadable)
                        continue;
                r = copy_entries(t, &u, copies + n - 1);
                if (r < 0) {
                        etc_copies_free(copies, n);
                        return r;
                }
        }

        *ret = copies;
        *ret_n = n;
        return 0;
}
