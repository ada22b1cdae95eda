/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>

#include "context.h"
#include "fileio.h"
#include "image-discover.h"
#include "image-open.h"
#include "image-probe.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "settings.h"
#include "string-util.h"
#include "verify.h"
#include "verity-check.h"
#include "verity-pin.h"
#include "verity-policy.h"

typedef struct VerifyArgs {
        VerityPolicy policy;            /* _VERITY_POLICY_INVALID: from the settings */
        const char *snapshot_dir;
        bool remove_snapshot;
        const char *expect_root_hash;
        bool quiet;
} VerifyArgs;

static int parse_args(int argc, char **argv, VerifyArgs *a, char ***ret_images) {
        enum {
                ARG_POLICY = 0x100,
                ARG_SNAPSHOT_DIR,
                ARG_REMOVE_SNAPSHOT,
                ARG_EXPECT_ROOT_HASH,
        };
        static const struct option options[] = {
                { "policy",           required_argument, NULL, ARG_POLICY           },
                { "snapshot-dir",     required_argument, NULL, ARG_SNAPSHOT_DIR     },
                { "remove-snapshot",  no_argument,       NULL, ARG_REMOVE_SNAPSHOT  },
                { "expect-root-hash", required_argument, NULL, ARG_EXPECT_ROOT_HASH },
                { "quiet",            no_argument,       NULL, 'q'                  },
                {}
        };
        _cleanup_free_ char **images = NULL;
        size_t n = 0;
        const char *e;
        int c;

        *a = (VerifyArgs) { .policy = _VERITY_POLICY_INVALID };

        e = getenv("PORTABLES_VERIFY_POLICY");
        if (!isempty(e)) {
                a->policy = verity_policy_from_string(e);
                if (a->policy < 0)
                        return log_error_errno(EINVAL, "Invalid $PORTABLES_VERIFY_POLICY=%s (expected auto, yes or signed).", e);
        }
        e = getenv("PORTABLES_VERIFY_SNAPSHOT_DIR");
        if (!isempty(e))
                a->snapshot_dir = e;
        e = getenv("PORTABLES_VERIFY_EXPECT_ROOT_HASH");
        if (!isempty(e))
                a->expect_root_hash = e;

        images = calloc((size_t) argc + 1, sizeof(char *));
        if (!images)
                return log_oom();

        /* "-": images are returned in order (as 1), between the options. */
        verb_options_begin(&argc, &argv);
        for (;;) {
                int previous = optind ?: 1;

                c = getopt_long(argc, argv, "-:q", options, NULL);
                if (c < 0)
                        break;

                switch (c) {

                case 1:
                        images[n++] = optarg;
                        break;

                case ARG_POLICY:
                        a->policy = verity_policy_from_string(optarg);
                        if (a->policy < 0)
                                return log_error_errno(EINVAL, "Invalid --policy=%s (expected auto, yes or signed).", optarg);
                        break;

                case ARG_SNAPSHOT_DIR:
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL, "--snapshot-dir= needs an absolute path.");
                        a->snapshot_dir = optarg;
                        break;

                case ARG_REMOVE_SNAPSHOT:
                        a->remove_snapshot = true;
                        break;

                case ARG_EXPECT_ROOT_HASH:
                        a->expect_root_hash = optarg;
                        break;

                case 'q':
                        a->quiet = true;
                        break;

                case ':':
                        return log_error_errno(EINVAL, "Option %s needs a value.", argv[optind - 1]);

                case '?':
                        if (optopt != 0 && !startswith(argv[previous], "--"))
                                return log_error_errno(EINVAL, "Unknown option for verify: -%c", optopt);
                        return log_error_errno(EINVAL, "Unknown option for verify: %s", argv[optind - 1]);

                default:
                        assert_not_reached();
                }
        }

        /* After "--": images only. */
        for (int k = optind; k < argc; k++)
                images[n++] = argv[k];

        if (n == 0)
                return log_error_errno(EINVAL, "verify: no image given.");
        if (a->remove_snapshot && !a->snapshot_dir)
                return log_error_errno(EINVAL, "--remove-snapshot needs --snapshot-dir=.");

        *ret_images = TAKE_PTR(images);
        return 0;
}

