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
                     "# Written by systemd-portable-generator: the root hash the units of %s were attached with,\n"
                     "# checked then under their Verity= (a signature too); at start the data must match it\n"
                     "# exactly, whatever settings are found by its name (it may be another image's extension).\n"
                     "[Service]\n"
                     "Environment=PORTABLES_VERIFY_EXPECT_ROOT_HASH=%s\n"
                     "Environment=PORTABLES_VERIFY_POLICY=yes\n",
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

/* The partition flags of an image policy (systemd.image-policy(7)) that the generator writes, in
 * the order it writes them. */
enum {
        POLICY_UNPROTECTED = 1 << 0,
        POLICY_VERITY      = 1 << 1,
        POLICY_SIGNED      = 1 << 2,
        POLICY_ABSENT      = 1 << 3,
};

/* What systemd >= 254 may allow for image i as p found it: the flags of its root partition, or of
 * its usr partition (*ret_usr) when it has only that. */
static unsigned image_policy_of(const VerityPlan *p, const RawProbe *probe, bool *ret_usr) {
        *ret_usr = probe && probe->usr_only && p->mode != VERITY_MODE_SNAPSHOT;
        switch (p->mode) {
        case VERITY_MODE_KERNEL:
                return p->data.signature_size > 0 ? POLICY_SIGNED : POLICY_VERITY;
        case VERITY_MODE_SNAPSHOT:
                return POLICY_UNPROTECTED;      /* the verified copy is a bare file system */
        default:
                /* No root hash we use: a verity partition there may still be used by a systemd that
                 * finds a root hash itself (258 guesses it from the partition UUIDs). */
                return POLICY_UNPROTECTED | (probe && probe->verity.found ? POLICY_VERITY : 0);
        }
}

static int policy_append(char **s, const char *part, unsigned flags) {
        static const char *const names[] = { "unprotected", "verity", "signed", "absent" };
        bool first = true;

        if (!strextend(s, part, "="))
                return -ENOMEM;
        for (size_t k = 0; k < ELEMENTSOF(names); k++)
                if (flags & (1U << k)) {
                        if (!strextend(s, first ? "" : "+", names[k]))
                                return -ENOMEM;
                        first = false;
                }
        return strextend(s, ":") ? 0 : -ENOMEM;
}

int verity_plan_add_image_policy(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe) {
        unsigned flags;
        bool usr;

        assert(p);
        assert(i);

        if (i->type != IMAGE_RAW || p->refused)
                return 0;

        flags = image_policy_of(p, probe, &usr);
        if (!strextend(&p->service_text,
                       "# systemd refuses the image at start unless it is protected as it was found here:\n",
                       "RootImagePolicy="))
                return -ENOMEM;
        if (policy_append(&p->service_text, usr ? "usr" : "root", flags) < 0)
                return -ENOMEM;
        return strextend(&p->service_text, "=unused+absent\n") ? 0 : -ENOMEM;
}

int verity_plan_check_start(VerityPlan *p, const DiscoveredImage *i, const RawProbe *probe, VerityPolicy policy,
                            int systemd_version) {
        const char *why;

        assert(p);
        assert(i);

        if (p->refused || p->mode != VERITY_MODE_KERNEL || !p->data.usr)
                return 0;

        /* systemd applies a /usr root hash only to a usr partition: a single file system is the
         * root, mounted without it. And before 255 (dissect-image.c, PR #29227) it looks for the
         * root hash of a usr-only image in its usr-verity-sig partition only when NAME.usrhash
         * (or the xattr) named the usr partition: by the signature partition alone /usr is
         * mounted unverified. */
        if (!probe || probe->format != RAW_FORMAT_GPT)
                why = "its root hash is a /usr one (NAME.usrhash), and this image is one file system, which systemd "
                      "mounts as its root without it (name it NAME.roothash)";
        else if (p->data.root_hash_kind == VERITY_ROOT_HASH_SIGNATURE && systemd_version < 255)   /* 0: unknown, as old */
                why = "its /usr root hash comes from its usr-verity-sig partition alone, which systemd before 255 "
                      "does not use (it would mount /usr unverified): add NAME.usrhash";
        else
                return 0;

        if (policy == VERITY_AUTO) {
                /* Not enforced at start, so not used: a plain RootImage=. */
                log_debug("Image %s: verity data not used: %s.", i->path, why);
                verity_plan_done(p);
                p->root_image = strdup(i->path);
                return p->root_image ? 0 : -ENOMEM;
        }
        return refuse(p, "%s", why) < 0 ? -ENOMEM : 0;
}

/* ---- Extensions ---- */

