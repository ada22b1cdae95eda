/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A FUSE file system that stands in for a stalled network file system: it has one file, named
 * NAME, with the size and times of SIZE-SOURCE. In mode "read", stat() on it answers but read()
 * never does; in mode "stat", stat() on it does not answer either; in mode "list", listing the
 * directory does not (until the file system is unmounted). test/stall/run puts a raw image there, or uses it as a portables directory, and
 * checks that the generator is not held up by it.
 *
 *   stallfs read|stat|list NAME SIZE-SOURCE MOUNTPOINT [FUSE OPTIONS...]
 */

#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *file_name;
static int stall_listing, stall_stat;
static struct stat file_st;

static int stall_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        memset(st, 0, sizeof(*st));
        if (strcmp(path, "/") == 0) {
                st->st_mode = S_IFDIR | 0755;
                st->st_nlink = 2;
                return 0;
        }
        if (path[0] == '/' && strcmp(path + 1, file_name) == 0) {
                while (stall_stat)
                        pause();
                st->st_mode = S_IFREG | 0644;
                st->st_nlink = 1;
                st->st_size = file_st.st_size;
                st->st_mtim = file_st.st_mtim;
                st->st_ctim = file_st.st_ctim;
                return 0;
        }
        return -ENOENT;
}

static int stall_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                         struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
        if (strcmp(path, "/") != 0)
                return -ENOENT;
        while (stall_listing)
                pause();
        fill(buf, ".", NULL, 0, 0);
        fill(buf, "..", NULL, 0, 0);
        fill(buf, file_name, NULL, 0, 0);
        return 0;
}

static int stall_open(const char *path, struct fuse_file_info *fi) {
        return path[0] == '/' && strcmp(path + 1, file_name) == 0 ? 0 : -ENOENT;
}

static int stall_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        /* The server that stopped answering. */
        for (;;)
                pause();
        return -EIO;
}

static const struct fuse_operations ops = {
        .getattr = stall_getattr,
        .readdir = stall_readdir,
        .open = stall_open,
        .read = stall_read,
};

int main(int argc, char *argv[]) {
        if (argc < 5 || (strcmp(argv[1], "read") != 0 && strcmp(argv[1], "stat") != 0 &&
                         strcmp(argv[1], "list") != 0)) {
                fprintf(stderr, "usage: %s read|stat|list NAME SIZE-SOURCE MOUNTPOINT [FUSE OPTIONS...]\n", argv[0]);
                return 2;
        }
        stall_listing = strcmp(argv[1], "list") == 0;
        stall_stat = strcmp(argv[1], "stat") == 0;
        file_name = argv[2];
        if (stat(argv[3], &file_st) < 0) {
                perror(argv[3]);
                return 1;
        }
        /* fuse_main() gets: program MOUNTPOINT [options] (multi-threaded: a read that hangs
         * does not keep stat() from being answered). */
        argv[3] = argv[0];
        return fuse_main(argc - 3, argv + 3, &ops, NULL);
}
