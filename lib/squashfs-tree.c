/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "squashfs-dl.h"
#include "squashfs-tree.h"
#include "strv.h"
#include "unaligned.h"

/* No directory has more entries than this (a lookup reads at most this many, -E2BIG beyond): a
 * hostile directory of 4 GiB of tiny entries that compress to little must not keep a lookup busy
 * for seconds. */
#define SQFS_DIR_ENTRIES_MAX (1U << 17)
/* Names as the kernel allows them (SQUASHFS_NAME_LEN). */
#define SQFS_NAME_MAX 256U
/* The fragment table is read whole by libsquashfs: at most 64 MiB (4 Mi fragments). */
#define SQFS_FRAGMENTS_MAX (1U << 22)
#define SQFS_INVALID_FRAG 0xFFFFFFFFU

typedef struct SqfsSource {
        sqfs_file_t base;               /* first: libsquashfs gets &base */
        ImageSource src;
        int error;                      /* the last error of image_source_pread(), for SQFS_ERROR_IO */
} SqfsSource;

/* A meta reader keeps one metadata block decompressed. Walking a path goes back and forth between
 * a few blocks (a directory's listing, the inodes of its entries, the parent's), so each table has a
 * few readers, and a read goes to the one that has its block (else to the least recently used):
 * the kernel keeps 8 metadata blocks cached for the same reason. */
#define META_READERS 4

typedef struct MetaPool {
        sqfs_meta_reader_t *r[META_READERS];
        uint64_t block[META_READERS];   /* the block each reader last seeked to */
        uint64_t used[META_READERS];
        uint64_t tick;
        uint64_t start, limit;          /* the table */
} MetaPool;

typedef struct SquashfsTree {
        SqfsSource file;
        sqfs_super_t super;
        sqfs_compressor_t *cmp;
        sqfs_id_table_t *ids;
        MetaPool inodes;                /* the inode table */
        MetaPool dirs;                  /* the directory table */
        sqfs_meta_reader_t *ir;         /* of inodes, the one inode_load() used last */
        sqfs_data_reader_t *data;
} SquashfsTree;

/* An inode as parsed here, before anything is handed to libsquashfs. */
typedef struct SqfsInode {
        TreeNode node;
        uint16_t type;                  /* SQFS_INODE_* */
        uint32_t dir_start_block;       /* directories: where the listing is */
        uint16_t dir_offset;
        uint32_t dir_size;
} SqfsInode;

static int source_read_at(sqfs_file_t *file, sqfs_u64 offset, void *buffer, size_t size) {
        SqfsSource *f = (SqfsSource *) file;
        int r;

        if (size == 0)
                return 0;
        /* Out of the region is a malformed image, not an I/O error. */
        if (offset > f->src.size || size > f->src.size - offset)
                return SQFS_ERROR_OUT_OF_BOUNDS;
        r = image_source_pread(&f->src, buffer, size, offset);
        if (r < 0) {
                f->error = r;
                return SQFS_ERROR_IO;
        }
        return 0;
}

static int source_write_at(sqfs_file_t *file, sqfs_u64 offset, const void *buffer, size_t size) {
        return SQFS_ERROR_UNSUPPORTED;
}

static sqfs_u64 source_get_size(const sqfs_file_t *file) {
        return ((const SqfsSource *) file)->src.size;
}

static int source_truncate(sqfs_file_t *file, sqfs_u64 size) {
        return SQFS_ERROR_UNSUPPORTED;
}

static void source_destroy(sqfs_object_t *obj) {
        /* Part of SquashfsTree: nothing of its own to free. */
}

/* A libsquashfs error as -errno: what the source said for I/O errors, -EBADMSG for everything
 * that means the image is not what it claims. */
static int sqfs_error(SquashfsTree *t, int err) {
        switch (err) {
        case 0:
                return 0;
        case SQFS_ERROR_ALLOC:
                return -ENOMEM;
        case SQFS_ERROR_IO:
                return t->file.error < 0 ? t->file.error : -EIO;
        default:
                return -EBADMSG;
        }
}

