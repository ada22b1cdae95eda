/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Image names and unit names: everything a directory entry can be called. */

#include "escape.h"
#include "fuzz.h"
#include "names.h"
#include "vpick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;

        fuzz_setup();
        s = fuzz_string(data, size);

        for (int raw = 0; raw <= 1; raw++) {
                _cleanup_free_ char *name = NULL, *version = NULL;
                if (image_name_parse(s, raw, &name, &version) >= 0) {
                        if (!image_filename_is_valid(s) || !name || !*name)
                                abort();
                        (void) portable_prefix_is_valid(name);
                }
        }

        /* Versioned directories and their entries: whatever is taken is a valid image file name
         * and has a valid version; the order is antisymmetric. */
        {
                _cleanup_free_ char *name = NULL;
                bool raw;

                if (vpick_dir_name_parse(s, &name, &raw) >= 0 && (!image_filename_is_valid(name) || strchr(name, '_')))
                        abort();
        }
        for (int raw = 0; raw <= 1; raw++) {
                VPickEntry e = {}, f = {};

                if (vpick_entry_parse(s, "foo", raw ? ".raw" : "", &e) == VPICK_MATCH) {
                        if (!image_filename_is_valid(s) || !e.version || !*e.version)
                                abort();
                        if (vpick_entry_parse("foo_1+1-1.raw", "foo", ".raw", &f) != VPICK_MATCH)
                                abort();
                        if (vpick_entry_compare(&e, &f, NULL) != -vpick_entry_compare(&f, &e, NULL) ||
                            vpick_entry_compare(&e, &e, NULL) != 0)
                                abort();
                        vpick_entry_done(&f);
                }
                vpick_entry_done(&e);
        }

        if (unit_name_type(s) >= 0) {
                _cleanup_free_ char *t = NULL, *i = NULL;
                if (unit_name_is_instance(s) && unit_name_template(s, &t) >= 0 && unit_name_type(t) < 0)
                        abort();
                if (unit_name_is_template(s) && unit_name_replace_instance(s, "x", &i) >= 0 && unit_name_type(i) < 0)
                        abort();
                (void) unit_name_matches_prefix(s, "foo");
        }
        if (unit_instance_is_valid(s)) {
                _cleanup_free_ char *i = NULL;
                (void) unit_name_replace_instance("foo@.service", s, &i);
        }

        {
                _cleanup_free_ char *a = unit_escape_specifiers(s), *b = unit_quote_word(s);
                if (!a || !b)
                        abort();
        }
        return 0;
}
