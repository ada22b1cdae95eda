/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "image-probe.h"

/* Raw images mounted read-only (loop device + libmount), in a private mount namespace, after
 * raw_image_probe() (image-probe.h) has said what to mount. */

typedef struct RawMount RawMount;

/* Sets up the calling process in a private mount namespace (unshare(CLONE_NEWNS), then / made
 * MS_REC|MS_PRIVATE), so that nothing mounted afterwards is ever seen by the host and everything
 * dies with the process. Call once, before raw_image_mount(). */
int mount_namespace_private(void);

/* Where raw images are mounted: a fresh directory made from a mkdtemp() template
 * ("/run/.../name.XXXXXX"), in a private mount namespace (mount_namespace_private()). Both are set
 * up by the first mount_base_get(), so that a process which mounts nothing never pays for them.
 * Set it up before forking a child that may mount (a child's own would outlive it if it were
 * killed); mount_base_done() removes it in the process that made it. */
typedef struct MountBase {
        const char *template;   /* NULL: raw images are never mounted */
        char *path;             /* made by mount_base_get() */
        pid_t owner;            /* the process that made it */
        int error;              /* why it could not be set up (logged once), or 0 */
} MountBase;

#define MOUNT_BASE_NULL(t) ((MountBase) { .template = (t) })

/* Whether mount_base_get() may still succeed. */
static inline bool mount_base_usable(const MountBase *b) {
        return b && b->template && b->error == 0;
}

/* The directory, set up first if need be; -EOPNOTSUPP if nothing can be mounted (no template, or
 * the namespace or the directory could not be set up). */
int mount_base_get(MountBase *b, const char **ret);
void mount_base_done(MountBase *b);

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
