/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "accounts.h"
#include "context.h"
#include "fs-type.h"
#include "etc-scan.h"
#include "extract-cache.h"
#include "host-names.h"
#include "host-users.h"
#include "image-discover.h"
#include "image-mount.h"
#include "image-probe.h"
#include "mount-points.h"
#include "settings.h"
#include "sysusers.h"
#include "unit-usermap.h"
#include "verity-policy.h"
#include "profile.h"

/* A profile as the planner uses it, loaded once per run: the profile, or why it cannot be used
 * (error), and what is derived from its service.conf. */
typedef struct PlannerProfile {
        char *name;
        int error;                      /* profile_load()'s error, or 0 */
        Profile profile;
        char **bind_targets;            /* profile_bind_targets() */
        char **protected_paths;         /* profile_bind_targets_all() and /run/host */
        int dynamic_user;               /* DynamicUser= of service.conf: 1, 0, or <0 unset */
        ProfileBinds binds;             /* profile_binds_parse() */
        bool network;                   /* its services reach the network (no PrivateNetwork=yes) */
        bool private_devices;           /* PrivateDevices=yes */
        char **capabilities;            /* its CapabilityBoundingSet= allow list (NULL: none known) */
} PlannerProfile;

/* The decision for one image, as data: which units are written, with which drop-ins and links,
 * or why the image (or one of its units) is refused. The generator writes plans; `portables
 * inspect` prints them. One code path, so that what inspect shows is what the generator does. */

typedef struct PlannedFile {
        char *name;             /* relative to the output directory: "foo.service.d/10-profile.conf" */
        char *text;             /* content, or NULL for a symlink or a directory */
        bool shared;            /* text: other images may plan it too, with the same text (written once) */
        char *link_target;      /* for symlinks: "../foo.service" */
        mode_t mode;            /* text: 0 for 0644; a directory (no text, no link_target): its mode */
        char *copy_of;          /* a copy of this file of the image (plan-etc.h), or NULL */
} PlannedFile;

typedef struct PlannedUnit {
        char *name;
        char *source;           /* path inside the image */
        int layer;              /* where source was found: 0 the image, k its extension k - 1 */
        char *skipped;          /* why this unit is not written, or NULL */
        char **violations;      /* every setting the rules refused ("file:line: Setting=value: why") */
        /* In write order: drop-ins, the unit file itself, then [Install] links. */
        PlannedFile *files;
        size_t n_files;
} PlannedUnit;

/* An extension stacked on the image (Extensions=), checked. */
typedef struct PlannedExtension {
        char *name;                     /* as Extensions= names it */
        DiscoveredImage image;          /* path NULL: not found */
        char **release;                 /* its extension-release fields */
        char *release_path;             /* inside the extension */
        RawProbe probe;                 /* raw images */
        VerityPlan verity;              /* what its verity data means (verity_plan_extension()) */
} PlannedExtension;

typedef struct ImagePlan {
        const DiscoveredImage *image;
        PortableSettings settings;
        char *profile;                  /* name */
        char *profile_dir;
        char **os_release;
        char *os_release_path;
        char **prefixes;
        PlannedExtension *extensions;   /* Extensions=, bottom to top as systemd stacks them: raw
                                         * images in their order, then directories in theirs */
        size_t n_extensions;
        RawProbe probe;                 /* raw images */
        MountPointCheck mounts;         /* raw images with services */
        VerityPlan verity;
        char *extension_image_policy;   /* "ExtensionImagePolicy=...\n" (systemd >= 254, raw extensions), or NULL */
        /* Profiles without DynamicUser=yes: the image's sysusers.d entries, created on the host by
         * users_unit (portables-users@<escaped image path>.service) before its services start. */
        Sysusers sysusers;
        char **sysusers_new;            /* what that would create on the host now */
        char *users_unit;               /* NULL: no users to create */
        char **tmpfiles;                /* the image's tmpfiles.d files: not applied (see sysusers.h) */
        ImageUsermap usermap;           /* its services' own /etc/passwd and /etc/group (unit-usermap.h) */
        /* Profiles with DynamicUser=yes: the /etc trees its services' users may read and others may
         * not (etc-scan.h), the image's accounts, and what the copies take so far (plan-etc.h). */
        ImageEtc etc;
        HostAccounts accounts;
        size_t etc_copied_entries, etc_copied_bytes;
        char *refused;                  /* why the image is not attached, or NULL */
        bool deferred;                  /* refused for now: the time budget ran out */
        bool extension_image;           /* refused: an extension (Extensions=), not an image */
        PlannedUnit *units;
        size_t n_units;
} ImagePlan;

void image_plan_done(ImagePlan *p);

