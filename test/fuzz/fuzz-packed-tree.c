/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* An extraction cache entry (lib/image-fs.h): parsed, then asked what the planner asks. */

#include "fuzz.h"
#include "image-fs.h"
#include "macro.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(packed_tree_done) PackedTree t = {};
        char *s;

        fuzz_setup();
        s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        if (packed_tree_parse(s, size, &t) < 0)
                return 0;

        const ImageFS fs = { .fd = -EBADF, .packed = &t };
        for (size_t k = 0; k < t.n_entries; k++) {
                const PackedEntry *e = t.entries + k;
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_free_ char *text = NULL, *alias = NULL, *dir = strdup(e->path);
                _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
                char *slash;

                if (!dir)
                        abort();
                (void) image_fs_exists(&fs, e->path);
                (void) image_fs_list_dir(&fs, e->path, 1000, &names);
                (void) image_fs_read_file(&fs, e->path, 1 << 20, &text);
                slash = strrchr(dir, '/');
                if (slash && slash != dir) {
                        *slash = 0;
                        if (image_fs_open_unit_file(&fs, dir, slash + 1, &f, &alias) == 0) {
                                _cleanup_free_ char *t2 = NULL;
                                (void) image_file_read(&f, 1 << 20, &t2, NULL);
                        }
                }
        }
        return 0;
}
