/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>

#include "string-util.h"
#include "strv.h"
#include "unit-identity.h"
#include "unit-users.h"

static bool sysusers_has_user(const Sysusers *s, const char *name) {
        for (size_t k = 0; k < s->n_entries; k++)
                if (s->entries[k].type == 'u' && streq(s->entries[k].name, name))
                        return true;
        return false;
}

int unit_users_from_image(const ImageUnits *units, int profile_dynamic_user, const HostAccounts *image,
                          const HostAccounts *host, const Sysusers *s, char **ret_text, char **ret_missing) {
        _cleanup_strv_free_ char **done = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        assert(units);
        assert(image);
        assert(host);
        assert(s);
        assert(ret_text);
        assert(ret_missing);

        for (size_t k = 0; k < units->n_units; k++) {
                const ImageUnit *u = units->units + k;
                _cleanup_free_ char *user = NULL, *id = NULL, *line = NULL;
                const HostAccount *a, *g;
                bool dynamic;

                if (u->type != UNIT_SERVICE)
                        continue;
                r = unit_service_identity(u, profile_dynamic_user, &user, &dynamic);
                if (r < 0)
                        return r;
                if (!user || dynamic || strv_contains(done, user) ||
                    host_account_by_name(host->users, host->n_users, user) || sysusers_has_user(s, user))
                        continue;

                a = host_account_by_name(image->users, image->n_users, user);
                if (!a) {
                        if (asprintf(ret_missing, "%s runs as user %s, which neither the host nor the image's "
                                     "sysusers.d or /etc/passwd has", u->name, user) < 0)
                                return -ENOMEM;
                        *ret_text = NULL;
                        return 1;
                }

                /* The image's ids where the host has none of them; root's never (sysusers_parse()
                 * refuses 0, and so the line). */
                g = host_account_by_id(image->groups, image->n_groups, a->gid);
                if (host_account_by_id(host->users, host->n_users, a->id))
                        id = strdup("-");
                else if (g && streq(g->name, user) && a->gid != UINT32_MAX &&
                         !host_account_by_id(host->groups, host->n_groups, a->gid) &&
                         !host_account_by_name(host->groups, host->n_groups, user))
                        r = asprintf(&id, "%" PRIu32 ":%" PRIu32, a->id, a->gid);
                else
                        r = asprintf(&id, "%" PRIu32, a->id);
                if (!id || r < 0)
                        return -ENOMEM;

                line = strjoin("u ", user, " ", id, " - -\n");
                if (!line || !strextend(&text, line) || strv_extend(&done, user) < 0)
                        return -ENOMEM;
        }

        *ret_text = TAKE_PTR(text);
        *ret_missing = NULL;
        return 0;
}
