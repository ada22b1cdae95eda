/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* See attach.h. Where an image goes, --copy=auto: a symlink when the image is below the root and
 * on the file system of the root's /, /usr or /var (mounted when the generator runs, at boot too)
 * and not below /tmp, /var/tmp, /home, /run/user, /media or /mnt (cleaned, per user, or mounted
 * later); a copy otherwise (with --root=, always for an image outside DIR). A copy is written to
 * a hidden temporary name in the directory (the generator skips hidden names) and renamed into
 * place: nobody sees it half-written. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "fileio.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "placed.h"
#include "process-util.h"
#include "refresh.h"
#include "scan.h"
#include "string-util.h"
#include "strv.h"
#include "unit-jobs.h"
#include "vpick.h"

#define JOB_TIMEOUT_SEC 300U

typedef enum CopyMode { COPY_AUTO, COPY_SYMLINK, COPY_COPY } CopyMode;

typedef struct AttachOptions {
        bool runtime, enable, now, no_reload, no_block;
        CopyMode copy;
        const char *profile;
} AttachOptions;

static bool rerooted(void) {
        return !streq(output_root(), "/");
}

static int parse_options(int argc, char **argv, AttachOptions *o, char ***ret) {
        enum { ARG_RUNTIME = 0x100, ARG_ENABLE, ARG_NOW, ARG_NO_RELOAD, ARG_NO_BLOCK, ARG_COPY };
        static const struct option options[] = {
                { "runtime",   no_argument,       NULL, ARG_RUNTIME   },
                { "enable",    no_argument,       NULL, ARG_ENABLE    },
                { "now",       no_argument,       NULL, ARG_NOW       },
                { "no-reload", no_argument,       NULL, ARG_NO_RELOAD },
                { "no-block",  no_argument,       NULL, ARG_NO_BLOCK  },
                { "copy",      required_argument, NULL, ARG_COPY      },
                { "profile",   required_argument, NULL, 'p'           },
                {}
        };
        _cleanup_strv_free_ char **images = NULL;
        const char *verb = argv[0];
        int c;

        verb_options_begin(&argc, &argv);
        for (;;) {
                int previous = optind ?: 1;

                /* "-": images are returned in order (as 1), between the options. */
                c = getopt_long(argc, argv, "-:p:", options, NULL);
                if (c < 0)
                        break;

                switch (c) {

                case 1:
                        if (strv_extend(&images, optarg) < 0)
                                return log_oom();
                        break;

                case ARG_RUNTIME:
                        o->runtime = true;
                        break;

                case ARG_ENABLE:
                        o->enable = true;
                        break;

                case ARG_NOW:
                        o->now = true;
                        break;

                case ARG_NO_RELOAD:
                        o->no_reload = true;
                        break;

                case ARG_NO_BLOCK:
                        o->no_block = true;
                        break;

                case ARG_COPY:
                        if (streq(optarg, "auto"))
                                o->copy = COPY_AUTO;
                        else if (streq(optarg, "symlink"))
                                o->copy = COPY_SYMLINK;
                        else if (streq(optarg, "copy"))
                                o->copy = COPY_COPY;
                        else {
                                log_error("Invalid --copy= mode '%s' (expected auto, symlink or copy).", optarg);
                                return -EXIT_USAGE;
                        }
                        break;

                case 'p':
                        if (isempty(optarg) || strchr(optarg, '\n') || !string_is_printable(optarg) ||
                            (optarg[0] != '/' && strchr(optarg, '/'))) {
                                log_error("Invalid --profile= '%s': a profile name or an absolute directory.", optarg);
                                return -EXIT_USAGE;
                        }
                        o->profile = optarg;
                        break;

                case ':':
                        log_error("Option %s needs a value.", argv[optind - 1]);
                        return -EXIT_USAGE;

                case '?':
                        if (optopt != 0 && !startswith(argv[previous], "--"))
                                log_error("Unknown option for %s: -%c (try --help)", verb, optopt);
                        else
                                log_error("Unknown option for %s: %s (try --help)", verb, argv[optind - 1]);
                        return -EXIT_USAGE;

                default:
                        assert_not_reached();
                }
        }

        /* After "--": images only. */
        for (int k = optind; k < argc; k++)
                if (strv_extend(&images, argv[k]) < 0)
                        return log_oom();

        if (!images) {
                log_error("Too few arguments for '%s': %s [OPTIONS] IMAGE...", verb, verb);
                return -EXIT_USAGE;
        }
        *ret = TAKE_PTR(images);
        return 0;
}

