/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "context.h"
#include "extract-cache.h"
#include "fileio.h"
#include "image-discover.h"
#include "detach.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "placed.h"
#include "process-util.h"
#include "refresh.h"
#include "string-util.h"
#include "strv.h"
#include "scan.h"
#include "sysusers.h"
#include "unit-jobs.h"
#include "users-record.h"

#define JOB_TIMEOUT_SEC 300U

typedef struct DetachOptions {
        bool runtime, now, clean, no_reload, no_block;
} DetachOptions;

/* One image to detach: its record, or (explicit path) none. */
typedef struct Target {
        Placed placed;          /* .image/.dir set in both cases; .mode NULL when not placed by attach */
        char *host_path;        /* "/etc/portables/foo_1.raw" */
} Target;

static void target_done(Target *t) {
        placed_done(&t->placed);
        free(t->host_path);
}

static int parse_options(int argc, char **argv, DetachOptions *o, char ***ret) {
        enum { ARG_RUNTIME = 0x100, ARG_NOW, ARG_CLEAN, ARG_NO_RELOAD, ARG_NO_BLOCK };
        static const struct option options[] = {
                { "runtime",   no_argument, NULL, ARG_RUNTIME   },
                { "now",       no_argument, NULL, ARG_NOW       },
                { "clean",     no_argument, NULL, ARG_CLEAN     },
                { "no-reload", no_argument, NULL, ARG_NO_RELOAD },
                { "no-block",  no_argument, NULL, ARG_NO_BLOCK  },
                {}
        };
        _cleanup_strv_free_ char **names = NULL;
        int c;

        verb_options_begin(&argc, &argv);
        for (;;) {
                int previous = optind ?: 1;

                /* "-": names are returned in order (as 1), between the options. */
                c = getopt_long(argc, argv, "-:", options, NULL);
                if (c < 0)
                        break;

                switch (c) {

                case 1:
                        if (strv_extend(&names, optarg) < 0)
                                return log_oom();
                        break;

                case ARG_RUNTIME:
                        o->runtime = true;
                        break;

                case ARG_NOW:
                        o->now = true;
                        break;

                case ARG_CLEAN:
                        o->clean = true;
                        break;

                case ARG_NO_RELOAD:
                        o->no_reload = true;
                        break;

                case ARG_NO_BLOCK:
                        o->no_block = true;
                        break;

                case '?':
                        if (optopt != 0 && !startswith(argv[previous], "--"))
                                log_error("Unknown option for detach: -%c (try --help)", optopt);
                        else
                                log_error("Unknown option for detach: %s (try --help)", argv[optind - 1]);
                        return -EXIT_USAGE;

                default:
                        assert_not_reached();
                }
        }

        /* After "--": names only. */
        for (int k = optind; k < argc; k++)
                if (strv_extend(&names, argv[k]) < 0)
                        return log_oom();

        if (!names) {
                log_error("Too few arguments for 'detach': detach [OPTIONS] NAME|PATH...");
                return -EXIT_USAGE;
        }
        if (o->clean && !o->now)
                log_debug("--clean without --now: units that are active make detach refuse.");
        *ret = TAKE_PTR(names);
        return 0;
}

static bool record_matches(const Placed *p, const char *arg, const char *host_arg) {
        _cleanup_free_ char *name = NULL, *placed_path = NULL;
        const char *stem_end;

        if (host_arg) {
                placed_path = strjoin(p->dir, "/", p->image);
                return placed_path && (streq(placed_path, host_arg) || streq(p->source, host_arg));
        }
        if (streq(p->image, arg))
                return true;
        stem_end = endswith(p->image, ".raw");
        if (stem_end && strlen(arg) == (size_t) (stem_end - p->image) && strneq(p->image, arg, strlen(arg)))
                return true;
        return placed_entry_name(p->image, &name) >= 0 && streq(name, arg);
}

/* The host path of a path argument: below the root, or as given (real path) when not. */
static int host_path_of(const char *arg, char **ret) {
        const char *root = output_root(), *rel;
        _cleanup_free_ char *dir = NULL, *real = NULL;
        const char *slash = strrchr(arg, '/');

        /* The entry itself is not resolved (it may be a symlink: that is what is removed). */
        dir = slash == arg ? strdup("/") : strndup(arg, slash - arg);
        if (!dir)
                return log_oom();
        real = realpath(dir, NULL);
        if (!real) {
                /* The source of an attach may be gone already: match the argument as given. */
                *ret = strdup(arg);
                return *ret ? 0 : log_oom();
        }
        if (!streq(root, "/") && (rel = startswith(real, root)) && rel[0] == '/')
                *ret = strjoin(rel, "/", slash + 1);
        else if (!streq(root, "/") && streq(real, root))
                *ret = strjoin("/", slash + 1);
        else
                *ret = strjoin(streq(real, "/") ? "" : real, "/", slash + 1);
        return *ret ? 0 : log_oom();
}

