/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdarg.h>

#include "context.h"
#include "fileio.h"
#include "ini.h"
#include "string-util.h"
#include "strv.h"
#include "sysusers.h"
#include "unit-extract.h"

#define NAME_LEN_MAX 31U        /* UT_NAMESIZE - 1, as systemd has it */

static const char *const sysusers_dirs[] = { "/etc/sysusers.d", "/usr/lib/sysusers.d", NULL };

static void entry_done(SysusersEntry *e) {
        free(e->name);
        free(e->group);
        free(e->description);
        free(e->home);
        free(e->shell);
        free(e->source);
}

void sysusers_done(Sysusers *s) {
        assert(s);

        for (size_t k = 0; k < s->n_entries; k++)
                entry_done(s->entries + k);
        free(s->entries);
        strv_free(s->files);
        *s = (Sysusers) {};
}

bool sysusers_valid_name(const char *n) {
        size_t l;

        if (!n || !(ascii_isalpha(n[0]) || n[0] == '_'))
                return false;
        for (l = 1; n[l]; l++)
                if (!ascii_isalpha(n[l]) && !ascii_isdigit(n[l]) && n[l] != '_' && n[l] != '-')
                        return false;
        return l <= NAME_LEN_MAX;
}

bool sysusers_valid_gecos(const char *d) {
        return string_is_printable(d) && !strchr(d, ':');
}

bool sysusers_valid_passwd_path(const char *p) {
        assert(p);

        if (p[0] != '/' || !string_is_printable(p) || strchr(p, ':') || strlen(p) > 4096)
                return false;
        return !strstr(p, "/../") && !endswith(p, "/..") && !strstr(p, "//");
}

typedef struct LineError {
        char **error;
        const char *filename;
        unsigned line;
} LineError;

