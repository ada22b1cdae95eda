/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "context.h"
#include "generator.h"
#include "image-discover.h"
#include "image-probe.h"
#include "kernel-cmdline.h"
#include "log.h"
#include "fileio.h"
#include "plan.h"
#include "plan-report.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

/* Raw images are mounted on directories below this one, in our own mount namespace: the host
 * never sees those mounts. The directory itself is removed when we are done. */
#define MOUNT_BASE_TEMPLATE "/run/systemd/portable-generator.XXXXXX"

/* multi-user.target.wants/UNIT in the output directory: started at boot. */
static void pull_in(int out_fd, const char *unit) {
        _cleanup_free_ char *link = strjoin("multi-user.target.wants/", unit), *target = strjoin(UNITDIR "/", unit);

        if (!link || !target) {
                log_oom();
                return;
        }
        if (mkdirat(out_fd, "multi-user.target.wants", 0755) < 0 && errno != EEXIST) {
                log_warning_errno(errno, "Failed to create multi-user.target.wants: %m");
                return;
        }
        if (symlinkat(target, out_fd, link) < 0 && errno != EEXIST)
                log_warning_errno(errno, "Failed to pull in %s: %m", unit);
}

int generator_run(const char *dest) {
        _cleanup_(context_done) Context ctx = { .root_fd = -EBADF };
        _cleanup_(portable_settings_done) PortableSettings global = PORTABLE_SETTINGS_NULL;
        _cleanup_(image_list_done) ImageList images = {};
        _cleanup_(planner_done) Planner planner = {};
        _cleanup_close_ int out_fd = -EBADF;
        _cleanup_(extract_cache_done) ExtractCache cache = { .dir_fd = -EBADF };
        _cleanup_free_ char *report = NULL;
        uint64_t budget;
        bool global_ok;
        int r;

        r = kernel_cmdline_portables_enabled();
        if (r == 0) {
                log_debug("Disabled on the kernel command line (systemd.portables=0), doing nothing.");
                return 0;
        }

        r = context_init(&ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to open the root directory: %m");

        out_fd = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (out_fd < 0)
                return log_error_errno(errno, "Failed to open output directory %s: %m", dest);

        r = portable_settings_load_global(&ctx, &global);
        if (r == -ENOMEM)
                return log_oom();
        global_ok = r >= 0;
        if (!global_ok)
                log_error("Global settings cannot be parsed: not attaching any image, since none can be attached as configured.");

        /* Listing the portables directories gets the time budget too: one on a file system that
         * stops answering is skipped, not waited for. */
        budget = global_ok ? portable_settings_time_budget_usec(&global) : TIME_BUDGET_USEC_DEFAULT;
        r = images_discover(&ctx, budget > 0 ? now_usec() + budget : 0, &images);
        if (r < 0)
                return r;
        /* From here on, a settings file or verity sidecar that is not in the portables
         * directories costs nothing to look for. */
        ctx.listing = &images.listing;

        r = extract_cache_open(&cache, !streq(ctx.root, "/"));
        if (r == -ENOMEM)
                return log_oom();

        r = planner_init(&planner, &ctx, global_ok ? &global : NULL, &images, MOUNT_BASE_TEMPLATE, &cache,
                         global_ok ? portable_settings_time_budget_usec(&global) : 0);
        if (r < 0)
                return r;
        planner.record_claims = true;
        planner.output_dir = dest;     /* the copies of image files (plan-etc.h) are named by it */

        for (size_t k = 0; k < images.n_images; k++) {
                _cleanup_(image_plan_done) ImagePlan plan = {};

                if (images.images[k].state != IMAGE_CANDIDATE)
                        continue;

                r = image_plan(&planner, images.images + k, &plan);
                if (r < 0) {
                        log_error_errno(r, "Failed to process image %s: %m", images.images[k].path);
                        continue;
                }

                (void) image_plan_write(&plan, out_fd, dest);
                if (plan_report_append(&plan, &report) < 0)
                        log_oom();
        }

        /* What was not attached, for the journal once it runs (plan-report.h). */
        if (report) {
                r = write_file_new_at(out_fd, PLAN_REPORT_FILE, report, 0644);
                if (r < 0)
                        log_warning_errno(r, "Failed to write %s/%s: %m", dest, PLAN_REPORT_FILE);
                else
                        pull_in(out_fd, "portables-report.service");
        }

        if (planner.deferred || images.incomplete) {
                /* portables-prepare.service reads the rest into the cache and reloads. */
                pull_in(out_fd, "portables-prepare.service");
                if (planner.deferred)
                        log_notice("%zu image(s) deferred to portables-prepare.service: the time budget is used up "
                                   "(it runs at boot, from portables refresh, or by hand).",
                                   strv_length(planner.deferred));
        } else
                (void) extract_cache_prune(&cache);

        /* /var not mounted yet (a separate file system, at boot): attach its images once it is. */
        if (host_exists(&ctx, "/var/lib/portables") == 0) {
                log_debug("/var/lib/portables does not exist (yet): pulling in portables-refresh.service.");
                pull_in(out_fd, "portables-refresh.service");
        }

        return 0;
}
