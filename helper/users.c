/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Why systemd-sysusers does the writing: it already takes /etc/.pwd.lock, allocates free ids in
 * the system range, writes passwd, group, shadow and gshadow atomically, and never changes an
 * existing entry. What it does not do is judge an image's entries: that is done first, with the
 * planner's own code (lib/sysusers.h), on the image as the generator sees it, so that only
 * entries that create new accounts without touching existing ones ever reach it. */

#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "context.h"
#include "image-discover.h"
#include "log.h"
#include "process-util.h"
#include "names.h"
#include "output.h"
#include "plan.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"
#include "sysusers.h"
#include "users.h"
#include "users-record.h"

#define USERS_MOUNT_TEMPLATE "/run/systemd/portables-users.XXXXXX"

static int run_sysusers(const Context *c, char **lines) {
        _cleanup_strv_free_ char **argv = NULL;
        const char *bin = getenv("PORTABLES_SYSUSERS") ?: "systemd-sysusers";

        if (strv_extend(&argv, bin) < 0)
                return log_oom();
        if (!streq(c->root, "/")) {
                _cleanup_free_ char *o = strjoin("--root=", c->root);
                if (!o || strv_extend(&argv, o) < 0)
                        return log_oom();
        }
        if (strv_extend(&argv, "--inline") < 0)
                return log_oom();
        STRV_FOREACH(l, lines)
                if (strv_extend(&argv, *l) < 0)
                        return log_oom();

        return run_command(argv);
}

/* After systemd-sysusers: every user and group of the image exists, with the ids it asked for. */
static int verify_applied(const Context *c, const ImagePlan *plan) {
        _cleanup_(host_accounts_done) HostAccounts h = {};
        int r;

        r = host_accounts_load(c, &h);
        if (r < 0)
                return log_error_errno(r, "Failed to read the host's accounts: %m");

        for (size_t k = 0; k < plan->sysusers.n_entries; k++) {
                const SysusersEntry *e = plan->sysusers.entries + k;
                const HostAccount *a;

                if (e->type == 'm')
                        continue;
                a = e->type == 'u' ? host_account_by_name(h.users, h.n_users, e->name)
                                   : host_account_by_name(h.groups, h.n_groups, e->name);
                if (!a) {
                        log_error("Image %s: %s %s was not created (%s).", plan->image->path,
                                  e->type == 'u' ? "user" : "group", e->name, e->source);
                        return -ESRCH;
                }
                if ((e->type == 'u' && e->has_uid && a->id != e->uid) || (e->type == 'g' && e->has_gid && a->id != e->gid)) {
                        log_error("Image %s: %s %s has id %u, not the one asked for (%s).", plan->image->path,
                                  e->type == 'u' ? "user" : "group", e->name, a->id, e->source);
                        return -ESRCH;
                }
        }
        return 0;
}

/* [--dry-run] IMAGE, options anywhere up to "--". Returns 0, or <0 (logged). */
static int parse_args(int argc, char **argv, bool *ret_dry_run, const char **ret_what) {
        enum {
                ARG_DRY_RUN = 0x100,
        };
        static const struct option options[] = {
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                {}
        };
        const char *what = NULL;
        bool dry_run = false;
        int c;

        /* "-": the image is returned in order (as 1); "+" would stop at it. */
        verb_options_begin(&argc, &argv);
        for (;;) {
                int previous = optind ?: 1;

                c = getopt_long(argc, argv, "-:", options, NULL);
                if (c < 0)
                        break;

                switch (c) {

                case 1:
                        if (what)
                                return log_error_errno(EINVAL, "users: one image only.");
                        what = optarg;
                        break;

                case ARG_DRY_RUN:
                        dry_run = true;
                        break;

                case '?':
                        if (optopt != 0 && !startswith(argv[previous], "--"))
                                return log_error_errno(EINVAL, "Unknown option for users: -%c", optopt);
                        return log_error_errno(EINVAL, "Unknown option for users: %s", argv[optind - 1]);

                default:
                        assert_not_reached();
                }
        }

        /* After "--": the image. */
        for (int k = optind; k < argc; k++) {
                if (what)
                        return log_error_errno(EINVAL, "users: one image only.");
                what = argv[k];
        }
        if (!what)
                return log_error_errno(EINVAL, "users: no image given.");

        *ret_dry_run = dry_run;
        *ret_what = what;
        return 0;
}

