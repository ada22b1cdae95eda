/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The [Install] section of a unit, for a plain unit, a template and an instance name; the first
 * line of the input, if it is a unit name, is used as the name too. */

#include "fuzz.h"
#include "install-section.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL, *first = NULL;
        static const char *const names[] = { "foo.service", "foo@.service", "foo-bar@inst.socket" };

        fuzz_setup();
        s = fuzz_string(data, size);

        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                _cleanup_(install_info_done) InstallInfo i = {};
                _cleanup_free_ char *p = NULL;

                (void) install_info_parse(&i, s, names[k], "fuzz");
                (void) install_info_parse(&i, s, names[k], "fuzz-dropin");
                (void) install_name_printf(names[k], s, &p);
        }

        first = strndup(s, strcspn(s, "\n"));
        if (first && unit_name_type(first) >= 0) {
                _cleanup_(install_info_done) InstallInfo i = {};
                (void) install_info_parse(&i, s, first, "fuzz");
        }
        return 0;
}
