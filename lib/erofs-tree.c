/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A user-space erofs reader (erofs-tree.h). The on-disk format is the kernel's fs/erofs/erofs_fs.h;
 * the algorithms (block mapping, compressed index decoding, decompression) follow erofs-utils
 * lib/data.c, lib/zmap.c, lib/decompress.c and lib/namei.c, with every value read from the image
 * checked before use. Inodes are read again from their nid for every operation: a TreeNode carries
 * no pointer into our state. */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erofs-tree.h"
#include "log.h"
#include "lz4-dl.h"
#include "lzma-dl.h"
#include "macro.h"
#include "unaligned.h"

#define EROFS_SUPER_OFFSET 1024U
#define EROFS_SUPER_MAGIC 0xE0F5E1E2U
#define EROFS_SUPER_SIZE 128U                   /* the part of the superblock we read */

#define EROFS_FEATURE_COMPAT_SB_CHKSUM 0x00000001U

#define EROFS_FEATURE_INCOMPAT_LZ4_0PADDING 0x00000001U
#define EROFS_FEATURE_INCOMPAT_COMPR_CFGS 0x00000002U  /* also BIG_PCLUSTER */
#define EROFS_FEATURE_INCOMPAT_CHUNKED_FILE 0x00000004U
#define EROFS_FEATURE_INCOMPAT_DEVICE_TABLE 0x00000008U /* also COMPR_HEAD2 */
#define EROFS_FEATURE_INCOMPAT_ZTAILPACKING 0x00000010U
#define EROFS_FEATURE_INCOMPAT_FRAGMENTS 0x00000020U   /* also DEDUPE */
#define EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES 0x00000040U
/* 0x80 48BIT and 0x100 METABOX (erofs-utils 1.9) and anything newer are not read. */
#define EROFS_FEATURE_INCOMPAT_READ                                                     \
        (EROFS_FEATURE_INCOMPAT_LZ4_0PADDING | EROFS_FEATURE_INCOMPAT_COMPR_CFGS |      \
         EROFS_FEATURE_INCOMPAT_CHUNKED_FILE | EROFS_FEATURE_INCOMPAT_DEVICE_TABLE |    \
         EROFS_FEATURE_INCOMPAT_ZTAILPACKING | EROFS_FEATURE_INCOMPAT_FRAGMENTS |       \
         EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES)

enum {
        EROFS_INODE_FLAT_PLAIN = 0,
        EROFS_INODE_COMPRESSED_FULL = 1,
        EROFS_INODE_FLAT_INLINE = 2,
        EROFS_INODE_COMPRESSED_COMPACT = 3,
        EROFS_INODE_CHUNK_BASED = 4,
};
#define EROFS_I_ALL 0x1FU                       /* version, data layout, NLINK_1/DOT_OMITTED */

#define EROFS_CHUNK_FORMAT_BLKBITS_MASK 0x001FU
#define EROFS_CHUNK_FORMAT_INDEXES 0x0020U
#define EROFS_NULL_ADDR 0xFFFFFFFFU

#define EROFS_DIRENT_SIZE 12U
#define EROFS_NAME_LEN 255U

enum {
        Z_EROFS_COMPRESSION_LZ4 = 0,
        Z_EROFS_COMPRESSION_LZMA = 1,
        Z_EROFS_COMPRESSION_DEFLATE = 2,
        Z_EROFS_COMPRESSION_ZSTD = 3,
        Z_EROFS_COMPRESSION_MAX = 4,
        Z_EROFS_COMPRESSION_SHIFTED = Z_EROFS_COMPRESSION_MAX,  /* stored uncompressed */
        Z_EROFS_COMPRESSION_INTERLACED,                         /* stored uncompressed, rotated */
};
#define Z_EROFS_ALL_COMPR_ALGS ((1U << Z_EROFS_COMPRESSION_MAX) - 1)

#define Z_EROFS_ADVISE_COMPACTED_2B 0x0001U     /* compact layout */
#define Z_EROFS_ADVISE_EXTENTS 0x0001U          /* full layout: extent records (erofs-utils 1.9) */
#define Z_EROFS_ADVISE_BIG_PCLUSTER_1 0x0002U
#define Z_EROFS_ADVISE_BIG_PCLUSTER_2 0x0004U
#define Z_EROFS_ADVISE_INLINE_PCLUSTER 0x0008U
#define Z_EROFS_ADVISE_INTERLACED_PCLUSTER 0x0010U
#define Z_EROFS_ADVISE_FRAGMENT_PCLUSTER 0x0020U
#define Z_EROFS_FRAGMENT_INODE_BIT 7

enum {
        Z_EROFS_LCLUSTER_TYPE_PLAIN = 0,
        Z_EROFS_LCLUSTER_TYPE_HEAD1 = 1,
        Z_EROFS_LCLUSTER_TYPE_NONHEAD = 2,
        Z_EROFS_LCLUSTER_TYPE_HEAD2 = 3,
};
#define Z_EROFS_LI_LCLUSTER_TYPE_MASK 3U
#define Z_EROFS_LI_PARTIAL_REF (1U << 15)
#define Z_EROFS_LI_D0_CBLKCNT (1U << 11)

#define Z_EROFS_PCLUSTER_MAX_SIZE (1024U * 1024U)
#define Z_EROFS_PCLUSTER_MAX_DSIZE (12U * 1024U * 1024U)
#define Z_EROFS_LZMA_MAX_DICT_SIZE (8U * 1024U * 1024U)

typedef struct ErofsTree {
        ImageSource src;
        unsigned blkszbits;
        uint32_t blksz;
        uint32_t feature_incompat;
        uint64_t meta_base;                     /* bytes: where nid 0 is */
        uint64_t root_nid;
        uint64_t packed_nid;                    /* with FRAGMENTS */
        uint16_t available_compr_algs;
} ErofsTree;

typedef struct ErofsInode {
        uint64_t nid;
        uint64_t iloc;                          /* bytes, in the region */
        uint64_t inline_start;                  /* after the inode and its xattrs */
        uint64_t size;
        uint32_t mode;                          /* with S_IFMT */
        uint32_t uid, gid;
        uint32_t raw_u;                         /* start block, chunk format */
        unsigned layout;
} ErofsInode;

uint32_t erofs_crc32c(uint32_t crc, const void *p, size_t n) {
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++) {
                crc ^= b[i];
                for (unsigned k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1U)));
        }
        return crc;
}

/* The bytes the checksum covers: the superblock to the end of its block (at least the block size
 * if blocks are smaller than the superblock's offset). */
static size_t checksum_length(unsigned blkszbits) {
        size_t len = (size_t) 1 << blkszbits;
        return len > EROFS_SUPER_OFFSET ? len - EROFS_SUPER_OFFSET : len;
}

static uint32_t superblock_checksum(const uint8_t *sb, size_t len) {
        uint8_t zero[4] = {};
        uint32_t crc;

        crc = erofs_crc32c(~0U, sb, 4);
        crc = erofs_crc32c(crc, zero, 4);
        return erofs_crc32c(crc, sb + 8, len - 8);
}

