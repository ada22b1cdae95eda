/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `portables refresh`: attach on drop. Run by portables-refresh.service when
 * portables-refresh.path sees a portables directory change. Waits until the directories have been
 * quiet for a moment, reloads systemd (which reruns the generator), then starts the enabled units
 * of images that appeared and stops the units of images that went away. Units that changed (now
 * from another image, or their generated files differ) are restarted when they run and their
 * image's settings say Restart=changed (lib/settings.h); otherwise they are left alone, running
 * or not. Takes no arguments. */
int verb_refresh(int argc, char **argv);

/* --- reused by attach, detach and reattach (one reload with the before/after diff) */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#define REFRESH_GENERATOR_DIR "/run/systemd/generator"

/* Attached units, from the generator's markers: units[k] comes from images[k] (host paths);
 * files[k] is what the generator wrote for it (UNIT and UNIT.d/'s files, names and contents), to
 * tell whether a reload changed it. */
typedef struct Attached {
        char **units;
        char **images;
        char **files;
} Attached;

void attached_done(Attached *a);
const char *attached_image(const Attached *a, const char *unit);
int attached_read(const char *dir, Attached *ret);

/* unit_state(), unit_call() (RestartUnit too), manager_reload(), template_instances(). */
#include "refresh-bus.h"

typedef struct RefreshOps {
        char **only_images;     /* the images (host paths) whose units are acted on; NULL: all */
        bool stop_gone;         /* stop the units whose image went away */
        bool start_new;         /* start the enabled units that are new */
        bool start_enabled;     /* ... and those that were there before and are not running (attach
                                 * --now: every enabled unit of the image runs afterwards) */
        bool restart_changed;   /* restart running units that changed: now from another image, or
                                 * their generated files differ */
        bool restart_by_settings; /* ... also those whose image's settings say Restart=changed */
        /* Out: */
        char **jobs;            /* units a job was queued for */
        unsigned n_started, n_stopped, n_restarted;
} RefreshOps;

/* Reads the attached units, reloads systemd, reads them again, and does what ops asks with the
 * difference. Jobs are queued, not waited for. */
int refresh_reload(sd_bus *bus, RefreshOps *ops);
