/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "hexdecode.h"
#include "inspect.h"
#include "list.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"
#include "unit-info.h"
#include "vpick.h"

/* Per unit: who it runs as and where it bind mounts. */
typedef struct Details {
        UnitInfo *infos;        /* one per plan unit */
        size_t n_infos;
} Details;

static void details_done(Details *d) {
        for (size_t k = 0; k < d->n_infos; k++)
                unit_info_done(d->infos + k);
        free(d->infos);
}

static int details_collect(const ScannedImage *si, Details *d) {
        int r;

        if (!si->planned || si->plan.n_units == 0)
                return 0;

        d->infos = calloc(si->plan.n_units, sizeof(UnitInfo));
        if (!d->infos)
                return -ENOMEM;
        for (size_t k = 0; k < si->plan.n_units; k++) {
                r = unit_info_from_plan(si->plan.units + k, d->infos + d->n_infos);
                if (r < 0)
                        return r;
                d->n_infos++;
        }
        return 0;
}

static const char *unit_state(const ScannedImage *si, const PlannedUnit *u) {
        if (u->skipped)
                return "skipped";
        return si->plan.refused ? "refused" : "attached";
}

static void print_file(const PlannedFile *f) {
        if (f->link_target) {
                printf("# " GENERATOR_OUTPUT_DIR "/%s -> %s\n", f->name, f->link_target);
                return;
        }
        if (!f->text) {
                printf("# " GENERATOR_OUTPUT_DIR "/%s/ (directory, mode %04o)\n", f->name, (unsigned) f->mode);
                return;
        }
        /* The image's own files, which only its user may read there: not shown. */
        if (f->copy_of) {
                printf("# " GENERATOR_OUTPUT_DIR "/%s (mode %04o): a copy of the image's %s, %zu bytes\n",
                       f->name, (unsigned) f->mode, f->copy_of, strlen(f->text));
                return;
        }
        printf("# " GENERATOR_OUTPUT_DIR "/%s\n", f->name);
        fputs(f->text, stdout);
        if (!endswith(f->text, "\n"))
                fputc('\n', stdout);
}

static void print_user(const UnitInfo *i) {
        if (i->dynamic_user > 0)
                printf("                Runs as: a dynamic user%s%s%s%s (DynamicUser=yes)\n",
                       i->user ? " named " : "", strempty(i->user),
                       i->group ? ", group " : "", strempty(i->group));
        else if (i->user)
                printf("                Runs as: user %s%s%s (resolved on the host: it must exist there)\n",
                       i->user, i->group ? ", group " : "", strempty(i->group));
        else
                printf("                Runs as: root%s%s\n", i->group ? ", group " : "", strempty(i->group));
        if (i->supplementary_groups) {
                _cleanup_free_ char *g = strv_join(i->supplementary_groups, " ");
                printf("                Supplementary groups: %s\n", strna(g));
        }
}


/* The root hash the units are attached with, where it came from, and the pin (RootHash=). */
static void print_root_hash(const ImagePlan *p) {
        const VerityPin *pin = portable_settings_root_hash(&p->settings);
        const VerityData *vd = &p->verity.data;

        if (pin) {
                _cleanup_free_ char *h = hexmem_lower(pin->root_hash, pin->root_hash_size);
                printf("        Pinned root hash: %s (%s)\n", strna(h), strna(pin->origin));
        }
        if (vd->root_hash_size == 0)
                return;
        printf("        Root hash: %s\n", vd->root_hash_hex);
        printf("                from: %s: %s%s\n", verity_root_hash_kind_to_string(vd->root_hash_kind),
               strna(vd->root_hash_source), vd->pinned ? ", the pinned one" : "");
        if (vd->root_hash_kind == VERITY_ROOT_HASH_UUIDS)
                printf("                integrity, not authenticity: anyone who can change the image can change its\n"
                       "                partition UUIDs too (Verity=signed still needs a signature)\n");
        else if (vd->signature_size > 0)
                printf("                signed (%s)\n", vd->signature_path ?: "verity-sig partition");
}

