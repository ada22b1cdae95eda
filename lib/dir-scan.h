/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "context.h"

/* A directory listed, and every entry stat()ed (following symlinks, never opening anything). */
typedef struct DirScan {
        int error;              /* 0, -ENOENT/-ENOTDIR (missing), -ETIMEDOUT (no answer), ... */
        char **names;           /* sorted; "." and ".." left out */
        struct stat *sts;       /* per name */
        int *errs;              /* per name: 0, or stat()'s -errno */
        size_t n_names;
} DirScan;

void dir_scan_done(DirScan *s);

/* Scans the n_dirs directories (host paths, below c's root) into ret[]. With a deadline
 * (CLOCK_MONOTONIC usec; 0: none, the scan runs right here), in a child process the caller stops
 * waiting for at the deadline, so that a directory on a file system that stops answering (a
 * stalled NFS server, a FUSE daemon that does not reply: a process waiting for it cannot even be
 * killed) gives -ETIMEDOUT instead of hanging us. Each directory after one that did not answer
 * gets a new child and DIR_SCAN_GRACE_USEC more. Returns <0 only for -ENOMEM. */
#define DIR_SCAN_GRACE_USEC (250U * 1000U)
int dir_scan(const Context *c, const char *const *dirs, size_t n_dirs, uint64_t deadline_usec, DirScan *ret);
