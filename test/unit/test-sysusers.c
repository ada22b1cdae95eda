/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/sysusers.h: the parser of an image's sysusers.d, its refusals, the host check, the lines
 * handed to systemd-sysusers, reading an image tree, and DynamicUser= of a profile. */

#include <fcntl.h>
#include <sys/stat.h>

#include "context.h"
#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "sysusers.h"
#include "tests.h"

/* Parses text; returns the error message (to free) or NULL. */
static char *parse_err(Sysusers *s, const char *text) {
        char *e = NULL;
        int r = sysusers_parse(s, text, "/usr/lib/sysusers.d/t.conf", &e);
        CHECK(r == 0 || r == -EBADMSG);
        CHECK((r == 0) == (e == NULL));
        return e;
}

static bool refused(const char *text, const char *needle) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *e = parse_err(&s, text);

        if (!e || !strstr(e, needle)) {
                fprintf(stderr, "  for '%s': got '%s', expected '%s'\n", text, e ?: "(accepted)", needle);
                return false;
        }
        return true;
}

static char *line_of(const SysusersEntry *e) {
        char *l = NULL;
        CHECK_INT(sysusers_entry_format(e, &l), 0);
        return l;
}

TEST(names) {
        CHECK(sysusers_valid_name("foo"));
        CHECK(sysusers_valid_name("_foo-bar9"));
        CHECK(sysusers_valid_name("A"));
        CHECK(sysusers_valid_name("abcdefghijklmnopqrstuvwxyz01234"));       /* 31 */
        CHECK(!sysusers_valid_name("abcdefghijklmnopqrstuvwxyz012345"));     /* 32 */
        CHECK(!sysusers_valid_name(""));
        CHECK(!sysusers_valid_name("9foo"));
        CHECK(!sysusers_valid_name("-foo"));
        CHECK(!sysusers_valid_name("foo.bar"));
        CHECK(!sysusers_valid_name("foo:bar"));
        CHECK(!sysusers_valid_name("foo bar"));
        CHECK(!sysusers_valid_name("föö"));
        CHECK(!sysusers_valid_name("123"));
}

TEST(parse_valid) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *e = parse_err(&s,
                "# comment\n"
                "\n"
                "u foo - \"Foo Daemon\" /var/lib/foo\n"
                "u bar 815:816 - - /bin/sh\n"
                "u baz 817:foo\n"
                "u qux -:foo\n"
                "g grp 900\n"
                "g grp2 -\n"
                "m foo grp\n"
                "r - 500-900\n"
                "u root 0 \"Super User\" /root\n"
                "g root 0\n"
                "   u   spaced   -   \n");
        CHECK(e == NULL);
        CHECK_INT(s.n_entries, 8);
        CHECK_INT(s.n_ignored, 3);      /* r, u root 0, g root 0 */
        if (s.n_entries != 8)
                return;

        CHECK_INT(s.entries[0].type, 'u');
        CHECK_STR(s.entries[0].name, "foo");
        CHECK(!s.entries[0].has_uid && !s.entries[0].has_gid);
        CHECK_STR(s.entries[0].description, "Foo Daemon");
        CHECK_STR(s.entries[0].home, "/var/lib/foo");
        CHECK(s.entries[0].shell == NULL);
        CHECK_STR(s.entries[0].source, "/usr/lib/sysusers.d/t.conf:3");

        CHECK(s.entries[1].has_uid && s.entries[1].uid == 815 && s.entries[1].has_gid && s.entries[1].gid == 816);
        CHECK_STR(s.entries[1].shell, "/bin/sh");
        CHECK(s.entries[1].description == NULL && s.entries[1].home == NULL);
        CHECK(s.entries[2].has_uid && s.entries[2].uid == 817 && !s.entries[2].has_gid);
        CHECK_STR(s.entries[2].group, "foo");
        CHECK(!s.entries[3].has_uid);
        CHECK_STR(s.entries[3].group, "foo");
        CHECK_INT(s.entries[4].type, 'g');
        CHECK(s.entries[4].has_gid && s.entries[4].gid == 900);
        CHECK(!s.entries[5].has_gid);
        CHECK_INT(s.entries[6].type, 'm');
        CHECK_STR(s.entries[6].name, "foo");
        CHECK_STR(s.entries[6].group, "grp");
        CHECK_STR(s.entries[7].name, "spaced");

        /* What systemd-sysusers gets: quoted fields, "-" for empty ones, read back the same. */
        {
                _cleanup_free_ char *l0 = line_of(s.entries + 0), *l1 = line_of(s.entries + 1),
                        *l2 = line_of(s.entries + 2), *l3 = line_of(s.entries + 3), *l4 = line_of(s.entries + 4),
                        *l5 = line_of(s.entries + 5), *l6 = line_of(s.entries + 6);
                CHECK_STR(l0, "u \"foo\" - \"Foo Daemon\" \"/var/lib/foo\" -");
                CHECK_STR(l1, "u \"bar\" \"815:816\" - - \"/bin/sh\"");
                CHECK_STR(l2, "u \"baz\" \"817:foo\" - - -");
                CHECK_STR(l3, "u \"qux\" \"-:foo\" - - -");
                CHECK_STR(l4, "g \"grp\" \"900\"");
                CHECK_STR(l5, "g \"grp2\" -");
                CHECK_STR(l6, "m \"foo\" \"grp\"");

                _cleanup_(sysusers_done) Sysusers back = {};
                _cleanup_free_ char *e2 = NULL, *all = strjoin(l0, "\n", l1, "\n", l2, "\n", l4, "\n", l6, "\n");
                CHECK_INT(sysusers_parse(&back, all, "x", &e2), 0);
                CHECK_INT(back.n_entries, 5);
                if (back.n_entries == 5) {
                        CHECK_STR(back.entries[0].description, "Foo Daemon");
                        CHECK_INT(back.entries[1].gid, 816);
                        CHECK_STR(back.entries[2].group, "foo");
                }
        }
}

