/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blkid-dl.h"
#include "image-open.h"
#include "image-prefetch.h"
#include "log.h"
#include "mount-dl.h"
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

int image_prefetch(const Context *c, const DiscoveredImage *i, const char *mount_base, ExtractCache *cache,
                   char *const *required_paths, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;
        int status = 0, r;
        pid_t pid;

        if (!cache || cache->dir_fd < 0 || !mount_base)
                return -EOPNOTSUPP;

        /* Loaded here, once, rather than in every child. Failures show in the child. */
        (void) dlopen_libblkid();
        (void) dlopen_libmount();

        pid = fork();
        if (pid < 0)
                return log_debug_errno(errno, "Failed to fork to read %s: %m", i->path);
        if (pid == 0) {
                ImageRoot root = IMAGE_ROOT_NULL;

                /* Opens, mounts, stores in the cache; image_root_done() unmounts (_exit() runs no
                 * cleanup handlers). */
                r = image_root_open(c, i, mount_base, cache, required_paths, &root);
                image_root_done(&root);
                _exit(r < 0 ? (-r & 0xff ?: 1) : 0);
        }

        r = wait_until(pid, deadline, &status);
        if (r <= 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, WNOHANG);
                if (r < 0)
                        return log_debug_errno(r, "Failed to wait for the reader of %s: %m", i->path);
                log_debug("Image %s: reading it took longer than %" PRIu64 " ms (a stalled network file "
                            "system?), giving up for this run.", i->path, timeout_usec / 1000);
                return -ETIMEDOUT;
        }

        if (!WIFEXITED(status))
                return -EIO;
        return WEXITSTATUS(status) == 0 ? 0 : -WEXITSTATUS(status);
}
