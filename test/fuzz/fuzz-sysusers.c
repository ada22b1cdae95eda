/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* An image's sysusers.d file (sysusers.h), as `portables users` and the generator's trusted-profile
 * check read it: parsed; every accepted entry formatted as the line given to systemd-sysusers
 * --inline, which must parse back to the same entry; and the entries checked against a small host
 * account database. */

#include "accounts.h"
#include "fuzz.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "sysusers.h"

static bool same_string(const char *a, const char *b) {
        return (!a && !b) || (a && b && streq(a, b));
}

static bool same_entry(const SysusersEntry *a, const SysusersEntry *b) {
        return a->type == b->type && same_string(a->name, b->name) && same_string(a->group, b->group) &&
                a->has_uid == b->has_uid && a->has_gid == b->has_gid &&
                (!a->has_uid || a->uid == b->uid) && (!a->has_gid || a->gid == b->gid) &&
                same_string(a->description, b->description) && same_string(a->home, b->home) &&
                same_string(a->shell, b->shell);
}

static char *root_members[] = { NULL }, *adm_members[] = { (char *) "syslog", NULL };
static HostAccount host_users[] = {
        { .name = (char *) "root", .id = 0, .gid = 0 },
        { .name = (char *) "daemon", .id = 1, .gid = 1 },
        { .name = (char *) "messagebus", .id = 100, .gid = 101 },
        { .name = (char *) "syslog", .id = 104, .gid = 110 },
};
static HostAccount host_groups[] = {
        { .name = (char *) "root", .id = 0, .members = root_members },
        { .name = (char *) "daemon", .id = 1 },
        { .name = (char *) "adm", .id = 4, .members = adm_members },
        { .name = (char *) "messagebus", .id = 101 },
        { .name = (char *) "systemd-journal", .id = 999 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *text = NULL, *error = NULL, *problem = NULL;
        _cleanup_strv_free_ char **created = NULL;
        const HostAccounts host = {
                .users = host_users, .n_users = ELEMENTSOF(host_users),
                .groups = host_groups, .n_groups = ELEMENTSOF(host_groups),
        };
        int r;

        fuzz_setup();
        if (size > SYSUSERS_FILE_SIZE_MAX)
                return 0;
        text = fuzz_string(data, size);

        r = sysusers_parse(&s, text, "fuzz.conf", &error);
        if (r == -ENOMEM)
                abort();
        if (r < 0) {
                if (r != -EBADMSG || !error)
                        abort();
                return 0;
        }
        if (error)
                abort();

        for (size_t k = 0; k < s.n_entries; k++) {
                _cleanup_(sysusers_done) Sysusers again = {};
                _cleanup_free_ char *line = NULL, *error2 = NULL;

                if (sysusers_entry_format(s.entries + k, &line) < 0)
                        abort();
                /* What systemd-sysusers is given reads back as what was checked. */
                if (sysusers_parse(&again, line, "inline", &error2) < 0 || again.n_entries != 1 ||
                    !same_entry(s.entries + k, again.entries))
                        abort();
        }

        r = sysusers_check_host(&s, &host, &problem, &created);
        if (r < 0 && r != -ENOMEM)
                abort();
        if (r == 1 && !problem)
                abort();
        return 0;
}
