/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>

#include "extract-word.h"
#include "host-names.h"
#include "ini.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

#define HOST_FILE_MAX (256U * 1024U)

static const char *const tmpfiles_dirs[] = {
        "/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/local/lib/tmpfiles.d", "/usr/lib/tmpfiles.d", "/lib/tmpfiles.d", NULL,
};

void host_names_done(HostNames *n) {
        assert(n);

        n->run = strv_free(n->run);
        n->var = strv_free(n->var);
        n->identities = strv_free(n->identities);
}

static int add_unique(char ***l, const char *s, size_t n) {
        _cleanup_free_ char *x = strndup(s, n);

        if (!x)
                return -ENOMEM;
        if (isempty(x) || strv_contains(*l, x))
                return 0;
        return strv_consume(l, TAKE_PTR(x));
}

/* An absolute path: its first component below /run (or /var/run), /var/lib, /var/cache, /var/log. */
static int add_path(HostNames *n, const char *path) {
        const char *s;

        path += strspn(path, "-+!@:");
        if ((s = startswith(path, "/run/")) || (s = startswith(path, "/var/run/")))
                return add_unique(&n->run, s, strcspn(s, "/"));
        if ((s = startswith(path, "/var/lib/")) || (s = startswith(path, "/var/cache/")) || (s = startswith(path, "/var/log/")))
                return add_unique(&n->var, s, strcspn(s, "/"));
        return 0;
}

static int collect(const char *section, const char *key, const char *value, const char *filename, unsigned line,
                   void *userdata) {
        HostNames *n = userdata;
        const char *p = value;
        bool dir_list, path, ident;
        int r;

        if (!section || !(streq(section, "Service") || streq(section, "Socket")))
                return 0;
        dir_list = IN_SET(0, strcmp(key, "RuntimeDirectory"), strcmp(key, "StateDirectory"), strcmp(key, "CacheDirectory"),
                          strcmp(key, "LogsDirectory"));
        path = IN_SET(0, strcmp(key, "PIDFile"), strcmp(key, "ListenStream"), strcmp(key, "ListenDatagram"),
                      strcmp(key, "ListenSequentialPacket"), strcmp(key, "ListenFIFO"), strcmp(key, "ListenSpecial"));
        ident = streq(key, "User") || streq(key, "Group");
        if (!dir_list && !path && !ident)
                return 0;

        if (ident || path) {
                if (ident)
                        return add_unique(&n->identities, value, strlen(value));
                return value[0] == '/' ? add_path(n, value) : 0;
        }

        for (;;) {
                _cleanup_free_ char *w = NULL;

                r = extract_first_word_full(&p, &w, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_RETAIN_ESCAPE);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        return 0;
                r = add_unique(streq(key, "RuntimeDirectory") ? &n->run : &n->var, w, strcspn(w, "/:"));
                if (r < 0)
                        return r;
        }
}

/* Calls fn for every regular file name of dirs (bounded, symlinks inside the root followed) that
 * want() takes, with its text. */
static int read_dirs(const Context *c, const char *const *dirs, bool (*want)(const char *name),
                     int (*fn)(HostNames *n, const char *name, const char *path, char *text), HostNames *n) {
        int r;

        for (const char *const *d = dirs; *d; d++) {
                _cleanup_closedir_ DIR *dd = NULL;
                struct dirent *de;

                if (host_opendir(c, *d, &dd) < 0)
                        continue;
                while ((de = readdir(dd))) {
                        _cleanup_free_ char *path = NULL, *text = NULL;

                        if (de->d_name[0] == '.' || !want(de->d_name))
                                continue;
                        path = strjoin(*d, "/", de->d_name);
                        if (!path)
                                return -ENOMEM;
                        if (host_read_file(c, path, HOST_FILE_MAX, &text, /* ret_size= */ NULL) < 0)
                                continue;
                        r = fn(n, de->d_name, path, text);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static bool is_service_or_socket(const char *name) {
        return endswith(name, ".service") || endswith(name, ".socket");
}

static int read_unit(HostNames *n, const char *name, const char *path, char *text) {
        int r;

        /* A service's dynamic user is named like it. */
        r = add_unique(&n->identities, name, strcspn(name, "@."));
        if (r < 0)
                return r;
        r = ini_parse(text, path, collect, ini_garbage_ignore, n);
        return r == -ENOMEM ? r : 0;
}

static bool is_conf(const char *name) {
        return endswith(name, ".conf");
}

/* tmpfiles.d lines "TYPE PATH ...": the second field. */
static int read_tmpfiles(HostNames *n, const char *name, const char *path, char *text) {
        int r;

        for (char *l = text; l && *l; ) {
                char *e = strchr(l, '\n'), *f;

                if (e)
                        *e = 0;
                f = l + strspn(l, WHITESPACE);
                if (*f && *f != '#') {
                        f += strcspn(f, WHITESPACE);
                        f += strspn(f, WHITESPACE);
                        f[strcspn(f, WHITESPACE)] = 0;
                        r = add_path(n, f);
                        if (r < 0)
                                return r;
                }
                l = e ? e + 1 : NULL;
        }
        return 0;
}

int host_names_load(const Context *c, HostNames *ret) {
        HostNames n = {};
        int r;

        assert(c);
        assert(ret);

        r = read_dirs(c, host_unit_dirs, is_service_or_socket, read_unit, &n);
        if (r >= 0)
                r = read_dirs(c, tmpfiles_dirs, is_conf, read_tmpfiles, &n);
        if (r < 0) {
                host_names_done(&n);
                return r;
        }
        *ret = n;
        return 0;
}
