/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* dm-verity in userspace: images are built at test time (mksquashfs, veritysetup format), signed
 * with test keys made by openssl (smime -sign -binary -noattr -outform der over the hex root
 * hash, as systemd expects), and every verdict is checked: intact, corrupted data (at which
 * offset), corrupted hash tree, signed and trusted, unsigned, untrusted, signature over another
 * hash, malformed sidecars. The verifier is cross-checked against libcryptsetup's own verify-only
 * mode, which works without device-mapper. Exits 77 (skip) without the tools. */

#include <fcntl.h>
#include <libcryptsetup.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "context.h"
#include "base64.h"
#include "fileio.h"
#include "hexdecode.h"
#include "image-probe.h"
#include "log.h"
#include "string-util.h"
#include "tests.h"
#include "verity-check.h"
#include "systemd-version.h"
#include "verity-pin.h"
#include "verity-policy.h"
#include "verity-sidecar.h"
#include "verity-signature.h"
#include "verity-verify.h"
#include "test-shell.h"

static char root[] = "/var/tmp/test-verity.XXXXXX";
static char pdir[PATH_MAX];     /* root + /var/lib/portables */
static Context ctx = { .root_fd = -EBADF };


static char *readall(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[4096];
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        return strdup(strstrip(buf));
}

/* Builds NAME.raw (squashfs with 'kib' KiB of random data) and NAME.verity in the portables dir,
 * returns the root hash (hex). */
static char *make_image(const char *name, unsigned kib) {
        if (shell("set -e; d=%s/src-%s; rm -rf $d; mkdir -p $d/etc $d/usr/lib/systemd/system; "
                  "echo ID=test > $d/etc/os-release; "
                  "printf '[Service]\\nExecStart=/bin/true\\n' > $d/usr/lib/systemd/system/%s.service; "
                  "head -c %uK /dev/urandom > $d/blob; "
                  "mksquashfs $d %s/%s.raw -quiet -noappend -comp gzip >/dev/null; "
                  "veritysetup format %s/%s.raw %s/%s.verity --root-hash-file=%s/%s.hex >/dev/null",
                  root, name, name, kib, pdir, name, pdir, name, pdir, name, root, name) < 0)
                return NULL;

        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s.hex", root, name) < 0)
                return NULL;
        return readall(p);
}

static int write_roothash(const char *name, const char *text) {
        _cleanup_free_ char *p = NULL;
        _cleanup_fclose_ FILE *f = NULL;

        if (asprintf(&p, "%s/%s.roothash", pdir, name) < 0)
                return -ENOMEM;
        f = fopen(p, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return 0;
}

/* Signs the hex string (no newline) as systemd expects. */
static int sign(const char *name, const char *hex, const char *key) {
        return shell("printf '%%s' '%s' | openssl smime -sign -binary -noattr -nocerts -outform der "
                     "-inkey %s/%s.key -signer %s/%s.crt -out %s/%s.roothash.p7s",
                     hex, root, key, root, key, pdir, name);
}

static DiscoveredImage image(const char *name) {
        DiscoveredImage i = {
                .type = IMAGE_RAW,
                .state = IMAGE_CANDIDATE,
        };
        i.name = strdup(name);
        i.filename = strjoin(name, ".raw");
        i.dir = strdup("/var/lib/portables");
        i.path = strjoin("/var/lib/portables/", name, ".raw");
        return i;
}

static void image_free(DiscoveredImage *i) {
        free(i->name);
        free(i->filename);
        free(i->dir);
        free(i->path);
}

static int check_image_pinned(const char *name, VerityPolicy policy, const VerityPin *pin, VerityCheck *ret);
static int check_image(const char *name, VerityPolicy policy, VerityCheck *ret) {
        return check_image_pinned(name, policy, NULL, ret);
}

static int check_image_pinned(const char *name, VerityPolicy policy, const VerityPin *pin, VerityCheck *ret) {
        DiscoveredImage i = image(name);
        _cleanup_close_ int fd = -EBADF;
        RawProbe probe = {};
        int r;

        fd = host_open(&ctx, i.path, 0);
        if (fd >= 0) {
                int rfd = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
                safe_close(fd);
                fd = rfd;
        }
        r = fd < 0 ? fd : raw_image_probe(fd, i.path, &probe);
        if (r >= 0)
                r = verity_check_image(&ctx, &i, fd, &probe, policy, pin, -EBADF, ret);
        image_free(&i);
        return r;
}

static int flip_byte(const char *path, uint64_t offset) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        uint8_t b;

        if (fd < 0 || pread(fd, &b, 1, (off_t) offset) != 1)
                return -errno;
        b ^= 0xff;
        if (pwrite(fd, &b, 1, (off_t) offset) != 1)
                return -errno;
        return 0;
}

