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
#include "vpick.h"

void planned_extension_done(PlannedExtension *e) {
        e->name = mfree(e->name);
        discovered_image_done(&e->image);
        e->release = strv_free(e->release);
        e->release_path = mfree(e->release_path);
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

static int extension_open(Planner *p, ImagePlan *plan, const DiscoveredImage *e, ImageRoot *root) {
        int r;

        if (e->type == IMAGE_RAW && p->cache) {
                r = extract_cache_lookup(p->cache, e, NULL, &root->packed, &root->probe, &root->verity_xattrs);
                if (r < 0)
                        return r;
                if (r > 0) {
                        root->cached = true;
                        return 0;
                }
        }

        /* As for the image itself: past the time budget nothing more is read (time-util.h); the
         * image waits for portables-prepare.service, which reads its extensions into the cache
         * too. Unlike the image's, an extension not in the cache is read in this process, not in
         * a child bounded by the budget. */
        if (e->type == IMAGE_RAW && p->deadline_usec > 0 && now_usec() > p->deadline_usec)
                return plan_defer(p, plan, "the time budget for this reload is used up (its extensions)");

        r = image_root_open(p->ctx, e, e->type == IMAGE_RAW ? p->mount_base : NULL, p->cache, NULL, root);
        if (r == -ENOMEM)
                return r;
        if (r == -EMEDIUMTYPE)
                return refuse(plan, r, e->path, "not a usable image: no squashfs, erofs, ext4, btrfs or xfs file system, "
                              "and no GPT root or usr partition for this architecture%s%s", "", "");
        if (r == -EOPNOTSUPP)
                return refuse(plan, r, e->path, "raw images cannot be opened here%s%s", "", "");
        if (r < 0)
                return refuse(plan, r, e->path, "cannot be opened: %s%s", read_error_to_string(r), "");
        return 0;
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

        if (portable_settings_verity(&plan->settings) != VERITY_AUTO)
                return refuse(plan, EOPNOTSUPP, names[0], "Verity=%s is not implemented for extensions: they would be read "
                              "and run unverified%s", verity_policy_to_string(portable_settings_verity(&plan->settings)), "");

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

                r = extension_open(p, plan, &e->image, s->roots + k);
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
        return 0;
}
