/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <systemd/sd-gpt.h>
#include <systemd/sd-id128.h>

#include "blkid-dl.h"
#include "fileio.h"
#include "image-raw.h"
#include "log.h"
#include "loop-device.h"
#include "mount-dl.h"
#include "string-util.h"
#include "version.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, sym_blkid_free_probe);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, sym_mnt_free_context);

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

/* The file systems we mount, by their libblkid names (which are also the kernel's). */
static RawFormat raw_format_from_fstype(const char *s) {
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

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}
static uint64_t le64(const uint8_t *p) {
        return (uint64_t) le32(p) | (uint64_t) le32(p + 4) << 32;
}
static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[3] | (uint32_t) p[2] << 8 | (uint32_t) p[1] << 16 | (uint32_t) p[0] << 24;
}
static uint64_t be64(const uint8_t *p) {
        return (uint64_t) be32(p) << 32 | (uint64_t) be32(p + 4);
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
                if (le32(sb) != 0x73717368U)
                        return -EBADMSG;
                *ret = le64(sb + 40);
                return 0;

        case RAW_FORMAT_EROFS: {
                /* struct erofs_super_block at 1024: magic at 0, blkszbits at 12, blocks at 36 */
                uint8_t bits;

                r = pread_full(fd, sb, 128, offset + 1024);
                if (r < 0)
                        return r;
                if (le32(sb) != 0xE0F5E1E2U)
                        return -EBADMSG;
                bits = sb[12];
                if (bits < 9 || bits > 16)
                        return -EBADMSG;
                *ret = (uint64_t) le32(sb + 36) << bits;
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
                if (le16(esb + 0x38) != 0xEF53)
                        return -EBADMSG;
                log_bs = le32(esb + 0x18);
                if (log_bs > 6) /* 64 KiB blocks at most */
                        return -EBADMSG;
                n = le32(esb + 0x04);
                if (le32(esb + 0x60) & 0x80)
                        n |= (uint64_t) le32(esb + 0x150) << 32;
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
                if (le64(sb + 136) != 1)
                        return -EXDEV; /* multi-device file system: cannot be in one image */
                *ret = le64(sb + 112);
                return 0;

        case RAW_FORMAT_XFS:
                /* struct xfs_dsb (big endian) at 0: magic "XFSB", sb_blocksize at 4, sb_dblocks at 8,
                 * sb_logstart at 48 (0: external log, which an image cannot carry) */
                r = pread_full(fd, sb, 64, offset);
                if (r < 0)
                        return r;
                if (be32(sb) != 0x58465342U)
                        return -EBADMSG;
                if (be64(sb + 48) == 0)
                        return -EXDEV;
                if (__builtin_mul_overflow(be64(sb + 8), (uint64_t) be32(sb + 4), ret))
                        return -EBADMSG;
                return 0;

        default:
                return -EINVAL;
        }
}

/* ---- libblkid ---- */

