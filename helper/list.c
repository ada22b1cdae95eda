/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "list.h"
#include "log.h"
#include "output.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"
#include "vpick.h"

static const char *verity_policy(const ScannedImage *i) {
        if (!i->planned)
                return NULL;
        return verity_policy_to_string(portable_settings_verity(&i->plan.settings));
}

/* An attached image's units that are not: "a.service: why; b.service: why" (NULL if none). The
 * reasons are the first each; portables inspect shows every refused setting. */
static int not_attached_summary(const ScannedImage *i, char **ret) {
        _cleanup_free_ char *s = NULL;

        *ret = NULL;
        if (!i->planned || i->plan.refused)
                return 0;
        for (size_t k = 0; k < i->plan.n_units; k++) {
                const PlannedUnit *u = i->plan.units + k;
                if (u->skipped && !strextend(&s, s ? "; " : "not attached: ", u->name, ": ", u->skipped))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

void json_image_summary(JsonWriter *w, const Scan *s, const ScannedImage *i, bool with_units) {
        _cleanup_strv_free_ char **units = NULL;
        const DiscoveredImage *d = i->image;

        (void) scanned_image_units(i, &units);

        json_field_string(w, "name", d->name);
        json_field_string(w, "version", d->version);
        json_field_string(w, "filename", d->filename);
        json_field_string(w, "path", d->path);
        json_field_string(w, "directory", d->dir);
        json_field_bool(w, "inPortablesDirectory", !i->outside);
        /* How this version was picked: the entry of a NAME.v/ directory, its counters. */
        json_field_bool(w, "versioned", d->versioned);
        json_key(w, "triesLeft");
        if (d->tries_left == VPICK_TRIES_NONE)
                json_null(w);
        else
                json_unsigned(w, d->tries_left);
        json_key(w, "triesDone");
        if (d->tries_done == VPICK_TRIES_NONE)
                json_null(w);
        else
                json_unsigned(w, d->tries_done);
        json_field_string(w, "architecture", d->architecture);
        json_field_string(w, "picked", d->picked);
        json_field_string(w, "type", scanned_image_type(i));
        json_field_string(w, "profile", scanned_image_profile(i));
        json_key(w, "verity");
        json_begin_object(w);
        json_field_string(w, "policy", verity_policy(i));
        json_field_string(w, "data", i->verity_data);
        json_end_object(w);
        if (with_units)
                json_field_strv(w, "units", units);
        json_field_string(w, "state", image_status_to_string(i->status));
        json_field_string(w, "reason", scanned_image_reason(i));
        if (with_units && i->planned && !i->plan.refused) {
                json_key(w, "notAttached");
                json_begin_array(w);
                for (size_t k = 0; k < i->plan.n_units; k++) {
                        const PlannedUnit *u = i->plan.units + k;
                        if (!u->skipped)
                                continue;
                        json_begin_object(w);
                        json_field_string(w, "name", u->name);
                        json_field_string(w, "reason", u->skipped);
                        json_field_strv(w, "refusedSettings", u->violations);
                        json_end_object(w);
                }
                json_end_array(w);
        }
}

void scan_print_caveats(const Scan *s) {
        if (s->disabled)
                log_warning("Portable services are disabled on the kernel command line (systemd.portables=0): "
                            "the generator attaches nothing. Shown is what it would do otherwise.");
        if (s->n_not_inspected > 0)
                log_warning("%zu raw image(s) not inspected: mounting them needs root. Units they would "
                            "attach are not known, so conflicts with them are not shown.", s->n_not_inspected);
}

static int list_json(const Scan *s) {
        JsonWriter w;

        json_writer_init(&w, stdout, arg_json);
        json_begin_array(&w);
        for (size_t k = 0; k < s->n_items; k++) {
                json_begin_object(&w);
                json_image_summary(&w, s, s->items + k, /* with_units= */ true);
                json_end_object(&w);
        }
        json_end_array(&w);
        return json_writer_finish(&w);
}

static int list_table(const Scan *s) {
        static const char *const headers[] = {
                "NAME", "VERSION", "TYPE", "DIRECTORY", "PROFILE", "VERITY", "UNITS", "STATE", "REASON",
        };
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        t = table_new(ELEMENTSOF(headers), headers);
        if (!t)
                return log_oom();

        for (size_t k = 0; k < s->n_items; k++) {
                const ScannedImage *i = s->items + k;
                _cleanup_strv_free_ char **units = NULL;
                _cleanup_free_ char *u = NULL, *verity = NULL, *skipped = NULL, *reason = NULL;
                const char *why;

                r = scanned_image_units(i, &units);
                if (r < 0)
                        return log_oom();
                u = units ? strv_join(units, ",") : NULL;
                verity = i->image->type == IMAGE_DIRECTORY ? strdup("-") :
                         strjoin(verity_policy(i) ?: "-", "/", i->verity_data);
                if ((units && !u) || !verity || not_attached_summary(i, &skipped) < 0)
                        return log_oom();
                /* Why this state, then, for the version of several that was picked, why it. */
                why = scanned_image_reason(i) ?: skipped;
                if (i->image->picked && i->image->state == IMAGE_CANDIDATE) {
                        reason = strjoin(strempty(why), why ? "; " : "", "picked as ", i->image->picked);
                        if (!reason)
                                return log_oom();
                        why = reason;
                }

                r = table_add_row(t, (const char *[]) {
                        i->image->name ?: i->image->filename,
                        i->image->version,
                        scanned_image_type(i),
                        i->image->dir,
                        scanned_image_profile(i),
                        verity,
                        u,
                        image_status_to_string(i->status),
                        why,
                });
                if (r < 0)
                        return log_oom();
        }

        if (table_rows(t) == 0) {
                if (arg_legend)
                        printf("No images.\n");
                return 0;
        }

        r = table_print(t, stdout);
        if (r < 0)
                return log_oom();
        if (arg_legend)
                printf("\n%zu images listed.\n", table_rows(t));
        return 0;
}

int verb_list(int argc, char **argv) {
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        int r;

        r = scan_run(&s, /* extra_path= */ NULL);
        if (r < 0)
                return r;

        scan_print_caveats(&s);

        pager_open();
        if (arg_json != JSON_OFF)
                return list_json(&s);
        return list_table(&s);
}
