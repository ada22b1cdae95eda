/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* NULL-terminated string vectors, as in systemd. */

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Removes (and frees) every entry equal to s, in place. */
void strv_remove(char **l, const char *s);
/* Takes a copy of value. */
int strv_extend(char ***l, const char *value);
/* Takes ownership of value (freed on failure too). */
int strv_consume(char ***l, char *value);
void strv_sort(char **l);
/* Splits on whitespace, honouring quotes (extract_first_word()). */
int strv_split_words(const char *s, char ***ret);
char *strv_join(char *const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