TEST(quotes_in_description) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *e = parse_err(&s, "u foo - \"say \\\"hi\\\" \\\\ there\"\n");
        CHECK(e == NULL);
        if (s.n_entries != 1)
                return;
        CHECK_STR(s.entries[0].description, "say \"hi\" \\ there");
        _cleanup_free_ char *l = line_of(s.entries);
        _cleanup_(sysusers_done) Sysusers back = {};
        _cleanup_free_ char *e2 = NULL;
        CHECK_INT(sysusers_parse(&back, l, "x", &e2), 0);
        CHECK(back.n_entries == 1 && strcmp(back.entries[0].description, s.entries[0].description) == 0);
}

TEST(refusals) {
        /* uid/gid 0 */
        CHECK(refused("u evil 0\n", "t.conf:1: user evil asks for uid 0"));
        CHECK(refused("u evil 0:0\n", "uid 0"));
        CHECK(refused("u evil 815:0\n", "gid 0"));
        CHECK(refused("u evil 815:root\n", "gid 0"));
        CHECK(refused("g evil 0\n", "group evil asks for gid 0"));
        CHECK(refused("m evil root\n", "group root"));
        CHECK(refused("u root 5\n", "root with another ID"));
        CHECK(refused("g root 5\n", "root with another ID"));
        /* malformed */
        CHECK(refused("x foo\n", "unknown line type 'x'"));
        CHECK(refused("u! foo\n", "unknown line type"));
        CHECK(refused("u\n", "need a name"));
        CHECK(refused("u 9foo\n", "'9foo' is not a valid"));
        CHECK(refused("u foo.bar\n", "not a valid"));
        CHECK(refused("u foo abc\n", "invalid uid 'abc'"));
        CHECK(refused("u foo -1\n", "invalid uid"));
        CHECK(refused("u foo 65535\n", "invalid uid"));
        CHECK(refused("u foo 4294967295\n", "invalid uid"));
        CHECK(refused("u foo 99999999999\n", "invalid uid"));
        CHECK(refused("u foo 1:9bad\n", "invalid group"));
        CHECK(refused("g foo 1:2\n", "invalid gid"));
        CHECK(refused("u foo - \"unbalanced\n", "unbalanced quotes"));
        CHECK(refused("u foo - - / /bin/sh extra\n", "trailing garbage"));
        CHECK(refused("u foo - \"a:b\"\n", "invalid description"));
        CHECK(refused("u foo - - relative/home\n", "invalid home"));
        CHECK(refused("u foo - - /a/../b\n", "invalid home"));
        CHECK(refused("u foo - - / bin/sh\n", "invalid shell"));
        CHECK(refused("g foo - \"descr\"\n", "take no description"));
        CHECK(refused("m foo\n", "need a group name"));
        CHECK(refused("r foo 1-2\n", "take no name"));
        CHECK(refused("r -\n", "need an ID range"));
        CHECK(refused("u foo /usr/bin/foo\n", "file's owner"));
        CHECK(refused("u foo%a -\n", "specifiers"));
        CHECK(refused("u foo - \"%H\"\n", "specifiers"));
        CHECK(refused("u foo - \"a\x01\"\n", "control characters"));
        CHECK(refused("u ok -\nu bad 0\n", "t.conf:2:"));     /* all or nothing, with the line */
}

