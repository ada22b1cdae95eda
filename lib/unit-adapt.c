/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "exec-dirs.h"
#include "ini.h"
#include "log.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-adapt.h"

#define TMPFILES_FILE_SIZE_MAX (64U * 1024U)
#define ADAPT_CANDIDATES_MAX 1024U

/* The directories derived (exec-dirs.h): not ConfigurationDirectory=, whose place is the host's /etc. */
static const ExecDirType adapt_types[] = { EXEC_DIR_STATE, EXEC_DIR_CACHE, EXEC_DIR_LOGS, EXEC_DIR_RUNTIME };
#define N_ADAPT_DIRS ELEMENTSOF(adapt_types)
#define ADAPT_RUNTIME 3
#define adapt_dirs(k) (exec_dir_kinds[adapt_types[k]])

/* What a service's unit and drop-ins say that matters here, read as systemd reads them. */
typedef struct UnitFacts {
        char *stem;                     /* "foo" of foo.service and foo@.service */
        char **declared[N_ADAPT_DIRS];  /* the names of its *Directory= settings */
        char **bind_targets;            /* BindPaths=, BindReadOnlyPaths= destinations */
        char *pid_file;                 /* the last PIDFile= */
        char **mentions;                /* "BASE/NAME" its texts name (/var/run as /run) */
        char **run_dirs;                /* NAME of those in /run that are directories */
} UnitFacts;

static void unit_facts_done(UnitFacts *f) {
        if (!f)
                return;
        free(f->stem);
        for (size_t k = 0; k < N_ADAPT_DIRS; k++)
                strv_free(f->declared[k]);
        strv_free(f->bind_targets);
        free(f->pid_file);
        strv_free(f->mentions);
        strv_free(f->run_dirs);
}

/* A directory name the package may have: what exec_dir_name() in unit-rules.c accepts, and
 * printable ASCII a drop-in can carry without quoting. */
static bool dir_name_ok(const char *n) {
        size_t l = strlen(n);

        if (l == 0 || l > 64 || n[0] == '.' || streq(n, "private"))
                return false;
        for (size_t i = 0; i < l; i++)
                if (!ascii_isalpha(n[i]) && !ascii_isdigit(n[i]) && !strchr("._-", n[i]))
                        return false;
        return true;
}