static void squashfs_tree_free(void *p) {
        SquashfsTree *t = p;

        if (!t)
                return;
        sqfs_destroy(t->data);
        for (size_t i = 0; i < META_READERS; i++) {
                sqfs_destroy(t->dirs.r[i]);
                sqfs_destroy(t->inodes.r[i]);
        }
        sqfs_destroy(t->ids);
        sqfs_destroy(t->cmp);
        free(t);
}

static void squashfs_tree_freep(SquashfsTree **t) {
        squashfs_tree_free(*t);
}

/* The reader of p for a read at block (absolute), created when first needed. */
static int pool_get(SquashfsTree *t, MetaPool *p, uint64_t block, sqfs_meta_reader_t **ret) {
        size_t pick = 0;

        for (size_t i = 0; i < META_READERS; i++) {
                sqfs_u64 b;
                size_t o;

                if (!p->r[i]) {
                        p->r[i] = sym_sqfs_meta_reader_create(&t->file.base, t->cmp, p->start, p->limit);
                        if (!p->r[i])
                                return -ENOMEM;
                        pick = i;
                        break;
                }
                /* Where the reader is; at the start of a block, it has the previous one (it has
                 * read to its end), which is likely the one it was seeked to. */
                sym_sqfs_meta_reader_get_position(p->r[i], &b, &o);
                if (o == 0)
                        b = p->block[i];
                if (b == block) {
                        pick = i;
                        break;
                }
                if (p->used[i] < p->used[pick])
                        pick = i;
        }
        p->used[pick] = ++p->tick;
        p->block[pick] = block;
        *ret = p->r[pick];
        return 0;
}

static int meta_read(SquashfsTree *t, void *buf, size_t size) {
        return sqfs_error(t, sym_sqfs_meta_reader_read(t->ir, buf, size));
}

static int id_lookup(SquashfsTree *t, uint16_t idx, uint32_t *ret) {
        if (sym_sqfs_id_table_index_to_id(t->ids, idx, ret) != 0)
                return -EBADMSG;
        return 0;
}

/* Parses the inode at ref (block << 16 | offset in the inode table). Leaves the inode table reader
 * right behind the inode's fixed part (a symlink's target follows there). */
