/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "context.h"
#include "generator.h"
#include "image-discover.h"
#include "image-raw.h"
#include "kernel-cmdline.h"
#include "log.h"
#include "plan.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

/* Raw images are mounted on directories below this one, in our own mount namespace: the host
 * never sees those mounts. The directory itself is removed when we are done. */
#define MOUNT_BASE_TEMPLATE "/run/systemd/portable-generator.XXXXXX"

static bool has_raw_candidates(const ImageList *l) {
        for (size_t k = 0; k < l->n_images; k++)
                if (l->images[k].state == IMAGE_CANDIDATE && l->images[k].type == IMAGE_RAW)
                        return true;
        return false;
}

int generator_run(const char *dest) {
        _cleanup_(context_done) Context ctx = { .root_fd = -EBADF };
        _cleanup_(portable_settings_done) PortableSettings global = PORTABLE_SETTINGS_NULL;
        _cleanup_(image_list_done) ImageList images = {};
        _cleanup_(planner_done) Planner planner = {};
        _cleanup_close_ int out_fd = -EBADF;
        _cleanup_free_ char *mount_base = NULL;
        _cleanup_(extract_cache_done) ExtractCache cache = { .dir_fd = -EBADF };
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

        r = images_discover(&ctx, &images);
        if (r < 0)
                return r;

        if (has_raw_candidates(&images)) {
                r = mount_namespace_private();
                if (r < 0)
                        log_error_errno(r, "Failed to set up a private mount namespace, raw images cannot be attached: %m");
                else {
                        mount_base = strdup(MOUNT_BASE_TEMPLATE);
                        if (!mount_base)
                                return log_oom();
                        (void) mkdir("/run/systemd", 0755);
                        if (!mkdtemp(mount_base)) {
                                log_error_errno(errno, "Failed to create a directory to mount raw images on: %m");
                                mount_base = mfree(mount_base);
                        }
                }
        }

        r = extract_cache_open(&cache, !streq(ctx.root, "/"));
        if (r == -ENOMEM)
                return log_oom();

        budget = global_ok ? portable_settings_time_budget_usec(&global) : 0;
        planner = (Planner) {
                .ctx = &ctx,
                .cache = &cache,
                .deadline_usec = budget > 0 ? now_usec() + budget : 0,
                .global = global_ok ? &global : NULL,
                .mount_base = mount_base,
                .kernel_verity = verity_kernel_supported(&ctx) > 0,
                .host_has_etc_os_release = host_exists(&ctx, "/etc/os-release") > 0,
                .host_has_usr_os_release = host_exists(&ctx, "/usr/lib/os-release") > 0,
        };

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
        }

        if (mount_base && rmdir(mount_base) < 0)
                log_debug_errno(errno, "Failed to remove %s: %m", mount_base);

        if (planner.deferred) {
                /* Let the helper extract the rest (it fills the cache) and reload. */
                r = symlinkat(UNITDIR "/portables-refresh.service", out_fd, "multi-user.target.wants/portables-refresh.service");
                if (r < 0 && (errno != ENOENT || mkdirat(out_fd, "multi-user.target.wants", 0755) < 0 ||
                              symlinkat(UNITDIR "/portables-refresh.service", out_fd,
                                        "multi-user.target.wants/portables-refresh.service") < 0) && errno != EEXIST)
                        log_warning_errno(errno, "Failed to pull in portables-refresh.service for the deferred images: %m");
                log_notice("%zu image(s) deferred to portables-refresh.service: the time budget is used up.",
                           strv_length(planner.deferred));
        } else
                (void) extract_cache_prune(&cache);

        return 0;
}
