/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* version_compare() against systemd's own order. The expected results below were measured with
 * `systemd-analyze compare-versions -- A B` of systemd 252 (252.39-1~deb12u2, Debian 12). */

#include "tests.h"
#include "version.h"

static const struct {
        const char *a, *b;
        int expected;
} pairs[] = {
        { "1", "2", -1 },
        { "2", "1", 1 },
        { "1", "1", 0 },
        { "1.0", "1", 1 },
        { "1.0", "1.0", 0 },
        { "1.1", "1.0", 1 },
        { "1.10", "1.9", 1 },
        { "1.9", "1.10", -1 },
        { "10", "9", 1 },
        { "010", "10", 0 },
        { "001", "1", 0 },
        { "0", "00", 0 },
        { "1.01", "1.1", 0 },
        { "1.001", "1.01", 0 },
        { "1~rc1", "1", -1 },
        { "1~rc1", "1~rc2", -1 },
        { "1~", "1", -1 },
        { "1~~", "1~", 1 },
        { "1^", "1", 1 },
        { "1^1", "1", 1 },
        { "1^1", "1.1", -1 },
        { "1-1", "1", 1 },
        { "1-1", "1.1", -1 },
        { "1-2", "1-1", 1 },
        { "1.0-1", "1.0", 1 },
        { "a", "b", -1 },
        { "abc", "abd", -1 },
        { "abc", "ab", 1 },
        { "a", "1", -1 },
        { "1", "a", 1 },
        { "1a", "1", 1 },
        { "1a", "1b", -1 },
        { "1.a", "1.1", -1 },
        { "2.0a", "2.0", 1 },
        { "a.b", "a.c", -1 },
        { "foo", "foo", 0 },
        { "FOO", "foo", -1 },
        { "Z", "a", -1 },
        { "", "", 0 },
        { "", "1", -1 },
        { "1", "", 1 },
        { "5.2", "5.2.0", -1 },
        { "5.2.0", "5.2", 1 },
        { "1_2", "1.2", 1 },
        { "1+2", "1.2", 1 },
        { "1..2", "1.2", -1 },
        { "1...", "1", 1 },
        { ".1", "1", -1 },
        { "-1", "1", -1 },
        { "^1", "1", -1 },
        { "~1", "1", -1 },
        { "1.2~rc3", "1.2", -1 },
        { "1.2~rc3", "1.1", 1 },
        { "123456789012345678901234567890", "123456789012345678901234567889", 1 },
        { "252.19-1~deb12u1", "252.19-1", -1 },
        { "252.19-1", "252.19-1+deb12u1", -1 },
        { "1.0.0", "1.0.0.0", -1 },
        { "r1", "r2", -1 },
        { "v10", "v9", 1 },
        { "1.0rc1", "1.0", 1 },
        { "1.0-rc1", "1.0", 1 },
        { "v1", "1", -1 },
        { "0.1^git1", "0.1", 1 },
        { "1~~a", "1~~", 1 },
};

static int sign(int x) {
        return x < 0 ? -1 : x > 0 ? 1 : 0;
}

TEST(systemd_analyze_pairs) {
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                int r = sign(version_compare(pairs[i].a, pairs[i].b));

                if (r != pairs[i].expected)
                        fprintf(stderr, "version_compare(\"%s\", \"%s\") = %d, systemd says %d\n",
                                pairs[i].a, pairs[i].b, r, pairs[i].expected);
                CHECK_INT(r, pairs[i].expected);

                /* Antisymmetry: swapping the arguments flips the result. */
                CHECK_INT(sign(version_compare(pairs[i].b, pairs[i].a)), -pairs[i].expected);
        }
}

/* systemd 252's compare-versions has no special case for empty strings: "" > "~" and "" == "_"
 * there. version_compare() follows current upstream (and its own contract): NULL or "" is older
 * than any non-empty version, so "foo.raw" never wins over "foo_~rc1.raw". */
TEST(empty_is_oldest) {
        CHECK_INT(sign(version_compare("", "~")), -1);
        CHECK_INT(sign(version_compare("", "_")), -1);
        CHECK_INT(sign(version_compare("~", "")), 1);
}

TEST(null) {
        CHECK_INT(sign(version_compare(NULL, NULL)), 0);
        CHECK_INT(sign(version_compare(NULL, "")), 0);
        CHECK_INT(sign(version_compare(NULL, "1")), -1);
        CHECK_INT(sign(version_compare("0", NULL)), 1);
}

TEST(sorted_chain) {
        /* A chain in ascending order: every earlier entry is older than every later one. */
        static const char *const chain[] = {
                "~", "0~rc1", "0", "0.1~", "0.1", "0.1-1", "0.1^1", "0.1.1", "0.9", "0.10", "1~alpha",
                "1~beta", "1", "1.0", "1.0.1", "2", "9", "10", "100",
        };
        size_t n = sizeof(chain) / sizeof(chain[0]);

        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        int expected = i < j ? -1 : i > j ? 1 : 0, r = sign(version_compare(chain[i], chain[j]));
                        if (r != expected)
                                fprintf(stderr, "chain: \"%s\" vs \"%s\": %d, expected %d\n", chain[i], chain[j], r, expected);
                        CHECK_INT(r, expected);
                }
}

int main(void) {
        RUN(systemd_analyze_pairs);
        RUN(empty_is_oldest);
        RUN(null);
        RUN(sorted_chain);
        return tests_finish();
}