/* libcryptsetup's verify-only mode (no device-mapper needed): 0 intact, -EPERM corrupted. */
static int cryptsetup_verify(const char *data, const char *hash, const char *hex) {
        struct crypt_device *cd = NULL;
        struct crypt_params_verity params = { .flags = CRYPT_VERITY_CHECK_HASH };
        uint8_t h[64];
        size_t hn = 0;
        int r;

        if (verity_parse_root_hash(hex, strlen(hex), h, &hn, NULL) < 0)
                return -EINVAL;
        r = crypt_init_data_device(&cd, hash, data);
        if (r >= 0)
                r = crypt_load(cd, CRYPT_VERITY, &params);
        if (r >= 0)
                r = crypt_activate_by_volume_key(cd, NULL, (const char *) h, hn, 0);
        crypt_free(cd);
        return r;
}

static void cryptsetup_quiet(int level, const char *msg, void *usrptr) {
}

TEST(parse_root_hash) {
        uint8_t h[VERITY_ROOT_HASH_MAX];
        size_t n = 0;
        const char *reason = NULL;
        const char *good = "99e8a616634f8361ace2288c999c673867ae2bf0ee167026c1dbdb84ac090545";

        CHECK_INT(verity_parse_root_hash(good, strlen(good), h, &n, &reason), 0);
        CHECK_INT(n, 32);
        CHECK_INT(h[0], 0x99);
        CHECK_INT(verity_parse_root_hash("99E8A616634F8361ACE2288C999C673867AE2BF0EE167026C1DBDB84AC090545\n", 65, h, &n, &reason), 0);
        CHECK_INT(verity_parse_root_hash("", 0, h, &n, &reason), -EBADMSG);
        CHECK_STR(reason, "empty");
        CHECK_INT(verity_parse_root_hash("zz", 2, h, &n, &reason), -EBADMSG);
        CHECK_STR(reason, "not a hexadecimal string");
        CHECK_INT(verity_parse_root_hash("abc", 3, h, &n, &reason), -EBADMSG);
        CHECK_STR(reason, "odd number of hexadecimal digits");
        CHECK_INT(verity_parse_root_hash("abcd", 4, h, &n, &reason), -EBADMSG);
        CHECK(strstr(reason, "too short") != NULL);
        CHECK_INT(verity_parse_root_hash("99e8a616634f8361ace2288c999c6738\n67ae2bf0ee167026c1dbdb84ac090545", 65, h, &n, &reason), -EBADMSG);
        CHECK_STR(reason, "more than one line");
}

TEST(base64) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t n = 0;

        CHECK_INT(base64_decode_strict("aGVsbG8=", 8, &b, &n), 0);
        CHECK_INT(n, 5);
        CHECK(b && memcmp(b, "hello", 5) == 0);
        b = mfree(b);
        CHECK_INT(base64_decode_strict("aGVsbA==", 8, &b, &n), 0);
        CHECK_INT(n, 4);
        b = mfree(b);
        CHECK_INT(base64_decode_strict("aGVs", 4, &b, &n), 0);
        CHECK_INT(n, 3);
        b = mfree(b);
        CHECK_INT(base64_decode_strict("aGV", 3, &b, &n), -EBADMSG);
        CHECK_INT(base64_decode_strict("aG!s", 4, &b, &n), -EBADMSG);
        CHECK_INT(base64_decode_strict("a=Vs", 4, &b, &n), -EBADMSG);
}

static int parse_json(const char *s, size_t n, const char **reason, char **hex) {
        _cleanup_free_ uint8_t *sig = NULL;
        _cleanup_free_ char *fp = NULL;
        size_t sn = 0;

        *hex = NULL;
        return verity_parse_signature_json(s, n, hex, &sig, &sn, &fp, reason);
}

TEST(signature_json) {
        const char *reason = NULL;
        char *hex = NULL;
        char padded[64] = "{\"rootHash\":\"ab\",\"signature\":\"aGVsbG8=\"}";

        CHECK_INT(parse_json(padded, sizeof(padded), &reason, &hex), 0); /* NUL padded */
        CHECK_STR(hex, "ab");
        hex = mfree(hex);
        const char *ok = " { \"x\": [1, {\"y\": null}], \"rootHash\" : \"a\\u0062\", \"signature\": \"aGVsbG8=\", "
                         "\"certificateFingerprint\": \"00\", \"z\": -1.5e3, \"t\": true }\n";
        CHECK_INT(parse_json(ok, strlen(ok), &reason, &hex), 0);
        CHECK_STR(hex, "ab");
        hex = mfree(hex);

        struct {
                const char *json;
                const char *reason;
        } bad[] = {
                { "", "not a JSON object" },
                { "[]", "not a JSON object" },
                { "{\"rootHash\":\"ab\"}", "no signature field" },
                { "{\"signature\":\"aGVsbG8=\"}", "no rootHash field" },
                { "{\"rootHash\":\"ab\",\"rootHash\":\"cd\",\"signature\":\"aGVsbG8=\"}", "duplicate key" },
                { "{\"rootHash\":\"ab\",\"signature\":\"aGVsbG8=\"} x", "trailing data after the JSON object" },
                { "{\"rootHash\":1,\"signature\":\"aGVsbG8=\"}", "rootHash is not a string" },
                { "{\"rootHash\":\"ab\",\"signature\":\"!!!!\"}", "signature is not valid base64" },
                { "{\"rootHash\":\"ab\",\"signature\":\"aGVsbG8=\"", "expected ',' or '}'" },
                { "{\"rootHash\":\"ab", "unterminated string" },
                { "{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}", "nested too deeply" },
                { "{\"rootHash\":\"a\\u00e9\",\"signature\":\"aGVsbG8=\"}", "\\u escape outside ASCII" },
        };
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                reason = NULL;
                CHECK_INT(parse_json(bad[k].json, strlen(bad[k].json), &reason, &hex), -EBADMSG);
                CHECK_STR(reason, bad[k].reason);
                hex = mfree(hex);
        }

        /* Garbage after the NUL padding. */
        char tail[64] = "{\"rootHash\":\"ab\",\"signature\":\"aGVsbG8=\"}";
        tail[60] = 'x';
        CHECK_INT(parse_json(tail, sizeof(tail), &reason, &hex), -EBADMSG);
        CHECK_STR(reason, "data after the NUL padding");
}