static int extension_texts(VerityPlan *p, const DiscoveredImage *i) {
        p->unit_text = mfree(p->unit_text);
        p->service_text = mfree(p->service_text);

        if (p->mode == VERITY_MODE_KERNEL)     /* Verity=auto only */
                return strextend(&p->service_text, "# Extension ", i->path, ": dm-verity by systemd, root hash ",
                                 p->data.root_hash_hex, " from ", p->data.root_hash_source,
                                 " (systemd finds it itself at start: there is no unit setting for it).\n") ? 0 : -ENOMEM;

        assert(p->mode == VERITY_MODE_SNAPSHOT);
        {
                _cleanup_free_ char *u = unit_escape_specifiers(p->verify_unit);
                if (!u || !strextend(&p->unit_text,
                                     "# Extension ", i->path, " is verified in userspace before start, pinned to\n"
                                     "# the root hash its files were read with, and the service runs with the verified copy.\n",
                                     "Requires=", u, "\n",
                                     "After=", u, "\n"))
                        return -ENOMEM;
        }
        return strextend(&p->service_text, "# Verified data of extension ", i->path, " (root hash ", p->data.root_hash_hex,
                         "), written by ", p->verify_unit, ".\n") ? 0 : -ENOMEM;
}

int verity_plan_extension(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                          VerityPolicy policy, bool kernel_verity, VerityPlan *ret) {
        _cleanup_(verity_plan_done) VerityPlan p = {};
        int r;

        assert(c);
        assert(i);
        assert(ret);

        r = verity_plan(c, i, image_fd, probe, policy, /* pin= */ NULL, kernel_verity, &p);
        if (r < 0)
                return r;
        if (p.refused || p.mode != VERITY_MODE_KERNEL)
                goto texts;

        /* With dm-verity, systemd 252 (verity_settings_load(), dissect_image()) uses for an
         * extension what it finds by itself at start: NAME.roothash, the xattr, a root-verity-sig
         * partition. It has no unit setting to pin an extension's root hash, it does not verify a
         * usr partition of an extension (fixed in 255), and a root hash that only the partition
         * UUIDs give is none to it. Under Verity=auto what it would not use is no root hash here
         * either; under yes and signed the extension is pinned as without dm-verity: its units
         * require its verification, which checks the very root hash checked here, and the service
         * gets the verified copy. A usr partition cannot stand in for the extension as a copy. */
        if (policy == VERITY_AUTO) {
                if (!p.data.usr && p.data.root_hash_kind != VERITY_ROOT_HASH_UUIDS)
                        goto texts;
                verity_plan_done(&p);   /* VERITY_MODE_NONE */
                p.root_image = strdup(i->path);
                if (!p.root_image)
                        return -ENOMEM;
                goto done;
        }
        if (probe && probe->usr_only) {
                r = refuse(&p, "its verity data protects a usr partition, which systemd does not verify for an "
                           "extension (before 255), and which cannot be run from a verified copy in its place");
                if (r < 0)
                        return r;
                goto done;
        }
        p.mode = VERITY_MODE_SNAPSHOT;
        p.unit_text = mfree(p.unit_text);
        p.service_text = mfree(p.service_text);
        p.root_image = mfree(p.root_image);
        r = snapshot_texts(&p, i);
        if (r < 0)
                return r;

texts:
        if (p.refused || p.mode == VERITY_MODE_NONE)
                goto done;
        r = extension_texts(&p, i);
        if (r < 0)
                return r;
done:
        *ret = TAKE_STRUCT(p);
        return 0;
}

int verity_extension_image_policy(const VerityPlan *const *plans, const RawProbe *const *probes, size_t n,
                                  char **ret) {
        unsigned root = 0, usr = 0;
        _cleanup_free_ char *s = NULL;

        assert(plans || n == 0);
        assert(probes || n == 0);
        assert(ret);

        if (n == 0) {
                *ret = NULL;
                return 0;
        }

        /* One policy for all of the unit's extension images: for each partition what any of them
         * has, and "absent" when one has none of it. */
        for (size_t k = 0; k < n; k++) {
                bool is_usr;
                unsigned f = image_policy_of(plans[k], probes[k], &is_usr);

                if (is_usr) {
                        usr |= f;
                        root |= POLICY_ABSENT;
                } else {
                        root |= f;
                        usr |= POLICY_ABSENT;
                }
        }

        s = strdup("ExtensionImagePolicy=");
        if (!s)
                return -ENOMEM;
        if (root != POLICY_ABSENT && policy_append(&s, "root", root) < 0)
                return -ENOMEM;
        if (usr != POLICY_ABSENT && policy_append(&s, "usr", usr) < 0)
                return -ENOMEM;
        if (!strextend(&s, "=unused+absent\n"))
                return -ENOMEM;

        *ret = TAKE_PTR(s);
        return 0;
}
