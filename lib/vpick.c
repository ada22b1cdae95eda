/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <endian.h>
#include <stdlib.h>

#include "names.h"
#include "string-util.h"
#include "version.h"
#include "vpick.h"

/* systemd's architecture vocabulary (src/basic/architecture.c), the words ConditionArchitecture=
 * takes and vpick looks for after the version. */
static const char *const architectures[] = {
        "alpha", "arc", "arc-be", "arm", "arm64", "arm64-be", "arm-be", "cris", "ia64", "loongarch64",
        "m68k", "mips", "mips64", "mips64-le", "mips-le", "nios2", "parisc", "parisc64", "ppc", "ppc64",
        "ppc64-le", "ppc-le", "riscv32", "riscv64", "s390", "s390x", "sh", "sh64", "sparc", "sparc64",
        "tilegx", "x86", "x86-64",
};

/* As systemd's native_architecture() and ARCHITECTURE_SECONDARY (src/basic/architecture.h). */
#if defined(__x86_64__)
#  define NATIVE "x86-64"
#  define SECONDARY "x86"
#elif defined(__i386__)
#  define NATIVE "x86"
#elif defined(__powerpc64__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "ppc64"
#  define SECONDARY "ppc"
#elif defined(__powerpc64__)
#  define NATIVE "ppc64-le"
#  define SECONDARY "ppc-le"
#elif defined(__powerpc__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "ppc"
#elif defined(__powerpc__)
#  define NATIVE "ppc-le"
#elif defined(__ia64__)
#  define NATIVE "ia64"
#elif defined(__hppa64__)
#  define NATIVE "parisc64"
#elif defined(__hppa__)
#  define NATIVE "parisc"
#elif defined(__s390x__)
#  define NATIVE "s390x"
#  define SECONDARY "s390"
#elif defined(__s390__)
#  define NATIVE "s390"
#elif defined(__sparc__) && defined(__arch64__)
#  define NATIVE "sparc64"
#elif defined(__sparc__)
#  define NATIVE "sparc"
#elif defined(__mips64) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "mips64"
#elif defined(__mips64)
#  define NATIVE "mips64-le"
#elif defined(__mips__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "mips"
#elif defined(__mips__)
#  define NATIVE "mips-le"
#elif defined(__alpha__)
#  define NATIVE "alpha"
#elif defined(__aarch64__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "arm64-be"
#elif defined(__aarch64__)
#  define NATIVE "arm64"
#  define SECONDARY "arm"
#elif defined(__arm__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "arm-be"
#elif defined(__arm__)
#  define NATIVE "arm"
#elif defined(__sh64__)
#  define NATIVE "sh64"
#elif defined(__sh__)
#  define NATIVE "sh"
#elif defined(__loongarch_lp64)
#  define NATIVE "loongarch64"
#elif defined(__m68k__)
#  define NATIVE "m68k"
#elif defined(__tilegx__)
#  define NATIVE "tilegx"
#elif defined(__cris__)
#  define NATIVE "cris"
#elif defined(__nios2__)
#  define NATIVE "nios2"
#elif defined(__riscv) && __SIZEOF_POINTER__ == 4
#  define NATIVE "riscv32"
#elif defined(__riscv)
#  define NATIVE "riscv64"
#elif defined(__arc__) && __BYTE_ORDER == __BIG_ENDIAN
#  define NATIVE "arc-be"
#elif defined(__arc__)
#  define NATIVE "arc"
#else
#  error "Unknown architecture: add it to lib/vpick.c as systemd's src/basic/architecture.h has it"
#endif

const char *vpick_native_architecture(void) {
        return NATIVE;
}

const char *vpick_secondary_architecture(void) {
#ifdef SECONDARY
        return SECONDARY;
#else
        return NULL;
#endif
}

bool vpick_architecture_is_known(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(architectures); i++)
                if (streq(architectures[i], s))
                        return true;
        return false;
}

void vpick_entry_done(VPickEntry *e) {
        e->version = mfree(e->version);
        *e = (VPickEntry) { .tries_left = VPICK_TRIES_NONE, .tries_done = VPICK_TRIES_NONE };
}

int vpick_dir_name_parse(const char *filename, char **ret_name, bool *ret_raw) {
        _cleanup_free_ char *name = NULL;
        const char *e;
        char *r;
        bool raw = false;

        if (!image_filename_is_valid(filename))
                return -EINVAL;
        e = endswith(filename, ".v");
        if (!e)
                return -EINVAL;
        name = strndup(filename, e - filename);
        if (!name)
                return -ENOMEM;
        /* As systemd's extract_image_basename() with the suffixes ".raw" and "". */
        r = endswith(name, ".raw");
        if (r) {
                *r = 0;
                raw = true;
        }
        if (isempty(name) || !image_filename_is_valid(name) || strchr(name, '_'))
                return -EINVAL;

        if (ret_name)
                *ret_name = TAKE_PTR(name);
        if (ret_raw)
                *ret_raw = raw;
        return 0;
}