static int fail(const LineError *le, const char *fmt, ...) _printf_(2, 3);
static int fail(const LineError *le, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL, *f = log_escape(le->filename);
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = free_and_vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0 || !f)
                return -ENOMEM;
        if (asprintf(le->error, "%s:%u: %s", f, le->line, m) < 0) {
                *le->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

static bool empty_or_dash(const char *s) {
        return isempty(s) || streq(s, "-");
}

static int parse_line(Sysusers *s, const char *line, const LineError *le) {
        _cleanup_free_ char *type = NULL, *name = NULL, *id = NULL, *description = NULL, *home = NULL,
                *shell = NULL, *extra = NULL;
        _cleanup_(entry_done) SysusersEntry e = {};
        char **fields[] = { &type, &name, &id, &description, &home, &shell };
        const char *p = line;
        SysusersEntry *n;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
                r = extract_first_word(&p, fields[k]);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(le, "unbalanced quotes");
                if (r == 0)
                        break;
        }
        r = extract_first_word(&p, &extra);
        if (r == -ENOMEM)
                return r;
        if (r != 0)
                return fail(le, "trailing garbage after the shell field");

        for (size_t k = 0; k < ELEMENTSOF(fields); k++)
                if (*fields[k] && strchr(*fields[k], '%'))
                        return fail(le, "specifiers ('%%') are not supported: they would expand to the host's values");

        if (!type || strlen(type) != 1 || !strchr("ugmr", type[0]))
                return fail(le, "unknown line type '%s' (expected u, g, m or r)", strna(type));

        if (empty_or_dash(name))
                name = mfree(name);
        if (empty_or_dash(id))
                id = mfree(id);
        if (empty_or_dash(description))
                description = mfree(description);
        if (empty_or_dash(home))
                home = mfree(home);
        if (empty_or_dash(shell))
                shell = mfree(shell);

        if (type[0] == 'r') {
                if (name)
                        return fail(le, "lines of type 'r' take no name");
                if (!id)
                        return fail(le, "lines of type 'r' need an ID range");
                s->n_ignored++;         /* the host's ranges rule */
                return 0;
        }

        if (!name)
                return fail(le, "lines of type '%c' need a name", type[0]);
        if (!sysusers_valid_name(name))
                return fail(le, "'%s' is not a valid user or group name", name);
        if (type[0] != 'u' && (description || home || shell))
                return fail(le, "lines of type '%c' take no description, home or shell", type[0]);

        e.type = type[0];
        e.name = TAKE_PTR(name);

        if (type[0] == 'm') {
                if (!id)
                        return fail(le, "lines of type 'm' need a group name");
                if (!sysusers_valid_name(id))
                        return fail(le, "'%s' is not a valid group name", id);
                if (streq(id, "root"))
                        return fail(le, "adding %s to group root (gid 0) is refused", e.name);
                e.group = TAKE_PTR(id);
        } else if (id) {
                char *colon = type[0] == 'u' ? strchr(id, ':') : NULL;
                const char *u = id;

                if (id[0] == '/')
                        return fail(le, "an ID taken from a file's owner (%s) is not supported: the file would be "
                                    "looked up on the host, not in the image", id);
                if (colon) {
                        const char *g = colon + 1;
                        uint32_t v;

                        *colon = 0;
                        if (account_parse_id(g, &v) >= 0) {
                                e.gid = v;
                                e.has_gid = true;
                        } else if (sysusers_valid_name(g)) {
                                e.group = strdup(g);
                                if (!e.group)
                                        return -ENOMEM;
                        } else
                                return fail(le, "invalid group '%s' in the ID field", g);
                }
                if (!streq(u, "-")) {
                        uint32_t v;

                        if (account_parse_id(u, &v) < 0)
                                return fail(le, "invalid %s '%s'", type[0] == 'u' ? "uid" : "gid", u);
                        if (type[0] == 'u') {
                                e.uid = v;
                                e.has_uid = true;
                        } else {
                                e.gid = v;
                                e.has_gid = true;
                        }
                }
        }

        if (description && !sysusers_valid_gecos(description))
                return fail(le, "invalid description (control characters or ':')");
        if (home && !sysusers_valid_passwd_path(home))
                return fail(le, "invalid home directory '%s'", home);
        if (shell && !sysusers_valid_passwd_path(shell))
                return fail(le, "invalid shell '%s'", shell);
        e.description = TAKE_PTR(description);
        e.home = TAKE_PTR(home);
        e.shell = TAKE_PTR(shell);

        /* uid/gid 0 belong to root alone; the root entries themselves are no-ops on every host. */
        if ((e.has_uid && e.uid == 0) || (e.has_gid && e.gid == 0) || (e.group && streq(e.group, "root"))) {
                if (streq(e.name, "root") && (!e.group || streq(e.group, "root"))) {
                        s->n_ignored++;
                        return 0;
                }
                return fail(le, "%s %s asks for %s 0, which belongs to root: refused",
                            e.type == 'u' ? "user" : "group", e.name,
                            e.has_uid && e.uid == 0 ? "uid" : "gid");
        }
        if (streq(e.name, "root"))
                return fail(le, "entry for root with another ID or group: refused");

        if (s->n_entries >= SYSUSERS_ENTRIES_MAX)
                return fail(le, "more than %u entries", SYSUSERS_ENTRIES_MAX);

        if (asprintf(&e.source, "%s:%u", le->filename, le->line) < 0) {
                e.source = NULL;
                return -ENOMEM;
        }

        n = reallocarray(s->entries, s->n_entries + 1, sizeof(SysusersEntry));
        if (!n)
                return -ENOMEM;
        s->entries = n;
        s->entries[s->n_entries++] = TAKE_STRUCT(e);
        return 0;
}