/* The image to place: its real path, its host path (below the root, or NULL if outside it), file
 * name, NAME, and whether it is a directory. */
typedef struct Source {
        char *real;
        char *host;
        char *filename;
        char *name;
        bool directory;
        struct stat st;
} Source;

static void source_done(Source *s) {
        free(s->real);
        free(s->host);
        free(s->filename);
        free(s->name);
}

static int source_open(const char *arg, Source *ret) {
        _cleanup_(source_done) Source s = {};
        const char *root = output_root(), *rel = NULL, *slash;
        int r;

        s.real = realpath(arg, NULL);
        if (!s.real) {
                if (errno == ENOENT)
                        return log_error_errno(ENOENT, "Image %s does not exist.", arg), EXIT_NOT_FOUND;
                return log_error_errno(errno, "Cannot resolve %s: %m", arg);
        }
        if (stat(s.real, &s.st) < 0)
                return log_error_errno(errno, "Cannot access %s: %m", s.real);
        s.directory = S_ISDIR(s.st.st_mode);
        if (!s.directory && !S_ISREG(s.st.st_mode))
                return log_error_errno(EBADFD, "Image %s is neither a directory nor a regular file.", s.real);

        slash = strrchr(s.real, '/');
        s.filename = strdup(slash + 1);
        if (!s.filename)
                return log_oom();
        if (!image_filename_is_valid(s.filename) || (!s.directory && !endswith(s.filename, ".raw")) ||
            (s.directory && endswith(s.filename, ".v") && vpick_dir_name_parse(s.filename, NULL, NULL) < 0))
                return log_error_errno(EINVAL, "%s is not a valid image name (NAME[_VERSION].raw, a directory NAME[_VERSION], "
                                       "or a versioned directory NAME.raw.v or NAME.v).", s.real);
        /* A versioned directory is placed whole: the generator picks in it, now and after every
         * change to it, as vpick does. */
        r = placed_entry_name(s.filename, &s.name);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s is not a valid image name.", s.filename);

        if (streq(root, "/"))
                s.host = strdup(s.real);
        else if ((rel = startswith(s.real, root)) && rel[0] == '/')
                s.host = strdup(rel);
        if ((streq(root, "/") || (rel && rel[0] == '/')) && !s.host)
                return log_oom();

        *ret = TAKE_STRUCT(s);
        return 0;
}

static bool host_path_below(const char *host, const char *dir) {
        const char *p = startswith(host, dir);
        return p && p[0] == '/';
}

static int decide_mode(const AttachOptions *o, const Source *s, bool *ret_symlink) {
        const char *root = output_root();

        if (o->copy == COPY_COPY) {
                *ret_symlink = false;
                return 0;
        }
        if (!s->host) {
                if (o->copy == COPY_SYMLINK)
                        return log_error_errno(EXDEV, "--copy=symlink: %s is outside the root %s, a link to it would not resolve there.",
                                               s->real, root);
                *ret_symlink = false;
                return 0;
        }
        if (o->copy == COPY_SYMLINK) {
                *ret_symlink = true;
                return 0;
        }

        *ret_symlink = false;
        static const char *const volatile_dirs[] = { "/tmp", "/var/tmp", "/home", "/run/user", "/media", "/mnt", NULL };
        static const char *const boot_dirs[] = { "/", "/usr", "/var", NULL };

        for (const char *const *d = volatile_dirs; *d; d++)
                if (host_path_below(s->host, *d)) {
                        log_info("%s is below %s: copying it.", s->real, *d);
                        return 0;
                }
        for (const char *const *d = boot_dirs; *d; d++) {
                _cleanup_free_ char *p = root_path(root, *d);
                struct stat st;

                if (!p)
                        return log_oom();
                if (stat(p, &st) >= 0 && st.st_dev == s->st.st_dev) {
                        *ret_symlink = true;
                        return 0;
                }
        }
        log_info("%s is not on the file system of /, /usr or /var: copying it.", s->real);
        return 0;
}

