/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs argv (argv[0] looked up in $PATH) in a child process, stdout flushed first so that nothing
 * printed before comes out after the child's output, and waits for it. 0 when it exited with
 * status 0; -EPROTO when it failed, logged as "NAME failed (status N)." (-1 when killed); another
 * negative errno, logged, when it could not be run or waited for. */
int run_command(char *const *argv);
