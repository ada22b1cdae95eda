/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "accounts.h"
#include "string-util.h"
#include "strv.h"

int account_parse_id(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        assert(ret);

        if (isempty(s) || strlen(s) > 10)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (!ascii_isdigit(*p))
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (v >= UINT32_MAX || v == 65535)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static void accounts_free(HostAccount *a, size_t n) {
        for (size_t k = 0; k < n; k++) {
                free(a[k].name);
                strv_free(a[k].members);
        }
        free(a);
}

void host_accounts_done(HostAccounts *h) {
        assert(h);

        accounts_free(h->users, h->n_users);
        accounts_free(h->groups, h->n_groups);
        *h = (HostAccounts) {};
}

/* "name:x:id:..." lines of text (modified); for users the fourth field is the primary group, for
 * groups the member list. */
static int parse_db(char *text, bool groups, HostAccount **ret, size_t *ret_n) {
        HostAccount *a = NULL;
        size_t n = 0;

        for (char *line = text, *next; line && *line; line = next) {
                char *f[4] = {};
                size_t nf = 0;
                uint32_t id, gid = 0;
                HostAccount *t;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;

                for (char *p = line; p && nf < 4; nf++) {
                        f[nf] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = 0;
                }
                if (nf < 3 || isempty(f[0]) || account_parse_id(f[2], &id) < 0)
                        continue;
                if (!groups) {
                        char *colon = nf == 4 ? strchr(f[3], ':') : NULL;
                        if (colon)
                                *colon = 0;
                        if (nf < 4 || account_parse_id(f[3], &gid) < 0)
                                gid = UINT32_MAX;       /* kept: its name and uid are taken */
                }

                t = reallocarray(a, n + 1, sizeof(HostAccount));
                if (!t) {
                        accounts_free(a, n);
                        return -ENOMEM;
                }
                a = t;
                a[n] = (HostAccount) { .name = strdup(f[0]), .id = id, .gid = gid };
                n++;
                if (!a[n - 1].name) {
                        accounts_free(a, n);
                        return -ENOMEM;
                }
                if (groups && nf == 4 && !isempty(f[3])) {
                        for (char *m = f[3], *comma; m; m = comma) {
                                comma = strchr(m, ',');
                                if (comma)
                                        *comma++ = 0;
                                if (!isempty(m) && strv_extend(&a[n - 1].members, m) < 0) {
                                        accounts_free(a, n);
                                        return -ENOMEM;
                                }
                        }
                }
        }

        *ret = a;
        *ret_n = n;
        return 0;
}

static int load(const Context *c, const ImageFS *fs, HostAccounts *ret) {
        _cleanup_(host_accounts_done) HostAccounts h = {};
        static const char *const files[] = { "/etc/passwd", "/etc/group" };
        int r;

        for (size_t k = 0; k < ELEMENTSOF(files); k++) {
                _cleanup_free_ char *text = NULL;

                r = c ? host_read_file(c, files[k], ACCOUNTS_FILE_SIZE_MAX, &text, /* ret_size= */ NULL)
                      : image_fs_read_file(fs, files[k], IMAGE_ACCOUNTS_FILE_SIZE_MAX, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = k == 0 ? parse_db(text, /* groups= */ false, &h.users, &h.n_users)
                           : parse_db(text, /* groups= */ true, &h.groups, &h.n_groups);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_STRUCT(h);
        return 0;
}

int host_accounts_load(const Context *c, HostAccounts *ret) {
        assert(c);
        return load(c, /* fs= */ NULL, ret);
}

int image_accounts_load(const ImageFS *fs, HostAccounts *ret) {
        assert(fs);
        return load(/* c= */ NULL, fs, ret);
}

const HostAccount *host_account_by_name(const HostAccount *a, size_t n, const char *name) {
        for (size_t k = 0; k < n; k++)
                if (streq(a[k].name, name))
                        return a + k;
        return NULL;
}

const HostAccount *host_account_by_id(const HostAccount *a, size_t n, uint32_t id) {
        for (size_t k = 0; k < n; k++)
                if (a[k].id == id)
                        return a + k;
        return NULL;
}
