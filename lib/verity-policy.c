/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "escape.h"
#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "verity-pin.h"
#include "verity-policy.h"
#include "verity-signature.h"

void verity_plan_done(VerityPlan *p) {
        assert(p);

        free(p->refused);
        free(p->root_image);
        free(p->unit_text);
        free(p->service_text);
        free(p->verify_unit);
        free(p->verify_dropin_name);
        free(p->verify_dropin_text);
        verity_data_done(&p->data);
        *p = (VerityPlan) {};
}

/* ---- The kernel ---- */

#define MODULES_FILE_MAX (16U * 1024U * 1024U)

/* Does /lib/modules/<release>/<file> list module 'ko' ("kernel/drivers/md/dm-verity.ko[.xz]")? */
static int modules_file_lists(const Context *c, const char *release, const char *file, const char *ko) {
        _cleanup_free_ char *path = NULL, *text = NULL, *needle = NULL;
        size_t n;
        int r;

        path = strjoin("/lib/modules/", release, "/", file);
        needle = strjoin("/", ko);
        if (!path || !needle)
                return -ENOMEM;

        r = host_read_file(c, path, MODULES_FILE_MAX, &text, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;

        for (const char *p = text; (p = strstr(p, needle)); p++) {
                const char *e = p + strlen(needle);
                if (*e == ':' || *e == '\n' || *e == '\0' || *e == '.') /* .ko: .ko.xz .ko.zst */
                        return 1;
        }
        return 0;
}

static int kernel_has(const Context *c, const char *release, const char *sysmod, const char *ko) {
        _cleanup_free_ char *p = strjoin("/sys/module/", sysmod);
        int r;

        if (!p)
                return -ENOMEM;
        r = host_exists(c, p);
        if (r != 0)
                return r;
        r = modules_file_lists(c, release, "modules.builtin", ko);
        if (r != 0)
                return r;
        return modules_file_lists(c, release, "modules.dep", ko);
}

int verity_kernel_supported(const Context *c) {
        _cleanup_free_ char *misc = NULL;
        struct utsname u;
        const char *e;
        size_t n;
        int r, b;

        e = getenv(VERITY_KERNEL_ENV);
        if (!isempty(e)) {
                b = parse_boolean(e);
                if (b >= 0)
                        return b;
                log_debug("Ignoring invalid $%s=%s.", VERITY_KERNEL_ENV, e);
        }

        if (uname(&u) < 0)
                return -errno;

        /* device-mapper itself: /proc/misc lists its control device when it is there. */
        r = host_read_file(c, "/proc/misc", SMALL_FILE_SIZE_MAX, &misc, &n);
        if (r == -ENOMEM)
                return r;
        if (!(r >= 0 && strstr(misc, " device-mapper\n"))) {
                r = kernel_has(c, u.release, "dm_mod", "dm-mod.ko");
                if (r <= 0)
                        return r;
        }

        return kernel_has(c, u.release, "dm_verity", "dm-verity.ko");
}

/* ---- Names ---- */

char *unit_name_path_escape(const char *path) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        assert(path);

        while (*path == '/')
                path++;
        if (*path == '\0')
                return strdup("-");

        s = malloc(strlen(path) * 4 + 1);
        if (!s)
                return NULL;

        for (const char *p = path; *p; p++) {
                if (*p == '/') {
                        while (p[1] == '/')
                                p++;
                        if (p[1] == '\0')
                                break; /* trailing slash */
                        s[n++] = '-';
                } else if (ascii_isalpha(*p) || ascii_isdigit(*p) || *p == ':' || *p == '_' ||
                           (*p == '.' && n > 0 && s[n - 1] != '-')) {
                        s[n++] = *p;
                } else {
                        n += (size_t) sprintf(s + n, "\\x%02x", (unsigned) (unsigned char) *p);
                }
        }
        s[n] = '\0';
        return TAKE_PTR(s);
}

/* ---- The decision ---- */

static int refuse(VerityPlan *p, const char *fmt, ...) _printf_(2, 3);
static int refuse(VerityPlan *p, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = free_and_vasprintf(&p->refused, fmt, ap);
        va_end(ap);
        return r;
}

static int kernel_texts(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe) {
        const VerityData *d = &p->data;
        bool gpt = probe && probe->format == RAW_FORMAT_GPT;

        p->root_image = strdup(i->path);
        if (!p->root_image)
                return -ENOMEM;

        if (d->usr) {
                /* systemd has no unit setting for the /usr root hash: it finds NAME.usrhash(.p7s) and the
                 * usr-verity(-sig) partitions itself. */
                if (!strextend(&p->service_text,
                               "# dm-verity for /usr: root hash ", d->root_hash_hex, " from ", d->root_hash_source,
                               ", found by systemd itself (there is no unit setting for it).\n"))
                        return -ENOMEM;
                return 0;
        }

        if (!strextend(&p->service_text, "# dm-verity, enforced by the kernel: root hash from ", d->root_hash_source, "\n",
                       "RootHash=", d->root_hash_hex, "\n"))
                return -ENOMEM;

        if (!gpt && d->hash_tree_path) {
                _cleanup_free_ char *e = unit_escape_specifiers(d->hash_tree_path);
                if (!e || !strextend(&p->service_text, "RootVerity=", e, "\n"))
                        return -ENOMEM;
        }

        if (d->signature_path) {
                _cleanup_free_ char *e = unit_escape_specifiers(d->signature_path);
                if (!e || !strextend(&p->service_text, "RootHashSignature=", e, "\n"))
                        return -ENOMEM;
        } else if (d->signature_in_image) {
                if (!strextend(&p->service_text, "# The root hash signature is read by systemd from the verity-sig partition.\n"))
                        return -ENOMEM;
        }

        return 0;
}

