/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* ini_parse(): systemd's INI dialect, as config_parse() reads unit files. */

#include "ini.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

typedef struct Record {
        char **seen;            /* "section|key|value|line" and "!garbage|line" */
        int stop_at;            /* return -ECANCELED on this assignment number (1-based), 0: never */
        int n;
} Record;

static int on_assignment(const char *section, const char *key, const char *value, const char *filename,
                         unsigned line, void *userdata) {
        Record *rec = userdata;
        char *s;

        if (++rec->n == rec->stop_at)
                return -ECANCELED;
        if (asprintf(&s, "%s|%s|%s|%u", section ?: "(none)", key, value, line) < 0)
                return -ENOMEM;
        return strv_consume(&rec->seen, s);
}

static int on_garbage(const char *text, const char *filename, unsigned line, void *userdata) {
        Record *rec = userdata;
        char *s;

        if (asprintf(&s, "!%s|%u", text, line) < 0)
                return -ENOMEM;
        return strv_consume(&rec->seen, s);
}

static int on_invalid(const char *why, const char *filename, unsigned line, void *userdata) {
        Record *rec = userdata;
        char *s;

        if (asprintf(&s, "(invalid)|%s|%u", why, line) < 0)
                return -ENOMEM;
        return strv_consume(&rec->seen, s);
}

/* Parses text and compares what was seen, joined with "\n", with expected. With with_garbage, lines
 * systemd refuses go to on_invalid(). */
static void check(const char *text, bool with_garbage, int expected_r, const char *expected) {
        Record rec = {};
        _cleanup_free_ char *joined = NULL;
        int r;

        r = ini_parse_full(text, "test.conf", on_assignment, with_garbage ? on_garbage : NULL,
                           with_garbage ? on_invalid : NULL, &rec);
        joined = strv_join(rec.seen, "\n");
        if (r != expected_r || !streq(joined, expected))
                fprintf(stderr, "--- input:\n%s\n--- got r=%d:\n%s\n--- expected r=%d:\n%s\n", text, r, joined,
                        expected_r, expected);
        CHECK_INT(r, expected_r);
        CHECK_STR(joined, expected);
        strv_free(rec.seen);

        /* Read once and replayed: the same calls and result (or, where the text cannot be read
         * once, the same error from parsing it). */
        {
                _cleanup_(ini_lines_freep) IniLines *l = NULL;
                _cleanup_free_ char *replayed = NULL;
                Record rep = {};
                int q;

                q = ini_lines_parse(text, "other.conf", &l);
                CHECK(q == 0 || q == expected_r);
                if (q == 0) {
                        r = ini_parse_lines(l, text, "test.conf", on_assignment, with_garbage ? on_garbage : NULL,
                                            with_garbage ? on_invalid : NULL, &rep);
                        replayed = strv_join(rep.seen, "\n");
                        CHECK_INT(r, expected_r);
                        CHECK_STR(replayed, expected);
                        strv_free(rep.seen);
                }
        }
}

TEST(basic) {
        check("", false, 0, "");
        check("\n\n   \n", false, 0, "");
        check("A=1\n", false, 0, "(none)|A|1|1");
        check("[Unit]\nDescription=Foo bar\n\n[Service]\nExecStart=/bin/true\n", false, 0,
              "Unit|Description|Foo bar|2\nService|ExecStart|/bin/true|5");
        /* White space around key and value is stripped; inner white space and "=" kept. */
        check("[S]\n  Key  =   a = b  c   \n", false, 0, "S|Key|a = b  c|2");
        check("[S]\nEmpty=\n", false, 0, "S|Empty||2");
        /* Nothing before "=": systemd ignores the line. */
        check("[S]\n=value\n", true, 0, "!=value|2");
        /* No trailing newline. */
        check("[S]\nA=1", false, 0, "S|A|1|2");
        /* Section names are taken as they are; a later header replaces the section. */
        check("[A B]\nk=v\n[]\nk=w\n", false, 0, "A B|k|v|2\n|k|w|4");
        /* Quotes and specifiers are passed on raw. */
        check("[S]\nX=\"a b\" 'c' %n \\x20\n", false, 0, "S|X|\"a b\" 'c' %n \\x20|2");
}

TEST(comments) {
        check("# comment\n; other\n[S]\n  # indented comment\nA=1 # not a comment\n", false, 0,
              "S|A|1 # not a comment|5");
        check("#A=1\n;B=2\n", false, 0, "");
}

