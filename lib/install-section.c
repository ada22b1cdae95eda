/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "extract-word.h"
#include "ini.h"
#include "install-section.h"
#include "log.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-printf.h"

void install_info_done(InstallInfo *i) {
        assert(i);

        i->wanted_by = strv_free(i->wanted_by);
        i->required_by = strv_free(i->required_by);
        i->upheld_by = strv_free(i->upheld_by);
        i->default_instance = mfree(i->default_instance);
}

int install_name_printf(const char *unit_name, const char *format, char **ret) {
        return unit_printf(unit_name, format, /* full= */ false, ret);
}

typedef struct InstallParse {
        InstallInfo *info;
        const char *unit_name;
} InstallParse;

static int install_list(char ***l, const char *value, const char *unit_name, const char *filename, unsigned line) {
        const char *p = value;
        int r;

        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }

        for (;;) {
                _cleanup_free_ char *word = NULL, *resolved = NULL;

                /* As systemd's config_parse_strv(): backslashes stay, "local-f\x73.target" is that
                 * name, not local-fs.target (the rules check the same words). */
                r = extract_first_word_full(&p, &word, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_RETAIN_ESCAPE);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_warning("%s:%u: Unparsable [Install] list, ignoring.", filename, line);
                        return 0;
                }
                if (r == 0)
                        return 0;

                r = install_name_printf(unit_name, word, &resolved);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || unit_name_type(resolved) < 0 || unit_name_is_template(resolved)) {
                        log_warning("%s:%u: '%s' is not a unit name that can be installed into, ignoring.",
                                    filename, line, word);
                        continue;
                }
                if (strv_contains(*l, resolved))
                        continue;
                r = strv_consume(l, TAKE_PTR(resolved));
                if (r < 0)
                        return r;
        }
}

static int install_assignment(const char *section, const char *key, const char *value, const char *filename,
                              unsigned line, void *userdata) {
        InstallParse *p = userdata;

        if (!section || !streq(section, "Install"))
                return 0;

        if (streq(key, "WantedBy"))
                return install_list(&p->info->wanted_by, value, p->unit_name, filename, line);
        if (streq(key, "RequiredBy"))
                return install_list(&p->info->required_by, value, p->unit_name, filename, line);
        if (streq(key, "UpheldBy"))
                return install_list(&p->info->upheld_by, value, p->unit_name, filename, line);
        if (streq(key, "DefaultInstance")) {
                _cleanup_free_ char *resolved = NULL;
                int r;

                if (isempty(value)) {
                        p->info->default_instance = mfree(p->info->default_instance);
                        return 0;
                }
                r = install_name_printf(p->unit_name, value, &resolved);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !unit_instance_is_valid(resolved)) {
                        log_warning("%s:%u: Invalid DefaultInstance=%s, ignoring.", filename, line, value);
                        return 0;
                }
                free(p->info->default_instance);
                p->info->default_instance = TAKE_PTR(resolved);
                return 0;
        }

        return 0;
}

int install_info_parse(InstallInfo *i, const char *text, const char *unit_name, const char *filename) {
        InstallParse p = { .info = i, .unit_name = unit_name };

        return ini_parse(text, filename, install_assignment, ini_garbage_ignore, &p);
}
