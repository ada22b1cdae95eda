/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Extensions= (settings.h): the extension images stacked on an image, as systemd's
 * ExtensionImages=/ExtensionDirectories= overlay stacks them at run time. Each is found (a name in
 * the portables directories, or an absolute path), opened as the image itself is (a directory, the
 * extraction cache, read in user space or mounted), and its extension-release file checked against
 * the image's os-release (extension-release.h). Any failure refuses the image: its services would
 * not start (systemd refuses a mismatched extension), or would run without what they expect. */

#include "env-file.h"
#include "extension-release.h"
#include "fileio.h"
#include "log.h"
#include "os-release.h"
#include "plan-internal.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"
#include "verity-policy.h"
#include "vpick.h"

void planned_extension_done(PlannedExtension *e) {
        e->name = mfree(e->name);
        discovered_image_done(&e->image);
        e->release = strv_free(e->release);
        e->release_path = mfree(e->release_path);
        verity_plan_done(&e->verity);
}

void extension_stack_done(ExtensionStack *s) {
        for (size_t k = 0; k < s->n_roots; k++)
                image_root_done(s->roots + k);
        s->roots = mfree(s->roots);
        s->n_roots = 0;
        s->layers = mfree(s->layers);
        s->fs = (ImageFS) { .fd = -EBADF };
}

static int refuse(ImagePlan *plan, int error, const char *what, const char *fmt, const char *a, const char *b) {
        _cleanup_free_ char *why = NULL;

        if (asprintf(&why, fmt, a, b) < 0)
                return -ENOMEM;
        errno = ERRNO_VALUE(error);
        return plan_refuse(plan, error, "extension %s (Extensions= in its settings): %s", what, why) < 0 ? -ENOMEM : 1;
}

/* A path systemd can be given in ExtensionImages= and ExtensionDirectories= as it is: those split
 * their words at whitespace and take options after a colon. */
static bool extension_path_is_safe(const char *p) {
        if (!string_is_printable(p))
                return false;
        for (const char *c = p; *c; c++)
                if (strchr(" \t:\"'\\;", *c))
                        return false;
        return true;
}

static int extension_find(Planner *p, ImagePlan *plan, const char *what, DiscoveredImage *ret) {
        ssize_t k;
        int r;

        if (what[0] == '/') {
                r = host_exists(p->ctx, what);
                if (r == -ENOMEM)
                        return r;
                if (r == 0)
                        return refuse(plan, ENOENT, what, "no such file or directory%s%s", "", "");
                r = image_from_path(p->ctx, what, ret);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENXIO)
                        return refuse(plan, r, what, "no such image%s%s", "", "");
                if (r < 0)
                        return refuse(plan, r, what, "not an image (a directory or a regular file NAME.raw)%s%s", "", "");
                return 0;
        }

        k = p->images ? image_list_find(p->images, what) : -1;
        if (k < 0)
                return refuse(plan, ENOENT, what, "not found in the portables directories%s%s", "", "");
        if (p->images->images[k].state == IMAGE_MASKED)
                return refuse(plan, ERFKILL, what, "masked (%s)%s", strna(p->images->images[k].reason), "");
        if (p->images->images[k].state == IMAGE_INVALID)
                return refuse(plan, EINVAL, what, "not usable: %s%s", strna(p->images->images[k].reason), "");

        r = discovered_image_copy(p->images->images + k, ret);
        return r < 0 ? -ENOMEM : 0;
}

static int open_refused(ImagePlan *plan, int r, const char *path) {
        char why[PLAN_OPEN_WHY_MAX];

        if (r == -ENOMEM)
                return r;
        return refuse(plan, r, path, "%s%s", plan_open_why(r, why), "");
}

typedef struct ExtensionPrefetch {
        Planner *p;
        const DiscoveredImage *image;
        VerityPolicy policy;
} ExtensionPrefetch;

/* In a child bounded by the time budget (image_root_prefetch()): the extension read into the
 * cache, as prefetch() in plan.c does for the image. 0 when stored; 1 when it is not for the cache
 * (its verity data refuses it); 2 on errors, which the parent sees again. Only under Verity=auto:
 * verified data the parent reads itself. */
static int extension_prefetch(void *userdata) {
        ExtensionPrefetch *f = userdata;
        ImageRoot root = IMAGE_ROOT_NULL;
        int r;

        assert(f->policy == VERITY_AUTO);       /* else the parent reads verified data itself */

        if (log_get_max_level() < LOG_DEBUG)
                log_set_max_level(LOG_ERR);
        extract_cache_write_through(f->p->cache);       /* the parent reads what we store */

        /* Its verity data first, as for the image: an extension it refuses is not read at all. */
        {
                _cleanup_(verity_plan_done) VerityPlan v = {};
                _cleanup_close_ int fd = image_file_open(f->p->ctx, f->image);
                RawProbe probe = {};

                if (fd < 0 || raw_image_probe(fd, f->image->path, &probe) < 0)
                        return 2;
                r = verity_plan_extension(f->p->ctx, f->image, fd, &probe, f->policy, f->p->kernel_verity, &v);
                if (r < 0)
                        return 2;
                if (v.refused)
                        return 1;
                r = image_root_open_probed(f->p->ctx, f->image, fd, &probe, &f->p->mount_base, f->p->cache, NULL, &root);
        }
        image_root_done(&root);
        return r < 0 ? 2 : 0;
}

