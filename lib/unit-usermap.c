/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "account-text.h"
#include "escape.h"
#include "fileio.h"
#include "ini.h"
#include "log.h"
#include "plan-internal.h"
#include "string-util.h"
#include "strv.h"
#include "unit-identity.h"
#include "unit-usermap.h"

void image_usermap_done(ImageUsermap *m) {
        free(m->passwd);
        free(m->group);
        free(m->profile_text);
        free(m->image_path);
        strv_free(m->units);
        *m = (ImageUsermap) {};
}

static int read_db(const ImageFS *fs, const char *image_path, const char *path, AccountDb db, char **ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = image_fs_read_file(fs, path, IMAGE_ACCOUNTS_FILE_SIZE_MAX, &text);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r == -EFBIG) {
                log_notice("Image %s: %s is larger than %u KiB: its services' sandbox keeps the image's own.",
                           image_path, path, IMAGE_ACCOUNTS_FILE_SIZE_MAX / 1024U);
                *ret = NULL;
                return 0;
        }
        if (r < 0) {
                log_notice("Image %s: %s cannot be read (%s): its services' sandbox keeps the image's own.",
                           image_path, path, read_error_to_string(r));
                *ret = NULL;
                return 0;
        }

        return account_text_filter(text, db, NULL, ret, NULL);
}

int image_usermap_read(const ImageFS *fs, const char *image_path, int profile_dynamic_user, bool trusted,
                       const char *profile_text, const ImageUnits *units, ImageUsermap *ret) {
        _cleanup_(image_usermap_done) ImageUsermap m = {};
        bool any_service = false;
        int r;

        assert(fs);
        assert(image_path);
        assert(units);
        assert(ret);

        *ret = (ImageUsermap) {};
        for (size_t k = 0; k < units->n_units; k++)
                if (units->units[k].type == UNIT_SERVICE)
                        any_service = true;
        if (profile_dynamic_user != 1 || trusted || !any_service)
                return 0;

        r = read_db(fs, image_path, "/etc/passwd", ACCOUNT_DB_PASSWD, &m.passwd);
        if (r < 0)
                return r;
        r = read_db(fs, image_path, "/etc/group", ACCOUNT_DB_GROUP, &m.group);
        if (r < 0)
                return r;
        if (!m.passwd && !m.group)
                return 0;
        if (profile_text) {
                m.profile_text = strdup(profile_text);
                if (!m.profile_text)
                        return -ENOMEM;
        }
        m.image_path = strdup(image_path);
        if (!m.image_path)
                return -ENOMEM;

        m.enabled = true;
        *ret = m;
        m = (ImageUsermap) {};
        return 0;
}

/* The user whose files service u gets, or NULL. */
static int usermap_user(const ImageUsermap *m, const ImageUnit *u, char **ret) {
        bool dynamic;
        int r;

        *ret = NULL;
        if (!m->enabled || u->type != UNIT_SERVICE)
                return 0;
        r = unit_service_identity(u, 1, ret, &dynamic);
        if (r < 0)
                return r;
        assert(dynamic);
        return 0;
}

int unit_usermap_files(ImageUsermap *m, const ImageUnit *u, PlannedUnit *pu) {
        _cleanup_free_ char *user = NULL, *passwd = NULL, *user_line = NULL;
        size_t bytes;
        int r;

        assert(m);
        assert(u);
        assert(pu);

        r = usermap_user(m, u, &user);
        if (r < 0 || !user)
                return r;

        r = account_text_filter(strempty(m->passwd), ACCOUNT_DB_PASSWD, user, &passwd, &user_line);
        if (r < 0)
                return r;

        bytes = strlen(passwd) + strlen(strempty(m->group)) + strlen(strempty(user_line));
        if (bytes > USERMAP_IMAGE_BYTES_MAX - m->bytes) {
                log_notice("Image %s: service %s keeps the image's /etc/passwd and /etc/group in its sandbox: "
                           "the copies for its services would exceed %u MiB.", m->image_path, u->name,
                           USERMAP_IMAGE_BYTES_MAX / 1024U / 1024U);
                return 0;
        }
        r = strv_extend(&m->units, u->name);
        if (r < 0)
                return r;
        m->bytes += bytes;

        r = planned_unit_add_file(pu, strjoin(USERMAP_TEMPLATE_DIR "/", u->name, "/passwd"), TAKE_PTR(passwd), NULL);
        if (r >= 0)
                r = planned_unit_add_file(pu, strjoin(USERMAP_TEMPLATE_DIR "/", u->name, "/group"),
                                          strdup(strempty(m->group)), NULL);
        if (r >= 0)
                r = planned_unit_add_file(pu, strjoin(USERMAP_TEMPLATE_DIR "/", u->name, "/user"),
                                          user_line ? TAKE_PTR(user_line) : strdup(""), NULL);
        return r;
}

