/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/stat.h>

#include <stdbool.h>
#include <stdint.h>

/* Raw images, probed (libblkid, and the superblocks read here): what is in the file, and which
 * region of it holds the file system to read. Mounting it: image-mount.h.
 *
 * A raw image is either a bare file system (squashfs, erofs, ext4, btrfs, xfs) or a GPT disk image
 * laid out by the Discoverable Partitions Specification, of which we use the root partition for
 * the host architecture, else its usr partition.
 *
 * Partition choice, as systemd's dissect-image.c (with DISSECT_IMAGE_GENERIC_ROOT, as portablectl):
 * partitions with the no-auto flag (bit 63) are ignored; a native root/usr beats the secondary
 * architecture's (x86 on x86-64, arm on arm64); among several of the same kind the newest version in
 * the partition label wins, the first one on a tie; without root or usr a single generic Linux
 * partition is used as root (several: -ENOTUNIQ). Verity or signature partitions without the
 * partition they belong to make the image unusable, as in systemd. */

typedef enum RawFormat {
        RAW_FORMAT_SQUASHFS,
        RAW_FORMAT_EROFS,
        RAW_FORMAT_EXT4,
        RAW_FORMAT_BTRFS,
        RAW_FORMAT_XFS,
        RAW_FORMAT_GPT,
        _RAW_FORMAT_MAX,
        _RAW_FORMAT_INVALID = -22,
} RawFormat;

const char *raw_format_to_string(RawFormat f);
/* The file systems we mount, by their libblkid names (which are also the kernel's);
 * _RAW_FORMAT_INVALID for anything else (and "gpt"). */
RawFormat raw_format_from_fstype(const char *s);

/* A region of the image file (a partition, or the whole file). */
typedef struct RawRegion {
        bool found;
        uint64_t offset;        /* bytes */
        uint64_t size;          /* bytes */
        char uuid[37];          /* partition UUID, lowercase, "" for the whole file */
} RawRegion;

typedef struct RawProbe {
        RawFormat format;
        char fstype[16];        /* file system to mount: "squashfs", "erofs", "ext4", ... */
        bool usr_only;          /* GPT without root partition: the usr partition is mounted at /usr */
        RawRegion data;         /* the file system to mount */
        /* GPT only: the matching verity partitions, when present (Discoverable Partitions Spec). */
        RawRegion verity;       /* root-verity or usr-verity */
        RawRegion verity_sig;   /* root-verity-sig or usr-verity-sig */
        char reason[192];       /* after -EMEDIUMTYPE: why the image is not usable, one phrase */
} RawProbe;

/* Probes the image open at fd (any open mode, O_PATH too: the file is only read). path is for log
 * messages. Returns 0, or -EMEDIUMTYPE (no usable file system or partition; logged at debug level
 * with the reason), -ENOTUNIQ (several generic Linux partitions and nothing else), or another
 * negative errno (I/O, memory). Never blocks: fd must be a regular file or block device. A bare file
 * system gets data = { offset 0, size of the file, uuid "" }. Sizes in the image are checked: a
 * partition must lie within the file and the file system size its superblock claims must fit its
 * region (so a truncated image is refused here, not at mount time). */
int raw_image_probe(int fd, const char *path, RawProbe *ret);
/* The same for fd open for reading, a regular file or block device, whose fstat() st is: saves
 * the two system calls that check that. */
int raw_image_probe_regular(int fd, const struct stat *st, const char *path, RawProbe *ret);
