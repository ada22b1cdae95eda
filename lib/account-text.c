/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "account-text.h"
#include "string-util.h"
#include "sysusers.h"

#define PASSWD_FIELDS 7U
#define GROUP_FIELDS 4U

static size_t n_fields(AccountDb db) {
        return db == ACCOUNT_DB_PASSWD ? PASSWD_FIELDS : GROUP_FIELDS;
}

/* Splits line (modified) at ':' into exactly n fields. */
static bool split_fields(char *line, size_t n, char **f) {
        size_t k = 0;

        for (char *p = line;; k++) {
                if (k >= n)
                        return false;
                f[k] = p;
                p = strchr(p, ':');
                if (!p)
                        break;
                *p++ = 0;
        }
        return k + 1 == n;
}

static bool path_field_valid(const char *p) {
        return isempty(p) || sysusers_valid_passwd_path(p);
}

static bool fields_valid(AccountDb db, char **f) {
        uint32_t id;

        if (!sysusers_valid_name(f[0]) || account_parse_id(f[2], &id) < 0)
                return false;
        if (db == ACCOUNT_DB_GROUP)
                return true;    /* members: each one is checked when written */
        return account_parse_id(f[3], &id) >= 0 && sysusers_valid_gecos(f[4]) && path_field_valid(f[5]) &&
                path_field_valid(f[6]);
}

/* Splits and checks one line given as a string on its own (modified). */
static bool line_parse(char *line, AccountDb db, char **f) {
        return split_fields(line, n_fields(db), f) && fields_valid(db, f);
}

typedef int (*line_fn_t)(char **f, void *userdata);

