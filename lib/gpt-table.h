/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A GUID Partition Table, read as libblkid's gpt prober reads it (util-linux 2.38,
 * libblkid/src/partitions/gpt.c, the version systemd 252 on Debian 12 uses), so that an image has
 * the same partitions for us as for systemd, which dissects it with libblkid; a differential fuzz
 * target (test/fuzz/fuzz-gpt-table.c) holds the two to the same result. The rules, all of them
 * libblkid's:
 *
 *  - a protective MBR is required: 0x55 0xAA at 510 and a partition of type 0xEE among the four;
 *  - the header at LBA 1, else (only if that one is invalid) the backup at the last LBA, is valid
 *    when: signature "EFI PART"; 92 <= HeaderSize <= sector size (the revision is not checked);
 *    its CRC32 over HeaderSize bytes with the CRC field taken as zero matches; MyLBA is where it
 *    was read; FirstUsableLBA <= LastUsableLBA <= last LBA; the header is not inside the usable
 *    range; the entry size is 128 and count × size is neither 0 nor >= 4 GiB (nor above the
 *    2 GiB - 4 KiB that libblkid's single read() of it can return on Linux); the entry array
 *    (at PartitionEntryLBA × sector size, wrapping at 2^64 as libblkid's does) lies within the
 *    device and its CRC32 matches;
 *  - entry i is partition number i + 1; an entry with an all-zero type GUID, or with a start
 *    before FirstUsableLBA or an end after LastUsableLBA, is no partition (its number is skipped);
 *  - sectors are 512 bytes for regular files and the logical sector size for block devices (the
 *    caller says which); partition start and size are reported in 512-byte units as libblkid
 *    does, size being End - Start + 1 with libblkid's wrap-around (so it can be 0 or huge: callers
 *    check it against the image);
 *  - UUIDs are printed lowercase; the name is UTF-16LE turned into UTF-8 exactly as libblkid's
 *    ul_encode_to_utf8() does (into 128 bytes, NUL-terminated), trailing whitespace trimmed.
 *
 * Everything is read through a pread-like callback, bounded by the device size: 512 bytes of MBR,
 * one sector of header, the entry array in chunks of GPT_READ_CHUNK bytes (never allocated whole,
 * though libblkid accepts up to 4 GiB of it, only streamed twice: once for its CRC, once for the
 * partitions). */

#define GPT_READ_CHUNK (16U * 1024U)
#define GPT_LABEL_MAX 128U

/* Reads exactly size bytes at offset (within the device size given, which the reader checks
 * first) into buf; 0 or negative errno. */
typedef int (*GptReadFunc)(void *userdata, void *buf, size_t size, uint64_t offset);

typedef struct GptPartition {
        int partno;                     /* 1 + the index of its entry, as libblkid numbers */
        uint8_t type[16];               /* type GUID, in UUID (big endian) byte order */
        uint8_t uuid[16];               /* unique partition GUID, ditto */
        char type_string[37];           /* lowercase, as blkid_partition_get_type_string() */
        char uuid_string[37];           /* lowercase, as blkid_partition_get_uuid() */
        char label[GPT_LABEL_MAX];      /* UTF-8, "" if none: blkid_partition_get_name() gives NULL */
        uint64_t start;                 /* 512-byte sectors */
        uint64_t size;                  /* 512-byte sectors */
        uint64_t flags;                 /* the attribute bits */
} GptPartition;

typedef struct GptTable {
        uint32_t sector_size;
        uint64_t header_lba;            /* 1, or the last LBA when the backup header was used */
        uint8_t disk_guid[16];          /* UUID byte order */
        uint64_t first_usable_lba, last_usable_lba;
        uint64_t entries_offset;        /* bytes (PartitionEntryLBA × sector size, mod 2^64) */
        uint32_t n_entries;
        uint32_t entries_crc32;
} GptTable;

/* Entry arrays larger than this (8192 entries; sfdisk makes 128) are not read: -E2BIG. */
#define GPT_ENTRIES_SIZE_MAX (1024U * 1024U)

/* Looks for a GPT on a device of device_size bytes with sectors of sector_size bytes (512, or a
 * block device's logical sector size: a power of two from 512 to 65536, else -EINVAL). Returns 1
 * and fills *ret if there is a valid one, 0 if libblkid's gpt prober would find none, -E2BIG for
 * an entry array larger than GPT_ENTRIES_SIZE_MAX, or a negative errno from read(). */
int gpt_table_read(GptReadFunc read, void *userdata, uint64_t device_size, uint32_t sector_size, GptTable *ret);

/* Calls f for each partition of t (a table gpt_table_read() returned 1 for), in entry order; stops
 * at the first negative return of f and returns it. The entries are read again and their CRC
 * checked again: -EBADMSG if the file changed in between (f may have been called for some). */
typedef int (*GptPartitionFunc)(void *userdata, const GptPartition *p);
int gpt_table_foreach_partition(const GptTable *t, GptReadFunc read, void *userdata, GptPartitionFunc f, void *f_userdata);
