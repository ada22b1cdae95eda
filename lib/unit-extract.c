/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <string.h>

#include "fileio.h"
#include "image-fs.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"
#include "unit-extract.h"

const char *const image_unit_dirs[] = {
        "/etc/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
        NULL,
};

static void unit_dropin_done(UnitDropin *d) {
        free(d->name);
        free(d->source);
        free(d->content);
        ini_lines_free(d->lines);
}

static void image_unit_done(ImageUnit *u) {
        strv_free(u->environment);
        free(u->environment_refused);
        strv_free(u->derived_dirs);
        free(u->pid_file_reset);
        free(u->refused);
        free(u->name);
        free(u->source);
        free(u->content);
        ini_lines_free(u->lines);
        for (size_t i = 0; i < u->n_dropins; i++)
                unit_dropin_done(u->dropins + i);
        free(u->dropins);
}

void image_units_done(ImageUnits *u) {
        assert(u);

        for (size_t i = 0; i < u->n_units; i++)
                image_unit_done(u->units + i);
        u->units = mfree(u->units);
        u->n_units = 0;
}

int image_list_dir(const ImageFS *fs, const char *path, char ***ret) {
        /* A directory with millions of entries is not a unit directory. */
        return image_fs_list_dir(fs, path, 16 * IMAGE_UNITS_MAX, ret);
}

static int unit_add_dropins(const ImageFS *fs, const char *image_path, ImageUnit *u, size_t *budget) {
        _cleanup_strv_free_ char **seen = NULL;
        int r;

        for (size_t i = 0; image_unit_dirs[i]; i++) {
                _cleanup_free_ char *dir = NULL;
                _cleanup_strv_free_ char **names = NULL;

                dir = strjoin(image_unit_dirs[i], "/", u->name, ".d");
                if (!dir)
                        return -ENOMEM;

                r = image_list_dir(fs, dir, &names);
                if (r < 0) {
                        log_warning_errno(r, "Image %s: failed to list %s, ignoring: %m", image_path, dir);
                        continue;
                }

                STRV_FOREACH(n, names) {
                        _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
                        _cleanup_free_ char *content = NULL;
                        size_t size;
                        UnitDropin *d;

                        if (!endswith(*n, ".conf") || strv_contains(seen, *n))
                                continue;
                        r = strv_extend(&seen, *n);
                        if (r < 0)
                                return r;

                        if (!string_is_printable(*n) || strpbrk(*n, " \\\"'%")) {
                                _cleanup_free_ char *e = log_escape(*n);
                                log_warning("Image %s: drop-in %s/%s has an unusable name, ignoring.", image_path, dir, strna(e));
                                continue;
                        }

                        r = image_fs_open_unit_file(fs, dir, *n, &f, /* ret_alias= */ NULL);
                        if (r < 0) {
                                log_warning_errno(r, "Image %s: cannot open drop-in %s/%s, ignoring: %s", image_path, dir, *n,
                                                  read_error_to_string(r));
                                continue;
                        }
                        if (r > 0)
                                continue; /* masked (or an alias, which for drop-ins means nothing) */

                        r = image_file_read(&f, MIN((size_t) UNIT_FILE_SIZE_MAX, *budget), &content, &size);
                        if (r < 0) {
                                log_warning_errno(r, "Image %s: cannot read drop-in %s/%s, ignoring: %s", image_path, dir, *n,
                                                  read_error_to_string(r));
                                continue;
                        }

                        if (memchr(content, 0, size)) {
                                log_warning("Image %s: drop-in %s/%s has a NUL byte (a line end for systemd), ignoring it.",
                                            image_path, dir, *n);
                                continue;
                        }

                        if (u->n_dropins >= UNIT_DROPINS_MAX) {
                                log_warning("Image %s: unit %s has more than %u drop-ins, ignoring the rest.",
                                            image_path, u->name, UNIT_DROPINS_MAX);
                                return 0;
                        }

                        d = reallocarray(u->dropins, u->n_dropins + 1, sizeof(UnitDropin));
                        if (!d)
                                return -ENOMEM;
                        u->dropins = d;
                        d = u->dropins + u->n_dropins;
                        *d = (UnitDropin) {
                                .name = strdup(*n),
                                .source = strjoin(dir, "/", *n),
                                .content = TAKE_PTR(content),
                        };
                        u->n_dropins++;
                        if (!d->name || !d->source)
                                return -ENOMEM;
                        /* Read once for all the modules that look at it; if that fails, each
                         * parses the text and meets the same error. */
                        (void) ini_lines_parse(d->content, d->source, &d->lines);
                        d->layer = MAX(image_fs_layer_of(fs, d->source), 0);
                        *budget -= size;
                }
        }

        /* Drop-ins apply in file name order, whichever directory they came from. */
        for (size_t a = 0; a < u->n_dropins; a++)
                for (size_t b = a + 1; b < u->n_dropins; b++)
                        if (strcmp(u->dropins[b].name, u->dropins[a].name) < 0) {
                                UnitDropin t = u->dropins[a];
                                u->dropins[a] = u->dropins[b];
                                u->dropins[b] = t;
                        }

        return 0;
}

