/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "json-writer.h"

/* What every verb of `portables` shares: the command line options that shape output, the exit
 * codes, the pager and simple aligned tables. */

/* Exit codes (documented in portables(1)). Verbs return <0 (an errno: exit 1), 0, or one of these. */
#define EXIT_USAGE 2            /* bad command line */
#define EXIT_NOT_FOUND 4        /* no such image, or no such unit */

/* Options, set once by main() while parsing the command line. */
extern JsonFormat arg_json;
extern bool arg_pager;
extern bool arg_legend;
extern const char *arg_root;    /* --root=DIR, absolute, or NULL for $PORTABLES_ROOT or "/" */

/* The OS tree the helper works on: --root=, else $PORTABLES_ROOT, else "/". */
const char *output_root(void);

/* Before a verb's own getopt_long() over its argc/argv (verb name first): drops the "--" that
 * main() leaves in front of the verb's arguments when it stopped there ("portables verify --
 * --policy=signed foo": that one separates main's options from the verb's, a later one ends the
 * verb's), and resets getopt_long(), quiet (opterr = 0: the verb words its own errors). */
void verb_options_begin(int *argc, char ***argv);

/* Starts the pager on stdout, as systemd's tools do: only if stdout is a terminal and --no-pager
 * was not given; $SYSTEMD_PAGER, else $PAGER, else less (with $LESS defaulting to "FRXMK"),
 * then more; an empty value or "cat" means none. Never fails: without a pager, output goes to
 * stdout directly. */
void pager_open(void);
/* Flushes stdout, closes the pipe and waits for the pager to exit. */
void pager_close(void);

/* A table of strings, printed as aligned columns (the last one unpadded), with a header line
 * unless --no-legend. NULL cells print as "-". */
typedef struct Table Table;

Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);
/* Adds one row of exactly n_columns cells, copied. */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
int table_print(const Table *t, FILE *f);