static int blkid_probe_region(int fd, uint64_t offset, uint64_t size, bool partitions, blkid_probe *ret) {
        _cleanup_(sym_blkid_free_probep) blkid_probe b = NULL;
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

        if (sym_blkid_probe_enable_superblocks(b, 1) != 0 ||
            sym_blkid_probe_set_superblocks_flags(b, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE) != 0 ||
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

/* As sd_id128_from_string() (32 hex digits, or a UUID with dashes), which is the one function of
 * libsystemd the generator would need: parsed here, so that the generator does not load
 * libsystemd and its eight libraries at every daemon-reload (the helper still uses it, for D-Bus). */
static int id128_from_string(const char *s, sd_id128_t *ret) {
        size_t n = strlen(s), p = 0;
        bool dashes = n == 36;
        sd_id128_t t;

        if (n != 32 && n != 36)
                return -EINVAL;
        for (size_t i = 0; i < 16; i++) {
                int a, b;

                if (dashes && IN_SET(p, 8, 13, 18, 23)) {
                        if (s[p] != '-')
                                return -EINVAL;
                        p++;
                }
                a = unhexchar(s[p++]);
                b = unhexchar(s[p++]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                t.bytes[i] = (uint8_t) (a << 4 | b);
        }
        *ret = t;
        return 0;
}

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
        const char *uuid;       /* owned by the blkid probe */
        const char *label;      /* ditto, NULL if empty */
} Candidate;

static void region_from_candidate(RawRegion *r, const Candidate *c) {
        *r = (RawRegion) {
                .found = c->found,
                .offset = c->offset,
                .size = c->size,
        };
        if (c->found && c->uuid)
                for (size_t i = 0; i < sizeof(r->uuid) - 1 && c->uuid[i]; i++)
                        r->uuid[i] = (char) (c->uuid[i] >= 'A' && c->uuid[i] <= 'F' ? c->uuid[i] + 32 : c->uuid[i]);
}

static int probe_gpt(int fd, const char *path, blkid_probe b, uint64_t file_size, RawProbe *ret) {
#ifndef SD_GPT_ROOT_NATIVE
        return refuse(ret, path, "GPT images are not supported on this architecture.");
#else
        Candidate cand[_ARCH_MAX][_DESIGNATOR_MAX] = {}, generic = {};
        unsigned n_generic = 0;
        blkid_partlist pl;
        Designator data;
        RawFormat format;
        int n, arch, r;

        errno = 0;
        pl = sym_blkid_probe_get_partitions(b);
        if (!pl)
                return errno > 0 ? -errno : -ENOMEM;

        errno = 0;
        n = sym_blkid_partlist_numof_partitions(pl);
        if (n < 0)
                return errno > 0 ? -errno : -EIO;

        for (int i = 0; i < n; i++) {
                const char *type_string, *label;
                unsigned long long flags;
                blkid_loff_t start, size;
                Candidate *c = NULL;
                blkid_partition pp;
                const char *what = NULL;
                sd_id128_t type;
                int partno;

                errno = 0;
                pp = sym_blkid_partlist_get_partition(pl, i);
                if (!pp)
                        return errno > 0 ? -errno : -EIO;

                type_string = sym_blkid_partition_get_type_string(pp);
                if (!type_string || id128_from_string(type_string, &type) < 0)
                        continue;

                if (sd_id128_equal(type, SD_GPT_LINUX_GENERIC)) {
                        c = &generic;
                        what = "linux-generic";
                } else
                        for (size_t j = 0; j < ELEMENTSOF(gpt_type_table); j++)
                                if (sd_id128_equal(type, gpt_type_table[j].uuid)) {
                                        c = &cand[gpt_type_table[j].arch][gpt_type_table[j].designator];
                                        what = designator_table[gpt_type_table[j].designator];
                                        break;
                                }
                if (!c)
                        continue; /* ESP, other architectures, ...: not ours */

                partno = sym_blkid_partition_get_partno(pp);
                flags = sym_blkid_partition_get_flags(pp);
                if (flags & SD_GPT_FLAG_NO_AUTO) {
                        log_debug("%s: ignoring %s partition %i, it is marked no-auto.", strna(path), what, partno);
                        continue;
                }

                /* Sizes from the image are not trusted: the partition must lie within the file. */
                start = sym_blkid_partition_get_start(pp);
                size = sym_blkid_partition_get_size(pp);
                if (start <= 0 || size <= 0 ||
                    (uint64_t) start > file_size / 512 || (uint64_t) size > file_size / 512 - (uint64_t) start)
                        return refuse(ret, path, "%s partition %i (sectors %lld+%lld) lies outside the image (%llu bytes).",
                                      what, partno, (long long) start, (long long) size,
                                      (unsigned long long) file_size);

                label = sym_blkid_partition_get_name(pp);
                if (isempty(label))
                        label = NULL;

                if (c == &generic) {
                        /* Several generic partitions are ambiguous, see below. */
                        if (n_generic++ > 0)
                                continue;
                }

                /* As systemd does: the first partition of a type wins, except that among several the
                 * one with the newest version in its label wins. */
                if (c->found && version_compare(label, c->label) <= 0) {
                        log_debug("%s: ignoring %s partition %i, an earlier one has the same or a newer version.",
                                  strna(path), what, partno);
                        continue;
                }

                *c = (Candidate) {
                        .found = true,
                        .partno = partno,
                        .offset = (uint64_t) start * 512,
                        .size = (uint64_t) size * 512,
                        .uuid = sym_blkid_partition_get_uuid(pp),
                        .label = label,
                };
        }

        /* Verity data without the partition it protects: something is off, refuse like systemd. */
        for (arch = 0; arch < _ARCH_MAX; arch++)
                for (Designator d = DESIGNATOR_ROOT; d < _DESIGNATOR_MAX; d += 3) {
                        if (!cand[arch][d].found && (cand[arch][d + 1].found || cand[arch][d + 2].found))
                                return refuse(ret, path, "%s verity partition without %s partition.",
                                              designator_table[d], designator_table[d]);
                        if (cand[arch][d + 2].found && !cand[arch][d + 1].found)
                                return refuse(ret, path, "%s verity signature partition without verity partition.",
                                              designator_table[d]);
                }

        *ret = (RawProbe) { .format = RAW_FORMAT_GPT };

        data = DESIGNATOR_ROOT;
        arch = cand[ARCH_NATIVE][DESIGNATOR_ROOT].found ? ARCH_NATIVE :
               cand[ARCH_SECONDARY][DESIGNATOR_ROOT].found ? ARCH_SECONDARY : -1;
        if (arch < 0) {
                data = DESIGNATOR_USR;
                arch = cand[ARCH_NATIVE][DESIGNATOR_USR].found ? ARCH_NATIVE :
                       cand[ARCH_SECONDARY][DESIGNATOR_USR].found ? ARCH_SECONDARY : -1;
                ret->usr_only = arch >= 0;
        } else if (cand[arch][DESIGNATOR_USR].found)
                log_debug("%s: ignoring usr partition %i, only the root partition %i is mounted.",
                          strna(path), cand[arch][DESIGNATOR_USR].partno, cand[arch][DESIGNATOR_ROOT].partno);

        if (arch >= 0) {
                region_from_candidate(&ret->data, &cand[arch][data]);
                region_from_candidate(&ret->verity, &cand[arch][data + 1]);
                region_from_candidate(&ret->verity_sig, &cand[arch][data + 2]);
        } else if (n_generic == 1)
                /* No root or usr partition for us: a single generic Linux partition is the root, as with
                 * systemd's DISSECT_IMAGE_GENERIC_ROOT (which portablectl uses). */
                region_from_candidate(&ret->data, &generic);
        else if (n_generic > 1)
                return log_debug_errno(ENOTUNIQ, "%s: no root or usr partition for this architecture, and %u generic Linux partitions.",
                                       strna(path), n_generic);
        else
                return refuse(ret, path, "GPT without a root or usr partition for this architecture.");

        /* What is in the partition: libblkid again, on just that region. */
        _cleanup_(sym_blkid_free_probep) blkid_probe pb = NULL;
        const char *fstype;

        r = blkid_probe_region(fd, ret->data.offset, ret->data.size, /* partitions= */ false, &pb);
        if (r < 0 && r != -2)
                return log_debug_errno(r, "%s: failed to probe partition: %m", strna(path));
        if (r == -2)
                return refuse(ret, path, "data partition has ambiguous file system signatures.");
        fstype = r == 0 ? blkid_value(pb, "TYPE") : NULL;
        if (!fstype)
                return refuse(ret, path, "no file system found in the data partition.");

        r = check_fs(fd, path, ret, "data partition", fstype, ret->data.offset, ret->data.size, &format);
        if (r < 0)
                return r;

        (void) snprintf(ret->fstype, sizeof(ret->fstype), "%s", fstype);
        return 0;
#endif
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
        _cleanup_(sym_blkid_free_probep) blkid_probe b = NULL;
        _cleanup_close_ int rfd = -EBADF;
        const char *type, *usage, *pttype;
        RawFormat format;
        uint64_t size;
        struct stat st;
        int r, fl;

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
        fl = fcntl(fd, F_GETFL);
        if (fl < 0)
                return -errno;
        if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY) {
                rfd = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
                if (rfd < 0)
                        return log_debug_errno(rfd, "%s: failed to reopen image read-only: %m", strna(path));
                if (fstat(rfd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                        return refuse(ret, path, "not a regular file or block device.");
                fd = rfd;
        }

        r = image_size(fd, &st, &size);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to get image size: %m", strna(path));
        if (size == 0)
                return refuse(ret, path, "empty file.");

        r = blkid_probe_region(fd, 0, size, /* partitions= */ true, &b);
        if (r < 0 && r != -2)
                return log_debug_errno(r, "%s: failed to probe image: %m", strna(path));
        if (r == -2)
                return refuse(ret, path, "ambiguous signatures (several file systems or partition tables).");
        if (r == 1)
                return refuse(ret, path, "no file system or partition table found.");

        usage = blkid_value(b, "USAGE");
        type = blkid_value(b, "TYPE");
        if (type) {
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

        pttype = blkid_value(b, "PTTYPE");
        if (!pttype)
                return refuse(ret, path, "no file system or partition table found.");
        if (!streq(pttype, "gpt"))
                return refuse(ret, path, "'%s' partition table, only GPT is supported.", pttype);

        return probe_gpt(fd, path, b, size, ret);
}

/* ---- Mounting ---- */

struct RawMount {
        RawProbe probe;
        LoopDevice *loop;
        char *where;            /* the image root */
        char *data_where;       /* where the data partition is mounted: where, or where/usr */
        bool tmpfs_mounted;
        bool data_mounted;
};

int mount_namespace_private(void) {
        if (unshare(CLONE_NEWNS) < 0)
                return log_debug_errno(errno, "Failed to create mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return log_debug_errno(errno, "Failed to make / a private mount: %m");
        return 0;
}

static const char *mount_options(RawFormat f) {
        switch (f) {
        case RAW_FORMAT_EXT4:
                /* Never replay a journal: the device is read-only, and the image must not change. */
                return "ro,nosuid,nodev,noload";
        case RAW_FORMAT_XFS:
                return "ro,nosuid,nodev,norecovery";
        case RAW_FORMAT_BTRFS:
                return "ro,nosuid,nodev,rescue=nologreplay";
        default:
                return "ro,nosuid,nodev";
        }
}

static int mount_block_device(const char *node, const char *where, const char *fstype, const char *options) {
        _cleanup_(sym_mnt_free_contextp) struct libmnt_context *cxt = NULL;
        char buf[256];
        int r;

        cxt = sym_mnt_new_context();
        if (!cxt)
                return -ENOMEM;

        /* No utab/mtab, no /sbin/mount.* helper, no fstab, no path canonicalization, no type probing. */
        r = sym_mnt_context_disable_mtab(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_disable_helpers(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_disable_canonicalize(cxt, 1);
        if (r >= 0)
                r = sym_mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
        if (r >= 0)
                r = sym_mnt_context_set_source(cxt, node);
        if (r >= 0)
                r = sym_mnt_context_set_target(cxt, where);
        if (r >= 0)
                r = sym_mnt_context_set_fstype(cxt, fstype);
        if (r >= 0)
                r = sym_mnt_context_set_options(cxt, options);
        if (r < 0)
                return log_debug_errno(r, "Failed to set up libmount context: %m");

        r = sym_mnt_context_mount(cxt);
        if (r == 0 && sym_mnt_context_get_status(cxt) == 1)
                return 0;

        if (sym_mnt_context_syscall_called(cxt) && sym_mnt_context_get_syscall_errno(cxt) > 0)
                r = -sym_mnt_context_get_syscall_errno(cxt);
        else if (r >= 0)
                r = -EIO;

        (void) sym_mnt_context_get_excode(cxt, r, buf, sizeof(buf));
        return log_debug_errno(r, "Failed to mount %s (%s) on %s with %s: %s",
                               node, fstype, where, options, buf[0] ? buf : "error");
}

static int mount_usr_skeleton(const char *where, char **ret_usr) {
        _cleanup_free_ char *usr = NULL;

        /* A usr-only image is mounted below an empty read-only root, as systemd does. */
        usr = strjoin(where, "/usr");
        if (!usr)
                return -ENOMEM;

        if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=16") < 0)
                return log_debug_errno(errno, "Failed to mount tmpfs on %s: %m", where);

        if (mkdir(usr, 0755) < 0 ||
            mount(NULL, where, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                int r = -errno;
                (void) umount2(where, UMOUNT_NOFOLLOW);
                return log_debug_errno(r, "Failed to set up the root for /usr on %s: %m", where);
        }

        *ret_usr = TAKE_PTR(usr);
        return 0;
}

int raw_image_mount(int fd, const char *path, const char *where, RawMount **ret) {
        _cleanup_(raw_mount_freep) RawMount *m = NULL;
        int r;

        if (fd < 0 || !where || !ret)
                return -EINVAL;

        r = dlopen_libmount();
        if (r < 0)
                return log_error_errno(r, "%s: cannot mount raw images without libmount: %m", path);

        m = calloc(1, sizeof(RawMount));
        if (!m)
                return -ENOMEM;

        r = raw_image_probe(fd, path, &m->probe);
        if (r < 0)
                return r;

        m->where = strdup(where);
        if (!m->where)
                return -ENOMEM;

        /* A bare file system gets the whole file (size 0: to the end), a partition exactly its extent. */
        r = loop_device_make(fd, path, m->probe.data.offset,
                             m->probe.format == RAW_FORMAT_GPT ? m->probe.data.size : 0,
                             &m->loop);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to set up loop device: %m", strna(path));

        if (m->probe.usr_only) {
                r = mount_usr_skeleton(where, &m->data_where);
                if (r < 0)
                        return r;
                m->tmpfs_mounted = true;
        } else {
                m->data_where = strdup(where);
                if (!m->data_where)
                        return -ENOMEM;
        }

        r = mount_block_device(m->loop->node, m->data_where, m->probe.fstype,
                               mount_options(raw_format_from_fstype(m->probe.fstype)));
        if (r < 0)
                return r;
        m->data_mounted = true;

        log_debug("%s: mounted %s (%s%s) from %s on %s.", strna(path), m->probe.fstype,
                  raw_format_to_string(m->probe.format), m->probe.usr_only ? ", usr only" : "",
                  m->loop->node, m->data_where);

        *ret = TAKE_PTR(m);
        return 0;
}

static void umount_verbose(const char *where) {
        if (umount2(where, UMOUNT_NOFOLLOW) >= 0)
                return;

        log_debug_errno(errno, "Failed to unmount %s, detaching lazily: %m", where);
        if (umount2(where, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
                log_debug_errno(errno, "Failed to detach %s: %m", where);
}

RawMount *raw_mount_free(RawMount *m) {
        if (!m)
                return NULL;

        if (m->data_mounted)
                umount_verbose(m->data_where);
        if (m->tmpfs_mounted)
                umount_verbose(m->where);

        /* After the unmount our fd is the last user of the loop device: this detaches it. */
        loop_device_free(m->loop);

        free(m->data_where);
        free(m->where);
        free(m);
        return NULL;
}

const RawProbe *raw_mount_probe(const RawMount *m) {
        return m ? &m->probe : NULL;
}