static int collect(const char *section, const char *key, const char *value, const char *filename,
                   unsigned line, void *userdata) {
        UnitFacts *f = userdata;
        const char *p = value;
        int r;

        if (!section || !streq(section, "Service"))
                return 0;

        if (streq(key, "PIDFile")) {
                char *v = isempty(value) ? NULL : strdup(value);
                if (!isempty(value) && !v)
                        return -ENOMEM;
                free(f->pid_file);
                f->pid_file = v;
                return 0;
        }

        if (streq(key, "BindPaths") || streq(key, "BindReadOnlyPaths")) {
                if (isempty(value)) {
                        f->bind_targets = strv_free(f->bind_targets);
                        return 0;
                }
                for (;;) {
                        _cleanup_free_ char *w = NULL;
                        const char *src, *colon;
                        char *t;

                        r = extract_first_word(&p, &w);
                        if (r == -ENOMEM)
                                return r;
                        if (r <= 0)
                                return 0;
                        src = w[0] == '-' ? w + 1 : w;
                        colon = strchr(src, ':');
                        t = colon ? strndup(colon + 1, strcspn(colon + 1, ":")) : strdup(src);
                        if (!t || strv_consume(&f->bind_targets, t) < 0)
                                return -ENOMEM;
                }
        }

        for (size_t k = 0; k < N_ADAPT_DIRS; k++) {
                if (!streq(key, adapt_dirs(k).key))
                        continue;
                if (isempty(value)) {
                        f->declared[k] = strv_free(f->declared[k]);
                        return 0;
                }
                for (;;) {
                        _cleanup_free_ char *w = NULL;

                        r = extract_first_word(&p, &w);
                        if (r == -ENOMEM)
                                return r;
                        if (r <= 0)
                                return 0;
                        w[strcspn(w, ":")] = 0;         /* "NAME[:SYMLINK]" */
                        if (strv_extend(&f->declared[k], w) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

int unit_text_bind_targets(const char *text, const char *filename, char ***targets) {
        UnitFacts f = {};
        int r;

        assert(targets);

        r = ini_parse(text, filename, collect, ini_garbage_ignore, &f);
        if (r == -ENOMEM) {
                unit_facts_done(&f);
                return r;
        }
        STRV_FOREACH(t, f.bind_targets)
                if (!strv_contains(*targets, *t) && strv_extend(targets, *t) < 0) {
                        unit_facts_done(&f);
                        return -ENOMEM;
                }
        unit_facts_done(&f);
        return 0;
}

/* The package directory paths a text names as paths of their own (not as the start of a longer
 * name), in one pass: "BASE/NAME" into f->mentions; and the directories in /run among them into
 * f->run_dirs: "/run/NAME/...", or "/run/NAME" at the end of a word if NAME has no "." ("mkdir -p
 * /run/mosquitto"; "/run/nginx.pid" is a file). At most UNIT_MENTIONS_MAX of each. */
#define UNIT_MENTIONS_MAX 64U

static bool path_char(char c) {
        return ascii_isalpha(c) || ascii_isdigit(c) || (c && strchr("_.", c));
}

static int text_mentions(const char *text, UnitFacts *f) {
        for (const char *s = text; s && *s; s++) {
                _cleanup_free_ char *name = NULL, *path = NULL;
                const char *rest = NULL, *base = NULL;
                size_t l;

                if (*s != '/' || (s > text && (path_char(s[-1]) || s[-1] == '/')))
                        continue;
                for (size_t k = 0; !rest && k < N_ADAPT_DIRS; k++) {
                        base = adapt_dirs(k).base;
                        rest = startswith(s, base);
                        if (!rest && k == ADAPT_RUNTIME)
                                rest = startswith(s, "/var/run");
                }
                if (!rest || *rest != '/')
                        continue;
                rest++;
                l = strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
                if (l == 0 || path_char(rest[l]))
                        continue;
                name = strndup(rest, l);
                if (!name)
                        return -ENOMEM;
                if (!dir_name_ok(name))
                        continue;
                path = strjoin(base, "/", name);
                if (!path)
                        return -ENOMEM;
                if (!strv_contains(f->mentions, path) && strv_length(f->mentions) < UNIT_MENTIONS_MAX &&
                    strv_consume(&f->mentions, TAKE_PTR(path)) < 0)
                        return -ENOMEM;
                if (streq(base, "/run") && (rest[l] == '/' || (!memchr(rest, '.', l) && (!rest[l] || strchr(" \t\n\"';", rest[l])))) &&
                    !strv_contains(f->run_dirs, name) && strv_length(f->run_dirs) < UNIT_MENTIONS_MAX &&
                    strv_consume(&f->run_dirs, TAKE_PTR(name)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int unit_facts_read(const ImageUnit *u, UnitFacts *ret) {
        UnitFacts f = {};
        size_t l = strcspn(u->name, "@");
        int r;

        if (!u->name[l])
                l = strrchr(u->name, '.') - u->name;
        f.stem = strndup(u->name, l);
        if (!f.stem)
                return -ENOMEM;

        r = image_unit_parse(u, collect, ini_garbage_ignore, NULL, &f);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = unit_dropin_parse(u->dropins + k, collect, ini_garbage_ignore, NULL, &f);
        if (r != -ENOMEM)
                r = text_mentions(u->content, &f);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = text_mentions(u->dropins[k].content, &f);
        if (r == -ENOMEM) {
                unit_facts_done(&f);
                return r;
        }
        *ret = f;
        return 0;
}

/* /run/NAME/... or /var/run/NAME/...: 1 with NAME, and whether more follows it; 0 for other paths. */
static int run_dir_of(const char *path, char **ret, bool *ret_below) {
        const char *rest = path ? startswith(path, "/run/") ?: startswith(path, "/var/run/") : NULL;
        size_t l;

        *ret = NULL;
        if (!rest || strchr(path, '%'))
                return 0;
        l = strcspn(rest, "/");
        if (ret_below)
                *ret_below = rest[l] == '/' && rest[l + 1];
        *ret = strndup(rest, l);
        return *ret ? 1 : -ENOMEM;
}

static bool path_at_or_below(const char *path, const char *dir) {
        const char *rest = startswith(path, dir);
        return rest && (!*rest || *rest == '/');
}

static int score(const ImageUnit *u, const UnitFacts *f, size_t kind, const char *name) {
        _cleanup_free_ char *path = NULL, *pid_dir = NULL, *dash = NULL;

        if (kind == ADAPT_RUNTIME) {
                bool below = false;
                int r = run_dir_of(f->pid_file, &pid_dir, &below);
                if (r < 0)
                        return r;
                if (r > 0 && below && streq(pid_dir, name))
                        return 4;
        }
        if (streq(f->stem, name))
                return 3;
        path = strjoin(adapt_dirs(kind).base, "/", name);
        dash = strjoin(name, "-");
        if (!path || !dash)
                return -ENOMEM;
        if (strv_contains(f->mentions, path))
                return 2;
        if (startswith(f->stem, dash))
                return 1;
        return 0;
}

/* The names of the image's tmpfiles.d "d" and "D" lines for /run. */
static int tmpfiles_run_dirs(const ImageFS *fs, char ***names) {
        int r;

        for (const char *const *d = (const char *const[]) { "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d", NULL }; *d; d++) {
                _cleanup_strv_free_ char **files = NULL;

                r = image_list_dir(fs, *d, &files);
                if (r == -ENOMEM)
                        return r;
                STRV_FOREACH(n, files) {
                        _cleanup_free_ char *path = NULL, *text = NULL;

                        if (!endswith(*n, ".conf"))
                                continue;
                        path = strjoin(*d, "/", *n);
                        if (!path)
                                return -ENOMEM;
                        r = image_fs_read_file(fs, path, TMPFILES_FILE_SIZE_MAX, &text);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue;

                        for (char *line = text, *next; line && *line; line = next) {
                                _cleanup_free_ char *type = NULL, *p = NULL, *name = NULL;
                                const char *q = line;

                                next = strchr(line, '\n');
                                if (next)
                                        *next++ = 0;
                                if (extract_first_word(&q, &type) <= 0 || extract_first_word(&q, &p) <= 0)
                                        continue;
                                if (!IN_SET(type[0], 'd', 'D'))
                                        continue;
                                r = run_dir_of(p, &name, /* ret_below= */ NULL);
                                if (r < 0)
                                        return r;
                                if (r > 0 && strv_length(*names) < ADAPT_CANDIDATES_MAX &&
                                    !strv_contains(*names, name) && dir_name_ok(name) &&
                                    strv_consume(names, TAKE_PTR(name)) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

static int candidates(const ImageFS *fs, size_t kind, ImageUnit **services, const UnitFacts *facts, size_t n,
                      char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **listed = NULL;
        int r;

        r = image_fs_list_dir(fs, adapt_dirs(kind).base, ADAPT_CANDIDATES_MAX, &listed);
        if (r == -ENOMEM)
                return r;
        STRV_FOREACH(l, listed) {
                _cleanup_free_ char *p = strjoin(adapt_dirs(kind).base, "/", *l);
                if (!p)
                        return -ENOMEM;
                if (dir_name_ok(*l) && image_fs_is_dir(fs, p) && strv_extend(&names, *l) < 0)
                        return -ENOMEM;
        }

        if (kind == ADAPT_RUNTIME) {
                r = tmpfiles_run_dirs(fs, &names);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        STRV_FOREACH(d, facts[i].run_dirs)
                                if (!strv_contains(names, *d) && strv_extend(&names, *d) < 0)
                                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *d = NULL;
                        bool below = false;

                        r = run_dir_of(facts[i].pid_file, &d, &below);
                        if (r < 0)
                                return r;
                        if (r > 0 && below && dir_name_ok(d) && !strv_contains(names, d) &&
                            strv_consume(&names, TAKE_PTR(d)) < 0)
                                return -ENOMEM;
                }
        }

        *ret = TAKE_PTR(names);
        return 0;
}

static int derive(const ImageFS *fs, ImageUnit **services, UnitFacts *facts, size_t n) {
        int r;

        for (size_t kind = 0; kind < N_ADAPT_DIRS; kind++) {
                _cleanup_strv_free_ char **names = NULL;

                r = candidates(fs, kind, services, facts, n, &names);
                if (r < 0)
                        return r;

                STRV_FOREACH(name, names) {
                        _cleanup_free_ char *path = NULL, *line = NULL;
                        bool declared = false, tie = false;
                        int best = 0;
                        size_t winner = 0;

                        for (size_t i = 0; i < n; i++)
                                declared = declared || strv_contains(facts[i].declared[kind], *name);
                        if (declared)
                                continue;

                        /* The best score; of equals a unit over a template (redis-server.service
                         * and redis-server@.service both name /var/lib/redis); else none. */
                        for (size_t i = 0; i < n; i++) {
                                int s = score(services[i], facts + i, kind, *name);
                                if (s < 0)
                                        return s;
                                s = 2 * s + !unit_name_is_template(services[i]->name);
                                if (s > best) {
                                        best = s;
                                        winner = i;
                                        tie = false;
                                } else if (s > 1 && s == best)
                                        tie = true;
                        }
                        if (best <= 1)
                                best = 0;
                        if (best == 0 || tie)
                                continue;

                        path = strjoin(adapt_dirs(kind).base, "/", *name);
                        if (!path)
                                return -ENOMEM;
                        {
                                bool binds_below = false;
                                STRV_FOREACH(t, facts[winner].bind_targets)
                                        binds_below = binds_below || path_at_or_below(*t, path) ||
                                                (kind == ADAPT_RUNTIME && startswith(*t, "/var/run/") &&
                                                 path_at_or_below(*t + strlen("/var"), path));
                                if (binds_below) {
                                        log_debug("Unit %s binds below %s: not made the service's own directory.",
                                                  services[winner]->name, path);
                                        continue;
                                }
                        }

                        line = strjoin(adapt_dirs(kind).key, "=", *name);
                        if (!line || strv_consume(&services[winner]->derived_dirs, TAKE_PTR(line)) < 0)
                                return -ENOMEM;
                }
        }

        /* A PID file directly in /run is in the sandbox's own /run. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *d = NULL;
                bool below = true;

                r = run_dir_of(facts[i].pid_file, &d, &below);
                if (r < 0)
                        return r;
                if (r > 0 && !below) {
                        services[i]->pid_file_reset = strdup(facts[i].pid_file);
                        if (!services[i]->pid_file_reset)
                                return -ENOMEM;
                }
        }
        return 0;
}

int unit_adapt_derive(const ImageFS *fs, ImageUnits *units) {
        _cleanup_free_ ImageUnit **services = NULL;
        UnitFacts *facts = NULL;
        size_t n = 0;
        int r = 0;

        assert(fs);
        assert(units);

        services = calloc(units->n_units + 1, sizeof(ImageUnit *));
        facts = calloc(units->n_units + 1, sizeof(UnitFacts));
        if (!services || !facts) {
                free(facts);
                return -ENOMEM;
        }

        for (size_t k = 0; k < units->n_units; k++) {
                if (units->units[k].type != UNIT_SERVICE)
                        continue;
                r = unit_facts_read(units->units + k, facts + n);
                if (r < 0)
                        break;
                services[n++] = units->units + k;
        }

        if (r >= 0 && n > 0)
                r = derive(fs, services, facts, n);

        for (size_t i = 0; i < n; i++)
                unit_facts_done(facts + i);
        free(facts);
        return r;
}

int unit_adapt_text(const ImageUnit *u, const UnitRuleHost *h, const char *image_path, char **text) {
        bool header = false;
        int r;

        assert(u);
        assert(text);

        if (u->type != UNIT_SERVICE)
                return 0;

        STRV_FOREACH(d, u->derived_dirs) {
                const char *eq = strchr(*d, '=');
                size_t kind;

                assert(eq);
                for (kind = 0; kind < N_ADAPT_DIRS; kind++)
                        if (strlen(adapt_dirs(kind).key) == (size_t) (eq - *d) && startswith(*d, adapt_dirs(kind).key))
                                break;
                assert(kind < N_ADAPT_DIRS);

                if (kind == ADAPT_RUNTIME)
                        r = h ? (h->run_dir_usable ? h->run_dir_usable(h->userdata, eq + 1) : 0) : 1;
                else
                        r = h && h->state_dir_usable ? h->state_dir_usable(h->userdata, adapt_dirs(kind).base, eq + 1) : 1;
                if (r < 0)
                        return r;
                if (r != 1) {
                        log_debug("Image %s: unit %s: %s/%s is not the image's to have, not made the service's own.",
                                  image_path, u->name, adapt_dirs(kind).base, eq + 1);
                        continue;
                }

                if (!header && !strextend(text, "# The package's directories in the image, writable as the service's own:\n"))
                        return -ENOMEM;
                header = true;
                if (!strextend(text, *d, "\n"))
                        return -ENOMEM;
        }

        if (!strextend(text, "# A /run of its own that the service can write (made afresh for each command):\n"
                       "TemporaryFileSystem=/run:mode=1777,nosuid,nodev\n"))
                return -ENOMEM;

        if (u->pid_file_reset) {
                log_notice("Image %s: unit %s: PIDFile=%s is in the sandbox's own /run, which the service manager "
                           "does not see: reset, it finds the main process itself.", image_path, u->name, u->pid_file_reset);
                if (!strextend(text, "# PIDFile= was in that /run, which the service manager does not see:\nPIDFile=\n"))
                        return -ENOMEM;
        }
        return 0;
}

/* Where the service manager can create a missing mount point: file systems it makes itself (the
 * unit's /run, /tmp, /var/tmp) and the service's own directories (on the host). */
static bool mount_point_creatable(const char *target, const UnitFacts *f, char *const *derived) {
        if (path_at_or_below(target, "/run") || path_at_or_below(target, "/var/run") ||
            path_at_or_below(target, "/tmp") || path_at_or_below(target, "/var/tmp"))
                return true;
        for (size_t k = 0; k < N_ADAPT_DIRS; k++)
                STRV_FOREACH(d, f->declared[k]) {
                        _cleanup_free_ char *p = strjoin(adapt_dirs(k).base, "/", *d);
                        if (p && path_at_or_below(target, p))
                                return true;
                }
        STRV_FOREACH(d, derived) {
                const char *eq = strchr(*d, '=');
                for (size_t k = 0; eq && k < N_ADAPT_DIRS; k++) {
                        _cleanup_free_ char *p = NULL;
                        if (strlen(adapt_dirs(k).key) != (size_t) (eq - *d) || !startswith(*d, adapt_dirs(k).key))
                                continue;
                        p = strjoin(adapt_dirs(k).base, "/", eq + 1);
                        if (p && path_at_or_below(target, p))
                                return true;
                }
        }
        return false;
}

int unit_adapt_check_mount_points(const ImageFS *fs, ImageUnits *units) {
        int r;

        assert(fs);
        assert(units);

        for (size_t k = 0; k < units->n_units; k++) {
                ImageUnit *u = units->units + k;
                _cleanup_(unit_facts_done) UnitFacts f = {};
                _cleanup_strv_free_ char **missing = NULL;

                if (u->type != UNIT_SERVICE || u->refused)
                        continue;
                r = unit_facts_read(u, &f);
                if (r < 0)
                        return r;
                STRV_FOREACH(t, f.bind_targets)
                        if ((*t)[0] == '/' && !strchr(*t, '%') && !mount_point_creatable(*t, &f, u->derived_dirs) &&
                            !image_fs_exists(fs, *t) && strv_extend(&missing, *t) < 0)
                                return -ENOMEM;
                if (missing) {
                        _cleanup_free_ char *l = strv_join(missing, " ");
                        if (!l || asprintf(&u->refused, "the image has no %s, where its BindPaths=/BindReadOnlyPaths= "
                                           "mount: the image is read-only, so the service manager cannot create the "
                                           "mount point and the service would fail at every start (226/NAMESPACE); "
                                           "create %s in the image", l, strv_length(missing) > 1 ? "them" : "it") < 0) {
                                u->refused = NULL;
                                return -ENOMEM;
                        }
                }
        }
        return 0;
}

int unit_adapt_derived_paths(const ImageUnits *units, char ***paths) {
        assert(units);
        assert(paths);

        for (size_t u = 0; u < units->n_units; u++)
                STRV_FOREACH(d, units->units[u].derived_dirs) {
                        const char *eq = strchr(*d, '=');
                        for (size_t k = 0; eq && k < N_ADAPT_DIRS; k++) {
                                _cleanup_free_ char *p = NULL;
                                if (strlen(adapt_dirs(k).key) != (size_t) (eq - *d) || !startswith(*d, adapt_dirs(k).key))
                                        continue;
                                p = strjoin(adapt_dirs(k).base, "/", eq + 1);
                                if (!p)
                                        return -ENOMEM;
                                if (!strv_contains(*paths, p) && strv_consume(paths, TAKE_PTR(p)) < 0)
                                        return -ENOMEM;
                        }
                }
        return 0;
}
