/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Names in versioned directories, as systemd's vpick (src/shared/vpick.c) and systemd.v(7) read
 * them: NAME.raw.v/ and NAME.v/, their entries NAME_VERSION[_ARCH][+LEFT[-DONE]][.raw], and the
 * order of picking. */

#include "macro.h"
#include "string-util.h"
#include "tests.h"
#include "vpick.h"

TEST(dir_name) {
        _cleanup_free_ char *n1 = NULL, *n2 = NULL;
        bool raw = false;

        CHECK_INT(vpick_dir_name_parse("foo.raw.v", &n1, &raw), 0);
        CHECK_STR(n1, "foo");
        CHECK(raw);
        CHECK_INT(vpick_dir_name_parse("foo.v", &n2, &raw), 0);
        CHECK_STR(n2, "foo");
        CHECK(!raw);
        CHECK_INT(vpick_dir_name_parse("foo.bar.v", NULL, NULL), 0);

        CHECK_INT(vpick_dir_name_parse("foo", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse("foo.raw", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse(".v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse(".raw.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse(".foo.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse("foo_1.raw.v", NULL, NULL), -EINVAL);   /* NAME is before the "_" */
        CHECK_INT(vpick_dir_name_parse("fo\"o.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse("foo\n.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse(" foo.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse("a/b.v", NULL, NULL), -EINVAL);
        CHECK_INT(vpick_dir_name_parse("", NULL, NULL), -EINVAL);
}

/* Parses and checks one entry. */
static void check_entry(const char *fn, const char *suffix, int match, const char *version, VPickArch arch,
                        unsigned left, unsigned done) {
        VPickEntry e = {};
        int r = vpick_entry_parse(fn, "foo", suffix, &e);

        CHECK_INT(r, match);
        if (r != match)
                fprintf(stderr, "  (%s)\n", fn);
        if (r != VPICK_MATCH)
                return;
        CHECK_STR(e.version, version);
        CHECK_INT(e.arch, arch);
        CHECK_INT(e.tries_left, left);
        CHECK_INT(e.tries_done, done);
        if (!streq(e.version, version) || e.tries_left != left || e.tries_done != done)
                fprintf(stderr, "  (%s)\n", fn);
        vpick_entry_done(&e);
}

#define NONE VPICK_TRIES_NONE

TEST(entry_parse) {
        _cleanup_free_ char *native = NULL, *foreign = NULL, *counters = NULL;
        const char *sec = vpick_secondary_architecture();

        check_entry("foo_1.raw", ".raw", VPICK_MATCH, "1", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_7.5.14.raw", ".raw", VPICK_MATCH, "7.5.14", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_1.raw", "", VPICK_MATCH, "1.raw", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_1", "", VPICK_MATCH, "1", VPICK_ARCH_ANY, NONE, NONE);

        /* Counters: "+LEFT" (DONE is then 0) and "+LEFT-DONE", after the version and architecture. */
        check_entry("foo_2+3.raw", ".raw", VPICK_MATCH, "2", VPICK_ARCH_ANY, 3, 0);
        check_entry("foo_2+3-1.raw", ".raw", VPICK_MATCH, "2", VPICK_ARCH_ANY, 3, 1);
        check_entry("foo_2+0.raw", ".raw", VPICK_MATCH, "2", VPICK_ARCH_ANY, 0, 0);
        check_entry("foo_2+0-5", "", VPICK_MATCH, "2", VPICK_ARCH_ANY, 0, 5);
        check_entry("foo_1.2+3+4.raw", ".raw", VPICK_MATCH, "1.2+3", VPICK_ARCH_ANY, 4, 0);
        /* What does not parse as counters stays part of the version (which may have "+"). */
        check_entry("foo_2+x.raw", ".raw", VPICK_MATCH, "2+x", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+.raw", ".raw", VPICK_MATCH, "2+", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+3-.raw", ".raw", VPICK_MATCH, "2+3-", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+3-x.raw", ".raw", VPICK_MATCH, "2+3-x", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+-3.raw", ".raw", VPICK_MATCH, "2+-3", VPICK_ARCH_ANY, NONE, NONE);
        /* As safe_atou(): a leading 0 is octal, and 08 does not parse; no overflow. */
        check_entry("foo_2+010.raw", ".raw", VPICK_MATCH, "2", VPICK_ARCH_ANY, 8, 0);
        check_entry("foo_2+08.raw", ".raw", VPICK_MATCH, "2+08", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+4294967295.raw", ".raw", VPICK_MATCH, "2", VPICK_ARCH_ANY, 4294967295U, 0);
        check_entry("foo_2+4294967296.raw", ".raw", VPICK_MATCH, "2+4294967296", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_2+1-99999999999999999999.raw", ".raw", VPICK_MATCH, "2+1-99999999999999999999",
                    VPICK_ARCH_ANY, NONE, NONE);

        /* Architectures: native, secondary, foreign (not considered), and a word that names none,
         * which vpick cuts off just the same. */
        native = strjoin("foo_3_", vpick_native_architecture(), ".raw");
        counters = strjoin("foo_3_", vpick_native_architecture(), "+2-1.raw");
        foreign = strjoin("foo_3_", streq(vpick_native_architecture(), "s390") ? "alpha" : "s390", ".raw");
        CHECK(native && foreign && counters);
        check_entry(native, ".raw", VPICK_MATCH, "3", VPICK_ARCH_NATIVE, NONE, NONE);
        check_entry(counters, ".raw", VPICK_MATCH, "3", VPICK_ARCH_NATIVE, 2, 1);
        check_entry(foreign, ".raw", VPICK_FOREIGN_ARCH, NULL, 0, 0, 0);
        if (sec) {
                _cleanup_free_ char *s = strjoin("foo_3_", sec, ".raw");
                check_entry(s, ".raw", VPICK_MATCH, "3", VPICK_ARCH_SECONDARY, NONE, NONE);
        }
        check_entry("foo_1_2.raw", ".raw", VPICK_MATCH, "1", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_1_2_x86-64-ish.raw", ".raw", VPICK_MATCH, "1_2", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo__1.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);

        /* Not NAME_*SUFFIX, or no valid version. */
        check_entry("foo.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo_1.img", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("bar_1.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foobar_1.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo-1.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo_.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        check_entry("foo_+3.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        check_entry("foo_1~rc1.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        check_entry("foo_1^p.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        check_entry("foo_1 2.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        check_entry("foo_1%n.raw", ".raw", VPICK_BAD_VERSION, NULL, 0, 0, 0);
        /* Hostile names are never taken, not even behind an "_" vpick would cut off. */
        check_entry("foo_1_\".raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo_1_a\nb.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo_1_a\\b.raw", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("foo_1_ .raw", ".raw", VPICK_MATCH, "1", VPICK_ARCH_ANY, NONE, NONE);
        check_entry("foo_1_ ", "", VPICK_NOT_NAMED, NULL, 0, 0, 0);
        check_entry("", ".raw", VPICK_NOT_NAMED, NULL, 0, 0, 0);
}

static VPickEntry entry(const char *fn) {
        VPickEntry e = {};

        if (vpick_entry_parse(fn, "foo", ".raw", &e) != VPICK_MATCH) {
                fprintf(stderr, "%s does not parse\n", fn);
                abort();
        }
        return e;
}

static void check_order(const char *better, const char *worse, VPickKey key) {
        VPickEntry a = entry(better), b = entry(worse);
        VPickKey k1 = VPICK_KEY_NONE, k2 = VPICK_KEY_NONE;

        CHECK_INT(vpick_entry_compare(&a, &b, &k1), 1);
        CHECK_INT(vpick_entry_compare(&b, &a, &k2), -1);
        CHECK_INT(k1, key);
        CHECK_INT(k2, key);
        vpick_entry_done(&a);
        vpick_entry_done(&b);
}

TEST(order) {
        _cleanup_free_ char *n = strjoin("foo_2_", vpick_native_architecture(), ".raw"),
                            *n0 = strjoin("foo_3_", vpick_native_architecture(), "+0.raw");
        const char *sec = vpick_secondary_architecture();

        CHECK(n && n0);
        /* systemd.v(7)'s example: the newest has no tries left, so the next one wins. */
        check_order("foo_7.5.14.raw", "foo_7.7.0+0-5.raw", VPICK_KEY_TRIES_LEFT_ZERO);
        check_order("foo_1+1.raw", "foo_9+0.raw", VPICK_KEY_TRIES_LEFT_ZERO);
        check_order("foo_10.raw", "foo_9.raw", VPICK_KEY_VERSION);
        check_order("foo_1.10.raw", "foo_1.9.raw", VPICK_KEY_VERSION);
        check_order("foo_2+1.raw", "foo_1.raw", VPICK_KEY_VERSION);
        check_order("foo_3+0.raw", "foo_2+0-9.raw", VPICK_KEY_VERSION);
        check_order(n, "foo_2.raw", VPICK_KEY_ARCH);
        check_order("foo_2.raw", n0, VPICK_KEY_TRIES_LEFT_ZERO);
        if (sec) {
                _cleanup_free_ char *s = strjoin("foo_2_", sec, ".raw");
                check_order(n, s, VPICK_KEY_ARCH);
                check_order(s, "foo_2.raw", VPICK_KEY_ARCH);
        }
        /* No counter counts as the most tries left. */
        check_order("foo_2.raw", "foo_2+5.raw", VPICK_KEY_TRIES_LEFT);
        check_order("foo_2+5.raw", "foo_2+4.raw", VPICK_KEY_TRIES_LEFT);
        check_order("foo_2+3-1.raw", "foo_2+3-2.raw", VPICK_KEY_TRIES_DONE);
        check_order("foo_2+3.raw", "foo_2+3-1.raw", VPICK_KEY_TRIES_DONE);

        {
                VPickEntry a = entry("foo_2_x.raw"), b = entry("foo_2_y.raw");
                VPickKey k;
                CHECK_INT(vpick_entry_compare(&a, &b, &k), 0);
                CHECK_INT(k, VPICK_KEY_NONE);
                vpick_entry_done(&a);
                vpick_entry_done(&b);
        }
}

TEST(architectures) {
        CHECK(vpick_architecture_is_known(vpick_native_architecture()));
        CHECK(vpick_architecture_is_known("x86-64"));
        CHECK(vpick_architecture_is_known("arm64"));
        CHECK(vpick_architecture_is_known("loongarch64"));
        CHECK(!vpick_architecture_is_known("x86_64"));
        CHECK(!vpick_architecture_is_known("amd64"));
        CHECK(!vpick_architecture_is_known(""));
#if defined(__x86_64__)
        CHECK_STR(vpick_native_architecture(), "x86-64");
        CHECK_STR(vpick_secondary_architecture(), "x86");
#endif
}

int main(void) {
        RUN(dir_name);
        RUN(entry_parse);
        RUN(order);
        RUN(architectures);
        return tests_finish();
}
