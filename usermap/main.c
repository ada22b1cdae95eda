/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* portables-usermap: run by portable services' drop-ins (20-portable.conf) with full privileges,
 *   ExecCondition=+portables-usermap setup %n USER UNIT_FILE
 *   ExecStopPost=+portables-usermap remove %n
 * Every error exits 255: for ExecCondition= another non-zero status would skip the unit quietly
 * instead of failing it. */

#include <stdio.h>
#include <sys/stat.h>

#include "log.h"
#include "string-util.h"
#include "usermap.h"

#define EXIT_ERROR 255

static void help(void) {
        printf("%s setup UNIT USER UNIT_FILE\n"
               "%s remove UNIT\n\n"
               "Make (setup) or remove the /etc/passwd and /etc/group that a portable service's sandbox\n"
               "gets: the image's, with the service's user USER given the uid and gid systemd allocated\n"
               "for it, in " "/run/portables-users/UNIT/. Run by the units systemd-portable-generator\n"
               "writes, not by hand.\n\n"
               "  -h --help      Show this help\n"
               "     --version   Show package version\n",
               program_invocation_short_name, program_invocation_short_name);
}

int main(int argc, char *argv[]) {
        _cleanup_(context_done) Context c = { .root_fd = -EBADF };
        int r;

        log_setup("portables-usermap", LOG_TARGET_AUTO);
        umask(0022);

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                help();
                return 0;
        }
        if (argc == 2 && streq(argv[1], "--version")) {
                printf("portables-usermap %s\n", PROJECT_VERSION);
                return 0;
        }
        if (!((argc == 5 && streq(argv[1], "setup")) || (argc == 3 && streq(argv[1], "remove")))) {
                log_error("Usage: %s setup UNIT USER UNIT_FILE | remove UNIT (see --help).", program_invocation_short_name);
                return EXIT_ERROR;
        }

        r = context_init(&c);
        if (r < 0) {
                log_error_errno(r, "Failed to open the root directory: %m");
                return EXIT_ERROR;
        }

        r = streq(argv[1], "setup") ? usermap_setup(&c, argv[2], argv[3], argv[4]) : usermap_remove(&c, argv[2]);
        return r < 0 ? EXIT_ERROR : 0;
}
