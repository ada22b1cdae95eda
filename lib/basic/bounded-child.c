/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounded-child.h"
#include "log.h"
#include "macro.h"
#include "time-util.h"

static int pidfd_open_compat(pid_t pid) {
#ifdef SYS_pidfd_open
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
#else
        return -ENOSYS;
#endif
}

/* 1 when pid has exited (status in *status), 0 if not by deadline (CLOCK_MONOTONIC usec). */
static int wait_until(pid_t pid, uint64_t deadline, int *status) {
        _cleanup_close_ int pidfd = pidfd_open_compat(pid);

        for (;;) {
                pid_t k = waitpid(pid, status, WNOHANG);
                uint64_t now;

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == pid)
                        return 1;

                now = now_usec();
                if (now >= deadline)
                        return 0;
                if (pidfd >= 0) {
                        struct pollfd p = { .fd = pidfd, .events = POLLIN };
                        uint64_t ms = (deadline - now + 999) / 1000;

                        if (poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int) ms) < 0 && errno != EINTR)
                                return -errno;
                } else
                        (void) usleep(1000);    /* no pidfd (kernel < 5.3): poll the child */
        }
}

int run_bounded(const char *what, int (*fn)(void *userdata), void *userdata, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;
        int status = 0, r;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return log_debug_errno(errno, "Failed to fork for %s: %m", what);
        if (pid == 0)
                _exit(fn(userdata) & 0xff);     /* _exit(): no cleanup handlers, no atexit() */

        r = wait_until(pid, deadline, &status);
        if (r <= 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, WNOHANG);
                if (r < 0)
                        return log_debug_errno(r, "Failed to wait for %s: %m", what);
                log_debug("%s took longer than %" PRIu64 " ms, giving up.", what, timeout_usec / 1000);
                return -ETIMEDOUT;
        }

        if (!WIFEXITED(status))
                return -EIO;
        return WEXITSTATUS(status);
}
