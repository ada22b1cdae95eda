/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "context.h"
#include "extract-cache.h"
#include "image-discover.h"

/* Reads a raw image that is not in the extraction cache into it, in a child process given at most
 * timeout_usec: an image on a stalled network file system (or a FUSE server that does not answer)
 * hangs that child in open(), read() or mount(), never the caller. The child opens, probes and
 * mounts the image (below mount_base, in the caller's mount namespace) and stores what the
 * planner needs; the caller then finds it with extract_cache_lookup().
 *
 * 0 when the child stored an entry; -ETIMEDOUT when it did not finish in time (it is killed and
 * left to whoever reaps it: a process stuck in the kernel may not die at once); another negative
 * errno when the child failed (the caller reads the image itself to say why, which is quick when
 * it fails quickly). */
int image_prefetch(const Context *c, const DiscoveredImage *i, const char *mount_base, ExtractCache *cache,
                   char *const *required_paths, uint64_t timeout_usec);
