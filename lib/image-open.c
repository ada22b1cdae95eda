/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "blkid-dl.h"
#include "bounded-child.h"
#include "fileio.h"
#include "image-open.h"
#include "log.h"
#include "mount-dl.h"
#include "string-util.h"
#include "verity-source.h"

int image_file_open_stat(const Context *c, const DiscoveredImage *i, struct stat *ret_st) {
        _cleanup_close_ int pfd = -EBADF;

        pfd = host_open(c, i->path, 0);
        if (pfd < 0)
                return pfd;

        /* Checked on what we opened, not on what discovery saw: it may have been swapped since. */
        return fd_open_regular_stat(pfd, ret_st);
}

int image_file_open(const Context *c, const DiscoveredImage *i) {
        return image_file_open_stat(c, i, NULL);
}

/* A squashfs or erofs image read in user space (image-tree.h): probed, its file system read and
 * packed (image-pack.h) into root->packed, exactly what a cache entry holds, and stored in cache
 * (may be NULL). -EOPNOTSUPP when it has no reader, or the reader does not read all of it (a
 * layout or compression it does not know), or it is too large to pack: then it is mounted. */
static int image_root_read_tree(const DiscoveredImage *i, int fd, const RawProbe *probe, ExtractCache *cache,
                                char *const *required_paths, ImageRoot *root) {
        _cleanup_(image_tree_done) ImageTree tree = IMAGE_TREE_NULL;
        _cleanup_free_ ImageSourceCache *sc = NULL;
        ImageSource src;
        int r;

        if (probe)
                root->probe = *probe;
        else {
                r = raw_image_probe(fd, i->path, &root->probe);
                if (r < 0)
                        return r;
        }

        sc = image_source_cache_new();
        if (!sc)
                return -ENOMEM;
        src = (ImageSource) { .fd = fd, .offset = root->probe.data.offset, .size = root->probe.data.size, .cache = sc };
        r = image_tree_open(root->probe.fstype, &src, &tree);
        if (r < 0)
                return log_debug_errno(r, "Image %s: not reading its %s in user space: %m", i->path, root->probe.fstype);
        tree.usr_only = root->probe.usr_only;

        r = extract_cache_store(cache, i, &(const ImageFS) { .fd = -EBADF, .tree = &tree }, fd, &root->probe,
                                required_paths, &root->packed);
        if (IN_SET(r, -EOPNOTSUPP, -E2BIG))
                return log_debug_errno(-EOPNOTSUPP, "Image %s: its %s cannot be read in user space (%s), mounting it.",
                                       i->path, root->probe.fstype, strerror(-r));
        if (r < 0)
                return log_debug_errno(r, "Image %s: failed to read its %s: %m", i->path, root->probe.fstype);

        root->cached = true;
        log_debug("Image %s: read its %s in user space.", i->path, root->probe.fstype);
        return 0;
}

int image_root_read_verified(const DiscoveredImage *i, const RawProbe *probe, VeritySource *verity,
                             char *const *required_paths, ImageRoot *ret) {
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        _cleanup_(image_tree_done) ImageTree tree = IMAGE_TREE_NULL;
        ImageSource src;
        int r;

        assert(i);
        assert(probe);
        assert(verity);
        assert(ret);

        root.probe = *probe;
        src = verity_source_image_source(verity);
        r = image_tree_open(probe->fstype, &src, &tree);
        if (r < 0)
                return r;
        tree.usr_only = probe->usr_only;

        r = extract_cache_store(/* c= */ NULL, i, &(const ImageFS) { .fd = -EBADF, .tree = &tree }, /* image_fd= */ -EBADF,
                                probe, required_paths, &root.packed);
        /* A block that does not verify fails the image, even where packing would only have left out
         * the file it belongs to (an unreadable unit is skipped). */
        if (verity_source_error(verity))
                return -EBADMSG;
        if (IN_SET(r, -EOPNOTSUPP, -E2BIG))
                return -EOPNOTSUPP;
        if (r < 0)
                return r;

        root.cached = true;
        log_debug("Image %s: read its %s in user space, verified block by block (%" PRIu64 " bytes).",
                  i->path, probe->fstype, verity_source_bytes_verified(verity));
        *ret = TAKE_STRUCT(root);
        root = IMAGE_ROOT_NULL;
        return 0;
}

static bool image_reads_here(const Context *c, const DiscoveredImage *i, const MountTable *mounts, int *ret_fd,
                             RawProbe *ret_probe) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (!mounts || !mount_table_dev_is_local(mounts, i->st.st_dev))
                return false;
        fd = image_file_open_stat(c, i, &st);
        if (fd < 0 || raw_image_probe_regular(fd, &st, i->path, ret_probe) < 0 ||
            !image_tree_supported(ret_probe->fstype))
                return false;
        *ret_fd = TAKE_FD(fd);
        return true;
}

