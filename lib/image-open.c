/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "fileio.h"
#include "image-open.h"
#include "log.h"
#include "string-util.h"

int image_file_open(const Context *c, const DiscoveredImage *i) {
        _cleanup_close_ int pfd = -EBADF;

        pfd = host_open(c, i->path, 0);
        if (pfd < 0)
                return pfd;

        /* Checked on what we opened, not on what discovery saw: it may have been swapped since. */
        return fd_open_regular(pfd);
}

int image_root_open(const Context *c, const DiscoveredImage *i, const char *mount_base, ExtractCache *cache,
                    char *const *required_paths, ImageRoot *ret) {
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (i->type == IMAGE_DIRECTORY) {
                root.fd = host_open(c, i->path, O_DIRECTORY);
                if (root.fd < 0)
                        return root.fd;
                *ret = root;
                root = IMAGE_ROOT_NULL;
                return 0;
        }

        if (!mount_base)
                return -EOPNOTSUPP;

        fd = image_file_open(c, i);
        if (fd < 0)
                return fd;

        r = image_root_open_fd(i, fd, mount_base, &root);
        if (r < 0)
                return r;

        if (cache)
                (void) extract_cache_store(cache, i, root.fd, fd, &root.probe, required_paths);

        *ret = root;
        root = IMAGE_ROOT_NULL;
        return 0;
}

int image_root_open_fd(const DiscoveredImage *i, int fd, const char *mount_base, ImageRoot *ret) {
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        int r;

        if (!mount_base)
                return -EOPNOTSUPP;

        root.mount_dir = strjoin(mount_base, "/XXXXXX");
        if (!root.mount_dir)
                return -ENOMEM;
        if (!mkdtemp(root.mount_dir)) {
                root.mount_dir = mfree(root.mount_dir);
                return -errno;
        }

        r = raw_image_mount(fd, i->path, root.mount_dir, &root.mount);
        if (r < 0)
                return r;
        root.probe = *raw_mount_probe(root.mount);

        root.fd = open(root.mount_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root.fd < 0)
                return -errno;

        *ret = root;
        root = IMAGE_ROOT_NULL;
        return 0;
}

void image_root_done(ImageRoot *r) {
        r->fd = safe_close(r->fd);
        packed_tree_done(&r->packed);
        r->cached = false;
        if (r->mount)
                r->mount = raw_mount_free(r->mount);
        if (r->mount_dir) {
                if (rmdir(r->mount_dir) < 0 && errno != ENOENT)
                        log_debug_errno(errno, "Failed to remove %s: %m", r->mount_dir);
                r->mount_dir = mfree(r->mount_dir);
        }
}