static int inspect_text(const Scan *s, const ScannedImage *si, const Details *d) {
        const DiscoveredImage *i = si->image;
        const ImagePlan *p = &si->plan;

        printf("Image: %s\n", i->path);
        printf("        Name: %s\n", strna(i->name));
        printf("        Version: %s\n", i->version ?: "-");
        printf("        Type: %s\n", scanned_image_type(si));
        printf("        Directory: %s%s\n", i->dir, si->outside ? " (not a portables directory)" : "");
        printf("        State: %s%s%s\n", image_status_to_string(si->status),
               scanned_image_reason(si) ? ": " : "", strempty(scanned_image_reason(si)));
        if (i->picked)
                printf("        Picked: %s\n", i->picked);
        if (i->tries_left != VPICK_TRIES_NONE)
                printf("        Tries: %u left, %u done\n", i->tries_left, i->tries_done);
        if (i->architecture)
                printf("        Architecture: %s\n", i->architecture);

        if (!si->planned) {
                if (si->status == STATUS_NOT_INSPECTED)
                        printf("\nRun as root to see what the generator does with this image.\n");
                return 0;
        }

        printf("        Settings read: ");
        if (p->settings.sources) {
                _cleanup_free_ char *l = strv_join(p->settings.sources, " ");
                printf("%s\n", strna(l));
        } else
                printf("none (defaults)\n");
        printf("        Profile: %s%s%s%s\n", strna(p->profile),
               p->profile_dir ? " (" : "", strempty(p->profile_dir), p->profile_dir ? ")" : "");
        printf("        Enable: %s\n", portable_settings_enable(&p->settings) ? "yes" : "no");
        printf("        Verity: policy %s, data %s\n",
               verity_policy_to_string(portable_settings_verity(&p->settings)), si->verity_data);
        printf("        Restart: %s\n", restart_policy_to_string(portable_settings_restart(&p->settings)));
        print_root_hash(p);
        if (p->prefixes) {
                _cleanup_free_ char *l = strv_join(p->prefixes, " ");
                printf("        Prefixes: %s\n", strna(l));
        }

        /* Extensions=: the stack the units are read from, as systemd overlays it at run time. */
        if (p->settings.extensions) {
                printf("\nStack (bottom to top as systemd stacks it: raw extensions, then directories; a later layer's file shadows an earlier one's):\n");
                printf("        image %s\n", i->path);
                for (size_t k = 0; k < p->n_extensions; k++) {
                        const PlannedExtension *x = p->extensions + k;

                        if (!x->release) {
                                printf("        extension %s: %s\n", x->image.path ?: x->name,
                                       p->refused ? "refused or not checked (see State)" : "not checked");
                                continue;
                        }
                        printf("        extension %s (%s, %s:", x->image.path, image_type_to_string(x->image.type),
                               x->release_path);
                        STRV_FOREACH(f, x->release)
                                printf(" %s", *f);
                        printf(")\n");
                        if (x->verity.mode != VERITY_MODE_NONE)
                                printf("                verity: root hash %s from %s: %s; %s\n", x->verity.data.root_hash_hex,
                                       verity_root_hash_kind_to_string(x->verity.data.root_hash_kind),
                                       strna(x->verity.data.root_hash_source),
                                       x->verity.mode == VERITY_MODE_KERNEL ? "dm-verity, found by systemd itself" :
                                       "verified in userspace before start, run from the verified copy");
                }
                STRV_FOREACH(e, p->settings.extensions + MIN(p->n_extensions, strv_length(p->settings.extensions)))
                        printf("        extension %s: not checked\n", *e);
        }

        if (p->os_release) {
                printf("\nos-release (%s):\n", strna(p->os_release_path));
                STRV_FOREACH(f, p->os_release)
                        printf("        %s\n", *f);
        }

        if (p->n_units > 0) {
                printf("\nUnits:\n");
                for (size_t k = 0; k < p->n_units; k++) {
                        const PlannedUnit *u = p->units + k;

                        printf("        %s (%s%s%s): %s%s%s\n", u->name, u->source,
                               u->layer > 0 && (size_t) u->layer <= p->n_extensions ? " in extension " : "",
                               u->layer > 0 && (size_t) u->layer <= p->n_extensions ?
                                       p->extensions[u->layer - 1].image.path : "",
                               unit_state(si, u),
                               u->skipped && !u->violations ? ": " : "", u->violations ? "" : strempty(u->skipped));
                        /* Every setting the rules refused, not just the first (portables-confinement(7)). */
                        if (u->violations)
                                printf("                asks for more than profile '%s' allows:\n", p->profile);
                        STRV_FOREACH(v, u->violations)
                                printf("                %s\n", *v);
                        if (!u->skipped && !p->refused && k < d->n_infos && unit_name_type(u->name) == UNIT_SERVICE)
                                print_user(d->infos + k);
                }
        }

        /* The generator checks mount points in raw images only: they are mounted read-only, so
         * systemd cannot create a missing one (it does so in a writable directory image). */
        if (i->type == IMAGE_RAW && (p->mounts.missing_dirs || p->mounts.missing_targets)) {
                printf("\nMount points missing in the image:\n");
                STRV_FOREACH(m, p->mounts.missing_dirs)
                        printf("        %s: API file system mount point, the image is refused\n", *m);
                STRV_FOREACH(m, p->mounts.missing_targets)
                        printf("        %s: bind mount target, the services run without this bind mount\n", *m);
        } else if (i->type == IMAGE_RAW && !p->refused)
                printf("\nMount points: all present in the image.\n");

        /* Profiles without DynamicUser=yes: the image's sysusers.d, created on the host before start. */
        if (p->sysusers.files) {
                _cleanup_free_ char *l = strv_join(p->sysusers.files, " ");
                printf("\nUsers (%s):\n", strna(l));
                if (p->users_unit)
                        printf("        Created by: %s, before the services start\n", p->users_unit);
                STRV_FOREACH(n, p->sysusers_new)
                        printf("        %s: created on the host\n", *n);
                if (!p->sysusers_new && !p->refused)
                        printf("        all exist on the host already\n");
        }
        STRV_FOREACH(t, p->tmpfiles) {
                if (t == p->tmpfiles)
                        printf("\ntmpfiles.d of the image:\n");
                printf("        %s (not applied)\n", *t);
        }

        if (!p->refused) {
                bool first = true;

                printf("\nFiles the generator writes:\n");
                for (size_t k = 0; k < p->n_units; k++) {
                        const PlannedUnit *u = p->units + k;

                        if (u->skipped)
                                continue;
                        for (size_t j = 0; j < u->n_files; j++) {
                                if (!first)
                                        fputc('\n', stdout);
                                first = false;
                                print_file(u->files + j);
                        }
                }
        }

        return 0;
}

