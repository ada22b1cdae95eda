/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "base64.h"
#include "fileio.h"
#include "hexdecode.h"
#include "json-reader.h"
#include "log.h"
#include "string-util.h"
#include "verity-pin.h"
#include "verity-sidecar.h"

void verity_data_done(VerityData *d) {
        assert(d);

        free(d->root_hash_hex);
        free(d->root_hash_source);
        free(d->root_hash_path);
        free(d->hash_tree_path);
        free(d->signature);
        free(d->signature_path);
        free(d->certificate_fingerprint);
        free(d->malformed);
        free(d->pin_mismatch);
        free(d->uuid_hint_rejected);
        *d = (VerityData) {};
}

static const char *const verity_root_hash_kind_table[_VERITY_ROOT_HASH_KIND_MAX] = {
        [VERITY_ROOT_HASH_NONE] = "none",
        [VERITY_ROOT_HASH_SIDECAR] = "sidecar",
        [VERITY_ROOT_HASH_XATTR] = "xattr",
        [VERITY_ROOT_HASH_SIGNATURE] = "signature",
        [VERITY_ROOT_HASH_UUIDS] = "uuids",
        [VERITY_ROOT_HASH_PIN] = "pin",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(verity_root_hash_kind, VerityRootHashKind);

bool verity_data_complete(const VerityData *d) {
        return !d->malformed && d->root_hash_size > 0 && (d->hash_tree_path || d->hash_tree_in_image);
}

int verity_parse_root_hash(const char *text, size_t n, uint8_t *ret, size_t *ret_size, const char **ret_reason) {
        const char *reason = NULL;
        int r;

        assert(text || n == 0);
        assert(ret_size);

        /* One line, as systemd's read_one_line_file(): trailing white space (the newline) is dropped. */
        while (n > 0 && strchr(WHITESPACE, text[n - 1]) && text[n - 1] != '\0')
                n--;

        if (n == 0)
                reason = "empty";
        else if (memchr(text, '\n', n))
                reason = "more than one line";
        else {
                for (size_t k = 0; k < n; k++)
                        if (unhexchar(text[k]) < 0) {
                                reason = "not a hexadecimal string";
                                break;
                        }
                if (!reason && n % 2 != 0)
                        reason = "odd number of hexadecimal digits";
                else if (!reason && n / 2 < VERITY_ROOT_HASH_MIN)
                        reason = "too short for a root hash (fewer than 32 hexadecimal digits)";
                else if (!reason && n / 2 > VERITY_ROOT_HASH_MAX)
                        reason = "too long for a root hash (more than 128 hexadecimal digits)";
        }
        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EBADMSG;
        }

        r = unhexmem_into(text, n, ret);
        assert(r >= 0); /* checked above */
        *ret_size = (size_t) r;
        return 0;
}