int erofs_superblock_fix_checksum(uint8_t *image, size_t size) {
        uint8_t *sb;
        size_t len;
        uint32_t crc;

        if (!image || size < EROFS_SUPER_OFFSET + EROFS_SUPER_SIZE)
                return -EINVAL;
        sb = image + EROFS_SUPER_OFFSET;
        if (unaligned_read_le32(sb) != EROFS_SUPER_MAGIC || sb[12] < 9 || sb[12] > 16)
                return -EINVAL;
        if (!(unaligned_read_le32(sb + 8) & EROFS_FEATURE_COMPAT_SB_CHKSUM))
                return 0;
        len = checksum_length(sb[12]);
        if (size - EROFS_SUPER_OFFSET < len)
                return -EINVAL;
        crc = superblock_checksum(sb, len);
        sb[4] = (uint8_t) crc;
        sb[5] = (uint8_t) (crc >> 8);
        sb[6] = (uint8_t) (crc >> 16);
        sb[7] = (uint8_t) (crc >> 24);
        return 0;
}

/* Reads [offset, offset + size) of the region: -EBADMSG if the file system points past it. */
static int erofs_pread(ErofsTree *t, void *buf, size_t size, uint64_t offset) {
        uint64_t end;

        if (__builtin_add_overflow(offset, (uint64_t) size, &end) || end > t->src.size)
                return -EBADMSG;
        return image_source_pread(&t->src, buf, size, offset);
}

static uint64_t blocks_round_up(const ErofsTree *t, uint64_t bytes) {
        return (bytes >> t->blkszbits) + !!(bytes & (t->blksz - 1));
}

static int erofs_read_inode(ErofsTree *t, uint64_t nid, ErofsInode *ret) {
        uint8_t b[64];
        ErofsInode ino = { .nid = nid };
        unsigned ifmt, isize, xattr_isize, icount;
        int r;

        if (nid > (UINT64_MAX - t->meta_base) >> 5)
                return -EBADMSG;
        ino.iloc = t->meta_base + (nid << 5);

        r = erofs_pread(t, b, 32, ino.iloc);
        if (r < 0)
                return r;
        ifmt = unaligned_read_le16(b);
        if (ifmt & ~EROFS_I_ALL)
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has unknown format bits 0x%x.", nid, ifmt);
        ino.layout = (ifmt >> 1) & 7;
        if (ino.layout > EROFS_INODE_CHUNK_BASED)
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has unknown data layout %u.", nid, ino.layout);
        icount = unaligned_read_le16(b + 2);
        ino.mode = unaligned_read_le16(b + 4);
        ino.raw_u = unaligned_read_le32(b + 16);

        if (ifmt & 1) {         /* extended */
                isize = 64;
                r = erofs_pread(t, b + 32, 32, ino.iloc + 32);
                if (r < 0)
                        return r;
                ino.size = unaligned_read_le64(b + 8);
                ino.uid = unaligned_read_le32(b + 24);
                ino.gid = unaligned_read_le32(b + 28);
        } else {
                isize = 32;
                ino.size = unaligned_read_le32(b + 8);
                ino.uid = unaligned_read_le16(b + 24);
                ino.gid = unaligned_read_le16(b + 26);
        }
        xattr_isize = icount ? 12 + 4 * (icount - 1) : 0;
        ino.inline_start = ino.iloc + isize + xattr_isize;     /* iloc + 32 is in the region */

        switch (ino.mode & S_IFMT) {
        case S_IFREG:
        case S_IFDIR:
        case S_IFLNK:
                break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK:
                ino.size = 0;   /* no data */
                break;
        default:
                return log_debug_errno(EBADMSG, "erofs: inode %" PRIu64 " has bogus mode 0%o.", nid, ino.mode);
        }
        if ((ino.layout == EROFS_INODE_CHUNK_BASED && !(t->feature_incompat & EROFS_FEATURE_INCOMPAT_CHUNKED_FILE)))
                return log_debug_errno(EBADMSG, "erofs: inode %" PRIu64 " is chunk-based, the superblock says none are.", nid);
        if (ino.size > INT64_MAX)
                return -EBADMSG;

        *ret = ino;
        return 0;
}

static int erofs_read_data(ErofsTree *t, const ErofsInode *ino, uint64_t offset, uint8_t *buf, size_t len,
                           unsigned depth);

/* FLAT_PLAIN: the data in consecutive blocks from the start block. FLAT_INLINE: the same, but the
 * last (partial) block right after the inode, in the same metadata block. */
static int read_flat(ErofsTree *t, const ErofsInode *ino, uint64_t offset, uint8_t *buf, size_t len) {
        bool inl = ino->layout == EROFS_INODE_FLAT_INLINE;
        uint64_t nblocks = blocks_round_up(t, ino->size), flat_end;
        int r;

        if (nblocks == 0)
                return -EBADMSG;
        flat_end = (nblocks - inl) << t->blkszbits;
        if (!inl)
                flat_end = ino->size;

        if (offset < flat_end) {
                size_t n = (size_t) MIN((uint64_t) len, flat_end - offset);
                uint64_t pos = ((uint64_t) ino->raw_u << t->blkszbits) + offset;

                if (pos < offset)
                        return -EBADMSG;
                r = erofs_pread(t, buf, n, pos);
                if (r < 0)
                        return r;
                buf += n;
                offset += n;
                len -= n;
        }
        if (len == 0)
                return 0;

        /* The tail, inline. It must not cross the metadata block it starts in. */
        uint64_t tail = ino->size - flat_end;
        if ((ino->inline_start & (t->blksz - 1)) + tail > t->blksz)
                return log_debug_errno(EBADMSG, "erofs: inline data of inode %" PRIu64 " crosses a block boundary.", ino->nid);
        return erofs_pread(t, buf, len, ino->inline_start + (offset - flat_end));
}

/* CHUNK_BASED: a block address per chunk (a 4-byte block map or 8-byte chunk indexes) after the
 * inode; EROFS_NULL_ADDR is a hole. */
static int read_chunked(ErofsTree *t, const ErofsInode *ino, uint64_t offset, uint8_t *buf, size_t len) {
        unsigned format = ino->raw_u & 0xFFFFU, chunkbits, unit;
        uint64_t base;

        if (format & ~(EROFS_CHUNK_FORMAT_BLKBITS_MASK | EROFS_CHUNK_FORMAT_INDEXES))
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has unknown chunk format 0x%x.", ino->nid, format);
        chunkbits = t->blkszbits + (format & EROFS_CHUNK_FORMAT_BLKBITS_MASK);
        if (chunkbits > 47)
                return -EBADMSG;
        unit = format & EROFS_CHUNK_FORMAT_INDEXES ? 8 : 4;
        base = (ino->inline_start + unit - 1) & ~(uint64_t) (unit - 1);

        while (len > 0) {
                uint64_t chunknr = offset >> chunkbits, in_chunk = offset & ((UINT64_C(1) << chunkbits) - 1);
                size_t n = (size_t) MIN((uint64_t) len, (UINT64_C(1) << chunkbits) - in_chunk);
                uint8_t e[8];
                uint32_t blk;
                int r;

                uint64_t epos;

                /* chunknr < 2^63 >> 9, times 8: no overflow; the sum is checked. */
                if (__builtin_add_overflow(base, chunknr * unit, &epos))
                        return -EBADMSG;
                r = erofs_pread(t, e, unit, epos);
                if (r < 0)
                        return r;
                /* Block map: le32 block. Chunk index: le16 startblk_hi (48-bit only), le16 device id
                 * (masked to 0 without extra devices, as the kernel does), le32 block. */
                blk = unit == 4 ? unaligned_read_le32(e) : unaligned_read_le32(e + 4);
                if (blk == EROFS_NULL_ADDR)
                        memset(buf, 0, n);
                else {
                        r = erofs_pread(t, buf, n, ((uint64_t) blk << t->blkszbits) + in_chunk);
                        if (r < 0)
                                return r;
                }
                buf += n;
                offset += n;
                len -= n;
        }
        return 0;
}

