/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One generator run: discover the images, plan each, write the plans into dest (systemd's normal
 * generator directory, below /etc and /run but above /usr/lib: host units are checked explicitly
 * so that an image never shadows one). Returns <0 only when nothing could be done at all; one
 * image's failure never fails the others. */
int generator_run(const char *dest);
