/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny assertion helper for the unit tests: no framework, one binary per test file. Each
 * failed check prints file:line and the values, and the binary exits non-zero at the end.
 * TEST(name) defines a test function; RUN(name) runs it. */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tests_failed = 0, tests_checked = 0;

#define CHECK(expr)                                                                     \
        do {                                                                            \
                tests_checked++;                                                        \
                if (!(expr)) {                                                          \
                        tests_failed++;                                                 \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                }                                                                       \
        } while (0)

#define CHECK_INT(a, b)                                                                 \
        do {                                                                            \
                long long _a_ = (long long) (a), _b_ = (long long) (b);                 \
                tests_checked++;                                                        \
                if (_a_ != _b_) {                                                       \
                        tests_failed++;                                                 \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",       \
                                __FILE__, __LINE__, #a, #b, _a_, _b_);                  \
                }                                                                       \
        } while (0)

/* NULL-safe string equality. */
#define CHECK_STR(a, b)                                                                 \
        do {                                                                            \
                const char *_a_ = (a), *_b_ = (b);                                      \
                tests_checked++;                                                        \
                if (!((!_a_ && !_b_) || (_a_ && _b_ && strcmp(_a_, _b_) == 0))) {       \
                        tests_failed++;                                                 \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",   \
                                __FILE__, __LINE__, #a, #b, _a_ ?: "(null)", _b_ ?: "(null)"); \
                }                                                                       \
        } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                       \
        do {                                                                            \
                unsigned _f_ = tests_failed;                                            \
                test_##name();                                                          \
                fprintf(stderr, "%s %s\n", tests_failed == _f_ ? "ok  " : "FAIL", #name); \
        } while (0)

static inline int tests_finish(void) {
        fprintf(stderr, "%u checks, %u failed\n", tests_checked, tests_failed);
        return tests_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
