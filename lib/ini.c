/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "ini.h"
#include "log.h"
#include "string-util.h"

#define INI_LINE_MAX (1024U * 1024U)

static int parse_line(char *l, char **section, const char *filename, unsigned line,
                      ini_assignment_t assignment, ini_garbage_t garbage, void *userdata) {
        char *eq;

        l = strstrip(l);
        if (*l == 0)
                return 0;

        if (*l == '[') {
                size_t k = strlen(l);
                char *n;

                if (l[k - 1] != ']') {
                        if (garbage)
                                return garbage(l, filename, line, userdata);
                        return log_debug_errno(EBADMSG, "%s:%u: Invalid section header '%s'.", filename, line, l);
                }

                n = strndup(l + 1, k - 2);
                if (!n)
                        return -ENOMEM;
                free(*section);
                *section = n;
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq) {
                if (garbage)
                        return garbage(l, filename, line, userdata);
                return log_debug_errno(EBADMSG, "%s:%u: Missing '=' in '%s'.", filename, line, l);
        }

        *eq = 0;
        return assignment(*section, strstrip(l), strstrip(eq + 1), filename, line, userdata);
}

int ini_parse(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
              void *userdata) {
        _cleanup_free_ char *copy = NULL, *continuation = NULL, *section = NULL;
        unsigned line = 0, continuation_line = 0;
        char *p, *next;
        int r;

        copy = strdup(text);
        if (!copy)
                return -ENOMEM;

        for (p = copy; p; p = next) {
                char *l, *e;
                bool escaped = false;

                next = strchr(p, '\n');
                if (next) {
                        /* "\r\n" ends a line too, as in systemd's read_line(): a continuation
                         * backslash before it must be seen as the last character. */
                        if (next > p && next[-1] == '\r')
                                next[-1] = 0;
                        *next++ = 0;
                }
                line++;

                /* Carriage returns of files written on other systems are white space. */
                l = p + strspn(p, WHITESPACE);
                if (*l != 0 && strchr("#;", *l))
                        continue;

                if (continuation) {
                        if (strlen(continuation) + strlen(p) > INI_LINE_MAX)
                                return log_debug_errno(ENOBUFS, "%s:%u: Line too long.", filename, line);
                        if (!strextend(&continuation, p))
                                return -ENOMEM;
                        l = continuation;
                } else {
                        if (strlen(p) > INI_LINE_MAX)
                                return log_debug_errno(ENOBUFS, "%s:%u: Line too long.", filename, line);
                        l = p;
                        continuation_line = line;
                }

                for (e = l; *e; e++) {
                        if (escaped)
                                escaped = false;
                        else if (*e == '\\')
                                escaped = true;
                }

                if (escaped) {
                        e[-1] = ' ';
                        if (!continuation) {
                                continuation = strdup(l);
                                if (!continuation)
                                        return -ENOMEM;
                        }
                        continue;
                }

                r = parse_line(l, &section, filename, continuation_line, assignment, garbage, userdata);
                continuation = mfree(continuation);
                if (r != 0)
                        return r;
        }

        if (continuation) {
                r = parse_line(continuation, &section, filename, continuation_line, assignment, garbage, userdata);
                if (r != 0)
                        return r;
        }

        return 0;
}