int verity_parse_signature_json(const char *data, size_t size, char **ret_root_hash_hex,
                                uint8_t **ret_signature, size_t *ret_signature_size,
                                char **ret_fingerprint, const char **ret_reason) {
        _cleanup_free_ char *root_hash = NULL, *signature = NULL, *fingerprint = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        JsonReader j = { .p = data, .end = data + size };
        size_t sig_size = 0;
        int r;

        assert(ret_root_hash_hex);
        assert(ret_signature);
        assert(ret_signature_size);

#define FAIL(reason_)                                   \
        ({                                              \
                if (ret_reason)                         \
                        *ret_reason = (reason_);        \
                -EBADMSG;                               \
        })

        /* The partition is NUL padded: the JSON ends at the first NUL, everything after it must be NUL. */
        const char *nul = memchr(data, '\0', size);
        if (nul) {
                for (const char *q = nul; q < data + size; q++)
                        if (*q != '\0')
                                return FAIL("data after the NUL padding");
                j.end = nul;
        }

        json_reader_skip_ws(&j);
        if (!json_reader_consume(&j, '{'))
                return FAIL("not a JSON object");
        json_reader_skip_ws(&j);

        if (!json_reader_consume(&j, '}'))
                for (;;) {
                        _cleanup_free_ char *key = NULL;
                        char **target = NULL;

                        r = json_reader_string(&j, &key);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return FAIL(j.reason);
                        json_reader_skip_ws(&j);
                        if (!json_reader_consume(&j, ':'))
                                return FAIL("expected ':'");
                        json_reader_skip_ws(&j);

                        if (streq(key, "rootHash"))
                                target = &root_hash;
                        else if (streq(key, "signature"))
                                target = &signature;
                        else if (streq(key, "certificateFingerprint"))
                                target = &fingerprint;

                        if (target) {
                                if (*target)
                                        return FAIL("duplicate key");
                                if (!json_reader_peek(&j, '"'))
                                        return FAIL(streq(key, "rootHash") ? "rootHash is not a string" :
                                                    streq(key, "signature") ? "signature is not a string" :
                                                    "certificateFingerprint is not a string");
                                r = json_reader_string(&j, target);
                        } else
                                r = json_reader_skip_value(&j, 1);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return FAIL(j.reason);

                        json_reader_skip_ws(&j);
                        if (json_reader_consume(&j, ',')) {
                                json_reader_skip_ws(&j);
                                continue;
                        }
                        if (json_reader_consume(&j, '}'))
                                break;
                        return FAIL("expected ',' or '}'");
                }

        json_reader_skip_ws(&j);
        if (j.p != j.end)
                return FAIL("trailing data after the JSON object");

        if (!root_hash)
                return FAIL("no rootHash field");
        if (!signature)
                return FAIL("no signature field");

        r = base64_decode_strict(signature, strlen(signature), &sig, &sig_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || sig_size == 0)
                return FAIL("signature is not valid base64");
        if (sig_size > VERITY_SIGNATURE_MAX)
                return FAIL("signature is too large");

        *ret_root_hash_hex = TAKE_PTR(root_hash);
        *ret_signature = TAKE_PTR(sig);
        *ret_signature_size = sig_size;
        if (ret_fingerprint)
                *ret_fingerprint = TAKE_PTR(fingerprint);
        return 0;
#undef FAIL
}

/* ---- Finding it ---- */

char *verity_sidecar_path(const char *image_path, const char *suffix) {
        size_t n = strlen(image_path);

        assert(image_path);

        if (endswith(image_path, ".raw"))
                n -= 4;
        return strjoin_real(strndupa(image_path, n), suffix, NULL);
}

/* Reads a small binary host file (NUL bytes allowed), bounded. -ENOENT if it is not there. */
static int host_read_binary(const Context *c, const char *path, size_t max, uint8_t **ret, size_t *ret_size) {
        _cleanup_close_ int fd = host_open(c, path, 0);

        if (fd < 0)
                return fd;
        return read_regular_fd_binary(fd, max, ret, ret_size);
}

static int set_malformed(VerityData *d, const char *fmt, ...) _printf_(2, 3);
static int set_malformed(VerityData *d, const char *fmt, ...) {
        va_list ap;
        int r;

        if (d->malformed)
                return 0; /* the first problem is the one reported */

        va_start(ap, fmt);
        r = free_and_vasprintf(&d->malformed, fmt, ap);
        va_end(ap);
        return r;
}

static int set_root_hash(VerityData *d, const char *text, size_t n, const char *source, const char *path) {
        const char *reason = NULL;
        int r;

        r = verity_parse_root_hash(text, n, d->root_hash, &d->root_hash_size, &reason);
        if (r < 0) {
                d->root_hash_size = 0;
                return set_malformed(d, "%s: malformed root hash: %s", source, reason);
        }
        d->root_hash_hex = hexmem_lower(d->root_hash, d->root_hash_size);
        d->root_hash_source = strdup(source);
        if (!d->root_hash_hex || !d->root_hash_source)
                return -ENOMEM;
        d->root_hash_kind = path ? VERITY_ROOT_HASH_SIDECAR : VERITY_ROOT_HASH_XATTR;
        if (path) {
                d->root_hash_path = strdup(path);
                if (!d->root_hash_path)
                        return -ENOMEM;
        }
        return 1;
}