static int find_targets(const DetachOptions *o, const char *arg, Target **targets, size_t *n_targets) {
        const char *root = output_root(), *hdir = o->runtime ? "/run/portables" : "/etc/portables";
        _cleanup_free_ char *host_arg = NULL;
        Placed *recs = NULL;
        size_t n_recs = 0, found = 0;
        int r;

        if (strchr(arg, '/')) {
                r = host_path_of(arg, &host_arg);
                if (r < 0)
                        return r;
        }

        r = placed_read_all(root, hdir, &recs, &n_recs);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n_recs; k++) {
                Target *t;

                if (!record_matches(recs + k, arg, host_arg))
                        continue;
                t = reallocarray(*targets, *n_targets + 1, sizeof(Target));
                if (!t) {
                        placed_array_free(recs, n_recs);
                        return log_oom();
                }
                *targets = t;
                t[*n_targets] = (Target) { .placed = TAKE_STRUCT(recs[k]) };
                t[*n_targets].host_path = strjoin(hdir, "/", t[*n_targets].placed.image);
                if (!t[*n_targets].host_path) {
                        placed_array_free(recs, n_recs);
                        return log_oom();
                }
                (*n_targets)++;
                found++;
        }
        placed_array_free(recs, n_recs);
        if (found > 0)
                return 0;

        /* Not placed by attach: only an explicit path of an entry in a portables directory. */
        if (host_arg) {
                const char *slash = strrchr(host_arg, '/');
                _cleanup_free_ char *dir = strndup(host_arg, slash - host_arg), *real = NULL;
                Target *t;

                if (!dir)
                        return log_oom();
                for (const char *const *d = portable_search_dirs; *d; d++) {
                        if (!streq(dir, *d))
                                continue;
                        real = root_path(root, host_arg);
                        if (!real)
                                return log_oom();
                        struct stat st;
                        if (lstat(real, &st) < 0) {
                                log_error_errno(errno, "Cannot access %s: %m", real);
                                return -EXIT_NOT_FOUND;
                        }
                        if (!image_filename_is_valid(slash + 1))
                                break;
                        t = reallocarray(*targets, *n_targets + 1, sizeof(Target));
                        if (!t)
                                return log_oom();
                        *targets = t;
                        t[*n_targets] = (Target) {
                                .placed = { .dir = strdup(dir), .image = strdup(slash + 1) },
                                .host_path = strdup(host_arg),
                        };
                        (*n_targets)++;
                        if (!t[*n_targets - 1].placed.dir || !t[*n_targets - 1].placed.image || !t[*n_targets - 1].host_path)
                                return log_oom();
                        log_info("%s was not placed by portables attach; removing it as asked.", host_arg);
                        return 0;
                }
                log_error("%s is not an image attach placed in %s, nor an image in a portables directory.", arg, hdir);
                return -EXIT_NOT_FOUND;
        }
        log_error("No image %s was placed by portables attach in %s%s; to remove an image attach did not place, "
                  "give its path.", arg, hdir, o->runtime ? "" : " (--runtime: in /run/portables)");
        return -EXIT_NOT_FOUND;
}

