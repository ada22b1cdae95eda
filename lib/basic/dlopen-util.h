/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Libraries the generator needs only sometimes (libblkid and libmount when an image is not in the
 * extraction cache, libcrypto for verity) are loaded when first needed, as systemd does with its
 * optional libraries: linked in, they would be loaded and relocated at every daemon-reload, which
 * costs more than all the work of a reload with a warm cache. Their functions are called through
 * sym_NAME pointers, set by dlopen_many_sym(). */

/* Loads filename (once: *dlp keeps the handle) and resolves the symbols, given as pairs (void
 * **where, const char *name) and a NULL at the end. 0, or -EOPNOTSUPP, logged at debug level,
 * if the library or a symbol is missing. */
int dlopen_many_sym(void **dlp, const char *filename, ...) _sentinel_;

#define DLSYM_PROTOTYPE(symbol) extern typeof(symbol) *sym_##symbol
#define DLSYM_FUNCTION(symbol) typeof(symbol) *sym_##symbol = NULL
#define DLSYM_ARG(arg) ((void **) &sym_##arg), #arg
