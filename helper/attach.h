/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables attach [--runtime] [--copy=auto|symlink|copy] [--profile=P] [--enable] [--now]
 * [--no-reload] [--no-block] IMAGE...`: places each image into /etc/portables (/run/portables
 * with --runtime) as a symlink or a copy, with NAME.portable when --profile= or --enable asks
 * for settings, and a record of what it placed (placed.h) for detach. The planner is asked first
 * (the image planned as list/inspect do) and again once it is in place; an image the generator
 * would not attach is refused with the planner's reason and nothing of it is left. Then systemd
 * is reloaded (unless --no-reload or --root=) and, with --now, the image's enabled units are
 * started (waited for unless --no-block).
 *
 * `portables reattach [the same options] IMAGE...`: as attach, replacing the versions of the
 * same NAME that attach placed in that directory; after the reload the units that are gone are
 * stopped, running units that now come from the new image restarted, enabled new ones started. */
int verb_attach(int argc, char **argv);
int verb_reattach(int argc, char **argv);