/* The loaded units (template instances included) of the images. */
static int image_units(sd_bus *bus, const Attached *a, const Target *t, size_t n, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t k = 0; a->units && a->units[k]; k++) {
                bool ours = false;

                for (size_t j = 0; j < n && !ours; j++)
                        ours = placed_entry_covers(t[j].host_path, a->images[k]);
                if (!ours)
                        continue;
                if (unit_name_is_template(a->units[k])) {
                        _cleanup_strv_free_ char **inst = NULL;

                        r = template_instances(bus, a->units[k], &inst);
                        if (r < 0)
                                return r;
                        STRV_FOREACH(i, inst)
                                if (strv_extend(&l, *i) < 0)
                                        return log_oom();
                } else if (strv_extend(&l, a->units[k]) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int stop_and_clean(sd_bus *bus, const DetachOptions *o, char *const *units) {
        _cleanup_strv_free_ char **jobs = NULL;
        int r, ret = 0;

        STRV_FOREACH(u, units) {
                _cleanup_free_ char *state = NULL;

                r = unit_state(bus, *u, &state, NULL);
                if (r < 0)
                        return r;
                if (streq(state, "inactive") || streq(state, "failed"))
                        continue;
                if (!o->now)
                        return log_error_errno(EBUSY, "Unit %s is %s: stop it first, or detach with --now.", *u, state);
                log_info("Stopping %s.", *u);
                r = unit_call(bus, "StopUnit", *u);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (strv_extend(&jobs, *u) < 0)
                        return log_oom();
        }
        /* --clean needs them stopped: it waits even with --no-block. */
        if (jobs && (!o->no_block || o->clean)) {
                r = units_wait(bus, jobs, JOB_TIMEOUT_SEC);
                if (r < 0 && r != -EIO)
                        return r;
        }

        if (!o->clean)
                return 0;
        STRV_FOREACH(u, units) {
                if (!endswith(*u, ".service"))
                        continue;
                (void) unit_call(bus, "ResetFailedUnit", *u);
                r = unit_clean_all(bus, *u);
                if (r < 0)
                        ret = ret ?: r;
        }
        return ret;
}

/* --clean, after the reload: the claims of /run directories the generator recorded for the image
 * (host-claims.h), once no version of NAME is left and the directory is gone (its units removed
 * it when they stopped). A claim left behind would give /run/X to the next image of that name. */
static int remove_run_claims(const char *name) {
        _cleanup_(extract_cache_done) ExtractCache cache = { .dir_fd = -EBADF };
        _cleanup_(image_list_done) ImageList l = {};
        _cleanup_(context_done) Context c = { .root_fd = -EBADF };
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r, fd;

        r = context_init_root(&c, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to open /: %m");
        r = images_discover(&c, 0, &l);
        if (r < 0)
                return r;
        for (size_t k = 0; k < l.n_images; k++)
                if (streq_ptr(l.images[k].name, name)) {
                        log_info("Another version of %s is still there (%s): keeping its /run claims.", name,
                                 l.images[k].path);
                        return 0;
                }

        r = extract_cache_open(&cache, false);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0 || cache.dir_fd < 0)
                return 0;
        fd = fcntl(cache.dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(errno, "Failed to duplicate a file descriptor: %m");
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return log_error_errno(errno, "Failed to open %s: %m", cache.dir);
        }
        r = dir_list(d, "", 100000, &names);
        if (r < 0)
                return log_error_errno(r, "Failed to list %s: %m", cache.dir);

        STRV_FOREACH(n, names) {
                _cleanup_free_ char *text = NULL, *run = NULL;
                const char *dir = startswith(*n, EXTRACT_CACHE_KEEP_PREFIX "run-");

                if (!dir)
                        continue;
                if (read_file_at(cache.dir_fd, *n, SMALL_FILE_SIZE_MAX, &text) < 0)
                        continue;
                if (!streq(strstrip(text), name))
                        continue;
                run = strjoin("/run/", dir);
                if (!run)
                        return log_oom();
                if (access(run, F_OK) >= 0) {
                        log_notice("%s is still there: keeping the claim of %s on it.", run, name);
                        continue;
                }
                if (unlinkat(cache.dir_fd, *n, 0) < 0 && errno != ENOENT)
                        return log_error_errno(errno, "Failed to remove %s/%s: %m", cache.dir, *n);
                log_info("Removed the claim of %s on %s.", name, run);
        }
        return 0;
}

/* --clean, after the reload: the host accounts `portables users` created for the image
 * (users-record.h), unless another image still there declares them in its sysusers.d. */
static int remove_users_here(const char *name) {
        _cleanup_strv_free_ char **rec = NULL, **needed = NULL;
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        int r, ret = 0, level;

        r = users_record_read(NULL, name, &rec);
        if (r < 0 || !rec)
                return r;

        level = log_get_max_level();
        if (!getenv("SYSTEMD_LOG_LEVEL"))
                log_set_max_level(MIN(level, LOG_ERR));
        r = scan_run(&s, NULL);
        log_set_max_level(level);
        if (r < 0)
                return r;
        for (size_t k = 0; k < s.n_items; k++) {
                const ScannedImage *i = s.items + k;

                if (!i->planned)
                        continue;
                if (streq_ptr(i->image->name, name)) {
                        log_info("Another version of %s is still there (%s): keeping its users.", name, i->image->path);
                        return 0;
                }
                for (size_t j = 0; j < i->plan.sysusers.n_entries; j++) {
                        const SysusersEntry *e = i->plan.sysusers.entries + j;

                        if (strv_extend(&needed, e->name) < 0 ||
                            (e->group && strv_extend(&needed, e->group) < 0))
                                return log_oom();
                }
        }

        /* Users first: userdel also removes the user's own group when nobody else is in it. */
        for (int pass = 0; pass < 2; pass++)
                STRV_FOREACH(l, rec) {
                        const char *u = startswith(*l, "user "), *g = startswith(*l, "group ");
                        const char *acct = pass == 0 ? u : g;

                        if (!acct)
                                continue;
                        if (strv_contains(needed, acct)) {
                                log_info("%s %s is needed by another image: keeping it.", pass == 0 ? "User" : "Group", acct);
                                continue;
                        }
                        if (pass == 0 ? !getpwnam(acct) : !getgrnam(acct))
                                continue;
                        r = run_command((char *const[]) { (char *) (pass == 0 ? "userdel" : "groupdel"), (char *) "--",
                                                      (char *) acct, NULL });
                        if (r < 0)
                                ret = ret ?: r;
                        else
                                log_info("Removed %s %s, created for %s.", pass == 0 ? "user" : "group", acct, name);
                }
        if (ret == 0)
                ret = users_record_remove(NULL, name);
        return ret;
}

/* In a child: the planner's private mount namespace goes with it, and each run starts afresh. */
static int remove_users(const char *name) {
        pid_t pid;
        int status;

        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0)
                _exit(remove_users_here(name) < 0 ? 1 : 0);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for a child: %m");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int verb_detach(int argc, char **argv) {
        _cleanup_strv_free_ char **names = NULL, **units = NULL, **paths = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(attached_done) Attached a = {};
        const char *root = output_root();
        bool live = streq(root, "/");
        DetachOptions o = {};
        Target *targets = NULL;
        size_t n_targets = 0;
        int r, ret = 0;

        r = parse_options(argc, argv, &o, &names);
        if (r < 0)
                return -r;

        if (!getenv("SYSTEMD_LOG_LEVEL") && log_get_max_level() < LOG_INFO)
                log_set_max_level(LOG_INFO);

        STRV_FOREACH(n, names) {
                r = find_targets(&o, *n, &targets, &n_targets);
                if (r < 0) {
                        ret = r <= -EXIT_USAGE && r >= -EXIT_NOT_FOUND ? -r : EXIT_FAILURE;
                        goto finish;
                }
        }

        if (!live && (o.now || o.clean))
                log_notice("--root=: not stopping or cleaning units (that needs the running system).");

        if (live && !o.no_reload) {
                r = sd_bus_open_system(&bus);
                if (r < 0) {
                        log_error_errno(r, "Failed to connect to the system bus: %m");
                        ret = EXIT_FAILURE;
                        goto finish;
                }
                r = attached_read(REFRESH_GENERATOR_DIR, &a);
                if (r >= 0)
                        r = image_units(bus, &a, targets, n_targets, &units);
                if (r >= 0)
                        r = stop_and_clean(bus, &o, units);
                if (r < 0) {
                        /* Nothing removed: the image stays as it was. */
                        ret = EXIT_FAILURE;
                        goto finish;
                }
        } else if (live && (o.now || o.clean))
                log_notice("--no-reload: not stopping or cleaning units.");

        for (size_t k = 0; k < n_targets; k++) {
                Target *t = targets + k;

                if (t->placed.mode)
                        r = placed_undo(root, &t->placed);
                else {
                        _cleanup_free_ char *p = root_path(root, t->host_path);
                        r = p ? remove_tree(p) : log_oom();
                        if (r >= 0)
                                log_info("Removed %s.", p);
                }
                if (r < 0)
                        ret = EXIT_FAILURE;
                else {
                        printf("Detached %s\n", t->host_path);
                        if (strv_extend(&paths, t->host_path) < 0) {
                                ret = EXIT_FAILURE;
                                goto finish;
                        }
                }
        }

        if (bus && paths) {
                RefreshOps ops = { .only_images = paths, .stop_gone = true };

                r = refresh_reload(bus, &ops);
                if (r < 0)
                        ret = ret ?: EXIT_FAILURE;
                if (ops.jobs && !o.no_block)
                        (void) units_wait(bus, ops.jobs, JOB_TIMEOUT_SEC);
                strv_free(ops.jobs);

                for (size_t k = 0; o.clean && k < n_targets; k++) {
                        _cleanup_free_ char *name = NULL;

                        if (placed_entry_name(targets[k].placed.image, &name) < 0)
                                continue;
                        r = remove_run_claims(name);
                        if (r < 0)
                                ret = ret ?: EXIT_FAILURE;
                        r = remove_users(name);
                        if (r < 0)
                                ret = ret ?: EXIT_FAILURE;
                }
        }

finish:
        for (size_t k = 0; k < n_targets; k++)
                target_done(targets + k);
        free(targets);
        return ret;
}
