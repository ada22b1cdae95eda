/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"
#include "image-discover.h"
#include "image-probe.h"
#include "plan.h"
#include "settings.h"

/* One look at a root, as the generator takes it: discover the images, then plan every candidate
 * in precedence order with one Planner, so that cross-image conflicts come out exactly as in the
 * generator. Raw images are mounted in a private mount namespace (root only); when we are not
 * root they are left out ("not inspected") instead of failing. */

typedef enum ImageStatus {
        STATUS_ATTACHED,
        STATUS_REFUSED,
        STATUS_MASKED,
        STATUS_SHADOWED,
        STATUS_INVALID,
        STATUS_NOT_INSPECTED,   /* raw image, and we are not root */
        _STATUS_MAX,
} ImageStatus;

const char *image_status_to_string(ImageStatus s);

typedef struct ScannedImage {
        DiscoveredImage *image;
        bool outside;           /* given by path, not in a portables directory */
        ImageStatus status;
        bool planned;
        ImagePlan plan;         /* if planned */
        /* Raw images, probed without mounting (libblkid only, works unprivileged). */
        bool probed;
        RawProbe probe;
        char *verity_data;      /* "n/a", "none", "verity", "verity+signature", "unknown" */
} ScannedImage;

typedef struct Scan {
        Context ctx;
        PortableSettings global;
        bool global_ok;
        bool disabled;          /* systemd.portables=0 on the kernel command line */
        ImageList images;
        ScannedImage *items;    /* one per images.images[] */
        size_t n_items;
        Planner planner;
        ExtractCache cache;
        size_t n_not_inspected;
        const char *profile_override;   /* set before scan_run(): planned as if portable.conf said
                                         * Profile= so (attach --profile= asks before it writes) */
} Scan;

#define SCAN_NULL ((Scan) { .ctx = { .root_fd = -EBADF }, .global = PORTABLE_SETTINGS_NULL })

void scan_done(Scan *s);

/* Scans arg_root (else $PORTABLES_ROOT, else "/"). extra_path, if not NULL, is an image path (as
 * on the host, below the root) that is not in a portables directory: it is planned last, after
 * every image the generator sees, as if it were in a directory of the lowest precedence; -ENXIO if
 * it does not exist. */
int scan_run(Scan *s, const char *extra_path);

/* Finds an image by file name ("foo_1.raw"), stem ("foo_1"), name ("foo": the candidate for that
 * name, else its first entry), or host path. NULL if there is none. */
ScannedImage *scan_find(Scan *s, const char *what);

/* The image type as shown: "directory", the probed raw format ("squashfs", "gpt", ...), or "raw". */
const char *scanned_image_type(const ScannedImage *i);
/* The profile name, if planned that far. */
const char *scanned_image_profile(const ScannedImage *i);
/* The reason shown with the status, or NULL. */
const char *scanned_image_reason(const ScannedImage *i);
/* Names of the units the generator writes for this image (a strv, to free). */
int scanned_image_units(const ScannedImage *i, char ***ret);
