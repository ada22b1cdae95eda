/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd.portables=BOOL on the kernel command line (or $SYSTEMD_PROC_CMDLINE, as systemd's own
 * tools honour it) turns portable images off. Returns 1 (on, the default), 0 (off), <0 on errors
 * (treated as on by callers). The last occurrence wins; a bare "systemd.portables" means on. */
int kernel_cmdline_portables_enabled(void);