static int inspect_json(const Scan *s, const ScannedImage *si, const Details *d) {
        const ImagePlan *p = &si->plan;
        const VerityPin *pin = portable_settings_root_hash(&p->settings);
        JsonWriter w;

        json_writer_init(&w, stdout, arg_json);
        json_begin_object(&w);
        json_image_summary(&w, s, si, !si->planned);

        if (si->planned) {
                json_key(&w, "settings");
                json_begin_object(&w);
                json_field_strv(&w, "sources", p->settings.sources);
                json_field_string(&w, "profile", p->profile);
                json_field_string(&w, "profileDirectory", p->profile_dir);
                json_field_bool(&w, "enable", portable_settings_enable(&p->settings));
                json_field_string(&w, "verity", verity_policy_to_string(portable_settings_verity(&p->settings)));
                json_field_string(&w, "restart", restart_policy_to_string(portable_settings_restart(&p->settings)));
                json_field_strv(&w, "prefixes", p->prefixes);
                if (pin) {
                        _cleanup_free_ char *h = hexmem_lower(pin->root_hash, pin->root_hash_size);
                        if (!h)
                                return log_oom();
                        json_field_string(&w, "rootHash", h);
                        json_field_string(&w, "rootHashOrigin", pin->origin);
                }
                json_end_object(&w);

                json_key(&w, "extensions");
                json_begin_array(&w);
                for (size_t k = 0; k < p->n_extensions; k++) {
                        const PlannedExtension *x = p->extensions + k;

                        json_begin_object(&w);
                        json_field_string(&w, "name", x->name);
                        json_field_string(&w, "path", x->image.path);
                        json_field_string(&w, "type", x->image.path ? image_type_to_string(x->image.type) : NULL);
                        json_field_string(&w, "releasePath", x->release_path);
                        json_field_strv(&w, "release", x->release);
                        json_field_string(&w, "rootHash", x->verity.mode != VERITY_MODE_NONE ? x->verity.data.root_hash_hex : NULL);
                        json_field_string(&w, "rootHashFrom", x->verity.mode != VERITY_MODE_NONE ?
                                          verity_root_hash_kind_to_string(x->verity.data.root_hash_kind) : NULL);
                        json_field_string(&w, "verifiedCopy", x->verity.mode == VERITY_MODE_SNAPSHOT ? x->verity.root_image : NULL);
                        json_end_object(&w);
                }
                json_end_array(&w);
                if (p->verity.data.root_hash_size > 0) {
                        json_key(&w, "rootHash");
                        json_begin_object(&w);
                        json_field_string(&w, "hash", p->verity.data.root_hash_hex);
                        json_field_string(&w, "from", verity_root_hash_kind_to_string(p->verity.data.root_hash_kind));
                        json_field_string(&w, "source", p->verity.data.root_hash_source);
                        json_field_bool(&w, "pinned", p->verity.data.pinned);
                        json_field_bool(&w, "authenticated", p->verity.data.signature_size > 0);
                        json_end_object(&w);
                }

                json_field_string(&w, "osReleasePath", p->os_release_path);
                json_key(&w, "osRelease");
                json_begin_object(&w);
                STRV_FOREACH(f, p->os_release) {
                        _cleanup_free_ char *k = NULL;
                        const char *eq = strchr(*f, '=');
                        if (!eq)
                                continue;
                        k = strndup(*f, eq - *f);
                        if (!k)
                                return log_oom();
                        json_field_string(&w, k, eq + 1);
                }
                json_end_object(&w);

                json_key(&w, "units");
                json_begin_array(&w);
                for (size_t k = 0; k < p->n_units; k++) {
                        const PlannedUnit *u = p->units + k;
                        const UnitInfo *ui = k < d->n_infos ? d->infos + k : NULL;

                        json_begin_object(&w);
                        json_field_string(&w, "name", u->name);
                        json_field_string(&w, "source", u->source);
                        json_field_string(&w, "sourceImage",
                                          u->layer > 0 && (size_t) u->layer <= p->n_extensions ?
                                                  p->extensions[u->layer - 1].image.path : si->image->path);
                        json_field_string(&w, "state", unit_state(si, u));
                        json_field_string(&w, "reason", u->skipped);
                        if (u->violations)
                                json_field_strv(&w, "refusedSettings", u->violations);
                        if (ui && !u->skipped && unit_name_type(u->name) == UNIT_SERVICE) {
                                json_field_string(&w, "user", ui->user);
                                json_field_string(&w, "group", ui->group);
                                json_field_bool(&w, "dynamicUser", ui->dynamic_user > 0);
                                json_field_strv(&w, "supplementaryGroups", ui->supplementary_groups);
                                json_field_strv(&w, "bindDestinations", ui->bind_targets);
                        }
                        json_key(&w, "files");
                        json_begin_array(&w);
                        for (size_t j = 0; j < u->n_files && !u->skipped && !p->refused; j++) {
                                const PlannedFile *f = u->files + j;
                                _cleanup_free_ char *path = strjoin(GENERATOR_OUTPUT_DIR "/", f->name);

                                if (!path)
                                        return log_oom();
                                json_begin_object(&w);
                                json_field_string(&w, "name", f->name);
                                json_field_string(&w, "path", path);
                                if (f->link_target)
                                        json_field_string(&w, "linkTarget", f->link_target);
                                else if (!f->text) {
                                        json_field_bool(&w, "directory", /* b= */ true);
                                        json_field_unsigned(&w, "mode", f->mode);
                                } else if (f->copy_of) {
                                        json_field_string(&w, "copyOf", f->copy_of);
                                        json_field_unsigned(&w, "mode", f->mode);
                                        json_field_unsigned(&w, "size", strlen(f->text));
                                } else
                                        json_field_string(&w, "content", f->text);
                                json_end_object(&w);
                        }
                        json_end_array(&w);
                        json_end_object(&w);
                }
                json_end_array(&w);

                json_field_strv(&w, "sysusersFiles", p->sysusers.files);
                json_field_strv(&w, "usersCreated", p->sysusers_new);
                json_field_string(&w, "usersUnit", p->users_unit);
                json_field_strv(&w, "tmpfilesNotApplied", p->tmpfiles);

                json_key(&w, "mountPoints");
                if (si->image->type != IMAGE_RAW)
                        json_null(&w);  /* not checked: systemd creates them in a writable tree */
                else {
                        json_begin_object(&w);
                        json_field_strv(&w, "missingDirectories", p->mounts.missing_dirs);
                        json_field_strv(&w, "missingBindTargets", p->mounts.missing_targets);
                        json_end_object(&w);
                }
        }

        json_end_object(&w);
        return json_writer_finish(&w);
}

int verb_inspect(int argc, char **argv) {
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        _cleanup_(details_done) Details d = {};
        const char *what = argv[1];
        ScannedImage *si;
        int r;

        r = scan_run(&s, strchr(what, '/') ? what : NULL);
        if (r == -ENXIO)
                return EXIT_NOT_FOUND;
        if (r < 0)
                return r;

        si = scan_find(&s, what);
        if (!si) {
                log_error("No image '%s' found in the portables directories.", what);
                return EXIT_NOT_FOUND;
        }

        scan_print_caveats(&s);

        r = details_collect(si, &d);
        if (r < 0)
                return log_oom();

        pager_open();
        if (arg_json != JSON_OFF)
                return inspect_json(&s, si, &d);
        return inspect_text(&s, si, &d);
}
