/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "extract-cache-bundle.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

#define BUNDLE_MAGIC "portables-cache-bundle 1\n"
/* Keys are cache_key()'s: hex digits, '-' and '.'. */
#define BUNDLE_KEY_MAX 128U
/* The builder's buffer grows by this much (a multiple of the page size). */
#define BUILDER_STEP (64U * 1024U)

static bool key_valid(const char *k, size_t n) {
        if (n == 0 || n > BUNDLE_KEY_MAX)
                return false;
        for (size_t j = 0; j < n; j++)
                if (!strchr("0123456789abcdef-.", k[j]) || k[j] == 0)
                        return false;
        return true;
}

/* Parses buf (size bytes, NUL-terminated) in place into entries; -EBADMSG if malformed. */
static int bundle_parse(char *buf, size_t size, CacheBundleEntry **ret, size_t *ret_n) {
        _cleanup_free_ CacheBundleEntry *entries = NULL;
        size_t n = 0, allocated = 0;
        char *p = buf, *end = buf + size;

        if (size < strlen(BUNDLE_MAGIC) || memcmp(buf, BUNDLE_MAGIC, strlen(BUNDLE_MAGIC)) != 0)
                return -EBADMSG;
        p += strlen(BUNDLE_MAGIC);

        while (p < end) {
                char *sp, *nl;
                size_t len = 0;

                nl = memchr(p, '\n', MIN((size_t) (end - p), BUNDLE_KEY_MAX + 24));
                sp = nl ? memchr(p, ' ', (size_t) (nl - p)) : NULL;
                if (!sp || !key_valid(p, (size_t) (sp - p)) || sp + 1 == nl)
                        return -EBADMSG;
                for (char *d = sp + 1; d < nl; d++) {
                        if (*d < '0' || *d > '9' || len > (SIZE_MAX - 9) / 10)
                                return -EBADMSG;
                        len = len * 10 + (size_t) (*d - '0');
                }
                if ((size_t) (end - (nl + 1)) < len + 1 || nl[1 + len] != '\n')
                        return -EBADMSG;

                if (n == allocated) {
                        CacheBundleEntry *e;

                        allocated = allocated ? allocated * 2 : 64;
                        e = reallocarray(entries, allocated, sizeof(CacheBundleEntry));
                        if (!e)
                                return -ENOMEM;
                        entries = e;
                }
                *sp = 0;
                nl[1 + len] = 0;
                entries[n++] = (CacheBundleEntry) { .key = p, .data = nl + 1, .size = len };
                p = nl + 1 + len + 1;
        }

        *ret = TAKE_PTR(entries);
        *ret_n = n;
        return 0;
}

int cache_bundle_parse(char *buf, CacheBundle *ret) {
        _cleanup_free_ char *b = buf;
        CacheBundleEntry *entries = NULL;
        size_t n = 0;
        int r;

        assert(buf);
        assert(ret);

        r = bundle_parse(b, strlen(b), &entries, &n);
        if (r < 0)
                return r;
        *ret = (CacheBundle) { .buf = TAKE_PTR(b), .entries = entries, .n_entries = n };
        return 0;
}

