/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "host-users.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

#define USERDB_FILE_MAX (16U * 1024U * 1024U)

void host_users_done(HostUsers *h) {
        h->users = strv_free(h->users);
        h->groups = strv_free(h->groups);
}

/* The first field of each "name:..." line. */
static int load_names(const Context *c, const char *path, char ***ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = host_read_file(c, path, USERDB_FILE_MAX, &text, NULL);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return log_warning_errno(r, "Failed to read %s: %m", path);

        for (char *line = text, *next; line && *line; line = next) {
                char *colon;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;
                colon = strchr(line, ':');
                if (!colon || colon == line)
                        continue;
                *colon = 0;
                r = strv_extend(&l, line);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int host_users_load(const Context *c, HostUsers *ret) {
        _cleanup_(host_users_done) HostUsers h = {};
        int r;

        r = load_names(c, "/etc/passwd", &h.users);
        if (r < 0)
                return r;
        r = load_names(c, "/etc/group", &h.groups);
        if (r < 0)
                return r;

        *ret = h;
        h = (HostUsers) {};
        return 0;
}