/* ---- compressed inodes ---- */

typedef struct ZInode {
        ErofsTree *t;
        const ErofsInode *ino;
        unsigned lclusterbits;
        uint16_t advise;
        uint8_t algs[2];
        bool ztail, fragment, whole_fragment;
        uint64_t tail_headlcn;
        uint64_t idata_off;
        uint32_t idata_size;
        uint64_t fragmentoff;
        uint64_t loads_left;                    /* index lookups this read may still do */
} ZInode;

/* One logical cluster's index, as erofs-utils' z_erofs_maprecorder. */
typedef struct ZRec {
        uint64_t lcn;
        uint8_t type, headtype;
        uint32_t clusterofs;
        uint16_t delta[2];
        uint64_t pblk;
        uint32_t compressedblks;
        uint64_t nextpackoff;
        bool partialref;
} ZRec;

typedef struct ZExtent {
        uint64_t la, llen, pa, plen;
        unsigned alg;
        bool full_mapped, partial_ref, fragment;
} ZExtent;

static uint64_t z_map_header_pos(const ErofsInode *ino) {
        return (ino->inline_start + 7) & ~(uint64_t) 7;
}

static int z_load_full(ZInode *z, uint64_t lcn, ZRec *m) {
        uint64_t pos = z_map_header_pos(z->ino) + 16 + lcn * 8;   /* lcn < 2^63 >> 9 */
        uint8_t di[8];
        unsigned advise;
        int r;

        r = erofs_pread(z->t, di, sizeof(di), pos);
        if (r < 0)
                return r;
        m->lcn = lcn;
        m->nextpackoff = pos + 8;
        advise = unaligned_read_le16(di);
        m->type = advise & Z_EROFS_LI_LCLUSTER_TYPE_MASK;
        if (m->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
                m->clusterofs = 1U << z->lclusterbits;
                m->delta[0] = unaligned_read_le16(di + 4);
                if (m->delta[0] & Z_EROFS_LI_D0_CBLKCNT) {
                        if (!(z->advise & (Z_EROFS_ADVISE_BIG_PCLUSTER_1 | Z_EROFS_ADVISE_BIG_PCLUSTER_2)))
                                return -EBADMSG;
                        m->compressedblks = m->delta[0] & ~Z_EROFS_LI_D0_CBLKCNT;
                        m->delta[0] = 1;
                }
                m->delta[1] = unaligned_read_le16(di + 6);
        } else {
                m->partialref = !!(advise & Z_EROFS_LI_PARTIAL_REF);
                m->clusterofs = unaligned_read_le16(di + 2);
                if (m->clusterofs >= 1U << z->lclusterbits)
                        return -EBADMSG;
                m->pblk = unaligned_read_le32(di + 4);
        }
        return 0;
}

static unsigned decode_compactedbits(unsigned lobits, const uint8_t *in, unsigned pos, uint8_t *type) {
        uint32_t v = unaligned_read_le32(in + pos / 8) >> (pos & 7);

        *type = (v >> lobits) & 3;
        return v & ((1U << lobits) - 1);
}

static unsigned get_compacted_la_distance(unsigned lobits, unsigned encodebits, unsigned vcnt,
                                          const uint8_t *in, unsigned i) {
        unsigned lo = 0, d1 = 0;
        uint8_t type;

        do {
                lo = decode_compactedbits(lobits, in, encodebits * i, &type);
                if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
                        return d1;
                ++d1;
        } while (++i < vcnt);

        /* the last NONHEAD lcluster of the pack keeps delta[1] */
        if (!(lo & Z_EROFS_LI_D0_CBLKCNT))
                d1 += lo - 1;
        return d1;
}

static int z_load_compact(ZInode *z, uint64_t lcn, ZRec *m, bool lookahead) {
        const ErofsTree *t = z->t;
        uint64_t ebase = z_map_header_pos(z->ino) + 8;
        uint64_t totalidx = blocks_round_up(t, z->ino->size);
        unsigned lclusterbits = z->lclusterbits, compacted_4b_initial, amortizedshift, vcnt, packsize;
        unsigned lobits, encodebits, lo, nblk;
        bool big_pcluster = z->advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1;
        uint64_t compacted_2b = 0, pos, packstart, rel = lcn;
        uint8_t in[32], type;
        int i, r;

        if (lcn >= totalidx)
                return -EBADMSG;
        m->lcn = lcn;
        compacted_4b_initial = ((32 - ebase % 32) / 4) & 7;
        if ((z->advise & Z_EROFS_ADVISE_COMPACTED_2B) && compacted_4b_initial < totalidx)
                compacted_2b = (totalidx - compacted_4b_initial) & ~(uint64_t) 15;

        pos = ebase;
        amortizedshift = 2;
        if (rel >= compacted_4b_initial) {
                pos += compacted_4b_initial * 4;
                rel -= compacted_4b_initial;
                if (rel < compacted_2b)
                        amortizedshift = 1;
                else {
                        pos += compacted_2b * 2;
                        rel -= compacted_2b;
                }
        }
        pos += rel << amortizedshift;

        if (amortizedshift == 2 && lclusterbits <= 14)
                vcnt = 2;
        else if (amortizedshift == 1 && lclusterbits <= 12)
                vcnt = 16;
        else
                return -EOPNOTSUPP;
        packsize = vcnt << amortizedshift;
        packstart = pos & ~(uint64_t) (packsize - 1);
        r = erofs_pread(z->t, in, packsize, packstart);
        if (r < 0)
                return r;

        m->nextpackoff = packstart + packsize;
        lobits = MAX(lclusterbits, 12U);
        encodebits = (packsize - 4) * 8 / vcnt;
        i = (int) ((pos - packstart) >> amortizedshift);

        lo = decode_compactedbits(lobits, in, encodebits * (unsigned) i, &type);
        m->type = type;
        if (type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
                m->clusterofs = 1U << lclusterbits;
                if (lookahead)
                        m->delta[1] = (uint16_t) get_compacted_la_distance(lobits, encodebits, vcnt, in, (unsigned) i);
                if (lo & Z_EROFS_LI_D0_CBLKCNT) {
                        if (!big_pcluster)
                                return -EBADMSG;
                        m->compressedblks = lo & ~Z_EROFS_LI_D0_CBLKCNT;
                        m->delta[0] = 1;
                        return 0;
                } else if (i + 1 != (int) vcnt) {
                        m->delta[0] = (uint16_t) lo;
                        return 0;
                }
                /* The last lcluster of a pack keeps delta[1]: delta[0] from the one before. */
                lo = decode_compactedbits(lobits, in, encodebits * (unsigned) (i - 1), &type);
                if (type != Z_EROFS_LCLUSTER_TYPE_NONHEAD)
                        lo = 0;
                else if (lo & Z_EROFS_LI_D0_CBLKCNT)
                        lo = 1;
                m->delta[0] = (uint16_t) (lo + 1);
                return 0;
        }
        m->clusterofs = lo;
        if (m->clusterofs >= 1U << lclusterbits)
                return -EBADMSG;
        m->delta[0] = 0;
        /* the block address of a HEAD lcluster: the pack's base plus the blocks before it */
        if (!big_pcluster) {
                nblk = 1;
                while (i > 0) {
                        --i;
                        lo = decode_compactedbits(lobits, in, encodebits * (unsigned) i, &type);
                        if (type == Z_EROFS_LCLUSTER_TYPE_NONHEAD)
                                i -= (int) lo;
                        if (i >= 0)
                                ++nblk;
                }
        } else {
                nblk = 0;
                while (i > 0) {
                        --i;
                        lo = decode_compactedbits(lobits, in, encodebits * (unsigned) i, &type);
                        if (type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
                                if (lo & Z_EROFS_LI_D0_CBLKCNT) {
                                        --i;
                                        nblk += lo & ~Z_EROFS_LI_D0_CBLKCNT;
                                        continue;
                                }
                                if (lo <= 1)    /* a big pcluster has no plain d0 == 1 */
                                        return -EBADMSG;
                                i -= (int) lo - 2;
                                continue;
                        }
                        ++nblk;
                }
        }
        m->pblk = (uint64_t) unaligned_read_le32(in + packsize - 4) + nblk;
        return 0;
}

