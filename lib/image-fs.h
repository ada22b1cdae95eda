/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "image-tree.h"

/* What the readers of an image (os-release, units, sysusers.d, tmpfiles.d, mount points) see of
 * it: either its root directory, read through lib/fileio.h (openat2 RESOLVE_IN_ROOT, regular
 * files only, bounded), or a file system read in user space (image-tree.h), or a packed tree: the extraction cache's copy of what those readers need,
 * one file read into memory (lib/extract-cache.h), so that a cached image costs one read.
 *
 * A packed tree holds directories, regular files with their content, and symlinks (masks, to
 * /dev/null, and aliases, to a bare unit name). It answers the same questions with the same
 * results the directory it was made from gives. */

typedef struct PackedEntry {
        const char *path;       /* absolute, normalized: "/usr/lib/os-release" */
        char type;              /* 'd' directory, 'f' regular file, 'l' symlink */
        const char *data;       /* 'f': content (NUL-terminated), 'l': target */
        size_t size;
        size_t seq;             /* PackedBuilder: the order added */
} PackedEntry;

typedef struct PackedTree {
        char *buf;              /* the serialized form, which entries point into */
        PackedEntry *entries;   /* sorted by path */
        size_t n_entries;
} PackedTree;

void packed_tree_done(PackedTree *t);

/* Parses buf (taken over, also on failure) of the form packed_tree_format() writes. -EBADMSG if
 * it is not one. */
int packed_tree_parse(char *buf, size_t size, PackedTree *ret);

/* The entry of that exact path (no symlinks followed), or NULL. */
const PackedEntry *packed_tree_find(const PackedTree *t, const char *path);

/* Builds a packed tree: entries in any order; parents of each path are added as directories. */
typedef struct PackedBuilder {
        PackedEntry *entries;   /* path and data owned */
        size_t n_entries;
} PackedBuilder;

void packed_builder_done(PackedBuilder *b);
int packed_builder_add(PackedBuilder *b, char type, const char *path, const char *data);
/* The serialized form, entries sorted; of entries for the same path, the one added first (as a
 * tree gets them: a marker directory is not made where a file is already). */
int packed_builder_format(PackedBuilder *b, char **ret);

typedef struct ImageFS {
        int fd;                         /* the image's root directory, or */
        const PackedTree *packed;       /* if not NULL, this, or */
        const ImageTree *tree;          /* if not NULL, this, or */
        const struct ImageFS *layers;   /* if n_layers > 0, a stack of these (the fields above unused) */
        size_t n_layers;
} ImageFS;

/* A stack (Extensions=): layers[0] is the base image, layers[1..] its extensions, bottom to top,
 * seen as systemd's ExtensionImages=/ExtensionDirectories= overlay shows them to the service: a
 * path below an overlaid hierarchy (IMAGE_FS_STACKED_HIERARCHIES: /usr and /opt, systemd 252's
 * default) is answered by the topmost layer that has it (not following a symlink at its end), and
 * directory listings there are the union of the layers'. Other paths are the base's alone, as at
 * run time, except the unit directories /etc/systemd/system and /lib/systemd/system: unit files
 * and their drop-ins are copied out by the generator, so an extension's shadow the base's there
 * too (as portablectl attach --extension= reads them). Symlinks are resolved within the layer that
 * answers; overlayfs whiteouts and opaque directories in an extension are not honoured (an
 * extension adds and replaces, it does not delete). Not for image_fs_lstat()/readlink()/list_all()
 * of paths outside those directories: they are the base's. */
#define IMAGE_FS_STACKED_HIERARCHIES "/usr", "/opt", "/etc/systemd/system", "/lib/systemd/system"

/* Which layer of a stack answers path (as above): its index, 0 for the base and for anything
 * that is not a stack; -ENOENT if none has it. */
int image_fs_layer_of(const ImageFS *fs, const char *path);

#define IMAGE_FS_FD(f) (&(const ImageFS) { .fd = (f) })

/* A file opened by image_fs_open_unit_file(). */
typedef struct ImageFile {
        int fd;
        const PackedEntry *entry;
        const ImageTree *tree;          /* with node */
        TreeNode node;
} ImageFile;

#define IMAGE_FILE_NULL ((ImageFile) { .fd = -EBADF })

void image_file_done(ImageFile *f);
/* As read_regular_fd(). */
int image_file_read(const ImageFile *f, size_t max, char **ret, size_t *ret_size);

/* Whether path exists, not following a symlink at its end (a symlink counts). */
bool image_fs_exists(const ImageFS *fs, const char *path);

/* Whether path is a directory, not following a symlink at its end. In a packed tree only the
 * directories below exec_dirs_roots[] (exec-dirs.h) and those of the files it holds are recorded. */
bool image_fs_is_dir(const ImageFS *fs, const char *path);

/* Lists a directory inside the image, sorted, without hidden entries, at most max names
 * (-E2BIG beyond). Missing directories are empty (*ret == NULL). */
int image_fs_list_dir(const ImageFS *fs, const char *path, size_t max, char ***ret);

/* Reads a regular file, following symlinks inside the image. */
int image_fs_read_file(const ImageFS *fs, const char *path, size_t max, char **ret);

/* What lstat() says of path (not following a symlink at its end), as a TreeNode: type, mode,
 * owner, size (id and priv are the tree's only). Not for packed trees (-EOPNOTSUPP): they hold no
 * owners and modes. */
int image_fs_lstat(const ImageFS *fs, const char *path, TreeNode *ret);
/* The target of the symlink path (-EINVAL if it is none), at most PATH_MAX - 1 bytes. */
int image_fs_readlink(const ImageFS *fs, const char *path, char **ret);
/* Every name in directory path (followed), hidden ones too, sorted; -E2BIG beyond max; -ENOENT,
 * -ENOTDIR as the directory is. */
int image_fs_list_all(const ImageFS *fs, const char *path, size_t max, char ***ret);

/* Classifies dir/name: 0 and the file (to image_file_read()) for a regular file that is the unit
 * itself (possibly through symlinks to a file of the same name), 1 for a mask (/dev/null, or an
 * empty file), 2 for an alias (symlink to a file of another name, whose name goes to *ret_alias
 * if not NULL), <0 on errors. */
int image_fs_open_unit_file(const ImageFS *fs, const char *dir, const char *name, ImageFile *ret, char **ret_alias);
