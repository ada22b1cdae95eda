/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Logging, shaped like systemd's: log_*_errno() return the negative errno they were given, so
 * "return log_error_errno(r, ...)" both reports and propagates. "%m" formats the given error.
 *
 * Targets: "console" (stderr), "kmsg", "journal" (native protocol, never blocking), or "auto":
 * journal if its socket accepts the message, else kmsg, else stderr. A generator must never wait on
 * a daemon that waits for PID 1, so nothing here ever blocks. Configured by SYSTEMD_LOG_LEVEL and
 * SYSTEMD_LOG_TARGET, as for systemd's own tools. */

typedef enum LogTarget {
        LOG_TARGET_CONSOLE,
        LOG_TARGET_KMSG,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_AUTO,
} LogTarget;

void log_setup(const char *identifier, LogTarget default_target);
void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...)                                                        \
        ({                                                                                       \
                int _l_ = (level), _e_ = (error);                                                \
                (log_get_max_level() >= LOG_PRI(_l_))                                            \
                        ? log_internal(_l_, _e_, __FILE__, __LINE__, __func__, __VA_ARGS__)      \
                        : -ERRNO_VALUE(_e_);                                                     \
        })
#define log_full(level, ...) (void) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
