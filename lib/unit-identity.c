/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "ini.h"
#include "string-util.h"
#include "sysusers.h"
#include "unit-identity.h"

typedef struct Identity {
        char *user;
        int dynamic;
        int error;
} Identity;

static int collect(const char *section, const char *key, const char *value, const char *filename,
                   unsigned line, void *userdata) {
        Identity *id = userdata;

        if (!section || !streq(section, "Service"))
                return 0;
        if (streq(key, "User")) {
                char *v = isempty(value) ? NULL : strdup(value);

                if (!isempty(value) && !v)
                        return -ENOMEM;
                free(id->user);
                id->user = v;
        } else if (streq(key, "DynamicUser")) {
                int b = isempty(value) ? -ENOENT : parse_boolean(value);
                if (b != -EINVAL)
                        id->dynamic = b;
        }
        return 0;
}

int unit_service_identity(const ImageUnit *u, int profile_dynamic_user, char **ret_user, bool *ret_dynamic) {
        Identity id = { .dynamic = -ENOENT };
        int r;

        assert(u);
        assert(ret_user);
        assert(ret_dynamic);

        r = image_unit_parse(u, collect, ini_garbage_ignore, NULL, &id);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = unit_dropin_parse(u->dropins + k, collect, ini_garbage_ignore, NULL, &id);
        if (r == -ENOMEM) {
                free(id.user);
                return r;
        }

        if (profile_dynamic_user >= 0)
                id.dynamic = profile_dynamic_user;
        *ret_dynamic = id.dynamic > 0;

        if (!id.user && id.dynamic > 0) {
                /* unit_name_to_prefix(): up to the "@", or the type suffix. */
                id.user = strndup(u->name, strcspn(u->name, "@") < strlen(u->name) ? strcspn(u->name, "@")
                                                                                   : (size_t) (strrchr(u->name, '.') - u->name));
                if (!id.user)
                        return -ENOMEM;
        }
        if (id.user && (streq(id.user, "root") || !sysusers_valid_name(id.user)))
                id.user = mfree(id.user);

        *ret_user = id.user;
        return 0;
}
