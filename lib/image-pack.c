/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "accounts.h"
#include "etc-scan.h"
#include "exec-dirs.h"
#include "fileio.h"
#include "image-pack.h"
#include "mount-points.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-adapt.h"
#include "unit-env.h"
#include "unit-extract.h"

#define EXEC_DIR_MARKERS_MAX 4096U

/* One entry of a unit directory (a unit, or a drop-in): content, mask or alias kept as such. */
static int pack_unit_entry(const ImageFS *src, const char *dir, const char *name, PackedBuilder *b) {
        _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
        _cleanup_free_ char *alias = NULL, *p = NULL, *text = NULL;
        int r;

        r = image_fs_open_unit_file(src, dir, name, &f, &alias);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* unreadable: the planner skips it as well */

        p = strjoin(dir, "/", name);
        if (!p)
                return -ENOMEM;

        if (r == 1)
                return packed_builder_add(b, 'l', p, "/dev/null");
        if (r == 2)
                return packed_builder_add(b, 'l', p, alias);

        r = image_file_read(&f, UNIT_FILE_SIZE_MAX, &text, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        return packed_builder_add(b, 'f', p, text);
}

/* The entries of a configuration directory of the image (the "*.conf" ones of sysusers.d and
 * tmpfiles.d, every one of /etc/default), masks kept as such; a link to another name is stored as
 * what it points to, which the planner reads. */
static int pack_conf_dir(const ImageFS *src, const char *dir, const char *suffix, PackedBuilder *b) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(src, dir, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;
        r = packed_builder_add(b, 'd', dir, NULL);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
                _cleanup_free_ char *path = NULL, *text = NULL;

                if (suffix && !endswith(*n, suffix))
                        continue;
                r = image_fs_open_unit_file(src, dir, *n, &f, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r == 0 || r == 1) {
                        r = pack_unit_entry(src, dir, *n, b);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r != 2)
                        continue;
                path = strjoin(dir, "/", *n);
                if (!path)
                        return -ENOMEM;
                if (image_fs_read_file(src, path, UNIT_FILE_SIZE_MAX, &text) < 0)
                        continue;
                r = packed_builder_add(b, 'f', path, text);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Directories and symlinks below root, recursively (not into symlinks), bounded: markers for the
 * mount points of StateDirectory= and the like (lib/exec-dirs.h), where a symlink counts as
 * present. Symlinks are kept as such, so that reading one (an /etc/os-release pointing out of the
 * image) resolves as in the image, not as a directory. */
static int pack_dirs(const ImageFS *src, const char *path, PackedBuilder *b, unsigned *budget) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(src, path, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;

        STRV_FOREACH(n, names) {
                _cleanup_free_ char *sub = strjoin(path, "/", *n), *target = NULL;
                TreeNode st;

                if (!sub)
                        return -ENOMEM;
                r = image_fs_lstat(src, sub, &st);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !IN_SET(st.type, TREE_NODE_DIR, TREE_NODE_SYMLINK))
                        continue;
                /* Too many to record: no cache entry (a partial one would plan differently). */
                if (*budget == 0)
                        return -E2BIG;
                (*budget)--;
                if (st.type == TREE_NODE_SYMLINK) {
                        r = image_fs_readlink(src, sub, &target);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0 || isempty(target))
                                continue;
                        r = packed_builder_add(b, 'l', sub, target);
                } else
                        r = packed_builder_add(b, 'd', sub, NULL);
                if (r < 0)
                        return r;
                if (st.type == TREE_NODE_DIR) {
                        r = pack_dirs(src, sub, b, budget);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int image_pack(const ImageFS *src, PackedBuilder *b, char *const *required_paths, char **checked) {
        int r;

        assert(src);
        assert(!src->packed);
        assert(b);
        assert(checked);

        for (const char *const *o = (const char *const[]) { "/etc/os-release", "/usr/lib/os-release", NULL }; *o; o++) {
                _cleanup_free_ char *text = NULL;

                r = image_fs_read_file(src, *o, SMALL_FILE_SIZE_MAX, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = packed_builder_add(b, 'f', *o, text);
                if (r < 0)
                        return r;
                break;
        }

        for (size_t k = 0; image_unit_dirs[k]; k++) {
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(src, image_unit_dirs[k], &names);
                if (r < 0)
                        return r;
                if (names) {
                        r = packed_builder_add(b, 'd', image_unit_dirs[k], NULL);
                        if (r < 0)
                                return r;
                }

                STRV_FOREACH(n, names) {
                        const char *stem = endswith(*n, ".d");
                        _cleanup_free_ char *unit = NULL, *d = NULL;
                        _cleanup_strv_free_ char **confs = NULL;

                        if (unit_name_type(*n) >= 0) {
                                r = pack_unit_entry(src, image_unit_dirs[k], *n, b);
                                if (r < 0)
                                        return r;
                                continue;
                        }

                        if (!stem)
                                continue;
                        unit = strndup(*n, stem - *n);
                        if (!unit)
                                return -ENOMEM;
                        if (unit_name_type(unit) < 0)
                                continue;

                        d = strjoin(image_unit_dirs[k], "/", *n);
                        if (!d)
                                return -ENOMEM;
                        r = image_list_dir(src, d, &confs);
                        if (r < 0)
                                continue;
                        r = packed_builder_add(b, 'd', d, NULL);
                        if (r < 0)
                                return r;
                        STRV_FOREACH(f, confs) {
                                if (!endswith(*f, ".conf"))
                                        continue;
                                r = pack_unit_entry(src, d, *f, b);
                                if (r < 0)
                                        return r;
                        }
                }
        }

        for (const char *const *d = (const char *const[]) { "/etc/sysusers.d", "/usr/lib/sysusers.d",
                                                             "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d", NULL }; *d; d++) {
                r = pack_conf_dir(src, *d, ".conf", b);
                if (r < 0)
                        return r;
        }
        /* An extension image's extension-release files (Extensions=, extension-release.h). */
        r = pack_conf_dir(src, "/usr/lib/extension-release.d", NULL, b);
        if (r < 0)
                return r;

        /* The files EnvironmentFile= may name (unit-env.h). */
        for (size_t k = 0; unit_env_dirs[k]; k++) {
                r = pack_conf_dir(src, unit_env_dirs[k], NULL, b);
                if (r < 0)
                        return r;
        }

        /* The account databases a service's identity is looked up in (unit-identity.h). */
        for (const char *const *f = (const char *const[]) { "/etc/passwd", "/etc/group", NULL }; *f; f++) {
                _cleanup_free_ char *text = NULL;

                r = image_fs_read_file(src, *f, IMAGE_ACCOUNTS_FILE_SIZE_MAX, &text);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                r = packed_builder_add(b, 'f', *f, text);
                if (r < 0)
                        return r;
        }

        /* What of /etc only the image's users may read, with the contents (etc-scan.h): a packed
         * tree holds no owners and modes. Before the markers, which are empty files. */
        r = etc_scan_pack(src, b);
        if (r < 0)
                return r;

        {
                unsigned budget = EXEC_DIR_MARKERS_MAX;

                for (size_t k = 0; exec_dirs_roots[k]; k++) {
                        r = pack_dirs(src, exec_dirs_roots[k], b, &budget);
                        if (r < 0)
                                return r;
                }
        }

        /* Markers for the mount points: directories for the API file systems, empty files for
         * bind targets, present exactly where they are present in the image. */
        for (size_t k = 0; mount_point_api_dirs[k]; k++)
                if (image_fs_exists(src, mount_point_api_dirs[k])) {
                        r = packed_builder_add(b, 'd', mount_point_api_dirs[k], NULL);
                        if (r < 0)
                                return r;
                }

        /* Markers for the mount points of the units' own bind mounts (unit-adapt.h), after
         * everything else: a file packed with its content stays as it is. */
        {
                _cleanup_strv_free_ char **targets = NULL;

                for (size_t k = 0; k < b->n_entries; k++) {
                        const PackedEntry *e = b->entries + k;
                        bool unit_dir = false;

                        for (size_t d = 0; image_unit_dirs[d]; d++)
                                unit_dir = unit_dir || startswith(e->path, image_unit_dirs[d]);
                        if (e->type != 'f' || !unit_dir)
                                continue;
                        r = unit_text_bind_targets(e->data, e->path, &targets);
                        if (r < 0)
                                return r;
                }
                STRV_FOREACH(t, targets) {
                        if ((*t)[0] != '/' || !image_fs_exists(src, *t))
                                continue;
                        r = packed_builder_add(b, image_fs_is_dir(src, *t) ? 'd' : 'f', *t, image_fs_is_dir(src, *t) ? NULL : "");
                        if (r < 0)
                                return r;
                }
        }

        STRV_FOREACH(p, required_paths) {
                if (strchr(*p, '\n'))
                        return -EINVAL;         /* not as a line of the meta data */
                if (!strextend(checked, "CHECKED=", *p, "\n"))
                        return -ENOMEM;
                if (!image_fs_exists(src, *p))
                        continue;
                r = packed_builder_add(b, 'f', *p, "");
                if (r < 0)
                        return r;
        }

        return 0;
}