static int snapshot_texts(VerityPlan *p, const DiscoveredImage *i) {
        _cleanup_free_ char *esc = NULL;

        esc = unit_name_path_escape(i->path);
        if (!esc)
                return -ENOMEM;

        p->verify_unit = strjoin("portables-verify@", esc, ".service");
        p->root_image = strjoin(VERITY_SNAPSHOT_DIR "/", i->filename);
        if (!p->verify_unit || !p->root_image)
                return -ENOMEM;

        /* The unit name may contain "\x2d" and the like: specifiers only matter for "%". */
        {
                _cleanup_free_ char *u = unit_escape_specifiers(p->verify_unit);
                if (!u)
                        return -ENOMEM;
                if (!strextend(&p->unit_text,
                               "# No dm-verity in this kernel: the image is verified in userspace before start,\n"
                               "# and the service runs from the verified copy of its data.\n",
                               "Requires=", u, "\n",
                               "After=", u, "\n"))
                        return -ENOMEM;
        }

        if (!strextend(&p->service_text, "# Verified data of ", i->path, " (root hash ", p->data.root_hash_hex,
                       "), written by ", p->verify_unit, ".\n"))
                return -ENOMEM;

        p->verify_dropin_name = strjoin(p->verify_unit, ".d/20-portable.conf");
        if (!p->verify_dropin_name)
                return -ENOMEM;
        if (asprintf(&p->verify_dropin_text,
                     "# Written by systemd-portable-generator: the root hash the units of %s were attached with.\n"
                     "[Service]\n"
                     "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=%s\n",
                     i->path, p->data.root_hash_hex) < 0) {
                p->verify_dropin_text = NULL;
                return -ENOMEM;
        }
        return 0;
}