static int z_load(ZInode *z, uint64_t lcn, ZRec *m, bool lookahead) {
        if (z->loads_left == 0)
                return log_debug_errno(EBADMSG, "erofs: too many index lookups in inode %" PRIu64 ".", z->ino->nid);
        z->loads_left--;
        if (z->ino->layout == EROFS_INODE_COMPRESSED_FULL)
                return z_load_full(z, lcn, m);
        return z_load_compact(z, lcn, m, lookahead);
}

static int z_lookback(ZInode *z, ZRec *m, uint64_t *la, unsigned distance) {
        while (m->lcn >= distance) {
                uint64_t lcn = m->lcn - distance;
                int r;

                r = z_load(z, lcn, m, false);
                if (r < 0)
                        return r;
                if (m->type == Z_EROFS_LCLUSTER_TYPE_NONHEAD) {
                        distance = m->delta[0];
                        if (distance == 0)
                                break;
                        continue;
                }
                m->headtype = m->type;
                *la = (lcn << z->lclusterbits) | m->clusterofs;
                return 0;
        }
        return log_debug_errno(EBADMSG, "erofs: bogus lookback distance in inode %" PRIu64 ".", z->ino->nid);
}

static int z_compressedlen(ZInode *z, ZRec *m, uint64_t *ret_plen) {
        bool bigpcl1 = z->advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1, bigpcl2 = z->advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2;
        uint64_t lcn = m->lcn + 1;
        int r;

        if ((m->headtype == Z_EROFS_LCLUSTER_TYPE_HEAD1 && !bigpcl1) ||
            ((m->headtype == Z_EROFS_LCLUSTER_TYPE_PLAIN || m->headtype == Z_EROFS_LCLUSTER_TYPE_HEAD2) && !bigpcl2) ||
            (lcn << z->lclusterbits) >= z->ino->size)
                m->compressedblks = 1;

        if (m->compressedblks == 0) {
                r = z_load(z, lcn, m, false);
                if (r < 0)
                        return r;
                switch (m->type) {
                case Z_EROFS_LCLUSTER_TYPE_PLAIN:
                case Z_EROFS_LCLUSTER_TYPE_HEAD1:
                case Z_EROFS_LCLUSTER_TYPE_HEAD2:
                        m->compressedblks = 1;  /* the next lcluster is a head: a 1-block pcluster */
                        break;
                default:
                        if (m->delta[0] != 1 || m->compressedblks == 0)
                                return log_debug_errno(EBADMSG, "erofs: no CBLKCNT in inode %" PRIu64 ".", z->ino->nid);
                }
        }
        *ret_plen = (uint64_t) m->compressedblks << z->t->blkszbits;
        return 0;
}

/* The extent holding byte ofs, as z_erofs_do_map_blocks(): it starts at its HEAD lcluster and ends at
 * the end of ofs' lcluster, or at the next HEAD in it. findtail: the file's last extent, to learn
 * where an inline tail pcluster is. */
