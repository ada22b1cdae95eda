/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Everything read from an image goes through these: paths are resolved with root_fd as "/"
 * (openat2 RESOLVE_IN_ROOT: symlinks and ".." never leave the image, magic links are refused),
 * only regular files are ever opened for reading (a FIFO or device node is never opened, so it
 * cannot block or have side effects), and sizes are bounded. */

#define UNIT_FILE_SIZE_MAX (1024U * 1024U)
#define SMALL_FILE_SIZE_MAX (64U * 1024U)

/* Returns an O_PATH fd for path below root_fd (extra flags: O_DIRECTORY, O_NOFOLLOW). */
int open_in_root(int root_fd, const char *path, int flags);

/* For tests: resolve as open_in_root() does where openat2() is missing (component by component,
 * in user space), even where the kernel has it. */
void open_in_root_force_fallback(bool b);

/* Opens directory path below root_fd (as open_in_root()) for listing. */
int opendir_in_root(int root_fd, const char *path, DIR **ret);

/* The names in directory d not starting with "." and ending in suffix ("" for all), sorted; NULL
 * for none. -E2BIG beyond max of them (a directory of millions is not what we are looking for). */
int dir_list(DIR *d, const char *suffix, size_t max, char ***ret);

/* -EISDIR for a directory, -ELOOP for a symlink, -EBADFD for anything else that is not a regular file. */
int fd_verify_regular(int fd);

/* What the errors of the readers above mean, for log lines: "not a regular file" for -EBADFD,
 * "larger than allowed" (with the limits) for -EFBIG, "contains NUL bytes" for -EBADMSG, else strerror(). */
const char *read_error_to_string(int error);

/* Reopens an O_PATH fd with new flags, through /proc/self/fd. */
int fd_reopen(int fd, int flags);

/* An fd to pread() (and fgetxattr()) fd's file with: fd itself if it can be read, else (O_PATH or
 * write-only) a new O_RDONLY|O_NONBLOCK one in *ret_reopened, which the caller closes. Returns the
 * fd to read from, or -errno. */
int fd_readable(int fd, int *ret_reopened);

/* Opens the regular file fd (may be O_PATH) refers to for reading, without blocking: -EBADFD and
 * friends (fd_verify_regular()) for anything else, checked again on what was opened. */
int fd_open_regular(int fd);
/* The same, and *ret_st (may be NULL) the fstat() of the fd returned. */
int fd_open_regular_stat(int fd, struct stat *ret_st);

/* Reads all of a regular file (fd may be O_PATH), at most max bytes (-EFBIG beyond). The result is
 * NUL-terminated; embedded NUL bytes give -EBADMSG. */
int read_regular_fd(int fd, size_t max, char **ret, size_t *ret_size);
/* The same for binary data: NUL bytes are fine (the result is still NUL-terminated). */
int read_regular_fd_binary(int fd, size_t max, uint8_t **ret, size_t *ret_size);

/* open_in_root() + read_regular_fd(). */
int read_file_in_root(int root_fd, const char *path, size_t max, char **ret, size_t *ret_size);

/* Reads dir_fd/path, a regular file in a directory of our own (not from an image: plain openat(),
 * no O_PATH reopen, so it costs open, fstat, read), bounded and NUL-free as read_regular_fd(). */
int read_file_at(int dir_fd, const char *path, size_t max, char **ret);

/* write() until all n bytes are written (EINTR retried). */
int loop_write(int fd, const void *buf, size_t n);

/* Writes content to dir_fd/name through a temporary file and rename(), so that a reader sees the
 * old file or the new one, never a half-written one. */
int write_file_atomic_at(int dir_fd, const char *name, const char *content, mode_t mode);

/* Creates dir_fd/name, which must not exist yet, with content. For the generator's output
 * directories, which nobody reads before the generator has exited. */
int write_file_new_at(int dir_fd, const char *name, const char *content, mode_t mode);

/* mkdir -p below dir_fd, relative path. */
int mkdir_p_at(int dir_fd, const char *path, mode_t mode);
