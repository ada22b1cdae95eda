/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "image-discover.h"
#include "image-probe.h"

/* Finding an image's dm-verity data the way systemd does (dissect-image.c verity_settings_load(),
 * systemd.exec(5) RootHash=/RootVerity=/RootHashSignature=), for NAME.raw in DIR:
 *
 *   root hash   xattr "user.verity.roothash" on the image, else DIR/NAME.roothash; if neither,
 *               xattr "user.verity.usrhash", else DIR/NAME.usrhash (the /usr variant)
 *   signature   DIR/NAME.roothash.p7s (or NAME.usrhash.p7s for the /usr variant): DER PKCS#7
 *   hash tree   DIR/NAME.verity (bare file system images)
 *   GPT images  the root-verity/usr-verity partition holds the hash tree, the root-verity-sig/
 *               usr-verity-sig partition a JSON object {"rootHash": "hex", "signature": "base64"}
 *               (NUL padded), as the Discoverable Partitions Specification says.
 *
 * Everything here is hostile input: sizes are bounded, the JSON parser is a small strict one, and
 * every problem is reported as text naming the file (VerityData.malformed), never guessed around. */

#define VERITY_ROOT_HASH_MIN 16U        /* systemd refuses anything shorter than an sd_id128_t */
#define VERITY_ROOT_HASH_MAX 64U        /* sha512 */
#define VERITY_SIG_PARTITION_MAX (4U * 1024U * 1024U)
#define VERITY_SIGNATURE_MAX (64U * 1024U)

/* A root hash the image does not carry itself, pinned by the operator: RootHash= in NAME.portable,
 * or `portables verify --expect-root-hash=`. */
typedef struct VerityPin {
        uint8_t root_hash[VERITY_ROOT_HASH_MAX];
        size_t root_hash_size;          /* 0: nothing pinned */
        char *origin;                   /* "RootHash= in /etc/portables/foo.portable:3", "--expect-root-hash=" */
} VerityPin;

void verity_pin_done(VerityPin *p);
int verity_pin_copy(const VerityPin *from, VerityPin *to);
static inline bool verity_pin_set(const VerityPin *p) {
        return p && p->root_hash_size > 0;
}

/* Where VerityData.root_hash came from. */
typedef enum VerityRootHashKind {
        VERITY_ROOT_HASH_NONE,
        VERITY_ROOT_HASH_SIDECAR,       /* NAME.roothash / NAME.usrhash */
        VERITY_ROOT_HASH_XATTR,         /* user.verity.roothash / usrhash */
        VERITY_ROOT_HASH_SIGNATURE,     /* the rootHash of the verity-sig partition */
        VERITY_ROOT_HASH_UUIDS,         /* the partition UUIDs of data and verity partition (systemd-repart) */
        VERITY_ROOT_HASH_PIN,           /* the VerityPin, the image having no root hash of its own */
        _VERITY_ROOT_HASH_KIND_MAX,
} VerityRootHashKind;

/* "sidecar", "xattr", "signature", "uuids", "pin"; "none". */
const char *verity_root_hash_kind_to_string(VerityRootHashKind k);

typedef struct VerityData {
        bool usr;                       /* the usrhash variant: protects the /usr partition */

        uint8_t root_hash[VERITY_ROOT_HASH_MAX];
        size_t root_hash_size;          /* 0: no root hash */
        char *root_hash_hex;            /* lowercase, as signed and as written to RootHash= */
        char *root_hash_source;         /* "/var/lib/portables/foo.roothash", "xattr user.verity.roothash on ...",
                                         * "root-verity-sig partition" */
        char *root_hash_path;           /* host path of the .roothash/.usrhash file, if that is the source */
        VerityRootHashKind root_hash_kind;
        bool pinned;                    /* a VerityPin was given and the root hash is exactly it */

        /* The hash tree: a sidecar file, or the verity partition of a GPT image. */
        char *hash_tree_path;           /* host path of NAME.verity, or NULL */
        bool hash_tree_in_image;        /* GPT verity partition (RawProbe.verity) */

        /* The signature of root_hash_hex. */
        uint8_t *signature;
        size_t signature_size;
        char *signature_path;           /* host path of NAME.roothash.p7s, or NULL */
        bool signature_in_image;        /* from the GPT verity-sig partition */
        char *certificate_fingerprint;  /* from the verity-sig JSON, optional, informational */

        /* Set when something is there but unusable: the text says which file and what is wrong.
         * Callers refuse the image with it. */
        char *malformed;

        /* Set when a VerityPin was given and the image's root hash is another one (its own, or the one
         * its hash tree has): names the pin's origin and both hashes. Callers refuse the image. */
        char *pin_mismatch;

        /* Set when the partition UUIDs looked like a root hash but the hash tree has another one:
         * why they were not used, for the messages of callers that then find no root hash. */
        char *uuid_hint_rejected;
} VerityData;

void verity_data_done(VerityData *d);

/* true if there is a root hash and a hash tree to check it with. */
bool verity_data_complete(const VerityData *d);

/* Looks for everything above for image i (a raw image; for directories nothing is found). image_fd
 * is the image file open for reading (for the xattrs and the GPT partitions), probe its probe (may
 * be NULL for a bare file system). Returns 0 with *ret filled (possibly with ret->malformed set),
 * or <0 on OOM and I/O errors that say nothing about the image (logged at debug level).
 *
 * An image with a hash tree but no root hash of its own gets one from verity-pin.h: pin (may be
 * NULL) if given, else its partition UUIDs; either only if its hash tree has exactly that root
 * hash. A pin that differs from the image's own root hash sets ret->pin_mismatch. */
int verity_data_find(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                     const VerityPin *pin, VerityData *ret);

/* Parsers, exposed for the tests and the fuzzers. */

/* A root hash as hex text: optional trailing white space (one line), an even number of hex digits,
 * VERITY_ROOT_HASH_MIN..MAX bytes. Returns 0, or -EBADMSG with *ret_reason (static text). */
int verity_parse_root_hash(const char *text, size_t text_size, uint8_t *ret, size_t *ret_size,
                           const char **ret_reason);

/* The verity-sig partition's content: a JSON object with string members "rootHash" (hex) and
 * "signature" (base64), optionally "certificateFingerprint"; other members are skipped; duplicate
 * keys, trailing garbage (other than NUL padding and white space) and nesting deeper than a few
 * levels are refused. Returns 0, or -EBADMSG with *ret_reason. */
int verity_parse_signature_json(const char *data, size_t size, char **ret_root_hash_hex,
                                uint8_t **ret_signature, size_t *ret_signature_size,
                                char **ret_fingerprint, const char **ret_reason);

/* "DIR/NAME.raw" -> "DIR/NAME" + suffix (systemd's build_auxiliary_path()). */
char *verity_sidecar_path(const char *image_path, const char *suffix);