static int inode_load(SquashfsTree *t, uint64_t ref, SqfsInode *ret) {
        uint64_t block = ref >> 16, start;
        uint32_t offset = ref & 0xFFFFU;
        uint8_t b[40];
        SqfsInode ino = {};
        int r;

        if (ref >> 48 != 0 || offset >= SQFS_META_BLOCK_SIZE)
                return -EBADMSG;
        if (__builtin_add_overflow(t->super.inode_table_start, block, &start))
                return -EBADMSG;
        r = pool_get(t, &t->inodes, start, &t->ir);
        if (r < 0)
                return r;
        r = sqfs_error(t, sym_sqfs_meta_reader_seek(t->ir, start, offset));
        if (r < 0)
                return r;

        r = meta_read(t, b, 16);
        if (r < 0)
                return r;
        ino.type = unaligned_read_le16(b);
        ino.node.mode = unaligned_read_le16(b + 2) & 07777;
        r = id_lookup(t, unaligned_read_le16(b + 4), &ino.node.uid);
        if (r < 0)
                return r;
        r = id_lookup(t, unaligned_read_le16(b + 6), &ino.node.gid);
        if (r < 0)
                return r;
        ino.node.id = unaligned_read_le32(b + 12);
        ino.node.priv = ref;

        switch (ino.type) {
        case SQFS_INODE_DIR:
                r = meta_read(t, b, 16);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_DIR;
                ino.dir_start_block = unaligned_read_le32(b);
                ino.dir_size = unaligned_read_le16(b + 8);
                ino.dir_offset = unaligned_read_le16(b + 10);
                break;
        case SQFS_INODE_EXT_DIR:
                r = meta_read(t, b, 24);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_DIR;
                ino.dir_size = unaligned_read_le32(b + 4);
                ino.dir_start_block = unaligned_read_le32(b + 8);
                ino.dir_offset = unaligned_read_le16(b + 18);
                break;
        case SQFS_INODE_FILE: {
                uint32_t frag, frag_offset;

                r = meta_read(t, b, 16);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_FILE;
                frag = unaligned_read_le32(b + 4);
                frag_offset = unaligned_read_le32(b + 8);
                ino.node.size = unaligned_read_le32(b + 12);
                if (frag != SQFS_INVALID_FRAG && frag_offset >= t->super.block_size)
                        return -EBADMSG;
                break;
        }
        case SQFS_INODE_EXT_FILE: {
                uint32_t frag, frag_offset;

                r = meta_read(t, b, 40);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_FILE;
                ino.node.size = unaligned_read_le64(b + 8);
                frag = unaligned_read_le32(b + 28);
                frag_offset = unaligned_read_le32(b + 32);
                if (frag != SQFS_INVALID_FRAG && frag_offset >= t->super.block_size)
                        return -EBADMSG;
                break;
        }
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK:
                r = meta_read(t, b, 8);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_SYMLINK;
                ino.node.size = unaligned_read_le32(b + 4);
                break;
        case SQFS_INODE_BDEV:
        case SQFS_INODE_CDEV:
        case SQFS_INODE_EXT_FIFO:
        case SQFS_INODE_EXT_SOCKET:
                r = meta_read(t, b, 8);
                if (r < 0)
                        return r;
                ino.node.type = ino.type == SQFS_INODE_CDEV ? TREE_NODE_CHAR : TREE_NODE_OTHER;
                break;
        case SQFS_INODE_EXT_BDEV:
        case SQFS_INODE_EXT_CDEV:
                r = meta_read(t, b, 12);
                if (r < 0)
                        return r;
                ino.node.type = ino.type == SQFS_INODE_EXT_CDEV ? TREE_NODE_CHAR : TREE_NODE_OTHER;
                break;
        case SQFS_INODE_FIFO:
        case SQFS_INODE_SOCKET:
                r = meta_read(t, b, 4);
                if (r < 0)
                        return r;
                ino.node.type = TREE_NODE_OTHER;
                break;
        default:
                return -EBADMSG;
        }

        if (ino.node.type == TREE_NODE_DIR)
                /* The kernel's i_size: 3 more than the listing (for "." and ".."). */
                ino.node.size = ino.dir_size;

        *ret = ino;
        return 0;
}

static int dir_load(SquashfsTree *t, const TreeNode *dir, SqfsInode *ret) {
        int r;

        r = inode_load(t, dir->priv, ret);
        if (r < 0)
                return r;
        if (ret->node.type != TREE_NODE_DIR)
                return -ENOTDIR;
        return 0;
}

static void sqfs_freep(void *p) {
        void **q = p;

        if (*q)
                sym_sqfs_free(*q);
}

/* Walks the directory: with find, stops at that name (*ret_ref set, 0) or where it would be
 * (-ENOENT); without, collects at most max names in *ret_names. Names are checked as the kernel
 * would want them (length) and as a well-formed image has them: no '/', no NUL, not "." or "..",
 * strictly ascending (the order lookups rely on, here as in the kernel). */
