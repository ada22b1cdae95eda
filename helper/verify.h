/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables verify [OPTIONS] IMAGE...`: full userspace verification of raw images, their data
 * against the dm-verity hash tree and their root hash signature against /etc/verity.d & co.
 * argv[0] is the verb. IMAGE is a path (anything with a "/") or an image name or file name looked
 * up in the portables directories.
 *
 * Options (also from the environment, for the portables-verify@.service template):
 *   --policy=auto|yes|signed     $PORTABLES_VERIFY_POLICY; default: the image's Verity= setting
 *   --snapshot-dir=DIR           $PORTABLES_VERIFY_SNAPSHOT_DIR; write the verified data region of an
 *                                intact image to DIR/<image file name> (mode 0400, replaced atomically)
 *   --remove-snapshot            remove DIR/<image file name> again (ExecStop=)
 *   --expect-root-hash=HEX       $PORTABLES_VERIFY_EXPECT_ROOT_HASH; fail unless the image's root
 *                                hash is this one (the one its units were attached with): a pin
 *                                (verity-pin.h), as the image's RootHash= is without it; an image
 *                                with only a hash tree is verified against it
 *   -q --quiet                   print nothing on success
 *
 * Exit status (the worst over all images): 0 intact, 1 failure (usage, I/O, not found),
 * 2 corrupted (data or hash tree; the message names the offset), 3 unsigned (Verity=signed),
 * 4 signed by an untrusted key or the signature does not match, 5 malformed verity data
 * (sidecar, superblock, signature JSON or PKCS#7), 6 no verity data, 7 root hash differs from
 * the pin (--expect-root-hash=, RootHash=). */

#include "verity-check.h"

#define VERIFY_EXIT_CHANGED VERIFY_EXIT_MISMATCH

int verb_verify(int argc, char **argv);
