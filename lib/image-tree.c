/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-tree.h"
#include "image-tree.h"
#include "squashfs-tree.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

/* The readers, by the file system type the probe names. */
static const struct {
        const char *fstype;
        int (*open)(const ImageSource *src, ImageTree *ret);
} readers[] = {
        { "squashfs", squashfs_tree_open },
        { "erofs",    erofs_tree_open    },
};

void image_tree_done(ImageTree *t) {
        if (t->ops && t->data)
                t->ops->free(t->data);
        *t = IMAGE_TREE_NULL;
}

bool image_tree_supported(const char *fstype) {
        assert(fstype);

        for (size_t k = 0; k < ELEMENTSOF(readers); k++)
                if (streq(readers[k].fstype, fstype))
                        return true;
        return false;
}

int image_tree_open(const char *fstype, const ImageSource *src, ImageTree *ret) {
        assert(fstype);
        assert(src);
        assert(ret);

        for (size_t k = 0; k < ELEMENTSOF(readers); k++)
                if (streq(readers[k].fstype, fstype))
                        return readers[k].open(src, ret);
        return -EOPNOTSUPP;
}

/* A usr-only image: "/" is a directory of nothing but "usr", the file system. Its node is one no
 * reader makes: readers' ids are never UINT64_MAX together with priv UINT64_MAX. */
#define VROOT ((TreeNode) { .id = UINT64_MAX, .priv = UINT64_MAX, .type = TREE_NODE_DIR, .mode = 0755 })

static bool node_is_vroot(const ImageTree *t, const TreeNode *n) {
        return t->usr_only && n->id == UINT64_MAX && n->priv == UINT64_MAX;
}

static int node_root(const ImageTree *t, TreeNode *ret) {
        if (t->usr_only) {
                *ret = VROOT;
                return 0;
        }
        return t->ops->root(t->data, ret);
}

static int node_lookup(const ImageTree *t, const TreeNode *dir, const char *name, TreeNode *ret) {
        if (dir->type != TREE_NODE_DIR)
                return -ENOTDIR;
        if (node_is_vroot(t, dir))
                return streq(name, "usr") ? t->ops->root(t->data, ret) : -ENOENT;
        return t->ops->lookup(t->data, dir, name, ret);
}

int image_tree_resolve(const ImageTree *t, const char *path, bool follow, TreeNode *ret) {
        _cleanup_free_ TreeNode *stack = NULL;
        _cleanup_free_ char *todo = NULL;
        unsigned links = 0;
        size_t depth = 0;
        const char *p;
        int r;

        assert(t);
        assert(path);
        assert(ret);

        todo = strdup(path);
        stack = reallocarray(NULL, IMAGE_TREE_DEPTH_MAX + 1, sizeof(TreeNode));
        if (!todo || !stack)
                return -ENOMEM;
        r = node_root(t, &stack[0]);
        if (r < 0)
                return r;

        for (p = todo;;) {
                _cleanup_free_ char *target = NULL, *rest = NULL;
                char name[NAME_MAX + 1];
                const char *e;
                TreeNode node;
                size_t n;
                bool last;

                p += strspn(p, "/");
                if (!*p)
                        break;
                e = strchrnul(p, '/');
                n = e - p;
                last = e[strspn(e, "/")] == 0;

                if (n == 1 && p[0] == '.') {
                        p = e;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (depth > 0)
                                depth--;
                        p = e;
                        continue;
                }
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, p, n);
                name[n] = 0;

                r = node_lookup(t, &stack[depth], name, &node);
                if (r < 0)
                        return r;

                if (node.type == TREE_NODE_SYMLINK && (!last || follow || *e)) {
                        if (++links > IMAGE_TREE_SYMLINKS_MAX)
                                return -ELOOP;
                        r = t->ops->readlink(t->data, &node, &target);
                        if (r < 0)
                                return r;
                        if (isempty(target))
                                return -ENOENT;
                        rest = strjoin(target, e);
                        if (!rest)
                                return -ENOMEM;
                        if (target[0] == '/')
                                depth = 0;
                        free(todo);
                        p = todo = TAKE_PTR(rest);
                        continue;
                }

                if (depth >= IMAGE_TREE_DEPTH_MAX)
                        return -ENAMETOOLONG;
                stack[++depth] = node;
                p = e;
        }

        *ret = stack[depth];
        return 0;
}

int image_tree_list(const ImageTree *t, const char *path, char ***ret) {
        TreeNode dir;
        int r;

        assert(t);
        assert(path);
        assert(ret);

        r = image_tree_resolve(t, path, /* follow= */ true, &dir);
        if (r < 0)
                return r;
        if (dir.type != TREE_NODE_DIR)
                return -ENOTDIR;
        if (node_is_vroot(t, &dir)) {
                *ret = NULL;
                return strv_extend(ret, "usr");
        }
        return t->ops->list(t->data, &dir, IMAGE_TREE_LIST_MAX, ret);
}

int image_tree_readlink(const ImageTree *t, const TreeNode *node, char **ret) {
        assert(t);
        assert(node);
        assert(ret);

        if (node->type != TREE_NODE_SYMLINK)
                return -EINVAL;
        return t->ops->readlink(t->data, node, ret);
}

int image_tree_read(const ImageTree *t, const TreeNode *node, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        assert(t);
        assert(node);
        assert(ret);

        if (node->type == TREE_NODE_DIR)
                return -EISDIR;
        if (node->type != TREE_NODE_FILE)
                return -EBADFD;
        if (node->size > max)
                return -EFBIG;

        r = t->ops->read(t->data, node, max, &text, &size);
        if (r < 0)
                return r;
        if (memchr(text, 0, size))
                return -EBADMSG;

        *ret = TAKE_PTR(text);
        if (ret_size)
                *ret_size = size;
        return 0;
}
