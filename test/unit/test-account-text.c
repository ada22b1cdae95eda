/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/account-text.h: an image's passwd and group re-emitted as well-formed lines only, and a
 * sandbox's final files with the service's user as its dynamic user. */

#include "account-text.h"
#include "macro.h"
#include "string-util.h"
#include "tests.h"

static char *filtered(const char *text, AccountDb db, const char *drop, char **dropped) {
        char *out = NULL;
        CHECK_INT(account_text_filter(text, db, drop, &out, dropped), 0);
        return out;
}

TEST(filter_passwd) {
        _cleanup_free_ char *out = NULL, *dropped = NULL;

        out = filtered("root:x:0:0:root:/root:/bin/bash\n"
                       "# a comment\n"
                       "+nisuser\n"
                       "-@netgroup\n"
                       "\n"
                       "short:x:1:1::/\n"                       /* 6 fields */
                       "long:x:1:1::/:/bin/sh:extra\n"          /* 8 fields */
                       "badid:x:-1:1::/:/bin/sh\n"
                       "bigid:x:4294967295:1::/:/bin/sh\n"
                       "nogid:x:1:65535::/:/bin/sh\n"           /* 65535 is not a valid id */
                       "9digit:x:1:1::/:/bin/sh\n"              /* not a valid name */
                       "ctl:x:1:1:a\tb:/:/bin/sh\n"             /* control character in GECOS */
                       "relhome:x:1:1::home:/bin/sh\n"
                       "dotdot:x:1:1::/a/../b:/bin/sh\n"
                       "crlf:x:1:1::/:/bin/sh\r\n"
                       "nopw::2:2:No Password:/:\n"             /* empty password, empty shell: fine */
                       "hash:$6$abc$def:3:3:,,,:/var/lib/hash:/usr/sbin/nologin\n"
                       "mosquitto:x:105:110:Mosquitto,,,:/var/lib/mosquitto:/usr/sbin/nologin\n"
                       "mosquitto:x:999:999:second:/:/bin/sh\n"
                       "last:x:4:4::/:/bin/sh",                 /* no newline at the end */
                       ACCOUNT_DB_PASSWD, "mosquitto", &dropped);
        CHECK_STR(out,
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "nopw:x:2:2:No Password:/:\n"
                  "hash:x:3:3:,,,:/var/lib/hash:/usr/sbin/nologin\n"
                  "last:x:4:4::/:/bin/sh\n");
        /* The first line of the dropped user, normalized. */
        CHECK_STR(dropped, "mosquitto:x:105:110:Mosquitto,,,:/var/lib/mosquitto:/usr/sbin/nologin\n");
}

TEST(filter_group) {
        _cleanup_free_ char *out = NULL, *dropped = NULL, *none = NULL;

        out = filtered("root:x:0:\n"
                       "adm:x:4:syslog,B@d,,root\n"
                       "bad:x:5\n"
                       "worse:x:5:a:b\n"
                       "nogroup:*:65534:\n"
                       "9:x:6:\n",
                       ACCOUNT_DB_GROUP, NULL, &dropped);
        CHECK_STR(out, "root:x:0:\nadm:x:4:syslog,root\nnogroup:x:65534:\n");
        CHECK_STR(dropped, NULL);

        /* Empty and garbage input: empty output. */
        none = filtered("\n\n:::\nnot a line\n", ACCOUNT_DB_GROUP, NULL, NULL);
        CHECK_STR(none, "");
}

TEST(filter_size) {
        _cleanup_free_ char *big = malloc(ACCOUNT_TEXT_SIZE_MAX + 2), *out = NULL;

        CHECK(big);
        if (!big)
                return;
        memset(big, '\n', ACCOUNT_TEXT_SIZE_MAX + 1);
        big[ACCOUNT_TEXT_SIZE_MAX + 1] = 0;
        CHECK_INT(account_text_filter(big, ACCOUNT_DB_PASSWD, NULL, &out, NULL), -E2BIG);
        big[ACCOUNT_TEXT_SIZE_MAX] = 0;
        CHECK_INT(account_text_filter(big, ACCOUNT_DB_PASSWD, NULL, &out, NULL), 0);
        CHECK_STR(out, "");
}

TEST(final_passwd) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        const char *template = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

        /* With the image's line: its GECOS, home and shell. */
        CHECK_INT(account_text_passwd(template, "mosquitto:x:105:110:Mosquitto,,,:/var/lib/mosquitto:/usr/sbin/nologin\n",
                                      "mosquitto", 61234, 61234, &a), 0);
        CHECK_STR(a, "root:x:0:0:root:/root:/bin/bash\n"
                     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                     "mosquitto:x:61234:61234:Mosquitto,,,:/var/lib/mosquitto:/usr/sbin/nologin\n");

        /* Without one (or a bad one): defaults. A line of the user in the template is replaced. */
        CHECK_INT(account_text_passwd("foo:x:1:1::/:/bin/sh\nroot:x:0:0::/root:/bin/sh\n", "", "foo", 61300, 61300, &b), 0);
        CHECK_STR(b, "root:x:0:0::/root:/bin/sh\nfoo:x:61300:61300:foo:/:/usr/sbin/nologin\n");
        CHECK_INT(account_text_passwd("", "garbage", "foo", 61300, 61300, &c), 0);
        CHECK_STR(c, "foo:x:61300:61300:foo:/:/usr/sbin/nologin\n");

        CHECK_INT(account_text_passwd("", NULL, "bad name", 61300, 61300, &c), -EINVAL);
}

TEST(final_group) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        /* The user's own group gets the gid. */
        CHECK_INT(account_text_group("root:x:0:\nmosquitto:x:110:\nadm:x:4:mosquitto\n",
                                     "mosquitto:x:105:110:Mosquitto,,,:/var/lib/mosquitto:/usr/sbin/nologin\n",
                                     "mosquitto", 61234, &a), 0);
        CHECK_STR(a, "root:x:0:\nmosquitto:x:61234:\nadm:x:4:mosquitto\n");

        /* dnsmasq: its primary group in the image is nogroup, which gets the gid too, and a group
         * dnsmasq is added. */
        CHECK_INT(account_text_group("root:x:0:\nnogroup:x:65534:\n",
                                     "dnsmasq:x:108:65534:dnsmasq,,,:/var/lib/misc:/usr/sbin/nologin\n",
                                     "dnsmasq", 61500, &b), 0);
        CHECK_STR(b, "root:x:0:\nnogroup:x:61500:\ndnsmasq:x:61500:\n");

        /* Primary group 0 stays root's; the first group with the primary gid is the one. */
        CHECK_INT(account_text_group("root:x:0:\nwheel:x:0:\n", "toor:x:0:0::/:/bin/sh\n", "toor", 61600, &c), 0);
        CHECK_STR(c, "root:x:0:\nwheel:x:0:\ntoor:x:61600:\n");
        CHECK_INT(account_text_group("a:x:7:\nb:x:7:\n", "u:x:9:7::/:/bin/sh\n", "u", 61601, &d), 0);
        CHECK_STR(d, "a:x:61601:\nb:x:7:\nu:x:61601:\n");
}

int main(void) {
        RUN(filter_passwd);
        RUN(filter_group);
        RUN(filter_size);
        RUN(final_passwd);
        RUN(final_group);
        return tests_finish();
}
