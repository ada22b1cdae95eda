/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* unit_escape_specifiers() and unit_quote_word(): values we write into units must mean exactly
 * what they say. Checked three ways: the exact strings, a round trip through the same unquoting
 * systemd applies (specifiers, then extract_first_word()), and `systemd-analyze verify` of a unit
 * carrying them, which must accept it without a single complaint. */

#include <sys/stat.h>
#include <sys/wait.h>

#include "escape.h"
#include "macro.h"
#include "string-util.h"
#include "tests.h"

static const char *const values[] = {
        "PORTABLE=foo_1.raw",
        "PORTABLE=foo_1 %n.raw",
        "PORTABLE=a%%b%",
        "PORTABLE=with \"double\" and 'single' quotes",
        "PORTABLE=back\\slash\\",
        "PORTABLE=tab\there",
        "PORTABLE=$HOME ${X} `cmd`",
        "PORTABLE=ünïcödé;#=",
        "PORTABLE=",
};

TEST(exact) {
        _cleanup_free_ char *a = unit_escape_specifiers("/var/lib/portables/foo_1 %n.raw"),
                            *b = unit_escape_specifiers(""),
                            *c = unit_escape_specifiers("%%"),
                            *d = unit_quote_word("PORTABLE=foo_1 %n.raw"),
                            *e = unit_quote_word("a\"b\\c"),
                            *f = unit_quote_word("");

        CHECK_STR(a, "/var/lib/portables/foo_1 %%n.raw");
        CHECK_STR(b, "");
        CHECK_STR(c, "%%%%");
        CHECK_STR(d, "\"PORTABLE=foo_1 %%n.raw\"");
        CHECK_STR(e, "\"a\\\"b\\\\c\"");
        CHECK_STR(f, "\"\"");
}

/* What systemd does with an Environment= value: specifiers first ("%%" -> "%"), then unquoting. */
static char *unescape_specifiers(const char *s) {
        char *r = strdup(s), *p = r;

        for (; *s; s++) {
                if (s[0] == '%' && s[1] == '%')
                        s++;
                *p++ = *s;
        }
        *p = 0;
        return r;
}

TEST(round_trip) {
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                _cleanup_free_ char *q = unit_quote_word(values[i]), *u = NULL, *w = NULL, *w2 = NULL;
                const char *p;

                u = unescape_specifiers(q);
                p = u;
                CHECK_INT(extract_first_word(&p, &w), 1);
                CHECK_STR(w, values[i]);
                /* One word, nothing left. */
                CHECK_INT(extract_first_word(&p, &w2), 0);
        }
}

/* Runs systemd-analyze verify on path, stderr and stdout to log. Returns its exit status, or -1 if
 * it cannot be run. */
static int run_verify(const char *path, const char *log) {
        _cleanup_free_ char *cmd = NULL;
        int r;

        if (asprintf(&cmd, "systemd-analyze verify --man=no '%s' >'%s' 2>&1", path, log) < 0)
                abort();
        r = system(cmd);
        if (r < 0 || !WIFEXITED(r))
                return -1;
        return WEXITSTATUS(r);
}

static long file_size(const char *path) {
        struct stat st;
        return stat(path, &st) < 0 ? -1 : (long) st.st_size;
}

static void dump(const char *path) {
        _cleanup_free_ char *cmd = NULL;
        if (asprintf(&cmd, "cat '%s' >&2", path) >= 0)
                (void) system(cmd);
}

TEST(systemd_analyze_verify) {
        char dir[] = "/tmp/test-escape.XXXXXX";
        _cleanup_free_ char *unit = NULL, *bad = NULL, *log = NULL, *cmd = NULL;
        FILE *f;

        if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
                fprintf(stderr, "systemd-analyze not found, skipping the verify check\n");
                return;
        }

        CHECK(mkdtemp(dir) != NULL);
        CHECK(asprintf(&unit, "%s/escape-test.service", dir) > 0);
        CHECK(asprintf(&bad, "%s/escape-bad.service", dir) > 0);
        CHECK(asprintf(&log, "%s/log", dir) > 0);

        f = fopen(unit, "we");
        CHECK(f != NULL);
        if (!f)
                return;
        fputs("[Service]\nExecStart=/bin/true\n", f);
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                _cleanup_free_ char *q = unit_quote_word(values[i]);
                fprintf(f, "Environment=%s\nLogExtraFields=%s\n", q, q);
        }
        {
                _cleanup_free_ char *root = unit_escape_specifiers("/var/lib/portables/foo_1 %n $x.raw");
                fprintf(f, "RootImage=%s\n", root);
        }
        fclose(f);

        CHECK_INT(run_verify(unit, log), 0);
        if (file_size(log) != 0) {
                fprintf(stderr, "systemd-analyze verify complained about:\n");
                dump(unit);
                dump(log);
        }
        CHECK_INT(file_size(log), 0);

        /* The check can fail: an unescaped specifier and an unbalanced quote are reported. */
        f = fopen(bad, "we");
        CHECK(f != NULL);
        if (!f)
                return;
        fputs("[Service]\nExecStart=/bin/true\nEnvironment=\"PORTABLE=foo %Z.raw\"\nEnvironment=\"a\n", f);
        fclose(f);
        (void) run_verify(bad, log);
        CHECK(file_size(log) > 0);

        CHECK(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        (void) system(cmd);
}

int main(void) {
        RUN(exact);
        RUN(round_trip);
        RUN(systemd_analyze_verify);
        return tests_finish();
}
