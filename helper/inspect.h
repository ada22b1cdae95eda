/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables inspect NAME|PATH`: everything the generator decides about one image. */
int verb_inspect(int argc, char **argv);

/* Where the files a plan names end up: systemd's normal generator output directory. */
#define GENERATOR_OUTPUT_DIR "/run/systemd/generator"
