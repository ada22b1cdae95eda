/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "host-claims.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

#define CLAIM_PREFIX EXTRACT_CACHE_KEEP_PREFIX "run-"
#define CLAIM_SIZE_MAX 4096U

static bool name_is_component(const char *name) {
        return !isempty(name) && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..") &&
               strlen(name) <= 255 - strlen(CLAIM_PREFIX);
}

int host_claim_run_dir(const HostClaims *c, const char *image, const char *name) {
        _cleanup_free_ char *path = NULL, *claim = NULL, *holder = NULL, *text = NULL;
        bool usable_cache;
        int r, exists;

        assert(c);
        assert(image);
        assert(name);

        if (!name_is_component(name))
                return 0;

        path = strjoin("/run/", name);
        claim = strjoin(CLAIM_PREFIX, name);
        text = strjoin(image, "\n");
        if (!path || !claim || !text)
                return -ENOMEM;

        /* Another image of this run has it, whatever the disk says. */
        STRV_FOREACH(k, c->claimed ? *c->claimed : NULL) {
                const char *sp = strchr(*k, ' ');
                if (sp && (size_t) (sp - *k) == strlen(name) && strneq(*k, name, sp - *k))
                        return streq(sp + 1, image);
        }

        exists = host_exists(c->ctx, path);
        if (exists < 0)
                return exists;

        usable_cache = c->cache && c->cache->dir_fd >= 0;
        if (usable_cache) {
                r = read_file_at(c->cache->dir_fd, claim, CLAIM_SIZE_MAX, &holder);
                if (r < 0 && r != -ENOENT)
                        log_debug_errno(r, "Cannot read claim %s/%s, ignoring it: %m", c->cache->dir, claim);
        }

        if (exists) {
                /* Ours only if we said so while it did not exist. */
                if (!holder || !streq(holder, text))
                        return 0;
                if (c->record)
                        (void) strv_extend(&c->cache->used, claim);
                return 1;
        }

        /* Missing: the image may have it, unless an image that is still there claimed it before
         * (its service is stopped, and removed the directory); a claim of an image that is gone is
         * stale. */
        if (holder && !streq(holder, text)) {
                _cleanup_free_ char *other = strndup(holder, strcspn(holder, "\n"));
                if (!other)
                        return -ENOMEM;
                if (strv_contains(c->images, other))
                        return 0;
        }
        if (c->claimed) {
                char *k = strjoin(name, " ", image);
                if (!k || strv_consume(c->claimed, k) < 0)
                        return -ENOMEM;
        }
        if (usable_cache && c->record) {
                if (!holder || !streq(holder, text)) {
                        r = write_file_atomic_at(c->cache->dir_fd, claim, text, 0600);
                        if (r < 0)
                                log_warning_errno(r, "Cannot record that /run/%s is image %s's (%s/%s): %m", name,
                                                  image, c->cache->dir, claim);
                }
                (void) strv_extend(&c->cache->used, claim);
        }
        return 1;
}

int host_state_dir_usable(const Context *ctx, const char *base, const char *name) {
        _cleanup_free_ char *path = NULL, *want = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[256];
        ssize_t n;

        assert(ctx);
        assert(base);
        assert(name);

        path = strjoin(base, "/", name);
        want = strjoin("private/", name);
        if (!path || !want)
                return -ENOMEM;

        fd = host_open(ctx, path, O_NOFOLLOW);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 1;
        if (fd < 0)
                return fd;

        n = readlinkat(fd, "", buf, sizeof(buf) - 1);
        if (n < 0)
                return errno == ENOENT || errno == EINVAL ? 0 : -errno;
        buf[n] = 0;
        return streq(buf, want);
}
