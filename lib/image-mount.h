/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-probe.h"

/* Raw images mounted read-only (loop device + libmount), in a private mount namespace, after
 * raw_image_probe() (image-probe.h) has said what to mount. */

typedef struct RawMount RawMount;

/* Sets up the calling process in a private mount namespace (unshare(CLONE_NEWNS), then / made
 * MS_REC|MS_PRIVATE), so that nothing mounted afterwards is ever seen by the host and everything
 * dies with the process. Call once, before raw_image_mount(). */
int mount_namespace_private(void);

/* Probes fd, attaches the data region to a new read-only loop device (autoclear, direct offset
 * and size limit), and mounts it at 'where' (an existing empty directory) with libmount: read-only,
 * nosuid, nodev, with the file system type from the probe (never auto-detected), no mount helper,
 * no utab entry; ext4 with noload, xfs with norecovery, btrfs with rescue=nologreplay, so that no
 * journal is ever replayed. (Not noexec: we only read files from it.) A usr-only GPT image gets a
 * small read-only tmpfs at 'where' with the usr partition mounted on where/usr. Returns a handle:
 * raw_mount_free() unmounts and detaches the loop device, so that nothing is left behind. */
int raw_image_mount(int fd, const char *path, const char *where, RawMount **ret);
RawMount *raw_mount_free(RawMount *m);
const RawProbe *raw_mount_probe(const RawMount *m);

static inline void raw_mount_freep(RawMount **m) {
        if (*m)
                raw_mount_free(*m);
}
