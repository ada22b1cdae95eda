/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dir-scan.h"
#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

#define DIR_SCAN_ENTRIES_MAX (1024U * 1024U)

void dir_scan_done(DirScan *s) {
        assert(s);

        s->names = strv_free(s->names);
        s->sts = mfree(s->sts);
        s->errs = mfree(s->errs);
        s->n_names = 0;
}

/* stop_at_links: if an entry is a symlink (or of a type readdir() does not say), which stat()
 * follows wherever it points, return 1 before stat()ing anything. */
static int scan_now(const Context *c, const char *dir, bool stop_at_links, DirScan *ret) {
        _cleanup_(dir_scan_done) DirScan s = {};
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        bool links = false;
        int r;

        r = host_opendir(c, dir, &d);
        if (r < 0)
                return r;

        errno = 0;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (s.n_names >= DIR_SCAN_ENTRIES_MAX)
                        return -E2BIG;
                r = strv_extend(&s.names, de->d_name);
                if (r < 0)
                        return r;
                s.n_names++;
                if (IN_SET(de->d_type, DT_LNK, DT_UNKNOWN))
                        links = true;
                errno = 0;
        }
        if (errno != 0)
                return -errno;
        if (stop_at_links && links)
                return 1;
        strv_sort(s.names);

        s.sts = calloc(s.n_names ?: 1, sizeof(struct stat));
        s.errs = calloc(s.n_names ?: 1, sizeof(int));
        if (!s.sts || !s.errs)
                return -ENOMEM;
        for (size_t k = 0; k < s.n_names; k++)
                if (fstatat(dirfd(d), s.names[k], s.sts + k, 0) < 0)
                        s.errs[k] = -errno;

        *ret = TAKE_STRUCT(s);
        return 0;
}

/* ---- whether a scan can hang: network and FUSE file systems, from /proc/self/mountinfo ---- */

static bool fstype_may_stall(const char *t) {
        /* systemd's fstype_is_network(), and FUSE (a daemon that stops answering). */
        static const char *const types[] = {
                "afs", "ceph", "cifs", "smb3", "smbfs", "sshfs", "ncpfs", "ncp", "nfs", "nfs4", "gfs",
                "gfs2", "glusterfs", "gpfs", "pvfs2", "ocfs2", "lustre", "davfs", "9p", "fuse", "fuseblk",
                "virtiofs",
        };

        if (startswith(t, "fuse."))
                return true;
        for (size_t k = 0; k < ELEMENTSOF(types); k++)
                if (streq(t, types[k]))
                        return true;
        return false;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unoctal(char *s) {
        char *w = s;

        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
                        *w++ = (char) ((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = 0;
}

/* Whether a is b or below it. */
static bool path_below_or_at(const char *a, const char *b) {
        const char *e = startswith(a, b);
        return e && (*e == 0 || *e == '/' || streq(b, "/"));
}

/* Whether one of the directories is on, or has below it, a file system that may stall. Reading
 * /proc/self/mountinfo touches none of them. If it cannot be read: assume so. */
static bool dirs_may_stall(const Context *c, const char *const *dirs, size_t n_dirs) {
        _cleanup_free_ char *text = NULL;
        char *line, *next;

        if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16U * 1024U * 1024U, &text) < 0)
                return true;

        for (line = text; line && *line; line = next) {
                char *fields[5], *sep, *p = line, *fstype;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                sep = strstr(line, " - ");
                if (!sep)
                        continue;
                fstype = sep + 3;
                *strchrnul(fstype, ' ') = 0;
                if (!fstype_may_stall(fstype))
                        continue;
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
                for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
                        fields[k] = p;
                        p = strchr(p, ' ');
                        if (!p)
                                return true;
                        *p++ = 0;
                }
                unoctal(fields[4]);
                for (size_t k = 0; k < n_dirs; k++) {
                        _cleanup_free_ char *real = streq(c->root, "/") ? strdup(dirs[k]) : strjoin(c->root, dirs[k]);

                        if (!real)
                                return true;
                        if (path_below_or_at(real, fields[4]) || path_below_or_at(fields[4], real))
                                return true;
                }
        }
        return false;
}

/* ---- the child: scans, writes each directory's result to the pipe as it has it ---- */

typedef struct Header {
        int32_t error;
        uint32_t n_names;
} Header;

typedef struct EntryHeader {
        uint32_t name_len;
        int32_t error;
        struct stat st;
} EntryHeader;

static _noreturn_ void child(const Context *c, const char *const *dirs, size_t n_dirs, int fd) {
        for (size_t k = 0; k < n_dirs; k++) {
                _cleanup_(dir_scan_done) DirScan s = {};
                Header h = {};
                int r;

                r = scan_now(c, dirs[k], /* stop_at_links= */ false, &s);
                h = (Header) { .error = r < 0 ? r : 0, .n_names = r < 0 ? 0 : (uint32_t) s.n_names };
                if (loop_write(fd, &h, sizeof(h)) < 0)
                        _exit(EXIT_FAILURE);
                for (size_t i = 0; i < h.n_names; i++) {
                        EntryHeader e = { .name_len = (uint32_t) strlen(s.names[i]), .error = s.errs[i], .st = s.sts[i] };
                        if (loop_write(fd, &e, sizeof(e)) < 0 || loop_write(fd, s.names[i], e.name_len) < 0)
                                _exit(EXIT_FAILURE);
                }
        }
        _exit(EXIT_SUCCESS);
}

/* ---- the parent: reads with a deadline ---- */

