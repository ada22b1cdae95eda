/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "blkid-dl.h"

static void *libblkid_dl = NULL;

DLSYM_FUNCTION(blkid_do_safeprobe);
DLSYM_FUNCTION(blkid_new_probe);
DLSYM_FUNCTION(blkid_free_probe);
DLSYM_FUNCTION(blkid_partition_get_flags);
DLSYM_FUNCTION(blkid_partition_get_name);
DLSYM_FUNCTION(blkid_partition_get_partno);
DLSYM_FUNCTION(blkid_partition_get_size);
DLSYM_FUNCTION(blkid_partition_get_start);
DLSYM_FUNCTION(blkid_partition_get_type_string);
DLSYM_FUNCTION(blkid_partition_get_uuid);
DLSYM_FUNCTION(blkid_partlist_get_partition);
DLSYM_FUNCTION(blkid_partlist_numof_partitions);
DLSYM_FUNCTION(blkid_probe_enable_partitions);
DLSYM_FUNCTION(blkid_probe_enable_superblocks);
DLSYM_FUNCTION(blkid_probe_filter_partitions_type);
DLSYM_FUNCTION(blkid_probe_filter_superblocks_type);
DLSYM_FUNCTION(blkid_probe_filter_superblocks_usage);
DLSYM_FUNCTION(blkid_probe_get_partitions);
DLSYM_FUNCTION(blkid_probe_lookup_value);
DLSYM_FUNCTION(blkid_probe_set_device);
DLSYM_FUNCTION(blkid_probe_set_partitions_flags);
DLSYM_FUNCTION(blkid_probe_set_superblocks_flags);

int dlopen_libblkid(void) {
        return dlopen_many_sym(&libblkid_dl, "libblkid.so.1",
                               DLSYM_ARG(blkid_do_safeprobe),
                               DLSYM_ARG(blkid_new_probe),
                               DLSYM_ARG(blkid_free_probe),
                               DLSYM_ARG(blkid_partition_get_flags),
                               DLSYM_ARG(blkid_partition_get_name),
                               DLSYM_ARG(blkid_partition_get_partno),
                               DLSYM_ARG(blkid_partition_get_size),
                               DLSYM_ARG(blkid_partition_get_start),
                               DLSYM_ARG(blkid_partition_get_type_string),
                               DLSYM_ARG(blkid_partition_get_uuid),
                               DLSYM_ARG(blkid_partlist_get_partition),
                               DLSYM_ARG(blkid_partlist_numof_partitions),
                               DLSYM_ARG(blkid_probe_enable_partitions),
                               DLSYM_ARG(blkid_probe_enable_superblocks),
                               DLSYM_ARG(blkid_probe_filter_partitions_type),
                               DLSYM_ARG(blkid_probe_filter_superblocks_type),
                               DLSYM_ARG(blkid_probe_filter_superblocks_usage),
                               DLSYM_ARG(blkid_probe_get_partitions),
                               DLSYM_ARG(blkid_probe_lookup_value),
                               DLSYM_ARG(blkid_probe_set_device),
                               DLSYM_ARG(blkid_probe_set_partitions_flags),
                               DLSYM_ARG(blkid_probe_set_superblocks_flags),
                               NULL);
}