int cache_bundle_load(int dir_fd, size_t max, CacheBundle *ret) {
        _cleanup_free_ char *buf = NULL;
        int r;

        assert(ret);

        *ret = (CacheBundle) {};

        r = read_file_at(dir_fd, CACHE_BUNDLE_NAME, max, &buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (r != -ENOENT)
                        log_debug_errno(r, "Cannot read the cache bundle, reading the entries one by one: %m");
                return 0;
        }
        r = cache_bundle_parse(TAKE_PTR(buf), ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_debug("The cache bundle is malformed, reading the entries one by one.");
        return 0;
}

void cache_bundle_done(CacheBundle *b) {
        assert(b);

        b->buf = mfree(b->buf);
        b->entries = mfree(b->entries);
        b->n_entries = b->n_used = b->hint = 0;
}

CacheBundleEntry *cache_bundle_find(CacheBundle *b, const char *key) {
        assert(b);
        assert(key);

        /* Runs look images up in the order the last one did, which wrote them in that order. */
        for (size_t j = 0; j < b->n_entries; j++) {
                size_t k = (b->hint + j) % b->n_entries;

                if (streq(b->entries[k].key, key)) {
                        b->hint = k + 1;
                        return b->entries + k;
                }
        }
        return NULL;
}

int cache_bundle_builder_add(CacheBundleBuilder *b, const char *key, const char *text, size_t size) {
        char line[BUNDLE_KEY_MAX + 24];
        size_t n, need;
        int r;

        assert(b);
        assert(key);
        assert(text);

        if (!key_valid(key, strlen(key)))
                return -EINVAL;
        n = (size_t) snprintf(line, sizeof(line), "%s %zu\n", key, size);
        need = (b->size == 0 ? strlen(BUNDLE_MAGIC) : 0) + n + size + 1;
        if (need > SIZE_MAX - b->size - 1)
                return -ENOMEM;
        if (b->size + need + 1 > b->allocated) {
                /* Mapped, not from the heap: it grows while a run reads images, whose buffers come
                 * and go around it, and it is the one allocation that lasts. mremap() grows it
                 * without a copy, and only its pages in use count. */
                size_t a = MAX(b->size + need + 1, b->allocated + BUILDER_STEP);
                void *p;

                a = (a + BUILDER_STEP - 1) / BUILDER_STEP * BUILDER_STEP;
                p = b->buf ? mremap(b->buf, b->allocated, a, MREMAP_MAYMOVE) :
                                   mmap(NULL, a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (p == MAP_FAILED)
                        return -ENOMEM;
                b->buf = p;
                b->allocated = a;
        }
        {
                size_t k = strv_length(b->keys);
                size_t *o = reallocarray(b->offsets, k + 1, sizeof(size_t)), *z;

                if (!o)
                        return -ENOMEM;
                b->offsets = o;
                z = reallocarray(b->sizes, k + 1, sizeof(size_t));
                if (!z)
                        return -ENOMEM;
                b->sizes = z;
                r = strv_extend(&b->keys, key);
                if (r < 0)
                        return r;
                b->offsets[k] = (b->size == 0 ? strlen(BUNDLE_MAGIC) : b->size) + n;
                b->sizes[k] = size;
        }

        if (b->size == 0)
                b->size = stpcpy(b->buf, BUNDLE_MAGIC) - b->buf;
        memcpy(b->buf + b->size, line, n);
        memcpy(b->buf + b->size + n, text, size);
        b->size += n + size;
        b->buf[b->size++] = '\n';
        b->buf[b->size] = 0;
        return 0;
}

bool cache_bundle_builder_has(const CacheBundleBuilder *b, const char *key) {
        assert(b);
        return strv_contains(b->keys, key);
}

const char *cache_bundle_builder_find(const CacheBundleBuilder *b, const char *key, size_t *ret_size) {
        assert(b);
        assert(key);
        assert(ret_size);

        for (size_t k = strv_length(b->keys); k > 0; k--)
                if (streq(b->keys[k - 1], key)) {
                        *ret_size = b->sizes[k - 1];
                        return b->buf + b->offsets[k - 1];
                }
        return NULL;
}

void cache_bundle_builder_done(CacheBundleBuilder *b) {
        assert(b);

        b->offsets = mfree(b->offsets);
        b->sizes = mfree(b->sizes);
        if (b->buf)
                (void) munmap(b->buf, b->allocated);
        b->buf = NULL;
        b->size = b->allocated = 0;
        b->keys = strv_free(b->keys);
}

int cache_bundle_write(int dir_fd, size_t max, const CacheBundleBuilder *b) {
        assert(b);

        if (b->size == 0 || b->size > max) {
                if (unlinkat(dir_fd, CACHE_BUNDLE_NAME, 0) < 0 && errno != ENOENT)
                        return log_debug_errno(errno, "Failed to remove the cache bundle: %m");
                return 0;
        }
        return write_file_atomic_at(dir_fd, CACHE_BUNDLE_NAME, b->buf, 0600);
}
