/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Read-only loop devices over a region of a file, shaped like systemd's loop-util.c: a free device is
 * taken with LOOP_CTL_GET_FREE and configured in one step with LOOP_CONFIGURE (LOOP_SET_FD +
 * LOOP_SET_STATUS64 on kernels without it), retrying when another process races us for the same
 * device. The device is always LO_FLAGS_READ_ONLY|LO_FLAGS_AUTOCLEAR: the kernel detaches it once the
 * last user (our fd, a mount) is gone, so a crash never leaves it behind. */

typedef struct LoopDevice {
        int fd;                 /* open read-only on the loop block device */
        int nr;                 /* N of /dev/loopN */
        char *node;             /* "/dev/loopN" */
        dev_t devnum;
        bool node_created;      /* we made the device node ourselves (no udev/devtmpfs): unlinked on free */
} LoopDevice;

/* Attaches [offset, offset+size) of the file open at fd (regular file or block device, any access
 * mode but O_PATH is fine: the file is reopened read-only) to a new loop device. size 0 means up to
 * the end of the file. name is recorded as the backing file name (shown by `losetup -a`), may be
 * NULL. */
int loop_device_make(int fd, const char *name, uint64_t offset, uint64_t size, LoopDevice **ret);

/* Detaches (LOOP_CLR_FD: immediately when nothing else holds the device, else as soon as the last
 * user goes away, as for autoclear), closes and frees. Returns NULL. */
LoopDevice *loop_device_free(LoopDevice *d);

static inline void loop_device_freep(LoopDevice **d) {
        if (*d)
                loop_device_free(*d);
}
