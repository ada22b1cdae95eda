/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "ini.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-info.h"

void unit_info_done(UnitInfo *i) {
        i->user = mfree(i->user);
        i->group = mfree(i->group);
        i->supplementary_groups = strv_free(i->supplementary_groups);
        i->bind_targets = strv_free(i->bind_targets);
}

/* "[-]SOURCE[:DESTINATION[:OPTIONS]]": the destination, which defaults to the source. */
static int bind_destination(const char *word, char **ret) {
        const char *src = word, *colon;
        char *d;

        if (*src == '-')
                src++;
        colon = strchr(src, ':');
        if (!colon)
                d = strdup(src);
        else {
                const char *dst = colon + 1, *end = strchr(dst, ':');
                d = end ? strndup(dst, end - dst) : strdup(dst);
        }
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

static int info_assignment(const char *section, const char *key, const char *value, const char *filename,
                           unsigned line, void *userdata) {
        UnitInfo *i = userdata;
        int r;

        if (!section || !streq(section, "Service"))
                return 0;

        if (streq(key, "User"))
                return free_and_strdup(&i->user, isempty(value) ? NULL : value);
        if (streq(key, "Group"))
                return free_and_strdup(&i->group, isempty(value) ? NULL : value);
        if (streq(key, "DynamicUser")) {
                i->dynamic_user = isempty(value) ? -1 : parse_boolean(value);
                return 0;
        }
        if (streq(key, "PrivateTmp")) {
                /* "disconnected" (newer systemd) also mounts on /tmp and /var/tmp. */
                i->private_tmp = isempty(value) ? -1 : streq(value, "disconnected") ? 1 : parse_boolean(value);
                return 0;
        }
        if (streq(key, "MountAPIVFS")) {
                i->mount_apivfs = isempty(value) ? -1 : parse_boolean(value);
                return 0;
        }

        if (streq(key, "SupplementaryGroups") || streq(key, "BindPaths") || streq(key, "BindReadOnlyPaths")) {
                bool groups = streq(key, "SupplementaryGroups");
                char ***l = groups ? &i->supplementary_groups : &i->bind_targets;
                _cleanup_strv_free_ char **words = NULL;

                /* An empty assignment resets the list (for binds: both settings share one list). */
                if (isempty(value)) {
                        *l = strv_free(*l);
                        return 0;
                }
                if (strv_split_words(value, &words) < 0)
                        return 0;       /* systemd ignores it with a warning; so do we */
                STRV_FOREACH(w, words) {
                        char *d;

                        if (groups) {
                                r = strv_extend(l, *w);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        r = bind_destination(*w, &d);
                        if (r < 0)
                                return r;
                        if (strv_contains(*l, d)) {
                                free(d);
                                continue;
                        }
                        r = strv_consume(l, d);
                        if (r < 0)
                                return r;
                }
        }

        return 0;
}

static int cmp_dropin(const void *a, const void *b) {
        const PlannedFile *x = *(const PlannedFile *const *) a, *y = *(const PlannedFile *const *) b;
        return strcmp(strrchr(x->name, '/'), strrchr(y->name, '/'));
}

int unit_info_from_plan(const PlannedUnit *u, UnitInfo *ret) {
        _cleanup_(unit_info_done) UnitInfo i = { .dynamic_user = -1, .mount_apivfs = -1, .private_tmp = -1 };
        _cleanup_free_ const PlannedFile **dropins = NULL;
        _cleanup_free_ char *dprefix = NULL;
        size_t n_dropins = 0;
        int r;

        if (unit_name_type(u->name) != UNIT_SERVICE) {
                *ret = TAKE_STRUCT(i);
                return 0;
        }

        dprefix = strjoin(u->name, ".d/");
        dropins = calloc(u->n_files ?: 1, sizeof(PlannedFile *));
        if (!dprefix || !dropins)
                return -ENOMEM;

        for (size_t k = 0; k < u->n_files; k++) {
                const PlannedFile *f = u->files + k;

                if (!f->text)
                        continue;
                if (streq(f->name, u->name)) {
                        r = ini_parse(f->text, f->name, info_assignment, ini_garbage_ignore, &i);
                        if (r == -ENOMEM)
                                return r;
                } else if (startswith(f->name, dprefix) && endswith(f->name, ".conf"))
                        dropins[n_dropins++] = f;
        }

        qsort(dropins, n_dropins, sizeof(PlannedFile *), cmp_dropin);
        for (size_t k = 0; k < n_dropins; k++) {
                r = ini_parse(dropins[k]->text, dropins[k]->name, info_assignment, ini_garbage_ignore, &i);
                if (r == -ENOMEM)
                        return r;
        }

        *ret = TAKE_STRUCT(i);
        return 0;
}
