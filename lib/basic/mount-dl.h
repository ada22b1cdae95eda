/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libmount.h>

#include "dlopen-util.h"

/* libmount.so.1, loaded on first use (lib/basic/dlopen-util.h): for mounting raw images. */

DLSYM_PROTOTYPE(mnt_context_disable_canonicalize);
DLSYM_PROTOTYPE(mnt_context_disable_helpers);
DLSYM_PROTOTYPE(mnt_context_disable_mtab);
DLSYM_PROTOTYPE(mnt_context_get_excode);
DLSYM_PROTOTYPE(mnt_context_get_status);
DLSYM_PROTOTYPE(mnt_context_get_syscall_errno);
DLSYM_PROTOTYPE(mnt_context_mount);
DLSYM_PROTOTYPE(mnt_context_set_fstype);
DLSYM_PROTOTYPE(mnt_context_set_options);
DLSYM_PROTOTYPE(mnt_context_set_optsmode);
DLSYM_PROTOTYPE(mnt_context_set_source);
DLSYM_PROTOTYPE(mnt_context_set_target);
DLSYM_PROTOTYPE(mnt_context_syscall_called);
DLSYM_PROTOTYPE(mnt_free_context);
DLSYM_PROTOTYPE(mnt_new_context);

/* 0, or -EOPNOTSUPP if libmount.so.1 cannot be loaded (logged at debug level). */
int dlopen_libmount(void);