TEST(path_escape) {
        _cleanup_free_ char *a = unit_name_path_escape("/var/lib/portables/foo_1.raw");
        _cleanup_free_ char *b = unit_name_path_escape("/etc/portables/my-app.raw");
        _cleanup_free_ char *c = unit_name_path_escape("/run/portables/.x y");

        CHECK_STR(a, "var-lib-portables-foo_1.raw");
        CHECK_STR(b, "etc-portables-my\\x2dapp.raw");
        CHECK_STR(c, "run-portables-\\x2ex\\x20y");
}

TEST(intact_and_cross_check) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("intact", 1024), *data = NULL, *hash = NULL;

        CHECK(hex != NULL);
        if (!hex)
                return;
        CHECK_INT(write_roothash("intact", hex), 0);

        CHECK_INT(check_image("intact", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK(v.message && strstr(v.message, "intact"));
        CHECK(!v.signature_checked);
        CHECK_STR(v.data.root_hash_hex, hex);
        CHECK(v.verify.bytes_verified > 1024 * 1024);
        verity_check_done(&v);

        /* Verity=yes is satisfied without a signature. */
        CHECK_INT(check_image("intact", VERITY_REQUIRED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);

        /* Our superblock parser and verdict agree with libcryptsetup's. */
        CHECK(asprintf(&data, "%s/intact.raw", pdir) > 0);
        CHECK(asprintf(&hash, "%s/intact.verity", pdir) > 0);
        CHECK_INT(cryptsetup_verify(data, hash, hex), 0);

        struct crypt_device *cd = NULL;
        struct crypt_params_verity cp = {};
        VerityParams p;
        _cleanup_close_ int hfd = open(hash, O_RDONLY | O_CLOEXEC);
        CHECK_INT(verity_params_read(hfd, 0, &p, NULL), 0);
        CHECK_INT(crypt_init_data_device(&cd, hash, data), 0);
        CHECK_INT(crypt_load(cd, CRYPT_VERITY, &cp), 0);
        CHECK_INT(crypt_get_verity_info(cd, &cp), 0);
        CHECK_STR(p.algorithm, cp.hash_name);
        CHECK_INT(p.data_block_size, cp.data_block_size);
        CHECK_INT(p.hash_block_size, cp.hash_block_size);
        CHECK_INT(p.data_blocks, cp.data_size);
        CHECK_INT(p.salt_size, cp.salt_size);
        CHECK(memcmp(p.salt, cp.salt, p.salt_size) == 0);
        CHECK_INT(p.hash_type, cp.hash_type);
        crypt_free(cd);
}

TEST(memfd_copy_is_the_verified_data) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("copy", 300), *path = NULL;
        _cleanup_close_ int fd = -EBADF, mfd = -EBADF;
        DiscoveredImage i = image("copy");
        RawProbe probe = {};
        struct stat st;

        CHECK(hex && write_roothash("copy", hex) == 0);
        CHECK(asprintf(&path, "%s/copy.raw", pdir) > 0);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(raw_image_probe(fd, path, &probe), 0);
        CHECK_INT(verity_check_image_to_memfd(&ctx, &i, fd, &probe, VERITY_SIGNED, NULL, &v, &mfd), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNSIGNED); /* refused: no copy */
        CHECK_INT(mfd, -EBADF);
        verity_check_done(&v);

        CHECK_INT(verity_check_image_to_memfd(&ctx, &i, fd, &probe, VERITY_AUTO, NULL, &v, &mfd), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK(mfd >= 0);
        if (mfd >= 0) {
                _cleanup_free_ uint8_t *a = malloc(v.verify.bytes_verified), *b = malloc(v.verify.bytes_verified);
                CHECK(fstat(mfd, &st) == 0 && (uint64_t) st.st_size == v.verify.bytes_verified);
                CHECK(pread(mfd, a, v.verify.bytes_verified, 0) == (ssize_t) v.verify.bytes_verified);
                CHECK(pread(fd, b, v.verify.bytes_verified, 0) == (ssize_t) v.verify.bytes_verified);
                CHECK(memcmp(a, b, v.verify.bytes_verified) == 0);
                CHECK(pwrite(mfd, "x", 1, 0) < 0 && errno == EPERM); /* sealed */
                /* What the generator mounts: the copy probes as the same file system. */
                RawProbe p2 = {};
                CHECK_INT(raw_image_probe(mfd, "memfd", &p2), 0);
                CHECK_STR(p2.fstype, "squashfs");
        }
        image_free(&i);
}

TEST(corrupted_data) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("bad", 1024), *data = NULL, *hash = NULL;
        const uint64_t where = 3 * 4096 + 1234;

        CHECK(hex && write_roothash("bad", hex) == 0);
        CHECK(asprintf(&data, "%s/bad.raw", pdir) > 0);
        CHECK(asprintf(&hash, "%s/bad.verity", pdir) > 0);
        CHECK_INT(flip_byte(data, where), 0);

        CHECK_INT(check_image("bad", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_CORRUPTED);
        CHECK_INT(v.verify.verdict, VERITY_DATA_CORRUPTED);
        CHECK_INT(v.verify.offset, 3 * 4096);
        CHECK_INT(v.verify.block, 3);
        CHECK(v.message && strstr(v.message, "offset 12288"));
        fprintf(stderr, "  %s\n", strna(v.message));
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_CORRUPTED);

        /* libcryptsetup agrees that it is corrupted. */
        CHECK_INT(cryptsetup_verify(data, hash, hex), -EPERM);
}

TEST(corrupted_tree) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("tree", 1024), *hash = NULL;

        /* 1 MiB+ of data: 2 levels. Tree layout after the superblock block: the top block, then level 0. */
        CHECK(hex && write_roothash("tree", hex) == 0);
        CHECK(asprintf(&hash, "%s/tree.verity", pdir) > 0);
        CHECK_INT(flip_byte(hash, 2 * 4096 + 40), 0);

        CHECK_INT(check_image("tree", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_CORRUPTED);
        CHECK_INT(v.verify.verdict, VERITY_TREE_CORRUPTED);
        CHECK_INT(v.verify.offset, 2 * 4096);
        fprintf(stderr, "  %s\n", strna(v.message));
        verity_check_done(&v);

        /* The top block: then the root hash no longer matches. */
        CHECK_INT(flip_byte(hash, 2 * 4096 + 40), 0);
        CHECK_INT(flip_byte(hash, 1 * 4096 + 7), 0);
        CHECK_INT(check_image("tree", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verify.verdict, VERITY_ROOT_MISMATCH);
        CHECK_INT(v.verdict, VERITY_CHECK_CORRUPTED);
        verity_check_done(&v);

        /* A wrong root hash. */
        CHECK_INT(flip_byte(hash, 1 * 4096 + 7), 0);
        CHECK_INT(write_roothash("tree", "00000000000000000000000000000000000000000000000000000000000000ff"), 0);
        CHECK_INT(check_image("tree", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verify.verdict, VERITY_ROOT_MISMATCH);
        verity_check_done(&v);

        /* A sha256 tree with a root hash of another length. */
        CHECK_INT(write_roothash("tree", "00112233445566778899aabbccddeeff"), 0);
        CHECK_INT(check_image("tree", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK(v.message && strstr(v.message, "16 bytes long"));
}

TEST(signatures) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_(verity_plan_done) VerityPlan plan = {};
        _cleanup_free_ char *hex = make_image("signed", 200), *other = make_image("other", 100);
        DiscoveredImage i = image("signed");
        _cleanup_close_ int fd = -EBADF;
        RawProbe probe = {};

        CHECK(hex && other);
        if (!hex || !other)
                return;
        CHECK_INT(write_roothash("signed", hex), 0);

        /* Unsigned: fine under auto and yes, refused under signed. */
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNSIGNED);
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_UNSIGNED);
        verity_check_done(&v);

        /* Signed by the trusted key. */
        CHECK_INT(sign("signed", hex, "trusted"), 0);
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK(v.signature_checked);
        CHECK_INT(v.signature.verdict, VERITY_SIGNATURE_TRUSTED);
        CHECK(v.signature.certificate && endswith(v.signature.certificate, "/etc/verity.d/test.crt"));
        CHECK(v.signature.signer && strstr(v.signature.signer, "Portables Test Signing"));
        fprintf(stderr, "  %s\n", strna(v.message));
        verity_check_done(&v);

        /* The plan under Verity=signed, with dm-verity: explicit settings. */
        fd = host_open(&ctx, i.path, 0);
        CHECK(fd >= 0);
        {
                int rfd = fd_reopen(fd, O_RDONLY | O_NONBLOCK);
                safe_close(fd);
                fd = rfd;
        }
        CHECK_INT(raw_image_probe(fd, i.path, &probe), 0);
        CHECK_INT(verity_plan(&ctx, &i, fd, &probe, VERITY_SIGNED, NULL, true, &plan), 0);
        CHECK(!plan.refused);
        CHECK_INT(plan.mode, VERITY_MODE_KERNEL);
        CHECK(plan.verify_units);
        CHECK_STR(plan.root_image, "/var/lib/portables/signed.raw");
        {
                _cleanup_free_ char *e = NULL;
                CHECK(asprintf(&e, "RootHash=%s\nRootVerity=/var/lib/portables/signed.verity\n"
                               "RootHashSignature=/var/lib/portables/signed.roothash.p7s\n", hex) > 0);
                CHECK(plan.service_text && strstr(plan.service_text, e));
        }
        CHECK(!plan.unit_text);
        verity_plan_done(&plan);

        /* Without dm-verity: a verified copy, and a dependency on the verify unit. */
        CHECK_INT(verity_plan(&ctx, &i, fd, &probe, VERITY_SIGNED, NULL, false, &plan), 0);
        CHECK(!plan.refused);
        CHECK_INT(plan.mode, VERITY_MODE_SNAPSHOT);
        CHECK_STR(plan.root_image, "/run/portables-verified/signed.raw");
        CHECK_STR(plan.verify_unit, "portables-verify@var-lib-portables-signed.raw.service");
        CHECK(plan.unit_text && strstr(plan.unit_text, "Requires=portables-verify@var-lib-portables-signed.raw.service\n"));
        CHECK(plan.unit_text && strstr(plan.unit_text, "After=portables-verify@var-lib-portables-signed.raw.service\n"));
        CHECK(plan.service_text && !strstr(plan.service_text, "RootHash="));
        CHECK_STR(plan.verify_dropin_name, "portables-verify@var-lib-portables-signed.raw.service.d/20-portable.conf");
        CHECK(plan.verify_dropin_text && strstr(plan.verify_dropin_text, hex));
        verity_plan_done(&plan);

        /* Signed by a key that is not trusted. */
        CHECK_INT(sign("signed", hex, "stranger"), 0);
        CHECK_INT(check_image("signed", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNTRUSTED);
        CHECK_INT(v.signature.verdict, VERITY_SIGNATURE_UNTRUSTED);
        CHECK(v.message && strstr(v.message, "not among the 1 trusted certificates"));
        fprintf(stderr, "  %s\n", strna(v.message));
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_UNTRUSTED);
        verity_check_done(&v);
        CHECK_INT(verity_plan(&ctx, &i, fd, &probe, VERITY_SIGNED, NULL, true, &plan), 0);
        CHECK(plan.refused && strstr(plan.refused, "not among"));
        fprintf(stderr, "  refused: %s\n", strna(plan.refused));
        verity_plan_done(&plan);

        /* Signed by the trusted key, but over another image's root hash. */
        CHECK_INT(sign("signed", other, "trusted"), 0);
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNTRUSTED);
        CHECK_INT(v.signature.verdict, VERITY_SIGNATURE_INVALID);
        fprintf(stderr, "  %s\n", strna(v.message));
        verity_check_done(&v);

        /* Not PKCS#7 at all. */
        CHECK_INT(shell("head -c 300 /dev/urandom > %s/signed.roothash.p7s", pdir), 0);
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK_INT(v.signature.verdict, VERITY_SIGNATURE_MALFORMED);
        verity_check_done(&v);

        /* Masking the trusted certificate with /dev/null in /etc, the copy in /usr/lib no longer counts. */
        CHECK_INT(sign("signed", hex, "trusted"), 0);
        CHECK_INT(shell("mkdir -p %s/usr/lib/verity.d && mv %s/etc/verity.d/test.crt %s/usr/lib/verity.d/test.crt && "
                        "ln -s /dev/null %s/etc/verity.d/test.crt", root, root, root, root), 0);
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNTRUSTED);
        CHECK(v.message && strstr(v.message, "no trusted certificates"));
        verity_check_done(&v);
        CHECK_INT(shell("rm %s/etc/verity.d/test.crt", root), 0);
        CHECK_INT(check_image("signed", VERITY_SIGNED, &v), 0); /* now /usr/lib/verity.d/test.crt counts */
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK(v.signature.certificate && endswith(v.signature.certificate, "/usr/lib/verity.d/test.crt"));

        image_free(&i);
}

