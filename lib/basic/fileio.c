/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

#define CHASE_SYMLINKS_MAX 40U

/* Set by the tests (open_in_root_force_fallback()), so that chase_fallback() answers the same
 * resolution tests as openat2() on a kernel that has it. */
static bool force_fallback = false;

void open_in_root_force_fallback(bool b) {
        force_fallback = b;
}

/* The same resolution as openat2(RESOLVE_IN_ROOT), done one component at a time with O_PATH and
 * O_NOFOLLOW, for where openat2() is not available (kernels before 5.6, seccomp filters, valgrind):
 * symlink targets are resolved as text against root_fd, ".." never goes above it, and no link is
 * ever followed by the kernel, so magic links cannot be used either. */
static int chase_fallback(int root_fd, const char *path, int flags) {
        _cleanup_free_ char *todo = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat root_st, st;
        unsigned follows = 0;
        const char *p;

        if (fstat(root_fd, &root_st) < 0)
                return -errno;

        todo = strdup(path);
        if (!todo)
                return -ENOMEM;

        fd = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        p = todo;
        for (;;) {
                _cleanup_free_ char *component = NULL;
                _cleanup_close_ int child = -EBADF;
                const char *rest;
                size_t n;

                p += strspn(p, "/");
                if (*p == 0)
                        break;

                n = strcspn(p, "/");
                component = strndup(p, n);
                if (!component)
                        return -ENOMEM;
                rest = p + n;

                if (streq(component, ".")) {
                        p = rest;
                        continue;
                }

                if (streq(component, "..")) {
                        if (fstat(fd, &st) < 0)
                                return -errno;
                        if (st.st_dev != root_st.st_dev || st.st_ino != root_st.st_ino) {
                                child = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (child < 0)
                                        return -errno;
                                safe_close(fd);
                                fd = TAKE_FD(child);
                        }
                        p = rest;
                        continue;
                }

                child = openat(fd, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0)
                        return -errno;
                if (fstat(child, &st) < 0)
                        return -errno;

                if (S_ISLNK(st.st_mode) && (rest[strspn(rest, "/")] != 0 || !(flags & O_NOFOLLOW))) {
                        char target[PATH_MAX];
                        char *joined;
                        ssize_t k;

                        if (++follows > CHASE_SYMLINKS_MAX)
                                return -ELOOP;

                        k = readlinkat(child, "", target, sizeof(target) - 1);
                        if (k < 0)
                                return -errno;
                        target[k] = 0;

                        if (target[0] == '/') {
                                safe_close(fd);
                                fd = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (fd < 0)
                                        return -errno;
                        }

                        joined = strjoin(target, "/", rest);
                        if (!joined)
                                return -ENOMEM;
                        free(todo);
                        todo = joined;
                        p = todo;
                        continue;
                }

                if (rest[strspn(rest, "/")] != 0 && !S_ISDIR(st.st_mode))
                        return -ENOTDIR;

                safe_close(fd);
                fd = TAKE_FD(child);
                p = rest;
        }

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode))
                return -ENOTDIR;

        return TAKE_FD(fd);
}

int open_in_root(int root_fd, const char *path, int flags) {
        /* Not RESOLVE_NO_XDEV: a usr-only image is a tmpfs root with its usr partition mounted on
         * /usr, and /usr/lib/os-release and the units are below that mount. RESOLVE_IN_ROOT keeps
         * every lookup inside the image all the same. */
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC | flags,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        if (root_fd < 0 || !path)
                return -EINVAL;

        if (force_fallback)
                return chase_fallback(root_fd, path, flags);

        /* With RESOLVE_IN_ROOT a ".." anywhere in the path or a symlink fails with EAGAIN if any
         * mount or rename happened on the system meanwhile (as at boot, all the time; every Debian
         * image has /etc/os-release -> ../usr/lib/os-release): the kernel asks us to retry. */
        for (unsigned attempt = 0; attempt < 32; attempt++) {
                fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN)
                        break;
        }
        if (errno == ENOSYS || errno == EAGAIN)
                return chase_fallback(root_fd, path, flags);
        return -errno;
}

int opendir_in_root(int root_fd, const char *path, DIR **ret) {
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        DIR *d;

        assert(ret);

        fd = open_in_root(root_fd, path, O_DIRECTORY);
        if (fd < 0)
                return fd;

        dfd = fd_reopen(fd, O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
                return dfd;

        d = fdopendir(dfd);
        if (!d)
                return -errno;
        TAKE_FD(dfd);

        *ret = d;
        return 0;
}

int fd_verify_regular(int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISREG(st.st_mode))
                return 0;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        return -EBADFD;
}

int fd_reopen(int fd, int flags) {
        char procfs[64];
        int r;

        (void) snprintf(procfs, sizeof(procfs), "/proc/self/fd/%i", fd);
        r = open(procfs, flags | O_CLOEXEC | O_NOCTTY);
        if (r < 0)
                return -errno;
        return r;
}

int fd_readable(int fd, int *ret_reopened) {
        int fl;

        assert(ret_reopened);

        fl = fcntl(fd, F_GETFL);
        if (fl < 0)
                return -errno;
        if (!(fl & O_PATH) && (fl & O_ACCMODE) != O_WRONLY)
                return fd;

        *ret_reopened = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
        return *ret_reopened;
}

int fd_open_regular(int fd) {
        return fd_open_regular_stat(fd, NULL);
}

