/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fileio.h"
#include "fs-type.h"
#include "macro.h"
#include "string-util.h"

#define PROC_FILE_SIZE_MAX (16U * 1024U * 1024U)

/* "mnt_id:\tN" of /proc/self/fdinfo/FD. */
static int fd_mount_id(int fd, unsigned long *ret) {
        _cleanup_free_ char *text = NULL;
        char path[64], *p, *e;
        unsigned long id;
        int r;

        snprintf(path, sizeof(path), "/proc/self/fdinfo/%i", fd);
        r = read_file_at(AT_FDCWD, path, PROC_FILE_SIZE_MAX, &text);
        if (r < 0)
                return r;
        p = strstr(text, "\nmnt_id:");
        if (!p)
                return -ENODATA;
        errno = 0;
        id = strtoul(p + strlen("\nmnt_id:"), &e, 10);
        if (errno != 0 || e == p + strlen("\nmnt_id:"))
                return -EBADMSG;
        *ret = id;
        return 0;
}

int fd_fstype(int fd, char **ret) {
        _cleanup_free_ char *text = NULL;
        unsigned long id;
        char *line, *next;
        int r;

        assert(fd >= 0);
        assert(ret);

        r = fd_mount_id(fd, &id);
        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", PROC_FILE_SIZE_MAX, &text);
        if (r < 0)
                return r;

        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS */
        for (line = text; line && *line; line = next) {
                char *sep, *fstype, *e;
                unsigned long lid;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                errno = 0;
                lid = strtoul(line, &e, 10);
                if (errno != 0 || e == line || *e != ' ' || lid != id)
                        continue;
                sep = strstr(line, " - ");
                if (!sep)
                        return -EBADMSG;
                fstype = sep + 3;
                *strchrnul(fstype, ' ') = 0;
                *ret = strdup(fstype);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

bool fstype_is_local(const char *fstype) {
        static const char *const local[] = {
                "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "bcachefs", "zfs", "tmpfs", "ramfs",
        };

        assert(fstype);

        for (size_t k = 0; k < ELEMENTSOF(local); k++)
                if (streq(fstype, local[k]))
                        return true;
        return false;
}

bool fd_on_local_fs(int fd) {
        _cleanup_free_ char *t = NULL;

        return fd_fstype(fd, &t) >= 0 && fstype_is_local(t);
}
