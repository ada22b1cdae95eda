/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The extraction cache's entries that a complete run used, in one file, so that the next run
 * reads one file instead of one per image: on a reload with nothing changed that is 4 system
 * calls instead of 4 per image. The entries' own files stay what the cache is; an entry found in
 * the bundle is checked exactly as its file would be (extract-cache.c), and one that does not
 * pass is looked up in its file. Its content is a function of the image file's identity (the
 * key), so a bundle older than a file is never wrong, at most less complete.
 *
 * Format: the line "portables-cache-bundle 1", then per entry "KEY SIZE\n", SIZE bytes, "\n". */

#define CACHE_BUNDLE_NAME "bundle"

typedef struct CacheBundleEntry {
        const char *key;        /* into CacheBundle.buf */
        const char *data;       /* into CacheBundle.buf, size bytes, NUL-terminated */
        size_t size;
        bool used;              /* served a lookup in this run */
} CacheBundleEntry;

typedef struct CacheBundle {
        char *buf;
        CacheBundleEntry *entries;
        size_t n_entries;
        size_t n_used;          /* entries with .used */
        size_t hint;            /* where cache_bundle_find() looks first */
} CacheBundle;

/* Reads dir_fd/CACHE_BUNDLE_NAME (at most max bytes). A missing, unreadable or malformed bundle
 * is an empty one (0); -ENOMEM only. */
int cache_bundle_load(int dir_fd, size_t max, CacheBundle *ret);
void cache_bundle_done(CacheBundle *b);
/* Parses buf (NUL-terminated, taken) into ret; -EBADMSG if malformed. */
int cache_bundle_parse(char *buf, CacheBundle *ret);

/* The entry of that key, or NULL. */
CacheBundleEntry *cache_bundle_find(CacheBundle *b, const char *key);

/* The next bundle, built up as entries come: one buffer, so that keeping them costs no more
 * memory than the file they make. */
typedef struct CacheBundleBuilder {
        char *buf;              /* the file's content so far */
        size_t size, allocated;
        char **keys;            /* those of the entries in it */
        size_t *offsets;        /* where each one's content starts in buf (its size follows its key) */
        size_t *sizes;
} CacheBundleBuilder;

int cache_bundle_builder_add(CacheBundleBuilder *b, const char *key, const char *text, size_t size);
bool cache_bundle_builder_has(const CacheBundleBuilder *b, const char *key);
/* The content of the entry of that key added last (*ret_size bytes, not NUL-terminated), or NULL. */
const char *cache_bundle_builder_find(const CacheBundleBuilder *b, const char *key, size_t *ret_size);
void cache_bundle_builder_done(CacheBundleBuilder *b);

/* Writes b as the new bundle, through a temporary file and rename(); removes the bundle instead if
 * b is empty or more than max bytes. */
int cache_bundle_write(int dir_fd, size_t max, const CacheBundleBuilder *b);
