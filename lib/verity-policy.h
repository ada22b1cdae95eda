/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "image-discover.h"
#include "image-probe.h"
#include "settings.h"
#include "verity-sidecar.h"

/* What an image's verity data means for its units: attach or refuse, and what the units' drop-in
 * says so that systemd enforces verity at start.
 *
 *   Verity=auto    verity data is used where it is complete; an image without any is attached as is
 *   Verity=yes     root hash and hash tree required
 *   Verity=signed  and a root hash signature, from a key trusted in /etc/verity.d & co
 *   (always)       malformed or half-present verity data refuses the image (systemd would fail the
 *                  service at start anyway), and a present signature must be checkable
 *
 * Two ways to enforce it at start:
 *
 *   VERITY_MODE_KERNEL    the kernel has dm-verity: RootHash=, RootVerity=, RootHashSignature= are
 *                         written explicitly (for GPT images, RootHash= only: systemd finds the
 *                         verity and verity-sig partitions itself), RootImage= is the image.
 *   VERITY_MODE_SNAPSHOT  no device-mapper or dm-verity (systemd 252 would fail the service with
 *                         "Cannot initialize device-mapper", 226/NAMESPACE, since it picks up the
 *                         sidecars and verity partitions by itself): the unit requires
 *                         portables-verify@<image path>.service, which verifies the image in
 *                         userspace and writes exactly the verified data region, as a bare file
 *                         system without any verity sidecar, to VERITY_SNAPSHOT_DIR/<image file
 *                         name>; RootImage= points there. The generator pins the root hash it
 *                         checked with a drop-in for that unit ($PORTABLES_VERIFY_EXPECT_ROOT_HASH). */

#define VERITY_SNAPSHOT_DIR "/run/portables-verified"
#define VERITY_VERIFY_UNIT_TEMPLATE "portables-verify@.service"
#define VERITY_KERNEL_ENV "PORTABLES_VERITY_KERNEL"     /* "yes"/"no": override the kernel check */

/* 1 if the kernel can activate dm-verity (device-mapper and the verity target loaded, built in, or
 * loadable as modules of the running kernel), 0 if not. Reads /proc and /sys below the context
 * root (so tests can fake them); $PORTABLES_VERITY_KERNEL overrides. */
int verity_kernel_supported(const Context *c);

typedef enum VerityMode {
        VERITY_MODE_NONE,               /* no verity data: plain RootImage= */
        VERITY_MODE_KERNEL,
        VERITY_MODE_SNAPSHOT,
        _VERITY_MODE_MAX,
} VerityMode;

typedef struct VerityPlan {
        VerityMode mode;
        char *refused;                  /* not attached, why (one phrase, for "Image X not attached: %s") */
        bool verify_units;              /* units must be read from verified data (Verity=yes/signed):
                                         * see verity_check_image_to_memfd() */
        char *root_image;               /* host path for RootImage= (the image, or the snapshot) */
        char *unit_text;                /* lines for [Unit] of 20-portable.conf, or NULL */
        char *service_text;             /* lines for [Service] of 20-portable.conf (after RootImage=), or NULL */
        char *verify_unit;              /* SNAPSHOT: "portables-verify@<escaped path>.service" */
        char *verify_dropin_name;       /* SNAPSHOT: "<verify_unit>.d/20-portable.conf", written with the plan */
        char *verify_dropin_text;
        VerityData data;
} VerityPlan;

void verity_plan_done(VerityPlan *p);

/* Decides for raw or directory image i with probe (NULL for directories) under policy and the root
 * hash pin (NULL: none; verity-pin.h), with kernel_verity from verity_kernel_supported(). image_fd: the image file open for reading (-1 for
 * directories). Does not verify the data itself (that is verity_check_image()), but checks the
 * signature where the policy needs it, so that a refused image is refused before anything is
 * mounted. Returns 0 with *ret filled (ret->refused set or not), <0 on OOM/I/O errors. */
int verity_plan(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                VerityPolicy policy, const VerityPin *pin, bool kernel_verity, VerityPlan *ret);

/* What of p systemd (systemd_version, 0 unknown) will not enforce at start with dm-verity: a /usr
 * root hash on an image that is one file system, and, before 255, one that only a usr-verity-sig
 * partition gives. Under Verity=auto p becomes VERITY_MODE_NONE, else it is refused. 0 or -ENOMEM. */
int verity_plan_check_start(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe, VerityPolicy policy,
                            int systemd_version);

/* systemd >= 254 checks RootImage= against RootImagePolicy= (systemd.image-policy(7)) when it mounts it;
 * like upstream portable (v260: image_policy_new_from_dissected()), the plan pins what was found,
 * so that systemd itself refuses an image swapped for one with less protection between the reload
 * and the start: for the root (or usr) partition "signed" (a signature checked), "verity"
 * (dm-verity in the kernel), "unprotected" (no verity data, or the verified copy of
 * VERITY_MODE_SNAPSHOT, a bare file system), other partitions "unused+absent". Appends
 * "RootImagePolicy=..." to p->service_text, for raw images that are attached. 0 or -ENOMEM. */
#define IMAGE_POLICY_MIN_SYSTEMD 254

int verity_plan_add_image_policy(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe);

/* As verity_plan() without a pin, for extension image i (ExtensionImages=, plan-extensions.c).
 * systemd has no unit setting for an extension's root hash, hash tree or signature: with dm-verity
 * it uses what it finds itself at start, and not a usr partition's (before 255) nor a root hash
 * from the partition UUIDs. So under Verity=auto, VERITY_MODE_KERNEL is what systemd will use
 * (the texts say so and set nothing), and what it would not use is no root hash; under yes and
 * signed, and without dm-verity, the extension is VERITY_MODE_SNAPSHOT: the unit requires its
 * portables-verify@.service (pinned to the root hash, with policy yes) and root_image is the
 * verified copy, for ExtensionImages=; a usr-only extension is refused there. unit_text goes to
 * [Unit], service_text to [Service]. */
int verity_plan_extension(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                          VerityPolicy policy, bool kernel_verity, VerityPlan *ret);

/* "ExtensionImagePolicy=...\n" for the n raw extension images of a unit as plans[] and probes[]
 * found them (as RootImagePolicy= above; systemd takes one policy for all of a unit's extension
 * images: each partition gets the flags of every extension that has it, and "absent" too when one
 * has not). *ret NULL when n is 0. 0 or -ENOMEM. */
int verity_extension_image_policy(const VerityPlan *const *plans, const RawProbe *const *probes, size_t n,
                                  char **ret);

/* systemd-escape --path: "/var/lib/portables/foo.raw" -> "var-lib-portables-foo.raw". */
char *unit_name_path_escape(const char *path);