int fd_open_regular_stat(int fd, struct stat *ret_st) {
        _cleanup_close_ int rfd = -EBADF;
        struct stat st;
        int r;

        r = fd_verify_regular(fd);
        if (r < 0)
                return r;

        /* O_NONBLOCK: belt and braces, the fd is already known to be a regular file. */
        rfd = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
        if (rfd < 0)
                return rfd;

        /* The file may have been swapped between the checks: look again at what we opened. */
        if (fstat(rfd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;

        if (ret_st)
                *ret_st = st;
        return TAKE_FD(rfd);
}

/* Reads rfd, a regular file open for reading, to its end, at most max bytes; st is rfd's (NULL:
 * looked up here). */
static int read_opened(int rfd, const struct stat *st, size_t max, bool binary, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        struct stat stbuf;
        size_t n = 0, allocated;

        if (!st) {
                if (fstat(rfd, &stbuf) < 0)
                        return -errno;
                st = &stbuf;
        }
        if ((uint64_t) st->st_size > max)
                return -EFBIG;

        /* One byte more than the size: the first read() then returns less than asked for, which
         * ends it, without growing the buffer. Files that do not say their
         * size (/proc) get a page or more at a time: every read() there makes the kernel print
         * the file anew. */
        allocated = st->st_size > 0 ? (size_t) st->st_size + 2 : MIN(max + 1, (size_t) 64 * 1024);
        buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                size_t want;
                ssize_t k;

                if (n + 1 >= allocated) {
                        char *t;

                        /* Grew while we read it. Allow up to max, no more. */
                        if (n >= max)
                                return -EFBIG;
                        allocated = MIN(max + 1, allocated * 2 + 64);
                        t = realloc(buf, allocated);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                }

                want = allocated - n - 1;
                k = read(rfd, buf + n, want);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                /* A regular file that said its size ends where a read() falls short: no second
                 * read() to be told so. */
                if (S_ISREG(st->st_mode) && st->st_size > 0 && (size_t) k < want)
                        break;
        }

        buf[n] = 0;
        if (!binary && memchr(buf, 0, n))
                return -EBADMSG;

        if (ret_size)
                *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int read_regular(int fd, size_t max, bool binary, char **ret, size_t *ret_size) {
        _cleanup_close_ int rfd = -EBADF;

        rfd = fd_open_regular(fd);
        if (rfd < 0)
                return rfd;
        return read_opened(rfd, /* st= */ NULL, max, binary, ret, ret_size);
}

int read_file_at(int dir_fd, const char *path, size_t max, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(dir_fd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return read_opened(fd, &st, max, /* binary= */ false, ret, /* ret_size= */ NULL);
}

int read_regular_fd(int fd, size_t max, char **ret, size_t *ret_size) {
        return read_regular(fd, max, /* binary= */ false, ret, ret_size);
}

int read_regular_fd_binary(int fd, size_t max, uint8_t **ret, size_t *ret_size) {
        return read_regular(fd, max, /* binary= */ true, (char **) ret, ret_size);
}

int read_file_in_root(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        fd = open_in_root(root_fd, path, 0);
        if (fd < 0)
                return fd;

        return read_regular_fd(fd, max, ret, ret_size);
}

int write_file_atomic_at(int dir_fd, const char *name, const char *content, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *base;
        int r;

        /* The temporary file sits in the target's directory (rename() must not cross file systems),
         * hidden, with a name no unit loader reads. */
        base = strrchr(name, '/');
        if (base) {
                _cleanup_free_ char *dir = strndup(name, base - name);
                if (!dir)
                        return -ENOMEM;
                if (asprintf(&tmp, "%s/.#%s.%08x", dir, base + 1, (unsigned) random()) < 0)
                        return -ENOMEM;
        } else if (asprintf(&tmp, ".#%s.%08x", name, (unsigned) random()) < 0)
                return -ENOMEM;

        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;

        r = loop_write(fd, content, strlen(content));
        if (r < 0)
                goto fail;

        if (fchmod(fd, mode) < 0) {
                r = -errno;
                goto fail;
        }

        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;

fail:
        (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

int loop_write(int fd, const void *buf, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, buf, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf = (const uint8_t *) buf + k;
                n -= (size_t) k;
        }
        return 0;
}

int write_file_new_at(int dir_fd, const char *name, const char *content, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;

        r = loop_write(fd, content, strlen(content));
        if (r < 0)
                (void) unlinkat(dir_fd, name, 0);
        return r;
}

int mkdir_p_at(int dir_fd, const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        assert(path);

        if (!p)
                return -ENOMEM;

        for (char *s = p;; s++) {
                char c;

                if (*s != '/' && *s != 0)
                        continue;
                if (s == p) {
                        if (*s == 0)
                                break;
                        continue;
                }

                c = *s;
                *s = 0;
                if (mkdirat(dir_fd, p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (c == 0)
                        break;
        }
        return 0;
}

const char *read_error_to_string(int error) {
        switch (ERRNO_VALUE(error)) {
        case EBADFD:
                return "not a regular file (a FIFO, socket or device node is never opened)";
        case EFBIG:
                return "larger than allowed (1 MiB for unit files, 64 KiB for os-release and settings)";
        case EBADMSG:
                return "contains NUL bytes";
        case ELOOP:
                return "symlink loop, or a symlink where none is allowed";
        default:
                return strerror(ERRNO_VALUE(error));
        }
}

int dir_list(DIR *d, const char *suffix, size_t max, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        size_t n = 0;
        int r;

        rewinddir(d);
        errno = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (!endswith(de->d_name, suffix))
                        continue;
                if (++n > max)
                        return -E2BIG;
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        return r;
                errno = 0;
        }
        if (errno != 0)
                return -errno;

        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}
