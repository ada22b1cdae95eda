/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <blkid.h>

#include "dlopen-util.h"

/* libblkid.so.1, loaded on first use (lib/basic/dlopen-util.h): for probing raw images. */

DLSYM_PROTOTYPE(blkid_do_safeprobe);
DLSYM_PROTOTYPE(blkid_new_probe);
DLSYM_PROTOTYPE(blkid_free_probe);
DLSYM_PROTOTYPE(blkid_partition_get_flags);
DLSYM_PROTOTYPE(blkid_partition_get_name);
DLSYM_PROTOTYPE(blkid_partition_get_partno);
DLSYM_PROTOTYPE(blkid_partition_get_size);
DLSYM_PROTOTYPE(blkid_partition_get_start);
DLSYM_PROTOTYPE(blkid_partition_get_type_string);
DLSYM_PROTOTYPE(blkid_partition_get_uuid);
DLSYM_PROTOTYPE(blkid_partlist_get_partition);
DLSYM_PROTOTYPE(blkid_partlist_numof_partitions);
DLSYM_PROTOTYPE(blkid_probe_enable_partitions);
DLSYM_PROTOTYPE(blkid_probe_enable_superblocks);
DLSYM_PROTOTYPE(blkid_probe_filter_partitions_type);
DLSYM_PROTOTYPE(blkid_probe_filter_superblocks_type);
DLSYM_PROTOTYPE(blkid_probe_filter_superblocks_usage);
DLSYM_PROTOTYPE(blkid_probe_get_partitions);
DLSYM_PROTOTYPE(blkid_probe_lookup_value);
DLSYM_PROTOTYPE(blkid_probe_set_device);
DLSYM_PROTOTYPE(blkid_probe_set_partitions_flags);
DLSYM_PROTOTYPE(blkid_probe_set_superblocks_flags);

/* 0, or -EOPNOTSUPP if libblkid.so.1 cannot be loaded (logged at debug level). */
int dlopen_libblkid(void);