static int snapshot_remove(const char *dir, const DiscoveredImage *i) {
        _cleanup_free_ char *p = strjoin(dir, "/", i->filename);

        if (!p)
                return log_oom();
        if (unlink(p) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s: %m", p);
        return 0;
}

/* A file in dir that nobody can see before it is complete: O_TMPFILE, linked in under a temporary
 * name, renamed over the target. */
static int snapshot_open(const char *dir, int *ret_dir_fd) {
        _cleanup_close_ int dfd = -EBADF;
        int fd;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", dir);
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", dir);

        fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0400);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a file in %s: %m", dir);

        *ret_dir_fd = TAKE_FD(dfd);
        return fd;
}

static int snapshot_commit(int dir_fd, const char *dir, int fd, uint64_t size, const DiscoveredImage *i) {
        _cleanup_free_ char *tmp = NULL;
        char proc[64];

        if (ftruncate(fd, (off_t) size) < 0 || fsync(fd) < 0)
                return log_error_errno(errno, "Failed to finish the verified copy of %s: %m", i->path);

        if (asprintf(&tmp, ".#%s.%d", i->filename, (int) getpid()) < 0)
                return log_oom();
        (void) snprintf(proc, sizeof(proc), "/proc/self/fd/%i", fd);
        (void) unlinkat(dir_fd, tmp, 0);
        if (linkat(AT_FDCWD, proc, dir_fd, tmp, AT_SYMLINK_FOLLOW) < 0)
                return log_error_errno(errno, "Failed to link the verified copy of %s into %s: %m", i->path, dir);
        if (renameat(dir_fd, tmp, dir_fd, i->filename) < 0) {
                int r = -errno;
                (void) unlinkat(dir_fd, tmp, 0);
                return log_error_errno(r, "Failed to move the verified copy of %s into place in %s: %m", i->path, dir);
        }
        return 0;
}

