/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* The major version of the host's systemd, for unit settings only newer systemd knows (written
 * for older ones they would be "Unknown key name" warnings at best).
 *
 * The generator runs before anything can be asked (no D-Bus yet), and running `systemctl
 * --version` at every reload would cost a fork and exec; so the version is read from the name of
 * systemd's private shared library, which systemd installs as libsystemd-shared-VERSION.so
 * (VERSION "252", or "256.7-1.fc41" with a distribution's suffix) in its package library
 * directory: /usr/lib/systemd, /lib/systemd (before the /usr merge), /usr/lib64/systemd
 * (Fedora), /usr/lib/<multiarch>/systemd (Debian 12 and later, libsystemd-shared package). The highest version found there wins.
 * $PORTABLES_SYSTEMD_VERSION=N overrides (tests). Host paths below the context root.
 *
 * Returns the version, or 0 if none is found: callers treat that as old and write nothing that
 * depends on the version. */

#define PORTABLES_SYSTEMD_VERSION_ENV "PORTABLES_SYSTEMD_VERSION"

unsigned systemd_version(const Context *c);

/* "libsystemd-shared-256.7-1.fc41.so" -> 256; 0 for anything else. */
unsigned systemd_version_from_library_name(const char *name);