/* Tries the xattr, then the sidecar, for "roothash" or "usrhash". 1 if found, 0 if not. */
static int find_root_hash(const Context *c, const DiscoveredImage *i, int image_fd, const char *which, VerityData *d) {
        _cleanup_free_ char *xname = NULL, *path = NULL, *suffix = NULL, *text = NULL, *source = NULL;
        char buf[VERITY_ROOT_HASH_MAX * 2 + 8];
        size_t n = 0;
        ssize_t l;
        int r;

        xname = strjoin("user.verity.", which);
        suffix = strjoin(".", which);
        if (!xname || !suffix)
                return -ENOMEM;

        if (image_fd >= 0) {
                l = fgetxattr(image_fd, xname, buf, sizeof(buf));
                if (l >= 0) {
                        if (asprintf(&source, "xattr %s on %s", xname, i->path) < 0)
                                return -ENOMEM;
                        return set_root_hash(d, buf, (size_t) l, source, /* path= */ NULL);
                }
                if (errno == ERANGE) {
                        r = set_malformed(d, "xattr %s on %s: malformed root hash: too long", xname, i->path);
                        return r < 0 ? r : 1;
                }
                if (!IN_SET(errno, ENODATA, ENOTSUP, EOPNOTSUPP, ENOENT))
                        return log_debug_errno(errno, "%s: failed to read xattr %s: %m", i->path, xname);
        }

        path = verity_sidecar_path(i->path, suffix);
        if (!path)
                return -ENOMEM;
        r = host_read_binary(c, path, 4096, (uint8_t **) &text, &n);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG) {
                r = set_malformed(d, "%s: malformed root hash: file too large", path);
                return r < 0 ? r : 1;
        }
        if (IN_SET(r, -EISDIR, -ELOOP, -EBADFD)) {
                r = set_malformed(d, "%s: not a regular file", path);
                return r < 0 ? r : 1;
        }
        if (r < 0)
                return log_debug_errno(r, "%s: failed to read: %m", path);
        if (memchr(text, '\0', n)) {
                r = set_malformed(d, "%s: malformed root hash: not a hexadecimal string", path);
                return r < 0 ? r : 1;
        }
        return set_root_hash(d, text, n, path, path);
}

static int find_signature_file(const Context *c, const DiscoveredImage *i, VerityData *d) {
        _cleanup_free_ char *path = NULL;
        int r;

        path = verity_sidecar_path(i->path, d->usr ? ".usrhash.p7s" : ".roothash.p7s");
        if (!path)
                return -ENOMEM;

        r = host_read_binary(c, path, VERITY_SIGNATURE_MAX, &d->signature, &d->signature_size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return set_malformed(d, "%s: signature file too large (more than %u bytes)", path, VERITY_SIGNATURE_MAX);
        if (IN_SET(r, -EISDIR, -ELOOP, -EBADFD))
                return set_malformed(d, "%s: not a regular file", path);
        if (r < 0)
                return log_debug_errno(r, "%s: failed to read: %m", path);
        if (d->signature_size == 0) {
                d->signature = mfree(d->signature);
                return set_malformed(d, "%s: empty signature file", path);
        }
        d->signature_path = TAKE_PTR(path);
        return 1;
}

static int find_hash_tree_file(const Context *c, const DiscoveredImage *i, VerityData *d) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        path = verity_sidecar_path(i->path, ".verity");
        if (!path)
                return -ENOMEM;

        fd = host_open(c, path, 0);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return log_debug_errno(fd, "%s: failed to open: %m", path);
        r = fd_verify_regular(fd);
        if (r < 0)
                return set_malformed(d, "%s: not a regular file", path);

        d->hash_tree_path = TAKE_PTR(path);
        return 1;
}

