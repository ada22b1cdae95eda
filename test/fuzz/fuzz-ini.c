/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "fuzz.h"
#include "ini.h"
#include "macro.h"

static int on_assignment(const char *section, const char *key, const char *value, const char *filename,
                         unsigned line, void *userdata) {
        size_t *n = userdata;
        /* Touch every byte, so ASan sees any bad pointer. */
        *n += strlen(section ?: "") + strlen(key) + strlen(value) + line;
        return 0;
}

static int on_garbage(const char *text, const char *filename, unsigned line, void *userdata) {
        size_t *n = userdata;
        *n += strlen(text);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        fuzz_setup();
        s = fuzz_string(data, size);
        (void) ini_parse(s, "fuzz", on_assignment, on_garbage, &n);
        (void) ini_parse(s, "fuzz", on_assignment, NULL, &n);
        return 0;
}