/* ExecCondition= of the unit, its drop-ins and the profile, in the order systemd applies them. */
static int collect_condition(const char *section, const char *key, const char *value, const char *filename,
                             unsigned line, void *userdata) {
        char ***l = userdata;

        if (!section || !streq(section, "Service") || !streq(key, "ExecCondition"))
                return 0;
        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }
        return strv_extend(l, value);
}

static int exec_conditions(const ImageUsermap *m, const ImageUnit *u, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = ini_parse(u->content, u->source, collect_condition, ini_garbage_ignore, &l);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = ini_parse(u->dropins[k].content, u->dropins[k].source, collect_condition, ini_garbage_ignore, &l);
        if (r >= 0 && m->profile_text)
                r = ini_parse(m->profile_text, "profile", collect_condition, ini_garbage_ignore, &l);
        /* Files systemd would not load are not attached (unit-rules.h): only running out of memory
         * stops the parse here. */
        if (r == -ENOMEM)
                return r;

        *ret = TAKE_PTR(l);
        return 0;
}

int unit_usermap_dropin(const ImageUsermap *m, const ImageUnit *u, char **text) {
        _cleanup_free_ char *user = NULL, *unit_word = NULL;
        _cleanup_strv_free_ char **conditions = NULL;
        int r;

        assert(m);
        assert(u);
        assert(text);

        if (!strv_contains(m->units, u->name))
                return 0;
        r = usermap_user(m, u, &user);
        if (r < 0 || !user)
                return r;

        r = exec_conditions(m, u, &conditions);
        if (r < 0)
                return r;

        /* A word of a command line is unescaped before its specifiers are resolved: "%n" is the
         * unit's name as it is, the unit file's name ("\x2d" in it) must be quoted. The user name
         * is a valid one (no specifiers, no white space). */
        unit_word = strchr(u->name, '\\') ? unit_quote_word(u->name) : unit_escape_specifiers(u->name);
        if (!unit_word)
                return -ENOMEM;

        if (!strextend(text,
                       "# Its user ", user, " is its dynamic user in the sandbox's /etc/passwd and /etc/group:\n",
                       "# the image's files, with that user's uid and gid, made when it starts.\n"))
                return -ENOMEM;
        /* First of the list, before the image's own (which run in the sandbox, with the files). */
        if (conditions && !strextend(text, "ExecCondition=\n"))
                return -ENOMEM;
        if (!strextend(text,
                       "ExecCondition=+" USERMAP_BINARY " setup %n ", user, " ", unit_word, "\n"))
                return -ENOMEM;
        STRV_FOREACH(c, conditions)
                if (!strextend(text, "ExecCondition=", *c, "\n"))
                        return -ENOMEM;
        if (!strextend(text,
                       "ExecStopPost=+" USERMAP_BINARY " remove %n\n",
                       m->passwd ? "BindReadOnlyPaths=-" USERMAP_RUNTIME_DIR "/%n/passwd:/etc/passwd\n" : "",
                       m->group ? "BindReadOnlyPaths=-" USERMAP_RUNTIME_DIR "/%n/group:/etc/group\n" : ""))
                return -ENOMEM;
        return 0;
}
