/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Runs fn(userdata) in a child process (a fork: it sees all our state, and what it changes stays
 * its own) given at most timeout_usec: work on a file system that may stop answering (a stalled
 * NFS server, a FUSE daemon that does not reply: a process waiting for one cannot even be killed)
 * then holds up that child, never the caller.
 *
 * Returns fn's return value (0..255), -ETIMEDOUT when the child did not finish in time (it is
 * killed, and left to whoever reaps it: a process stuck in the kernel may not die at once), or
 * another negative errno if it could not be run or died of a signal. */
int run_bounded(const char *what, int (*fn)(void *userdata), void *userdata, uint64_t timeout_usec);
