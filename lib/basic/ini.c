/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "ini.h"
#include "log.h"
#include "string-util.h"

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
} IniParser;

static int invalid_line(IniParser *p, const char *l, unsigned line, const char *why) {
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
                if (p->garbage)
                        return p->garbage(l, p->filename, line, p->userdata);
                return log_debug_errno(EBADMSG, "%s:%u: Missing '=' in '%s'.", p->filename, line, l);
        }

        *eq = 0;
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

int ini_parse_full(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
                   ini_garbage_t invalid, void *userdata) {
        _cleanup_free_ char *copy = NULL, *continuation = NULL;
        IniParser p = {
                .filename = filename,
                .assignment = assignment,
                .garbage = garbage,
                .invalid = invalid,
                .userdata = userdata,
        };
        unsigned line = 0;
        bool bom_seen = false;
        char *next;
        int r = 0;

        assert(text);
        assert(filename);
        assert(assignment);

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

int ini_parse(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
              void *userdata) {
        return ini_parse_full(text, filename, assignment, garbage, /* invalid= */ NULL, userdata);
}

int ini_garbage_ignore(const char *line_text, const char *filename, unsigned line, void *userdata) {
        return 0;
}