static int verify_one(const Context *c, const PortableSettings *global, const VerifyArgs *a, const char *arg) {
        _cleanup_(discovered_image_done) DiscoveredImage i = {};
        _cleanup_(portable_settings_done) PortableSettings settings = PORTABLE_SETTINGS_NULL;
        _cleanup_(verity_check_done) VerityCheck check = {};
        _cleanup_(verity_pin_done) VerityPin expect = {};
        _cleanup_close_ int fd = -EBADF, snap_fd = -EBADF, snap_dir_fd = -EBADF;
        const VerityPin *pin = NULL;
        VerityPolicy policy = a->policy;
        RawProbe probe = {};
        int r, status;

        r = image_find(c, arg, &i);
        if (r < 0)
                return VERIFY_EXIT_FAILURE;

        if (a->remove_snapshot)
                return snapshot_remove(a->snapshot_dir, &i) < 0 ? VERIFY_EXIT_FAILURE : 0;

        if (policy < 0) {
                if (!global) {
                        log_error("Image %s: the global settings in portable.conf cannot be parsed, and no --policy= given.", i.path);
                        return VERIFY_EXIT_FAILURE;
                }
                r = portable_settings_load_image(c, i.name, global, &settings);
                if (r < 0) {
                        log_error_errno(r, "Image %s: its settings cannot be parsed (see above), and no --policy= given.", i.path);
                        return VERIFY_EXIT_FAILURE;
                }
                policy = portable_settings_verity(&settings);
        }

        if (i.type == IMAGE_RAW) {
                fd = image_file_open(c, &i);
                if (fd < 0) {
                        log_error_errno(fd, "Image %s: cannot open: %m", i.path);
                        return VERIFY_EXIT_FAILURE;
                }
                r = raw_image_probe(fd, i.path, &probe);
                if (r == -EMEDIUMTYPE) {
                        log_error("Image %s: not a usable image (no file system or GPT root/usr partition, see --debug output).", i.path);
                        return VERIFY_EXIT_MALFORMED;
                }
                if (r < 0) {
                        log_error_errno(r, "Image %s: cannot probe: %m", i.path);
                        return VERIFY_EXIT_FAILURE;
                }

                if (a->snapshot_dir) {
                        snap_fd = snapshot_open(a->snapshot_dir, &snap_dir_fd);
                        if (snap_fd < 0)
                                return VERIFY_EXIT_FAILURE;
                }
        }

        /* The expected root hash is a pin: the image must have exactly it, and one without a root hash
         * of its own but with a hash tree is verified against it. Without one, the image's RootHash=. */
        if (a->expect_root_hash) {
                const char *reason = NULL;

                if (verity_parse_root_hash(a->expect_root_hash, strlen(a->expect_root_hash), expect.root_hash,
                                           &expect.root_hash_size, &reason) < 0) {
                        log_error("Invalid expected root hash '%s': %s.", a->expect_root_hash, reason);
                        return VERIFY_EXIT_FAILURE;
                }
                expect.origin = strdup("--expect-root-hash=");
                if (!expect.origin)
                        return log_oom();
                pin = &expect;
                if (policy == VERITY_AUTO)
                        policy = VERITY_REQUIRED;
        } else
                pin = portable_settings_root_hash(&settings);

        r = verity_check_image(c, &i, fd, &probe, policy, pin, snap_fd, &check);
        if (r < 0) {
                log_error_errno(r, "Image %s: verification failed: %m", i.path);
                return VERIFY_EXIT_FAILURE;
        }

        status = verity_check_verdict_to_exit_status(check.verdict);

        /* Verity=auto: an image without verity data is what it is, but a snapshot cannot vouch for it. */
        if (check.verdict == VERITY_CHECK_NO_VERITY && policy == VERITY_AUTO && !a->snapshot_dir && !pin) {
                if (!a->quiet)
                        printf("%s (Verity=auto: nothing to verify)\n", check.message);
                return VERIFY_EXIT_NO_VERITY;
        }

        if (check.verdict == VERITY_CHECK_MISMATCH && a->expect_root_hash) {
                if (check.data.root_hash_size > 0)
                        /* Its own root hash (sidecar, xattr, signature) is another one. */
                        log_error("Image %s: root hash %s differs from %s, the one its units were attached with "
                                  "(the image changed since the last daemon-reload?).",
                                  i.path, check.data.root_hash_hex, a->expect_root_hash);
                else
                        log_error("Verification failed: %s (the image changed since the last daemon-reload?) [%s]",
                                  check.message, verity_check_verdict_to_string(check.verdict));
                return status;
        }

        if (check.verdict != VERITY_CHECK_INTACT) {
                log_error("Verification failed: %s [%s]", check.message, verity_check_verdict_to_string(check.verdict));
                return status;
        }

        if (snap_fd >= 0) {
                r = snapshot_commit(snap_dir_fd, a->snapshot_dir, snap_fd, check.verify.bytes_verified, &i);
                if (r < 0)
                        return VERIFY_EXIT_FAILURE;
        }

        if (!a->quiet) {
                printf("%s\n", check.message);
                if (check.data.root_hash_kind == VERITY_ROOT_HASH_UUIDS)
                        printf("The root hash comes from the partition UUIDs: this shows the image's integrity, not its "
                               "authenticity (Verity=signed still needs a signature).\n");
                if (snap_fd >= 0)
                        printf("Verified copy of the data: %s/%s\n", a->snapshot_dir, i.filename);
        }
        return VERIFY_EXIT_INTACT;
}

int verb_verify(int argc, char **argv) {
        _cleanup_(portable_settings_done) PortableSettings global = PORTABLE_SETTINGS_NULL;
        _cleanup_(context_done) Context c = {};
        _cleanup_free_ char **images = NULL;
        VerifyArgs a;
        bool global_ok;
        int r, ret = 0;

        r = parse_args(argc, argv, &a, &images);
        if (r < 0)
                return EXIT_USAGE;

        r = context_init_root(&c, arg_root ?: getenv(PORTABLES_ROOT_ENV));
        if (r < 0) {
                log_error_errno(r, "Failed to open the root directory: %m");
                return VERIFY_EXIT_FAILURE;
        }

        r = portable_settings_load_global(&c, &global);
        if (r == -ENOMEM)
                return log_oom();
        global_ok = r >= 0;

        for (char **p = images; *p; p++) {
                int k = verify_one(&c, global_ok ? &global : NULL, &a, *p);
                if (k != 0 && ret == 0)
                        ret = k;
        }

        return ret;
}
