/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image-source.h"

/* A read-only file system read in user space from an image's bytes (squashfs-tree.h,
 * erofs-tree.h), so that the planner reads raw images without a loop device, a mount, or a kernel
 * parsing hostile file system metadata.
 *
 * A reader knows inodes and names only; path resolution (symlinks, "..", the image root as "/")
 * is done once, for every reader, in image-fs.c. Everything a reader is given is hostile: every
 * offset and size it reads from the image is checked against the region before use, no recursion
 * without a limit, no loop without a bound, allocations bounded by what the caller asked for. */

typedef enum TreeNodeType {
        TREE_NODE_DIR = 'd',
        TREE_NODE_FILE = 'f',
        TREE_NODE_SYMLINK = 'l',
        TREE_NODE_CHAR = 'c',           /* character devices: a unit that is one is masked */
        TREE_NODE_OTHER = 'o',          /* block devices, FIFOs, sockets */
} TreeNodeType;

typedef struct TreeNode {
        uint64_t id;                    /* the reader's inode reference (inode number, nid, ...) */
        uint64_t priv;                  /* the reader's own, e.g. where the inode is */
        char type;                      /* TreeNodeType */
        uint32_t mode;                  /* permission bits (07777) */
        uint32_t uid, gid;
        uint64_t size;                  /* files: bytes; symlinks: target length */
} TreeNode;

typedef struct ImageTreeOps {
        const char *name;               /* "squashfs", "erofs" */
        int (*root)(void *t, TreeNode *ret);
        /* The entry name (a single component, never "." or "..") in directory dir: -ENOENT if none,
         * -ENOTDIR if dir is not a directory. */
        int (*lookup)(void *t, const TreeNode *dir, const char *name, TreeNode *ret);
        /* The names in dir, without "." and "..", in any order, at most max (-E2BIG beyond). */
        int (*list)(void *t, const TreeNode *dir, size_t max, char ***ret);
        /* A symlink's target (NUL-terminated, at most PATH_MAX - 1 bytes, -ENAMETOOLONG beyond). */
        int (*readlink)(void *t, const TreeNode *node, char **ret);
        /* A regular file's content, NUL-terminated (*ret_size without the NUL): -EFBIG if it is larger
         * than max bytes, -EISDIR/-EINVAL for other types. */
        int (*read)(void *t, const TreeNode *node, size_t max, char **ret, size_t *ret_size);
        void (*free)(void *t);
} ImageTreeOps;

/* The directories resolved last (image-tree.c): paths are resolved from "/" every time, and the
 * planner asks for many files of the same few directories. */
typedef struct ImageTreeDirCache ImageTreeDirCache;

typedef struct ImageTree {
        const ImageTreeOps *ops;
        void *data;
        bool usr_only;                  /* the file system is the image's /usr: "/" has only "usr" */
        ImageTreeDirCache *dirs;        /* owned; NULL: none (resolving works without, only slower) */
} ImageTree;

#define IMAGE_TREE_NULL ((ImageTree) {})

void image_tree_done(ImageTree *t);

/* Opens the file system in src (a copy is kept; src->verity must outlive the tree) with the reader
 * for fstype ("squashfs", "erofs"). -EOPNOTSUPP when there is no reader for it, or the reader does
 * not read this image's layout (feature flags, compression): then the caller mounts it. -EBADMSG
 * for a malformed file system. */
int image_tree_open(const char *fstype, const ImageSource *src, ImageTree *ret);
/* For readers: the tree of ops over data, which it owns from now on (freed with ops->free, also
 * when this fails: -ENOMEM). */
int image_tree_make(const ImageTreeOps *ops, void *data, ImageTree *ret);
/* Whether there is a reader for fstype (it may still not read a given image's layout). */
bool image_tree_supported(const char *fstype);

/* Path operations, for every reader alike. Paths are resolved as openat2(RESOLVE_IN_ROOT) resolves
 * them in a mounted image: the image's root is "/" and ".." never leaves it, absolute symlinks
 * start again at it, at most IMAGE_TREE_SYMLINKS_MAX symlinks are followed in all (-ELOOP beyond),
 * at most IMAGE_TREE_DEPTH_MAX components deep (-ENAMETOOLONG beyond). follow: a symlink as the
 * last component is followed too. */
#define IMAGE_TREE_SYMLINKS_MAX 40U
#define IMAGE_TREE_DEPTH_MAX 256U
/* Entries of one directory a reader is asked for at most: a directory of more is not read. */
#define IMAGE_TREE_LIST_MAX 65536U

int image_tree_resolve(const ImageTree *t, const char *path, bool follow, TreeNode *ret);
/* The names of directory path (followed), at most IMAGE_TREE_LIST_MAX, unsorted. */
int image_tree_list(const ImageTree *t, const char *path, char ***ret);
int image_tree_readlink(const ImageTree *t, const TreeNode *node, char **ret);
/* A regular file's content as read_regular_fd() gives it: -EISDIR for a directory, -EBADFD for
 * anything else that is not a regular file, -EFBIG beyond max, -EBADMSG for embedded NUL bytes. */
int image_tree_read(const ImageTree *t, const TreeNode *node, size_t max, char **ret, size_t *ret_size);
