/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "squashfs-dl.h"

static void *libsquashfs_dl = NULL;

DLSYM_FUNCTION(sqfs_compressor_config_init);
DLSYM_FUNCTION(sqfs_compressor_create);
DLSYM_FUNCTION(sqfs_data_reader_create);
DLSYM_FUNCTION(sqfs_data_reader_get_block);
DLSYM_FUNCTION(sqfs_data_reader_load_fragment_table);
DLSYM_FUNCTION(sqfs_data_reader_read);
DLSYM_FUNCTION(sqfs_free);
DLSYM_FUNCTION(sqfs_id_table_create);
DLSYM_FUNCTION(sqfs_id_table_index_to_id);
DLSYM_FUNCTION(sqfs_id_table_read);
DLSYM_FUNCTION(sqfs_meta_reader_create);
DLSYM_FUNCTION(sqfs_meta_reader_get_position);
DLSYM_FUNCTION(sqfs_meta_reader_read);
DLSYM_FUNCTION(sqfs_meta_reader_read_inode);
DLSYM_FUNCTION(sqfs_meta_reader_readdir);
DLSYM_FUNCTION(sqfs_meta_reader_seek);
DLSYM_FUNCTION(sqfs_readdir_state_init);
DLSYM_FUNCTION(sqfs_super_read);

int dlopen_libsquashfs(void) {
        return dlopen_many_sym(&libsquashfs_dl, "libsquashfs.so.1",
                               DLSYM_ARG(sqfs_compressor_config_init),
                               DLSYM_ARG(sqfs_compressor_create),
                               DLSYM_ARG(sqfs_data_reader_create),
                               DLSYM_ARG(sqfs_data_reader_get_block),
                               DLSYM_ARG(sqfs_data_reader_load_fragment_table),
                               DLSYM_ARG(sqfs_data_reader_read),
                               DLSYM_ARG(sqfs_free),
                               DLSYM_ARG(sqfs_id_table_create),
                               DLSYM_ARG(sqfs_id_table_index_to_id),
                               DLSYM_ARG(sqfs_id_table_read),
                               DLSYM_ARG(sqfs_meta_reader_create),
                               DLSYM_ARG(sqfs_meta_reader_get_position),
                               DLSYM_ARG(sqfs_meta_reader_read),
                               DLSYM_ARG(sqfs_meta_reader_read_inode),
                               DLSYM_ARG(sqfs_meta_reader_readdir),
                               DLSYM_ARG(sqfs_meta_reader_seek),
                               DLSYM_ARG(sqfs_readdir_state_init),
                               DLSYM_ARG(sqfs_super_read),
                               NULL);
}
