/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "ini.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

#define INI_LINE_MAX (1024U * 1024U)
#define UTF8_BYTE_ORDER_MARK "\xef\xbb\xbf"

/* As systemd's string_is_safe(): no control characters, no quotes or backslashes. */
static bool section_name_is_safe(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127 || *s == '\\' || *s == '"' || *s == '\'')
                        return false;
        return true;
}

typedef struct IniParser {
        const char *filename;
        ini_assignment_t assignment;
        ini_garbage_t garbage;
        ini_garbage_t invalid;
        void *userdata;
        char *section;
        IniLines *record;       /* ini_lines_parse(): lines are recorded, no callback is called */
} IniParser;

/* ---- a text read once (ini_lines_parse()), replayed (ini_lines_replay()) ---- */

typedef enum IniEventKind {
        INI_EVENT_ASSIGNMENT,
        INI_EVENT_GARBAGE,
        INI_EVENT_INVALID,
} IniEventKind;

typedef struct IniEvent {
        IniEventKind kind;
        unsigned line;
        const char *section;    /* ASSIGNMENT: one of IniLines.sections, NULL before the first header */
        char *key;              /* ASSIGNMENT */
        char *text;             /* ASSIGNMENT: the value; GARBAGE, INVALID: the line */
        const char *why;        /* INVALID: a static text */
} IniEvent;

struct IniLines {
        char **sections;
        size_t n_sections;
        IniEvent *events;
        size_t n_events;
};

IniLines *ini_lines_free(IniLines *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_events; i++) {
                free(l->events[i].key);
                free(l->events[i].text);
        }
        free(l->events);
        strv_free(l->sections);
        return mfree(l);
}

static int record(IniLines *l, IniEventKind kind, unsigned line, const char *section, const char *key,
                  const char *text, const char *why) {
        _cleanup_free_ char *k = NULL, *t = NULL;
        IniEvent *e;

        /* The same section as the assignment before shares its copy. */
        if (section && (l->n_sections == 0 || !streq(l->sections[l->n_sections - 1], section))) {
                if (strv_extend(&l->sections, section) < 0)
                        return -ENOMEM;
                l->n_sections++;
        }
        if (key) {
                k = strdup(key);
                if (!k)
                        return -ENOMEM;
        }
        t = strdup(text);
        if (!t)
                return -ENOMEM;

        e = reallocarray(l->events, l->n_events + 1, sizeof(IniEvent));
        if (!e)
                return -ENOMEM;
        l->events = e;
        l->events[l->n_events++] = (IniEvent) {
                .kind = kind,
                .line = line,
                .section = section ? l->sections[l->n_sections - 1] : NULL,
                .key = TAKE_PTR(k),
                .text = TAKE_PTR(t),
                .why = why,
        };
        return 0;
}

static int invalid_line(IniParser *p, const char *l, unsigned line, const char *why) {
        if (p->record)
                return record(p->record, INI_EVENT_INVALID, line, NULL, NULL, l, why);
        if (p->invalid)
                return p->invalid(why, p->filename, line, p->userdata);
        if (p->garbage)
                return p->garbage(l, p->filename, line, p->userdata);
        return log_debug_errno(EBADMSG, "%s:%u: %s.", p->filename, line, why);
}

static int parse_line(IniParser *p, char *l, unsigned line) {
        char *eq;

        l = strstrip(l);
        if (*l == 0)
                return 0;

        if (!utf8_is_valid(l))
                return invalid_line(p, l, line, "invalid UTF-8");

        if (*l == '[') {
                size_t k = strlen(l);
                char *n;

                if (l[k - 1] != ']')
                        return invalid_line(p, l, line, "invalid section header");

                n = strndup(l + 1, k - 2);
                if (!n)
                        return -ENOMEM;
                if (!section_name_is_safe(n)) {
                        free(n);
                        return invalid_line(p, l, line, "bad characters in section header");
                }
                free(p->section);
                p->section = n;
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq || eq == l) {
                if (p->record)
                        return record(p->record, INI_EVENT_GARBAGE, line, NULL, NULL, l, NULL);
                if (p->garbage)
                        return p->garbage(l, p->filename, line, p->userdata);
                return log_debug_errno(EBADMSG, "%s:%u: Missing '=' in '%s'.", p->filename, line, l);
        }

        *eq = 0;
        if (p->record)
                return record(p->record, INI_EVENT_ASSIGNMENT, line, p->section, strstrip(l), strstrip(eq + 1), NULL);
        return p->assignment(p->section, strstrip(l), strstrip(eq + 1), p->filename, line, p->userdata);
}

/* The end of the line at s: the first "\n" or "\r", or the end of the text. Line end characters
 * that follow belong to the same line end while each of the two kinds is seen once ("\r\n" and
 * "\n\r" are one line end, "\n\n" two), as systemd's read_line() takes them. Returns where the
 * next line starts, NULL after the last line; the line's length in *ret_len. */
static char *line_end(char *s, size_t *ret_len) {
        char *e = s + strcspn(s, "\n\r"), *q = e;
        bool seen_n = false, seen_r = false;

        *ret_len = e - s;
        if (*e == 0)
                return NULL;
        for (; *q == '\n' || *q == '\r'; q++) {
                bool *seen = *q == '\n' ? &seen_n : &seen_r;
                if (*seen)
                        break;
                *seen = true;
        }
        *e = 0;
        return q;
}

