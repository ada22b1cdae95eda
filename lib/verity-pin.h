/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "context.h"
#include "image-discover.h"
#include "image-probe.h"
#include "verity-sidecar.h"

/* Root hashes that an image with a hash tree does not carry itself (no NAME.roothash, no xattr, no
 * verity-sig partition), in this order:
 *
 *   pin     RootHash= in NAME.portable, or `portables verify --expect-root-hash=` (VerityPin): the
 *           image must have exactly this root hash. An image with a root hash of its own that is
 *           another one is refused (VerityData.pin_mismatch); one without is given the pin.
 *   UUIDs   systemd-repart, building a GPT image with Verity=, sets the data partition's UUID to the
 *           first 128 bits of the root hash and the verity partition's UUID to the last 128 bits
 *           (repart.c, both in byte order as the UUID string reads, SD_ID128_TO_UUID_STRING); for a
 *           sha256 hash that is all of it, as systemd 258's dissected_image_guess_verity_roothash()
 *           reads it back. This is integrity, not authenticity: anyone who can change the image can
 *           change its UUIDs too. Verity=signed still needs a signature.
 *
 * Either is only a hint: it is used only if the hash tree's top block hashes to it
 * (verity_tree_root_hash()); the data is verified against it afterwards, as for any root hash. */

/* The root hash systemd-repart encoded in the two partition UUIDs (lowercase with dashes, as
 * RawRegion.uuid), into ret (32 bytes). 0, or -EINVAL if either is not a UUID or is all zero. */
int verity_root_hash_from_uuids(const char *data_uuid, const char *verity_uuid, uint8_t ret[static 32]);

/* Part of verity_data_find() (verity-sidecar.h), after everything the image carries was found:
 * compares d's root hash with pin, or, without one, gives d the pin's or the UUIDs' root hash as
 * described above. image_fd must be readable (not O_PATH) or -EBADF (then nothing is derived).
 * 0, or <0 on OOM and I/O errors. */
int verity_data_apply_hints(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                            const VerityPin *pin, VerityData *d);
