/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "image-open.h"
#include "kernel-cmdline.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "scan.h"
#include "string-util.h"
#include "strv.h"

/* Our own directory, not the generator's: both may run at once. */
#define MOUNT_BASE_TEMPLATE "/run/systemd/portables-helper.XXXXXX"

static const char *const image_status_table[_STATUS_MAX] = {
        [STATUS_ATTACHED] = "attached",
        [STATUS_REFUSED] = "refused",
        [STATUS_MASKED] = "masked",
        [STATUS_SHADOWED] = "shadowed",
        [STATUS_INVALID] = "invalid",
        [STATUS_NOT_INSPECTED] = "not-inspected",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(image_status, ImageStatus);

void scan_done(Scan *s) {
        for (size_t k = 0; k < s->n_items; k++) {
                if (s->items[k].planned)
                        image_plan_done(&s->items[k].plan);
                free(s->items[k].verity_data);
        }
        s->items = mfree(s->items);
        s->n_items = 0;
        planner_done(&s->planner);
        extract_cache_done(&s->cache);
        image_list_done(&s->images);
        portable_settings_done(&s->global);
        context_done(&s->ctx);
}

/* A path given on the command line: an image the generator does not see, planned last. */
static int add_extra_image(Scan *s, const char *path) {
        _cleanup_(discovered_image_done) DiscoveredImage i = {};
        DiscoveredImage *n;
        int r;

        r = image_from_path(&s->ctx, path, &i);
        if (r < 0)
                return r;

        /* In a portables directory after all: the generator sees it, nothing to add. */
        for (size_t k = 0; k < s->images.n_images; k++)
                if (streq(s->images.images[k].path, i.path))
                        return 0;

        n = reallocarray(s->images.images, s->images.n_images + 1, sizeof(DiscoveredImage));
        if (!n)
                return log_oom();
        s->images.images = n;
        s->images.images[s->images.n_images++] = TAKE_STRUCT(i);
        return 0;
}

static bool sidecar_exists(const Scan *s, const DiscoveredImage *i, const char *stem, const char *suffix) {
        _cleanup_free_ char *p = strjoin(i->dir, "/", stem, suffix);
        return p && host_exists(&s->ctx, p) > 0;
}

/* What verity data the image carries: GPT verity partitions, or the sidecar files next to it that
 * systemd looks for (NAME.roothash/.usrhash with NAME.verity, signatures in .p7s). */
static int probe_image(Scan *s, ScannedImage *si) {
        DiscoveredImage *i = si->image;
        const char *v;

        if (i->type == IMAGE_DIRECTORY)
                v = "n/a";
        else {
                _cleanup_close_ int fd = image_file_open(&s->ctx, i);
                _cleanup_free_ char *stem = NULL;
                const char *e;

                if (fd >= 0 && raw_image_probe(fd, i->path, &si->probe) >= 0)
                        si->probed = true;

                e = endswith(i->filename, ".raw");
                stem = e ? strndup(i->filename, e - i->filename) : strdup(i->filename);
                if (!stem)
                        return -ENOMEM;

                if (si->probed && si->probe.format == RAW_FORMAT_GPT)
                        v = si->probe.verity_sig.found ? "verity+signature" :
                            si->probe.verity.found ? "verity" : "none";
                else if ((sidecar_exists(s, i, stem, ".roothash") || sidecar_exists(s, i, stem, ".usrhash")) &&
                         sidecar_exists(s, i, stem, ".verity"))
                        v = (sidecar_exists(s, i, stem, ".roothash.p7s") ||
                             sidecar_exists(s, i, stem, ".usrhash.p7s")) ? "verity+signature" : "verity";
                else if (si->probed)
                        v = "none";
                else
                        v = "unknown";
        }

        si->verity_data = strdup(v);
        return si->verity_data ? 0 : -ENOMEM;
}

int scan_run(Scan *s, const char *extra_path) {
        int r;

        r = context_init_root(&s->ctx, arg_root ?: getenv(PORTABLES_ROOT_ENV));
        if (r < 0)
                return log_error_errno(r, "Failed to open the root directory %s: %m",
                                       arg_root ?: strempty(getenv(PORTABLES_ROOT_ENV)));

        r = kernel_cmdline_portables_enabled();
        s->disabled = r == 0;

        r = portable_settings_load_global(&s->ctx, &s->global);
        if (r == -ENOMEM)
                return log_oom();
        s->global_ok = r >= 0;
        if (s->global_ok && s->profile_override && free_and_strdup(&s->global.profile, s->profile_override) < 0)
                return log_oom();
        if (!s->global_ok)
                log_error("Global settings cannot be parsed: the generator attaches no image.");

        r = images_discover(&s->ctx, 0, &s->images);
        if (r < 0)
                return r;

        if (extra_path) {
                r = add_extra_image(s, extra_path);
                if (r < 0)
                        return r;
        }

        /* Plans point into images[]: it does not change from here on. */
        s->items = calloc(s->images.n_images ?: 1, sizeof(ScannedImage));
        if (!s->items)
                return log_oom();
        s->n_items = s->images.n_images;
        for (size_t k = 0; k < s->n_items; k++) {
                ScannedImage *si = s->items + k;

                si->image = s->images.images + k;
                si->outside = si->image->dir_index == (unsigned) -1;
                switch (si->image->state) {
                case IMAGE_MASKED:
                        si->status = STATUS_MASKED;
                        break;
                case IMAGE_SHADOWED:
                        si->status = STATUS_SHADOWED;
                        break;
                case IMAGE_INVALID:
                        si->status = STATUS_INVALID;
                        break;
                default:
                        si->status = STATUS_REFUSED;
                }

                r = probe_image(s, si);
                if (r < 0)
                        return log_oom();
        }

        /* As the generator plans, with the same cache (a generator run may have filled it), but
         * without a time budget: the operator wants to see every image. */
        r = extract_cache_open(&s->cache, !streq(s->ctx.root, "/"));
        if (r == -ENOMEM)
                return log_oom();
        r = planner_init(&s->planner, &s->ctx, s->global_ok ? &s->global : NULL, &s->images,
                         geteuid() == 0 ? MOUNT_BASE_TEMPLATE : NULL, &s->cache, 0);
        if (r < 0)
                return r;

        /* In precedence order, exactly as generator_run(): earlier images claim units first. */
        for (size_t k = 0; k < s->n_items; k++) {
                ScannedImage *si = s->items + k;

                if (si->image->state != IMAGE_CANDIDATE)
                        continue;

                if (si->image->type == IMAGE_RAW && geteuid() != 0) {
                        si->status = STATUS_NOT_INSPECTED;
                        s->n_not_inspected++;
                        continue;
                }

                r = image_plan(&s->planner, si->image, &si->plan);
                if (r < 0)
                        return log_error_errno(r, "Failed to process image %s: %m", si->image->path);
                si->planned = true;
                si->status = si->plan.refused ? STATUS_REFUSED : STATUS_ATTACHED;
        }

        return 0;
}

ScannedImage *scan_find(Scan *s, const char *what) {
        /* items[] runs parallel to images.images[]. */
        ssize_t k = image_list_find(&s->images, what);

        return k < 0 ? NULL : s->items + k;
}

const char *scanned_image_type(const ScannedImage *i) {
        if (i->image->type == IMAGE_DIRECTORY)
                return "directory";
        if (i->probed)
                return raw_format_to_string(i->probe.format);
        return "raw";
}

const char *scanned_image_profile(const ScannedImage *i) {
        return i->planned ? i->plan.profile : NULL;
}

const char *scanned_image_reason(const ScannedImage *i) {
        switch (i->status) {
        case STATUS_NOT_INSPECTED:
                return "raw image, mounting it needs root";
        case STATUS_REFUSED:
                if (i->planned)
                        return i->plan.refused;
                if (i->image->state == IMAGE_CANDIDATE)
                        return "not planned";
                return i->image->reason;
        case STATUS_ATTACHED:
                return i->outside ? "not in a portables directory: shown as if it were in the last one" : NULL;
        default:
                return i->image->reason;
        }
}

int scanned_image_units(const ScannedImage *i, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        if (i->planned && !i->plan.refused)
                for (size_t k = 0; k < i->plan.n_units; k++)
                        if (!i->plan.units[k].skipped && strv_extend(&l, i->plan.units[k].name) < 0)
                                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}
