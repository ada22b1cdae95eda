/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A squashfs image (lib/squashfs-tree.h), opened from a memfd as a whole-file region, and walked as
 * the planner would: every directory listed (depth and entries bounded), every name looked up,
 * every file read (1 MiB at most) and every link read. The seed corpus has images of every
 * compressor, most with uncompressed metadata so that mutations reach the parsers. */

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "image-tree.h"
#include "macro.h"
#include "squashfs-tree.h"
#include "strv.h"

#define DEPTH_MAX 8
#define LIST_MAX 1000

static void walk(ImageTree *t, const TreeNode *dir, unsigned depth, unsigned *budget) {
        _cleanup_strv_free_ char **names = NULL;

        if (depth > DEPTH_MAX || *budget == 0)
                return;
        if (t->ops->list(t->data, dir, LIST_MAX, &names) < 0)
                return;
        STRV_FOREACH(s, names) {
                _cleanup_free_ char *c = NULL;
                size_t size = 0;
                TreeNode n;
                int r;

                if (*budget == 0)
                        return;
                (*budget)--;
                r = t->ops->lookup(t->data, dir, *s, &n);
                if (r < 0)
                        continue;
                /* What a lookup gives, a second one gives again. */
                TreeNode again;
                if (t->ops->lookup(t->data, dir, *s, &again) != 0 || memcmp(&n, &again, sizeof(n)) != 0)
                        abort();
                switch (n.type) {
                case TREE_NODE_DIR:
                        walk(t, &n, depth + 1, budget);
                        break;
                case TREE_NODE_FILE:
                        r = t->ops->read(t->data, &n, 1U << 20, &c, &size);
                        if (r == 0 && (size != n.size || c[size] != 0))
                                abort();
                        break;
                case TREE_NODE_SYMLINK:
                        r = t->ops->readlink(t->data, &n, &c);
                        if (r == 0 && (strlen(c) != n.size || n.size >= PATH_MAX))
                                abort();
                        break;
                case TREE_NODE_CHAR:
                case TREE_NODE_OTHER:
                        if (t->ops->read(t->data, &n, 1U << 20, &c, &size) != -EINVAL)
                                abort();
                        break;
                default:
                        abort();
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_close_ int fd = -EBADF;
        ImageTree t = {};
        TreeNode root;
        unsigned budget = 4000;

        fuzz_setup();
        fd = memfd_create("fuzz-squashfs", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (size > 0 && write(fd, data, size) != (ssize_t) size)
                abort();

        if (squashfs_tree_open(&(ImageSource) { .fd = fd, .offset = 0, .size = size }, &t) < 0)
                return 0;
        if (t.ops->root(t.data, &root) == 0) {
                if (root.type != TREE_NODE_DIR)
                        abort();
                walk(&t, &root, 0, &budget);
        }
        image_tree_done(&t);
        return 0;
}