static int dir_walk(SquashfsTree *t, const SqfsInode *dir, const char *find, size_t max,
                    char ***ret_names, uint64_t *ret_ref) {
        _cleanup_strv_free_ char **names = NULL;
        sqfs_inode_generic_t g = {};
        sqfs_readdir_state_t st;
        char prev[SQFS_NAME_MAX + 1] = "";
        size_t n_names = 0;
        int r;

        g.base.type = dir->type;
        if (dir->type == SQFS_INODE_DIR) {
                g.data.dir.start_block = dir->dir_start_block;
                g.data.dir.offset = dir->dir_offset;
                g.data.dir.size = (uint16_t) dir->dir_size;
        } else {
                g.data.dir_ext.start_block = dir->dir_start_block;
                g.data.dir_ext.offset = dir->dir_offset;
                g.data.dir_ext.size = dir->dir_size;
        }
        r = sqfs_error(t, sym_sqfs_readdir_state_init(&st, &t->super, &g));
        if (r < 0)
                return r;

        for (size_t i = 0;; i++) {
                _cleanup_(sqfs_freep) sqfs_dir_entry_t *ent = NULL;
                const char *name;
                sqfs_u64 ref = 0;
                size_t len;

                if (i >= SQFS_DIR_ENTRIES_MAX)
                        return -E2BIG;

                sqfs_meta_reader_t *m;

                r = pool_get(t, &t->dirs, st.current.block, &m);
                if (r < 0)
                        return r;
                r = sym_sqfs_meta_reader_readdir(m, &st, &ent, NULL, &ref);
                if (r < 0)
                        return sqfs_error(t, r);
                if (r > 0)
                        break;

                /* libsquashfs reads size + 1 bytes into a buffer of size + 2, zeroed. */
                len = (size_t) ent->size + 1;
                name = (const char *) ent->name;
                if (len > SQFS_NAME_MAX || strnlen(name, len) != len || memchr(name, '/', len) ||
                    streq(name, ".") || streq(name, ".."))
                        return -EBADMSG;
                if (i > 0 && strcmp(prev, name) >= 0)
                        return -EBADMSG;
                memcpy(prev, name, len + 1);

                if (find) {
                        int c = strcmp(name, find);
                        if (c == 0) {
                                *ret_ref = ref;
                                return 0;
                        }
                        if (c > 0)
                                return -ENOENT;
                        continue;
                }

                if (n_names >= max)
                        return -E2BIG;
                r = strv_extend(&names, name);
                if (r < 0)
                        return r;
                n_names++;
        }

        if (find)
                return -ENOENT;
        *ret_names = TAKE_PTR(names);
        return 0;
}

static int squashfs_root(void *p, TreeNode *ret) {
        SquashfsTree *t = p;
        SqfsInode ino;
        int r;

        assert(t);
        assert(ret);

        r = inode_load(t, t->super.root_inode_ref, &ino);
        if (r < 0)
                return r;
        if (ino.node.type != TREE_NODE_DIR)
                return -EBADMSG;
        *ret = ino.node;
        return 0;
}

static int squashfs_lookup(void *p, const TreeNode *dir, const char *name, TreeNode *ret) {
        SquashfsTree *t = p;
        SqfsInode d, ino;
        uint64_t ref = 0;
        int r;

        assert(t);
        assert(dir);
        assert(name);
        assert(ret);

        if (dir->type != TREE_NODE_DIR)
                return -ENOTDIR;
        if (isempty(name) || strlen(name) > SQFS_NAME_MAX || strchr(name, '/'))
                return -ENOENT;

        r = dir_load(t, dir, &d);
        if (r < 0)
                return r;
        r = dir_walk(t, &d, name, 0, NULL, &ref);
        if (r < 0)
                return r;
        r = inode_load(t, ref, &ino);
        if (r < 0)
                return r;
        *ret = ino.node;
        return 0;
}

static int squashfs_list(void *p, const TreeNode *dir, size_t max, char ***ret) {
        SquashfsTree *t = p;
        SqfsInode d;
        int r;

        assert(t);
        assert(dir);
        assert(ret);

        if (dir->type != TREE_NODE_DIR)
                return -ENOTDIR;
        r = dir_load(t, dir, &d);
        if (r < 0)
                return r;
        return dir_walk(t, &d, NULL, max, ret, NULL);
}

static int squashfs_readlink(void *p, const TreeNode *node, char **ret) {
        _cleanup_free_ char *target = NULL;
        SquashfsTree *t = p;
        SqfsInode ino;
        int r;

        assert(t);
        assert(node);
        assert(ret);

        r = inode_load(t, node->priv, &ino);
        if (r < 0)
                return r;
        if (ino.node.type != TREE_NODE_SYMLINK)
                return -EINVAL;
        if (ino.node.size == 0)
                return -EBADMSG;
        if (ino.node.size > PATH_MAX - 1)
                return -ENAMETOOLONG;

        target = malloc(ino.node.size + 1);
        if (!target)
                return -ENOMEM;
        r = meta_read(t, target, ino.node.size);     /* right behind the inode */
        if (r < 0)
                return r;
        target[ino.node.size] = 0;
        if (strlen(target) != ino.node.size)
                return -EBADMSG;

        *ret = TAKE_PTR(target);
        return 0;
}