TEST(continuation) {
        /* The backslash becomes a space, the next line is appended as it is; systemd reports the
         * joined line by its last line's number. */
        check("[S]\nA=a\\\nb\n", false, 0, "S|A|a b|3");
        check("[S]\nA=a \\\n    b\nB=2\n", false, 0, "S|A|a      b|3\nS|B|2|4");
        check("[S]\nA=1\\\n2\\\n3\n", false, 0, "S|A|1 2 3|4");
        /* Comment lines inside a continuation are skipped, as systemd does. */
        check("[S]\nA=a\\\n# comment\n; comment\nb\n", false, 0, "S|A|a b|5");
        /* An escaped backslash does not continue the line. */
        check("[S]\nA=a\\\\\nB=b\n", false, 0, "S|A|a\\\\|2\nS|B|b|3");
        /* A continuation at the end of the text is still an assignment. */
        check("[S]\nA=a\\", false, 0, "S|A|a|3");
        check("[S]\nA=a\\\n", false, 0, "S|A|a|3");
        /* The key may be continued too. */
        check("[S]\nKe\\\ny=v\n", false, 0, "S|Ke y|v|3");
        /* Only the run of backslashes at the end counts: odd continues, even does not, whatever
         * backslashes come before it in the line. */
        check("[S]\nA=a\\\\\\\nb\n", false, 0, "S|A|a\\\\ b|3");
        check("[S]\nA=\\\\x\\\\\\\\\nB=b\n", false, 0, "S|A|\\\\x\\\\\\\\|2\nS|B|b|3");
        check("[S]\nA=\\x\\\nb\n", false, 0, "S|A|\\x b|3");
        /* A line of backslashes only: three continue (the key is what comes before the next
         * line's "="), two do not (and the line is garbage). */
        check("[S]\n\\\\\\\nA=1\n", true, 0, "S|\\\\ A|1|3");
        check("[S]\n\\\\\nA=1\n", true, 0, "!\\\\|2\nS|A|1|3");
        /* A continued line that ends in an escaped backslash ends there. */
        check("[S]\nA=a\\\nb\\\\\nB=2\n", false, 0, "S|A|a b\\\\|3\nS|B|2|4");
}

TEST(garbage) {
        /* Without a garbage handler, a line without "=" is an error. */
        check("[S]\nA=1\nnonsense\nB=2\n", false, -EBADMSG, "S|A|1|2");
        check("[S\nA=1\n", false, -EBADMSG, "");
        /* With one, it is reported and parsing goes on. */
        check("[S]\nA=1\nnonsense here\nB=2\n", true, 0, "S|A|1|2\n!nonsense here|3\nS|B|2|4");
        check("[Broken\nA=1\n", true, 0, "(invalid)|invalid section header|1\n(none)|A|1|2");
}

TEST(crlf) {
        check("[S]\r\nA=1\r\nB = 2 \r\n", false, 0, "S|A|1|2\nS|B|2|3");
        check("# c\r\n[S]\r\n", false, 0, "");
        /* A continuation backslash before "\r\n" continues the line, as systemd's read_line()
         * ends lines at "\r\n". */
        check("[S]\r\nA=1\\\r\n2\r\nB=3\r\n", false, 0, "S|A|1 2|3\nS|B|3|4");
}

TEST(line_ends) {
        /* A lone CR ends a line, as in systemd's read_line(): what follows is a line of its own. */
        check("[S]\rA=1\rExecStartPre=+/bin/sh\r", false, 0, "S|A|1|2\nS|ExecStartPre|+/bin/sh|3");
        /* "\n\r" is one line end, "\n\n" and "\r\r" are two. */
        check("[S]\n\rA=1\r\rB=2\n\nC=3\n", false, 0, "S|A|1|2\nS|B|2|4\nS|C|3|6");
        /* A CR between a continuation backslash and the next line still continues it. */
        check("[S]\nA=1\\\r2\n", false, 0, "S|A|1 2|3");
}

TEST(bom) {
        /* A UTF-8 byte order mark is removed from the first line that has one. */
        check("\xef\xbb\xbf[S]\nA=1\n", false, 0, "S|A|1|2");
        check("[S]\n\xef\xbb\xbf" "A=1\n", false, 0, "S|A|1|2");
        /* Only once: a second one is part of the line. */
        check("\xef\xbb\xbf[S]\n\xef\xbb\xbf" "A=1\n", false, 0, "S|\xef\xbb\xbf" "A|1|2");
        /* A comment is looked for before the BOM is removed: behind one, "#" starts a key. */
        check("[S]\n\xef\xbb\xbf#A=1\n", false, 0, "S|#A|1|2");
}

