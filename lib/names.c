/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "names.h"
#include "string-util.h"

static const char *const unit_type_table[_UNIT_TYPE_MAX] = {
        [UNIT_SERVICE] = "service",
        [UNIT_SOCKET] = "socket",
        [UNIT_TARGET] = "target",
        [UNIT_TIMER] = "timer",
        [UNIT_PATH] = "path",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(unit_type, UnitType);
DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(unit_type, UnitType);

bool image_filename_is_valid(const char *filename) {
        if (isempty(filename))
                return false;
        if (strlen(filename) > IMAGE_NAME_MAX)
                return false;
        if (filename[0] == '.')
                return false;
        if (strchr(filename, '/'))
                return false;
        /* No control characters (so no newline that could split a line of a drop-in), and no
         * backslash or quote, which would need escaping in every setting that quotes. */
        if (!string_is_printable(filename))
                return false;
        if (strpbrk(filename, "\\\"'"))
                return false;
        /* systemd strips leading and trailing white space from setting values. */
        if (strchr(WHITESPACE, filename[strlen(filename) - 1]) || strchr(WHITESPACE, filename[0]))
                return false;
        return true;
}

int image_name_parse(const char *filename, bool is_raw, char **ret_name, char **ret_version) {
        _cleanup_free_ char *stem = NULL, *name = NULL, *version = NULL;
        char *e, *u;

        if (!image_filename_is_valid(filename))
                return -EINVAL;

        stem = strdup(filename);
        if (!stem)
                return -ENOMEM;

        if (is_raw) {
                e = endswith(stem, ".raw");
                if (!e)
                        return -EINVAL;
                *e = 0;
        }

        u = strchr(stem, '_');
        if (u) {
                name = strndup(stem, u - stem);
                version = strdup(u + 1);
                if (!name || !version)
                        return -ENOMEM;
                if (isempty(version))
                        version = mfree(version);
        } else {
                name = TAKE_PTR(stem);
        }

        if (isempty(name))
                return -EINVAL;

        if (ret_name)
                *ret_name = TAKE_PTR(name);
        if (ret_version)
                *ret_version = TAKE_PTR(version);
        return 0;
}

#define VALID_UNIT_CHARS ALPHANUMERICAL ":-_.\\"

UnitType unit_name_type(const char *name) {
        const char *dot, *at;
        UnitType t;

        if (isempty(name) || strlen(name) >= UNIT_NAME_MAX)
                return _UNIT_TYPE_INVALID;

        dot = strrchr(name, '.');
        if (!dot || dot == name)
                return _UNIT_TYPE_INVALID;

        t = unit_type_from_string(dot + 1);
        if (t < 0)
                return _UNIT_TYPE_INVALID;

        at = strchr(name, '@');
        if (at) {
                if (at == name)
                        return _UNIT_TYPE_INVALID;
                if (strchr(at + 1, '@'))
                        return _UNIT_TYPE_INVALID;
                if (at > dot)
                        return _UNIT_TYPE_INVALID;
        }

        for (const char *p = name; p < dot; p++)
                if (*p != '@' && !strchr(VALID_UNIT_CHARS, *p))
                        return _UNIT_TYPE_INVALID;

        return t;
}

bool unit_name_is_valid_any(const char *name) {
        static const char *const suffixes[] = {
                "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path",
                "slice", "scope",
        };
        const char *dot = name ? strrchr(name, '.') : NULL;

        if (!dot)
                return false;
        for (size_t k = 0; k < ELEMENTSOF(suffixes); k++)
                if (streq(dot + 1, suffixes[k])) {
                        /* The same rules as for our own types, with any suffix: check the name as if
                         * it were a service. */
                        _cleanup_free_ char *s = strndup(name, dot + 1 - name);
                        return s && strextend(&s, "service") && unit_name_type(s) == UNIT_SERVICE;
                }
        return false;
}

bool unit_name_is_template(const char *name) {
        const char *at = strchr(name, '@');
        return at && at[1] == '.';
}

bool unit_name_is_instance(const char *name) {
        const char *at = strchr(name, '@');
        return at && at[1] != '.' && at[1] != 0;
}

bool unit_instance_is_valid(const char *instance) {
        if (isempty(instance))
                return false;
        for (const char *p = instance; *p; p++)
                if (!strchr(VALID_UNIT_CHARS, *p))
                        return false;
        return true;
}

int unit_name_replace_instance(const char *template, const char *instance, char **ret) {
        const char *at, *dot;
        char *s;

        assert(ret);

        if (!unit_name_is_template(template) || !unit_instance_is_valid(instance))
                return -EINVAL;

        at = strchr(template, '@');
        dot = strrchr(template, '.');
        if (asprintf(&s, "%.*s@%s%s", (int) (at - template), template, instance, dot) < 0)
                return -ENOMEM;
        if (unit_name_type(s) < 0) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

int unit_name_template(const char *name, char **ret) {
        const char *at, *dot;
        char *s;

        assert(name);
        assert(ret);

        at = strchr(name, '@');
        dot = strrchr(name, '.');
        if (!at || !dot || dot < at)
                return -EINVAL;
        if (asprintf(&s, "%.*s@%s", (int) (at - name), name, dot) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

bool portable_prefix_is_valid(const char *prefix) {
        if (isempty(prefix) || strlen(prefix) >= UNIT_NAME_MAX)
                return false;
        for (const char *p = prefix; *p; p++)
                if (!strchr(ALPHANUMERICAL ":-_.\\", *p))
                        return false;
        return true;
}

bool unit_name_matches_prefix(const char *name, const char *prefix) {
        const char *e;

        assert(name);

        e = startswith(name, prefix);
        if (!e)
                return false;

        /* foo matches foo.service, foo-bar.service, foo@.service, foo@x.service, not foobar.service. */
        return IN_SET(*e, '-', '.', '@');
}
