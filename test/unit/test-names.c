/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Image and unit names: what is an image, what is a unit we may attach, which units belong to
 * which prefix. The unit name rules are systemd's (unit_name_is_valid(), portable.c's
 * prefix_match()), restricted to the unit types images may carry. */

#include "macro.h"
#include "names.h"
#include "tests.h"

static char *repeat(char c, size_t n, const char *suffix) {
        char *s = malloc(n + strlen(suffix) + 1);
        if (!s)
                abort();
        memset(s, c, n);
        strcpy(s + n, suffix);
        return s;
}

TEST(image_filename_is_valid) {
        _cleanup_free_ char *max = repeat('a', 251, ".raw"), *over = repeat('a', 252, ".raw");

        CHECK(image_filename_is_valid("foo.raw"));
        CHECK(image_filename_is_valid("foo_1.raw"));
        CHECK(image_filename_is_valid("foo"));
        CHECK(image_filename_is_valid("foo bar.raw"));
        CHECK(image_filename_is_valid("foo_1 %n.raw"));
        CHECK(image_filename_is_valid("a$b.raw"));
        CHECK(image_filename_is_valid("ünïcödé.raw"));
        CHECK(image_filename_is_valid(max));
        CHECK(!image_filename_is_valid(over));
        CHECK(!image_filename_is_valid(NULL));
        CHECK(!image_filename_is_valid(""));
        CHECK(!image_filename_is_valid("."));
        CHECK(!image_filename_is_valid(".."));
        CHECK(!image_filename_is_valid(".foo.raw"));
        CHECK(!image_filename_is_valid("a/b.raw"));
        CHECK(!image_filename_is_valid("/foo"));
        CHECK(!image_filename_is_valid("foo\n.raw"));
        CHECK(!image_filename_is_valid("foo\t.raw"));
        CHECK(!image_filename_is_valid("foo\r"));
        CHECK(!image_filename_is_valid("foo\x7f.raw"));
        CHECK(!image_filename_is_valid("foo\xff.raw"));
        CHECK(!image_filename_is_valid("foo\xc3.raw"));         /* truncated UTF-8 sequence */
        CHECK(!image_filename_is_valid(" foo.raw"));
        CHECK(!image_filename_is_valid("foo.raw "));
        CHECK(!image_filename_is_valid("foo\".raw"));
        CHECK(!image_filename_is_valid("foo'.raw"));
        CHECK(!image_filename_is_valid("foo\\x2d.raw"));
}

static void check_parse(const char *fn, bool is_raw, int expected_r, const char *name, const char *version) {
        _cleanup_free_ char *n = NULL, *v = NULL;
        int r;

        r = image_name_parse(fn, is_raw, &n, &v);
        if (r != expected_r)
                fprintf(stderr, "image_name_parse(\"%s\", %d) = %d\n", fn, is_raw, r);
        CHECK_INT(r, expected_r);
        if (r < 0)
                return;
        CHECK_STR(n, name);
        CHECK_STR(v, version);
}

TEST(image_name_parse) {
        check_parse("foo.raw", true, 0, "foo", NULL);
        check_parse("foo_1.raw", true, 0, "foo", "1");
        check_parse("foo_1.2.3.raw", true, 0, "foo", "1.2.3");
        check_parse("foo_1_2.raw", true, 0, "foo", "1_2");
        check_parse("foo_.raw", true, 0, "foo", NULL);
        check_parse("foo-bar_2~rc1.raw", true, 0, "foo-bar", "2~rc1");
        check_parse("foo_1 %n.raw", true, 0, "foo", "1 %n");
        check_parse("raw.raw", true, 0, "raw", NULL);
        check_parse("foo.raw.raw", true, 0, "foo.raw", NULL);
        check_parse("foo", false, 0, "foo", NULL);
        check_parse("foo_10", false, 0, "foo", "10");
        check_parse("foo.raw", false, 0, "foo.raw", NULL);      /* a directory keeps its whole name */
        check_parse("foo_", false, 0, "foo", NULL);
        check_parse("_1.raw", true, -EINVAL, NULL, NULL);
        check_parse("_", false, -EINVAL, NULL, NULL);
        check_parse(".raw", true, -EINVAL, NULL, NULL);
        check_parse("foo.img", true, -EINVAL, NULL, NULL);
        check_parse("foo", true, -EINVAL, NULL, NULL);
        check_parse("", false, -EINVAL, NULL, NULL);
        check_parse("a/b", false, -EINVAL, NULL, NULL);
        check_parse("foo\n_1.raw", true, -EINVAL, NULL, NULL);
        check_parse("foo\xff_1.raw", true, -EINVAL, NULL, NULL);

        /* Optional outputs. */
        CHECK_INT(image_name_parse("foo_1.raw", true, NULL, NULL), 0);
}