int verity_plan(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                VerityPolicy policy, const VerityPin *pin, bool kernel_verity, VerityPlan *ret) {

        _cleanup_(verity_plan_done) VerityPlan p = {};
        int r;

        p.verify_units = IN_SET(policy, VERITY_REQUIRED, VERITY_SIGNED);

        if (i->type != IMAGE_RAW) {
                if (verity_pin_set(pin))
                        r = refuse(&p, "%s pins a root hash, but it is a directory, which cannot carry verity data",
                                   strna(pin->origin));
                else if (policy != VERITY_AUTO)
                        r = refuse(&p, "Verity=%s, but it is a directory, which cannot carry verity data",
                                   verity_policy_to_string(policy));
                else
                        r = 0;
                if (r < 0)
                        return r;
                goto done;
        }

        r = verity_data_find(c, i, image_fd, probe, pin, &p.data);
        if (r < 0)
                return r;

        if (p.data.malformed) {
                r = refuse(&p, "malformed verity data: %s", p.data.malformed);
                if (r < 0)
                        return r;
                goto done;
        }

        if (p.data.pin_mismatch) {
                r = refuse(&p, "%s", p.data.pin_mismatch);
                if (r < 0)
                        return r;
                goto done;
        }

        if (!verity_data_complete(&p.data)) {
                if (verity_pin_set(pin)) {
                        r = refuse(&p, "%s pins a root hash, but it has no verity data (%s)", strna(pin->origin),
                                   probe && probe->format == RAW_FORMAT_GPT ? "no root-verity or usr-verity partition" :
                                   "no NAME.verity hash tree next to it");
                        if (r < 0)
                                return r;
                        goto done;
                }
                if (policy != VERITY_AUTO) {
                        bool gpt = probe && probe->format == RAW_FORMAT_GPT;
                        r = refuse(&p, "Verity=%s, but it has no verity data (%s%s%s)", verity_policy_to_string(policy),
                                   gpt ? "no root hash: no verity-sig partition, no NAME.roothash, no xattr user.verity.roothash" :
                                         "no NAME.roothash or xattr user.verity.roothash, and no NAME.verity",
                                   p.data.uuid_hint_rejected ? "; " : "", strempty(p.data.uuid_hint_rejected));
                        if (r < 0)
                                return r;
                        goto done;
                }
                p.root_image = strdup(i->path);
                if (!p.root_image)
                        return -ENOMEM;
                goto done; /* VERITY_MODE_NONE */
        }

        /* systemd has no unit setting for the /usr root hash: it finds NAME.usrhash, the xattr and the
         * usr-verity-sig partition itself, and nothing else. A /usr root hash only we know (pinned, or
         * from the partition UUIDs) would not be enforced at start: under Verity=auto a UUID-derived
         * one is no root hash at all, as for systemd; a pin or a policy that requires verity refuses. */
        if (p.data.usr && IN_SET(p.data.root_hash_kind, VERITY_ROOT_HASH_UUIDS, VERITY_ROOT_HASH_PIN)) {
                if (policy == VERITY_AUTO && p.data.root_hash_kind == VERITY_ROOT_HASH_UUIDS) {
                        p.root_image = strdup(i->path);
                        if (!p.root_image)
                                return -ENOMEM;
                        goto done; /* VERITY_MODE_NONE */
                }
                r = refuse(&p, "its /usr root hash %s comes from %s, which systemd does not know at start (it finds "
                           "a /usr root hash only in NAME.usrhash, the xattr user.verity.usrhash or a usr-verity-sig "
                           "partition): /usr would not be verified", p.data.root_hash_hex, p.data.root_hash_source);
                if (r < 0)
                        return r;
                goto done;
        }

        if (policy == VERITY_SIGNED && p.data.signature_size == 0) {
                r = refuse(&p, "Verity=signed, but its root hash %s is not signed (no %s%s)", p.data.root_hash_hex,
                           p.data.usr ? "NAME.usrhash.p7s" : "NAME.roothash.p7s",
                           probe && probe->format == RAW_FORMAT_GPT ? ", no verity-sig partition" : "");
                if (r < 0)
                        return r;
                goto done;
        }

        /* A signature that is there is checked under every policy, as systemd insists on it at start too. */
        if (p.data.signature_size > 0) {
                _cleanup_(verity_signature_result_done) VeritySignatureResult s = {};

                r = verity_signature_check(c, p.data.root_hash, p.data.root_hash_size, p.data.signature,
                                           p.data.signature_size, &s);
                if (r < 0)
                        return r;
                if (s.verdict != VERITY_SIGNATURE_TRUSTED) {
                        r = refuse(&p, "root hash signature %s: %s",
                                   p.data.signature_path ?: "in the verity-sig partition", s.message);
                        if (r < 0)
                                return r;
                        goto done;
                }
        }

        if (kernel_verity && probe && probe->format == RAW_FORMAT_GPT && p.data.hash_tree_in_image) {
                /* systemd (dissect-image.c), given RootHash= for a GPT image, uses only the data and
                 * verity partitions whose UUIDs are the first and last 128 bits of it, as
                 * systemd-repart sets them: with other UUIDs the start would fail. */
                uint8_t u[32];
                size_t n = p.data.root_hash_size;

                if (verity_root_hash_from_uuids(probe->data.uuid, probe->verity.uuid, u) < 0 || n < 16 ||
                    memcmp(u, p.data.root_hash, 16) != 0 || memcmp(u + 16, p.data.root_hash + n - 16, 16) != 0) {
                        r = refuse(&p, "root hash %s (from %s) is not in the UUIDs of its %s and %s-verity partitions, "
                                   "where systemd looks for the partitions that RootHash= belongs to (as systemd-repart "
                                   "sets them)", p.data.root_hash_hex, p.data.root_hash_source,
                                   p.data.usr ? "usr" : "root", p.data.usr ? "usr" : "root");
                        if (r < 0)
                                return r;
                        goto done;
                }
        }

        if (kernel_verity) {
                p.mode = VERITY_MODE_KERNEL;
                r = kernel_texts(&p, i, probe);
        } else if (probe && probe->usr_only) {
                r = refuse(&p, "this kernel has no dm-verity, and a /usr-only image with verity data cannot be run "
                           "from a verified copy");
                if (r < 0)
                        return r;
                goto done;
        } else {
                p.mode = VERITY_MODE_SNAPSHOT;
                r = snapshot_texts(&p, i);
        }
        if (r < 0)
                return r;

done:
        *ret = TAKE_STRUCT(p);
        return 0;
}

int verity_plan_add_image_policy(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe) {
        const char *part, *flags;

        assert(p);
        assert(i);

        if (i->type != IMAGE_RAW || p->refused)
                return 0;

        part = probe && probe->usr_only && p->mode != VERITY_MODE_SNAPSHOT ? "usr" : "root";
        switch (p->mode) {
        case VERITY_MODE_KERNEL:
                flags = p->data.signature_size > 0 ? "signed" : "verity";
                break;
        case VERITY_MODE_SNAPSHOT:
                flags = "unprotected";  /* the verified copy is a bare file system */
                break;
        default:
                /* No root hash we use: a verity partition there may still be used by a systemd that
                 * finds a root hash itself (258 guesses it from the partition UUIDs). */
                flags = probe && probe->verity.found ? "unprotected+verity" : "unprotected";
        }

        if (!strextend(&p->service_text,
                       "# systemd refuses the image at start unless it is protected as it was found here:\n",
                       "RootImagePolicy=", part, "=", flags, ":=unused+absent\n"))
                return -ENOMEM;
        return 0;
}
