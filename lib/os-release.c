/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "env-file.h"
#include "fileio.h"
#include "image-fs.h"
#include "log.h"
#include "names.h"
#include "os-release.h"
#include "string-util.h"
#include "strv.h"

int image_read_os_release(const ImageFS *fs, char ***ret_fields, char **ret_path) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *text = NULL;
        const char *found = NULL;
        int r = -ENOENT;

        assert(ret_fields);

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                r = image_fs_read_file(fs, paths[i], SMALL_FILE_SIZE_MAX, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return log_debug_errno(r, "Failed to read %s: %m", paths[i]);
                found = paths[i];
                break;
        }
        if (!found)
                return -ENOENT;

        r = env_file_parse(text, &fields);
        if (r < 0)
                return r;

        if (isempty(env_get(fields, "ID")))
                return -EBADMSG;

        if (ret_path) {
                char *p = strdup(found);
                if (!p)
                        return -ENOMEM;
                *ret_path = p;
        }
        *ret_fields = TAKE_PTR(fields);
        return 0;
}

int image_prefixes(char *const *os_release, const char *image_name, const char *image_path, char ***ret) {
        _cleanup_strv_free_ char **words = NULL, **l = NULL, **invalid = NULL;
        const char *p;
        int r;

        assert(ret);

        p = env_get(os_release, "PORTABLE_PREFIXES");
        if (!isempty(p)) {
                r = strv_split_words(p, &words);
                if (r < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
        } else {
                r = strv_extend(&words, image_name);
                if (r < 0)
                        return r;
        }

        STRV_FOREACH(w, words) {
                if (!portable_prefix_is_valid(*w)) {
                        r = strv_extend(&invalid, *w);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (strv_contains(l, *w))
                        continue;
                r = strv_extend(&l, *w);
                if (r < 0)
                        return r;
        }

        /* With no valid prefix at all the image is refused, and that one line is enough. */
        if (!l)
                return -EINVAL;

        STRV_FOREACH(w, invalid) {
                _cleanup_free_ char *e = log_escape(*w);
                log_warning("Image %s: '%s' in PORTABLE_PREFIXES= is not a valid unit name prefix, ignoring.",
                            image_path, strna(e));
        }

        *ret = TAKE_PTR(l);
        return 0;
}
