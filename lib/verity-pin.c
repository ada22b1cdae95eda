/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "string-util.h"
#include "verity-pin.h"
#include "verity-verify.h"

void verity_pin_done(VerityPin *p) {
        assert(p);

        free(p->origin);
        *p = (VerityPin) {};
}

int verity_pin_copy(const VerityPin *from, VerityPin *to) {
        assert(from);
        assert(to);

        *to = (VerityPin) {};
        if (from->root_hash_size == 0)
                return 0;
        memcpy(to->root_hash, from->root_hash, from->root_hash_size);
        to->root_hash_size = from->root_hash_size;
        if (from->origin) {
                to->origin = strdup(from->origin);
                if (!to->origin)
                        return -ENOMEM;
        }
        return 0;
}

static int uuid_parse(const char *s, uint8_t ret[static 16]) {
        size_t p = 0;
        bool zero = true;

        if (!s || strlen(s) != 36)
                return -EINVAL;
        for (size_t k = 0; k < 16; k++) {
                int a, b;

                if (IN_SET(p, 8, 13, 18, 23)) {
                        if (s[p] != '-')
                                return -EINVAL;
                        p++;
                }
                a = unhexchar(s[p++]);
                b = unhexchar(s[p++]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                ret[k] = (uint8_t) (a << 4 | b);
                if (ret[k] != 0)
                        zero = false;
        }
        return zero ? -EINVAL : 0;
}

int verity_root_hash_from_uuids(const char *data_uuid, const char *verity_uuid, uint8_t ret[static 32]) {
        uint8_t h[32];

        if (uuid_parse(data_uuid, h) < 0 || uuid_parse(verity_uuid, h + 16) < 0)
                return -EINVAL;
        memcpy(ret, h, sizeof(h));
        return 0;
}

/* The root hash d's hash tree has (the GPT verity partition, or NAME.verity): 0 with ret, -EBADMSG
 * with *ret_reason, other errors. */
static int tree_root(const Context *c, int image_fd, const RawProbe *probe, const VerityData *d,
                     uint8_t ret[static VERITY_DIGEST_MAX], size_t *ret_size, const char **ret_reason) {
        _cleanup_close_ int pfd = -EBADF, hfd = -EBADF;
        struct stat st;

        if (d->hash_tree_in_image)
                return verity_tree_root_hash(image_fd, probe->data.offset, probe->data.size,
                                             image_fd, probe->verity.offset, probe->verity.size,
                                             ret, ret_size, ret_reason);

        if (fstat(image_fd, &st) < 0)
                return -errno;
        pfd = host_open(c, d->hash_tree_path, 0);
        if (pfd < 0)
                return pfd;
        if (fd_verify_regular(pfd) < 0) {
                *ret_reason = "not a regular file";
                return -EBADMSG;
        }
        hfd = fd_reopen(pfd, O_RDONLY | O_NONBLOCK);
        if (hfd < 0)
                return hfd;
        return verity_tree_root_hash(image_fd, 0, (uint64_t) st.st_size, hfd, 0, UINT64_MAX,
                                     ret, ret_size, ret_reason);
}

static int use_root_hash(VerityData *d, const uint8_t *h, size_t n, VerityRootHashKind kind, const char *source) {
        memcpy(d->root_hash, h, n);
        d->root_hash_size = n;
        d->root_hash_kind = kind;
        d->root_hash_hex = hexmem_lower(h, n);
        d->root_hash_source = strdup(source);
        if (!d->root_hash_hex || !d->root_hash_source)
                return -ENOMEM;
        return 0;
}

static int mismatch(VerityData *d, const VerityPin *pin, const char *fmt, ...) _printf_(3, 4);
static int mismatch(VerityData *d, const VerityPin *pin, const char *fmt, ...) {
        _cleanup_free_ char *pinned = hexmem_lower(pin->root_hash, pin->root_hash_size);
        _cleanup_free_ char *tail = NULL;
        va_list ap;
        int r;

        if (!pinned)
                return -ENOMEM;
        va_start(ap, fmt);
        r = vasprintf(&tail, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        d->pin_mismatch = mfree(d->pin_mismatch);
        if (asprintf(&d->pin_mismatch, "%s pins root hash %s, but %s", strna(pin->origin), pinned, tail) < 0) {
                d->pin_mismatch = NULL;
                return -ENOMEM;
        }
        return 0;
}

int verity_data_apply_hints(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                            const VerityPin *pin, VerityData *d) {
        uint8_t tree[VERITY_DIGEST_MAX], guess[32];
        _cleanup_free_ char *tree_hex = NULL;
        const char *reason = NULL;
        bool gpt = probe && probe->format == RAW_FORMAT_GPT, have_guess = false;
        const char *data_name = d->usr ? "usr" : "root";
        size_t tn = 0;
        int r;

        assert(c);
        assert(i);
        assert(d);

        if (d->malformed)
                return 0;

        if (d->root_hash_size > 0) {
                if (!verity_pin_set(pin))
                        return 0;
                if (pin->root_hash_size == d->root_hash_size && memcmp(pin->root_hash, d->root_hash, d->root_hash_size) == 0) {
                        d->pinned = true;
                        return 0;
                }
                return mismatch(d, pin, "the image's root hash is %s (from %s)", d->root_hash_hex, d->root_hash_source);
        }

        if (!d->hash_tree_path && !d->hash_tree_in_image)
                return 0;               /* nothing to check a hint against: no verity data */

        if (gpt && d->hash_tree_in_image)
                have_guess = verity_root_hash_from_uuids(probe->data.uuid, probe->verity.uuid, guess) >= 0;
        if (!verity_pin_set(pin) && !have_guess)
                return 0;

        if (image_fd < 0) {
                log_debug("%s: not open, its root hash cannot be derived.", i->path);
                if (verity_pin_set(pin))
                        return mismatch(d, pin, "the image's hash tree cannot be read");
                return 0;
        }

        r = tree_root(c, image_fd, probe, d, tree, &tn, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                _cleanup_free_ char *why = NULL;

                if (r == -EBADMSG)
                        why = strjoin(d->hash_tree_in_image ? (d->usr ? "usr-verity partition" : "root-verity partition") :
                                      d->hash_tree_path, ": ", reason);
                else if (asprintf(&why, "%s", strerror(-r)) < 0)
                        why = NULL;
                if (!why)
                        return -ENOMEM;
                log_debug("%s: the root hash of its hash tree cannot be computed: %s", i->path, why);
                if (verity_pin_set(pin))
                        return mismatch(d, pin, "the image's hash tree cannot be checked against it (%s)", why);
                return 0;
        }
        tree_hex = hexmem_lower(tree, tn);
        if (!tree_hex)
                return -ENOMEM;

        if (verity_pin_set(pin)) {
                if (pin->root_hash_size != tn || memcmp(pin->root_hash, tree, tn) != 0)
                        return mismatch(d, pin, "the image's hash tree has root hash %s (%s)", tree_hex,
                                        have_guess && tn == sizeof(guess) && memcmp(guess, tree, tn) == 0 ?
                                        "as its partition UUIDs say" : "it has no root hash file or signature");
                d->pinned = true;
                /* The partition UUIDs say the same: that is where the image's root hash comes from,
                 * and it is the pinned one. */
                if (!(have_guess && tn == sizeof(guess) && memcmp(guess, tree, tn) == 0))
                        return use_root_hash(d, pin->root_hash, pin->root_hash_size, VERITY_ROOT_HASH_PIN,
                                             strna(pin->origin));
        } else if (tn != sizeof(guess) || memcmp(guess, tree, tn) != 0) {
                if (asprintf(&d->uuid_hint_rejected, "the UUIDs of its %s and %s-verity partitions are not the root hash "
                             "of its hash tree, %s", data_name, data_name, tree_hex) < 0) {
                        d->uuid_hint_rejected = NULL;
                        return -ENOMEM;
                }
                log_debug("%s: %s: not used.", i->path, d->uuid_hint_rejected);
                return 0;
        }

        {
                _cleanup_free_ char *source = NULL;

                if (asprintf(&source, "the UUIDs of the %s and %s-verity partitions (integrity, not authenticity)",
                             data_name, data_name) < 0)
                        return -ENOMEM;
                return use_root_hash(d, guess, sizeof(guess), VERITY_ROOT_HASH_UUIDS, source);
        }
}