/* 0, -ETIMEDOUT past the deadline, -EPIPE if the child went away. */
static int read_exact(int fd, void *p, size_t n, uint64_t deadline) {
        while (n > 0) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint64_t now = now_usec();
                ssize_t k;
                int ms;

                if (now >= deadline)
                        return -ETIMEDOUT;
                ms = (int) MIN((deadline - now + 999) / 1000, (uint64_t) INT_MAX);
                k = poll(&pfd, 1, ms);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        continue;       /* the loop checks the deadline */
                k = read(fd, p, n);
                if (k < 0) {
                        if (IN_SET(errno, EINTR, EAGAIN))
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EPIPE;
                p = (uint8_t *) p + k;
                n -= (size_t) k;
        }
        return 0;
}

static int read_one(int fd, uint64_t deadline, DirScan *ret) {
        _cleanup_(dir_scan_done) DirScan s = {};
        Header h;
        int r;

        r = read_exact(fd, &h, sizeof(h), deadline);
        if (r < 0)
                return r;
        if (h.error < 0) {
                *ret = (DirScan) { .error = h.error };
                return 0;
        }
        if (h.n_names > DIR_SCAN_ENTRIES_MAX)
                return -EBADMSG;

        s.sts = calloc(h.n_names ?: 1, sizeof(struct stat));
        s.errs = calloc(h.n_names ?: 1, sizeof(int));
        s.names = calloc(h.n_names + 1, sizeof(char *));
        if (!s.sts || !s.errs || !s.names)
                return -ENOMEM;
        for (uint32_t i = 0; i < h.n_names; i++) {
                EntryHeader e;

                r = read_exact(fd, &e, sizeof(e), deadline);
                if (r < 0)
                        return r;
                if (e.name_len == 0 || e.name_len > NAME_MAX)
                        return -EBADMSG;
                s.names[i] = malloc(e.name_len + 1);
                if (!s.names[i])
                        return -ENOMEM;
                s.n_names = i + 1;
                r = read_exact(fd, s.names[i], e.name_len, deadline);
                if (r < 0)
                        return r;
                s.names[i][e.name_len] = 0;
                s.sts[i] = e.st;
                s.errs[i] = e.error;
        }

        *ret = TAKE_STRUCT(s);
        return 0;
}

/* dirs[from...] right here. With stop_at_links, 1 as soon as a directory has a symlink (nothing
 * followed yet). */
static int scan_here(const Context *c, const char *const *dirs, size_t from, size_t n_dirs, bool stop_at_links,
                     DirScan *ret) {
        for (size_t k = from; k < n_dirs; k++) {
                int r = scan_now(c, dirs[k], stop_at_links, ret + k);
                if (r == -ENOMEM || r > 0)
                        return r;
                ret[k].error = r < 0 ? r : 0;
        }
        return 0;
}

int dir_scan(const Context *c, const char *const *dirs, size_t n_dirs, uint64_t deadline_usec, DirScan *ret) {
        size_t k = 0;
        int r;

        assert(ret);

        for (size_t i = 0; i < n_dirs; i++)
                ret[i] = (DirScan) {};

        if (deadline_usec == 0)
                return scan_here(c, dirs, 0, n_dirs, /* stop_at_links= */ false, ret);

        /* Local file systems answer: scanned right here, unless an entry is a symlink, which may
         * point anywhere (that is seen before anything is followed). Otherwise (or if so), all of
         * it in a child: a fork costs about 1 ms, more than the rest of a reload with a warm
         * cache. */
        if (!dirs_may_stall(c, dirs, n_dirs)) {
                r = scan_here(c, dirs, 0, n_dirs, /* stop_at_links= */ true, ret);
                if (r <= 0)
                        return r;
                for (size_t i = 0; i < n_dirs; i++)
                        dir_scan_done(ret + i);
        }

        while (k < n_dirs) {
                _cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
                uint64_t deadline = MAX(deadline_usec, now_usec() + DIR_SCAN_GRACE_USEC);
                int fds[2], status;
                pid_t pid;

                r = 0;
                /* No child to be had: better a scan that might hang than none. */
                if (pipe2(fds, O_CLOEXEC) < 0) {
                        log_warning_errno(errno, "Failed to create a pipe, listing the portables directories "
                                          "without a time limit: %m");
                        return scan_here(c, dirs, k, n_dirs, /* stop_at_links= */ false, ret);
                }
                rfd = fds[0];
                wfd = fds[1];

                pid = fork();
                if (pid < 0) {
                        log_warning_errno(errno, "Failed to fork, listing the portables directories without "
                                          "a time limit: %m");
                        return scan_here(c, dirs, k, n_dirs, /* stop_at_links= */ false, ret);
                }
                if (pid == 0) {
                        rfd = safe_close(rfd);
                        child(c, dirs + k, n_dirs - k, wfd);
                }
                wfd = safe_close(wfd);

                for (; k < n_dirs; k++) {
                        r = read_one(rfd, deadline, ret + k);
                        if (r == -ENOMEM) {
                                (void) kill(pid, SIGKILL);
                                (void) waitpid(pid, &status, 0);
                                return r;
                        }
                        if (r < 0)
                                break;
                }
                if (r >= 0) {
                        (void) waitpid(pid, &status, 0);
                        break;
                }

                /* This one did not answer (or the child failed): note it, leave the child behind
                 * (it may be stuck in the kernel for good), go on with the next directory. */
                dir_scan_done(ret + k);
                ret[k].error = r == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, WNOHANG);
                k++;
        }
        return 0;
}