static int read_sig_partition(int image_fd, const DiscoveredImage *i, const RawProbe *probe, VerityData *d) {
        _cleanup_free_ char *buf = NULL, *hex = NULL, *fingerprint = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        const char *what = probe->usr_only ? "usr-verity-sig partition" : "root-verity-sig partition";
        const char *reason = NULL;
        uint8_t h[VERITY_ROOT_HASH_MAX];
        size_t sig_size = 0, hn = 0;
        ssize_t l;
        int r;

        if (probe->verity_sig.size == 0 || probe->verity_sig.size > VERITY_SIG_PARTITION_MAX)
                return set_malformed(d, "%s: %s of %llu bytes (at most %u allowed)", i->path, what,
                                     (unsigned long long) probe->verity_sig.size, VERITY_SIG_PARTITION_MAX);

        buf = malloc(probe->verity_sig.size);
        if (!buf)
                return -ENOMEM;
        l = pread(image_fd, buf, probe->verity_sig.size, (off_t) probe->verity_sig.offset);
        if (l < 0)
                return log_debug_errno(errno, "%s: failed to read the %s: %m", i->path, what);
        if ((uint64_t) l != probe->verity_sig.size)
                return set_malformed(d, "%s: %s is truncated", i->path, what);

        r = verity_parse_signature_json(buf, (size_t) l, &hex, &sig, &sig_size, &fingerprint, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_malformed(d, "%s: %s: malformed signature JSON: %s", i->path, what, reason);

        r = verity_parse_root_hash(hex, strlen(hex), h, &hn, &reason);
        if (r < 0)
                return set_malformed(d, "%s: %s: malformed rootHash: %s", i->path, what, reason);

        if (d->root_hash_size > 0) {
                /* As systemd: a root hash from elsewhere must agree with the signed one. */
                if (hn != d->root_hash_size || memcmp(h, d->root_hash, hn) != 0)
                        return set_malformed(d, "%s: the rootHash in the %s does not match the root hash from %s",
                                             i->path, what, d->root_hash_source);
        } else {
                memcpy(d->root_hash, h, hn);
                d->root_hash_size = hn;
                d->root_hash_hex = hexmem_lower(h, hn);
                d->root_hash_source = strdup(what);
                if (!d->root_hash_hex || !d->root_hash_source)
                        return -ENOMEM;
                d->root_hash_kind = VERITY_ROOT_HASH_SIGNATURE;
        }

        if (!d->signature) {
                d->signature = TAKE_PTR(sig);
                d->signature_size = sig_size;
                d->signature_in_image = true;
        }
        d->certificate_fingerprint = TAKE_PTR(fingerprint);
        return 1;
}

int verity_data_find(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                     const VerityPin *pin, VerityData *ret) {
        _cleanup_(verity_data_done) VerityData d = {};
        _cleanup_close_ int rfd = -EBADF;
        bool gpt = probe && probe->format == RAW_FORMAT_GPT;
        int r;

        if (i->type != IMAGE_RAW) {
                *ret = (VerityData) {};
                return 0;
        }

        /* fgetxattr() and pread() need a real fd, not O_PATH. */
        if (image_fd >= 0) {
                image_fd = fd_readable(image_fd, &rfd);
                if (image_fd < 0)
                        return image_fd;
        }

        /* A GPT image with only a usr partition uses the usrhash names; otherwise root first, then usr,
         * as systemd. */
        if (!(gpt && probe->usr_only)) {
                r = find_root_hash(c, i, image_fd, "roothash", &d);
                if (r < 0)
                        return r;
        }
        if (d.root_hash_size == 0 && !d.malformed && !(gpt && !probe->usr_only)) {
                r = find_root_hash(c, i, image_fd, "usrhash", &d);
                if (r < 0)
                        return r;
                if (r > 0)
                        d.usr = true;
        }
        if (gpt && probe->usr_only)
                d.usr = true;

        r = find_signature_file(c, i, &d);
        if (r < 0)
                return r;

        if (gpt) {
                if (probe->verity.found)
                        d.hash_tree_in_image = true;
                if (probe->verity_sig.found && image_fd >= 0) {
                        r = read_sig_partition(image_fd, i, probe, &d);
                        if (r < 0)
                                return r;
                }
        } else {
                r = find_hash_tree_file(c, i, &d);
                if (r < 0)
                        return r;
        }

        if (!d.malformed) {
                if (d.signature_path && d.root_hash_size == 0)
                        r = set_malformed(&d, "%s: a root hash signature, but no root hash (%s or xattr user.verity.%s)",
                                          d.signature_path, d.usr ? "NAME.usrhash" : "NAME.roothash",
                                          d.usr ? "usrhash" : "roothash");
                else if (d.root_hash_size > 0 && !d.hash_tree_path && !d.hash_tree_in_image)
                        r = set_malformed(&d, "%s: root hash from %s, but no hash tree (%s)", i->path,
                                          d.root_hash_source,
                                          gpt ? "no verity partition in the image" : "no NAME.verity file next to it");
                if (r < 0)
                        return r;
        }

        r = verity_data_apply_hints(c, i, image_fd, probe, pin, &d);
        if (r < 0)
                return r;

        *ret = TAKE_STRUCT(d);
        return 0;
}