static int parse_text(const IniParser *parser, const char *text) {
        _cleanup_free_ char *copy = NULL, *continuation = NULL;
        IniParser p = *parser;  /* its section is this parse's own */
        const char *filename = p.filename;
        unsigned line = 0;
        bool bom_seen = false;
        char *next;
        int r = 0;

        copy = strdup(text);
        if (!copy)
                return -ENOMEM;

        for (char *s = copy; s; s = next) {
                char *l;
                size_t len;
                bool escaped = false;

                if (*s == 0)
                        break;  /* the text ended with a line end */
                next = line_end(s, &len);
                line++;

                /* A comment, also inside a continuation; systemd looks for it before it removes a
                 * byte order mark, so a commented-out line behind a BOM is not a comment. */
                for (l = s; *l == ' ' || *l == '\t'; l++)
                        ;       /* the line has no "\n" or "\r" left: the rest of WHITESPACE */
                if (*l == '#' || *l == ';')
                        continue;

                /* Each line may start with one, until one was seen. */
                l = s;
                if (!bom_seen && startswith(s, UTF8_BYTE_ORDER_MARK)) {
                        l = s + strlen(UTF8_BYTE_ORDER_MARK);
                        len -= strlen(UTF8_BYTE_ORDER_MARK);
                        bom_seen = true;
                }

                if (continuation) {
                        size_t c = strlen(continuation);

                        if (c + len > INI_LINE_MAX) {
                                r = log_debug_errno(ENOBUFS, "%s:%u: Continuation line too long.", filename, line);
                                goto finish;
                        }
                        if (!strextend(&continuation, l)) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        l = continuation;
                        len += c;
                } else if (len > INI_LINE_MAX) {
                        r = log_debug_errno(ENOBUFS, "%s:%u: Line too long.", filename, line);
                        goto finish;
                }

                /* An odd backslash at the end continues the line; it becomes a space. (Each
                 * backslash escapes the next character, so only the run at the end counts: the
                 * line is not scanned from its start.) */
                char *e = l + len;
                for (char *b = e; b > l && b[-1] == '\\'; b--)
                        escaped = !escaped;
                if (escaped) {
                        e[-1] = ' ';
                        if (!continuation) {
                                continuation = strdup(l);
                                if (!continuation) {
                                        r = -ENOMEM;
                                        goto finish;
                                }
                        }
                        continue;
                }

                /* Like systemd, a continued line is reported by the number of its last line. */
                r = parse_line(&p, l, line);
                continuation = mfree(continuation);
                if (r != 0)
                        goto finish;
        }

        if (continuation)
                r = parse_line(&p, continuation, ++line);

finish:
        free(p.section);
        return r;
}

int ini_parse_full(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
                   ini_garbage_t invalid, void *userdata) {
        IniParser p = {
                .filename = filename,
                .assignment = assignment,
                .garbage = garbage,
                .invalid = invalid,
                .userdata = userdata,
        };

        assert(text);
        assert(filename);
        assert(assignment);

        return parse_text(&p, text);
}

int ini_lines_parse(const char *text, const char *filename, IniLines **ret) {
        _cleanup_(ini_lines_freep) IniLines *l = NULL;
        IniParser p = {
                .filename = filename,
        };
        int r;

        assert(text);
        assert(filename);
        assert(ret);

        l = calloc(1, sizeof(IniLines));
        if (!l)
                return -ENOMEM;
        p.record = l;

        r = parse_text(&p, text);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(l);
        return 0;
}

int ini_lines_replay(const IniLines *l, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
                     ini_garbage_t invalid, void *userdata) {
        assert(l);
        assert(filename);
        assert(assignment);

        /* What parse_line() and invalid_line() do with each line, in the same order. */
        for (size_t i = 0; i < l->n_events; i++) {
                const IniEvent *e = l->events + i;
                int r;

                switch (e->kind) {
                case INI_EVENT_ASSIGNMENT:
                        r = assignment(e->section, e->key, e->text, filename, e->line, userdata);
                        break;
                case INI_EVENT_GARBAGE:
                        r = garbage ? garbage(e->text, filename, e->line, userdata) :
                                log_debug_errno(EBADMSG, "%s:%u: Missing '=' in '%s'.", filename, e->line, e->text);
                        break;
                case INI_EVENT_INVALID:
                        r = invalid ? invalid(e->why, filename, e->line, userdata) :
                            garbage ? garbage(e->text, filename, e->line, userdata) :
                                log_debug_errno(EBADMSG, "%s:%u: %s.", filename, e->line, e->why);
                        break;
                default:
                        assert_not_reached();
                }
                if (r != 0)
                        return r;
        }
        return 0;
}

int ini_parse_lines(const IniLines *l, const char *text, const char *filename, ini_assignment_t assignment,
                    ini_garbage_t garbage, ini_garbage_t invalid, void *userdata) {
        if (l)
                return ini_lines_replay(l, filename, assignment, garbage, invalid, userdata);
        return ini_parse_full(text, filename, assignment, garbage, invalid, userdata);
}

int ini_parse(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
              void *userdata) {
        return ini_parse_full(text, filename, assignment, garbage, /* invalid= */ NULL, userdata);
}

int ini_garbage_ignore(const char *line_text, const char *filename, unsigned line, void *userdata) {
        return 0;
}
