/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The files below an image's /etc that only its users may read (lib/etc-scan.h, lib/etc-copy.h):
 * the listing parser on good and hostile input, the scan of a directory tree (owned by whoever
 * runs the test: any non-root uid will do, so no root is needed), the same result through a
 * packed tree as through the directory, and which trees and entries a user of the image gets. */

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etc-copy.h"
#include "etc-scan.h"
#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static char base[] = "/tmp/test-etc-scan.XXXXXX";

static void put(const char *rel, const char *text, mode_t mode) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        CHECK(fd >= 0);
        if (fd >= 0)
                CHECK_INT(loop_write(fd, text, strlen(text)), 0);
        CHECK_INT(chmod(p, mode), 0);
}

static void dir(const char *rel, mode_t mode) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);

        CHECK_INT(mkdir(p, mode), 0);
        CHECK_INT(chmod(p, mode), 0);
}

static void link_(const char *rel, const char *target) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);
        CHECK_INT(symlink(target, p), 0);
}

static const EtcTree *tree(const ImageEtc *e, const char *path) {
        for (size_t k = 0; k < e->n_trees; k++)
                if (streq(e->trees[k].path, path))
                        return e->trees + k;
        return NULL;
}

static const EtcEntry *entry(const EtcTree *t, const char *path) {
        for (size_t k = 0; t && k < t->n_entries; k++)
                if (streq(t->entries[k].path, path))
                        return t->entries + k;
        return NULL;
}

static int parse(const char *text) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        return etc_listing_parse(text, &e);
}

TEST(parse_good) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        const EtcTree *t;

        CHECK_INT(etc_listing_parse("d 2770 105 107 /etc/redis\n"
                                    "f 0640 105 107 /etc/redis/redis.conf\n"
                                    "l 0777 105 107 /etc/redis/default.conf redis.conf\n"
                                    "d 0755 0 0 /etc/redis/conf.d\n"
                                    "l 0777 0 0 /etc/redis/conf.d/a.conf ../redis.conf\n"
                                    "f 0640 0 42 /etc/shadow\n"
                                    "! /etc/big large 105:107 0:42\n", &e), 0);
        CHECK_INT(e.n_trees, 3);
        CHECK(!e.overflow);
        t = tree(&e, "/etc/redis");
        CHECK(t && !t->large && t->n_entries == 5 && t->n_owners == 1);
        CHECK(entry(t, "/etc/redis/redis.conf") && entry(t, "/etc/redis/redis.conf")->hidden);
        CHECK(entry(t, "/etc/redis/conf.d") && entry(t, "/etc/redis/conf.d")->hidden); /* below 2770 */
        CHECK_STR(entry(t, "/etc/redis/conf.d/a.conf") ? entry(t, "/etc/redis/conf.d/a.conf")->target : NULL,
                  "../redis.conf");
        t = tree(&e, "/etc/shadow");
        CHECK(t && t->n_entries == 1 && t->owners[0].uid == 0 && t->owners[0].gid == 42);
        t = tree(&e, "/etc/big");
        CHECK(t && t->large && t->n_entries == 0 && t->n_owners == 2);

        CHECK_INT(parse(""), 0);
        CHECK_INT(parse("! /etc overflow\n"), 0);
}

