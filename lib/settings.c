/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "fileio.h"
#include "ini.h"
#include "log.h"
#include "names.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"

static const char *const verity_policy_table[_VERITY_POLICY_MAX] = {
        [VERITY_AUTO] = "auto",
        [VERITY_REQUIRED] = "yes",
        [VERITY_SIGNED] = "signed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(verity_policy, VerityPolicy);

VerityPolicy verity_policy_from_string(const char *s) {
        assert(s);

        for (VerityPolicy p = 0; p < _VERITY_POLICY_MAX; p++)
                if (streq(s, verity_policy_table[p]))
                        return p;
        /* Booleans too: "no" means auto (use verity data where there is some), "yes" required. */
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? VERITY_REQUIRED : VERITY_AUTO;
        return _VERITY_POLICY_INVALID;
}

static const char *const restart_policy_table[_RESTART_POLICY_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_CHANGED] = "changed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(restart_policy, RestartPolicy);
DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(restart_policy, RestartPolicy);

void portable_settings_done(PortableSettings *s) {
        assert(s);

        s->profile = mfree(s->profile);
        s->prefixes = strv_free(s->prefixes);
        s->extensions = strv_free(s->extensions);
        s->sources = strv_free(s->sources);
        verity_pin_done(&s->root_hash);
}

static bool profile_name_is_valid(const char *p) {
        if (isempty(p) || strlen(p) > 255)
                return false;
        if (p[0] == '/')
                /* A custom profile directory. */
                return string_is_printable(p) && !strstr(p, "/../") && !endswith(p, "/..");
        return image_filename_is_valid(p) && !strchr(p, ' ');
}

/* An Extensions= word: an image name as in the portables directories ("foo-ext", "foo-ext_1.raw"),
 * or an absolute path to a directory or raw image. */
static bool extension_name_is_valid(const char *e) {
        if (isempty(e) || strlen(e) > 4095)
                return false;
        if (e[0] == '/')
                return string_is_printable(e) && !strstr(e, "/../") && !endswith(e, "/..") &&
                       !strstr(e, "/./") && !endswith(e, "/.") && !endswith(e, "/");
        return image_filename_is_valid(e) && !strchr(e, '/');
}

static int settings_assignment(const char *section, const char *key, const char *value, const char *filename,
                               unsigned line, void *userdata) {
        PortableSettings *s = userdata;
        int r;

        if (!section || !streq(section, "Portable"))
                return log_error_errno(EBADMSG, "%s:%u: Setting %s= outside of the [Portable] section.",
                                       filename, line, key);

        if (streq(key, "Profile")) {
                if (isempty(value)) {
                        s->profile = mfree(s->profile);
                        return 0;
                }
                if (!profile_name_is_valid(value))
                        return log_error_errno(EINVAL, "%s:%u: Invalid profile name '%s'.", filename, line, value);
                return free_and_strdup(&s->profile, value);
        }

        if (streq(key, "Enable")) {
                if (isempty(value)) {
                        s->enable = -1;
                        return 0;
                }
                r = parse_boolean(value);
                if (r < 0)
                        return log_error_errno(EINVAL, "%s:%u: Invalid boolean Enable=%s.", filename, line, value);
                s->enable = r;
                return 0;
        }

        if (streq(key, "Prefixes")) {
                _cleanup_strv_free_ char **l = NULL;

                /* The first Prefixes= of an image's own settings replaces the global list. */
                if (s->prefixes_inherited) {
                        s->prefixes = strv_free(s->prefixes);
                        s->prefixes_inherited = false;
                }

                if (isempty(value)) {
                        s->prefixes = strv_free(s->prefixes);
                        return 0;
                }

                r = strv_split_words(value, &l);
                if (r < 0)
                        return log_error_errno(r, "%s:%u: Invalid Prefixes=%s.", filename, line, value);
                STRV_FOREACH(p, l)
                        if (!portable_prefix_is_valid(*p))
                                return log_error_errno(EINVAL, "%s:%u: Invalid unit name prefix '%s'.",
                                                       filename, line, *p);

                /* Several Prefixes= lines add up, as list settings in systemd do. */
                STRV_FOREACH(p, l)
                        if (!strv_contains(s->prefixes, *p)) {
                                r = strv_extend(&s->prefixes, *p);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        }

        if (streq(key, "Verity")) {
                VerityPolicy p;

                if (isempty(value)) {
                        s->verity = _VERITY_POLICY_INVALID;
                        return 0;
                }
                p = verity_policy_from_string(value);
                if (p < 0)
                        return log_error_errno(EINVAL, "%s:%u: Invalid Verity=%s (expected auto, yes or signed).",
                                               filename, line, value);
                s->verity = p;
                return 0;
        }

        if (streq(key, "Extensions")) {
                _cleanup_strv_free_ char **l = NULL;

                /* As systemd's list settings: lines add up (the global ones first, at the bottom
                 * of the stack), an empty one resets. */
                if (isempty(value)) {
                        s->extensions = strv_free(s->extensions);
                        return 0;
                }
                r = strv_split_words(value, &l);
                if (r < 0)
                        return log_error_errno(r, "%s:%u: Invalid Extensions=%s.", filename, line, value);
                STRV_FOREACH(e, l)
                        if (!extension_name_is_valid(*e))
                                return log_error_errno(EINVAL, "%s:%u: Invalid extension '%s' (an image name or an "
                                                       "absolute path).", filename, line, *e);
                STRV_FOREACH(e, l) {
                        if (strv_length(s->extensions) >= EXTENSIONS_MAX)
                                return log_error_errno(E2BIG, "%s:%u: More than %u extensions.", filename, line,
                                                       EXTENSIONS_MAX);
                        if (strv_contains(s->extensions, *e))
                                return log_error_errno(EINVAL, "%s:%u: Extension '%s' named twice.", filename,
                                                       line, *e);
                        r = strv_extend(&s->extensions, *e);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        if (streq(key, "Restart")) {
                RestartPolicy p;

                if (isempty(value)) {
                        s->restart = _RESTART_POLICY_INVALID;
                        return 0;
                }
                p = restart_policy_from_string(value);
                if (p < 0)
                        return log_error_errno(EINVAL, "%s:%u: Invalid Restart=%s (expected no or changed).",
                                               filename, line, value);
                s->restart = p;
                return 0;
        }

        if (streq(key, "RootHash")) {
                VerityPin pin = {};
                const char *reason = NULL;

                verity_pin_done(&s->root_hash);
                if (isempty(value))
                        return 0;
                if (verity_parse_root_hash(value, strlen(value), pin.root_hash, &pin.root_hash_size, &reason) < 0)
                        return log_error_errno(EINVAL, "%s:%u: Invalid RootHash=%s: %s.", filename, line, value, reason);
                if (asprintf(&pin.origin, "RootHash= in %s:%u", filename, line) < 0)
                        return -ENOMEM;
                s->root_hash = pin;
                return 0;
        }

        if (streq(key, "TimeBudgetSec")) {
                char *e;
                double d;

                if (isempty(value)) {
                        s->time_budget_usec = UINT64_MAX;
                        return 0;
                }
                if (streq(value, "infinity")) {
                        s->time_budget_usec = 0;
                        return 0;
                }
                errno = 0;
                d = strtod(value, &e);
                if (errno != 0 || e == value || d <= 0 || d > 3600 ||
                    !(streq(e, "") || streq(e, "s") || streq(e, "ms")))
                        return log_error_errno(EINVAL, "%s:%u: Invalid TimeBudgetSec=%s (seconds, \"500ms\", or \"infinity\").",
                                               filename, line, value);
                s->time_budget_usec = (uint64_t) (d * (streq(e, "ms") ? 1000.0 : 1000000.0));
                return 0;
        }

        return log_error_errno(EBADMSG, "%s:%u: Unknown setting %s=.", filename, line, key);
}

static int settings_garbage(const char *text, const char *filename, unsigned line, void *userdata) {
        return log_error_errno(EBADMSG, "%s:%u: Not a setting: '%s'.", filename, line, text);
}

int portable_settings_parse(PortableSettings *s, const char *text, const char *filename) {
        return ini_parse(text, filename, settings_assignment, settings_garbage, s);
}

static int settings_load_file(const Context *c, PortableSettings *s, const char *path) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = host_read_file(c, path, SMALL_FILE_SIZE_MAX, &text, /* ret_size= */ NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read settings file %s: %m", path);

        r = portable_settings_parse(s, text, path);
        if (r < 0)
                return r;

        return strv_extend(&s->sources, path);
}

static bool path_is_masked(const Context *c, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        /* A symlink to /dev/null (or an empty file, as systemd also accepts for drop-ins): masked. */
        fd = host_open(c, path, 0);
        if (fd < 0)
                return false;
        if (fstat(fd, &st) < 0)
                return false;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

/* Drop-ins named *.conf in "<dir>/<dname>" for each of dirs: sorted by file name, a name in an
 * earlier directory hides the same name in later ones, and a masked one hides without being read. */
static int settings_load_dropins(const Context *c, PortableSettings *s, const char *const *dirs, const char *dname) {
        _cleanup_strv_free_ char **names = NULL, **paths = NULL;
        int r;

        for (const char *const *d = dirs; *d; d++) {
                _cleanup_free_ char *dir = NULL;
                _cleanup_closedir_ DIR *dd = NULL;
                _cleanup_strv_free_ char **l = NULL;

                dir = strjoin(*d, "/", dname);
                if (!dir)
                        return -ENOMEM;

                r = host_opendir(c, dir, &dd);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "Failed to open settings directory %s: %m", dir);

                r = dir_list(dd, ".conf", SIZE_MAX, &l);
                if (r < 0)
                        return log_error_errno(r, "Failed to list %s: %m", dir);

                STRV_FOREACH(n, l) {
                        if (strv_contains(names, *n))
                                continue;
                        r = strv_extend(&names, *n);
                        if (r < 0)
                                return r;
                        r = strv_consume(&paths, strjoin(dir, "/", *n));
                        if (r < 0)
                                return r;
                }
        }

        /* Apply in file name order across directories. */
        for (size_t i = 0; names && names[i]; i++)
                for (size_t j = i + 1; names[j]; j++)
                        if (strcmp(names[j], names[i]) < 0) {
                                char *t = names[i];
                                names[i] = names[j];
                                names[j] = t;
                                t = paths[i];
                                paths[i] = paths[j];
                                paths[j] = t;
                        }

        STRV_FOREACH(p, paths) {
                if (path_is_masked(c, *p))
                        continue;
                r = settings_load_file(c, s, *p);
                if (r < 0)
                        return r;
        }

        return 0;
}

int portable_settings_load_global(const Context *c, PortableSettings *ret) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;
        int r;

        assert(ret);

        r = host_exists(c, "/etc/systemd/portable.conf");
        if (r < 0)
                return log_error_errno(r, "Failed to check /etc/systemd/portable.conf: %m");
        if (r > 0 && !path_is_masked(c, "/etc/systemd/portable.conf")) {
                r = settings_load_file(c, &s, "/etc/systemd/portable.conf");
                if (r < 0)
                        return r;
        }

        r = settings_load_dropins(c, &s, config_dropin_dirs, "portable.conf.d");
        if (r < 0)
                return r;

        /* One root hash for every image cannot be meant. */
        if (verity_pin_set(&s.root_hash))
                return log_error_errno(EINVAL, "%s: RootHash= belongs in an image's NAME.portable, not in the global settings.",
                                       s.root_hash.origin);

        *ret = s;
        s = PORTABLE_SETTINGS_NULL;
        return 0;
}

static int settings_copy(const PortableSettings *from, PortableSettings *to) {
        *to = PORTABLE_SETTINGS_NULL;
        to->enable = from->enable;
        to->verity = from->verity;
        to->restart = from->restart;
        to->time_budget_usec = from->time_budget_usec;
        to->prefixes_inherited = true;
        if (verity_pin_copy(&from->root_hash, &to->root_hash) < 0)
                return -ENOMEM;
        if (free_and_strdup(&to->profile, from->profile) < 0)
                return -ENOMEM;
        STRV_FOREACH(p, from->prefixes)
                if (strv_extend(&to->prefixes, *p) < 0)
                        return -ENOMEM;
        STRV_FOREACH(p, from->extensions)
                if (strv_extend(&to->extensions, *p) < 0)
                        return -ENOMEM;
        STRV_FOREACH(p, from->sources)
                if (strv_extend(&to->sources, *p) < 0)
                        return -ENOMEM;
        return 0;
}

int portable_settings_load_image(const Context *c, const char *name, const PortableSettings *global,
                                 PortableSettings *ret) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;
        _cleanup_free_ char *fn = NULL, *dn = NULL;
        int r;

        assert(ret);

        r = settings_copy(global, &s);
        if (r < 0)
                return r;

        fn = strjoin(name, ".portable");
        dn = strjoin(name, ".portable.d");
        if (!fn || !dn)
                return -ENOMEM;

        for (const char *const *d = portable_search_dirs; *d; d++) {
                _cleanup_free_ char *p = strjoin(*d, "/", fn);
                if (!p)
                        return -ENOMEM;

                r = host_exists(c, p);
                if (r < 0)
                        return log_error_errno(r, "Failed to check %s: %m", p);
                if (r == 0)
                        continue;

                if (!path_is_masked(c, p)) {
                        r = settings_load_file(c, &s, p);
                        if (r < 0)
                                return r;
                }
                break;
        }

        r = settings_load_dropins(c, &s, portable_search_dirs, dn);
        if (r < 0)
                return r;

        *ret = s;
        s = PORTABLE_SETTINGS_NULL;
        return 0;
}

const char *portable_settings_profile(const PortableSettings *s) {
        assert(s);

        return s->profile ?: "default";
}

bool portable_settings_enable(const PortableSettings *s) {
        assert(s);

        return s->enable != 0;
}

VerityPolicy portable_settings_verity(const PortableSettings *s) {
        assert(s);

        /* A pinned root hash means verified data: the pin is checked against what is read. */
        if (verity_pin_set(&s->root_hash) && (s->verity < 0 || s->verity == VERITY_AUTO))
                return VERITY_REQUIRED;
        return s->verity < 0 ? VERITY_AUTO : s->verity;
}

const VerityPin *portable_settings_root_hash(const PortableSettings *s) {
        assert(s);

        return verity_pin_set(&s->root_hash) ? &s->root_hash : NULL;
}

uint64_t portable_settings_time_budget_usec(const PortableSettings *s) {
        assert(s);

        return s->time_budget_usec == UINT64_MAX ? TIME_BUDGET_USEC_DEFAULT : s->time_budget_usec;
}

RestartPolicy portable_settings_restart(const PortableSettings *s) {
        assert(s);

        return s->restart < 0 ? RESTART_NO : s->restart;
}
