/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "env-file.h"
#include "fuzz.h"
#include "os-release.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        _cleanup_strv_free_ char **l = NULL, **prefixes = NULL;

        fuzz_setup();
        s = fuzz_string(data, size);
        if (env_file_parse(s, &l) < 0)
                return 0;
        (void) env_get(l, "ID");
        /* What the planner does next with an image's os-release. */
        (void) image_prefixes(l, "fuzz", "/fuzz", &prefixes);
        return 0;
}