/* Opened as the image itself is (plan.c): from the cache, else read in user space or, while the
 * time budget lasts, into the cache by a bounded child; its verity data decided on
 * (verity-policy.h) under the image's Verity= before anything is read from it; then read from
 * verified data only where that requires it. */
static int extension_open(Planner *p, ImagePlan *plan, PlannedExtension *e, ImageRoot *root) {
        const DiscoveredImage *i = &e->image;
        VerityPolicy policy = portable_settings_verity(&plan->settings);
        _cleanup_close_ int fd = -EBADF;
        const char *other = NULL;
        bool probed = false;
        int r;

        if (i->type == IMAGE_RAW && p->cache) {
                r = image_root_prefetch(p->ctx, i,
                                        &(const ImagePrefetch) {
                                                .cache = p->cache,
                                                .mounts = p->ctx->image_reader == IMAGE_READER_MOUNT ? NULL : planner_mounts(p),
                                                /* Verified data is read here: no child for it. */
                                                .budget_usec = policy == VERITY_AUTO && mount_base_usable(&p->mount_base) &&
                                                               now_usec() <= p->deadline_usec ? p->budget_usec : 0,
                                                .mount_base = &p->mount_base,
                                                .read_in_child = extension_prefetch,
                                                .userdata = &(ExtensionPrefetch) { .p = p, .image = i, .policy = policy },
                                        },
                                        root, &fd);
                if (r == -ETIMEDOUT)
                        return plan_defer(p, plan, "reading one of its extensions took longer than the time budget "
                                          "(TimeBudgetSec=): its file system does not answer");
                if (r < 0)
                        return r;
                probed = r > 0;
                if (root->cached || probed)
                        e->probe = root->probe;
        }

        /* As for the image itself: past the time budget nothing more is read (time-util.h); the
         * image waits for portables-prepare.service, which reads its extensions into the cache
         * too. */
        if (i->type == IMAGE_RAW && !root->cached && !probed && p->deadline_usec > 0 && now_usec() > p->deadline_usec)
                return plan_defer(p, plan, "the time budget for this reload is used up (its extensions)");

        /* A cached image whose file has nothing more to say is not opened: its sidecars are all
         * that is left to look at. */
        if (i->type == IMAGE_RAW && fd < 0 &&
            !(root->cached && !root->verity_xattrs && !root->probe.verity_sig.found && !root->probe.verity.found)) {
                fd = image_file_open(p->ctx, i);
                if (fd < 0)
                        return open_refused(plan, fd, i->path);
                if (!root->cached) {
                        r = raw_image_probe(fd, i->path, &e->probe);
                        if (r == -EMEDIUMTYPE && !isempty(e->probe.reason))
                                return refuse(plan, r, i->path, "not a usable image: %s%s", e->probe.reason, "");
                        if (r < 0)
                                return open_refused(plan, r, i->path);
                }
        }

        r = verity_plan_extension(p->ctx, i, fd, i->type == IMAGE_RAW ? &e->probe : NULL, policy, p->kernel_verity,
                                  &e->verity);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(plan, r, i->path, "its verity data cannot be read: %s%s", read_error_to_string(r), "");
        if (e->verity.refused)
                return refuse(plan, 0, i->path, "%s%s", e->verity.refused, "");
        /* ... by another image, or by this one or an extension below in its stack. */
        if (e->verity.mode == VERITY_MODE_SNAPSHOT) {
                if (plan->verity.mode == VERITY_MODE_SNAPSHOT && streq(plan->verity.root_image, e->verity.root_image))
                        other = plan->image->path;
                for (const PlannedExtension *x = plan->extensions; !other && x < e; x++)
                        if (x->verity.mode == VERITY_MODE_SNAPSHOT && streq(x->verity.root_image, e->verity.root_image))
                                other = x->image.path;
        }
        if (other || plan_snapshot_taken(p, &e->verity, i->path, &other))
                return refuse(plan, 0, i->path, "its verified copy would be %s, which is that of %s already (the "
                              "same file name)", e->verity.root_image, other);

        if (e->verity.verify_units) {
                _cleanup_free_ char *why = NULL;

                image_root_done(root);  /* not the cache: its content was read unverified */
                r = plan_open_verified(p, i, fd, &e->probe, policy, /* pin= */ NULL, /* bind_targets= */ NULL, root, &why);
                if (r > 0)
                        return refuse(plan, r, i->path, "%s%s", why, "");
        } else if (root->cached)
                return 0;
        else if (i->type == IMAGE_RAW)
                r = image_root_open_probed(p->ctx, i, fd, &e->probe, &p->mount_base, p->cache, NULL, root);
        else
                r = image_root_open(p->ctx, i, NULL, p->cache, NULL, root);
        return r < 0 ? open_refused(plan, r, i->path) : 0;
}