TEST(entry_limit) {
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *text = NULL, *e = NULL;

        for (unsigned k = 0; k <= SYSUSERS_ENTRIES_MAX; k++)
                CHECK_INT(strextendf(&text, "g g%u -\n", k), 0);
        CHECK_INT(sysusers_parse(&s, text, "big.conf", &e), -EBADMSG);
        CHECK(e && strstr(e, "more than"));
}

static void host_fixture(HostAccounts *h) {
        static const char *const users[][2] = { { "root", "0" }, { "daemon", "1" }, { "bar", "500" } };
        static const char *const groups[][2] = { { "root", "0" }, { "daemon", "1" }, { "bar", "500" }, { "sudo", "27" } };

        *h = (HostAccounts) {};
        h->users = calloc(ELEMENTSOF(users), sizeof(HostAccount));
        h->groups = calloc(ELEMENTSOF(groups), sizeof(HostAccount));
        for (size_t k = 0; k < ELEMENTSOF(users); k++)
                h->users[h->n_users++] = (HostAccount) { .name = strdup(users[k][0]), .id = atoi(users[k][1]) };
        for (size_t k = 0; k < ELEMENTSOF(groups); k++)
                h->groups[h->n_groups++] = (HostAccount) { .name = strdup(groups[k][0]), .id = atoi(groups[k][1]) };
        (void) strv_extend(&h->groups[3].members, "bar");
}

static int host_check(const char *text, char **ret_problem, char ***ret_new) {
        _cleanup_(host_accounts_done) HostAccounts h = {};
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *e = NULL;

        host_fixture(&h);
        CHECK_INT(sysusers_parse(&s, text, "c.conf", &e), 0);
        return sysusers_check_host(&s, &h, ret_problem, ret_new);
}

static bool host_refuses(const char *text, const char *needle) {
        _cleanup_free_ char *p = NULL;
        int r = host_check(text, &p, NULL);

        if (r != 1 || !p || !strstr(p, needle)) {
                fprintf(stderr, "  for '%s': r=%d '%s', expected '%s'\n", text, r, p ?: "(accepted)", needle);
                return false;
        }
        return true;
}

TEST(host_check) {
        _cleanup_free_ char *p = NULL, *j = NULL;
        _cleanup_strv_free_ char **created = NULL;

        /* New accounts, and entries that match existing ones (no-ops). */
        CHECK_INT(host_check("u foo -\nu svc 800 \"x\"\ng grp 901\nm foo grp\nu bar 500\nu daemon -\ng bar 500\nm bar sudo\n",
                             &p, &created), 0);
        CHECK(p == NULL);
        j = strv_join(created, ", ");
        CHECK_STR(j, "user foo, user svc (uid 800), group grp (gid 901)");

        CHECK(host_refuses("u daemon 4242\n", "c.conf:1: user daemon exists on the host with uid 1, the image asks for uid 4242"));
        CHECK(host_refuses("u foo 500\n", "uid 500 of user foo is the host's user bar"));
        CHECK(host_refuses("u foo 800:27\n", "gid 27 of user foo is the host's group sudo"));
        CHECK(host_refuses("g daemon 7\n", "group daemon exists on the host with gid 1"));
        CHECK(host_refuses("g foo 27\n", "gid 27 of group foo is the host's group sudo"));
        CHECK(host_refuses("u foo -\nm foo sudo\n", "c.conf:2: adding foo to the host's existing group sudo"));
        CHECK(host_refuses("m foo nothere\n", "neither on the host nor created"));
}

TEST(dynamic_user) {
        CHECK_INT(service_text_boolean("[Service]\nDynamicUser=yes\n", "DynamicUser"), 1);
        CHECK_INT(service_text_boolean("[Service]\nDynamicUser=yes\nDynamicUser=no\n", "DynamicUser"), 0);
        CHECK_INT(service_text_boolean("[Service]\nDynamicUser=yes\nDynamicUser=\n", "DynamicUser"), -ENOENT);
        CHECK_INT(service_text_boolean("[Service]\nPrivateTmp=yes\n", "DynamicUser"), -ENOENT);
        CHECK_INT(service_text_boolean("[Unit]\nDynamicUser=yes\n", "DynamicUser"), -ENOENT);
        CHECK_INT(service_text_boolean(NULL, "DynamicUser"), -ENOENT);
}