static bool name_matches_any_prefix(const char *name, char *const *prefixes) {
        STRV_FOREACH(p, prefixes)
                if (unit_name_matches_prefix(name, *p))
                        return true;
        return false;
}

int image_extract_units(const ImageFS *fs, const char *image_path, char *const *prefixes, ImageUnits *ret) {
        _cleanup_(image_units_done) ImageUnits units = {};
        _cleanup_strv_free_ char **seen = NULL;
        size_t budget = IMAGE_UNIT_BYTES_MAX;
        int r;

        assert(ret);

        for (size_t i = 0; image_unit_dirs[i]; i++) {
                const char *dir = image_unit_dirs[i];
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(fs, dir, &names);
                if (r < 0) {
                        log_warning_errno(r, "Image %s: failed to list %s, ignoring: %m", image_path, dir);
                        continue;
                }

                STRV_FOREACH(n, names) {
                        _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
                        _cleanup_free_ char *content = NULL;
                        UnitType t;
                        ImageUnit *u;
                        size_t size;

                        t = unit_name_type(*n);
                        if (t < 0 || !name_matches_any_prefix(*n, prefixes))
                                continue;
                        if (strv_contains(seen, *n))
                                continue;
                        r = strv_extend(&seen, *n);
                        if (r < 0)
                                return r;

                        if (unit_name_is_instance(*n)) {
                                log_debug("Image %s: %s/%s is an instance link, not a unit file, skipping.", image_path, dir, *n);
                                continue;
                        }

                        r = image_fs_open_unit_file(fs, dir, *n, &f, /* ret_alias= */ NULL);
                        if (r < 0) {
                                log_warning_errno(r, "Image %s: cannot open unit %s/%s, ignoring: %s", image_path, dir, *n,
                                                  read_error_to_string(r));
                                continue;
                        }
                        if (r == 1) {
                                log_debug("Image %s: unit %s is masked in the image, skipping.", image_path, *n);
                                continue;
                        }
                        if (r == 2) {
                                log_debug("Image %s: %s/%s is an alias, skipping.", image_path, dir, *n);
                                continue;
                        }

                        if (units.n_units >= IMAGE_UNITS_MAX) {
                                log_warning("Image %s: more than %u units, ignoring the rest.", image_path, IMAGE_UNITS_MAX);
                                break;
                        }

                        r = image_file_read(&f, MIN((size_t) UNIT_FILE_SIZE_MAX, budget), &content, &size);
                        if (r < 0) {
                                log_warning_errno(r, "Image %s: cannot read unit %s/%s, ignoring: %s", image_path, dir, *n,
                                                  read_error_to_string(r));
                                continue;
                        }
                        budget -= size;

                        /* systemd ends a line there, this reader would end the file: neither
                         * reads what the other does, so such a file is not a unit. */
                        if (memchr(content, 0, size)) {
                                log_warning("Image %s: unit %s/%s has a NUL byte (a line end for systemd), ignoring it.",
                                            image_path, dir, *n);
                                continue;
                        }

                        u = reallocarray(units.units, units.n_units + 1, sizeof(ImageUnit));
                        if (!u)
                                return -ENOMEM;
                        units.units = u;
                        u = units.units + units.n_units;
                        *u = (ImageUnit) {
                                .name = strdup(*n),
                                .type = t,
                                .source = strjoin(dir, "/", *n),
                                .content = TAKE_PTR(content),
                        };
                        units.n_units++;
                        if (!u->name || !u->source)
                                return -ENOMEM;
                        (void) ini_lines_parse(u->content, u->source, &u->lines);       /* as for drop-ins */
                        u->layer = MAX(image_fs_layer_of(fs, u->source), 0);

                        r = unit_add_dropins(fs, image_path, u, &budget);
                        if (r < 0)
                                return r;
                }
        }

        *ret = TAKE_STRUCT(units);
        return 0;
}