/* systemd >= 254: ExtensionImagePolicy= pins what was found in the raw ones, as RootImagePolicy=
 * does for the image (verity-policy.h). */
static int plan_extension_image_policy(Planner *p, ImagePlan *plan) {
        const VerityPlan *plans[EXTENSIONS_MAX];
        const RawProbe *probes[EXTENSIONS_MAX];
        size_t n = 0;

        assert(plan->n_extensions <= EXTENSIONS_MAX);

        if (planner_systemd_version(p) < IMAGE_POLICY_MIN_SYSTEMD)
                return 0;

        for (size_t k = 0; k < plan->n_extensions; k++)
                if (plan->extensions[k].image.type == IMAGE_RAW) {
                        plans[n] = &plan->extensions[k].verity;
                        probes[n++] = &plan->extensions[k].probe;
                }

        return verity_extension_image_policy(plans, probes, n, &plan->extension_image_policy);
}

int plan_extensions(Planner *p, ImagePlan *plan, const ImageFS *base, ExtensionStack *s) {
        char **names = plan->settings.extensions;
        size_t n = strv_length(names);
        int r;

        assert(p);
        assert(plan);
        assert(base);
        assert(s);

        s->fs = *base;
        if (n == 0)
                return 0;

        plan->extensions = calloc(n, sizeof(PlannedExtension));
        s->roots = calloc(n, sizeof(ImageRoot));
        s->layers = calloc(n + 1, sizeof(ImageFS));
        if (!plan->extensions || !s->roots || !s->layers)
                return -ENOMEM;
        s->layers[0] = *base;

        /* Found first, in the order given. */
        for (size_t k = 0; k < n; k++) {
                PlannedExtension *e = plan->extensions + k;

                plan->n_extensions = k + 1;
                e->name = strdup(names[k]);
                if (!e->name)
                        return -ENOMEM;

                r = extension_find(p, plan, names[k], &e->image);
                if (r != 0)
                        return r;
                if (streq(e->image.path, plan->image->path))
                        return refuse(plan, EINVAL, names[k], "that is the image itself%s%s", "", "");
                for (size_t j = 0; j < k; j++)
                        if (streq(plan->extensions[j].image.path, e->image.path))
                                return refuse(plan, EINVAL, names[k], "the same image as extension %s",
                                              names[j], "");
                if (!extension_path_is_safe(e->image.path))
                        return refuse(plan, EINVAL, e->image.path, "its path has a character ExtensionImages= cannot "
                                      "take (whitespace, quotes, a backslash, ':' or ';')%s%s", "", "");
        }

        /* Stacked as systemd 252 stacks them (src/core/namespace.c, append_extensions()): the
         * ExtensionImages= in their order on the image, then the ExtensionDirectories= in theirs
         * on top of all of those, wherever they were named. */
        for (size_t k = 1; k < n; k++)
                for (size_t j = k; j > 0 && plan->extensions[j - 1].image.type == IMAGE_DIRECTORY &&
                                   plan->extensions[j].image.type == IMAGE_RAW; j--) {
                        PlannedExtension t = plan->extensions[j - 1];
                        plan->extensions[j - 1] = plan->extensions[j];
                        plan->extensions[j] = t;
                }

        /* Then opened and checked, bottom to top. */
        for (size_t k = 0; k < n; k++) {
                PlannedExtension *e = plan->extensions + k;
                _cleanup_free_ char *reason = NULL;
                ImageFS fs;

                s->roots[k] = IMAGE_ROOT_NULL;
                s->n_roots = k + 1;

                r = extension_open(p, plan, e, s->roots + k);
                if (r != 0)
                        return r;
                fs = image_root_fs(s->roots + k);

                r = extension_release_read(&fs, e->image.filename, &e->release, &e->release_path);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        _cleanup_free_ char *f = extension_release_file_name(e->image.filename);
                        if (!f)
                                return -ENOMEM;
                        return refuse(plan, r, e->image.path,
                                      r == -ENOENT ? "it has no " EXTENSION_RELEASE_DIR "/%s (the extension-release file "
                                                     "named after the extension)%s" :
                                                     "its " EXTENSION_RELEASE_DIR "/%s cannot be read: %s",
                                      f, r == -ENOENT ? "" : read_error_to_string(r));
                }

                r = extension_release_check(e->release, plan->os_release, vpick_native_architecture(), &reason);
                if (r < 0)
                        return r;
                if (r > 0) {
                        _cleanup_free_ char *why = strjoin(e->release_path, ": ", reason, " (the base is ",
                                                           plan->os_release_path, ")");
                        if (!why)
                                return -ENOMEM;
                        return refuse(plan, 0, e->image.path, "its extension-release does not match: %s%s", why, "");
                }

                s->layers[k + 1] = fs;
                log_debug("Image %s: extension %s stacked (%s).", plan->image->path, e->image.path, e->release_path);
        }

        s->fs = (ImageFS) { .fd = -EBADF, .layers = s->layers, .n_layers = n + 1 };
        return plan_extension_image_policy(p, plan);
}
