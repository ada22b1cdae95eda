/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* portable_settings_parse(): portable.conf and NAME.portable. Anything unknown or unparsable is an
 * error, so an image is never run with less than it asked for. */

#include <stdio.h>

#include "macro.h"
#include "settings.h"
#include "strv.h"
#include "tests.h"

static int parse(PortableSettings *s, const char *text) {
        return portable_settings_parse(s, text, "test.portable");
}

static void check_prefixes(const PortableSettings *s, const char *expected) {
        _cleanup_free_ char *j = s->prefixes ? strv_join(s->prefixes, " ") : NULL;
        CHECK_STR(j, expected);
}

TEST(valid) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;

        CHECK_STR(portable_settings_profile(&s), "default");
        CHECK(portable_settings_enable(&s));
        CHECK_INT(portable_settings_verity(&s), VERITY_AUTO);

        CHECK_INT(parse(&s, "# comment\n[Portable]\nProfile=strict\nEnable=no\nPrefixes=foo bar\nVerity=signed\n"), 0);
        CHECK_STR(s.profile, "strict");
        CHECK_STR(portable_settings_profile(&s), "strict");
        CHECK_INT(s.enable, 0);
        CHECK(!portable_settings_enable(&s));
        check_prefixes(&s, "foo bar");
        CHECK_INT(s.verity, VERITY_SIGNED);

        /* Later assignments override; empty ones reset to the default. */
        CHECK_INT(parse(&s, "[Portable]\nProfile=\nEnable=\nVerity=\n"), 0);
        CHECK(s.profile == NULL);
        CHECK_INT(s.enable, -1);
        CHECK_INT(s.verity, _VERITY_POLICY_INVALID);
        CHECK_STR(portable_settings_profile(&s), "default");

        CHECK_INT(parse(&s, "[Portable]\nProfile=/etc/my-profiles/custom\nEnable=yes\nVerity=yes\n"), 0);
        CHECK_STR(s.profile, "/etc/my-profiles/custom");
        CHECK_INT(s.enable, 1);
        CHECK_INT(s.verity, VERITY_REQUIRED);

        CHECK_INT(parse(&s, "[Portable]\nVerity=no\nProfile=custom-1.x\n"), 0);
        CHECK_INT(s.verity, VERITY_AUTO);
        CHECK_STR(s.profile, "custom-1.x");
        CHECK_INT(parse(&s, "[Portable]\nVerity=auto\n"), 0);
        CHECK_INT(s.verity, VERITY_AUTO);
}

TEST(root_hash) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;
        const char *h = "5c2ddffef394feb0c080312955321e9a47c3789000aaed68a97bcfe450d30027";
        _cleanup_free_ char *text = NULL;

        CHECK(portable_settings_root_hash(&s) == NULL);
        CHECK(asprintf(&text, "[Portable]\nVerity=auto\n\nRootHash=%s\n", h) > 0);
        CHECK_INT(parse(&s, text), 0);
        CHECK(portable_settings_root_hash(&s) != NULL);
        CHECK_INT(s.root_hash.root_hash_size, 32);
        CHECK_STR(s.root_hash.origin, "RootHash= in test.portable:4");
        /* A pin means verified data, even where Verity=auto was said; signed stays signed. */
        CHECK_INT(portable_settings_verity(&s), VERITY_REQUIRED);
        CHECK_INT(parse(&s, "[Portable]\nVerity=signed\n"), 0);
        CHECK_INT(portable_settings_verity(&s), VERITY_SIGNED);
        /* Empty resets. */
        CHECK_INT(parse(&s, "[Portable]\nRootHash=\nVerity=\n"), 0);
        CHECK(portable_settings_root_hash(&s) == NULL);
        CHECK_INT(portable_settings_verity(&s), VERITY_AUTO);

        /* Exactly a root hash: 32..128 hex digits, even, nothing else. */
        CHECK_INT(parse(&s, "[Portable]\nRootHash=5c2ddffef394feb0c080312955321e9a47c3789000aaed68a97bcfe450d3002\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nRootHash=5c2ddffef394feb0c0803129553\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nRootHash=5c2ddffef394feb0c080312955321e9a47c3789000aaed68a97bcfe450d3002x\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nRootHash=5c2ddffe f394feb0c080312955321e9a47c3789000aaed68a97bcfe450d30027\n"), -EINVAL);
        CHECK(portable_settings_root_hash(&s) == NULL);
}

TEST(prefixes) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;

        /* Several lines add up, duplicates once. */
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=a\nPrefixes=b a\nPrefixes=\"c\"\n"), 0);
        check_prefixes(&s, "a b c");
        /* An empty assignment resets. */
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=\nPrefixes=d\n"), 0);
        check_prefixes(&s, "d");
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=\n"), 0);
        CHECK(s.prefixes == NULL);

        /* Inherited from the global settings: the image's first Prefixes= replaces them. */
        CHECK_INT(strv_extend(&s.prefixes, "global"), 0);
        s.prefixes_inherited = true;
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=mine\nPrefixes=more\n"), 0);
        check_prefixes(&s, "mine more");
        CHECK(!s.prefixes_inherited);

        /* Invalid prefixes are errors. */
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=ok foo@\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=a/b\n"), -EINVAL);
        CHECK(parse(&s, "[Portable]\nPrefixes=\"unbalanced\n") < 0);
}