static int z_map(ZInode *z, uint64_t ofs, bool findtail, ZExtent *ret) {
        uint64_t initial_lcn = ofs >> z->lclusterbits, end, plen = 0;
        unsigned endoff = (unsigned) (ofs & ((UINT64_C(1) << z->lclusterbits) - 1));
        ZExtent e = {};
        ZRec m = {};
        int r;

        if (z->whole_fragment) {
                *ret = (ZExtent) { .la = 0, .llen = z->ino->size, .fragment = true, .full_mapped = true };
                return 0;
        }

        r = z_load(z, initial_lcn, &m, false);
        if (r < 0)
                return r;
        if (z->ztail && findtail)
                z->idata_off = m.nextpackoff;

        end = (m.lcn + 1) << z->lclusterbits;
        switch (m.type) {
        case Z_EROFS_LCLUSTER_TYPE_PLAIN:
        case Z_EROFS_LCLUSTER_TYPE_HEAD1:
        case Z_EROFS_LCLUSTER_TYPE_HEAD2:
                if (endoff >= m.clusterofs) {
                        m.headtype = m.type;
                        e.la = (m.lcn << z->lclusterbits) | m.clusterofs;
                        /* an inline tail's last lcluster may hold three parts */
                        if (z->ztail && end > z->ino->size)
                                end = z->ino->size;
                        break;
                }
                if (m.lcn == 0)
                        return log_debug_errno(EBADMSG, "erofs: invalid logical cluster 0 in inode %" PRIu64 ".", z->ino->nid);
                end = (m.lcn << z->lclusterbits) | m.clusterofs;
                e.full_mapped = true;
                m.delta[0] = 1;
                _fallthrough_;
        default: /* NONHEAD */
                r = z_lookback(z, &m, &e.la, m.delta[0]);
                if (r < 0)
                        return r;
        }
        e.partial_ref = m.partialref;
        if (end <= e.la || e.la > ofs)
                return -EBADMSG;
        e.llen = end - e.la;

        if (findtail) {
                z->tail_headlcn = m.lcn;
                if (z->fragment && z->ino->layout == EROFS_INODE_COMPRESSED_FULL)
                        z->fragmentoff |= m.pblk << 32;
        }
        if (z->ztail && m.lcn == z->tail_headlcn) {
                e.pa = z->idata_off;
                e.plen = z->idata_size;
        } else if (z->fragment && m.lcn == z->tail_headlcn) {
                e.fragment = true;
                *ret = e;
                return 0;
        } else {
                if (m.pblk > UINT32_MAX)
                        return -EBADMSG;
                e.pa = m.pblk << z->t->blkszbits;
                r = z_compressedlen(z, &m, &plen);
                if (r < 0)
                        return r;
                e.plen = plen;
        }

        if (m.headtype == Z_EROFS_LCLUSTER_TYPE_PLAIN) {
                if (e.llen > e.plen)
                        return log_debug_errno(EBADMSG, "erofs: uncompressed extent larger than its pcluster in inode %" PRIu64 ".", z->ino->nid);
                e.alg = z->advise & Z_EROFS_ADVISE_INTERLACED_PCLUSTER ? Z_EROFS_COMPRESSION_INTERLACED : Z_EROFS_COMPRESSION_SHIFTED;
        } else {
                e.alg = m.headtype == Z_EROFS_LCLUSTER_TYPE_HEAD2 ? z->algs[1] : z->algs[0];
                if (!(z->t->available_compr_algs & (1U << e.alg)))
                        return log_debug_errno(EBADMSG, "erofs: inode %" PRIu64 " uses compression %u, the superblock lists none such.",
                                               z->ino->nid, e.alg);
        }
        if (e.plen > Z_EROFS_PCLUSTER_MAX_SIZE || e.llen > Z_EROFS_PCLUSTER_MAX_DSIZE)
                return log_debug_errno(EOPNOTSUPP, "erofs: extent too large in inode %" PRIu64 ".", z->ino->nid);
        *ret = e;
        return 0;
}

