/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* portables-usermap: run by portables-usermap@UNIT.service, which the generator writes for a
 * portable service with a dynamic user (usermap.h):
 *   ExecStart=portables-usermap setup UNIT USER */

#include <stdio.h>
#include <sys/stat.h>

#include "log.h"
#include "string-util.h"
#include "usermap.h"

#define EXIT_ERROR 1

static void help(void) {
        printf("%s setup UNIT USER\n\n"
               "Make the /etc/passwd and /etc/group that a portable service's sandbox gets: the image's,\n"
               "with the service's user USER given our uid and gid (we run as that user), in\n"
               "$RUNTIME_DIRECTORY (/run/portables-users/UNIT/). Run by portables-usermap@UNIT.service,\n"
               "which systemd-portable-generator writes, not by hand.\n\n"
               "  -h --help      Show this help\n"
               "     --version   Show package version\n",
               program_invocation_short_name);
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
        if (!(argc == 4 && streq(argv[1], "setup"))) {
                log_error("Usage: %s setup UNIT USER (see --help).", program_invocation_short_name);
                return EXIT_ERROR;
        }

        r = context_init(&c);
        if (r < 0) {
                log_error_errno(r, "Failed to open the root directory: %m");
                return EXIT_ERROR;
        }

        r = usermap_setup(&c, argv[2], argv[3]);
        return r < 0 ? EXIT_ERROR : 0;
}
