/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Transitional: lib/image-raw.[ch] became image-probe.[ch] (what is in a raw image) and
 * image-mount.[ch] (mounting it). Only image-open.h and extract-cache.h, rewritten elsewhere at the
 * same time, still include this; include image-probe.h or image-mount.h instead. */
#include "image-mount.h"
#include "image-probe.h"
