/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The erofs reader (lib/erofs-tree.h) on a fuzzed image: the input is the image, opened from a
 * memfd, with its superblock checksum recomputed so that mutations get past it; the whole tree is
 * walked (bounded depth and entries), every file and link read. */

#include <sys/mman.h>
#include <unistd.h>

#include "erofs-tree.h"
#include "fuzz.h"
#include "macro.h"
#include "strv.h"

static unsigned budget;

static void walk(ImageTree *t, const TreeNode *n, unsigned depth) {
        _cleanup_strv_free_ char **names = NULL;
        TreeNode c;

        if (depth > 10 || budget == 0)
                return;
        budget--;

        switch (n->type) {
        case TREE_NODE_FILE: {
                _cleanup_free_ char *s = NULL;
                size_t size = 0;
                if (t->ops->read(t->data, n, 256 << 10, &s, &size) >= 0 && (size != n->size || s[size] != 0))
                        abort();
                return;
        }
        case TREE_NODE_SYMLINK: {
                _cleanup_free_ char *s = NULL;
                if (t->ops->readlink(t->data, n, &s) >= 0 && strlen(s) != n->size)
                        abort();
                return;
        }
        case TREE_NODE_DIR:
                break;
        default:
                return;
        }

        (void) t->ops->lookup(t->data, n, "no-such-name", &c);
        if (t->ops->list(t->data, n, 64, &names) < 0)
                return;
        STRV_FOREACH(s, names) {
                if (strlen(*s) == 0 || strlen(*s) > 255 || strchr(*s, '/'))
                        abort();
                if (t->ops->lookup(t->data, n, *s, &c) >= 0)
                        walk(t, &c, depth + 1);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *copy = NULL;
        _cleanup_close_ int fd = -EBADF;
        ImageTree t = {};
        TreeNode root;

        fuzz_setup();
        copy = malloc(size + 1);
        if (!copy)
                abort();
        if (size > 0)
                memcpy(copy, data, size);
        (void) erofs_superblock_fix_checksum(copy, size);

        fd = memfd_create("fuzz-erofs", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (size > 0 && write(fd, copy, size) != (ssize_t) size)
                abort();

        ImageSource src = { .fd = fd, .offset = 0, .size = size };
        if (erofs_tree_open(&src, &t) < 0)
                return 0;
        budget = 300;
        if (t.ops->root(t.data, &root) >= 0)
                walk(&t, &root, 0);
        image_tree_done(&t);
        return 0;
}
