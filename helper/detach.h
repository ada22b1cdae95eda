/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables detach [--runtime] [--now] [--clean] [--no-reload] [--no-block] NAME|PATH...`: undoes
 * what `portables attach` placed in /etc/portables (/run/portables with --runtime): the symlink or
 * copy, the NAME.portable it wrote, its record (placed.h). NAME may be the image's name, its file
 * name with or without ".raw", the path attach placed it from, or the placed path. An image attach
 * did not place is removed only when its path in a portables directory is given. As portabled,
 * it refuses while a unit of the image is active, unless --now, which stops them first. --clean
 * then removes what the units left on the host (`systemctl clean --what=all` for each: state,
 * cache, logs, runtime and configuration directories, the dynamic user's /var/lib/private/X too).
 * Then systemd is reloaded (unless --no-reload or --root=); that run of the generator prunes the
 * image's extraction cache entry. */
int verb_detach(int argc, char **argv);
