/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _sentinel_ __attribute__((sentinel))
#define _noreturn_ __attribute__((noreturn))
#define _const_ __attribute__((const))
#define _fallthrough_ __attribute__((fallthrough))
#define _pure_ __attribute__((pure))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define CMP(a, b) (((a) < (b)) ? -1 : (((a) > (b)) ? 1 : 0))

/* Take ownership of a pointer or fd: the variable is reset so its cleanup does nothing. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _p_ = (p);        \
                (p) = NULL;                     \
                _p_;                            \
        })
/* NAME_to_string() for an enum TYPE from NAME_table[] (indexed by the values; NULL out of range),
 * as systemd's DEFINE_STRING_TABLE_LOOKUP_TO_STRING(). */
#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                        \
        const char *name##_to_string(type i) {                                                  \
                return (int) i >= 0 && (size_t) i < ELEMENTSOF(name##_table) ? name##_table[i] : NULL; \
        }

/* NAME_from_string() for the same table: the value whose string s is, else -EINVAL (the enums'
 * _INVALID), as systemd's DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(). */
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                                      \
        type name##_from_string(const char *s) {                                                \
                assert(s);                                                                      \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(name##_table); _i_++)                     \
                        if (name##_table[_i_] && strcmp(s, name##_table[_i_]) == 0)             \
                                return (type) _i_;                                              \
                return (type) -EINVAL;                                                          \
        }

/* The same for a struct whose cleanup frees what it holds: a copy is returned, the variable is
 * emptied, as systemd's TAKE_STRUCT(). */
#define TAKE_STRUCT(s)                                          \
        ({                                                      \
                __typeof__(s) *_s_ = &(s);                      \
                __typeof__(s) _t_ = *_s_;                       \
                *_s_ = (__typeof__(s)) {};                      \
                _t_;                                            \
        })
#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -EBADF;                  \
                _fd_;                           \
        })

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

/* Replace *p with a newly allocated copy of s (or NULL). Returns 0 or -ENOMEM. */
static inline int free_and_strdup(char **p, const char *s) {
        char *t = NULL;

        if (s) {
                t = strdup(s);
                if (!t)
                        return -ENOMEM;
        }
        free(*p);
        *p = t;
        return 0;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}
/* For the default: of a switch over values that cannot come (getopt_long() results, ...). */
#define assert_not_reached() abort()

#define IN_SET(x, ...)                                                  \
        ({                                                              \
                const __typeof__(x) _set_[] = { __VA_ARGS__ };          \
                bool _found_ = false;                                   \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_set_); _i_++)    \
                        if (_set_[_i_] == (x)) {                        \
                                _found_ = true;                         \
                                break;                                  \
                        }                                               \
                _found_;                                                \
        })

static inline bool isempty(const char *s) {
        return !s || s[0] == '\0';
}
static inline const char *strempty(const char *s) {
        return s ?: "";
}
static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

#define ERRNO_VALUE(e) (abs(e))
#define RET_NERRNO(expr)                        \
        ({                                      \
                __typeof__(expr) _r_ = (expr);  \
                _r_ < 0 ? -errno : _r_;         \
        })