TEST(refused_files) {
        /* Lines for which systemd does not load the file at all. */
        check("[S]\nA=\xff\n", true, 0, "(invalid)|invalid UTF-8|2");
        check("[S\"x]\nA=1\n", true, 0, "(invalid)|bad characters in section header|1\n(none)|A|1|2");
}

TEST(stop) {
        Record rec = { .stop_at = 2 };

        CHECK_INT(ini_parse("[S]\nA=1\nB=2\nC=3\n", "x", on_assignment, NULL, &rec), -ECANCELED);
        CHECK_INT(strv_length(rec.seen), 1);
        strv_free(rec.seen);
}

static int on_filename(const char *section, const char *key, const char *value, const char *filename,
                       unsigned line, void *userdata) {
        return strv_extend(userdata, filename);
}

TEST(lines) {
        _cleanup_(ini_lines_freep) IniLines *l = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *big = NULL;
        Record rec = { .stop_at = 2 };

        CHECK_INT(ini_lines_parse("[S]\nA=1\nB=2\nC=3\nno equals sign\n[bad\n", "x", &l), 0);
        /* A replay stops where the callback says, as often as it is asked. */
        for (unsigned i = 0; i < 2; i++) {
                rec.n = 0;
                CHECK_INT(ini_lines_replay(l, "x", on_assignment, NULL, NULL, &rec), -ECANCELED);
                CHECK_INT(strv_length(rec.seen), i + 1);
        }
        rec.seen = strv_free(rec.seen);
        /* Without a garbage callback, a line without "=" is an error, as in ini_parse(). */
        rec.stop_at = 0;
        CHECK_INT(ini_lines_replay(l, "x", on_assignment, NULL, NULL, &rec), -EBADMSG);
        CHECK_INT(strv_length(rec.seen), 3);
        rec.seen = strv_free(rec.seen);
        CHECK_INT(ini_lines_replay(l, "x", on_assignment, on_garbage, NULL, &rec), 0);
        CHECK_STR(rec.seen[3], "!no equals sign|5");
        CHECK_STR(rec.seen[4], "![bad|6");
        rec.seen = strv_free(rec.seen);
        /* The callbacks see the filename the replay is given. */
        CHECK_INT(ini_lines_replay(l, "y.conf", on_filename, ini_garbage_ignore, NULL, &names), 0);
        CHECK_STR(names[0], "y.conf");

        /* What ini_parse() refuses on its own is not read once. */
        big = malloc(1024 * 1024 + 16);
        CHECK(big);
        memcpy(big, "[S]\nA=", 6);
        memset(big + 6, 'x', 1024 * 1024);
        strcpy(big + 6 + 1024 * 1024, "\n");
        l = ini_lines_free(l);
        CHECK_INT(ini_lines_parse(big, "x", &l), -ENOBUFS);
        CHECK(l == NULL);
}

TEST(long_lines) {
        /* Lines up to 1 MiB are fine; longer ones, directly or by continuation, are refused. */
        size_t n = 1024 * 1024;
        _cleanup_free_ char *big = malloc(n + 16), *cont = NULL;
        Record rec = {};

        /* "A=" and n - 2 bytes: a line of exactly 1 MiB. */
        memcpy(big, "[S]\nA=", 6);
        memset(big + 6, 'x', n - 2);
        strcpy(big + 6 + n - 2, "\n");
        CHECK_INT(ini_parse(big, "x", on_assignment, NULL, &rec), 0);
        CHECK_INT(strv_length(rec.seen), 1);
        rec.seen = strv_free(rec.seen);

        /* One byte more. */
        strcpy(big + 6 + n - 2, "x\n");
        CHECK_INT(ini_parse(big, "x", on_assignment, NULL, &rec), -ENOBUFS);
        CHECK(rec.seen == NULL);

        /* 2000 continuation lines of 1000 bytes each: 2 MB in one line. */
        CHECK(strextend(&cont, "[S]\nA="));
        for (unsigned i = 0; i < 2000; i++) {
                char chunk[1002];
                memset(chunk, 'y', 999);
                strcpy(chunk + 999, "\\\n");
                CHECK(strextend(&cont, chunk));
        }
        CHECK(strextend(&cont, "end\n"));
        CHECK_INT(ini_parse(cont, "x", on_assignment, NULL, &rec), -ENOBUFS);
        strv_free(rec.seen);
}

int main(void) {
        RUN(basic);
        RUN(comments);
        RUN(continuation);
        RUN(garbage);
        RUN(crlf);
        RUN(line_ends);
        RUN(bom);
        RUN(refused_files);
        RUN(stop);
        RUN(lines);
        RUN(long_lines);
        return tests_finish();
}