static int z_init(ZInode *z, ErofsTree *t, const ErofsInode *ino) {
        uint8_t h[8];
        int r;

        *z = (ZInode) { .t = t, .ino = ino };
        r = erofs_pread(t, h, sizeof(h), z_map_header_pos(ino));
        if (r < 0)
                return r;

        if (h[7] >> Z_EROFS_FRAGMENT_INODE_BIT) {       /* the whole file is in the packed inode */
                if (!(t->feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS))
                        return -EBADMSG;
                z->fragment = z->whole_fragment = true;
                z->fragmentoff = unaligned_read_le64(h) ^ (UINT64_C(1) << 63);
                return 0;
        }

        z->advise = unaligned_read_le16(h + 4);
        z->algs[0] = h[6] & 15;
        z->algs[1] = h[6] >> 4;
        if (ino->layout == EROFS_INODE_COMPRESSED_FULL && (z->advise & Z_EROFS_ADVISE_EXTENTS))
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has compressed extents, not read.", ino->nid);
        if (z->algs[0] >= Z_EROFS_COMPRESSION_MAX || z->algs[1] >= Z_EROFS_COMPRESSION_MAX)
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has unknown compression 0x%x.", ino->nid, h[6]);
        if (h[7] & 0x78)
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " has unknown cluster bits 0x%x.", ino->nid, h[7]);
        z->lclusterbits = t->blkszbits + (h[7] & 7);
        if (ino->layout == EROFS_INODE_COMPRESSED_COMPACT) {
                if (!(z->advise & Z_EROFS_ADVISE_BIG_PCLUSTER_1) != !(z->advise & Z_EROFS_ADVISE_BIG_PCLUSTER_2))
                        return log_debug_errno(EBADMSG, "erofs: inconsistent big pcluster flags in inode %" PRIu64 ".", ino->nid);
                if (z->lclusterbits != t->blkszbits)
                        return log_debug_errno(EOPNOTSUPP, "erofs: compact indexes with clusters larger than a block in inode %" PRIu64 ".", ino->nid);
        }
        /* Lookups: a few per extent, an extent per logical cluster at most. */
        z->loads_left = 8 * ((ino->size >> z->lclusterbits) + 4);

        if (z->advise & Z_EROFS_ADVISE_INLINE_PCLUSTER) {
                ZExtent e;

                if (!(t->feature_incompat & EROFS_FEATURE_INCOMPAT_ZTAILPACKING))
                        return -EBADMSG;
                z->ztail = true;
                z->idata_size = unaligned_read_le16(h + 2);
                r = z_map(z, ino->size - 1, true, &e);
                if (r < 0)
                        return r;
                if (e.plen == 0 || (e.pa & (t->blksz - 1)) + e.plen > t->blksz)
                        return log_debug_errno(EBADMSG, "erofs: invalid inline pcluster in inode %" PRIu64 ".", ino->nid);
        }
        if (z->advise & Z_EROFS_ADVISE_FRAGMENT_PCLUSTER) {
                ZExtent e;

                if (!(t->feature_incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS))
                        return -EBADMSG;
                z->fragment = true;
                z->fragmentoff = unaligned_read_le32(h);
                r = z_map(z, ino->size - 1, true, &e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* rq: decompress the pcluster in (insize bytes) to its first length bytes, of which the first skip
 * are dropped: out gets length - skip bytes. */
static int z_decompress(ZInode *z, const ZExtent *e, uint8_t *in, size_t insize, uint8_t *out, size_t skip,
                        size_t length, bool partial) {
        _cleanup_free_ uint8_t *tmp = NULL;
        size_t margin = 0;
        uint8_t *dst = out;
        int r;

        assert(skip <= length);

        switch (e->alg) {
        case Z_EROFS_COMPRESSION_SHIFTED:
                if (length > insize)
                        return -EBADMSG;
                memcpy(out, in + skip, length - skip);
                return 0;

        case Z_EROFS_COMPRESSION_INTERLACED: {
                size_t count, rightpart, s;

                if (length > insize || insize > z->t->blksz)
                        return -EBADMSG;
                count = length - skip;
                s = (size_t) ((e->la + skip) & (z->t->blksz - 1));
                if (s > insize)
                        return -EBADMSG;
                rightpart = MIN(insize - s, count);
                memcpy(out, in + s, rightpart);
                if (count - rightpart > s)
                        return -EBADMSG;
                memcpy(out + rightpart, in, count - rightpart);
                return 0;
        }

        case Z_EROFS_COMPRESSION_LZ4:
        case Z_EROFS_COMPRESSION_LZMA:
                break;

        default:
                return log_debug_errno(EOPNOTSUPP, "erofs: inode %" PRIu64 " uses compression %u, not read.", z->ino->nid, e->alg);
        }

        /* Compressed data ends at the pcluster's end, zeros before it (0padding; always for LZMA). */
        if (e->alg == Z_EROFS_COMPRESSION_LZMA || (z->t->feature_incompat & EROFS_FEATURE_INCOMPAT_LZ4_0PADDING)) {
                while (margin < insize && in[margin] == 0)
                        margin++;
                if (margin >= insize)
                        return -EBADMSG;
        }
        if (skip > 0) {
                tmp = malloc(length);
                if (!tmp)
                        return -ENOMEM;
                dst = tmp;
        }

        if (e->alg == Z_EROFS_COMPRESSION_LZ4) {
                int n;

                r = dlopen_lz4();
                if (r < 0)
                        return r;
                if (partial || !(z->t->feature_incompat & EROFS_FEATURE_INCOMPAT_LZ4_0PADDING))
                        n = sym_LZ4_decompress_safe_partial((const char *) in + margin, (char *) dst, (int) (insize - margin),
                                                            (int) length, (int) length);
                else
                        n = sym_LZ4_decompress_safe((const char *) in + margin, (char *) dst, (int) (insize - margin), (int) length);
                if (n < 0 || (size_t) n != length)
                        return log_debug_errno(EBADMSG, "erofs: corrupted lz4 data in inode %" PRIu64 ".", z->ino->nid);
        } else {
                lzma_stream strm = LZMA_STREAM_INIT;
                lzma_ret lr;

                r = dlopen_lzma();
                if (r < 0)
                        return r;
                strm.next_in = in + margin;
                strm.avail_in = insize - margin;
                strm.next_out = dst;
                strm.avail_out = length;
                /* A pcluster is a stream of its own: no reference reaches further back than its own
                 * output, so a dictionary of that size is enough. */
                lr = sym_lzma_microlzma_decoder(&strm, strm.avail_in, length, !partial,
                                                (uint32_t) MIN(MAX(length, (size_t) 4096), (size_t) Z_EROFS_LZMA_MAX_DICT_SIZE));
                if (lr != LZMA_OK)
                        return lr == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
                lr = sym_lzma_code(&strm, LZMA_FINISH);
                sym_lzma_end(&strm);
                if (lr == LZMA_MEM_ERROR)
                        return -ENOMEM;
                if (lr != LZMA_STREAM_END || strm.avail_out != 0)
                        return log_debug_errno(EBADMSG, "erofs: corrupted lzma data in inode %" PRIu64 ".", z->ino->nid);
        }

        if (skip > 0)
                memcpy(out, tmp + skip, length - skip);
        return 0;
}

/* [offset, offset + len) of a compressed inode, from its last extent backwards, as
 * z_erofs_read_data(): each extent is decompressed once, to just what is needed. */
static int read_compressed(ErofsTree *t, const ErofsInode *ino, uint64_t offset, uint8_t *buf, size_t len,
                           unsigned depth) {
        _cleanup_free_ uint8_t *raw = NULL;
        size_t rawsize = 0;
        uint64_t end = offset + len;
        ZInode z;
        int r;

        r = z_init(&z, t, ino);
        if (r < 0)
                return r;

        while (end > offset) {
                uint64_t length, skip, start;
                bool trimmed;
                ZExtent e;

                r = z_map(&z, end - 1, false, &e);
                if (r < 0)
                        return r;
                if (e.la >= end || e.la + e.llen < end)
                        return -EBADMSG;
                if (end < e.la + e.llen) {
                        length = end - e.la;
                        trimmed = true;
                } else {
                        length = e.llen;
                        trimmed = false;
                }
                if (e.la < offset) {
                        skip = offset - e.la;
                        start = offset;
                } else {
                        skip = 0;
                        start = e.la;
                }

                if (e.fragment) {
                        ErofsInode packed;
                        uint64_t from;

                        if (depth > 0 || ino->nid == t->packed_nid)
                                return log_debug_errno(EBADMSG, "erofs: fragment in the packed inode.");
                        r = erofs_read_inode(t, t->packed_nid, &packed);
                        if (r < 0)
                                return r;
                        if (!S_ISREG(packed.mode) || __builtin_add_overflow(z.fragmentoff, skip, &from))
                                return -EBADMSG;
                        r = erofs_read_data(t, &packed, from, buf + (start - offset), (size_t) (length - skip), depth + 1);
                        if (r < 0)
                                return r;
                } else {
                        if (e.plen == 0)
                                return -EBADMSG;
                        if (e.plen > rawsize) {
                                free(raw);
                                raw = malloc(e.plen);
                                if (!raw) {
                                        rawsize = 0;
                                        return -ENOMEM;
                                }
                                rawsize = e.plen;
                        }
                        r = erofs_pread(t, raw, e.plen, e.pa);
                        if (r < 0)
                                return r;
                        r = z_decompress(&z, &e, raw, e.plen, buf + (start - offset), skip, length,
                                         trimmed || !e.full_mapped || e.partial_ref);
                        if (r < 0)
                                return r;
                }
                end = start;
        }
        return 0;
}

/* [offset, offset + len) of the inode's data, which must be inside its size. depth: 1 when reading
 * the packed inode for a fragment. */
static int erofs_read_data(ErofsTree *t, const ErofsInode *ino, uint64_t offset, uint8_t *buf, size_t len,
                           unsigned depth) {
        uint64_t end;

        if (__builtin_add_overflow(offset, (uint64_t) len, &end) || end > ino->size)
                return -EBADMSG;
        if (len == 0)
                return 0;

        switch (ino->layout) {
        case EROFS_INODE_FLAT_PLAIN:
        case EROFS_INODE_FLAT_INLINE:
                return read_flat(t, ino, offset, buf, len);
        case EROFS_INODE_CHUNK_BASED:
                return read_chunked(t, ino, offset, buf, len);
        case EROFS_INODE_COMPRESSED_FULL:
        case EROFS_INODE_COMPRESSED_COMPACT:
                return read_compressed(t, ino, offset, buf, len, depth);
        default:
                return -EOPNOTSUPP;
        }
}

/* ---- directories ---- */

typedef struct DirBlock {
        uint8_t *data;                          /* blksz bytes */
        size_t size;                            /* of the block in the directory */
        unsigned n;                             /* entries */
} DirBlock;

typedef struct DirEntry {
        const char *name;
        size_t len;
        uint64_t nid;
} DirEntry;

/* Reads and checks directory block lblk: every entry's name is where the previous one ended,
 * non-empty, at most 255 bytes, inside the block, without '/' or NUL. */
static int dir_block_read(ErofsTree *t, const ErofsInode *dir, uint64_t lblk, DirBlock *b) {
        uint64_t pos = lblk << t->blkszbits;
        unsigned nameoff0, next;
        int r;

        b->size = (size_t) MIN((uint64_t) t->blksz, dir->size - pos);
        r = erofs_read_data(t, dir, pos, b->data, b->size, 0);
        if (r < 0)
                return r;

        if (b->size < EROFS_DIRENT_SIZE)
                return -EBADMSG;
        nameoff0 = unaligned_read_le16(b->data + 8);
        if (nameoff0 < EROFS_DIRENT_SIZE || nameoff0 % EROFS_DIRENT_SIZE != 0 || nameoff0 > b->size)
                return log_debug_errno(EBADMSG, "erofs: bogus directory block %" PRIu64 " in inode %" PRIu64 ".", lblk, dir->nid);
        b->n = nameoff0 / EROFS_DIRENT_SIZE;

        next = nameoff0;
        for (unsigned i = 0; i < b->n; i++) {
                const uint8_t *de = b->data + i * EROFS_DIRENT_SIZE;
                unsigned nameoff = unaligned_read_le16(de + 8);
                size_t len;

                if (nameoff != next || nameoff >= b->size)
                        return log_debug_errno(EBADMSG, "erofs: bogus name offset in directory inode %" PRIu64 ".", dir->nid);
                if (i + 1 < b->n) {
                        unsigned nextoff = unaligned_read_le16(de + EROFS_DIRENT_SIZE + 8);
                        if (nextoff <= nameoff || nextoff > b->size)
                                return log_debug_errno(EBADMSG, "erofs: bogus name offset in directory inode %" PRIu64 ".", dir->nid);
                        len = nextoff - nameoff;
                } else
                        len = strnlen((const char *) b->data + nameoff, b->size - nameoff);
                if (len == 0 || len > EROFS_NAME_LEN ||
                    memchr(b->data + nameoff, '/', len) || memchr(b->data + nameoff, 0, len))
                        return log_debug_errno(EBADMSG, "erofs: bogus name in directory inode %" PRIu64 ".", dir->nid);
                next = nameoff + (unsigned) len;
        }
        return 0;
}

static DirEntry dir_block_entry(const DirBlock *b, unsigned i) {
        const uint8_t *de = b->data + i * EROFS_DIRENT_SIZE;
        unsigned nameoff = unaligned_read_le16(de + 8);
        size_t len = i + 1 < b->n ? (size_t) (unaligned_read_le16(de + EROFS_DIRENT_SIZE + 8) - nameoff)
                                  : strnlen((const char *) b->data + nameoff, b->size - nameoff);

        return (DirEntry) { .name = (const char *) b->data + nameoff, .len = len, .nid = unaligned_read_le64(de) };
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen) {
        int c = memcmp(a, b, MIN(alen, blen));
        return c != 0 ? c : CMP(alen, blen);
}

static bool is_dot_or_dotdot(const DirEntry *e) {
        return (e->len == 1 && e->name[0] == '.') || (e->len == 2 && e->name[0] == '.' && e->name[1] == '.');
}

static int erofs_node_from_inode(const ErofsInode *ino, TreeNode *ret) {
        char type;

        switch (ino->mode & S_IFMT) {
        case S_IFDIR:
                type = TREE_NODE_DIR;
                break;
        case S_IFREG:
                type = TREE_NODE_FILE;
                break;
        case S_IFLNK:
                type = TREE_NODE_SYMLINK;
                break;
        case S_IFCHR:
                type = TREE_NODE_CHAR;
                break;
        default:
                type = TREE_NODE_OTHER;
        }
        *ret = (TreeNode) {
                .id = ino->nid,
                .priv = ino->iloc,
                .type = type,
                .mode = ino->mode & 07777,
                .uid = ino->uid,
                .gid = ino->gid,
                .size = ino->size,
        };
        return 0;
}

static int erofs_dir_inode(ErofsTree *t, const TreeNode *node, ErofsInode *ret) {
        int r;

        r = erofs_read_inode(t, node->id, ret);
        if (r < 0)
                return r;
        if (!S_ISDIR(ret->mode))
                return -ENOTDIR;
        return 0;
}

static int erofs_op_root(void *data, TreeNode *ret) {
        ErofsTree *t = data;
        ErofsInode ino;
        int r;

        assert(t);
        assert(ret);

        r = erofs_read_inode(t, t->root_nid, &ino);
        if (r < 0)
                return r;
        if (!S_ISDIR(ino.mode))
                return -EBADMSG;
        return erofs_node_from_inode(&ino, ret);
}

static int erofs_op_lookup(void *data, const TreeNode *dir, const char *name, TreeNode *ret) {
        ErofsTree *t = data;
        _cleanup_free_ uint8_t *blk = NULL;
        uint64_t nblocks, lo, hi, candidate = UINT64_MAX;
        ErofsInode d, ino;
        DirBlock b;
        size_t len;
        int r;

        assert(t);
        assert(dir);
        assert(name);
        assert(ret);

        len = strlen(name);
        if (len == 0 || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        if (len > EROFS_NAME_LEN)
                return -ENOENT;

        r = erofs_dir_inode(t, dir, &d);
        if (r < 0)
                return r;
        nblocks = blocks_round_up(t, d.size);
        if (nblocks == 0)
                return -ENOENT;
        blk = malloc(t->blksz);
        if (!blk)
                return -ENOMEM;
        b = (DirBlock) { .data = blk };

        /* Names are sorted (strcmp() order) across blocks: the block whose first name is the last
         * one not after name, found by binary search as the kernel's erofs_namei() does. */
        lo = 0;
        hi = nblocks;
        while (lo < hi) {
                uint64_t mid = lo + (hi - lo) / 2;
                DirEntry e;
                int c;

                r = dir_block_read(t, &d, mid, &b);
                if (r < 0)
                        return r;
                e = dir_block_entry(&b, 0);
                c = name_cmp(name, len, e.name, e.len);
                if (c == 0)
                        goto found;
                if (c < 0)
                        hi = mid;
                else {
                        candidate = mid;
                        lo = mid + 1;
                }
        }
        if (candidate == UINT64_MAX)
                return -ENOENT;
        r = dir_block_read(t, &d, candidate, &b);
        if (r < 0)
                return r;
        for (unsigned i = 1; i < b.n; i++) {
                DirEntry e = dir_block_entry(&b, i);
                if (name_cmp(name, len, e.name, e.len) == 0) {
                        r = erofs_read_inode(t, e.nid, &ino);
                        if (r < 0)
                                return r;
                        return erofs_node_from_inode(&ino, ret);
                }
        }
        return -ENOENT;

found:
        r = erofs_read_inode(t, dir_block_entry(&b, 0).nid, &ino);
        if (r < 0)
                return r;
        return erofs_node_from_inode(&ino, ret);
}

static int erofs_op_list(void *data, const TreeNode *dir, size_t max, char ***ret) {
        ErofsTree *t = data;
        _cleanup_free_ uint8_t *blk = NULL;
        char **l = NULL;
        size_t n = 0, allocated = 0;
        unsigned dots = 0;
        uint64_t nblocks;
        ErofsInode d;
        DirBlock b;
        int r;

        assert(t);
        assert(dir);
        assert(ret);

        r = erofs_dir_inode(t, dir, &d);
        if (r < 0)
                return r;
        nblocks = blocks_round_up(t, d.size);
        blk = malloc(t->blksz);
        if (!blk)
                return -ENOMEM;
        b = (DirBlock) { .data = blk };

        /* Every block has an entry, and only "." and ".." (once each) are not listed: at most
         * max + 3 blocks are read before -E2BIG. */
        for (uint64_t lblk = 0; lblk < nblocks; lblk++) {
                r = dir_block_read(t, &d, lblk, &b);
                if (r < 0)
                        goto fail;
                for (unsigned i = 0; i < b.n; i++) {
                        DirEntry e = dir_block_entry(&b, i);

                        if (is_dot_or_dotdot(&e)) {
                                if (++dots > 2) {
                                        r = -EBADMSG;
                                        goto fail;
                                }
                                continue;
                        }
                        if (n >= max) {
                                r = -E2BIG;
                                goto fail;
                        }
                        if (n + 2 > allocated) {
                                size_t a = MAX(allocated * 2, (size_t) 16);
                                char **nl = reallocarray(l, a, sizeof(char *));
                                if (!nl) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                l = nl;
                                allocated = a;
                        }
                        l[n] = strndup(e.name, e.len);
                        if (!l[n]) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        l[++n] = NULL;
                }
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = l;
        return 0;

fail:
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
        return r;
}

static int erofs_op_readlink(void *data, const TreeNode *node, char **ret) {
        ErofsTree *t = data;
        _cleanup_free_ char *s = NULL;
        ErofsInode ino;
        int r;

        assert(t);
        assert(node);
        assert(ret);

        r = erofs_read_inode(t, node->id, &ino);
        if (r < 0)
                return r;
        if (!S_ISLNK(ino.mode))
                return -EINVAL;
        if (ino.size == 0)
                return -EBADMSG;
        if (ino.size > PATH_MAX - 1)
                return -ENAMETOOLONG;
        s = malloc(ino.size + 1);
        if (!s)
                return -ENOMEM;
        r = erofs_read_data(t, &ino, 0, (uint8_t *) s, ino.size, 0);
        if (r < 0)
                return r;
        if (memchr(s, 0, ino.size))
                return -EBADMSG;
        s[ino.size] = 0;
        *ret = TAKE_PTR(s);
        return 0;
}

static int erofs_op_read(void *data, const TreeNode *node, size_t max, char **ret, size_t *ret_size) {
        ErofsTree *t = data;
        _cleanup_free_ char *s = NULL;
        ErofsInode ino;
        int r;

        assert(t);
        assert(node);
        assert(ret);

        r = erofs_read_inode(t, node->id, &ino);
        if (r < 0)
                return r;
        if (S_ISDIR(ino.mode))
                return -EISDIR;
        if (!S_ISREG(ino.mode))
                return -EINVAL;
        if (ino.size > max || ino.size >= SIZE_MAX)
                return -EFBIG;
        s = malloc(ino.size + 1);
        if (!s)
                return -ENOMEM;
        r = erofs_read_data(t, &ino, 0, (uint8_t *) s, ino.size, 0);
        if (r < 0)
                return r;
        s[ino.size] = 0;
        *ret = TAKE_PTR(s);
        if (ret_size)
                *ret_size = ino.size;
        return 0;
}

static void erofs_op_free(void *data) {
        free(data);
}

static const ImageTreeOps erofs_tree_ops = {
        .name = "erofs",
        .root = erofs_op_root,
        .lookup = erofs_op_lookup,
        .list = erofs_op_list,
        .readlink = erofs_op_readlink,
        .read = erofs_op_read,
        .free = erofs_op_free,
};

int erofs_tree_open(const ImageSource *src, ImageTree *ret) {
        _cleanup_free_ ErofsTree *t = NULL;
        _cleanup_free_ uint8_t *block = NULL;
        uint8_t sb[EROFS_SUPER_SIZE];
        uint32_t compat, incompat, blocks;
        unsigned blkszbits;
        ErofsInode root;
        int r;

        assert(src);
        assert(ret);

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->src = *src;

        r = erofs_pread(t, sb, sizeof(sb), EROFS_SUPER_OFFSET);
        if (r < 0)
                return log_debug_errno(r == -EBADMSG ? EBADMSG : r, "erofs: cannot read the superblock: %m");
        if (unaligned_read_le32(sb) != EROFS_SUPER_MAGIC)
                return log_debug_errno(EBADMSG, "erofs: no erofs superblock.");
        blkszbits = sb[12];
        if (blkszbits < 9 || blkszbits > 16)
                return log_debug_errno(EOPNOTSUPP, "erofs: block size 2^%u not read.", blkszbits);
        compat = unaligned_read_le32(sb + 8);
        incompat = unaligned_read_le32(sb + 80);

        if (compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) {
                size_t len = checksum_length(blkszbits);

                block = malloc(len);
                if (!block)
                        return -ENOMEM;
                r = erofs_pread(t, block, len, EROFS_SUPER_OFFSET);
                if (r < 0)
                        return log_debug_errno(r, "erofs: cannot read the superblock's block: %m");
                if (superblock_checksum(block, len) != unaligned_read_le32(sb + 4))
                        return log_debug_errno(EBADMSG, "erofs: superblock checksum mismatch.");
        }
        if (incompat & ~EROFS_FEATURE_INCOMPAT_READ)
                return log_debug_errno(EOPNOTSUPP, "erofs: incompatible features 0x%x not read.", incompat & ~EROFS_FEATURE_INCOMPAT_READ);
        if (unaligned_read_le16(sb + 86) != 0)
                return log_debug_errno(EOPNOTSUPP, "erofs: %u extra devices, not read.", unaligned_read_le16(sb + 86));
        if (sb[90] != 0)
                return log_debug_errno(EOPNOTSUPP, "erofs: directory block bits %u not read.", sb[90]);

        t->blkszbits = blkszbits;
        t->blksz = UINT32_C(1) << blkszbits;
        t->feature_incompat = incompat;
        t->meta_base = (uint64_t) unaligned_read_le32(sb + 40) << blkszbits;
        t->root_nid = unaligned_read_le16(sb + 14);
        t->packed_nid = incompat & EROFS_FEATURE_INCOMPAT_FRAGMENTS ? unaligned_read_le64(sb + 96) : UINT64_MAX;
        if (incompat & EROFS_FEATURE_INCOMPAT_COMPR_CFGS) {
                t->available_compr_algs = unaligned_read_le16(sb + 84);
                if (t->available_compr_algs & ~Z_EROFS_ALL_COMPR_ALGS)
                        return log_debug_errno(EOPNOTSUPP, "erofs: unknown compression algorithms 0x%x.", t->available_compr_algs);
        } else
                t->available_compr_algs = 1U << Z_EROFS_COMPRESSION_LZ4;

        blocks = unaligned_read_le32(sb + 36);
        if (((uint64_t) blocks << blkszbits) > src->size)
                return log_debug_errno(EBADMSG, "erofs: %" PRIu32 " blocks of %" PRIu32 " bytes, the image has %" PRIu64 " bytes: truncated.",
                                       blocks, t->blksz, src->size);

        r = erofs_read_inode(t, t->root_nid, &root);
        if (r < 0)
                return log_debug_errno(r, "erofs: cannot read the root inode: %m");
        if (!S_ISDIR(root.mode))
                return log_debug_errno(EBADMSG, "erofs: the root inode is not a directory.");

        return image_tree_make(&erofs_tree_ops, TAKE_PTR(t), ret);
}
