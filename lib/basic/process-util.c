/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "process-util.h"

int run_command(char *const *argv) {
        int status;
        pid_t pid;

        assert(argv);
        assert(argv[0]);

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                execvp(argv[0], argv);
                log_error_errno(errno, "Failed to execute %s: %m", argv[0]);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for %s: %m", argv[0]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                log_error("%s failed (status %d).", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                return -EPROTO;
        }
        return 0;
}