int image_root_prefetch(const Context *c, const DiscoveredImage *i, const ImagePrefetch *args, ImageRoot *root,
                        int *ret_fd) {
        int r;

        assert(c);
        assert(i);
        assert(args);
        assert(args->cache);
        assert(root);
        assert(ret_fd);

        r = extract_cache_lookup(args->cache, i, args->required_paths, &root->packed, &root->probe,
                                 &root->verity_xattrs);
        if (r < 0)
                return r;
        root->cached = r > 0;
        if (root->cached)
                return 0;

        if (image_reads_here(c, i, args->mounts, ret_fd, &root->probe))
                return 1;

        if (args->budget_usec == 0 || args->cache->dir_fd < 0 || !args->read_in_child)
                return 0;

        /* Loaded here, once, rather than in every child, and where it mounts set up here too:
         * a child killed at the deadline could not remove it. Failures show later. */
        (void) dlopen_libblkid();
        (void) dlopen_libmount();
        if (c->image_reader != IMAGE_READER_USERSPACE && args->mount_base) {
                const char *unused;

                (void) mount_base_get(args->mount_base, &unused);
        }

        r = run_bounded(i->path, args->read_in_child, args->userdata, args->budget_usec);
        extract_cache_files_changed(args->cache);       /* it stored into a file of its own */
        if (r == -ETIMEDOUT)
                return r;
        if (r != 0)
                return 0;

        r = extract_cache_lookup(args->cache, i, args->required_paths, &root->packed, &root->probe,
                                 &root->verity_xattrs);
        if (r < 0)
                return r;
        root->cached = r > 0;
        return 0;
}

/* Reads the raw image at fd (probe: its probe, if known): in user space where it can be, else
 * mounted below mount_base. */
static int image_root_read_raw(const Context *c, const DiscoveredImage *i, int fd, const RawProbe *probe,
                               MountBase *mount_base, ExtractCache *cache, char *const *required_paths,
                               ImageRoot *ret) {
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        int r;

        if (c->image_reader != IMAGE_READER_MOUNT) {
                r = image_root_read_tree(i, fd, probe, cache, required_paths, &root);
                if (r >= 0) {
                        *ret = TAKE_STRUCT(root);
                        root = IMAGE_ROOT_NULL;
                        return 0;
                }
                if (r != -EOPNOTSUPP || c->image_reader == IMAGE_READER_USERSPACE)
                        return r;
                image_root_done(&root);
                root = IMAGE_ROOT_NULL;
        }

        r = image_root_mount(i, fd, mount_base, &root);
        if (r < 0)
                return r;
        (void) extract_cache_store(cache, i, IMAGE_FS_FD(root.fd), fd, &root.probe, required_paths,
                                   /* ret_tree= */ NULL);

        *ret = TAKE_STRUCT(root);
        root = IMAGE_ROOT_NULL;
        return 0;
}

int image_root_open(const Context *c, const DiscoveredImage *i, MountBase *mount_base, ExtractCache *cache,
                    char *const *required_paths, ImageRoot *ret) {
        return image_root_open_probed(c, i, -EBADF, NULL, mount_base, cache, required_paths, ret);
}

int image_root_open_probed(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                           MountBase *mount_base, ExtractCache *cache, char *const *required_paths,
                           ImageRoot *ret) {
        _cleanup_close_ int fd = -EBADF;

        assert(c);
        assert(i);
        assert(ret);

        if (i->type == IMAGE_DIRECTORY) {
                ImageRoot root = IMAGE_ROOT_NULL;

                root.fd = host_open(c, i->path, O_DIRECTORY);
                if (root.fd < 0)
                        return root.fd;
                *ret = root;
                return 0;
        }

        if (image_fd >= 0)
                return image_root_read_raw(c, i, image_fd, probe, mount_base, cache, required_paths, ret);

        fd = image_file_open(c, i);
        if (fd < 0)
                return fd;
        return image_root_read_raw(c, i, fd, /* probe= */ NULL, mount_base, cache, required_paths, ret);
}

int image_root_open_fd(const Context *c, const DiscoveredImage *i, int fd, MountBase *mount_base, ImageRoot *ret) {
        assert(c);
        assert(i);
        assert(fd >= 0);
        assert(ret);

        return image_root_read_raw(c, i, fd, /* probe= */ NULL, mount_base, /* cache= */ NULL,
                                   /* required_paths= */ NULL, ret);
}

int image_root_mount(const DiscoveredImage *i, int fd, MountBase *mount_base, ImageRoot *ret) {
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        const char *base;
        int r;

        if (!mount_base)
                return -EOPNOTSUPP;
        r = mount_base_get(mount_base, &base);
        if (r < 0)
                return r;

        root.mount_dir = strjoin(base, "/XXXXXX");
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