static void write_at(int dfd, const char *path, const char *text) {
        _cleanup_free_ char *d = strdup(path);
        char *slash = strrchr(d, '/');
        if (slash) {
                *slash = 0;
                CHECK_INT(mkdir_p_at(dfd, d, 0755), 0);
        }
        CHECK_INT(write_file_atomic_at(dfd, path, text, 0644), 0);
}

TEST(read_image) {
        char tmpl[] = "/tmp/test-sysusers.XXXXXX";
        _cleanup_(sysusers_done) Sysusers s = {};
        _cleanup_free_ char *e = NULL, *cmd = NULL, *files = NULL;
        _cleanup_close_ int dfd = -EBADF;

        CHECK(mkdtemp(tmpl) != NULL);
        dfd = open(tmpl, O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);

        write_at(dfd, "usr/lib/sysusers.d/a.conf", "u from-usr -\n");
        write_at(dfd, "usr/lib/sysusers.d/b.conf", "u hidden -\n");
        write_at(dfd, "etc/sysusers.d/b.conf", "u from-etc -\n");             /* hides usr's b.conf */
        write_at(dfd, "usr/lib/sysusers.d/c.conf", "u masked -\n");
        CHECK_INT(symlinkat("/dev/null", dfd, "etc/sysusers.d/c.conf"), 0);   /* masks it */
        write_at(dfd, "usr/lib/sysusers.d/notconf.txt", "u ignored -\n");
        CHECK_INT(symlinkat("/etc/shadow", dfd, "usr/lib/sysusers.d/d.conf"), 0);    /* resolved in the image: missing */

        CHECK_INT(sysusers_read_image(IMAGE_FS_FD(dfd), &s, &e), -EBADMSG);
        CHECK(e && strstr(e, "/usr/lib/sysusers.d/d.conf cannot be read"));
        CHECK_INT(unlinkat(dfd, "usr/lib/sysusers.d/d.conf", 0), 0);
        sysusers_done(&s);
        e = mfree(e);

        CHECK_INT(sysusers_read_image(IMAGE_FS_FD(dfd), &s, &e), 0);
        CHECK(e == NULL);
        files = strv_join(s.files, " ");
        CHECK_STR(files, "/etc/sysusers.d/b.conf /usr/lib/sysusers.d/a.conf");
        CHECK_INT(s.n_entries, 2);
        if (s.n_entries == 2) {
                CHECK_STR(s.entries[0].name, "from-etc");
                CHECK_STR(s.entries[1].name, "from-usr");
        }

        CHECK(asprintf(&cmd, "rm -rf '%s'", tmpl) > 0);
        CHECK_INT(system(cmd), 0);
}

TEST(host_accounts) {
        char tmpl[] = "/tmp/test-sysusers-host.XXXXXX";
        _cleanup_(host_accounts_done) HostAccounts h = {};
        _cleanup_(context_done) Context c = {};
        _cleanup_free_ char *cmd = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const HostAccount *a;

        CHECK(mkdtemp(tmpl) != NULL);
        dfd = open(tmpl, O_DIRECTORY | O_CLOEXEC);
        write_at(dfd, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n# comment\n+nis\nbar:x:500:500::/:/sbin/nologin\nbroken\nbad:x:notanumber:1::/:\n");
        write_at(dfd, "etc/group", "root:x:0:\nbar:x:500:\nsudo:x:27:bar,baz\n");
        CHECK_INT(context_init_root(&c, tmpl), 0);
        CHECK_INT(host_accounts_load(&c, &h), 0);
        CHECK_INT(h.n_users, 2);
        CHECK_INT(h.n_groups, 3);
        a = host_account_by_name(h.users, h.n_users, "bar");
        CHECK(a && a->id == 500);
        a = host_account_by_id(h.groups, h.n_groups, 27);
        CHECK(a && strcmp(a->name, "sudo") == 0 && strv_contains(a->members, "baz") && strv_length(a->members) == 2);
        CHECK(!host_account_by_name(h.users, h.n_users, "bad"));

        CHECK(asprintf(&cmd, "rm -rf '%s'", tmpl) > 0);
        CHECK_INT(system(cmd), 0);
}

int main(void) {
        RUN(names);
        RUN(parse_valid);
        RUN(quotes_in_description);
        RUN(refusals);
        RUN(entry_limit);
        RUN(host_check);
        RUN(dynamic_user);
        RUN(read_image);
        RUN(host_accounts);
        return tests_finish();
}
