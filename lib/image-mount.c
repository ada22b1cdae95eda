/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "image-mount.h"
#include "log.h"
#include "loop-device.h"
#include "mount-dl.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, sym_mnt_free_context);

struct RawMount {
        RawProbe probe;
        LoopDevice *loop;
        char *where;            /* the image root */
        char *data_where;       /* where the data partition is mounted: where, or where/usr */
        bool tmpfs_mounted;
        bool data_mounted;
};

int mount_namespace_private(void) {
        if (unshare(CLONE_NEWNS) < 0)
                return log_debug_errno(errno, "Failed to create mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return log_debug_errno(errno, "Failed to make / a private mount: %m");
        return 0;
}

int mount_base_get(MountBase *b, const char **ret) {
        _cleanup_free_ char *path = NULL;
        const char *slash;
        int r;

        assert(b);
        assert(ret);

        if (b->path) {
                *ret = b->path;
                return 0;
        }
        if (!mount_base_usable(b))
                return -EOPNOTSUPP;

        /* Raw images are mounted where the host never sees them, and gone when we are. */
        r = mount_namespace_private();
        if (r < 0) {
                b->error = r;
                log_error_errno(r, "Failed to set up a private mount namespace, raw images cannot be mounted: %m");
                return -EOPNOTSUPP;
        }

        slash = strrchr(b->template, '/');
        if (slash && slash != b->template) {
                _cleanup_free_ char *parent = strndup(b->template, slash - b->template);

                if (!parent)
                        return log_oom();
                (void) mkdir_p_at(AT_FDCWD, parent, 0755);      /* e.g. /run/systemd, early at boot */
        }
        path = strdup(b->template);
        if (!path)
                return log_oom();
        if (!mkdtemp(path)) {
                b->error = -errno;
                log_error_errno(errno, "Failed to create a directory to mount raw images on (%s): %m", b->template);
                return -EOPNOTSUPP;
        }

        b->owner = getpid();
        b->path = TAKE_PTR(path);
        *ret = b->path;
        return 0;
}

void mount_base_done(MountBase *b) {
        assert(b);

        if (b->path && b->owner == getpid() && rmdir(b->path) < 0)
                log_debug_errno(errno, "Failed to remove %s: %m", b->path);
        b->path = mfree(b->path);
}

static const char *mount_options(RawFormat f) {
        switch (f) {
        case RAW_FORMAT_EXT4:
                /* Never replay a journal: the device is read-only, and the image must not change. */
                return "ro,nosuid,nodev,noload";
        case RAW_FORMAT_XFS:
                return "ro,nosuid,nodev,norecovery";
        case RAW_FORMAT_BTRFS:
                return "ro,nosuid,nodev,rescue=nologreplay";
        default:
                return "ro,nosuid,nodev";
        }
}

static int mount_block_device(const char *node, const char *where, const char *fstype, const char *options) {
        _cleanup_(sym_mnt_free_contextp) struct libmnt_context *cxt = NULL;
        char buf[256];
        int r;

        cxt = sym_mnt_new_context();
        if (!cxt)
                return -ENOMEM;

        /* No utab/mtab, no /sbin/mount.* helper, no fstab, no path canonicalization, no type probing. */
        r = sym_mnt_context_disable_mtab(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_disable_helpers(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_disable_canonicalize(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
        if (r >= 0)
                r = sym_mnt_context_set_source(cxt, node);
        if (r >= 0)
                r = sym_mnt_context_set_target(cxt, where);
        if (r >= 0)
                r = sym_mnt_context_set_fstype(cxt, fstype);
        if (r >= 0)
                r = sym_mnt_context_set_options(cxt, options);
        if (r < 0)
                return log_debug_errno(r, "Failed to set up libmount context: %m");

        r = sym_mnt_context_mount(cxt);
        if (r == 0 && sym_mnt_context_get_status(cxt) == 1)
                return 0;

        if (sym_mnt_context_syscall_called(cxt) && sym_mnt_context_get_syscall_errno(cxt) > 0)
                r = -sym_mnt_context_get_syscall_errno(cxt);
        else if (r >= 0)
                r = -EIO;

        (void) sym_mnt_context_get_excode(cxt, r, buf, sizeof(buf));
        return log_debug_errno(r, "Failed to mount %s (%s) on %s with %s: %s",
                               node, fstype, where, options, buf[0] ? buf : "error");
}

static int mount_usr_skeleton(const char *where, char **ret_usr) {
        _cleanup_free_ char *usr = NULL;

        /* A usr-only image is mounted below an empty read-only root, as systemd does. */
        usr = strjoin(where, "/usr");
        if (!usr)
                return -ENOMEM;

        if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=16") < 0)
                return log_debug_errno(errno, "Failed to mount tmpfs on %s: %m", where);

        if (mkdir(usr, 0755) < 0 ||
            mount(NULL, where, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                int r = -errno;
                (void) umount2(where, UMOUNT_NOFOLLOW);
                return log_debug_errno(r, "Failed to set up the root for /usr on %s: %m", where);
        }

        *ret_usr = TAKE_PTR(usr);
        return 0;
}

int raw_image_mount(int fd, const char *path, const char *where, RawMount **ret) {
        _cleanup_(raw_mount_freep) RawMount *m = NULL;
        int r;

        if (fd < 0 || !where || !ret)
                return -EINVAL;

        r = dlopen_libmount();
        if (r < 0)
                return log_error_errno(r, "%s: cannot mount raw images without libmount: %m", path);

        m = calloc(1, sizeof(RawMount));
        if (!m)
                return -ENOMEM;

        r = raw_image_probe(fd, path, &m->probe);
        if (r < 0)
                return r;

        m->where = strdup(where);
        if (!m->where)
                return -ENOMEM;

        /* A bare file system gets the whole file (size 0: to the end), a partition exactly its extent. */
        r = loop_device_make(fd, path, m->probe.data.offset,
                             m->probe.format == RAW_FORMAT_GPT ? m->probe.data.size : 0,
                             &m->loop);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to set up loop device: %m", strna(path));

        if (m->probe.usr_only) {
                r = mount_usr_skeleton(where, &m->data_where);
                if (r < 0)
                        return r;
                m->tmpfs_mounted = true;
        } else {
                m->data_where = strdup(where);
                if (!m->data_where)
                        return -ENOMEM;
        }

        r = mount_block_device(m->loop->node, m->data_where, m->probe.fstype,
                               mount_options(raw_format_from_fstype(m->probe.fstype)));
        if (r < 0)
                return r;
        m->data_mounted = true;

        log_debug("%s: mounted %s (%s%s) from %s on %s.", strna(path), m->probe.fstype,
                  raw_format_to_string(m->probe.format), m->probe.usr_only ? ", usr only" : "",
                  m->loop->node, m->data_where);

        *ret = TAKE_PTR(m);
        return 0;
}

static void umount_verbose(const char *where) {
        if (umount2(where, UMOUNT_NOFOLLOW) >= 0)
                return;

        log_debug_errno(errno, "Failed to unmount %s, detaching lazily: %m", where);
        if (umount2(where, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
                log_debug_errno(errno, "Failed to detach %s: %m", where);
}

RawMount *raw_mount_free(RawMount *m) {
        if (!m)
                return NULL;

        if (m->data_mounted)
                umount_verbose(m->data_where);
        if (m->tmpfs_mounted)
                umount_verbose(m->where);

        /* After the unmount our fd is the last user of the loop device: this detaches it. */
        loop_device_free(m->loop);

        free(m->data_where);
        free(m->where);
        free(m);
        return NULL;
}

const RawProbe *raw_mount_probe(const RawMount *m) {
        return m ? &m->probe : NULL;
}
