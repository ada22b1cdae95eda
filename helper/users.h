/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables users [--dry-run] IMAGE`: creates the image's sysusers.d users and groups on the
 * host (below --root), with systemd-sysusers, when its profile runs services as static users.
 * Run by portables-users@.service, which the generator pulls in for such images. */
int verb_users(int argc, char **argv);
