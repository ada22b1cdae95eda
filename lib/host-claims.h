/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "extract-cache.h"

/* Which image a host directory below /run belongs to.
 *
 * The service manager creates /run/NAME on the host for an image's units (RuntimeDirectory=,
 * the parents of a socket's path) and later hands it to them (it chowns a runtime directory to
 * the service's user and removes it when the service stops; it unlinks whatever is at a socket's
 * path). An image may only have a /run/NAME that is not the host's. Once created it looks like
 * any other host directory, so when an image is first planned with /run/NAME missing, the
 * generator records the claim ("claim-run-NAME" in the extraction cache directory, holding the
 * image's name); later reloads accept /run/NAME for the image that claimed it, also after an
 * upgrade to another version, and for no other. /run and the cache are both cleared at boot.
 * (Names the host will use although they do not exist yet, the base system's and those of host
 * services, are refused before this is asked: plan.c.) */

typedef struct HostClaims {
        const Context *ctx;
        ExtractCache *cache;    /* NULL or unusable: claims are neither read nor recorded */
        bool record;            /* the generator records claims; `portables inspect` only reads */
        char *const *images;    /* the names of the images of this run: their claims hold */
        char ***claimed;        /* "NAME IMAGE" for the claims of this run (in memory) */
} HostClaims;

/* 1 if image may use /run/name (recording the claim if it is new), 0 if the host has it or
 * another image claimed it (in this run, or before and that image is still there), <0 on errors.
 * name is one path component. */
int host_claim_run_dir(const HostClaims *c, const char *image, const char *name);

/* For StateDirectory= and friends of images with a dynamic user: 1 if base/name is missing on
 * the host or is the "private/NAME" symlink systemd makes for a dynamic user's directory, else 0. */
int host_state_dir_usable(const Context *ctx, const char *base, const char *name);