/* Places s as dir/s->filename, which must not exist: through a hidden temporary and rename. */
static int place(const char *dir, const char *hdir, const Source *s, bool symlink_mode) {
        _cleanup_free_ char *tmp = NULL, *final = NULL;
        int r;

        if (asprintf(&tmp, "%s/.#attach.%s.%u", dir, s->filename, (unsigned) getpid()) < 0)
                return log_oom();
        final = strjoin(dir, "/", s->filename);
        if (!final)
                return log_oom();

        (void) remove_tree(tmp);
        if (symlink_mode) {
                _cleanup_free_ char *target = NULL;

                /* In an OS tree (--root=) the link is relative, so that it resolves the same in the
                 * tree as on the system booted from it (an absolute one is followed on this host). */
                if (rerooted()) {
                        for (const char *p = hdir; *p; p++)
                                if (*p == '/' && !strextend(&target, "../"))
                                        return log_oom();
                        if (!strextend(&target, s->host + 1))
                                return log_oom();
                } else if (!(target = strdup(s->host)))
                        return log_oom();
                if (symlink(target, tmp) < 0)
                        return log_error_errno(errno, "Failed to create the symlink %s: %m", tmp);
        } else {
                r = run_command((char *const[]) { (char *) "cp", (char *) "-a", (char *) "--reflink=auto", (char *) "-T", "--",
                                              s->real, tmp, NULL });
                if (r < 0) {
                        (void) remove_tree(tmp);
                        return log_error_errno(r, "Failed to copy %s to %s.", s->real, dir);
                }
                if (!s->directory) {
                        _cleanup_close_ int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd < 0 || fsync(fd) < 0) {
                                r = log_error_errno(errno, "Failed to sync %s: %m", tmp);
                                (void) remove_tree(tmp);
                                return r;
                        }
                }
        }
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) < 0) {
                r = log_error_errno(errno, "Failed to move %s into place as %s: %m", tmp, final);
                (void) remove_tree(tmp);
                return r;
        }
        log_info("Placed %s as %s of %s.", final, symlink_mode ? "a symlink" : "a copy", s->real);
        return 0;
}

/* NAME.portable in dir: the settings the options ask for. An existing one not written by attach is
 * the admin's: refused. *ret_written says whether one was written. */