/* As systemd's safe_atou() on a string of n digits: base 10, or 8 with a leading "0" (strtoul()'s
 * base 0); false if a digit does not fit the base or the value does not fit an unsigned. */
static bool parse_counter(const char *s, size_t n, unsigned *ret) {
        unsigned base = n > 1 && s[0] == '0' ? 8 : 10;
        unsigned v = 0;

        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned) (s[i] - '0');

                if (!ascii_isdigit(s[i]) || d >= base)
                        return false;
                if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
                        return false;
        }
        *ret = v;
        return true;
}

/* s points at a "+": "+LEFT" or "+LEFT-DONE" to its end, as vpick's parse_tries() (LEFT alone:
 * DONE is 0). */
static bool parse_tries(const char *s, unsigned *ret_left, unsigned *ret_done) {
        unsigned left, done = 0;
        size_t n;

        s++;
        n = strspn(s, DIGITS);
        if (n == 0)
                return false;
        if (!parse_counter(s, n, &left))
                return false;
        if (s[n] == '-') {
                const char *d = s + n + 1;
                size_t m = strspn(d, DIGITS);

                if (d[m] != 0 || !parse_counter(d, m, &done))
                        return false;
        } else if (s[n] != 0)
                return false;

        *ret_left = left;
        *ret_done = done;
        return true;
}

static bool version_is_valid(const char *s) {
        /* systemd's version_is_valid(): a superset of semver's characters. */
        return !isempty(s) && strlen(s) <= 255 && s[strspn(s, ALPHANUMERICAL ".,_-+")] == 0;
}

int vpick_entry_parse(const char *filename, const char *name, const char *suffix, VPickEntry *ret) {
        _cleanup_free_ char *buf = NULL;
        unsigned left = VPICK_TRIES_NONE, done = VPICK_TRIES_NONE;
        const char *architecture = NULL, *native = vpick_native_architecture(),
                   *secondary = vpick_secondary_architecture();
        VPickArch arch;
        char *e, *plus, *underscore;

        /* Hostile names first: what we take goes into drop-ins and paths. */
        if (!image_filename_is_valid(filename))
                return VPICK_NOT_NAMED;

        e = startswith(filename, name);
        if (!e || e[0] != '_')
                return VPICK_NOT_NAMED;
        buf = strdup(e + 1);
        if (!buf)
                return -ENOMEM;
        e = buf;

        if (!isempty(suffix)) {
                char *s = endswith(e, suffix);
                if (!s)
                        return VPICK_NOT_NAMED;
                *s = 0;
        }

        plus = strrchr(e, '+');
        if (plus && parse_tries(plus, &left, &done))
                *plus = 0;

        underscore = strrchr(e, '_');
        if (underscore && vpick_architecture_is_known(underscore + 1)) {
                architecture = underscore + 1;
                if (streq(architecture, native))
                        arch = VPICK_ARCH_NATIVE;
                else if (secondary && streq(architecture, secondary))
                        arch = VPICK_ARCH_SECONDARY;
                else
                        return VPICK_FOREIGN_ARCH;
        } else
                arch = VPICK_ARCH_ANY;
        /* Cut off even when it names no architecture, as vpick does. */
        if (underscore)
                *underscore = 0;

        if (!version_is_valid(e))
                return VPICK_BAD_VERSION;

        if (ret) {
                char *v = strdup(e);
                if (!v)
                        return -ENOMEM;
                *ret = (VPickEntry) {
                        .version = v,
                        .architecture = arch == VPICK_ARCH_NATIVE ? native :
                                        arch == VPICK_ARCH_SECONDARY ? secondary : NULL,
                        .arch = arch,
                        .tries_left = left,
                        .tries_done = done,
                };
        }
        return VPICK_MATCH;
}

int vpick_entry_compare(const VPickEntry *a, const VPickEntry *b, VPickKey *ret_key) {
        VPickKey key;
        int d;

        if ((d = CMP(a->tries_left != 0, b->tries_left != 0)) != 0)
                key = VPICK_KEY_TRIES_LEFT_ZERO;
        else if ((d = version_compare(a->version, b->version)) != 0)
                key = VPICK_KEY_VERSION;
        else if ((d = -CMP(a->arch, b->arch)) != 0)
                key = VPICK_KEY_ARCH;
        else if ((d = CMP(a->tries_left, b->tries_left)) != 0)
                key = VPICK_KEY_TRIES_LEFT;
        else if ((d = -CMP(a->tries_done, b->tries_done)) != 0)
                key = VPICK_KEY_TRIES_DONE;
        else
                key = VPICK_KEY_NONE;

        if (ret_key)
                *ret_key = key;
        return d < 0 ? -1 : d > 0 ? 1 : 0;
}
