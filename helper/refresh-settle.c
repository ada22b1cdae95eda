/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>

#include "context.h"
#include "log.h"
#include "refresh-settle.h"
#include "string-util.h"
#include "time-util.h"

#define QUIET_USEC (1 * USEC_PER_SEC)
#define SETTLE_MAX_USEC (30 * USEC_PER_SEC)

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | \
                    IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

static bool watch_add(int fd, const char *path) {
        if (inotify_add_watch(fd, path, WATCH_MASK | IN_ONLYDIR) >= 0)
                return true;
        if (errno == ENOENT)
                log_debug("%s does not exist, not watching it.", path);
        else
                log_warning_errno(errno, "Failed to watch %s, ignoring: %m", path);
        return false;
}

/* The versioned directories (NAME.raw.v/, NAME.v/) in dir: a new version is dropped into one of
 * them, and its copy must settle too. One made later is seen as created in dir. */
static size_t watch_versioned(int fd, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t n = 0;

        d = opendir(dir);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (!endswith(de->d_name, ".v") || !IN_SET(de->d_type, DT_DIR, DT_LNK, DT_UNKNOWN))
                        continue;
                p = strjoin(dir, "/", de->d_name);
                if (!p) {
                        log_oom();
                        break;
                }
                n += watch_add(fd, p);
        }
        return n;
}

int watch_setup(int *ret) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;

        fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create an inotify instance: %m");

        for (const char *const *d = portable_watched_dirs; *d; d++) {
                if (!watch_add(fd, *d))
                        continue;
                n++;
                n += watch_versioned(fd, *d);
        }
        log_debug("Watching %zu portables directories (versioned ones included).", n);

        *ret = TAKE_FD(fd);
        return 0;
}

/* Reads all pending events. Returns how many there were (an overflow counts as one). */
int watch_drain(int fd) {
        int n = 0;

        for (;;) {
                char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                ssize_t l;

                l = read(fd, buf, sizeof buf);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return n;
                        return log_error_errno(errno, "Failed to read inotify events: %m");
                }
                for (char *p = buf; p < buf + l;) {
                        const struct inotify_event *e = (const struct inotify_event *) p;

                        if (e->len > 0)
                                log_debug("Change in a portables directory: %s (mask 0x%x).", e->name, e->mask);
                        n++;
                        p += sizeof(struct inotify_event) + e->len;
                }
        }
}

/* Returns once nothing happened for QUIET_USEC, or SETTLE_MAX_USEC after it was called. */
int watch_wait_quiet(int fd) {
        uint64_t start = now_usec();

        for (;;) {
                uint64_t elapsed = now_usec() - start, timeout;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r;

                if (elapsed >= SETTLE_MAX_USEC) {
                        log_notice("The portables directories are still changing after %llus, going ahead.",
                                   SETTLE_MAX_USEC / USEC_PER_SEC);
                        return 0;
                }
                timeout = MIN(QUIET_USEC, SETTLE_MAX_USEC - elapsed);

                r = poll(&p, 1, (int) ((timeout + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "Failed to wait for inotify events: %m");
                }
                if (r == 0) {
                        if (timeout == QUIET_USEC)
                                return 0;
                        continue;
                }
                r = watch_drain(fd);
                if (r < 0)
                        return r;
        }
}