/* Where the generator writes, unless Planner.output_dir says otherwise. */
#define PLAN_OUTPUT_DIR_DEFAULT "/run/systemd/generator"

typedef struct Planner {
        const Context *ctx;
        const ImageList *images;        /* where Extensions= names are looked up */
        const char *output_dir;         /* the output directory, as units name it (NULL: the default) */
        const PortableSettings *global; /* NULL: the global settings are broken, refuse everything */
        MountBase mount_base;           /* where raw images are mounted, set up on first use
                                         * (image-mount.h), removed by planner_done() */
        ExtractCache *cache;            /* NULL: raw images are always read afresh */
        uint64_t deadline_usec;         /* CLOCK_MONOTONIC; raw images not in the cache are deferred
                                         * after it (0: no deadline) */
        uint64_t budget_usec;           /* the time budget; also what reading one image not in the
                                         * cache may take (in a child: run_bounded()); 0: none,
                                         * read in this process */
        char **claimed;                 /* units attached from earlier images */
        char **deferred;                /* images deferred because of the deadline */
        bool verity_dropin_planned;     /* per image; reset by image_plan() */
        char **snapshots;               /* pairs: a verified copy (VERITY_MODE_SNAPSHOT), the image it
                                         * is of, for the images and extensions planned so far */
        bool kernel_verity;             /* verity_kernel_supported() */
        int systemd_version;            /* systemd_version(), read for the first raw image; -1: not yet */
        HostAccounts host_accounts;     /* the host's /etc/passwd and /etc/group, read once */
        int host_accounts_error;        /* why they could not be read, or 0 */
        HostUsers host_users;           /* their names */
        HostNames host_names;           /* what the host's units use (host-names.h), read on first use */
        char **image_names;             /* the names of this run's candidate images */
        char **run_claims;              /* /run names claimed in this run (host-claims.h) */
        char **after_checked;           /* "+NAME"/"-NAME": host units an image unit may/may not be After= */
        bool host_names_loaded;
        char **host_units;              /* every name in host_unit_dirs, sorted */
        struct PlannerProfile *profiles;/* profiles loaded in this run, by name */
        size_t n_profiles;
        bool record_claims;             /* record which image a new /run directory is for (the
                                         * generator; host-claims.h) */
        bool host_has_etc_os_release;
        bool host_has_usr_os_release;
        MountTable mounts;              /* which file systems are local (fs-type.h), read on first use */
        int mounts_error;               /* > 0: not read yet; < 0: why it could not be read */
} Planner;

/* Sets up a planner as the generator and the helper both need it: host facts (os-release,
 * dm-verity), the cache (may be NULL) and the time budget (0: none), and, if mount_template is
 * not NULL, where raw images are mounted: a private mount namespace with a fresh directory made
 * from mount_template ("/run/.../name.XXXXXX"), both set up when the first image is mounted (none
 * is when all are read in user space or from the cache). Failing to set that up is logged; raw
 * images that must be mounted are then refused with a reason, the others planned as usual. */
int planner_init(Planner *p, const Context *ctx, const PortableSettings *global, const ImageList *images,
                 const char *mount_template, ExtractCache *cache, uint64_t budget_usec);
void planner_done(Planner *p);

/* Whether a unit of that name exists in one of systemd's unit directories on the host. */
bool planner_host_has_unit(const Planner *p, const char *name);
/* A unit file of the host that is an instance of template ("foo@bar.service" for "foo@.service"),
 * or NULL: systemd applies the template's drop-ins to it. */
const char *planner_host_instance_of(const Planner *p, const char *template);

/* Plans image i. Returns 0 with ret filled (ret->refused says whether it is attached; refusals
 * are logged once, at warning level), or <0 on fatal errors (OOM). Units the plan attaches are
 * claimed in the planner: later images cannot offer them again. */
int image_plan(Planner *p, const DiscoveredImage *i, ImagePlan *ret);

/* Writes the plan below out_fd (the generator's output directory): for each unit its drop-ins,
 * then the unit, then its links. A unit whose files cannot all be written is removed again. */
int image_plan_write(const ImagePlan *p, int out_fd, const char *out_path);

/* The marker upstream portablectl puts first in 20-portable.conf; tools recognize portable units by it. */
#define PORTABLE_DROPIN_MARKER_BEGIN "# Drop-in created for image '"
#define PORTABLE_DROPIN_MARKER_END "', do not edit."
/* The line after it when the image has extensions: their paths, bottom to top, space separated
 * (for operators; that the unit changed when they do, refresh and reattach see from its files). */
#define PORTABLE_DROPIN_EXTENSIONS "# With extensions: "
