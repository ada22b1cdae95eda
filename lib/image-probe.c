/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <systemd/sd-gpt.h>
#include <systemd/sd-id128.h>

#include "blkid-dl.h"
#include "fileio.h"
#include "gpt-table.h"
#include "image-probe.h"
#include "image-source.h"
#include "log.h"
#include "string-util.h"
#include "unaligned.h"
#include "version.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, sym_blkid_free_probe);

/* The reason an image is not usable: kept in probe->reason for the caller's one log line, logged
 * at debug level here; returns -EMEDIUMTYPE. */
#define refuse(probe, path, fmt, ...)                                                           \
        ({                                                                                      \
                (void) snprintf((probe)->reason, sizeof((probe)->reason), fmt, ##__VA_ARGS__);  \
                log_debug_errno(EMEDIUMTYPE, "%s: " fmt, strna(path), ##__VA_ARGS__);           \
        })

static const char *const raw_format_table[_RAW_FORMAT_MAX] = {
        [RAW_FORMAT_SQUASHFS] = "squashfs",
        [RAW_FORMAT_EROFS] = "erofs",
        [RAW_FORMAT_EXT4] = "ext4",
        [RAW_FORMAT_BTRFS] = "btrfs",
        [RAW_FORMAT_XFS] = "xfs",
        [RAW_FORMAT_GPT] = "gpt",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(raw_format, RawFormat);

RawFormat raw_format_from_fstype(const char *s) {
        assert(s);

        for (RawFormat f = 0; f < RAW_FORMAT_GPT; f++)
                if (streq(s, raw_format_table[f]))
                        return f;
        return _RAW_FORMAT_INVALID;
}

/* ---- Reading superblocks: the size a file system claims must fit its region ---- */

static int pread_full(int fd, void *buf, size_t n, uint64_t offset) {
        ssize_t l;

        if (offset > INT64_MAX)
                return -EFBIG;

        l = pread(fd, buf, n, (off_t) offset);
        if (l < 0)
                return -errno;
        if ((size_t) l != n)
                return -EIO; /* short read: the region ends inside the superblock */
        return 0;
}

/* Returns in *ret the number of bytes the file system starting at 'offset' says it occupies. libblkid
 * 2.38 has no FSSIZE for most types, hence the superblocks are read here; layouts as in the kernel. */
static int fs_claimed_size(int fd, RawFormat format, uint64_t offset, uint64_t *ret) {
        uint8_t sb[512];
        uint64_t n;
        int r;

        switch (format) {

        case RAW_FORMAT_SQUASHFS:
                /* struct squashfs_super_block: s_magic "hsqs" at 0, bytes_used at 40 */
                r = pread_full(fd, sb, 96, offset);
                if (r < 0)
                        return r;
                if (unaligned_read_le32(sb) != 0x73717368U)
                        return -EBADMSG;
                *ret = unaligned_read_le64(sb + 40);
                return 0;

        case RAW_FORMAT_EROFS: {
                /* struct erofs_super_block at 1024: magic at 0, blkszbits at 12, blocks at 36 */
                uint8_t bits;

                r = pread_full(fd, sb, 128, offset + 1024);
                if (r < 0)
                        return r;
                if (unaligned_read_le32(sb) != 0xE0F5E1E2U)
                        return -EBADMSG;
                bits = sb[12];
                if (bits < 9 || bits > 16)
                        return -EBADMSG;
                *ret = (uint64_t) unaligned_read_le32(sb + 36) << bits;
                return 0;
        }

        case RAW_FORMAT_EXT4: {
                /* struct ext4_super_block at 1024: s_blocks_count_lo at 0x04, s_log_block_size at 0x18,
                 * s_magic at 0x38, s_feature_incompat at 0x60 (0x80: 64bit), s_blocks_count_hi at 0x150 */
                uint8_t esb[1024];
                uint32_t log_bs;

                r = pread_full(fd, esb, sizeof(esb), offset + 1024);
                if (r < 0)
                        return r;
                if (unaligned_read_le16(esb + 0x38) != 0xEF53)
                        return -EBADMSG;
                log_bs = unaligned_read_le32(esb + 0x18);
                if (log_bs > 6) /* 64 KiB blocks at most */
                        return -EBADMSG;
                n = unaligned_read_le32(esb + 0x04);
                if (unaligned_read_le32(esb + 0x60) & 0x80)
                        n |= (uint64_t) unaligned_read_le32(esb + 0x150) << 32;
                if (__builtin_mul_overflow(n, UINT64_C(1024) << log_bs, ret))
                        return -EBADMSG;
                return 0;
        }

        case RAW_FORMAT_BTRFS:
                /* struct btrfs_super_block at 64 KiB: magic "_BHRfS_M" at 64, total_bytes at 112,
                 * num_devices at 136 */
                r = pread_full(fd, sb, 256, offset + 65536);
                if (r < 0)
                        return r;
                if (memcmp(sb + 64, "_BHRfS_M", 8) != 0)
                        return -EBADMSG;
                if (unaligned_read_le64(sb + 136) != 1)
                        return -EXDEV; /* multi-device file system: cannot be in one image */
                *ret = unaligned_read_le64(sb + 112);
                return 0;

        case RAW_FORMAT_XFS:
                /* struct xfs_dsb (big endian) at 0: magic "XFSB", sb_blocksize at 4, sb_dblocks at 8,
                 * sb_logstart at 48 (0: external log, which an image cannot carry) */
                r = pread_full(fd, sb, 64, offset);
                if (r < 0)
                        return r;
                if (unaligned_read_be32(sb) != 0x58465342U)
                        return -EBADMSG;
                if (unaligned_read_be64(sb + 48) == 0)
                        return -EXDEV;
                if (__builtin_mul_overflow(unaligned_read_be64(sb + 8), (uint64_t) unaligned_read_be32(sb + 4), ret))
                        return -EBADMSG;
                return 0;

        default:
                return -EINVAL;
        }
}

/* ---- libblkid ---- */

/* What blkid_probe_region() asks libblkid for. */
typedef enum ProbeMode {
        /* The whole image: is it a single file system? Superblocks of usage "filesystem" or "crypto"
         * only, no partitions: exactly what systemd's dissect-image.c (v252 and newer) decides on,
         * which takes the image as one file system when USAGE is one of those two and else looks at
         * the partition table (read by gpt-table.c). Measured on the 100 GPT images of bench/run
         * (3 MiB disks, a squashfs root partition; libblkid 2.38.1, page cache warm), read()+lseek()
         * pairs per image and time for the 100:
         *   all superblocks + partitions chain (before)      51 pairs   41 ms
         *   usage filesystem|crypto, no partitions            24 pairs   9-12 ms
         *   only squashfs, erofs, ext4, btrfs, xfs              3 pairs   1.3 ms
         * The five-type filter would be cheaper still, but it does not see what else systemd takes
         * for the single file system of the image (vfat, iso9660 of a hybrid ISO that also has a
         * GPT, LUKS, ...): we would plan from a GPT partition where systemd mounts something else.
         * The decision must stay systemd's, so the usage filter. What it leaves out (RAID members,
         * LVM, swap, bcache...) libblkid no longer reports as ambiguous here, but systemd refuses
         * such images itself at start: a start can fail, never read other data than planned. */
        PROBE_WHOLE_IMAGE,
        /* The whole image, partition tables only (all types): after gpt-table.c found no GPT, for the
         * refusal message ("'dos' partition table...") and the labels libblkid reads before GPT. */
        PROBE_PARTITION_TABLE,
        /* A data partition: only the five file systems we mount (2-3 reads instead of 26); their
         * ambiguity is still refused. */
        PROBE_DATA,
        /* A data partition without any of the five: all superblocks, for the refusal message. */
        PROBE_ANY_FS,
} ProbeMode;

static int blkid_probe_region(int fd, uint64_t offset, uint64_t size, ProbeMode mode, blkid_probe *ret) {
        static const char *const data_types[] = { "squashfs", "erofs", "ext4", "btrfs", "xfs", NULL };
        _cleanup_(sym_blkid_free_probep) blkid_probe b = NULL;
        bool superblocks = mode != PROBE_PARTITION_TABLE, partitions = mode == PROBE_PARTITION_TABLE;
        int r;

        if (offset > INT64_MAX || size > INT64_MAX)
                return -EFBIG;

        errno = 0;
        b = sym_blkid_new_probe();
        if (!b)
                return errno > 0 ? -errno : -ENOMEM;

        errno = 0;
        if (sym_blkid_probe_set_device(b, fd, (blkid_loff_t) offset, (blkid_loff_t) size) != 0)
                return errno > 0 ? -errno : -EIO;

        if (sym_blkid_probe_enable_superblocks(b, superblocks) != 0 ||
            (superblocks && sym_blkid_probe_set_superblocks_flags(b, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE) != 0) ||
            (mode == PROBE_WHOLE_IMAGE &&
             sym_blkid_probe_filter_superblocks_usage(b, BLKID_FLTR_ONLYIN, BLKID_USAGE_FILESYSTEM | BLKID_USAGE_CRYPTO) != 0) ||
            (mode == PROBE_DATA &&
             sym_blkid_probe_filter_superblocks_type(b, BLKID_FLTR_ONLYIN, (char **) data_types) != 0) ||
            sym_blkid_probe_enable_partitions(b, partitions) != 0 ||
            (partitions && sym_blkid_probe_set_partitions_flags(b, BLKID_PARTS_ENTRY_DETAILS) != 0))
                return -EIO;

        errno = 0;
        r = sym_blkid_do_safeprobe(b);
        if (r == -1)
                return errno > 0 ? -errno : -EIO;

        *ret = TAKE_PTR(b);
        return r; /* 0: found, 1: nothing found, -2: ambiguous */
}

static const char *blkid_value(blkid_probe b, const char *name) {
        const char *v = NULL;

        if (sym_blkid_probe_lookup_value(b, name, &v, NULL) != 0)
                return NULL;
        return v;
}

/* Checks that the file system found by libblkid at region is one we mount, and that it fits. */
static int check_fs(int fd, const char *path, RawProbe *probe, const char *what, const char *fstype,
                    uint64_t offset, uint64_t size, RawFormat *ret) {
        RawFormat format;
        uint64_t claimed;
        int r;

        format = raw_format_from_fstype(fstype);
        if (format < 0)
                return refuse(probe, path, "%s: unsupported file system '%s' (want squashfs, erofs, ext4, btrfs or xfs).",
                              what, fstype);

        r = fs_claimed_size(fd, format, offset, &claimed);
        if (r == -EXDEV)
                return refuse(probe, path, "%s: %s file system spans several devices or an external log.", what, fstype);
        if (r < 0)
                return refuse(probe, path, "%s: cannot read %s superblock: %s.", what, fstype, strerror(-r));
        if (claimed == 0 || claimed > size)
                return refuse(probe, path, "%s: %s file system claims %llu bytes, but only %llu are there (truncated?).",
                              what, fstype, (unsigned long long) claimed, (unsigned long long) size);

        *ret = format;
        return 0;
}

/* ---- GPT, by the Discoverable Partitions Specification ---- */

typedef enum Designator {
        DESIGNATOR_ROOT,
        DESIGNATOR_ROOT_VERITY,
        DESIGNATOR_ROOT_VERITY_SIG,
        DESIGNATOR_USR,
        DESIGNATOR_USR_VERITY,
        DESIGNATOR_USR_VERITY_SIG,
        _DESIGNATOR_MAX,
} Designator;

static const char *const designator_table[_DESIGNATOR_MAX] = {
        [DESIGNATOR_ROOT] = "root",
        [DESIGNATOR_ROOT_VERITY] = "root-verity",
        [DESIGNATOR_ROOT_VERITY_SIG] = "root-verity-sig",
        [DESIGNATOR_USR] = "usr",
        [DESIGNATOR_USR_VERITY] = "usr-verity",
        [DESIGNATOR_USR_VERITY_SIG] = "usr-verity-sig",
};

enum {
        ARCH_NATIVE,
        ARCH_SECONDARY, /* x86 on x86-64, arm on arm64: used when there is nothing native */
        _ARCH_MAX,
};

#ifdef SD_GPT_ROOT_NATIVE
/* The type UUIDs for the host architecture, from libsystemd's sd-gpt.h (the same as systemd's gpt.c). */
static const struct {
        sd_id128_t uuid;
        Designator designator;
        unsigned arch;
} gpt_type_table[] = {
        { SD_GPT_ROOT_NATIVE,            DESIGNATOR_ROOT,            ARCH_NATIVE    },
        { SD_GPT_ROOT_NATIVE_VERITY,     DESIGNATOR_ROOT_VERITY,     ARCH_NATIVE    },
        { SD_GPT_ROOT_NATIVE_VERITY_SIG, DESIGNATOR_ROOT_VERITY_SIG, ARCH_NATIVE    },
        { SD_GPT_USR_NATIVE,             DESIGNATOR_USR,             ARCH_NATIVE    },
        { SD_GPT_USR_NATIVE_VERITY,      DESIGNATOR_USR_VERITY,      ARCH_NATIVE    },
        { SD_GPT_USR_NATIVE_VERITY_SIG,  DESIGNATOR_USR_VERITY_SIG,  ARCH_NATIVE    },
#ifdef SD_GPT_ROOT_SECONDARY
        { SD_GPT_ROOT_SECONDARY,            DESIGNATOR_ROOT,            ARCH_SECONDARY },
        { SD_GPT_ROOT_SECONDARY_VERITY,     DESIGNATOR_ROOT_VERITY,     ARCH_SECONDARY },
        { SD_GPT_ROOT_SECONDARY_VERITY_SIG, DESIGNATOR_ROOT_VERITY_SIG, ARCH_SECONDARY },
        { SD_GPT_USR_SECONDARY,             DESIGNATOR_USR,             ARCH_SECONDARY },
        { SD_GPT_USR_SECONDARY_VERITY,      DESIGNATOR_USR_VERITY,      ARCH_SECONDARY },
        { SD_GPT_USR_SECONDARY_VERITY_SIG,  DESIGNATOR_USR_VERITY_SIG,  ARCH_SECONDARY },
#endif
};
#endif

typedef struct Candidate {
        bool found;
        int partno;
        uint64_t offset, size;
        char uuid[37];                  /* lowercase, as libblkid prints it */
        char label[GPT_LABEL_MAX];      /* "" if none */
} Candidate;

/* The partitions of one GPT that are ours: per architecture and designator the one that wins, and
 * the first generic Linux partition with the count of them. */
typedef struct GptCandidates {
        Candidate cand[_ARCH_MAX][_DESIGNATOR_MAX];
        Candidate generic;
        unsigned n_generic;
} GptCandidates;

static void region_from_candidate(RawRegion *r, const Candidate *c) {
        *r = (RawRegion) {
                .found = c->found,
                .offset = c->offset,
                .size = c->size,
        };
        if (c->found)
                for (size_t i = 0; i < sizeof(r->uuid) - 1 && c->uuid[i]; i++)
                        r->uuid[i] = (char) (c->uuid[i] >= 'A' && c->uuid[i] <= 'F' ? c->uuid[i] + 32 : c->uuid[i]);
}

#ifdef SD_GPT_ROOT_NATIVE
/* The slot of cands a partition type belongs in, with its designator's name in *ret_what, or NULL
 * if the partition is not ours (ESP, other architectures, ...). */
static Candidate *gpt_slot(GptCandidates *cands, sd_id128_t type, const char **ret_what) {
        if (sd_id128_equal(type, SD_GPT_LINUX_GENERIC)) {
                *ret_what = "linux-generic";
                return &cands->generic;
        }
        for (size_t j = 0; j < ELEMENTSOF(gpt_type_table); j++)
                if (sd_id128_equal(type, gpt_type_table[j].uuid)) {
                        *ret_what = designator_table[gpt_type_table[j].designator];
                        return &cands->cand[gpt_type_table[j].arch][gpt_type_table[j].designator];
                }
        return NULL;
}

/* Considers partition pp for its slot: no-auto partitions are ignored, one outside the file refuses
 * the image, and of several of a type the first wins unless a later one has a newer version in its
 * label, as systemd does. */
static int gpt_consider_partition(const char *path, const GptPartition *pp, uint64_t file_size,
                                  GptCandidates *cands, RawProbe *ret) {
        const char *label, *what = NULL;
        uint64_t start, size;
        Candidate *c;
        sd_id128_t type;
        int partno;

        memcpy(type.bytes, pp->type, sizeof(type.bytes));

        c = gpt_slot(cands, type, &what);
        if (!c)
                return 0;

        partno = pp->partno;
        if (pp->flags & SD_GPT_FLAG_NO_AUTO) {
                log_debug("%s: ignoring %s partition %i, it is marked no-auto.", strna(path), what, partno);
                return 0;
        }

        /* Sizes from the image are not trusted: the partition must lie within the file. (libblkid
         * gives them as signed 64-bit numbers, hence the > INT64_MAX.) */
        start = pp->start;
        size = pp->size;
        if (start == 0 || size == 0 || start > INT64_MAX || size > INT64_MAX ||
            start > file_size / 512 || size > file_size / 512 - start)
                return refuse(ret, path, "%s partition %i (sectors %lld+%lld) lies outside the image (%llu bytes).",
                              what, partno, (long long) start, (long long) size,
                              (unsigned long long) file_size);

        label = isempty(pp->label) ? NULL : pp->label;

        /* Several generic partitions are ambiguous, see gpt_choose(). */
        if (c == &cands->generic && cands->n_generic++ > 0)
                return 0;

        if (c->found && version_compare(label, isempty(c->label) ? NULL : c->label) <= 0) {
                log_debug("%s: ignoring %s partition %i, an earlier one has the same or a newer version.",
                          strna(path), what, partno);
                return 0;
        }

        *c = (Candidate) {
                .found = true,
                .partno = partno,
                .offset = start * 512,
                .size = size * 512,
        };
        (void) snprintf(c->uuid, sizeof(c->uuid), "%s", pp->uuid_string);
        (void) snprintf(c->label, sizeof(c->label), "%s", strempty(label));
        return 0;
}

typedef struct GptCollect {
        const char *path;
        uint64_t file_size;
        GptCandidates *cands;
        RawProbe *ret;
} GptCollect;

static int gpt_collect_one(void *userdata, const GptPartition *p) {
        GptCollect *g = userdata;

        return gpt_consider_partition(g->path, p, g->file_size, g->cands, g->ret);
}

/* Fills cands from every partition of the table gpt-table.c found. */
static int gpt_collect(const char *path, const GptTable *t, GptReadFunc read, void *userdata, uint64_t file_size,
                       GptCandidates *cands, RawProbe *ret) {
        GptCollect g = { .path = path, .file_size = file_size, .cands = cands, .ret = ret };
        int r;

        r = gpt_table_foreach_partition(t, read, userdata, gpt_collect_one, &g);
        if (r == -EBADMSG)
                return refuse(ret, path, "GPT partition entries changed while being read.");
        if (r < 0)
                return log_debug_errno(r, "%s: failed to read GPT partition entries: %m", strna(path));
        return 0;
}

/* Verity data without the partition it protects: something is off, refuse like systemd. */
static int gpt_check_verity_pairs(const char *path, const GptCandidates *cands, RawProbe *ret) {
        for (int arch = 0; arch < _ARCH_MAX; arch++)
                for (Designator d = DESIGNATOR_ROOT; d < _DESIGNATOR_MAX; d += 3) {
                        const Candidate *c = cands->cand[arch];

                        if (!c[d].found && (c[d + 1].found || c[d + 2].found))
                                return refuse(ret, path, "%s verity partition without %s partition.",
                                              designator_table[d], designator_table[d]);
                        if (c[d + 2].found && !c[d + 1].found)
                                return refuse(ret, path, "%s verity signature partition without verity partition.",
                                              designator_table[d]);
                }
        return 0;
}

/* The Discoverable Partitions choice: the root partition (native before secondary architecture),
 * else the usr partition, each with its verity partitions; else a single generic Linux partition.
 * Fills ret's format, usr_only and regions. */
static int gpt_choose(const char *path, const GptCandidates *cands, RawProbe *ret) {
        Designator data = DESIGNATOR_ROOT;
        int arch;

        *ret = (RawProbe) { .format = RAW_FORMAT_GPT };

        arch = cands->cand[ARCH_NATIVE][DESIGNATOR_ROOT].found ? ARCH_NATIVE :
               cands->cand[ARCH_SECONDARY][DESIGNATOR_ROOT].found ? ARCH_SECONDARY : -1;
        if (arch < 0) {
                data = DESIGNATOR_USR;
                arch = cands->cand[ARCH_NATIVE][DESIGNATOR_USR].found ? ARCH_NATIVE :
                       cands->cand[ARCH_SECONDARY][DESIGNATOR_USR].found ? ARCH_SECONDARY : -1;
                ret->usr_only = arch >= 0;
        } else if (cands->cand[arch][DESIGNATOR_USR].found)
                log_debug("%s: ignoring usr partition %i, only the root partition %i is mounted.",
                          strna(path), cands->cand[arch][DESIGNATOR_USR].partno,
                          cands->cand[arch][DESIGNATOR_ROOT].partno);

        if (arch >= 0) {
                region_from_candidate(&ret->data, &cands->cand[arch][data]);
                region_from_candidate(&ret->verity, &cands->cand[arch][data + 1]);
                region_from_candidate(&ret->verity_sig, &cands->cand[arch][data + 2]);
        } else if (cands->n_generic == 1)
                /* No root or usr partition for us: a single generic Linux partition is the root, as with
                 * systemd's DISSECT_IMAGE_GENERIC_ROOT (which portablectl uses). */
                region_from_candidate(&ret->data, &cands->generic);
        else if (cands->n_generic > 1)
                return log_debug_errno(ENOTUNIQ, "%s: no root or usr partition for this architecture, and %u generic Linux partitions.",
                                       strna(path), cands->n_generic);
        else
                return refuse(ret, path, "GPT without a root or usr partition for this architecture.");
        return 0;
}

/* What is in the chosen data partition: libblkid again, on just that region, for the five file
 * systems we mount; if none of them is there, once more with all superblocks, only to say what is. */
static int gpt_probe_data(int fd, const char *path, RawProbe *ret) {
        _cleanup_(sym_blkid_free_probep) blkid_probe pb = NULL;
        const char *fstype;
        RawFormat format;
        int r;

        r = blkid_probe_region(fd, ret->data.offset, ret->data.size, PROBE_DATA, &pb);
        if (r < 0 && r != -2)
                return log_debug_errno(r, "%s: failed to probe partition: %m", strna(path));
        if (r == -2)
                return refuse(ret, path, "data partition has ambiguous file system signatures.");
        if (r == 1) {
                sym_blkid_free_probe(TAKE_PTR(pb));
                r = blkid_probe_region(fd, ret->data.offset, ret->data.size, PROBE_ANY_FS, &pb);
                if (r < 0 && r != -2)
                        return log_debug_errno(r, "%s: failed to probe partition: %m", strna(path));
                if (r == -2)
                        return refuse(ret, path, "data partition has ambiguous file system signatures.");
        }
        fstype = r == 0 ? blkid_value(pb, "TYPE") : NULL;
        if (!fstype)
                return refuse(ret, path, "no file system found in the data partition.");

        r = check_fs(fd, path, ret, "data partition", fstype, ret->data.offset, ret->data.size, &format);
        if (r < 0)
                return r;

        (void) snprintf(ret->fstype, sizeof(ret->fstype), "%s", fstype);
        return 0;
}
#endif

static int probe_gpt(int fd, const char *path, const GptTable *t, GptReadFunc read, void *userdata,
                     uint64_t file_size, RawProbe *ret) {
#ifndef SD_GPT_ROOT_NATIVE
        return refuse(ret, path, "GPT images are not supported on this architecture.");
#else
        GptCandidates cands = {};
        int r;

        r = gpt_collect(path, t, read, userdata, file_size, &cands, ret);
        if (r < 0)
                return r;
        r = gpt_check_verity_pairs(path, &cands, ret);
        if (r < 0)
                return r;
        r = gpt_choose(path, &cands, ret);
        if (r < 0)
                return r;
        return gpt_probe_data(fd, path, ret);
#endif
}

/* ---- Reading the partition table: one window at the start of the image ---- */

/* The protective MBR, the primary header and 128 entries are the first 17 KiB of a GPT image of 512
 * byte sectors: the first GPT_WINDOW bytes are read with one pread() and every read inside them
 * served from there; anything else (a backup header at the end, an array elsewhere) is read
 * directly. */
#define GPT_WINDOW (32U * 1024U)

typedef struct GptReader {
        ImageSource src;
        uint8_t window[GPT_WINDOW];
        size_t window_len;              /* valid bytes, once read */
        bool window_read;
} GptReader;

static int gpt_reader_read(void *userdata, void *buf, size_t size, uint64_t offset) {
        GptReader *g = userdata;
        int r;

        if (!g->window_read) {
                g->window_len = (size_t) MIN((uint64_t) GPT_WINDOW, g->src.size);
                r = image_source_pread(&g->src, g->window, g->window_len, 0);
                if (r < 0)
                        return r;
                g->window_read = true;
        }
        if (offset <= g->window_len && size <= g->window_len - offset) {
                memcpy(buf, g->window + offset, size);
                return 0;
        }
        return image_source_pread(&g->src, buf, size, offset);
}

/* The sector size libblkid takes: the logical one of a block device, 512 for a regular file. */
static int image_sector_size(int fd, const struct stat *st, uint32_t *ret) {
        int ssz;

        if (!S_ISBLK(st->st_mode)) {
                *ret = 512;
                return 0;
        }
        if (ioctl(fd, BLKSSZGET, &ssz) < 0)
                return -errno;
        if (ssz < 512)
                return -EINVAL;
        *ret = (uint32_t) ssz;
        return 0;
}

/* Labels libblkid's partitions chain tries before GPT (AIX, SGI, Sun: magic at 0 or 508), which it
 * would report instead of a GPT if their checks pass: then libblkid decides. */
static bool has_earlier_label_magic(const uint8_t mbr[static 512]) {
        return memcmp(mbr, "\xC9\xC2\xD4\xC1", 4) == 0 ||     /* AIX */
               memcmp(mbr, "\x0B\xE5\xA9\x41", 4) == 0 ||     /* SGI */
               memcmp(mbr + 508, "\xDA\xBE", 2) == 0;           /* Sun */
}

/* No file system on the whole image: a GPT, read by gpt-table.c, as libblkid's partitions chain
 * would read it. When there is none (or another label that libblkid tries first), libblkid's
 * partitions chain says what there is instead, for the refusal. */
static int probe_partition_table(int fd, const char *path, const struct stat *st, uint64_t size, RawProbe *ret) {
        _cleanup_(sym_blkid_free_probep) blkid_probe b = NULL;
        _cleanup_free_ GptReader *g = NULL;
        uint8_t mbr[512];
        const char *pttype;
        uint32_t ssz = 512;
        GptTable t;
        int r, found;

        r = image_sector_size(fd, st, &ssz);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to get sector size: %m", strna(path));

        g = malloc(sizeof(GptReader));
        if (!g)
                return -ENOMEM;
        g->src = (ImageSource) { .fd = fd, .offset = 0, .size = size };
        g->window_read = false;

        found = gpt_table_read(gpt_reader_read, g, size, ssz, &t);
        if (found == -E2BIG)
                return refuse(ret, path, "GPT partition entry array larger than %u KiB: not read.",
                              GPT_ENTRIES_SIZE_MAX / 1024U);
        if (found < 0)
                return log_debug_errno(found, "%s: failed to read partition table: %m", strna(path));
        if (found > 0) {
                r = gpt_reader_read(g, mbr, sizeof(mbr), 0);
                if (r < 0)
                        return log_debug_errno(r, "%s: failed to read partition table: %m", strna(path));
                if (!has_earlier_label_magic(mbr))
                        return probe_gpt(fd, path, &t, gpt_reader_read, g, size, ret);
        }

        r = blkid_probe_region(fd, 0, size, PROBE_PARTITION_TABLE, &b);
        if (r < 0 && r != -2)
                return log_debug_errno(r, "%s: failed to probe image: %m", strna(path));
        if (r == -2)
                return refuse(ret, path, "ambiguous signatures (several file systems or partition tables).");
        pttype = r == 0 ? blkid_value(b, "PTTYPE") : NULL;
        if (!pttype)
                return refuse(ret, path, "no file system or partition table found.");
        if (!streq(pttype, "gpt"))
                return refuse(ret, path, "'%s' partition table, only GPT is supported.", pttype);
        if (found == 0)
                /* Cannot be, as the fuzz target fuzz-gpt-table holds the two readers together. */
                return refuse(ret, path, "libblkid finds a GPT that the GPT reader does not (a bug, please report).");

        return probe_gpt(fd, path, &t, gpt_reader_read, g, size, ret);
}

static int image_size(int fd, const struct stat *st, uint64_t *ret) {
        if (S_ISREG(st->st_mode)) {
                *ret = (uint64_t) st->st_size;
                return 0;
        }
        if (S_ISBLK(st->st_mode))
                return RET_NERRNO(ioctl(fd, BLKGETSIZE64, ret));
        return -EBADFD;
}

int raw_image_probe(int fd, const char *path, RawProbe *ret) {
        _cleanup_close_ int rfd = -EBADF;
        struct stat st;
        int r;

        if (fd < 0 || !ret)
                return -EINVAL;

        r = dlopen_libblkid();
        if (r < 0)
                return log_error_errno(r, "%s: cannot probe raw images without libblkid: %m", path);

        if (fstat(fd, &st) < 0)
                return log_debug_errno(errno, "%s: failed to stat image: %m", strna(path));
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return refuse(ret, path, "not a regular file or block device.");

        /* We read with pread(): an O_PATH or write-only fd is reopened read-only first. O_NONBLOCK, in
         * case the file is swapped for something else between fstat() and here. */
        fd = fd_readable(fd, &rfd);
        if (fd < 0)
                return log_debug_errno(fd, "%s: failed to reopen image read-only: %m", strna(path));
        if (rfd >= 0) {
                if (fstat(rfd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                        return refuse(ret, path, "not a regular file or block device.");
        }

        return raw_image_probe_regular(fd, &st, path, ret);
}

int raw_image_probe_regular(int fd, const struct stat *st, const char *path, RawProbe *ret) {
        _cleanup_(sym_blkid_free_probep) blkid_probe b = NULL;
        const char *type, *usage;
        RawFormat format;
        uint64_t size;
        int r;

        if (fd < 0 || !st || !ret)
                return -EINVAL;

        r = dlopen_libblkid();
        if (r < 0)
                return log_error_errno(r, "%s: cannot probe raw images without libblkid: %m", path);

        r = image_size(fd, st, &size);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to get image size: %m", strna(path));
        if (size == 0)
                return refuse(ret, path, "empty file.");

        r = blkid_probe_region(fd, 0, size, PROBE_WHOLE_IMAGE, &b);
        if (r < 0 && r != -2)
                return log_debug_errno(r, "%s: failed to probe image: %m", strna(path));
        if (r == -2)
                return refuse(ret, path, "ambiguous signatures (several file systems or partition tables).");
        if (r == 1)
                return probe_partition_table(fd, path, st, size, ret);

        usage = blkid_value(b, "USAGE");
        type = blkid_value(b, "TYPE");
        if (!type)
                return probe_partition_table(fd, path, st, size, ret);
        if (!usage || !streq(usage, "filesystem"))
                return refuse(ret, path, "contains '%s' (%s), not a file system.", type, strna(usage));

        r = check_fs(fd, path, ret, "image", type, 0, size, &format);
        if (r < 0)
                return r;

        *ret = (RawProbe) {
                .format = format,
                .data = { .found = true, .offset = 0, .size = size },
        };
        (void) snprintf(ret->fstype, sizeof(ret->fstype), "%s", type);
        return 0;
}
