/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_reader.h>
#include <sqfs/super.h>
#include <sqfs/dir.h>
#include <sqfs/block.h>

#include "dlopen-util.h"

/* libsquashfs.so.1 (squashfs-tools-ng, 1.2 API), loaded on first use (lib/dlopen-util.h): for
 * reading squashfs images in user space (squashfs-tree.h). Objects are freed with sqfs_destroy(),
 * an inline function of the headers (it calls the object's own destroy), and what the library
 * allocates for the caller (inodes, directory entries) with sym_sqfs_free(). */

DLSYM_PROTOTYPE(sqfs_compressor_config_init);
DLSYM_PROTOTYPE(sqfs_compressor_create);
DLSYM_PROTOTYPE(sqfs_data_reader_create);
DLSYM_PROTOTYPE(sqfs_data_reader_get_block);
DLSYM_PROTOTYPE(sqfs_data_reader_load_fragment_table);
DLSYM_PROTOTYPE(sqfs_data_reader_read);
DLSYM_PROTOTYPE(sqfs_free);
DLSYM_PROTOTYPE(sqfs_id_table_create);
DLSYM_PROTOTYPE(sqfs_id_table_index_to_id);
DLSYM_PROTOTYPE(sqfs_id_table_read);
DLSYM_PROTOTYPE(sqfs_meta_reader_create);
DLSYM_PROTOTYPE(sqfs_meta_reader_get_position);
DLSYM_PROTOTYPE(sqfs_meta_reader_read);
DLSYM_PROTOTYPE(sqfs_meta_reader_read_inode);
DLSYM_PROTOTYPE(sqfs_meta_reader_readdir);
DLSYM_PROTOTYPE(sqfs_meta_reader_seek);
DLSYM_PROTOTYPE(sqfs_readdir_state_init);
DLSYM_PROTOTYPE(sqfs_super_read);

/* 0, or -EOPNOTSUPP if libsquashfs.so.1 cannot be loaded (logged at debug level). */
int dlopen_libsquashfs(void);