/* Calls fn for each well-formed line of text, its fields split. */
static int foreach_line(const char *text, AccountDb db, line_fn_t fn, void *userdata) {
        _cleanup_free_ char *copy = NULL;
        int r;

        if (!text)
                return 0;
        if (strnlen(text, ACCOUNT_TEXT_SIZE_MAX + 1) > ACCOUNT_TEXT_SIZE_MAX)
                return -E2BIG;
        copy = strdup(text);
        if (!copy)
                return -ENOMEM;

        for (char *line = copy, *next; line; line = next) {
                char *f[PASSWD_FIELDS];

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (!line_parse(line, db, f))
                        continue;
                r = fn(f, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* The line of fields f, normalized; gid replaces the gid field if not NULL. */
static void write_line(FILE *out, AccountDb db, char **f, const char *gid) {
        bool first = true;

        if (db == ACCOUNT_DB_PASSWD) {
                fprintf(out, "%s:x:%s:%s:%s:%s:%s\n", f[0], f[2], gid ?: f[3], f[4], f[5], f[6]);
                return;
        }

        fprintf(out, "%s:x:%s:", f[0], gid ?: f[2]);
        for (char *m = f[3], *comma; m; m = comma) {
                comma = strchr(m, ',');
                if (comma)
                        *comma++ = 0;
                if (!sysusers_valid_name(m))
                        continue;
                fprintf(out, "%s%s", first ? "" : ",", m);
                first = false;
        }
        fputc('\n', out);
}

/* An in-memory stream and its buffer; the buffer is freed after the stream is closed (the cleanup
 * order is the reverse of the declaration order). */
typedef struct Stream {
        char *buf;
        size_t size;
        FILE *f;
} Stream;

static void stream_done(Stream *s) {
        if (s->f)
                (void) fclose(s->f);
        free(s->buf);
        *s = (Stream) {};
}

static int stream_open(Stream *s) {
        *s = (Stream) {};
        s->f = open_memstream(&s->buf, &s->size);
        return s->f ? 0 : -ENOMEM;
}

static int stream_finish(Stream *s, char **ret) {
        int r = fflush(s->f) != 0 || ferror(s->f) ? -ENOMEM : 0;

        (void) fclose(s->f);
        s->f = NULL;
        if (r < 0)
                return r;
        *ret = s->buf;
        s->buf = NULL;
        return 0;
}

typedef struct Emit {
        FILE *out;
        AccountDb db;
        const char *drop;               /* lines of this name are left out, */
        Stream *dropped;                /* the first of them goes here (if not NULL) */
        bool have_dropped;
        const char *regid[2];           /* group lines of these names get gid */
        const char *gid;
        bool seen_regid0;               /* a line of regid[0] was written */
} Emit;

static int emit_line(char **f, void *userdata) {
        Emit *e = userdata;
        bool regid;

        if (e->drop && streq(f[0], e->drop)) {
                if (e->dropped && !e->have_dropped) {
                        write_line(e->dropped->f, e->db, f, /* gid= */ NULL);
                        e->have_dropped = true;
                }
                return 0;
        }

        regid = (e->regid[0] && streq(f[0], e->regid[0])) || (e->regid[1] && streq(f[0], e->regid[1]));
        if (e->regid[0] && streq(f[0], e->regid[0]))
                e->seen_regid0 = true;
        write_line(e->out, e->db, f, regid ? e->gid : NULL);
        return 0;
}

int account_text_filter(const char *text, AccountDb db, const char *drop, char **ret, char **ret_dropped) {
        _cleanup_(stream_done) Stream out = {}, dropped = {};
        Emit e = { .db = db, .drop = drop };
        int r;

        assert(text);
        assert(ret);

        r = stream_open(&out);
        if (r >= 0 && ret_dropped)
                r = stream_open(&dropped);
        if (r < 0)
                return r;
        e.out = out.f;
        e.dropped = ret_dropped ? &dropped : NULL;

        r = foreach_line(text, db, emit_line, &e);
        if (r < 0)
                return r;

        if (ret_dropped) {
                _cleanup_free_ char *d = NULL;

                r = stream_finish(&dropped, &d);
                if (r < 0)
                        return r;
                if (!e.have_dropped)
                        d = mfree(d);
                r = stream_finish(&out, ret);
                if (r < 0)
                        return r;
                *ret_dropped = TAKE_PTR(d);
                return 0;
        }
        return stream_finish(&out, ret);
}

/* user_line split into its fields (in *buf, to free): 1, or 0 if there is none or it is not a
 * well-formed passwd line. */
static int user_line_parse(const char *user_line, char **buf, char **f) {
        if (isempty(user_line))
                return 0;
        *buf = strndup(user_line, strcspn(user_line, "\n"));
        if (!*buf)
                return -ENOMEM;
        return line_parse(*buf, ACCOUNT_DB_PASSWD, f) ? 1 : 0;
}

int account_text_passwd(const char *template, const char *user_line, const char *name, uint32_t uid, uint32_t gid,
                        char **ret) {
        _cleanup_(stream_done) Stream out = {};
        _cleanup_free_ char *buf = NULL;
        char *f[PASSWD_FIELDS];
        Emit e = { .db = ACCOUNT_DB_PASSWD, .drop = name };
        int r;

        assert(template);
        assert(name);
        assert(ret);

        if (!sysusers_valid_name(name))
                return -EINVAL;

        r = stream_open(&out);
        if (r < 0)
                return r;
        e.out = out.f;
        r = foreach_line(template, ACCOUNT_DB_PASSWD, emit_line, &e);
        if (r < 0)
                return r;

        r = user_line_parse(user_line, &buf, f);
        if (r < 0)
                return r;
        fprintf(out.f, "%s:x:%" PRIu32 ":%" PRIu32 ":%s:%s:%s\n", name, uid, gid,
                r > 0 ? f[4] : name, r > 0 ? f[5] : "/", r > 0 ? f[6] : "/usr/sbin/nologin");

        return stream_finish(&out, ret);
}

typedef struct GroupByGid {
        const char *gid;
        char *name;
} GroupByGid;

static int find_gid(char **f, void *userdata) {
        GroupByGid *g = userdata;

        if (!streq(f[2], g->gid))
                return 0;
        g->name = strdup(f[0]);
        return g->name ? 1 : -ENOMEM;
}

int account_text_group(const char *template, const char *user_line, const char *name, uint32_t gid, char **ret) {
        _cleanup_(stream_done) Stream out = {};
        _cleanup_free_ char *buf = NULL, *gid_s = NULL, *primary_name = NULL;
        char *f[PASSWD_FIELDS];
        GroupByGid primary = {};
        Emit e = { .db = ACCOUNT_DB_GROUP };
        int r;

        assert(template);
        assert(name);
        assert(ret);

        if (!sysusers_valid_name(name))
                return -EINVAL;
        if (asprintf(&gid_s, "%" PRIu32, gid) < 0)
                return -ENOMEM;

        /* The user's primary group in the image, by its number there; root's group stays root's. */
        r = user_line_parse(user_line, &buf, f);
        if (r > 0 && !streq(f[3], "0")) {
                primary.gid = f[3];
                r = foreach_line(template, ACCOUNT_DB_GROUP, find_gid, &primary);
                primary_name = primary.name;
        }
        if (r < 0)
                return r;

        r = stream_open(&out);
        if (r < 0)
                return r;
        e.out = out.f;
        e.regid[0] = name;
        e.regid[1] = primary_name;
        e.gid = gid_s;
        r = foreach_line(template, ACCOUNT_DB_GROUP, emit_line, &e);
        if (r < 0)
                return r;
        if (!e.seen_regid0)
                fprintf(out.f, "%s:x:%s:\n", name, gid_s);

        return stream_finish(&out, ret);
}
