/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The least work a generator for N images has to do, as a yardstick for the real one:
 *
 *   baseline pack REFDIR PACKFILE
 *       Serializes the tree REFDIR (a generator output directory: directories, regular files,
 *       symlinks) into PACKFILE, once, outside of any measurement.
 *
 *   baseline run PACKFILE OUTDIR IMAGEDIR...
 *       Reads PACKFILE (one file), lists every IMAGEDIR and stat()s each entry in it (following
 *       symlinks, as image discovery must), then writes the tree of PACKFILE below OUTDIR (which
 *       must exist and be empty): the same directories, files and symlinks as the generator wrote.
 *
 * No image is opened, mounted or parsed: the difference between the generator and `baseline run`
 * is what discovery, probing, mounting, extraction and planning cost. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Pack format, one record per entry, parents before children:
 *   1 byte type ('d', 'f', 'l'), u32 path length, path, u32 data length, data
 * (data: file content, symlink target, nothing for a directory). Host byte order: the pack never
 * leaves the machine that made it. */

static FILE *pack_out;
static size_t pack_base_len;

static int write_all(int fd, const void *buf, size_t n) {
        const char *p = buf;

        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int read_whole(const char *path, char **ret, size_t *ret_size) {
        struct stat st;
        char *buf;
        size_t got = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        while (got < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t) st.st_size - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        int r = k < 0 ? -errno : -EIO;
                        free(buf);
                        close(fd);
                        return r;
                }
                got += (size_t) k;
        }
        close(fd);
        buf[got] = 0;
        *ret = buf;
        *ret_size = got;
        return 0;
}

static int pack_record(char type, const char *path, const char *data, uint32_t data_len) {
        uint32_t path_len = (uint32_t) strlen(path);

        if (fputc(type, pack_out) == EOF ||
            fwrite(&path_len, sizeof path_len, 1, pack_out) != 1 ||
            fwrite(path, 1, path_len, pack_out) != path_len ||
            fwrite(&data_len, sizeof data_len, 1, pack_out) != 1 ||
            (data_len > 0 && fwrite(data, 1, data_len, pack_out) != data_len))
                return -EIO;
        return 0;
}

static int pack_one(const char *fpath, const struct stat *st, int flag, struct FTW *ftw) {
        const char *rel = fpath + pack_base_len;
        int r;

        (void) flag;

        if (ftw->level == 0)
                return 0;
        while (*rel == '/')
                rel++;

        if (S_ISDIR(st->st_mode))
                r = pack_record('d', rel, NULL, 0);
        else if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(fpath, target, sizeof target);
                if (n < 0 || (size_t) n >= sizeof target) {
                        fprintf(stderr, "baseline: cannot read link %s\n", fpath);
                        return 1;
                }
                r = pack_record('l', rel, target, (uint32_t) n);
        } else if (S_ISREG(st->st_mode)) {
                char *data;
                size_t n;
                r = read_whole(fpath, &data, &n);
                if (r < 0) {
                        fprintf(stderr, "baseline: cannot read %s: %s\n", fpath, strerror(-r));
                        return 1;
                }
                r = pack_record('f', rel, data, (uint32_t) n);
                free(data);
        } else {
                fprintf(stderr, "baseline: %s is not a directory, file or symlink\n", fpath);
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, "baseline: cannot write pack: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}

static int do_pack(const char *refdir, const char *packfile) {
        pack_out = fopen(packfile, "we");
        if (!pack_out) {
                fprintf(stderr, "baseline: cannot create %s: %m\n", packfile);
                return 1;
        }
        pack_base_len = strlen(refdir);
        if (nftw(refdir, pack_one, 64, FTW_PHYS) != 0) {
                fclose(pack_out);
                return 1;
        }
        if (fclose(pack_out) != 0) {
                fprintf(stderr, "baseline: cannot write %s: %m\n", packfile);
                return 1;
        }
        return 0;
}

static int stat_images(const char *dir, size_t *count) {
        struct dirent *de;
        DIR *d;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                fprintf(stderr, "baseline: cannot open %s: %m\n", dir);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) {
                        fprintf(stderr, "baseline: cannot stat %s/%s: %m\n", dir, de->d_name);
                        continue;
                }
                (*count)++;
        }
        closedir(d);
        return 0;
}

static int write_tree(const char *pack, size_t size, int out_fd, size_t *count) {
        const char *p = pack, *end = pack + size;

        while (p < end) {
                uint32_t path_len, data_len;
                char type, path[PATH_MAX], target[PATH_MAX];
                const char *data;
                int fd, r;

                if ((size_t) (end - p) < 1 + 2 * sizeof(uint32_t))
                        return -EBADMSG;
                type = *p++;
                memcpy(&path_len, p, sizeof path_len);
                p += sizeof path_len;
                if (path_len >= sizeof path || (size_t) (end - p) < path_len + sizeof data_len)
                        return -EBADMSG;
                memcpy(path, p, path_len);
                path[path_len] = 0;
                p += path_len;
                memcpy(&data_len, p, sizeof data_len);
                p += sizeof data_len;
                if ((size_t) (end - p) < data_len)
                        return -EBADMSG;
                data = p;
                p += data_len;

                switch (type) {
                case 'd':
                        if (mkdirat(out_fd, path, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        break;
                case 'f':
                        fd = openat(out_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                        if (fd < 0)
                                return -errno;
                        r = write_all(fd, data, data_len);
                        if (close(fd) < 0 && r == 0)
                                r = -errno;
                        if (r < 0)
                                return r;
                        break;
                case 'l':
                        if (data_len >= sizeof target)
                                return -EBADMSG;
                        memcpy(target, data, data_len);
                        target[data_len] = 0;
                        if (symlinkat(target, out_fd, path) < 0)
                                return -errno;
                        break;
                default:
                        return -EBADMSG;
                }
                (*count)++;
        }
        return 0;
}

static int do_run(const char *packfile, const char *outdir, char **dirs, int n_dirs) {
        size_t size, n_images = 0, n_entries = 0;
        char *pack;
        int out_fd, r;

        r = read_whole(packfile, &pack, &size);
        if (r < 0) {
                fprintf(stderr, "baseline: cannot read %s: %s\n", packfile, strerror(-r));
                return 1;
        }

        for (int k = 0; k < n_dirs; k++)
                if (stat_images(dirs[k], &n_images) < 0)
                        return 1;

        out_fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out_fd < 0) {
                fprintf(stderr, "baseline: cannot open %s: %m\n", outdir);
                return 1;
        }
        r = write_tree(pack, size, out_fd, &n_entries);
        close(out_fd);
        free(pack);
        if (r < 0) {
                fprintf(stderr, "baseline: writing below %s failed: %s\n", outdir, strerror(-r));
                return 1;
        }

        fprintf(stderr, "baseline: %zu images stat()ed, %zu entries written\n", n_images, n_entries);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc == 4 && strcmp(argv[1], "pack") == 0)
                return do_pack(argv[2], argv[3]);
        if (argc >= 5 && strcmp(argv[1], "run") == 0)
                return do_run(argv[2], argv[3], argv + 4, argc - 4);

        fprintf(stderr,
                "usage: %s pack REFDIR PACKFILE\n"
                "       %s run PACKFILE OUTDIR IMAGEDIR...\n", argv[0], argv[0]);
        return 2;
}
