/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "mount-dl.h"

static void *libmount_dl = NULL;

DLSYM_FUNCTION(mnt_context_disable_canonicalize);
DLSYM_FUNCTION(mnt_context_disable_helpers);
DLSYM_FUNCTION(mnt_context_disable_mtab);
DLSYM_FUNCTION(mnt_context_get_excode);
DLSYM_FUNCTION(mnt_context_get_status);
DLSYM_FUNCTION(mnt_context_get_syscall_errno);
DLSYM_FUNCTION(mnt_context_mount);
DLSYM_FUNCTION(mnt_context_set_fstype);
DLSYM_FUNCTION(mnt_context_set_options);
DLSYM_FUNCTION(mnt_context_set_optsmode);
DLSYM_FUNCTION(mnt_context_set_source);
DLSYM_FUNCTION(mnt_context_set_target);
DLSYM_FUNCTION(mnt_context_syscall_called);
DLSYM_FUNCTION(mnt_free_context);
DLSYM_FUNCTION(mnt_new_context);

int dlopen_libmount(void) {
        return dlopen_many_sym(&libmount_dl, "libmount.so.1",
                               DLSYM_ARG(mnt_context_disable_canonicalize),
                               DLSYM_ARG(mnt_context_disable_helpers),
                               DLSYM_ARG(mnt_context_disable_mtab),
                               DLSYM_ARG(mnt_context_get_excode),
                               DLSYM_ARG(mnt_context_get_status),
                               DLSYM_ARG(mnt_context_get_syscall_errno),
                               DLSYM_ARG(mnt_context_mount),
                               DLSYM_ARG(mnt_context_set_fstype),
                               DLSYM_ARG(mnt_context_set_options),
                               DLSYM_ARG(mnt_context_set_optsmode),
                               DLSYM_ARG(mnt_context_set_source),
                               DLSYM_ARG(mnt_context_set_target),
                               DLSYM_ARG(mnt_context_syscall_called),
                               DLSYM_ARG(mnt_free_context),
                               DLSYM_ARG(mnt_new_context),
                               NULL);
}
