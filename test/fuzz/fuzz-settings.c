/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fuzz.h"
#include "settings.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(portable_settings_done) PortableSettings s = PORTABLE_SETTINGS_NULL;
        _cleanup_free_ char *t = NULL;

        fuzz_setup();
        t = fuzz_string(data, size);

        /* As an image's settings over inherited global ones. */
        if (strv_extend(&s.prefixes, "global") < 0)
                abort();
        s.prefixes_inherited = true;
        (void) portable_settings_parse(&s, t, "fuzz.portable");
        (void) portable_settings_parse(&s, t, "fuzz.portable.d/x.conf");
        (void) portable_settings_profile(&s);
        (void) portable_settings_enable(&s);
        (void) portable_settings_verity(&s);
        return 0;
}
