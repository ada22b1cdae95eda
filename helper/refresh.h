/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables refresh`: attach on drop. Run by portables-refresh.service when
 * portables-refresh.path sees a portables directory change. Waits until the directories have been
 * quiet for a moment, reloads systemd (which reruns the generator), then starts the enabled units
 * of images that appeared and stops the units of images that went away. Units of images that are
 * still there are left alone, running or not. Takes no arguments. */
int verb_refresh(int argc, char **argv);
