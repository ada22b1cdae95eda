/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The extraction cache's bundle (lib/extract-cache-bundle.h): parsed, each entry found by its key,
 * and written again by the builder, which must give back the same entries. */

#include <assert.h>

#include "extract-cache-bundle.h"
#include "fuzz.h"
#include "macro.h"
#include "string-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cache_bundle_builder_done) CacheBundleBuilder b = {};
        CacheBundle bundle = {}, again = {};

        fuzz_setup();
        if (cache_bundle_parse(fuzz_string(data, size), &bundle) < 0)
                return 0;

        for (size_t k = 0; k < bundle.n_entries; k++) {
                const CacheBundleEntry *e = bundle.entries + k;
                CacheBundleEntry *f = cache_bundle_find(&bundle, e->key);

                assert(f && streq(f->key, e->key));
                assert(strlen(e->data) == e->size);
                assert(cache_bundle_builder_add(&b, e->key, e->data, e->size) == 0);
        }

        if (b.buf) {
                char *copy = strdup(b.buf);

                if (!copy)
                        abort();
                assert(cache_bundle_parse(copy, &again) == 0);
                assert(again.n_entries == bundle.n_entries);
                for (size_t k = 0; k < again.n_entries; k++) {
                        size_t n;
                        const char *d = cache_bundle_builder_find(&b, bundle.entries[k].key, &n);

                        assert(streq(again.entries[k].key, bundle.entries[k].key));
                        assert(again.entries[k].size == bundle.entries[k].size);
                        assert(memcmp(again.entries[k].data, bundle.entries[k].data, bundle.entries[k].size) == 0);
                        assert(d);
                }
        }

        cache_bundle_done(&again);
        cache_bundle_done(&bundle);
        return 0;
}