static int squashfs_read(void *p, const TreeNode *node, size_t max, char **ret, size_t *ret_size) {
        _cleanup_(sqfs_freep) sqfs_inode_generic_t *inode = NULL;
        _cleanup_free_ char *buf = NULL;
        SquashfsTree *t = p;
        uint64_t size, bs, done = 0;
        SqfsInode ino;
        size_t n_blocks;
        int r;

        assert(t);
        assert(node);
        assert(ret);

        r = inode_load(t, node->priv, &ino);
        if (r < 0)
                return r;
        if (ino.node.type == TREE_NODE_DIR)
                return -EISDIR;
        if (ino.node.type != TREE_NODE_FILE)
                return -EINVAL;
        size = ino.node.size;
        if (size > max || size >= SIZE_MAX || size > 0x7FFFFFF0U)
                return -EFBIG;

        /* Only now, with the size bounded, is libsquashfs asked for the inode: it allocates the
         * block list the size implies. */
        r = sqfs_error(t, sym_sqfs_meta_reader_read_inode(t->ir, &t->super, node->priv >> 16,
                                                          node->priv & 0xFFFFU, &inode));
        if (r < 0)
                return r;
        if (!IN_SET(inode->base.type, SQFS_INODE_FILE, SQFS_INODE_EXT_FILE))
                return -EBADMSG;

        buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;

        /* Whole blocks through sqfs_data_reader_get_block(), which says how much each block really
         * held: a block shorter than it must be is refused (sqfs_data_reader_read() would copy
         * whatever its buffer held). */
        bs = t->super.block_size;
        n_blocks = sqfs_inode_get_file_block_count(inode);
        for (size_t i = 0; i < n_blocks; i++) {
                uint64_t want;

                if (done >= size)
                        return -EBADMSG;
                want = MIN(bs, size - done);
                if (SQFS_IS_SPARSE_BLOCK(inode->extra[i]))
                        memset(buf + done, 0, want);
                else {
                        _cleanup_(sqfs_freep) sqfs_u8 *blk = NULL;
                        size_t got = 0;

                        r = sqfs_error(t, sym_sqfs_data_reader_get_block(t->data, inode, i, &got, &blk));
                        if (r < 0)
                                return r;
                        if (got != want)
                                return -EBADMSG;
                        memcpy(buf + done, blk, want);
                }
                done += want;
        }

        /* The tail from its fragment: sqfs_data_reader_read() checks it against the fragment block's
         * real size. */
        if (done < size) {
                sqfs_s32 n = sym_sqfs_data_reader_read(t->data, inode, done, buf + done, (sqfs_u32) (size - done));
                if (n < 0)
                        return sqfs_error(t, n);
                if ((uint64_t) n != size - done)
                        return -EBADMSG;
        }
        buf[size] = 0;

        if (ret_size)
                *ret_size = (size_t) size;
        *ret = TAKE_PTR(buf);
        return 0;
}

static const ImageTreeOps squashfs_tree_ops = {
        .name = "squashfs",
        .root = squashfs_root,
        .lookup = squashfs_lookup,
        .list = squashfs_list,
        .readlink = squashfs_readlink,
        .read = squashfs_read,
        .free = squashfs_tree_free,
};

/* The superblock's layout, as the kernel checks it (fs/squashfs/super.c): the tables in their
 * order, inside what the image says it uses, which is inside the region. */