int sysusers_parse(Sysusers *s, const char *text, const char *filename, char **ret_error) {
        _cleanup_free_ char *copy = strdup(text);
        LineError le = { .error = ret_error, .filename = filename };
        int r;

        assert(text);

        if (!copy)
                return -ENOMEM;
        *ret_error = NULL;

        for (char *line = copy, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                le.line++;

                line = strstrip(line);
                if (isempty(line) || line[0] == '#')
                        continue;
                if (!string_is_printable(line))
                        return fail(&le, "control characters or invalid UTF-8");

                r = parse_line(s, line, &le);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sysusers_read_image(const ImageFS *fs, Sysusers *ret, char **ret_error) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_strv_free_ char **seen = NULL;
        int r;

        assert(ret);
        assert(ret_error);

        *ret_error = NULL;

        for (size_t k = 0; sysusers_dirs[k]; k++) {
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(fs, sysusers_dirs[k], &names);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        if (asprintf(ret_error, "%s cannot be listed: %s", sysusers_dirs[k], strerror(-r)) < 0)
                                *ret_error = NULL;
                        return -EBADMSG;
                }

                STRV_FOREACH(n, names) {
                        _cleanup_free_ char *path = NULL, *text = NULL;
                        _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;

                        if (!endswith(*n, ".conf") || strv_contains(seen, *n))
                                continue;
                        r = strv_extend(&seen, *n);
                        if (r < 0)
                                return r;

                        path = strjoin(sysusers_dirs[k], "/", *n);
                        if (!path)
                                return -ENOMEM;

                        if (strv_length(s.files) >= SYSUSERS_FILES_MAX) {
                                if (asprintf(ret_error, "more than %u sysusers.d files", SYSUSERS_FILES_MAX) < 0)
                                        *ret_error = NULL;
                                return -EBADMSG;
                        }

                        r = image_fs_open_unit_file(fs, sysusers_dirs[k], *n, &f, /* ret_alias= */ NULL);
                        if (r == 1)
                                continue;       /* masked */
                        if (r == 2)             /* a link to another name: read what it points to */
                                r = image_fs_read_file(fs, path, SYSUSERS_FILE_SIZE_MAX, &text);
                        else if (r == 0)
                                r = image_file_read(&f, SYSUSERS_FILE_SIZE_MAX, &text, /* ret_size= */ NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                if (asprintf(ret_error, "%s cannot be read: %s", path, read_error_to_string(r)) < 0)
                                        *ret_error = NULL;
                                return -EBADMSG;
                        }

                        r = strv_extend(&s.files, path);
                        if (r < 0)
                                return r;
                        r = sysusers_parse(&s, text, path, ret_error);
                        if (r < 0)
                                return r;
                }
        }

        *ret = TAKE_STRUCT(s);
        return 0;
}

static int append_field(char **line, const char *v) {
        _cleanup_free_ char *q = NULL;

        if (!v)
                return strextend(line, " -") ? 0 : -ENOMEM;

        /* Double quotes, with '"' and '\\' escaped: extract_first_word() reads it back as it was. */
        q = malloc(strlen(v) * 2 + 3);
        if (!q)
                return -ENOMEM;
        {
                char *t = q;
                *t++ = '"';
                for (const char *p = v; *p; p++) {
                        if (*p == '"' || *p == '\\')
                                *t++ = '\\';
                        *t++ = *p;
                }
                *t++ = '"';
                *t = 0;
        }
        return strextend(line, " ", q) ? 0 : -ENOMEM;
}