int verb_users(int argc, char **argv) {
        _cleanup_(portable_settings_done) PortableSettings global = PORTABLE_SETTINGS_NULL;
        _cleanup_(image_plan_done) ImagePlan plan = {};
        _cleanup_(context_done) Context c = {};
        _cleanup_(discovered_image_done) DiscoveredImage image = {};
        _cleanup_strv_free_ char **lines = NULL;
        const char *what = NULL;
        bool dry_run = false;
        Planner p = {};
        int r;

        r = parse_args(argc, argv, &dry_run, &what);
        if (r < 0)
                return EXIT_USAGE;
        r = context_init_root(&c, arg_root ?: getenv(PORTABLES_ROOT_ENV));
        if (r < 0)
                return log_error_errno(r, "Failed to open the root directory: %m");

        r = portable_settings_load_global(&c, &global);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_error("The global settings in portable.conf cannot be parsed: not creating users.");
                return EXIT_FAILURE;
        }

        r = image_find(&c, what, &image);
        if (r == -ENOENT)
                return EXIT_NOT_FOUND;
        if (r < 0)
                return EXIT_FAILURE;

        /* The planner's own decision for this one image: profile, sysusers.d and host checks. */
        {
                ImageList l = { .images = &image, .n_images = 1 };

                _cleanup_(image_list_done) ImageList all = {};

                r = planner_init(&p, &c, &global, &l, USERS_MOUNT_TEMPLATE, /* cache= */ NULL, 0);
                if (r < 0)
                        return r;
                /* Its Extensions= are looked up in the portables directories, as the generator does. */
                r = images_discover(&c, /* deadline_usec= */ 0, &all);
                if (r < 0) {
                        planner_done(&p);
                        return r;
                }
                p.images = &all;
                r = image_plan(&p, &image, &plan);
                planner_done(&p);
                if (r < 0)
                        return log_error_errno(r, "Image %s: failed to plan: %m", image.path);
        }

        if (plan.refused) {
                log_error("Image %s: not creating its users: the image is refused: %s", image.path, plan.refused);
                return EXIT_FAILURE;
        }
        if (!plan.users_unit) {
                printf("Image %s: no users to create (profile %s%s).\n", image.path, strna(plan.profile),
                       plan.sysusers.n_entries == 0 && !plan.sysusers.files ? "; dynamic users or no sysusers.d" : "");
                return 0;
        }

        for (size_t k = 0; k < plan.sysusers.n_entries; k++) {
                char *l = NULL;

                r = sysusers_entry_format(plan.sysusers.entries + k, &l);
                if (r < 0 || strv_consume(&lines, l) < 0)
                        return log_oom();
        }

        if (dry_run) {
                STRV_FOREACH(l, lines)
                        printf("%s\n", *l);
                return 0;
        }

        r = run_sysusers(&c, lines);
        if (r < 0)
                return EXIT_FAILURE;
        r = verify_applied(&c, &plan);
        if (r < 0)
                return EXIT_FAILURE;

        if (plan.sysusers_new) {
                _cleanup_free_ char *l = strv_join(plan.sysusers_new, ", ");

                /* For detach --clean: what was created here, and so may go with the image. */
                (void) users_record_add(c.root, image.name, plan.sysusers_new);
                log_info("Image %s: created %s.", image.path, strna(l));
                printf("Image %s: created %s.\n", image.path, strna(l));
        } else
                printf("Image %s: its users and groups exist already.\n", image.path);
        return 0;
}
