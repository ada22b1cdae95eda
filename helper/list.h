/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "json-writer.h"
#include "scan.h"

/* `portables list`: one row per image entry found in the portables directories. */
int verb_list(int argc, char **argv);

/* The fields list prints for one image, as JSON object members (shared with inspect). */
/* with_units: the "units" member (names of the units written); inspect writes its own, in detail. */
void json_image_summary(JsonWriter *w, const Scan *s, const ScannedImage *i, bool with_units);

/* The note printed on stderr when the kernel command line or missing privileges make what we show
 * differ from what the generator does. */
void scan_print_caveats(const Scan *s);