TEST(parse_hostile) {
        /* Not a listing: every one of these. */
        CHECK_INT(parse("d 2770 105 107 /etc/redis"), -EBADMSG);                /* no newline */
        CHECK_INT(parse("d 2770 105 107 /etc/re dis\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc/re\\ndis\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc/redis:x\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc/%n\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc/..\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /var/lib/x\n"), -EBADMSG);
        CHECK_INT(parse("d 2770 105 107 /etc//x\n"), -EBADMSG);
        CHECK_INT(parse("d 2778 105 107 /etc/x\n"), -EBADMSG);                  /* not octal */
        CHECK_INT(parse("d 17777 105 107 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 -1 107 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 4294967295 107 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("c 0750 105 107 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("d  0750 105 107 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 105 107 /etc/x extra\n"), -EBADMSG);
        CHECK_INT(parse("d 0755 0 0 /etc/x\n"), -EBADMSG);                      /* nothing hidden */
        CHECK_INT(parse("d 0750 0 0 /etc/x\n"), -EBADMSG);                      /* root's only */
        CHECK_INT(parse("l 0777 1 1 /etc/x target\n"), -EBADMSG);               /* top level symlink */
        CHECK_INT(parse("f 0640 1 1 /etc/x/y\n"), -EBADMSG);                    /* child first */
        CHECK_INT(parse("d 0750 1 1 /etc/x\nf 0640 1 1 /etc/y/z\n"), -EBADMSG); /* not its tree */
        CHECK_INT(parse("f 0640 1 1 /etc/x\nf 0640 1 1 /etc/x/y\n"), -EBADMSG); /* parent a file */
        CHECK_INT(parse("d 0750 1 1 /etc/x\nf 0640 1 1 /etc/x/a/b\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nf 0640 1 1 /etc/x/y\nf 0640 1 1 /etc/x/y\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nd 0750 1 1 /etc/x\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l /etc/passwd\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l ../passwd\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l a/../../y\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l ./y\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l y/\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nl 0777 1 1 /etc/x/l\n"), -EBADMSG);
        CHECK_INT(parse("d 0750 1 1 /etc/x\nf 0640 1 1 /etc/x/l target\n"), -EBADMSG);
        CHECK_INT(parse("! /etc/x large\n! /etc/x large 1:1\n"), -EBADMSG);
        CHECK_INT(parse("! /etc/x huge 1:1\n"), -EBADMSG);
        CHECK_INT(parse("! /etc/x large 1:\n"), -EBADMSG);
        CHECK_INT(parse("! /etc/x/y large 1:1\n"), -EBADMSG);
        CHECK_INT(parse("! /etc/x large 1:1\nf 0640 1 1 /etc/x/y\n"), -EBADMSG);

        {
                _cleanup_free_ char *many = strdup("d 0750 1 1 /etc/x\n");

                for (unsigned k = 0; k < ETC_COPY_ENTRIES_MAX; k++)
                        CHECK_INT(strextendf(&many, "f 0640 1 1 /etc/x/%u\n", k), 0);
                CHECK_INT(parse(many), -EBADMSG);
        }
}

/* What the tests below scan: a tree of ours, like Debian's redis-server's. */
static void make_tree(void) {
        CHECK(mkdtemp(base));
        dir("etc", 0755);
        put("etc/passwd", "root:x:0:0::/:/bin/sh\n", 0644);
        dir("etc/redis", 02770);
        put("etc/redis/redis.conf", "requirepass x\n", 0640);
        put("etc/redis/hook.sh", "#!/bin/sh\n", 0750);
        put("etc/redis/binary", "", 0640);
        link_("etc/redis/default.conf", "redis.conf");
        link_("etc/redis/absolute.conf", "/etc/redis/redis.conf");
        link_("etc/redis/escape", "../passwd");
        link_("etc/redis/bad name", "redis.conf");
        dir("etc/redis/private", 0700);
        put("etc/redis/private/key", "KEY\n", 0600);
        dir("etc/open", 0755);
        put("etc/open/a.conf", "a\n", 0644);
        link_("etc/mtab", "../proc/self/mounts");
        {
                _cleanup_free_ char *p = strjoin(base, "/etc/redis/fifo");
                CHECK_INT(mkfifo(p, 0600), 0);
        }
}

TEST(scan) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        const EtcTree *t;

        if (geteuid() == 0) {
                /* Owned by root, nothing would be found: a package's user owns it. */
                _cleanup_free_ char *p = strjoin(base, "/etc/redis");
                const char *cmd[] = { "chown", "-hR", "105:107", p, NULL };
                pid_t pid = fork();

                if (pid == 0) {
                        execvp(cmd[0], (char **) cmd);
                        _exit(127);
                }
                CHECK(pid > 0);
                {
                        int status;
                        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
                }
        }

        fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(etc_scan(IMAGE_FS_FD(fd), &text), 0);
        CHECK_INT(etc_listing_parse(text, &e), 0);
        CHECK_INT(e.n_trees, 1);        /* /etc/open: everyone may read it; /etc/mtab: a symlink */
        t = tree(&e, "/etc/redis");
        CHECK(t);
        CHECK(entry(t, "/etc/redis/redis.conf"));
        CHECK(entry(t, "/etc/redis/hook.sh"));
        CHECK(entry(t, "/etc/redis/default.conf"));
        CHECK(entry(t, "/etc/redis/private/key"));
        CHECK(!entry(t, "/etc/redis/absolute.conf"));
        CHECK(!entry(t, "/etc/redis/escape"));
        CHECK(!entry(t, "/etc/redis/bad name"));
        CHECK(!entry(t, "/etc/redis/fifo"));
        CHECK_INT(t->entries[0].mode, 02770);
}