/* A PKCS#7 without certificates names its signer by issuer and serial only. A key whose self-made
 * certificate copies the trusted certificate's issuer name and serial number is matched to the
 * trusted certificate, and must fail there: untrusted, and the message must not say that the
 * trusted certificate signed it (found by integration scenario 19, vimpostor.raw). */
TEST(impostor_signature) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("impostor", 50);

        CHECK(hex);
        if (!hex)
                return;
        CHECK_INT(write_roothash("impostor", hex), 0);
        CHECK_INT(shell("cd %s && s=$(openssl x509 -in trusted.crt -noout -serial | cut -d= -f2) && "
                        "openssl req -x509 -newkey rsa:2048 -nodes -keyout impostor.key -out impostor.crt -days 3650 "
                        "-subj \"/CN=Portables Test Signing (trusted)\" -set_serial 0x$s 2>/dev/null && "
                        "test \"$(openssl x509 -in impostor.crt -noout -issuer -serial)\" = "
                        "\"$(openssl x509 -in trusted.crt -noout -issuer -serial)\"", root), 0);
        CHECK_INT(sign("impostor", hex, "impostor"), 0);

        CHECK_INT(check_image("impostor", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_UNTRUSTED);
        CHECK_INT(v.signature.verdict, VERITY_SIGNATURE_INVALID);
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_UNTRUSTED);
        CHECK(v.message && strstr(v.message, "names trusted certificate"));
        CHECK(v.message && strstr(v.message, "does not verify with its key"));
        CHECK(v.message && !strstr(v.message, "signed by trusted"));
        fprintf(stderr, "  %s\n", strna(v.message));
}

