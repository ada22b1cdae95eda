/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* env_file_parse(): os-release files, read as systemd's parse_env_file() reads them. */

#include "env-file.h"
#include "macro.h"
#include "strv.h"
#include "tests.h"

static void check(const char *text, const char *expected) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *joined = NULL;
        int r;

        r = env_file_parse(text, &l);
        CHECK_INT(r, 0);
        CHECK(l != NULL);
        joined = strv_join(l, "|");
        if (!joined || strcmp(joined, expected) != 0)
                fprintf(stderr, "--- input:\n%s\n--- got:      %s\n--- expected: %s\n", text, joined ?: "(null)", expected);
        CHECK_STR(joined, expected);
}

TEST(plain) {
        check("", "");
        check("\n\n", "");
        check("ID=debian\n", "ID=debian");
        check("ID=debian", "ID=debian");
        check("NAME=Debian GNU/Linux\nID=debian\nVERSION_ID=12\n", "NAME=Debian GNU/Linux|ID=debian|VERSION_ID=12");
        check("  ID=debian\n", "ID=debian");
        check("ID=   debian\n", "ID=debian");
        check("EMPTY=\nID=x\n", "EMPTY=|ID=x");
        check("A_1=x\n_B=y\n", "A_1=x|_B=y");
        /* "#" only starts a comment at the start of a line. */
        check("# comment\n  # indented\nID=a # b\n", "ID=a # b");
        check("A=a=b\n", "A=a=b");
        /* Later assignments do not replace earlier ones in the list; env_get() takes the last. */
        check("ID=a\nID=b\n", "ID=a|ID=b");
        /* As systemd: white space around "=", quotes only where a value starts. */
        check("A = b\n", "A=b");
        check("A\t=\tb\n", "A=b");
        check("A=a\"b c\"d\n", "A=a\"b c\"d");
        check("A=\"x\"y\n", "A=xy");
        check("A='x' \"y\"\n", "A=xy");
}

TEST(quotes) {
        check("A=\"a b\"\n", "A=a b");
        check("A='a b'\n", "A=a b");
        check("A=\"\"\n", "A=");
        check("A=''\n", "A=");
        /* Double quotes escape \" \\ \` \$ only; other backslashes stay. */
        check("A=\"a\\\"b\\\\c\\`d\\$e\\nf\"\n", "A=a\"b\\c`d$e\\nf");
        /* Single quotes escape nothing. */
        check("A='a\\b\\'\n", "A=a\\b\\");
        check("A=\"it's\"\n", "A=it's");
        check("A='say \"hi\"'\n", "A=say \"hi\"");
        check("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
              "PRETTY_NAME=Debian GNU/Linux 12 (bookworm)|ID=debian");
}

TEST(escapes_unquoted) {
        check("A=a\\ b\n", "A=a b");
        check("A=a\\\\b\n", "A=a\\b");
        check("A=\\\"x\\\"\n", "A=\"x\"");
}

TEST(continuation) {
        check("A=a\\\nb\nB=c\n", "A=ab|B=c");
        check("A=\"a\\\nb\"\n", "A=ab");
        check("A=a \\\n  b\n", "A=a   b");
}

TEST(trailing_space) {
        check("A=b   \n", "A=b");
        check("A=b \t \n", "A=b");
        check("A=\"b  \"  \n", "A=b  ");
        check("A='b  '\t\n", "A=b  ");
        check("A=b\r\nB=c\r\n", "A=b|B=c");
}

TEST(invalid_lines) {
        check("garbage\nID=x\n", "ID=x");
        check("1A=x\nID=y\n", "ID=y");
        check("A-B=x\nID=y\n", "ID=y");
        check("=x\nID=y\n", "ID=y");
        check("A B=x\nID=y\n", "ID=y");
        /* A control character in a value (a newline in quotes too): the line is dropped. */
        check("A=\"a\nb\"\nID=y\n", "ID=y");
        check("A=a\x01" "b\nID=y\n", "ID=y");
        check("A=a\tb\n", "A=a\tb");
        /* Invalid UTF-8: dropped. */
        check("A=\xff\xfe\nID=y\n", "ID=y");
        check("A=caf\xc3\xa9\n", "A=caf\xc3\xa9");
        /* An unterminated quote: the rest of the file is not trusted. */
        check("ID=x\nA=\"unterminated\nB=c\n", "ID=x");
        check("ID=x\nA='unterminated", "ID=x");
        /* A backslash at the very end. */
        check("A=b\\", "A=b");
}

TEST(env_get) {
        _cleanup_strv_free_ char **l = NULL;

        CHECK_INT(env_file_parse("ID=a\nIDX=b\nID_LIKE=c\nID=d\n", &l), 0);
        CHECK_STR(env_get(l, "ID"), "d");
        CHECK_STR(env_get(l, "IDX"), "b");
        CHECK_STR(env_get(l, "ID_LIKE"), "c");
        CHECK_STR(env_get(l, "I"), NULL);
        CHECK_STR(env_get(l, "NOPE"), NULL);
        CHECK_STR(env_get(NULL, "ID"), NULL);
}

int main(void) {
        RUN(plain);
        RUN(quotes);
        RUN(escapes_unquoted);
        RUN(continuation);
        RUN(trailing_space);
        RUN(invalid_lines);
        RUN(env_get);
        return tests_finish();
}