static int write_settings(const char *dir, const char *name, const AttachOptions *o, char **ret_name, char **ret_old) {
        _cleanup_free_ char *fn = NULL, *path = NULL, *old = NULL, *text = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        *ret_name = NULL;
        *ret_old = NULL;
        if (!o->profile && !o->enable)
                return 0;

        fn = strjoin(name, ".portable");
        path = strjoin(dir, "/", fn);
        if (!fn || !path)
                return log_oom();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        r = read_file_at(dfd, fn, SMALL_FILE_SIZE_MAX, &old);
        if (r >= 0 && !startswith(old, PLACED_SETTINGS_HEADER))
                return log_error_errno(EEXIST, "%s exists and was not written by portables attach: not changing it "
                                       "(set Profile=/Enable= there, or remove it).", path);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read %s: %m", path);

        text = strjoin(PLACED_SETTINGS_HEADER, "[Portable]\n",
                       o->profile ? "Profile=" : "", strempty(o->profile), o->profile ? "\n" : "",
                       o->enable ? "Enable=yes\n" : "");
        if (!text)
                return log_oom();
        r = write_file_atomic_at(dfd, fn, text, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        *ret_name = TAKE_PTR(fn);
        *ret_old = TAKE_PTR(old);       /* what it replaced (attach's own), to restore on failure */
        return 0;
}

/* Runs the planner; returns 0 if the image at host path `path` (in a portables directory, or NULL
 * for `extra` planned as if it were) is attached, -EPERM with the reason logged otherwise. */
static int planner_says_here(const char *path, const char *extra, const char *profile) {
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        ScannedImage *i;
        int r;

        /* The planner logs every other image's refusals too: only errors while it runs. */
        int level = log_get_max_level();

        s.profile_override = profile;
        if (!getenv("SYSTEMD_LOG_LEVEL"))
                log_set_max_level(MIN(level, LOG_ERR));
        r = scan_run(&s, extra);
        log_set_max_level(level);
        if (r < 0)
                return r;
        i = scan_find(&s, path ?: extra);
        if (!i)
                return log_error_errno(ENOENT, "The planner does not see %s.", path ?: extra);
        if (s.disabled)
                log_warning("Portable services are disabled on the kernel command line (systemd.portables=0).");
        if (i->status == STATUS_ATTACHED)
                return 0;
        if (i->status == STATUS_NOT_INSPECTED) {
                log_warning("%s: %s; not checked.", i->image->path, scanned_image_reason(i));
                return 0;
        }
        log_error("Image %s would not be attached: %s: %s", i->image->path, image_status_to_string(i->status),
                  strna(scanned_image_reason(i)));
        for (size_t k = 0; i->planned && k < i->plan.n_units; k++)
                STRV_FOREACH(v, i->plan.units[k].violations)
                        log_error("  %s: %s", i->plan.units[k].name, *v);
        return -EPERM;
}

/* planner_says_here() in a child: the planner mounts raw images in a private mount namespace of
 * its own (the child's, gone with it), and every check starts from the same state. */
static int planner_says(const char *path, const char *extra, const char *profile) {
        pid_t pid;
        int status;

        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                int r = planner_says_here(path, extra, profile);
                fflush(stdout);
                _exit(r == 0 ? 0 : r == -EPERM ? 3 : 1);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for the planner: %m");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
                return -EPERM;
        return log_error_errno(EIO, "The planner failed for %s.", path ?: extra);
}

/* Moves the entries of aside[] to hidden names (back = false) or back (back = true). */
static int move_aside(const char *root, Placed *aside, size_t n, bool back) {
        int ret = 0;

        for (size_t k = 0; k < n; k++) {
                _cleanup_free_ char *dir = root_path(root, aside[k].dir), *a = NULL, *b = NULL;

                if (!dir || !(a = strjoin(dir, "/", aside[k].image)) || !(b = strjoin(dir, "/.#reattach.", aside[k].image)))
                        return log_oom();
                if (back ? rename(b, a) < 0 : rename(a, b) < 0) {
                        if (errno == ENOENT)
                                continue;
                        ret = ret ?: log_error_errno(errno, "Failed to rename %s: %m", back ? b : a);
                }
        }
        return ret;
}

static int attach_one(const AttachOptions *o, const char *arg, bool reattach, char ***images) {
        _cleanup_(source_done) Source s = {};
        _cleanup_free_ char *dir = NULL, *final = NULL, *host_final = NULL, *settings = NULL, *old_settings = NULL;
        Placed *old = NULL, *aside = NULL;
        size_t n_old = 0, n_aside = 0;
        const char *root = output_root(), *hdir = o->runtime ? "/run/portables" : "/etc/portables";
        bool symlink_mode = false;
        int r;

        r = source_open(arg, &s);
        if (r != 0)
                return r;       /* < 0: errno, > 0: exit status */

        dir = root_path(root, hdir);
        host_final = strjoin(hdir, "/", s.filename);
        if (!dir || !host_final)
                return log_oom();
        final = strjoin(dir, "/", s.filename);
        if (!final)
                return log_oom();

        if (s.host && streq(s.host, host_final))
                return log_error_errno(EEXIST, "%s is already in %s.", s.real, hdir);
        r = mkdir_p_at(AT_FDCWD, dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);

        /* Reattach: the versions of NAME attach placed here go aside (hidden names) while the new
         * one is checked, so that a rollback to an older version is not shadowed by them. */
        if (reattach) {
                r = placed_read_all(root, hdir, &old, &n_old);
                if (r < 0)
                        return r;
                aside = calloc(n_old ?: 1, sizeof(Placed));
                if (!aside) {
                        placed_array_free(old, n_old);
                        return log_oom();
                }
                for (size_t k = 0; k < n_old; k++) {
                        _cleanup_free_ char *name = NULL;

                        if (placed_entry_name(old[k].image, &name) < 0 || !streq(name, s.name))
                                continue;
                        aside[n_aside++] = TAKE_STRUCT(old[k]);
                }
                placed_array_free(old, n_old);
                if (n_aside == 0)
                        log_notice("No version of %s was attached with portables attach in %s: attaching %s.",
                                   s.name, hdir, s.filename);
                r = move_aside(root, aside, n_aside, false);
                if (r < 0)
                        goto fail_aside;
        }

        if (access(final, F_OK) >= 0 || errno != ENOENT) {
                r = log_error_errno(EEXIST, "%s exists already: detach it first%s.", final,
                                    reattach ? "" : ", or use reattach");
                goto fail_aside;
        }

        r = decide_mode(o, &s, &symlink_mode);
        if (r < 0)
                goto fail_aside;

        /* 1. Ask first: planned as list/inspect plan an image given by path. Only possible when the
         * image is below the root; the check in place below is the one that decides. */
        if (s.host) {
                r = planner_says(NULL, s.host, o->profile);
                if (r < 0)
                        goto fail_aside;
        }

        r = write_settings(dir, s.name, o, &settings, &old_settings);
        if (r < 0)
                goto fail_aside;
        /* Reattach without settings options: the settings file the old version came with stays. */
        for (size_t k = 0; !settings && !o->profile && !o->enable && k < n_aside; k++)
                if (aside[k].settings) {
                        settings = strdup(aside[k].settings);
                        if (!settings) {
                                r = log_oom();
                                goto fail_aside;
                        }
                        break;
                }

        r = place(dir, hdir, &s, symlink_mode);
        if (r < 0)
                goto fail_settings;

        r = placed_write(root, &(Placed) {
                .dir = (char *) hdir, .image = s.filename, .mode = (char *) (symlink_mode ? "symlink" : "copy"),
                .source = s.host ?: s.real, .settings = settings,
        });
        if (r < 0)
                goto fail_placed;

        /* 2. The check that decides: the image where it now is, with every other image. */
        r = planner_says(host_final, NULL, NULL);
        if (r < 0)
                goto fail_placed;

        for (size_t k = 0; k < n_aside; k++) {
                _cleanup_free_ char *hidden = NULL;

                if (asprintf(&hidden, "%s/.#reattach.%s", dir, aside[k].image) < 0)
                        return log_oom();
                (void) remove_tree(hidden);
                if (aside[k].settings && (!settings || !streq(aside[k].settings, settings)))
                        (void) remove_settings(dir, aside[k].settings);
                if (streq(aside[k].image, s.filename)) {
                        log_info("Replaced %s/%s.", hdir, s.filename);
                        continue;       /* its record is the new one's now */
                }
                (void) placed_remove_record(root, hdir, aside[k].image);
                log_info("Removed %s/%s (replaced by %s).", hdir, aside[k].image, s.filename);
                _cleanup_free_ char *p = strjoin(hdir, "/", aside[k].image);
                if (!p || strv_consume(images, TAKE_PTR(p)) < 0)
                        return log_oom();
        }
        placed_array_free(aside, n_aside);

        if (strv_extend(images, host_final) < 0)
                return log_oom();
        printf("%s %s\n", reattach ? "Reattached" : "Attached", host_final);
        return 0;

fail_placed:
        (void) remove_tree(final);
        (void) placed_remove_record(root, hdir, s.filename);
fail_settings:
        if (settings && (o->profile || o->enable)) {
                _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (old_settings && dfd >= 0)
                        (void) write_file_atomic_at(dfd, settings, old_settings, 0644);
                else
                        (void) remove_settings(dir, settings);
        }
fail_aside:
        if (n_aside > 0) {
                (void) move_aside(root, aside, n_aside, true);
                /* A version of the same file name: the new record replaced its own. */
                for (size_t k = 0; k < n_aside; k++)
                        if (streq(aside[k].image, s.filename))
                                (void) placed_write(root, aside + k);
                log_notice("Kept the version(s) attached before.");
        }
        placed_array_free(aside, n_aside);
        return r == -EPERM ? EXIT_FAILURE : r;
}

static int attach_verb(int argc, char **argv, bool reattach) {
        _cleanup_strv_free_ char **args = NULL, **images = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        AttachOptions o = {};
        RefreshOps ops = {};
        int r, ret = 0;

        r = parse_options(argc, argv, &o, &args);
        if (r < 0)
                return -r;

        if (!getenv("SYSTEMD_LOG_LEVEL") && log_get_max_level() < LOG_INFO)
                log_set_max_level(LOG_INFO);

        STRV_FOREACH(a, args) {
                r = attach_one(&o, *a, reattach, &images);
                if (r != 0)
                        ret = ret ?: (r < 0 ? EXIT_FAILURE : r);
        }
        if (!images)
                return ret;

        if (rerooted() || o.no_reload) {
                if (o.now)
                        log_notice("%s: not starting anything.", rerooted() ? "--root=" : "--no-reload");
                return ret;
        }

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to the system bus: %m");
                return EXIT_FAILURE;
        }
        ops = (RefreshOps) {
                .only_images = images,
                .stop_gone = reattach,
                .restart_changed = reattach,
                .start_new = o.now || reattach,
                .start_enabled = o.now && !reattach,
        };
        r = refresh_reload(bus, &ops);
        if (r < 0)
                ret = ret ?: EXIT_FAILURE;
        if (!o.no_block && ops.jobs) {
                r = units_wait(bus, ops.jobs, JOB_TIMEOUT_SEC);
                if (r < 0)
                        ret = ret ?: EXIT_FAILURE;
        }
        strv_free(ops.jobs);
        return ret;
}

int verb_attach(int argc, char **argv) {
        return attach_verb(argc, argv, false);
}

int verb_reattach(int argc, char **argv) {
        return attach_verb(argc, argv, true);
}