TEST(packed_as_directory) {
        _cleanup_(packed_builder_done) PackedBuilder b = {};
        _cleanup_(packed_tree_done) PackedTree pt = {};
        _cleanup_(image_etc_done) ImageEtc live = {}, cached = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);

        CHECK_INT(etc_scan_pack(IMAGE_FS_FD(fd), &b), 0);
        CHECK_INT(packed_builder_format(&b, &text), 0);
        {
                size_t n = strlen(text);
                CHECK_INT(packed_tree_parse(TAKE_PTR(text), n, &pt), 0);
        }
        CHECK_INT(image_etc_read(IMAGE_FS_FD(fd), &live), 0);
        CHECK_INT(image_etc_read(&(const ImageFS) { .fd = -EBADF, .packed = &pt }, &cached), 0);

        CHECK_INT(live.n_trees, cached.n_trees);
        for (size_t k = 0; k < live.n_trees && k < cached.n_trees; k++) {
                const EtcTree *a = live.trees + k, *c = cached.trees + k;

                CHECK_STR(a->path, c->path);
                CHECK_STR(a->unreadable, c->unreadable);
                CHECK_INT(a->size, c->size);
                CHECK_INT(a->n_entries, c->n_entries);
                for (size_t j = 0; j < a->n_entries && j < c->n_entries; j++) {
                        CHECK_STR(a->entries[j].path, c->entries[j].path);
                        CHECK_STR(a->entries[j].content, c->entries[j].content);
                        CHECK_STR(a->entries[j].target, c->entries[j].target);
                        CHECK_INT(a->entries[j].mode, c->entries[j].mode);
                        CHECK_INT(a->entries[j].uid, c->entries[j].uid);
                }
        }
        CHECK_STR(entry(tree(&cached, "/etc/redis"), "/etc/redis/redis.conf")->content, "requirepass x\n");
}

static HostAccount user(const char *name, uint32_t uid, uint32_t gid) {
        return (HostAccount) { .name = (char *) name, .id = uid, .gid = gid };
}

TEST(select) {
        _cleanup_(image_etc_done) ImageEtc e = {};
        char *ssl_members[] = { (char *) "redis", NULL };
        HostAccount users[] = { user("redis", 105, 107), user("other", 999, 999), user("postgres", 110, 110) };
        HostAccount groups[] = { { .name = (char *) "ssl-cert", .id = 108, .members = ssl_members } };
        HostAccounts a = { .users = users, .n_users = ELEMENTSOF(users), .groups = groups, .n_groups = 1 };
        EtcCopy *c = NULL;
        size_t n = 0;

        CHECK_INT(etc_listing_parse("d 2770 105 107 /etc/redis\n"
                                    "f 0640 105 107 /etc/redis/redis.conf\n"
                                    "f 0600 0 0 /etc/redis/root-only\n"
                                    "d 0700 0 0 /etc/redis/root-dir\n"
                                    "f 0644 0 0 /etc/redis/root-dir/inside\n"
                                    "f 0044 105 107 /etc/redis/not-for-owner\n"
                                    "d 0755 0 0 /etc/ssl\n"
                                    "d 0710 0 108 /etc/ssl/private\n"
                                    "f 0640 0 108 /etc/ssl/private/key.pem\n"
                                    "f 0640 0 42 /etc/shadow\n"
                                    "! /etc/big large 105:107\n", &e), 0);

        CHECK_INT(etc_copy_select(&e, &a, "redis", &c, &n), 0);
        CHECK_INT(n, 3);
        if (n == 3) {
                CHECK_STR(c[0].tree->path, "/etc/redis");
                /* the tree, redis.conf; not root-only, root-dir and what is in it, not-for-owner */
                CHECK_INT(c[0].n_taken, 2);
                CHECK(c[0].take[0] && c[0].take[1] && !c[0].take[2] && !c[0].take[3] && !c[0].take[4] && !c[0].take[5]);
                CHECK_STR(c[1].tree->path, "/etc/ssl");
                CHECK_INT(c[1].n_taken, 3);     /* 0710: it may enter, and open what it knows */
                CHECK_STR(c[2].tree->path, "/etc/big");
                CHECK(!c[2].take);
        }
        etc_copies_free(c, n);

        CHECK_INT(etc_copy_select(&e, &a, "other", &c, &n), 0);
        CHECK_INT(n, 0);
        etc_copies_free(c, n);
        CHECK_INT(etc_copy_select(&e, &a, "nobody-here", &c, &n), 0);
        CHECK(!c && n == 0);
}

int main(void) {
        RUN(parse_good);
        RUN(parse_hostile);
        make_tree();
        RUN(scan);
        RUN(packed_as_directory);
        RUN(select);
        {
                const char *cmd[] = { "rm", "-rf", base, NULL };
                pid_t pid = fork();

                if (pid == 0) {
                        execvp(cmd[0], (char **) cmd);
                        _exit(127);
                }
                if (pid > 0)
                        (void) waitpid(pid, NULL, 0);
        }
        return tests_finish();
}
