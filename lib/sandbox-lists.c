/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "ini.h"
#include "sandbox-lists.h"
#include "string-util.h"
#include "strv.h"

typedef enum ListSetting {
        LIST_SYSCALL_FILTER,
        LIST_ADDRESS_FAMILIES,
        LIST_CAPABILITIES,
        LIST_FILE_SYSTEMS,
        LIST_NETWORK_INTERFACES,
        LIST_ARCHITECTURES,
        _LIST_MAX,
} ListSetting;

static const struct {
        const char *key;
        bool intersectable;     /* allow lists of atomic names */
        const char *nothing;    /* how to say "allow nothing": "" resets to nothing for capabilities */
} list_settings[_LIST_MAX] = {
        [LIST_SYSCALL_FILTER] = { "SystemCallFilter", false, NULL },
        [LIST_ADDRESS_FAMILIES] = { "RestrictAddressFamilies", true, "none" },
        [LIST_CAPABILITIES] = { "CapabilityBoundingSet", true, "" },
        [LIST_FILE_SYSTEMS] = { "RestrictFileSystems", false, NULL },
        [LIST_NETWORK_INTERFACES] = { "RestrictNetworkInterfaces", false, NULL },
        [LIST_ARCHITECTURES] = { "SystemCallArchitectures", false, NULL },
};

/* What the assignments of one text (or a sequence of texts) amount to, per setting: the allow
 * and deny words after the last reset. */
typedef struct ListState {
        bool set[_LIST_MAX];
        char **allow[_LIST_MAX];
        char **deny[_LIST_MAX];         /* verbatim, with the "~" */
} ListState;

static void list_state_done(ListState *s) {
        for (ListSetting l = 0; l < _LIST_MAX; l++) {
                s->allow[l] = strv_free(s->allow[l]);
                s->deny[l] = strv_free(s->deny[l]);
        }
}

static ListSetting list_setting_from_key(const char *key) {
        for (ListSetting l = 0; l < _LIST_MAX; l++)
                if (streq(key, list_settings[l].key))
                        return l;
        return _LIST_MAX;
}

static int collect(const char *section, const char *key, const char *value, const char *filename,
                   unsigned line, void *userdata) {
        ListState *s = userdata;
        ListSetting l;
        const char *p = value;
        bool deny;
        int r;

        if (!section || !streq(section, "Service"))
                return 0;
        l = list_setting_from_key(key);
        if (l == _LIST_MAX)
                return 0;

        if (isempty(value)) {
                s->allow[l] = strv_free(s->allow[l]);
                s->deny[l] = strv_free(s->deny[l]);
                s->set[l] = false;
                return 0;
        }
        s->set[l] = true;

        deny = value[0] == '~';
        if (deny) {
                /* Kept verbatim: "~@clock @debug:EPERM" means the same after the profile. */
                return strv_extend(&s->deny[l], value);
        }

        for (;;) {
                char *w;

                r = extract_first_word(&p, &w);
                if (r <= 0)
                        return 0;       /* unparsable: systemd ignores it, so do we */
                if (strv_contains(s->allow[l], w)) {
                        free(w);
                        continue;
                }
                r = strv_consume(&s->allow[l], w);
                if (r < 0)
                        return r;
        }
}

int sandbox_lists_merge(const ImageUnit *u, const char *profile_text, char **ret_before, char **ret_after,
                        char ***ret_dropped) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        _cleanup_strv_free_ char **dropped = NULL;
        ListState profile = {}, unit = {};
        int r;

        r = image_unit_parse(u, collect, ini_garbage_ignore, NULL, &unit);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = unit_dropin_parse(u->dropins + k, collect, ini_garbage_ignore, NULL, &unit);
        if (r < 0)
                goto finish;
        /* Most units set none of these lists: then the profile need not be parsed at all. */
        for (ListSetting l = 0; l < _LIST_MAX; l++)
                if (unit.set[l]) {
                        r = ini_parse(strempty(profile_text), "profile", collect, ini_garbage_ignore, &profile);
                        break;
                }
        if (r < 0)
                goto finish;

        for (ListSetting l = 0; l < _LIST_MAX; l++) {
                const char *key = list_settings[l].key;

                if (!profile.set[l] || !unit.set[l])
                        continue;       /* nothing to widen, or nothing that widens */

                r = -ENOMEM;
                if (!strextend(&before, key, "=\n"))
                        goto finish;

                if (unit.allow[l]) {
                        if (list_settings[l].intersectable && profile.allow[l]) {
                                _cleanup_free_ char *joined = NULL;

                                STRV_FOREACH(w, unit.allow[l]) {
                                        if (strv_contains(profile.allow[l], *w)) {
                                                if (!strextend(&joined, joined ? " " : "", *w))
                                                        goto finish;
                                        } else if (strv_consume(&dropped, strjoin(key, "=", *w)) < 0)
                                                goto finish;
                                }
                                /* Reset, then exactly the intersection (or nothing at all). */
                                if (!strextend(&after, key, "=\n", key, "=",
                                               joined ?: list_settings[l].nothing, "\n"))
                                        goto finish;
                        } else
                                /* What the profile allows anyway is not lost: report the rest. */
                                STRV_FOREACH(w, unit.allow[l])
                                        if (!strv_contains(profile.allow[l], *w) &&
                                            strv_consume(&dropped, strjoin(key, "=", *w)) < 0)
                                                goto finish;
                }

                STRV_FOREACH(d, unit.deny[l])
                        if (!strextend(&after, key, "=", *d, "\n"))
                                goto finish;
        }

        r = 0;
        if (before) {
                char *t = strjoin("[Service]\n# These lists add up: reset what the unit said, so that the profile's apply.\n", before);
                if (!t) {
                        r = -ENOMEM;
                        goto finish;
                }
                free(before);
                before = t;
        }
        if (after) {
                char *t = strjoin("\n[Service]\n# What of the unit's own lists narrows the profile's, applied after it.\n", after);
                if (!t) {
                        r = -ENOMEM;
                        goto finish;
                }
                free(after);
                after = t;
        }

        *ret_before = TAKE_PTR(before);
        *ret_after = TAKE_PTR(after);
        *ret_dropped = TAKE_PTR(dropped);

finish:
        list_state_done(&profile);
        list_state_done(&unit);
        return r;
}

int sandbox_lists_profile_allowed(const char *profile_text, const char *key, char ***ret) {
        ListState s = {};
        ListSetting l = list_setting_from_key(key);
        int r;

        assert(l < _LIST_MAX);
        assert(ret);

        r = ini_parse(strempty(profile_text), "profile", collect, ini_garbage_ignore, &s);
        if (r >= 0) {
                *ret = s.set[l] && !s.deny[l] ? TAKE_PTR(s.allow[l]) : NULL;
                r = 0;
        }
        list_state_done(&s);
        return r;
}