int sysusers_entry_format(const SysusersEntry *e, char **ret) {
        _cleanup_free_ char *line = NULL, *id = NULL;
        int r;

        assert(ret);

        line = strndup(&e->type, 1);
        if (!line)
                return -ENOMEM;
        r = append_field(&line, e->name);
        if (r < 0)
                return r;

        if (e->type == 'm')
                id = strdup(e->group);
        else if (e->type == 'g')
                r = e->has_gid ? asprintf(&id, "%u", (unsigned) e->gid) : 0;
        else if (e->has_gid || e->group) {
                char u[16] = "-";

                if (e->has_uid)
                        (void) snprintf(u, sizeof(u), "%u", (unsigned) e->uid);
                r = e->has_gid ? asprintf(&id, "%s:%u", u, (unsigned) e->gid) : asprintf(&id, "%s:%s", u, e->group);
        } else
                r = e->has_uid ? asprintf(&id, "%u", (unsigned) e->uid) : 0;
        if (r < 0 || (e->type == 'm' && !id))
                return -ENOMEM;

        r = append_field(&line, id);
        if (r >= 0 && e->type == 'u') {
                r = append_field(&line, e->description);
                if (r >= 0)
                        r = append_field(&line, e->home);
                if (r >= 0)
                        r = append_field(&line, e->shell);
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(line);
        return 0;
}

static int problem(char **ret, const SysusersEntry *e, const char *fmt, ...) _printf_(3, 4);
static int problem(char **ret, const SysusersEntry *e, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = free_and_vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s: %s", e->source, m) < 0)
                return -ENOMEM;
        return 1;
}

/* Whether an earlier entry of the image creates group g. */
static bool image_creates_group(const Sysusers *s, size_t upto, const char *g) {
        for (size_t k = 0; k < upto; k++)
                if (IN_SET(s->entries[k].type, 'u', 'g') && streq(s->entries[k].name, g))
                        return true;
        return false;
}

int sysusers_check_host(const Sysusers *s, const HostAccounts *h, char **ret_problem, char ***ret_new) {
        _cleanup_strv_free_ char **created = NULL;

        *ret_problem = NULL;

        for (size_t k = 0; k < s->n_entries; k++) {
                const SysusersEntry *e = s->entries + k;
                const HostAccount *byname, *byid;

                switch (e->type) {

                case 'u':
                        byname = host_account_by_name(h->users, h->n_users, e->name);
                        if (byname) {
                                if (e->has_uid && byname->id != e->uid)
                                        return problem(ret_problem, e, "user %s exists on the host with uid %u, "
                                                       "the image asks for uid %u", e->name, byname->id, e->uid);
                                break;  /* exists: never touched */
                        }
                        if (e->has_uid) {
                                byid = host_account_by_id(h->users, h->n_users, e->uid);
                                if (byid)
                                        return problem(ret_problem, e, "uid %u of user %s is the host's user %s",
                                                       e->uid, e->name, byid->name);
                        }
                        if (e->has_gid) {
                                byid = host_account_by_id(h->groups, h->n_groups, e->gid);
                                if (byid && !streq(byid->name, e->name))
                                        return problem(ret_problem, e, "gid %u of user %s is the host's group %s",
                                                       e->gid, e->name, byid->name);
                        }
                        {
                                _cleanup_free_ char *l = NULL;
                                if (e->has_uid ? asprintf(&l, "user %s (uid %u)", e->name, e->uid) < 0
                                               : asprintf(&l, "user %s", e->name) < 0)
                                        return -ENOMEM;
                                if (strv_consume(&created, TAKE_PTR(l)) < 0)
                                        return -ENOMEM;
                        }
                        break;

                case 'g':
                        byname = host_account_by_name(h->groups, h->n_groups, e->name);
                        if (byname) {
                                if (e->has_gid && byname->id != e->gid)
                                        return problem(ret_problem, e, "group %s exists on the host with gid %u, "
                                                       "the image asks for gid %u", e->name, byname->id, e->gid);
                                break;
                        }
                        if (e->has_gid) {
                                byid = host_account_by_id(h->groups, h->n_groups, e->gid);
                                if (byid)
                                        return problem(ret_problem, e, "gid %u of group %s is the host's group %s",
                                                       e->gid, e->name, byid->name);
                        }
                        {
                                _cleanup_free_ char *l = NULL;
                                if (e->has_gid ? asprintf(&l, "group %s (gid %u)", e->name, e->gid) < 0
                                               : asprintf(&l, "group %s", e->name) < 0)
                                        return -ENOMEM;
                                if (strv_consume(&created, TAKE_PTR(l)) < 0)
                                        return -ENOMEM;
                        }
                        break;

                case 'm':
                        byname = host_account_by_name(h->groups, h->n_groups, e->group);
                        if (byname) {
                                if (byname->id == 0)
                                        return problem(ret_problem, e, "adding %s to the host's group %s (gid 0) is refused",
                                                       e->name, e->group);
                                if (strv_contains(byname->members, e->name))
                                        break;
                                return problem(ret_problem, e, "adding %s to the host's existing group %s would change "
                                               "that group: refused", e->name, e->group);
                        }
                        if (!image_creates_group(s, s->n_entries, e->group))
                                return problem(ret_problem, e, "group %s is neither on the host nor created by the image",
                                               e->group);
                        break;
                }
        }

        if (ret_new)
                *ret_new = TAKE_PTR(created);
        return 0;
}

/* ---- boolean settings of a profile ---- */

typedef struct BoolSetting {
        const char *key;
        int value;
} BoolSetting;

static int collect_bool(const char *section, const char *key, const char *value, const char *filename,
                        unsigned line, void *userdata) {
        BoolSetting *b = userdata;
        int v;

        if (!section || !streq(section, "Service") || !streq(key, b->key))
                return 0;
        if (isempty(value)) {
                b->value = -ENOENT;
                return 0;
        }
        v = parse_boolean(value);
        if (v >= 0)
                b->value = v;
        return 0;
}

int service_text_boolean(const char *text, const char *key) {
        BoolSetting b = { .key = key, .value = -ENOENT };
        int r;

        if (!text)
                return -ENOENT;
        r = ini_parse(text, "service", collect_bool, ini_garbage_ignore, &b);
        if (r < 0 && r != -ENOENT)
                return -ENOENT;
        return b.value;
}
