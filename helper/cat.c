/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "cat.h"
#include "inspect.h"
#include "list.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "string-util.h"
#include "unit-usermap.h"

/* "foo" -> "foo.service"; an instance "foo@bar.service" that the image does not carry -> its
 * template, as systemctl cat shows the template for an instance. */
static const PlannedUnit *find_unit(const ImagePlan *p, const char *name) {
        _cleanup_free_ char *full = NULL, *template = NULL;

        if (unit_name_type(name) < 0) {
                full = strjoin(name, ".service");
                if (!full)
                        return NULL;
                name = full;
        }

        for (size_t k = 0; k < p->n_units; k++)
                if (streq(p->units[k].name, name))
                        return p->units + k;

        if (unit_name_is_instance(name) && unit_name_template(name, &template) >= 0)
                for (size_t k = 0; k < p->n_units; k++)
                        if (streq(p->units[k].name, template))
                                return p->units + k;
        return NULL;
}

/* Not the account templates (unit-usermap.h): no unit configuration, and systemctl cat does not
 * show them either. */
static bool is_config(const PlannedFile *f, const char *unit) {
        return f->text && !f->copy_of && !streq(f->name, unit) && !startswith(f->name, USERMAP_TEMPLATE_DIR "/");
}

static void print_text(bool *first, const PlannedFile *f) {
        if (!*first)
                fputc('\n', stdout);
        *first = false;
        printf("# " GENERATOR_OUTPUT_DIR "/%s\n", f->name);
        fputs(f->text, stdout);
        if (!endswith(f->text, "\n"))
                fputc('\n', stdout);
}

int verb_cat(int argc, char **argv) {
        _cleanup_(scan_done) Scan s = SCAN_NULL;
        const ScannedImage *si;
        bool first = true;
        int r, ret = 0;

        r = scan_run(&s, /* extra_path= */ NULL);
        if (r < 0)
                return r;

        si = scan_find(&s, argv[1]);
        if (!si) {
                log_error("No image '%s' found in the portables directories.", argv[1]);
                return EXIT_NOT_FOUND;
        }
        scan_print_caveats(&s);
        if (si->status != STATUS_ATTACHED) {
                log_error("Image %s is %s%s%s: the generator writes no units for it.", si->image->path,
                          image_status_to_string(si->status), scanned_image_reason(si) ? ": " : "",
                          strempty(scanned_image_reason(si)));
                return EXIT_NOT_FOUND;
        }

        pager_open();

        for (int k = 2; k < argc; k++) {
                const PlannedUnit *u = find_unit(&si->plan, argv[k]);

                if (!u) {
                        log_error("Image %s has no unit %s.", si->image->path, argv[k]);
                        ret = EXIT_NOT_FOUND;
                        continue;
                }
                if (u->skipped) {
                        log_error("Unit %s of image %s is not written: %s.", u->name, si->image->path, u->skipped);
                        ret = EXIT_NOT_FOUND;
                        continue;
                }

                /* As systemctl cat: the unit first, then its drop-ins in the order they apply. */
                for (size_t j = 0; j < u->n_files; j++)
                        if (u->files[j].text && streq(u->files[j].name, u->name))
                                print_text(&first, u->files + j);
                for (size_t j = 0; j < u->n_files; j++)
                        if (is_config(u->files + j, u->name))
                                print_text(&first, u->files + j);
        }

        return ret;
}
