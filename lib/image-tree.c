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

/* A directory's path as it was asked for (before resolution) and what it resolved to, following
 * every symlink in it. The tree does not change while it is open, so an entry never goes stale. */
#define DIR_CACHE_SIZE 8U

typedef struct DirCacheEntry {
        char *path;
        bool usr_only;                  /* resolved with the tree's usr_only set like this */
        TreeNode node;
        size_t depth;
} DirCacheEntry;

struct ImageTreeDirCache {
        DirCacheEntry entries[DIR_CACHE_SIZE];
        size_t next;                    /* the one replaced next */
};

static void dir_cache_free(ImageTreeDirCache *c) {
        if (!c)
                return;
        for (size_t k = 0; k < DIR_CACHE_SIZE; k++)
                free(c->entries[k].path);
        free(c);
}

static const DirCacheEntry *dir_cache_find(const ImageTree *t, const char *path, size_t n) {
        if (!t->dirs)
                return NULL;
        for (size_t k = 0; k < DIR_CACHE_SIZE; k++) {
                const DirCacheEntry *e = t->dirs->entries + k;

                if (e->path && e->usr_only == t->usr_only && strlen(e->path) == n && memcmp(e->path, path, n) == 0)
                        return e;
        }
        return NULL;
}

static int dir_cache_add(const ImageTree *t, const char *path, size_t n, const TreeNode *node, size_t depth) {
        DirCacheEntry *e;
        char *copy;

        if (!t->dirs)
                return 0;
        copy = strndup(path, n);
        if (!copy)
                return -ENOMEM;
        e = t->dirs->entries + t->dirs->next;
        t->dirs->next = (t->dirs->next + 1) % DIR_CACHE_SIZE;
        free(e->path);
        *e = (DirCacheEntry) { .path = copy, .usr_only = t->usr_only, .node = *node, .depth = depth };
        return 0;
}

void image_tree_done(ImageTree *t) {
        if (t->ops && t->data)
                t->ops->free(t->data);
        dir_cache_free(t->dirs);
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

int image_tree_make(const ImageTreeOps *ops, void *data, ImageTree *ret) {
        assert(ops);
        assert(data);
        assert(ret);

        *ret = (ImageTree) { .ops = ops, .data = data, .dirs = calloc(1, sizeof(ImageTreeDirCache)) };
        if (!ret->dirs) {
                image_tree_done(ret);
                return -ENOMEM;
        }
        return 0;
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

static int resolve_full(const ImageTree *t, const char *path, bool follow, TreeNode *ret, size_t *ret_depth) {
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
        if (ret_depth)
                *ret_depth = depth;
        return 0;
}

/* The last component of path, if it is a plain name: [*ret_dir_len, ...) of path, the directory
 * before it path[0, *ret_dir_len). NULL for a path ending in "/", "." or "..", or without a "/". */
static const char *plain_last(const char *path, size_t *ret_dir_len) {
        const char *base = strrchr(path, '/');

        if (!base || !base[1] || streq(base + 1, ".") || streq(base + 1, ".."))
                return NULL;
        *ret_dir_len = base - path;
        return base + 1;
}

int image_tree_resolve(const ImageTree *t, const char *path, bool follow, TreeNode *ret) {
        const DirCacheEntry *e;
        const char *name;
        TreeNode dir, node;
        size_t n, depth;
        int r;

        assert(t);
        assert(path);
        assert(ret);

        /* "DIR/NAME" is NAME looked up in what DIR resolves to (every symlink in DIR followed), unless
         * NAME is a symlink to follow: its target resolves relative to DIR's own path. */
        name = plain_last(path, &n);
        if (!t->dirs || !name || strlen(name) > NAME_MAX)
                return resolve_full(t, path, follow, ret, NULL);

        e = dir_cache_find(t, path, n);
        if (e) {
                dir = e->node;
                depth = e->depth;
        } else {
                _cleanup_free_ char *d = strndup(path, n);

                if (!d)
                        return -ENOMEM;
                r = resolve_full(t, d, /* follow= */ true, &dir, &depth);
                if (r < 0)
                        return r;
                r = dir_cache_add(t, path, n, &dir, depth);
                if (r < 0)
                        return r;
        }
        r = node_lookup(t, &dir, name, &node);
        if (r < 0)
                return r;
        if (node.type == TREE_NODE_SYMLINK && follow)
                return resolve_full(t, path, follow, ret, NULL);
        if (depth >= IMAGE_TREE_DEPTH_MAX)
                return -ENAMETOOLONG;
        *ret = node;
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
