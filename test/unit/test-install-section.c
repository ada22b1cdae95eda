/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The [Install] section as `systemctl enable` reads it, and its specifiers. */

#include "install-section.h"
#include "macro.h"
#include "strv.h"
#include "tests.h"

static void check_printf(const char *unit, const char *format, int expected_r, const char *expected) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = install_name_printf(unit, format, &s);
        if (r != expected_r)
                fprintf(stderr, "install_name_printf(\"%s\", \"%s\") = %d\n", unit, format, r);
        CHECK_INT(r, expected_r);
        if (r >= 0)
                CHECK_STR(s, expected);
}

TEST(install_name_printf) {
        check_printf("foo@bar.service", "%n %N %p %i %j %%", 0, "foo@bar.service foo@bar foo bar foo %");
        check_printf("foo-baz@x.socket", "%p/%j/%i", 0, "foo-baz/baz/x");
        check_printf("foo.service", "[%i]%p", 0, "[]foo");
        check_printf("foo@.service", "[%i]%N", 0, "[]foo@");
        check_printf("a-b-c.target", "%j", 0, "c");
        check_printf("foo.service", "", 0, "");
        check_printf("foo.service", "multi-user.target", 0, "multi-user.target");
        check_printf("foo.service", "%%n", 0, "%n");
        /* Specifiers the [Install] section does not know, and a lone "%" at the end. */
        check_printf("foo.service", "%Z", -EBADSLT, NULL);
        check_printf("foo.service", "%H", -EBADSLT, NULL);
        /* A stray "%" at the end stays, as in systemd. */
        check_printf("foo.service", "abc%", 0, "abc%");
        check_printf("noext", "%n", -EINVAL, NULL);
}

static void check_list(char **l, const char *expected) {
        _cleanup_free_ char *j = strv_join(l, " ");
        CHECK_STR(j, expected);
}

TEST(parse) {
        _cleanup_(install_info_done) InstallInfo i = {};

        CHECK_INT(install_info_parse(&i,
                                     "[Unit]\n"
                                     "Description=x\n"
                                     "WantedBy=not-in-install.target\n"
                                     "[Install]\n"
                                     "WantedBy=multi-user.target\n"
                                     "WantedBy=a.target b.target multi-user.target\n"
                                     "RequiredBy=%p-x.target\n"
                                     "UpheldBy=c.target\n"
                                     "WantedBy=bad/name.target tmpl@.target %Z.target\n"
                                     "Alias=ignored.service\n"
                                     "Also=other.service\n"
                                     "garbage line\n"
                                     "DefaultInstance=%p\n"
                                     "[Service]\n"
                                     "WantedBy=also-not.target\n",
                                     "foo.service", "foo.service"), 0);
        check_list(i.wanted_by, "multi-user.target a.target b.target");
        check_list(i.required_by, "foo-x.target");
        check_list(i.upheld_by, "c.target");
        CHECK_STR(i.default_instance, "foo");

        /* A drop-in: empty assignments reset, others add. */
        CHECK_INT(install_info_parse(&i,
                                     "[Install]\n"
                                     "WantedBy=\n"
                                     "WantedBy=d.target\n"
                                     "RequiredBy=\n"
                                     "DefaultInstance=\n",
                                     "foo.service", "override.conf"), 0);
        check_list(i.wanted_by, "d.target");
        CHECK(i.required_by == NULL);
        check_list(i.upheld_by, "c.target");
        CHECK(i.default_instance == NULL);
}

TEST(template) {
        _cleanup_(install_info_done) InstallInfo i = {};

        CHECK_INT(install_info_parse(&i,
                                     "[Install]\n"
                                     "WantedBy=multi-user.target %p-%i.target\n"
                                     "DefaultInstance=inst\n",
                                     "foo@inst.service", "foo@.service"), 0);
        check_list(i.wanted_by, "multi-user.target foo-inst.target");
        CHECK_STR(i.default_instance, "inst");

        /* Invalid instances are dropped. */
        install_info_done(&i);
        CHECK_INT(install_info_parse(&i, "[Install]\nDefaultInstance=a b\n", "foo@.service", "x"), 0);
        CHECK(i.default_instance == NULL);
        CHECK_INT(install_info_parse(&i, "[Install]\nDefaultInstance=%Z\n", "foo@.service", "x"), 0);
        CHECK(i.default_instance == NULL);

        /* Unbalanced quotes: the list is ignored, not half-taken. */
        CHECK_INT(install_info_parse(&i, "[Install]\nWantedBy=\"a.target\n", "foo.service", "x"), 0);
        CHECK(i.wanted_by == NULL);
}

int main(void) {
        RUN(install_name_printf);
        RUN(parse);
        RUN(template);
        return tests_finish();
}
