/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Runs a fuzz target's LLVMFuzzerTestOneInput() over inputs given as files or directories (every
 * regular file in them, in name order), once each, without libFuzzer: so that the default
 * `meson test`, with gcc or without sanitizers, replays the seed corpora (suite fuzz-replay) and a
 * crash found once stays fixed once its input is in the corpus. Linked into TARGET-replay with the
 * target's own source (test/fuzz/meson.build). Each input's name is printed before it runs, so a
 * crash (abort(), a sanitizer report) names the input. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fuzz.h"
#include "macro.h"
#include "string-util.h"

/* Past libFuzzer's -max_len in run-fuzzers (64 KiB), with room for hand-made inputs. */
#define REPLAY_INPUT_MAX (4U * 1024U * 1024U)

static int replay_file(int dir_fd, const char *path, const char *shown) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0;
        int r;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                fprintf(stderr, "%s: %m\n", shown);
                return -errno;
        }
        r = read_regular_fd_binary(fd, REPLAY_INPUT_MAX, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", shown, read_error_to_string(r));
                return r;
        }

        fprintf(stderr, "input %s (%zu bytes)\n", shown, size);
        /* A copy of exactly size bytes, so that ASan sees reads past the input's end. */
        {
                _cleanup_free_ uint8_t *exact = malloc(size ?: 1);
                if (!exact)
                        return -ENOMEM;
                memcpy(exact, data, size);
                (void) LLVMFuzzerTestOneInput(exact, size);
        }
        return 0;
}

static int replay_dir(const char *path, unsigned *n) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent **names = NULL;
        int k, r = 0;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        k = scandir(path, &names, NULL, alphasort);
        if (k < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        for (int i = 0; i < k; i++) {
                _cleanup_free_ char *shown = NULL;
                struct stat st;

                if (names[i]->d_name[0] == '.' || fstatat(fd, names[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        goto next;
                shown = strjoin(path, "/", names[i]->d_name);
                if (!shown) {
                        r = -ENOMEM;
                        goto next;
                }
                if (replay_file(fd, names[i]->d_name, shown) < 0)
                        r = -EIO;
                else
                        (*n)++;
        next:
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char *argv[]) {
        unsigned n = 0;
        int r = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", program_invocation_short_name);
                return EXIT_FAILURE;
        }

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        r = -errno;
                } else if (S_ISDIR(st.st_mode)) {
                        if (replay_dir(argv[i], &n) < 0)
                                r = -EIO;
                } else if (replay_file(AT_FDCWD, argv[i], argv[i]) < 0)
                        r = -EIO;
                else
                        n++;
        }

        fprintf(stderr, "%s: %u inputs replayed%s\n", program_invocation_short_name, n, r < 0 ? ", some unreadable" : "");
        /* An empty corpus replays nothing: that is a mistake in the tree, not a pass. */
        return r < 0 || n == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