TEST(extensions) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;
        _cleanup_free_ char *j = NULL;

        /* Lines add up, in stacking order; empty resets; names or absolute paths. */
        CHECK_INT(parse(&s, "[Portable]\nExtensions=a b_1.raw\nExtensions=/srv/c.raw\n"), 0);
        j = strv_join(s.extensions, " ");
        CHECK_STR(j, "a b_1.raw /srv/c.raw");
        CHECK_INT(parse(&s, "[Portable]\nExtensions=\nExtensions=d\n"), 0);
        CHECK_INT((int) strv_length(s.extensions), 1);
        CHECK_STR(s.extensions[0], "d");
        CHECK_INT(parse(&s, "[Portable]\nExtensions=\n"), 0);
        CHECK(s.extensions == NULL);

        CHECK_INT(parse(&s, "[Portable]\nExtensions=../x\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=a/b\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=.hidden\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=/a/../b\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=/a/\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=a a\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nExtensions=\nExtensions=a\nExtensions=b\nExtensions=c d e f g h i j k l m n o p q\n"),
                  -E2BIG);
}

TEST(errors) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;

        CHECK_INT(parse(&s, "[Portable]\nUnknown=1\n"), -EBADMSG);
        CHECK_INT(parse(&s, "[Portable]\nprofile=strict\n"), -EBADMSG);        /* keys are case sensitive */
        CHECK_INT(parse(&s, "Profile=strict\n"), -EBADMSG);                    /* outside the section */
        CHECK_INT(parse(&s, "[Other]\nProfile=strict\n"), -EBADMSG);
        CHECK_INT(parse(&s, "[Portable]\nnot a setting\n"), -EBADMSG);
        CHECK_INT(parse(&s, "[Portable\nProfile=strict\n"), -EBADMSG);
        CHECK_INT(parse(&s, "[Portable]\nEnable=maybe\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nVerity=sometimes\n"), -EINVAL);
        /* Profiles: names or absolute directories, no path games. */
        CHECK_INT(parse(&s, "[Portable]\nProfile=../x\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=a/b\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=.hidden\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=..\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=a b\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=/a/../b\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=/a/..\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nProfile=x\\\ny\n"), -EINVAL);        /* continued into "x y" */
        /* Nothing was taken from the failed files. */
        CHECK(s.profile == NULL);
        CHECK_INT(s.enable, -1);
        CHECK_INT(s.verity, _VERITY_POLICY_INVALID);
}

TEST(newline_injection) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;

        /* A continuation cannot smuggle a new line into a value: it becomes a space. */
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=a\\\n[Service]\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nPrefixes=a\\\nb\n"), 0);
        check_prefixes(&s, "a b");
        CHECK(s.prefixes == NULL || !strv_contains(s.prefixes, "[Service]"));
}

TEST(verity_policy) {
        CHECK_STR(verity_policy_to_string(VERITY_AUTO), "auto");
        CHECK_STR(verity_policy_to_string(VERITY_REQUIRED), "yes");
        CHECK_STR(verity_policy_to_string(VERITY_SIGNED), "signed");
        CHECK_STR(verity_policy_to_string(_VERITY_POLICY_INVALID), NULL);
        CHECK_INT(verity_policy_from_string("true"), VERITY_REQUIRED);
        CHECK_INT(verity_policy_from_string("off"), VERITY_AUTO);
        CHECK_INT(verity_policy_from_string(""), _VERITY_POLICY_INVALID);
}

TEST(restart_policy) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;

        /* Unset: refresh restarts nothing, as before the setting existed. */
        CHECK_INT(portable_settings_restart(&s), RESTART_NO);
        CHECK_INT(parse(&s, "[Portable]\nRestart=changed\n"), 0);
        CHECK_INT(s.restart, RESTART_CHANGED);
        CHECK_INT(portable_settings_restart(&s), RESTART_CHANGED);
        CHECK_INT(parse(&s, "[Portable]\nRestart=no\n"), 0);
        CHECK_INT(portable_settings_restart(&s), RESTART_NO);
        CHECK_INT(parse(&s, "[Portable]\nRestart=changed\nRestart=\n"), 0);
        CHECK_INT(s.restart, _RESTART_POLICY_INVALID);
        CHECK_INT(portable_settings_restart(&s), RESTART_NO);

        /* Not a boolean, not systemd's Restart= values: refused, the image is not attached. */
        CHECK_INT(parse(&s, "[Portable]\nRestart=yes\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nRestart=always\n"), -EINVAL);
        CHECK_INT(parse(&s, "[Portable]\nRestart=Changed\n"), -EINVAL);

        CHECK_STR(restart_policy_to_string(RESTART_NO), "no");
        CHECK_STR(restart_policy_to_string(RESTART_CHANGED), "changed");
        CHECK_INT(restart_policy_from_string("changed"), RESTART_CHANGED);
        CHECK_INT(restart_policy_from_string(""), _RESTART_POLICY_INVALID);
}

int main(void) {
        RUN(valid);
        RUN(root_hash);
        RUN(prefixes);
        RUN(extensions);
        RUN(errors);
        RUN(newline_injection);
        RUN(verity_policy);
        RUN(restart_policy);
        return tests_finish();
}