TEST(unit_name_type) {
        _cleanup_free_ char *max = repeat('a', 255 - strlen(".service"), ".service"),
                            *over = repeat('a', 256 - strlen(".service"), ".service");

        CHECK_INT(unit_name_type("foo.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo.socket"), UNIT_SOCKET);
        CHECK_INT(unit_name_type("foo.target"), UNIT_TARGET);
        CHECK_INT(unit_name_type("foo.timer"), UNIT_TIMER);
        CHECK_INT(unit_name_type("foo.path"), UNIT_PATH);
        CHECK_INT(unit_name_type("foo@.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo@bar.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo@bar.baz.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo-bar_baz:qux.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo\\x2dbar.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo..service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type("foo.service.service"), UNIT_SERVICE);
        CHECK_INT(unit_name_type(max), UNIT_SERVICE);
        CHECK_INT(unit_name_type(over), _UNIT_TYPE_INVALID);

        /* Types images may not carry, and no type at all. */
        CHECK_INT(unit_name_type("foo.mount"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo.slice"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo.device"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo.scope"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo."), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo.Service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type(".service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type(""), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type(NULL), _UNIT_TYPE_INVALID);

        /* Bad characters and "@" placement. */
        CHECK_INT(unit_name_type("..service"), UNIT_SERVICE);         /* as in systemd: prefix "." */
        CHECK_INT(unit_name_type("@foo.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo@a@b.service"), _UNIT_TYPE_INVALID);     /* systemd allows this; we are stricter */
        CHECK_INT(unit_name_type("foo bar.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo/bar.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("../foo.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("..service"), UNIT_SERVICE);         /* as in systemd: prefix "." */
        CHECK_INT(unit_name_type("foo\n.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("f\xc3\xb6o.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo\xff.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo%n.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo$.service"), _UNIT_TYPE_INVALID);
        CHECK_INT(unit_name_type("foo.service\n"), _UNIT_TYPE_INVALID);
}

TEST(template_instance) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        CHECK(unit_name_is_template("foo@.service"));
        CHECK(!unit_name_is_template("foo@bar.service"));
        CHECK(!unit_name_is_template("foo.service"));
        CHECK(unit_name_is_instance("foo@bar.service"));
        CHECK(!unit_name_is_instance("foo@.service"));
        CHECK(!unit_name_is_instance("foo.service"));

        CHECK_INT(unit_name_template("foo@bar.service", &a), 0);
        CHECK_STR(a, "foo@.service");
        CHECK_INT(unit_name_template("foo@bar.baz.socket", &b), 0);
        CHECK_STR(b, "foo@.socket");
        CHECK_INT(unit_name_template("foo.service", &c), -EINVAL);
        CHECK_INT(unit_name_template("foo@bar", &c), -EINVAL);

        CHECK_INT(unit_name_replace_instance("foo@.service", "bar", &d), 0);
        CHECK_STR(d, "foo@bar.service");
        d = mfree(d);
        CHECK_INT(unit_name_replace_instance("foo@.timer", "a.b-c:d\\x20", &d), 0);
        CHECK_STR(d, "foo@a.b-c:d\\x20.timer");
        d = mfree(d);
        CHECK_INT(unit_name_replace_instance("foo.service", "bar", &d), -EINVAL);
        CHECK_INT(unit_name_replace_instance("foo@bar.service", "baz", &d), -EINVAL);
        CHECK_INT(unit_name_replace_instance("foo@.service", "", &d), -EINVAL);
        CHECK_INT(unit_name_replace_instance("foo@.service", "a b", &d), -EINVAL);
        CHECK_INT(unit_name_replace_instance("foo@.service", "a/b", &d), -EINVAL);
        CHECK_INT(unit_name_replace_instance("foo@.service", "a\nb", &d), -EINVAL);
        CHECK(d == NULL);

        {
                /* An instance that would make the name too long. */
                _cleanup_free_ char *inst = repeat('x', 250, "");
                CHECK_INT(unit_name_replace_instance("foo@.service", inst, &d), -EINVAL);
        }

        CHECK(unit_instance_is_valid("bar"));
        CHECK(unit_instance_is_valid("a.b"));
        CHECK(!unit_instance_is_valid(""));
        CHECK(!unit_instance_is_valid(NULL));
        CHECK(!unit_instance_is_valid("a b"));
        CHECK(!unit_instance_is_valid("%i"));
}

TEST(prefixes) {
        CHECK(unit_name_matches_prefix("foo.service", "foo"));
        CHECK(unit_name_matches_prefix("foo-bar.service", "foo"));
        CHECK(unit_name_matches_prefix("foo@.service", "foo"));
        CHECK(unit_name_matches_prefix("foo@x.service", "foo"));
        CHECK(unit_name_matches_prefix("foo.socket", "foo"));
        CHECK(unit_name_matches_prefix("foo.bar.service", "foo"));
        CHECK(!unit_name_matches_prefix("foobar.service", "foo"));
        CHECK(!unit_name_matches_prefix("foo_bar.service", "foo"));
        CHECK(!unit_name_matches_prefix("fo.service", "foo"));
        CHECK(!unit_name_matches_prefix("bar-foo.service", "foo"));
        CHECK(!unit_name_matches_prefix("Foo.service", "foo"));
        /* TEST-29's minimal_0 with PORTABLE_PREFIXES="app0 minimal minimal-app0". */
        CHECK(unit_name_matches_prefix("minimal-app0.service", "minimal"));
        CHECK(unit_name_matches_prefix("minimal-app0.service", "minimal-app0"));
        CHECK(unit_name_matches_prefix("minimal-app0-foo.service", "minimal-app0"));
        CHECK(unit_name_matches_prefix("app0.service", "app0"));
        CHECK(!unit_name_matches_prefix("app1.service", "app0"));

        CHECK(portable_prefix_is_valid("foo"));
        CHECK(portable_prefix_is_valid("foo-bar.baz_qux:1"));
        CHECK(portable_prefix_is_valid("foo\\x2d"));
        CHECK(!portable_prefix_is_valid(""));
        CHECK(!portable_prefix_is_valid(NULL));
        CHECK(!portable_prefix_is_valid("foo@"));
        CHECK(!portable_prefix_is_valid("foo@bar"));
        CHECK(!portable_prefix_is_valid("foo bar"));
        CHECK(!portable_prefix_is_valid("a/b"));
        CHECK(!portable_prefix_is_valid("f\xc3\xb6o"));
        CHECK(!portable_prefix_is_valid("foo\n"));
        CHECK(!portable_prefix_is_valid("%n"));
        {
                _cleanup_free_ char *max = repeat('p', 255, ""), *over = repeat('p', 256, "");
                CHECK(portable_prefix_is_valid(max));
                CHECK(!portable_prefix_is_valid(over));
        }
}

TEST(unit_types) {
        CHECK_STR(unit_type_to_string(UNIT_SERVICE), "service");
        CHECK_STR(unit_type_to_string(UNIT_PATH), "path");
        CHECK_STR(unit_type_to_string(_UNIT_TYPE_MAX), NULL);
        CHECK_STR(unit_type_to_string(_UNIT_TYPE_INVALID), NULL);
        CHECK_INT(unit_type_from_string("timer"), UNIT_TIMER);
        CHECK_INT(unit_type_from_string("mount"), _UNIT_TYPE_INVALID);
}

int main(void) {
        RUN(image_filename_is_valid);
        RUN(image_name_parse);
        RUN(unit_name_type);
        RUN(template_instance);
        RUN(prefixes);
        RUN(unit_types);
        return tests_finish();
}