static int super_check(const sqfs_super_t *s, uint64_t region_size) {
        uint64_t next = s->id_table_start;

        if (s->bytes_used > region_size)
                return log_debug_errno(EBADMSG, "squashfs: image claims %" PRIu64 " bytes, region has %" PRIu64 ".",
                                       (uint64_t) s->bytes_used, region_size);
        if (s->inode_table_start < sizeof(sqfs_super_t) ||
            s->inode_table_start >= s->directory_table_start ||
            s->directory_table_start > s->id_table_start ||
            s->id_table_start >= s->bytes_used)
                return log_debug_errno(EBADMSG, "squashfs: tables out of order.");

        if (s->export_table_start != UINT64_MAX) {
                if (s->export_table_start < s->directory_table_start || s->export_table_start >= s->id_table_start)
                        return log_debug_errno(EBADMSG, "squashfs: export table out of place.");
                next = s->export_table_start;
        }

        if (!(s->flags & SQFS_FLAG_NO_FRAGMENTS) && s->fragment_table_start != UINT64_MAX &&
            s->fragment_entry_count > 0) {
                uint64_t index_size = ((uint64_t) s->fragment_entry_count * sizeof(sqfs_fragment_t) +
                                       SQFS_META_BLOCK_SIZE - 1) / SQFS_META_BLOCK_SIZE * sizeof(uint64_t);

                /* Each fragment block holds the tail of at least one file and takes at least a byte
                 * before the inode table: so the table libsquashfs allocates grows with the image,
                 * not with what a field says. */
                if (s->fragment_entry_count > SQFS_FRAGMENTS_MAX || s->fragment_entry_count > s->inode_count ||
                    s->fragment_entry_count > s->inode_table_start)
                        return log_debug_errno(EBADMSG, "squashfs: %" PRIu32 " fragments for %" PRIu32 " inodes.",
                                               (uint32_t) s->fragment_entry_count, (uint32_t) s->inode_count);
                if (s->fragment_table_start < s->directory_table_start || s->fragment_table_start >= next ||
                    index_size > next - s->fragment_table_start)
                        return log_debug_errno(EBADMSG, "squashfs: fragment table out of place.");
        }

        return 0;
}

int squashfs_tree_open(const ImageSource *src, ImageTree *ret) {
        _cleanup_(squashfs_tree_freep) SquashfsTree *t = NULL;
        sqfs_compressor_config_t cfg;
        TreeNode root;
        int r;

        assert(src);
        assert(ret);

        r = dlopen_libsquashfs();
        if (r < 0)
                return r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->file.base.base.destroy = source_destroy;
        t->file.base.read_at = source_read_at;
        t->file.base.write_at = source_write_at;
        t->file.base.get_size = source_get_size;
        t->file.base.truncate = source_truncate;
        t->file.src = *src;

        if (src->size < sizeof(sqfs_super_t))
                return log_debug_errno(EBADMSG, "squashfs: region of %" PRIu64 " bytes is too small.", src->size);

        r = sym_sqfs_super_read(&t->super, &t->file.base);
        if (r != 0)
                return log_debug_errno(sqfs_error(t, r), "squashfs: bad superblock (libsquashfs error %i).", r);
        r = super_check(&t->super, src->size);
        if (r < 0)
                return r;

        r = sym_sqfs_compressor_config_init(&cfg, t->super.compression_id, t->super.block_size,
                                            SQFS_COMP_FLAG_UNCOMPRESS);
        if (r == 0)
                r = sym_sqfs_compressor_create(&cfg, &t->cmp);
        if (r != 0) {
                if (r == SQFS_ERROR_ALLOC)
                        return -ENOMEM;
                return log_debug_errno(EOPNOTSUPP, "squashfs: no decompressor for compression %u.",
                                       (unsigned) t->super.compression_id);
        }

        t->ids = sym_sqfs_id_table_create(0);
        if (!t->ids)
                return -ENOMEM;
        r = sym_sqfs_id_table_read(t->ids, &t->file.base, &t->super, t->cmp);
        if (r != 0)
                return log_debug_errno(sqfs_error(t, r), "squashfs: bad id table (libsquashfs error %i).", r);

        /* The bounds sqfs_dir_reader_create() gives its readers. */
        t->inodes.start = t->super.inode_table_start;
        t->inodes.limit = t->super.directory_table_start;
        t->dirs.start = t->super.directory_table_start;
        t->dirs.limit = MIN(t->super.id_table_start, MIN(t->super.fragment_table_start, t->super.export_table_start));
        t->data = sym_sqfs_data_reader_create(&t->file.base, t->super.block_size, t->cmp, 0);
        if (!t->data)
                return -ENOMEM;
        r = sym_sqfs_data_reader_load_fragment_table(t->data, &t->super);
        if (r != 0)
                return log_debug_errno(sqfs_error(t, r), "squashfs: bad fragment table (libsquashfs error %i).", r);

        r = squashfs_root(t, &root);
        if (r < 0)
                return log_debug_errno(r, "squashfs: bad root directory: %m");

        return image_tree_make(&squashfs_tree_ops, TAKE_PTR(t), ret);
}
