/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables refresh`, step 1: waiting until the portables directories that
 * portables-refresh.path watches (/etc, /run, /var/lib) have settled, with inotify: a copy of a
 * large image is a long stream of writes. */

/* A non-blocking inotify fd in *ret watching those of the directories that exist (a missing one
 * is logged at debug level, another failure as a warning; neither is an error). */
int watch_setup(int *ret);

/* Reads all pending events. Returns how many there were (an overflow counts as one), or <0
 * (logged). */
int watch_drain(int fd);

/* Returns 0 once nothing happened for a second, or 30 seconds after it was called (logged); <0
 * (logged) on errors. */
int watch_wait_quiet(int fd);