TEST(malformed_sidecars) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_(verity_plan_done) VerityPlan plan = {};
        _cleanup_free_ char *hex = make_image("mal", 100);
        DiscoveredImage i = image("mal");

        CHECK(hex != NULL);

        CHECK_INT(write_roothash("mal", "0123456789abcdef0123"), 0); /* wrong length */
        CHECK_INT(check_image("mal", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK(v.message && strstr(v.message, "/var/lib/portables/mal.roothash: malformed root hash: too short"));
        fprintf(stderr, "  %s\n", strna(v.message));
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_MALFORMED);
        verity_check_done(&v);

        CHECK_INT(write_roothash("mal", "this is not a root hash at all, not even close to hex!!!!!!!!!!!"), 0);
        CHECK_INT(check_image("mal", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK(v.message && strstr(v.message, "not a hexadecimal string"));
        verity_check_done(&v);

        /* Refused by the plan with the same words, under any policy. */
        CHECK_INT(verity_plan(&ctx, &i, -EBADF, NULL, VERITY_AUTO, NULL, true, &plan), 0);
        CHECK(plan.refused && strstr(plan.refused, "mal.roothash: malformed root hash"));
        verity_plan_done(&plan);

        /* A root hash without a hash tree. */
        CHECK_INT(write_roothash("mal", hex), 0);
        CHECK_INT(shell("rm %s/mal.verity", pdir), 0);
        CHECK_INT(check_image("mal", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK(v.message && strstr(v.message, "no hash tree"));
        verity_check_done(&v);

        /* A hash tree file that is not one. */
        CHECK_INT(shell("head -c 8192 /dev/zero > %s/mal.verity", pdir), 0);
        CHECK_INT(check_image("mal", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MALFORMED);
        CHECK(v.message && strstr(v.message, "no verity superblock"));
        verity_check_done(&v);

        /* No verity data at all: fine for auto, refused for yes and signed. */
        CHECK_INT(shell("rm %s/mal.verity %s/mal.roothash", pdir, pdir), 0);
        CHECK_INT(check_image("mal", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_NO_VERITY);
        verity_check_done(&v);
        CHECK_INT(verity_plan(&ctx, &i, -EBADF, NULL, VERITY_AUTO, NULL, false, &plan), 0);
        CHECK(!plan.refused);
        CHECK_INT(plan.mode, VERITY_MODE_NONE);
        verity_plan_done(&plan);
        CHECK_INT(verity_plan(&ctx, &i, -EBADF, NULL, VERITY_REQUIRED, NULL, false, &plan), 0);
        CHECK(plan.refused && strstr(plan.refused, "Verity=yes, but it has no verity data"));
        fprintf(stderr, "  refused: %s\n", strna(plan.refused));

        image_free(&i);
}

TEST(xattr) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_free_ char *hex = make_image("xa", 100);
        int r;

        CHECK(hex != NULL);
        r = shell("setfattr -n user.verity.roothash -v %s %s/xa.raw 2>/dev/null", hex, pdir);
        if (r < 0) {
                fprintf(stderr, "  (no user xattrs here, skipped)\n");
                return;
        }
        CHECK_INT(check_image("xa", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK(v.data.root_hash_source && startswith(v.data.root_hash_source, "xattr user.verity.roothash"));
}

TEST(kernel_detection) {
        /* The context root has no /proc/misc and no /sys/module: no dm-verity. */
        unsetenv(VERITY_KERNEL_ENV);
        CHECK_INT(verity_kernel_supported(&ctx), 0);
        CHECK_INT(shell("mkdir -p %s/sys/module/dm_mod %s/sys/module/dm_verity", root, root), 0);
        CHECK_INT(verity_kernel_supported(&ctx), 1);
        CHECK_INT(shell("rmdir %s/sys/module/dm_verity", root), 0);
        CHECK_INT(verity_kernel_supported(&ctx), 0);
        setenv(VERITY_KERNEL_ENV, "yes", 1);
        CHECK_INT(verity_kernel_supported(&ctx), 1);
        unsetenv(VERITY_KERNEL_ENV);
}

TEST(uuid_root_hash) {
        uint8_t h[32];
        _cleanup_free_ char *hex = NULL;

        /* repart: data partition UUID = first 128 bits, verity partition UUID = last 128 bits, in the
         * order the UUID strings read. */
        CHECK_INT(verity_root_hash_from_uuids("5c2ddffe-f394-feb0-c080-312955321e9a",
                                              "47c37890-00aa-ed68-a97b-cfe450d30027", h), 0);
        hex = hexmem_lower(h, sizeof(h));
        CHECK_STR(hex, "5c2ddffef394feb0c080312955321e9a47c3789000aaed68a97bcfe450d30027");
        /* Upper case (blkid may report either) is the same. */
        CHECK_INT(verity_root_hash_from_uuids("5C2DDFFE-F394-FEB0-C080-312955321E9A",
                                              "47c37890-00aa-ed68-a97b-cfe450d30027", h), 0);
        CHECK_INT(verity_root_hash_from_uuids("", "47c37890-00aa-ed68-a97b-cfe450d30027", h), -EINVAL);
        CHECK_INT(verity_root_hash_from_uuids("5c2ddffef394feb0c080312955321e9a",
                                              "47c37890-00aa-ed68-a97b-cfe450d30027", h), -EINVAL);
        CHECK_INT(verity_root_hash_from_uuids("00000000-0000-0000-0000-000000000000",
                                              "47c37890-00aa-ed68-a97b-cfe450d30027", h), -EINVAL);
        CHECK_INT(verity_root_hash_from_uuids("5c2ddffe-f394-feb0-c080-312955321e9a",
                                              "47c37890-00aa-ed68-a97b-cfe450d3002g", h), -EINVAL);
}

static void pin_from_hex(VerityPin *pin, const char *hex) {
        *pin = (VerityPin) {};
        CHECK_INT(verity_parse_root_hash(hex, strlen(hex), pin->root_hash, &pin->root_hash_size, NULL), 0);
        pin->origin = strdup("RootHash= in test.portable:1");
}

TEST(pins) {
        _cleanup_(verity_check_done) VerityCheck v = {};
        _cleanup_(verity_pin_done) VerityPin pin = {}, other = {};
        _cleanup_free_ char *hex = make_image("pinned", 200), *tree = NULL, *raw = NULL;
        uint8_t t[VERITY_DIGEST_MAX];
        size_t tn = 0;

        CHECK(hex != NULL);
        if (!hex)
                return;
        pin_from_hex(&pin, hex);
        pin_from_hex(&other, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

        /* The tree's own root hash is the one veritysetup printed. */
        CHECK(asprintf(&tree, "%s/pinned.verity", pdir) > 0);
        CHECK(asprintf(&raw, "%s/pinned.raw", pdir) > 0);
        {
                _cleanup_close_ int dfd = open(raw, O_RDONLY | O_CLOEXEC), hfd = open(tree, O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *th = NULL;
                CHECK_INT(verity_tree_root_hash(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, t, &tn, NULL), 0);
                th = hexmem_lower(t, tn);
                CHECK_STR(th, hex);
        }

        /* No root hash of its own: without a pin there is nothing to verify, with it it is intact. */
        CHECK_INT(check_image("pinned", VERITY_AUTO, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_NO_VERITY);
        verity_check_done(&v);
        CHECK_INT(check_image_pinned("pinned", VERITY_REQUIRED, &pin, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK_INT(v.data.root_hash_kind, VERITY_ROOT_HASH_PIN);
        CHECK(v.data.pinned);
        CHECK_STR(v.data.root_hash_hex, hex);
        verity_check_done(&v);

        /* Another pin: refused, both hashes named. */
        CHECK_INT(check_image_pinned("pinned", VERITY_REQUIRED, &other, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MISMATCH);
        CHECK_INT(verity_check_verdict_to_exit_status(v.verdict), VERIFY_EXIT_MISMATCH);
        CHECK(v.message && strstr(v.message, hex) && strstr(v.message, "0123456789abcdef") &&
              strstr(v.message, "test.portable:1"));
        verity_check_done(&v);

        /* With its own root hash: the pin must be that one. */
        CHECK_INT(write_roothash("pinned", hex), 0);
        CHECK_INT(check_image_pinned("pinned", VERITY_REQUIRED, &pin, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_INTACT);
        CHECK_INT(v.data.root_hash_kind, VERITY_ROOT_HASH_SIDECAR);
        CHECK(v.data.pinned);
        verity_check_done(&v);
        CHECK_INT(check_image_pinned("pinned", VERITY_REQUIRED, &other, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_MISMATCH);
        CHECK(v.message && strstr(v.message, "pinned.roothash"));
        verity_check_done(&v);
        CHECK_INT(shell("rm %s/pinned.roothash", pdir), 0);

        /* The pin is only checked against the top of the tree first: corrupted data is still found. */
        CHECK_INT(flip_byte(raw, 4096 * 10 + 7), 0);
        CHECK_INT(check_image_pinned("pinned", VERITY_REQUIRED, &pin, &v), 0);
        CHECK_INT(v.verdict, VERITY_CHECK_CORRUPTED);
}

TEST(systemd_version) {
        CHECK_INT(systemd_version_from_library_name("libsystemd-shared-252.so"), 252);
        CHECK_INT(systemd_version_from_library_name("libsystemd-shared-256.7-1.fc41.so"), 256);
        CHECK_INT(systemd_version_from_library_name("libsystemd-shared-257~rc1.so"), 0);
        CHECK_INT(systemd_version_from_library_name("libsystemd-shared-.so"), 0);
        CHECK_INT(systemd_version_from_library_name("libsystemd-shared-252.so.1"), 0);
        CHECK_INT(systemd_version_from_library_name("libsystemd-core-252.so"), 0);
        CHECK_INT(systemd_version(&ctx), 0);     /* nothing in the test root */
        CHECK_INT(shell("mkdir -p %s/usr/lib/x86_64-linux-gnu/systemd %s/usr/lib/systemd && "
                        ": > %s/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so && "
                        ": > %s/usr/lib/systemd/libsystemd-shared-255.so", root, root, root, root), 0);
        CHECK_INT(systemd_version(&ctx), 255);
        setenv(PORTABLES_SYSTEMD_VERSION_ENV, "254", 1);
        CHECK_INT(systemd_version(&ctx), 254);
        unsetenv(PORTABLES_SYSTEMD_VERSION_ENV);
        CHECK_INT(shell("rm -r %s/usr/lib/x86_64-linux-gnu %s/usr/lib/systemd", root, root), 0);
}

/* One ExtensionImagePolicy= for all of a unit's raw extensions: each partition gets the flags of
 * every extension that has it, and "absent" when one has not. */
TEST(extension_image_policy) {
        VerityPlan signed_root = { .mode = VERITY_MODE_KERNEL, .data.signature_size = 1 },
                   verity_root = { .mode = VERITY_MODE_KERNEL }, snap = { .mode = VERITY_MODE_SNAPSHOT },
                   none = { .mode = VERITY_MODE_NONE };
        RawProbe bare = {}, usr_only = { .usr_only = true }, with_verity = { .verity.found = true };
        char *s;

        CHECK_INT(verity_extension_image_policy(NULL, NULL, 0, &s), 0);
        CHECK(!s);

        CHECK_INT(verity_extension_image_policy((const VerityPlan *[]) { &verity_root },
                                                (const RawProbe *[]) { &bare }, 1, &s), 0);
        CHECK_STR(s, "ExtensionImagePolicy=root=verity:=unused+absent\n");
        free(s);

        CHECK_INT(verity_extension_image_policy((const VerityPlan *[]) { &signed_root, &verity_root, &signed_root },
                                                (const RawProbe *[]) { &bare, &bare, &bare }, 3, &s), 0);
        CHECK_STR(s, "ExtensionImagePolicy=root=verity+signed:=unused+absent\n");
        free(s);

        /* A /usr-only extension with dm-verity, beside a root one: each partition may be absent. */
        CHECK_INT(verity_extension_image_policy((const VerityPlan *[]) { &signed_root, &verity_root },
                                                (const RawProbe *[]) { &bare, &usr_only }, 2, &s), 0);
        CHECK_STR(s, "ExtensionImagePolicy=root=signed+absent:usr=verity+absent:=unused+absent\n");
        free(s);

        /* A verified copy is a bare file system, whatever the image was; no verity data used. */
        CHECK_INT(verity_extension_image_policy((const VerityPlan *[]) { &snap, &none },
                                                (const RawProbe *[]) { &usr_only, &with_verity }, 2, &s), 0);
        CHECK_STR(s, "ExtensionImagePolicy=root=unprotected+verity:=unused+absent\n");
        free(s);
}

int main(void) {
        if (!have("mksquashfs") || !have("veritysetup") || !have("openssl")) {
                fprintf(stderr, "mksquashfs, veritysetup or openssl missing, skipping.\n");
                return 77;
        }

        log_setup("test-verity", LOG_TARGET_CONSOLE);
        crypt_set_log_callback(NULL, cryptsetup_quiet, NULL);

        if (!mkdtemp(root))
                return EXIT_FAILURE;
        snprintf(pdir, sizeof(pdir), "%s/var/lib/portables", root);
        if (shell("mkdir -p %s %s/etc/verity.d", pdir, root) < 0 ||
            shell("cd %s && for k in trusted stranger; do "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout $k.key -out $k.crt -days 3650 "
                  "-subj \"/CN=Portables Test Signing ($k)\" 2>/dev/null || exit 1; done; "
                  "cp trusted.crt etc/verity.d/test.crt", root) < 0)
                return EXIT_FAILURE;
        if (context_init_root(&ctx, root) < 0)
                return EXIT_FAILURE;

        RUN(extension_image_policy);
        RUN(parse_root_hash);
        RUN(base64);
        RUN(signature_json);
        RUN(path_escape);
        RUN(intact_and_cross_check);
        RUN(uuid_root_hash);
        RUN(pins);
        RUN(systemd_version);
        RUN(memfd_copy_is_the_verified_data);
        RUN(corrupted_data);
        RUN(corrupted_tree);
        RUN(signatures);
        RUN(impostor_signature);
        RUN(malformed_sidecars);
        RUN(xattr);
        RUN(kernel_detection);

        context_done(&ctx);
        (void) shell("rm -rf %s", root);
        return tests_finish();
}
